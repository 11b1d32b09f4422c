/*
 * Diagnostics: a list of problems found in a file (configuration, YAML), each
 * with its position, so a user sees every problem in one run, not one per run.
 */
#ifndef DRIFTWARD_DIAG_H
#define DRIFTWARD_DIAG_H

#include <stddef.h>

#include "driftward/common.h"

enum dw_diag_severity {
	DW_DIAG_ERROR,
	DW_DIAG_WARNING,
};

struct dw_diag {
	enum dw_diag_severity severity;
	char *file;
	unsigned line, col; /* 1-based; 0 when unknown */
	char *msg;          /* redacted */
};

struct dw_diags {
	struct dw_diag *items;
	size_t count;
	size_t alloc;
	size_t errors;
};

void dw_diags_init(struct dw_diags *d);
void dw_diags_release(struct dw_diags *d);

/* Records a problem. Returns 0 or -ENOMEM (the problem is then lost, the list kept). */
int dw_diags_add(struct dw_diags *d, enum dw_diag_severity sev, const char *file, unsigned line,
                 unsigned col, const char *fmt, ...) DW_PRINTF(6, 7);

/* Formats one item as "file:line:col: error: msg" into @out (NUL-terminated). */
const char *dw_diag_format(const struct dw_diag *item, char *out, size_t outlen);

#endif
