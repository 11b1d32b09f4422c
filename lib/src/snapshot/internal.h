/* Shared by the parts of the snapshot engine. */
#ifndef DW_SNAPSHOT_INTERNAL_H
#define DW_SNAPSHOT_INTERNAL_H

#include <stdint.h>

#include "driftward/age.h"
#include "driftward/graph.h"
#include "driftward/session.h"
#include "driftward/snapshot.h"
#include "driftward/store.h"

struct tenant_run;
struct collect_state;
struct names_run;

/*
 * One collector of one tenant during a run. Its objects are staged page by
 * page as its read goes on, and checked when it ends
 * (dw_snapshot__collect_done), so a tenant holds a page per read under way,
 * not every collector's pages.
 */
struct collector_run {
	struct tenant_run *tr;
	const struct dw_collector *collector;
	struct dw_graph_op op;
	struct dw_snapshot_collector *report;
	struct collect_state *collect; /* collect.c's, from the first page to staging */
	bool staged;
	int rc;              /* a failure to stage (not a failed read): fails the tenant */
	struct dw_error err; /* with rc */
};

/* The audit logs read for Changed-By trailers (directory, Intune). */
enum { AUDIT_DIRECTORY, AUDIT_INTUNE, AUDIT_SOURCES };

struct audit_run {
	char since[32]; /* the previous snapshot's time, ISO 8601; "" on the first run */
	char query[AUDIT_SOURCES][96];
	struct dw_graph_op ops[AUDIT_SOURCES];
	bool submitted[AUDIT_SOURCES];
};

/*
 * One tenant during a run. The session owns the tenant's repository,
 * transaction, Graph tenant and recipients; the fields below it are borrowed
 * from the session (and its context) for the parts that use them.
 */
struct tenant_run {
	const struct dw_session_context *ctx;
	const char *run_id;
	struct dw_snapshot_tenant *report;
	struct dw_session *session;
	const struct dw_catalog *catalog;
	const struct dw_age_identities *key;
	struct dw_store_tx *tx;
	struct dw_graph_tenant *graph;
	const struct dw_age_recipients *recipients; /* for secret fields */
	struct collector_run *collectors;
	size_t ncollectors;
	struct audit_run audit;
	struct names_run *names; /* names.c's: names and references met so far */
	size_t reads_pending;    /* collector reads not yet ended */
};

/* status.c */
/* The one mapping from how a read ended to whether the collector can be read. */
enum dw_collector_status dw_snapshot__status_of(enum dw_graph_outcome outcome);
/* The catalog's read permissions of @c, any one of which is enough: "A or B"; "" for none. */
void dw_snapshot__permissions(const struct dw_collector *c, char *out, size_t outlen);
void dw_snapshot__status_from_op(struct dw_snapshot_collector *sc, const struct dw_graph_op *op);
int dw_snapshot__status_write(const struct dw_snapshot_tenant *t, struct dw_buf *out,
                              struct dw_error *err);

/* preflight.c: the row of check --online's table for a finished first-page read. */
struct dw_preflight_row;
void dw_snapshot__preflight_row(struct dw_preflight_row *row, const struct dw_graph_op *op);

/*
 * collect.c: a read's pages are encoded and staged as they arrive
 * (collect_page, the op's page callback) and checked when it ends
 * (collect_done, its done callback); a read that ended incomplete is taken
 * back and the collector keeps its previous files. collect_stage finishes a
 * read that ended without it; it sets cr->staged.
 */
int dw_snapshot__collect_page(struct dw_graph_op *op, const struct dw_graph_page *page, void *arg,
                              struct dw_error *err);
void dw_snapshot__collect_done(struct dw_graph_op *op, void *arg);
/* The done callback of one object's read of its assignments (assignments: per_object). */
void dw_snapshot__collect_object_done(struct dw_graph_op *op, void *arg);
int dw_snapshot__collect_stage(struct tenant_run *tr, struct collector_run *cr,
                               struct dw_error *err);
void dw_snapshot__collect_release(struct collector_run *cr);

/*
 * names.c: _names.json from this run's objects (or the previous one, kept).
 * names_object takes an object's names and references before it is encoded.
 */
int dw_snapshot__names_object(struct tenant_run *tr, const struct dw_collector *c,
                              const struct dw_json *obj);
int dw_snapshot__names_stage(struct tenant_run *tr, struct dw_error *err);
/* Once every read of the tenant ended: submits the reads of the groups no collector named. */
void dw_snapshot__names_lookup(struct tenant_run *tr);
void dw_snapshot__names_release(struct tenant_run *tr);
/* changes.c: the commit's added, changed (a rename is one) and removed objects into @t. */
int dw_snapshot__count_changes(struct dw_store_tx *tx, struct dw_snapshot_tenant *t);

/* drift.c: evaluates drift over the staged files and stages drift.json and DRIFT.md. */
int dw_snapshot__drift_stage(struct tenant_run *tr, struct dw_error *err);
/* Is @path one of the reports drift_stage writes? */
bool dw_snapshot__is_report(const char *path);

/* audit.c */
int dw_snapshot__audit_submit(struct tenant_run *tr, int64_t since);
int dw_snapshot__audit_trailers(struct tenant_run *tr, struct dw_trailer **out, size_t *n,
                                char ***strings);
void dw_snapshot__audit_release(struct audit_run *audit);

/*
 * tenant.c. start, signed_in and release run on the Graph loop's thread
 * (they use the Graph tenant); finish may run on another thread: it touches
 * only the tenant's own session, store transaction and results, and the run's
 * read-only context (see run.c for what was checked).
 */
int dw_snapshot__tenant_start(struct tenant_run *tr, struct dw_error *err);
int dw_snapshot__tenant_signed_in(const struct tenant_run *tr, struct dw_error *err);
int dw_snapshot__tenant_finish(struct tenant_run *tr, struct dw_error *err);
void dw_snapshot__tenant_release(struct tenant_run *tr);

/*
 * push.c: pushes the branches of the run's @tenants (report->ntenants of
 * them) that are ahead of the remote's, at once; a tenant whose branch was
 * refused or not sent gets rc and err in its report entry, or is told to
 * opts->tenant_pushed in a streaming run. Returns what
 * dw_store_push_branches returned.
 */
int dw_snapshot__push(const struct dw_config *cfg, const struct dw_snapshot_options *opts,
                      const struct dw_tenant_config *const *tenants,
                      struct dw_snapshot_report *report, struct dw_error *err);

#endif
