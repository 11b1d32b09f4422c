/*
 * One tenant through a run: lock and read the previous snapshot, sign in,
 * submit a read per collector (dw_snapshot__tenant_start); then, once Graph has answered,
 * stage what was read, write _status.json and commit (dw_snapshot__tenant_finish).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/log.h"
#include "snapshot/internal.h"

static int previous_time(const struct dw_store_commit *c, void *payload)
{
	*(int64_t *)payload = c->time;
	return 0; /* dw_store_log is asked for one commit only */
}

static int open_session(struct tenant_run *tr, struct dw_error *err)
{
	const unsigned need = DW_SESSION_STORE | DW_SESSION_RECIPIENTS | DW_SESSION_GRAPH;
	int r = dw_session_open(tr->ctx, tr->report->tenant, need, &tr->session, err);

	if (r < 0)
		return r;
	tr->catalog = tr->ctx->catalog;
	tr->key = tr->ctx->key;
	tr->tx = dw_session_tx(tr->session);
	tr->graph = dw_session_graph(tr->session);
	tr->recipients = dw_session_recipients(tr->session);
	return 0;
}

static int plan_collectors(struct tenant_run *tr)
{
	const struct dw_collector *const *list;
	size_t i, n;

	list = dw_session_collectors(tr->session, &n);
	tr->collectors = calloc(n ? n : 1, sizeof(*tr->collectors));
	tr->report->collectors = calloc(n ? n : 1, sizeof(*tr->report->collectors));
	if (!tr->collectors || !tr->report->collectors)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		tr->collectors[i].tr = tr;
		tr->collectors[i].collector = list[i];
		tr->collectors[i].report = &tr->report->collectors[i];
		tr->report->collectors[i].collector = list[i];
	}
	tr->ncollectors = tr->report->ncollectors = n;
	return 0;
}

static int submit_reads(struct tenant_run *tr, struct dw_error *err)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < tr->ncollectors; i++) {
		struct collector_run *cr = &tr->collectors[i];
		const struct dw_collector *c = cr->collector;

		dw_graph_op_init(&cr->op, c->singleton ? DW_GRAPH_SINGLETON : DW_GRAPH_LIST,
		                 c->api_version, c->graph_path, c->query);
		cr->op.permissions = &c->read_permissions;
		/* staged as soon as it ends, its pages encoded as they come (but kept
		 * where each object's assignments are read when the list is done) */
		cr->op.done = dw_snapshot__collect_done;
		cr->op.page = c->singleton || c->assignments == DW_ASSIGNMENTS_PER_OBJECT
		                      ? NULL
		                      : dw_snapshot__collect_page;
		cr->op.arg = cr;
		r = dw_graph_submit(tr->graph, &cr->op);
		tr->reads_pending += r == 0;
		if (r < 0)
			dw_error_set(err, r, DW_AREA_GRAPH, 0, "could not queue the read of %s",
			             c->name);
	}
	return r;
}

int dw_snapshot__tenant_start(struct tenant_run *tr, struct dw_error *err)
{
	struct dw_store *store;
	int64_t since = 0;
	int r;

	r = open_session(tr, err);
	store = r == 0 ? dw_session_store(tr->session) : NULL;
	if (r == 0 && *dw_store_tx_parent(tr->tx))
		r = dw_store_log(store, dw_store_tx_parent(tr->tx), 1, previous_time, &since, err);
	r = r ?: plan_collectors(tr);
	r = r ?: submit_reads(tr, err);
	r = r ?: dw_snapshot__audit_submit(tr, since);
	return r < 0 ? r : 0;
}

/*
 * A tenant that could not get a token (refused, unreachable, TLS, 5xx, a
 * redirect, garbage), or whose every read was refused, failed as a whole: no
 * commit of collectors that were never read. It asks the Graph tenant, so it
 * runs on the loop's thread, before the tenant goes to be finished.
 */
int dw_snapshot__tenant_signed_in(const struct tenant_run *tr, struct dw_error *err)
{
	const struct dw_error *why = dw_graph_tenant_auth_error(tr->graph);
	size_t i;

	if (why) {
		*err = *why;
		return -EACCES;
	}
	if (tr->ncollectors == 0)
		return 0;
	for (i = 0; i < tr->ncollectors; i++)
		if (tr->collectors[i].op.outcome != DW_GRAPH_AUTH)
			return 0;
	*err = tr->collectors[0].op.error;
	dw_error_prefix(err, "could not sign in: ");
	return -EACCES;
}

static int stage_status(struct tenant_run *tr, struct dw_error *err)
{
	struct dw_buf status;
	int r;

	dw_buf_init(&status, DW_STORE_FILE_MAX);
	r = dw_snapshot__status_write(tr->report, &status, err);
	r = r ?: dw_store_tx_stage(tr->tx, DW_STATUS_FILE, status.ptr, status.len, err);
	dw_buf_release(&status);
	return r;
}

