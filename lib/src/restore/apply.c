/*
 * Applying a plan: refuse what is not approved, stale or read-only, send
 * each request once, read back what was written, and commit the outcome.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/approval.h"
#include "driftward/array.h"
#include "driftward/restore.h"
#include "driftward/snapshot.h"
#include "restore/internal.h"
#include "restore/plan.h"

int dw_restore_approved(struct dw_store *store, const struct dw_agent_config *agent,
                        const char *commit, struct dw_error *err)
{
	struct dw_approval a;
	int r = dw_approval_verify_agent(store, agent, commit, &a, err);

	if (r == 0 && a.verdict != DW_APPROVAL_GOOD)
		r = dw_error_set(err, -EPERM, DW_AREA_GIT, 0,
		                 "commit %.12s is not approved: %s: %s", commit,
		                 dw_approval_verdict_name(a.verdict), a.reason);
	return r;
}

static int refuse(const struct dw_restore_plan *plan, const struct dw_restore_plan *fresh,
                  struct dw_error *err)
{
	if (strcmp(fresh->tenant_state, plan->tenant_state) != 0)
		return dw_error_set(
		        err, -ESTALE, DW_AREA_USAGE, 0,
		        "the tenant changed since the plan was made (stale): make a new "
		        "plan");
	if (strcmp(fresh->hash, plan->hash) != 0 || fresh->count != plan->count)
		return dw_error_set(
		        err, -ESTALE, DW_AREA_USAGE, 0,
		        "commit %.12s no longer gives this plan (stale): make a new plan",
		        plan->commit);
	return 0;
}

/* One request and its read-back, on the session's Graph tenant. */
struct sender {
	const struct dw_session_context *ctx;
	struct dw_session *s;
	unsigned flags;
	struct dw_error *err;
	char journal[4096];
};

static int run_op(struct sender *x, struct dw_graph_op *op)
{
	int r = dw_graph_submit(dw_session_graph(x->s), op);

	return r ?: dw_graph_run(x->ctx->graph, x->err);
}

static void failed(struct dw_restore_result *res, const char *why, const struct dw_graph_op *op)
{
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];

	res->status = DW_RESTORE_FAILED;
	if (op)
		snprintf(res->detail, sizeof(res->detail), "%s: %s", why,
		         dw_error_format(&op->error, msg, sizeof(msg)));
	else
		snprintf(res->detail, sizeof(res->detail), "%s", why);
}

/* Compares what the tenant reads back as with the request's intent. */
static int judge(struct sender *x, const struct dw_collector *c, const struct dw_restore_request *q,
                 const struct dw_json *obj, struct dw_restore_result *res)
{
	struct dw_buf cmp, masked;
	size_t n = 0;
	int r;

	dw_buf_init(&cmp, DW_RESTORE_PLAN_MAX);
	dw_buf_init(&masked, DW_RESTORE_PLAN_MAX);
	r = dw_restore__form(x->ctx->catalog, c, x->flags, obj, NULL, DW_RESTORE__HASH, true, &cmp,
	                     x->err);
	r = r
	            ?: dw_restore__form(x->ctx->catalog, c, x->flags, obj, NULL, DW_RESTORE__MASK,
	                                false, &masked, x->err);
	r = r ?: dw_restore__differs(q->intent, dw_buf_cstr(&cmp), NULL, NULL, NULL, &n, x->err);
	if (r == 0 && !(res->new_value = dw_buf_detach(&masked, NULL)))
		r = -ENOMEM;
	if (r == 0 && n) {
		res->status = DW_RESTORE_FAILED;
		snprintf(res->detail, sizeof(res->detail),
		         "Graph answered %ld but the object reads back with %zu properties not as "
		         "intended: the write changed nothing or not all of it",
		         res->http_status, n);
	} else if (r == 0) {
		res->status = DW_RESTORE_APPLIED;
	}
	dw_buf_release(&cmp);
	dw_buf_release(&masked);
	return r;
}

static int read_back(struct sender *x, const struct dw_collector *c,
                     const struct dw_restore_request *q, const char *path,
                     struct dw_restore_result *res)
{
	struct dw_graph_op op;
	int r;

	dw_graph_op_init(&op, DW_GRAPH_SINGLETON, q->api_version, path, c->query);
	op.permissions = &c->read_permissions;
	r = run_op(x, &op);
	if (r == 0 && q->action == DW_RESTORE_DELETE) {
		if (op.outcome == DW_GRAPH_NOT_FOUND)
			res->status = DW_RESTORE_APPLIED;
		else
			failed(res, "the object is still there after the delete", NULL);
	} else if (r == 0 && (op.outcome != DW_GRAPH_OK || !op.npages || !op.pages[0].value)) {
		failed(res, "could not read the object back", &op);
	} else if (r == 0) {
		r = judge(x, c, q, op.pages[0].value, res);
	}
	dw_graph_op_release(&op);
	return r;
}

