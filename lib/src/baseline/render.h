/* Shared by the report renderers (render-*.c): each reads the drift.json tree. */
#ifndef DW_BASELINE_RENDER_H
#define DW_BASELINE_RENDER_H

#include "driftward/buf.h"
#include "driftward/json.h"

/* Member @key of @o as a C string; "" when absent or not a string. */
static inline const char *render_str(const struct dw_json *o, const char *key)
{
	const char *s = o ? dw_json_cstr(dw_json_get(o, key)) : NULL;

	return s ? s : "";
}

struct dw_drift;
int dw_baseline__render_md(const struct dw_drift *d, struct dw_buf *out);
int dw_baseline__render_junit(const struct dw_drift *d, struct dw_buf *out);
int dw_baseline__render_sarif(const struct dw_drift *d, struct dw_buf *out, struct dw_error *err);

#endif
