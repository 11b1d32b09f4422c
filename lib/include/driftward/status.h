/*
 * driftward status: where each tenant stands, read from the state repository
 * alone (no configuration, no network, no clock of its own), so it gives the
 * same answer on the agent and on a copy of the repository on a laptop.
 *
 * Per tenant: the last run that committed (the tenant branch's last commit
 * and its trailers), its result, the open findings of its drift.json by
 * severity with their age, the collectors _status.json marks incomplete, and
 * the last push (the branch against its remote-tracking ref). The answer is a
 * JSON document, schema DW_STATUS_SCHEMA (docs/operating.md); the text form is
 * rendered from it.
 */
#ifndef DRIFTWARD_STATUS_H
#define DRIFTWARD_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "driftward/buf.h"
#include "driftward/error.h"

struct dw_store;
struct dw_json;
struct dw_json_doc;

#define DW_STATUS_SCHEMA "driftward/tenant-status/v1"

struct dw_status_options {
	const char *const *tenants; /* only these (each must have a branch); NULL: all */
	size_t ntenants;
	int64_t now; /* seconds since the epoch: the ages are counted to it */
};

/*
 * Reads the status of the tenants into a new document (*out, the caller
 * frees it). -ENOENT naming the tenant when a tenant asked for has no branch;
 * a drift.json or _status.json that does not parse fails naming the file.
 */
int dw_status_read(struct dw_store *store, const struct dw_status_options *o,
                   struct dw_json_doc **out, struct dw_error *err);

/* Appends the text form of @status (a document from dw_status_read) to @out. */
int dw_status_write_text(const struct dw_json *status, struct dw_buf *out);

#endif
