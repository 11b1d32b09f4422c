/*
 * The permission preflight admins ask for: can the app read each collector?
 * One read of the first page per collector, through the same session a
 * snapshot opens; its outcome is classified as a snapshot classifies it
 * (status.c), with a detail written for a person at a terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/preflight.h"
#include "driftward/session.h"
#include "snapshot/internal.h"

/* A tenant's reads while the loop runs. */
struct probe {
	struct dw_session *session;
	struct dw_graph_op *ops; /* one per row */
};

void dw_snapshot__preflight_row(struct dw_preflight_row *row, const struct dw_graph_op *op)
{
	const struct dw_collector *c = row->collector;
	char perms[256];

	row->outcome = op->outcome;
	row->http_status = op->http_status;
	row->objects = op->nobjects;
	row->status = dw_snapshot__status_of(op->outcome);
	switch (row->status) {
	case DW_COLLECTOR_OK:
		snprintf(row->detail, sizeof(row->detail), "%zu object%s%s", op->nobjects,
		         op->nobjects == 1 ? "" : "s", op->truncated ? " on the first page" : "");
		break;
	case DW_COLLECTOR_FORBIDDEN:
		dw_snapshot__permissions(c, perms, sizeof(perms));
		snprintf(row->detail, sizeof(row->detail), "needs %s (%s)",
		         perms[0] ? perms : "a read permission", op->graph_code);
		break;
	case DW_COLLECTOR_UNLICENSED:
		snprintf(row->detail, sizeof(row->detail), "needs the %s licence (%ld %s)",
		         c->licence ? c->licence : "service's", op->http_status, op->graph_code);
		break;
	default:
		snprintf(row->detail, sizeof(row->detail), "%s: %s",
		         dw_graph_outcome_name(op->outcome), op->error.msg);
		break;
	}
}

static void op_done(struct dw_graph_op *op, void *arg)
{
	dw_snapshot__preflight_row(arg, op);
	dw_graph_op_release(op); /* the pages are not needed, only the outcome */
}

static void submit_probe(struct dw_graph_tenant *t, const struct dw_collector *c,
                         struct dw_graph_op *op, struct dw_preflight_row *row)
{
	int r;

	row->collector = c;
	row->status = DW_COLLECTOR_FAILED;
	snprintf(row->detail, sizeof(row->detail), "not read");
	dw_graph_op_init(op, c->singleton ? DW_GRAPH_SINGLETON : DW_GRAPH_LIST, c->api_version,
	                 c->graph_path, c->query);
	op->max_pages = 1;
	op->permissions = &c->read_permissions;
	op->done = op_done;
	op->arg = row;
	r = dw_graph_submit(t, op);
	if (r < 0) /* a malformed catalog entry: report it in its row */
		snprintf(row->detail, sizeof(row->detail), "could not make the request: %s",
		         strerror(-r));
}

/* Opens the tenant's session and queues a first-page read of each of its collectors. */
static int start_tenant(const struct dw_session_context *ctx, struct dw_preflight_tenant *t,
                        struct probe *p)
{
	const struct dw_collector *const *cols;
	size_t i, n;
	int r;

	r = dw_session_open(ctx, t->tenant, DW_SESSION_GRAPH, &p->session, &t->err);
	if (r < 0)
		return r;
	cols = dw_session_collectors(p->session, &n);
	t->rows = calloc(n ? n : 1, sizeof(*t->rows));
	p->ops = calloc(n ? n : 1, sizeof(*p->ops));
	if (!t->rows || !p->ops)
		return dw_error_set(&t->err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	t->nrows = n;
	for (i = 0; i < n; i++)
		submit_probe(dw_session_graph(p->session), cols[i], &p->ops[i], &t->rows[i]);
	return 0;
}

/* Once the loop is done: a tenant that got no token has no table, only the reason. */
static void finish_tenant(struct dw_preflight_tenant *t, struct probe *p)
{
	const struct dw_error *auth;

	if (t->rc == 0 && (auth = dw_graph_tenant_auth_error(dw_session_graph(p->session)))) {
		t->rc = -EACCES;
		t->auth_failed = true;
		t->err = *auth;
	}
	if (t->rc < 0 && !t->auth_failed)
		dw_error_prefix(&t->err, "tenant %s: ", t->tenant->name);
	if (t->rc < 0) {
		free(t->rows);
		t->rows = NULL;
		t->nrows = 0;
	}
	dw_session_free(p->session);
	free(p->ops);
	p->session = NULL;
	p->ops = NULL;
}

static int prepare(const struct dw_config *cfg, const struct dw_preflight_options *opts,
                   struct dw_preflight_report *report, struct dw_error *err)
{
	const struct dw_tenant_config **list = NULL;
	size_t i;
	int r;

	r = dw_snapshot_select(cfg, opts->tenants, opts->ntenants, 0, 0, &list, &report->ntenants,
	                       err);
	if (r < 0)
		return r;
	report->tenants = calloc(report->ntenants ? report->ntenants : 1, sizeof(*report->tenants));
	if (!report->tenants)
		r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	for (i = 0; r == 0 && i < report->ntenants; i++)
		report->tenants[i].tenant = list[i];
	free(list);
	return r;
}

/* Reads stay queued until the loop is done, also those of a tenant that failed on the way. */
static void check_all(const struct dw_session_context *ctx, struct dw_preflight_report *report,
                      struct probe *probes)
{
	size_t i;

	for (i = 0; i < report->ntenants; i++)
		report->tenants[i].rc = start_tenant(ctx, &report->tenants[i], &probes[i]);
	dw_error_clear(&report->err);
	report->rc = dw_graph_run(ctx->graph, &report->err);
	for (i = 0; i < report->ntenants; i++)
		finish_tenant(&report->tenants[i], &probes[i]);
}

int dw_preflight_run(const struct dw_config *cfg, const struct dw_catalog *catalog,
                     const struct dw_preflight_options *opts, struct dw_preflight_report **out,
                     struct dw_error *err)
{
	struct dw_preflight_report *report = calloc(1, sizeof(*report));
	struct dw_session_context ctx = { 0 };
	struct probe *probes = NULL;
	int r = -ENOMEM;

	*out = report;
	if (!report)
		return dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	r = prepare(cfg, opts, report, err);
	if (r == 0)
		r = dw_session_context_init(&ctx, cfg, catalog, DW_SESSION_GRAPH, err);
	if (r == 0 && !(probes = calloc(report->ntenants ? report->ntenants : 1, sizeof(*probes))))
		r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	if (r == 0)
		check_all(&ctx, report, probes);
	free(probes);
	dw_session_context_release(&ctx);
	return r;
}

bool dw_preflight_tenant_bad(const struct dw_preflight_tenant *t)
{
	size_t i;

	if (t->rc < 0)
		return true;
	for (i = 0; i < t->nrows; i++)
		if (dw_collector_status_incomplete(t->rows[i].status))
			return true;
	return false;
}

void dw_preflight_report_free(struct dw_preflight_report *report)
{
	size_t i;

	if (!report)
		return;
	for (i = 0; i < report->ntenants; i++)
		free(report->tenants[i].rows);
	free(report->tenants);
	free(report);
}
