/*
 * Errors: functions return 0 or a negative errno-style code. A caller that wants
 * to tell the user more passes a struct dw_error, which the failing layer fills
 * once and upper layers may prefix with context. Messages are redacted when set,
 * so a secret that slips into a format argument never reaches the user.
 */
#ifndef DRIFTWARD_ERROR_H
#define DRIFTWARD_ERROR_H

#include <stddef.h>

#include "driftward/common.h"

enum dw_error_area {
	DW_AREA_NONE = 0,
	DW_AREA_SYSTEM, /* a system call; code is the errno value */
	DW_AREA_CONFIG,
	DW_AREA_JSON,
	DW_AREA_YAML,
	DW_AREA_CRYPTO, /* code is an OpenSSL reason where there is one */
	DW_AREA_HTTP,   /* code is a CURLcode */
	DW_AREA_TLS,
	DW_AREA_GRAPH, /* code is the HTTP status */
	DW_AREA_GIT,   /* code is the libgit2 error class */
	DW_AREA_USAGE,
};

#define DW_ERROR_MSG_MAX  512
#define DW_ERROR_FILE_MAX 256

struct dw_error {
	enum dw_error_area area;
	long code;                    /* the foreign code of the area, 0 when none */
	char file[DW_ERROR_FILE_MAX]; /* empty when the error is not about a file */
	unsigned line, col;           /* 1-based; 0 when unknown */
	char msg[DW_ERROR_MSG_MAX];
};

/* Resets @err to "no error". Accepts NULL. */
void dw_error_clear(struct dw_error *err);

/*
 * Sets the error if it is not set yet (the innermost layer wins) and returns
 * @rc, so callers can write `return dw_error_set(err, -EINVAL, ...)`.
 * @err may be NULL; @rc is returned all the same.
 */
int dw_error_set(struct dw_error *err, int rc, enum dw_error_area area, long code, const char *fmt,
                 ...) DW_PRINTF(5, 6);

/* Like dw_error_set, with a file position. @line/@col may be 0. */
int dw_error_at(struct dw_error *err, int rc, enum dw_error_area area, const char *file,
                unsigned line, unsigned col, const char *fmt, ...) DW_PRINTF(7, 8);

/* Prefixes the message with context ("tenant contoso: "); keeps everything else. */
void dw_error_prefix(struct dw_error *err, const char *fmt, ...) DW_PRINTF(2, 3);

/* True when @err holds an error. */
int dw_error_isset(const struct dw_error *err);

/*
 * Formats "file:line:col: message" (the parts that are known) into @out.
 * Always NUL-terminates. Returns @out.
 */
const char *dw_error_format(const struct dw_error *err, char *out, size_t outlen);

/* A short, stable name for the area ("config", "http", ...). */
const char *dw_error_area_name(enum dw_error_area area);

#endif
