#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/buf.h"
#include "driftward/diag.h"
#include "driftward/redact.h"

#define DW_DIAG_MSG_MAX 1024

void dw_diags_init(struct dw_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void dw_diags_release(struct dw_diags *d)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		free(d->items[i].file);
		free(d->items[i].msg);
	}
	free(d->items);
	dw_diags_init(d);
}

int dw_diags_add(struct dw_diags *d, enum dw_diag_severity sev, const char *file, unsigned line,
                 unsigned col, const char *fmt, ...)
{
	char msg[DW_DIAG_MSG_MAX];
	struct dw_diag *item;
	va_list ap;

	if (DW_ARRAY_GROW(d->items, d->alloc, d->count + 1) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dw_redact_inplace(msg, sizeof(msg));
	item = &d->items[d->count];
	item->severity = sev;
	item->line = line;
	item->col = col;
	item->file = file ? strdup(file) : NULL;
	item->msg = strdup(msg);
	if ((file && !item->file) || !item->msg) {
		free(item->file);
		free(item->msg);
		return -ENOMEM;
	}
	d->count++;
	if (sev == DW_DIAG_ERROR)
		d->errors++;
	return 0;
}

const char *dw_diag_format(const struct dw_diag *item, char *out, size_t outlen)
{
	const char *sev = item->severity == DW_DIAG_ERROR ? "error" : "warning";
	const char *file = item->file ? item->file : "-";

	if (item->line && item->col)
		snprintf(out, outlen, "%s:%u:%u: %s: %s", file, item->line, item->col, sev,
		         item->msg);
	else if (item->line)
		snprintf(out, outlen, "%s:%u: %s: %s", file, item->line, sev, item->msg);
	else
		snprintf(out, outlen, "%s: %s: %s", file, sev, item->msg);
	return out;
}
