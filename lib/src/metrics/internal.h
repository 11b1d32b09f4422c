/* Shared by the parts of the metrics writer. */
#ifndef DW_METRICS_INTERNAL_H
#define DW_METRICS_INTERNAL_H

#include "driftward/buf.h"
#include "driftward/metrics.h"

/*
 * dw_metrics_format, calling @spill (when given) after each tenant's samples
 * of each family, so that a writer can move the text so far to its file and
 * hold only a piece of it at a time.
 */
int dw_metrics__format(const struct dw_metrics_run *run, struct dw_buf *out,
                       int (*spill)(struct dw_buf *out, void *arg), void *arg);

#endif
