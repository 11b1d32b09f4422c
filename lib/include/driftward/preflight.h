/*
 * The permission preflight (driftward check --online): for each selected
 * tenant a token, then the first page of each of its collectors, read once,
 * all tenants through one Graph loop. Each read is classified exactly as a
 * snapshot classifies it for _status.json (enum dw_collector_status in
 * driftward/snapshot.h): readable, forbidden (naming the catalog's
 * permissions), not licensed, or error.
 *
 * Like dw_snapshot_run it opens the tenants (driftward/session.h), selects
 * their collectors, submits the reads and returns a report; the caller only
 * prints it.
 */
#ifndef DRIFTWARD_PREFLIGHT_H
#define DRIFTWARD_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/error.h"
#include "driftward/graph.h"
#include "driftward/snapshot.h"

struct dw_preflight_row {
	const struct dw_collector *collector; /* borrowed from the catalog */
	enum dw_collector_status status;      /* OK, FORBIDDEN, UNLICENSED or FAILED */
	enum dw_graph_outcome outcome;
	long http_status;
	size_t objects; /* on the first page */
	char detail[DW_ERROR_MSG_MAX + 32];
};

struct dw_preflight_tenant {
	const struct dw_tenant_config *tenant; /* borrowed from the configuration */
	/*
	 * 0, or why the tenant could not be checked: its session did not open
	 * (the message names the tenant), or no token could be had
	 * (auth_failed; the token service's answer, which names the tenant).
	 * No rows then.
	 */
	int rc;
	bool auth_failed;
	struct dw_error err;
	struct dw_preflight_row *rows; /* in the catalog's order */
	size_t nrows;
};

struct dw_preflight_report {
	struct dw_preflight_tenant *tenants; /* in the configuration's order */
	size_t ntenants;
	int rc; /* 0, or the Graph loop broke (err says why; every read then failed) */
	struct dw_error err;
};

struct dw_preflight_options {
	const char *const *tenants; /* names; none: every tenant */
	size_t ntenants;
};

/*
 * Checks the selected tenants. Returns 0 with a report (problems are in it),
 * -EINVAL naming an unknown tenant in @err, or another negative code when
 * nothing could be checked (no key, no Graph client). The report borrows
 * from @cfg and @catalog: free it before them. It is the caller's to free,
 * also on failure (*@out may be NULL).
 */
int dw_preflight_run(const struct dw_config *cfg, const struct dw_catalog *catalog,
                     const struct dw_preflight_options *opts, struct dw_preflight_report **out,
                     struct dw_error *err);

/* True when the tenant has something to fix: no token, or a collector forbidden or failing
 * (a missing licence is the tenant's choice, not a problem). */
bool dw_preflight_tenant_bad(const struct dw_preflight_tenant *t);

/* Accepts NULL. */
void dw_preflight_report_free(struct dw_preflight_report *report);

#endif