/* The body lists what was not read completely; the subject says how much changed. */
static int compose_message(struct tenant_run *tr, const struct dw_trailer *changed_by,
                           size_t nchanged_by, struct dw_buf *msg, struct dw_error *err)
{
	struct dw_snapshot_tenant *t = tr->report;
	struct dw_trailer trailers[3 + 101];
	struct dw_buf subject, body;
	char drift_count[24];
	size_t i, n = 0;
	int r;

	dw_buf_init(&subject, 1024);
	dw_buf_init(&body, 64 * 1024);
	r = dw_buf_printf(&subject, "%s: %zu changed, %zu added, %zu removed", t->tenant->name,
	                  t->changed, t->added, t->removed);
	if (r == 0 && t->incomplete)
		r = dw_buf_printf(&subject, "; %zu collector%s incomplete", t->incomplete,
		                  t->incomplete == 1 ? "" : "s");
	if (r == 0 && t->drift_evaluated)
		r = dw_buf_printf(&subject, "; drift %zu (%zu high)",
		                  t->drift.status[DW_DRIFT_FAIL],
		                  t->drift.fail_by_severity[0] + t->drift.fail_by_severity[1]);
	for (i = 0; r == 0 && i < t->ncollectors; i++) {
		const struct dw_snapshot_collector *sc = &t->collectors[i];

		if (sc->status != DW_COLLECTOR_OK)
			r = dw_buf_printf(&body, "%s: %s (%s)\n", sc->collector->name,
			                  dw_collector_status_name(sc->status), sc->detail);
	}
	trailers[n++] = (struct dw_trailer){ "Tenant-Id", t->tenant->tenant_id };
	trailers[n++] = (struct dw_trailer){ "Run-Id", tr->run_id };
	if (t->drift_evaluated) {
		snprintf(drift_count, sizeof(drift_count), "%zu", t->drift.status[DW_DRIFT_FAIL]);
		trailers[n++] = (struct dw_trailer){ "Drift-Count", drift_count };
	}
	for (i = 0; i < nchanged_by && n < DW_ARRAY_SIZE(trailers); i++)
		trailers[n++] = changed_by[i];
	r = r
	            ?: dw_store_message(msg, dw_buf_cstr(&subject),
	                                body.len ? dw_buf_cstr(&body) : NULL, trailers, n, err);
	dw_buf_release(&subject);
	dw_buf_release(&body);
	return r;
}

static int commit(struct tenant_run *tr, struct dw_error *err)
{
	struct dw_snapshot_tenant *t = tr->report;
	struct dw_store_commit_result result;
	struct dw_trailer *changed_by = NULL;
	char **lines = NULL;
	struct dw_buf msg;
	size_t i, n = 0;
	int r;

	dw_buf_init(&msg, 256 * 1024);
	r = dw_snapshot__count_changes(tr->tx, t);
	/* who changed it is worth a trailer, never a lost snapshot */
	if (r == 0 && dw_snapshot__audit_trailers(tr, &changed_by, &n, &lines) < 0)
		dw_log_warning("tenant %s: no Changed-By trailers this time (out of memory)",
		               t->tenant->name);
	r = r ?: compose_message(tr, changed_by, n, &msg, err);
	/* the lock goes as soon as the commit is made, before the network push */
	r = r ?: dw_session_commit(tr->session, dw_buf_cstr(&msg), &result, err);
	tr->tx = dw_session_tx(tr->session);
	if (r == 0) {
		t->committed = result.committed;
		memcpy(t->commit, result.commit, sizeof(t->commit));
	}
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(changed_by);
	dw_buf_release(&msg);
	return r;
}

int dw_snapshot__tenant_finish(struct tenant_run *tr, struct dw_error *err)
{
	static const char *const kept_files[] = { DW_RESTORE_AUDIT_FILE, DW_RESTORE_PLAN_FILE,
		                                  DW_RESTORE_PLAN_MD };
	struct dw_snapshot_tenant *t = tr->report;
	size_t i;
	int r = 0;

	/* each read was staged when it ended (collect.c); here its outcome counts */
	for (i = 0; r == 0 && i < tr->ncollectors; i++) {
		struct collector_run *cr = &tr->collectors[i];

		if (!cr->staged)
			cr->rc = dw_snapshot__collect_stage(tr, cr, &cr->err);
		if (cr->rc < 0) {
			*err = cr->err;
			r = cr->rc;
		}
		if (dw_collector_status_incomplete(cr->report->status))
			t->incomplete++;
	}
	r = r ?: dw_snapshot__names_stage(tr, err);
	/* the last restore's record and remediation's plan are not read from Graph: kept */
	for (i = 0; r == 0 && i < DW_ARRAY_SIZE(kept_files); i++)
		if ((r = dw_store_tx_keep(tr->tx, kept_files[i], err)) > 0)
			r = 0;
	r = r ?: stage_status(tr, err);
	r = r ?: dw_snapshot__drift_stage(tr, err);
	/* the branch goes to the remote with the others' at the end of the run (push.c) */
	return r ?: commit(tr, err);
}

void dw_snapshot__tenant_release(struct tenant_run *tr)
{
	size_t i;

	for (i = 0; i < tr->ncollectors; i++) {
		dw_snapshot__collect_release(&tr->collectors[i]);
		dw_graph_op_release(&tr->collectors[i].op);
	}
	free(tr->collectors);
	dw_snapshot__names_release(tr);
	tr->collectors = NULL;
	tr->ncollectors = 0;
	dw_snapshot__audit_release(&tr->audit);
	dw_session_free(tr->session);
	tr->session = NULL;
	tr->tx = NULL;
	tr->graph = NULL;
	tr->recipients = NULL;
}
