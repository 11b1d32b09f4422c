#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driftward/error.h"
#include "driftward/redact.h"

void dw_error_clear(struct dw_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int dw_error_isset(const struct dw_error *err)
{
	return err && err->area != DW_AREA_NONE;
}

static void set_message(struct dw_error *err, const char *fmt, va_list ap) DW_PRINTF(2, 0);

static void set_message(struct dw_error *err, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	dw_redact_inplace(err->msg, sizeof(err->msg));
}

int dw_error_set(struct dw_error *err, int rc, enum dw_error_area area, long code, const char *fmt,
                 ...)
{
	va_list ap;

	if (!err || dw_error_isset(err))
		return rc;
	memset(err, 0, sizeof(*err));
	err->area = area == DW_AREA_NONE ? DW_AREA_SYSTEM : area;
	err->code = code;
	va_start(ap, fmt);
	set_message(err, fmt, ap);
	va_end(ap);
	return rc;
}

int dw_error_at(struct dw_error *err, int rc, enum dw_error_area area, const char *file,
                unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (!err || dw_error_isset(err))
		return rc;
	memset(err, 0, sizeof(*err));
	err->area = area == DW_AREA_NONE ? DW_AREA_SYSTEM : area;
	if (file)
		snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	set_message(err, fmt, ap);
	va_end(ap);
	return rc;
}

void dw_error_prefix(struct dw_error *err, const char *fmt, ...)
{
	char joined[DW_ERROR_MSG_MAX];
	size_t plen, mlen;
	va_list ap;

	if (!dw_error_isset(err))
		return;
	va_start(ap, fmt);
	vsnprintf(joined, sizeof(joined), fmt, ap);
	va_end(ap);
	dw_redact_inplace(joined, sizeof(joined));
	/* the message is cut at the end, never the context at the start */
	plen = strlen(joined);
	mlen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (mlen > sizeof(joined) - 1 - plen)
		mlen = sizeof(joined) - 1 - plen;
	memcpy(joined + plen, err->msg, mlen);
	joined[plen + mlen] = '\0';
	memcpy(err->msg, joined, sizeof(err->msg));
}

const char *dw_error_format(const struct dw_error *err, char *out, size_t outlen)
{
	const char *msg;

	if (!out || outlen == 0)
		return out;
	msg = dw_error_isset(err) && err->msg[0] ? err->msg : "unknown error";
	if (!err || !err->file[0])
		snprintf(out, outlen, "%s", msg);
	else if (err->line && err->col)
		snprintf(out, outlen, "%s:%u:%u: %s", err->file, err->line, err->col, msg);
	else if (err->line)
		snprintf(out, outlen, "%s:%u: %s", err->file, err->line, msg);
	else
		snprintf(out, outlen, "%s: %s", err->file, msg);
	return out;
}

const char *dw_error_area_name(enum dw_error_area area)
{
	static const char *const names[] = {
		[DW_AREA_NONE] = "none", [DW_AREA_SYSTEM] = "system", [DW_AREA_CONFIG] = "config",
		[DW_AREA_JSON] = "json", [DW_AREA_YAML] = "yaml",     [DW_AREA_CRYPTO] = "crypto",
		[DW_AREA_HTTP] = "http", [DW_AREA_TLS] = "tls",       [DW_AREA_GRAPH] = "graph",
		[DW_AREA_GIT] = "git",   [DW_AREA_USAGE] = "usage",
	};

	if ((unsigned)area >= DW_ARRAY_SIZE(names) || !names[area])
		return "unknown";
	return names[area];
}