/* The path of the object a POST made, from the id in Graph's answer. */
static int created_path(const struct dw_collector *c, const struct dw_restore_request *q,
                        const struct dw_graph_op *op, struct dw_buf *path, struct dw_error *err)
{
	struct dw_buf id;
	int r;

	if (!op->npages || !op->pages[0].value)
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
		                    "%s: a create answered no object", q->path);
	dw_buf_init(&id, 4096);
	r = dw_restore__object_id(c, op->pages[0].value, &id, err);
	r = r ?: dw_restore_expand(c->restore_path, c->graph_path, dw_buf_cstr(&id), path, err);
	dw_buf_release(&id);
	return r;
}

static int send_one(struct sender *x, const struct dw_restore_request *q,
                    struct dw_restore_result *res)
{
	const struct dw_collector *c = dw_catalog_find(x->ctx->catalog, q->collector);
	struct dw_graph_op op;
	struct dw_buf path;
	int r;

	if (!c)
		return dw_error_set(x->err, -ENOENT, DW_AREA_CONFIG, 0, "no collector '%s'",
		                    q->collector);
	dw_buf_init(&path, 8192);
	dw_graph_op_init(&op, DW_GRAPH_CALL, q->api_version, q->path, NULL);
	op.method = q->method;
	op.permissions = &c->write_permissions;
	if (q->action != DW_RESTORE_DELETE) {
		op.body = q->send.ptr;
		op.body_len = q->send.len;
	}
	/* once: the client never re-sends a write that may have reached Graph */
	r = run_op(x, &op);
	res->http_status = op.http_status;
	if (r == 0 && op.outcome != DW_GRAPH_OK)
		failed(res, "Graph refused the write", &op);
	else if (r == 0 && q->action == DW_RESTORE_CREATE)
		r = created_path(c, q, &op, &path, x->err)
		            ?: read_back(x, c, q, dw_buf_cstr(&path), res);
	else if (r == 0)
		r = read_back(x, c, q, q->path, res);
	dw_graph_op_release(&op);
	dw_buf_release(&path);
	return r;
}

void dw_restore_report_free(struct dw_restore_report *report)
{
	size_t i;

	if (!report)
		return;
	for (i = 0; report->results && i < report->count; i++)
		free(report->results[i].new_value);
	free(report->results);
	free(report);
}

static int send_all(struct sender *x, const struct dw_restore_plan *fresh, bool keep_going,
                    struct dw_restore_report *rep)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < fresh->count; i++) {
		struct dw_restore_result *res = &rep->results[i];

		/* on disk before the request leaves: a kill from here on is never resumed */
		r = dw_restore__journal_write(x->journal, fresh->hash, i, &fresh->requests[i],
		                              x->err);
		r = r ?: send_one(x, &fresh->requests[i], res);
		if (res->status == DW_RESTORE_APPLIED)
			rep->applied++;
		else if (res->status == DW_RESTORE_FAILED)
			rep->failed++;
		if (res->status == DW_RESTORE_FAILED && !keep_going)
			break;
	}
	return r;
}

int dw_restore_apply(const struct dw_session_context *ctx, struct dw_session *s,
                     const struct dw_restore_plan *plan, bool keep_going, const char *who,
                     struct dw_restore_report **out, struct dw_error *err)
{
	const struct dw_tenant_config *t = dw_session_tenant(s);
	struct dw_restore_options o = { .at = plan->commit, .flags = plan->flags };
	struct sender x = { ctx, s, plan->flags, err };
	struct dw_restore_plan *fresh = NULL;
	struct dw_restore_report *rep = NULL;
	int r = 0;

	*out = NULL;
	if (strcmp(plan->tenant, t->name) != 0)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "the plan is for tenant %s",
		                    plan->tenant);
	if (t->read_only)
		return dw_error_set(err, -EPERM, DW_AREA_CONFIG, 0,
		                    "tenant %s is read_only: restore sends no write", t->name);
	if (!dw_session_store(s))
		return -EINVAL;
	r = dw_restore__journal_path(dw_session_store(s), t->name, x.journal, sizeof(x.journal));
	r = r ?: dw_restore__journal_check(x.journal, plan->hash, err);
	r = r ?: dw_restore_approved(dw_session_store(s), &ctx->cfg->agent, plan->commit, err);
	r = r ?: dw_restore_plan_make(ctx, s, &o, &fresh, err);
	r = r ?: refuse(plan, fresh, err);
	if (r == 0 && !(rep = calloc(1, sizeof(*rep))))
		r = -ENOMEM;
	if (r == 0 && fresh->count && !(rep->results = calloc(fresh->count, sizeof(*rep->results))))
		r = -ENOMEM;
	if (r == 0)
		rep->count = fresh->count;
	if (r == 0) {
		struct dw_error audit_err;
		int a;

		/* what was sent is recorded even when the run broke half-way */
		dw_error_clear(&audit_err);
		r = send_all(&x, fresh, keep_going, rep);
		/* nothing to do is no event: no audit commit */
		a = fresh->count ? dw_restore__audit(s, fresh, rep, who, r < 0 ? &audit_err : err)
		                 : 0;
		r = r ?: a;
		if (a == 0)
			dw_restore__journal_end(x.journal);
	}
	if (r == 0 && rep->failed)
		r = -EIO;
	if (rep && (r == 0 || r == -EIO))
		*out = rep;
	else
		dw_restore_report_free(rep);
	dw_restore_plan_free(fresh);
	return r;
}
