/*
 * Snapshots (DESIGN.md sections 2 and 3): every configured collector of each
 * tenant is read through Graph, normalised, written as canonical JSON and
 * committed to the tenant's branch of the state repository, one commit per
 * tenant and run, and only when something changed.
 *
 * A collector that could not be read completely keeps its previous files and
 * is marked in _status.json; it never looks like a deletion.
 */
#ifndef DRIFTWARD_SNAPSHOT_H
#define DRIFTWARD_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "driftward/baseline.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/error.h"
#include "driftward/graph.h"
#include "driftward/store.h"

/* The file in each tenant's tree that says how complete each collector is. */
#define DW_STATUS_FILE "_status.json"
/* The file that names the groups, filters and scope tags objects refer to by id. */
#define DW_NAMES_FILE "_names.json"
/* The last restore's record (driftward/restore.h), which snapshots keep as it is. */
#define DW_RESTORE_AUDIT_FILE "_restore.json"
/* The plan of remediate = plan (driftward/restore.h), beside the drift report; kept as well. */
#define DW_RESTORE_PLAN_FILE "plan.json"
#define DW_RESTORE_PLAN_MD   "PLAN.md"

/*
 * Whether a collector can be read, as a snapshot records it in _status.json
 * and as the preflight (check --online, driftward/preflight.h) reports it.
 */
enum dw_collector_status {
	DW_COLLECTOR_OK = 0,
	DW_COLLECTOR_UNLICENSED, /* the tenant has no licence for it: nothing to read */
	DW_COLLECTOR_PARTIAL,    /* some pages were read, not all */
	DW_COLLECTOR_FORBIDDEN,  /* the application lacks the permission */
	DW_COLLECTOR_FAILED,
};

/* "ok", "unlicensed", "partial", "forbidden", "failed": the name _status.json stores. */
const char *dw_collector_status_name(enum dw_collector_status status);

/* "readable", "not licensed", "partial", "forbidden", "error": what check --online prints. */
const char *dw_collector_status_label(enum dw_collector_status status);

/* True for the statuses that mean the tenant's snapshot is incomplete (exit status 3). */
bool dw_collector_status_incomplete(enum dw_collector_status status);

struct dw_snapshot_tenant;
struct dw_snapshot_push;

struct dw_snapshot_options {
	const char *const *tenants; /* names from -t; none: every tenant */
	size_t ntenants;
	unsigned shard_index; /* with shard_count > 1: only tenants whose hash % count == index */
	unsigned shard_count;
	const char *run_id; /* NULL: a new random one */
	bool push;          /* push tenant branches to agent.remote after committing */
	/*
	 * Commits only compact the store's packs and leave the roll-up to
	 * `driftward gc --auto` (dw_store_gc_options.compact_only). A run of more
	 * than one tenant always does; set it for a run of one that is a step of
	 * a larger one (remediation's snapshot after an apply).
	 */
	bool compact_only;
	/*
	 * A run over many tenants streams: when tenant_done is set, it is called
	 * for each tenant as soon as the tenant is done (committed, unchanged or
	 * failed), in the order they get done, and the entry is released
	 * right after it returns; the report then holds no entries (tenants is
	 * NULL), only the run's counts, so memory stays flat in the number of
	 * tenants. The branches are pushed at the end of the run, in one push:
	 * tenant_pushed then says, for each tenant, what became of its branch.
	 * Without tenant_done the report keeps every entry, push outcome
	 * included (for a caller of one or a few tenants).
	 */
	void (*tenant_done)(const struct dw_snapshot_tenant *t, void *payload);
	void (*tenant_pushed)(const struct dw_snapshot_push *p, void *payload);
	void *payload;
};

/* What the run's push did with one tenant's branch (streaming runs). */
struct dw_snapshot_push {
	const struct dw_tenant_config *tenant;
	bool pushed; /* sent this run (false also when the remote had it already) */
	/*
	 * < 0: the branch should have gone and did not (refused, or the push
	 * failed); err names the tenant and the branch and says why. The commit
	 * stays, and the next run pushes it.
	 */
	int rc;
	struct dw_error err;
};

struct dw_snapshot_collector {
	const struct dw_collector *collector;
	enum dw_collector_status status;
	size_t objects;   /* read this run; for an incomplete one, the files kept */
	char detail[256]; /* why it is not ok: no secrets, stable across runs */
};

struct dw_snapshot_tenant {
	const struct dw_tenant_config *tenant;
	int rc; /* 0, or why the tenant as a whole failed (then err says more) */
	struct dw_error err;
	bool committed;
	char commit[DW_STORE_ID_HEX];   /* the tenant's commit after the run ("" none) */
	size_t added, changed, removed; /* objects, not counting _status.json */
	size_t changed_by;              /* Changed-By trailers written */
	struct dw_snapshot_collector *collectors;
	size_t ncollectors;
	size_t incomplete; /* collectors not read completely */
	bool pushed;
	/*
	 * Drift (docs/drift-format.md), evaluated over the files the commit
	 * holds: when drift_evaluated, drift counts its findings; otherwise,
	 * when the snapshot itself was done, drift_rc and drift_err say why not
	 * (the rules on the approved ref do not compile, say). The snapshot is
	 * committed either way.
	 */
	bool drift_evaluated;
	struct dw_drift_summary drift;
	int drift_rc;
	struct dw_error drift_err;
};

struct dw_snapshot_report {
	char run_id[40];
	struct dw_snapshot_tenant *tenants; /* NULL in a streaming run (tenant_done) */
	size_t ntenants;                    /* the tenants the run took, streamed or kept */
	unsigned long requests, throttled, retries;
	struct dw_graph_stats graph; /* the Graph loop's counts, answers by status among them */
};

/*
 * Snapshots the selected tenants. Returns 0 when every tenant was done (some
 * collectors may be incomplete: see the report), -EINVAL for a bad selection
 * (@err says which), or another negative code when nothing could be done. A
 * failure of one tenant is in its report entry and does not stop the others.
 * The report is the caller's to free, also on failure (*out may be NULL),
 * and borrows from @cfg and @catalog: free it before them.
 */
int dw_snapshot_run(const struct dw_config *cfg, const struct dw_catalog *catalog,
                    const struct dw_snapshot_options *opts, struct dw_snapshot_report **out,
                    struct dw_error *err);

void dw_snapshot_report_free(struct dw_snapshot_report *report);

/*
 * The tenants a run takes: those named (all when none), then those of shard
 * @index of @count (by a stable hash of the tenant id). Sets @out (free()) and
 * @n. -EINVAL names an unknown tenant in @err.
 */
int dw_snapshot_select(const struct dw_config *cfg, const char *const *names, size_t nnames,
                       unsigned shard_index, unsigned shard_count,
                       const struct dw_tenant_config ***out, size_t *n, struct dw_error *err);

#endif
