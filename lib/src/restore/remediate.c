/*
 * Remediation by the timer agent (remediate = plan | apply, docs/restore.md):
 * after a run's snapshots, what plan and apply do by hand, per tenant,
 * through the same library calls, so the timer can't do what a person
 * running them could not (approval, read_only, staleness, the journal).
 *
 * Only a tenant whose new drift report has a failing finding is planned:
 * desired-state drift is a failing finding, and a tenant without one costs
 * the run nothing more (no read, no approval check). A plan reads only the
 * collectors desired state names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/restore.h"
#include "restore/internal.h"

#define REF_MAX 256

struct dw_restore_remediator {
	const struct dw_config *cfg;
	const struct dw_catalog *catalog;
	char *who;
	struct dw_session_context ctx;
	bool have_ctx;
	char **pushes; /* tenants whose branch remediation moved */
	size_t npushes, apushes;
};

static const char *const outcome_names[DW_REMEDIATE_OUTCOMES] = {
	"none", "nothing", "planned", "applied", "refused", "failed",
};

const char *dw_restore_outcome_name(enum dw_restore_outcome outcome)
{
	return (size_t)outcome < DW_ARRAY_SIZE(outcome_names) ? outcome_names[outcome] : "?";
}

int dw_restore_remediator_new(const struct dw_config *cfg, const struct dw_catalog *catalog,
                              const char *who, struct dw_restore_remediator **out,
                              struct dw_error *err)
{
	struct dw_restore_remediator *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->who = strdup(who))) {
		free(m);
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	}
	m->cfg = cfg;
	m->catalog = catalog;
	*out = m;
	return 0;
}

void dw_restore_remediator_free(struct dw_restore_remediator *m)
{
	size_t i;

	if (!m)
		return;
	if (m->have_ctx)
		dw_session_context_release(&m->ctx);
	for (i = 0; i < m->npushes; i++)
		free(m->pushes[i]);
	free(m->pushes);
	free(m->who);
	free(m);
}

/* The key and the Graph loop, read and made once, when the first tenant needs them. */
static int open_session(struct dw_restore_remediator *m, const struct dw_tenant_config *tenant,
                        unsigned need, struct dw_session **s, struct dw_error *err)
{
	int r = 0;

	if (!m->have_ctx) {
		r = dw_session_context_init(&m->ctx, m->cfg, m->catalog, DW_SESSION_GRAPH, err);
		m->have_ctx = r == 0;
		/* the run's commits leave the roll-up to gc --auto; so do its remediations' */
		m->ctx.compact_only = 1;
	}
	return r ?: dw_session_open(&m->ctx, tenant, need, s, err);
}

/* --- remediate = plan: plan.json and PLAN.md beside the drift report --- */

static int plan_md(const struct dw_restore_plan *plan, struct dw_buf *out)
{
	const char *p, *nl;
	size_t len;
	int r;

	r = dw_buf_printf(out,
	                  "# Restore plan: %s\n\n"
	                  "%zu request%s that would put the tenant back to the desired state of "
	                  "approved commit `%.12s`, made against tenant state `%.12s`; plan "
	                  "`%.12s`.\n",
	                  plan->tenant, plan->count, plan->count == 1 ? "" : "s", plan->commit,
	                  plan->tenant_state, plan->hash);
	if (r == 0 && (plan->skipped_create || plan->skipped_delete))
		r = dw_buf_printf(out,
		                  "Left out: %zu create(s) (`--allow-create`), %zu delete(s) "
		                  "(`--allow-delete`).\n",
		                  plan->skipped_create, plan->skipped_delete);
	r = r
	            ?: dw_buf_printf(out,
	                             "\nSecrets are shown as `%s`. Nothing was sent to the tenant. "
	                             "To apply this plan:\n\n"
	                             "    git show tenants/%s:%s >plan.json\n"
	                             "    driftward apply plan.json\n\n"
	                             "(refused as stale if the tenant changed since).\n\n",
	                             DW_RESTORE_MASK, plan->tenant, DW_RESTORE_PLAN_FILE);
	/* indented, not fenced: a value holding backticks can't end the block */
	for (p = dw_buf_cstr(&plan->diff); r == 0 && *p; p = nl ? nl + 1 : p + len) {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		r = dw_buf_printf(out, "    %.*s\n", (int)len, p);
	}
	return r;
}

static int plan_message(const char *tenant, const struct dw_restore_plan *plan, struct dw_buf *out,
                        struct dw_error *err)
{
	const struct dw_trailer trailers[] = {
		{ "Approved-Commit", plan ? plan->commit : "" },
		{ "Plan-Hash", plan ? plan->hash : "" },
	};
	char subject[512];

	if (!plan) {
		snprintf(subject, sizeof(subject), "%s: plan: nothing to do", tenant);
		return dw_store_message(out, subject, NULL, NULL, 0, err);
	}
	snprintf(subject, sizeof(subject), "%s: plan: %zu request%s", tenant, plan->count,
	         plan->count == 1 ? "" : "s");
	return dw_store_message(out, subject, NULL, trailers, DW_ARRAY_SIZE(trailers), err);
}

/*
 * Stages @plan (or, NULL, removes the plan left from before) and commits
 * when that changed the branch: a plan made again unchanged is no commit.
 */
static int keep_plan(struct dw_session *s, const struct dw_restore_plan *plan,
                     struct dw_restore_remediation *out)
{
	struct dw_store_tx *tx = dw_session_tx(s);
	struct dw_store_commit_result result;
	struct dw_buf json, md, msg;
	int r;

	dw_buf_init(&json, DW_RESTORE_PLAN_MAX);
	dw_buf_init(&md, DW_RESTORE_PLAN_MAX);
	dw_buf_init(&msg, 64 * 1024);
	r = dw_restore__keep_all(tx);
	if (r == 0 && plan) {
		r = dw_restore_plan_write(plan, &json, &out->err);
		r = r ?: plan_md(plan, &md);
		r = r ?: dw_store_tx_stage(tx, DW_RESTORE_PLAN_FILE, json.ptr, json.len, &out->err);
		r = r ?: dw_store_tx_stage(tx, DW_RESTORE_PLAN_MD, md.ptr, md.len, &out->err);
	} else if (r == 0) {
		r = dw_store_tx_remove(tx, DW_RESTORE_PLAN_FILE, &out->err);
		r = r ?: dw_store_tx_remove(tx, DW_RESTORE_PLAN_MD, &out->err);
	}
	r = r ?: plan_message(out->tenant, plan, &msg, &out->err);
	r = r ?: dw_session_commit(s, dw_buf_cstr(&msg), &result, &out->err);
	if (r == 0 && result.committed && plan) {
		out->committed = true;
		memcpy(out->commit, result.commit, sizeof(out->commit));
	} else if (r == 0 && result.committed) {
		out->plan_dropped = true;
	}
	dw_buf_release(&json);
	dw_buf_release(&md);
	dw_buf_release(&msg);
	return r;
}

/* --- remediate = apply: as driftward apply does, then a fresh snapshot --- */

static int snapshot_after(struct dw_restore_remediator *m, struct dw_restore_remediation *out)
{
	const char *tenants[] = { out->tenant };
	struct dw_snapshot_options o = { .tenants = tenants, .ntenants = 1, .compact_only = true };
	struct dw_snapshot_report *report = NULL;
	int r = dw_snapshot_run(m->cfg, m->catalog, &o, &report, &out->err);

	if (r == 0 && report->tenants[0].rc < 0) {
		out->err = report->tenants[0].err;
		r = report->tenants[0].rc;
	}
	if (r == 0) {
		out->snapshot_committed = report->tenants[0].committed;
		out->drift_after = report->tenants[0].drift.status[DW_DRIFT_FAIL];
	} else {
		dw_error_prefix(&out->err, "applied, but the snapshot after it failed");
	}
	dw_snapshot_report_free(report);
	return r;
}

/* The first request that failed, as the reason. */
static void first_failure(const struct dw_restore_plan *plan, const struct dw_restore_report *rep,
                          struct dw_error *err)
{
	size_t i;

	for (i = 0; i < rep->count && i < plan->count; i++)
		if (rep->results[i].status == DW_RESTORE_FAILED) {
			dw_error_set(err, -EIO, DW_AREA_GRAPH, rep->results[i].http_status,
			             "%s %s/%s: %s", plan->requests[i].method,
			             plan->requests[i].collector, plan->requests[i].id,
			             rep->results[i].detail);
			return;
		}
}

static int apply(struct dw_restore_remediator *m, struct dw_session **s,
                 const struct dw_restore_plan *plan, struct dw_restore_remediation *out)
{
	struct dw_restore_report *rep = NULL;
	int r, a;

	if (!plan->count)
		return 0;
	r = dw_restore_apply(&m->ctx, *s, plan, false, m->who, &rep, &out->err);
	/* the tenant's lock goes before the snapshot takes it again */
	dw_session_free(*s);
	*s = NULL;
	if (!rep)
		return r;
	out->applied = rep->applied;
	out->failed = rep->failed;
	if (rep->commit[0]) {
		out->committed = true;
		memcpy(out->commit, rep->commit, sizeof(out->commit));
	}
	if (r == -EIO && !dw_error_isset(&out->err))
		first_failure(plan, rep, &out->err);
	if (rep->applied) {
		a = snapshot_after(m, out);
		r = r ?: a;
	}
	dw_restore_report_free(rep);
	return r;
}

/* --- one tenant --- */

static enum dw_restore_outcome outcome(const struct dw_restore_remediation *out, int r)
{
	if (r == 0 && !out->requests)
		return DW_REMEDIATE_NOTHING;
	if (r == 0)
		return out->mode == DW_REMEDIATE_PLAN ? DW_REMEDIATE_PLANNED : DW_REMEDIATE_APPLIED;
	/* refused before anything was sent: not approved, read_only, stale */
	if ((r == -EPERM || r == -ESTALE) && !out->applied && !out->failed)
		return DW_REMEDIATE_REFUSED;
	return DW_REMEDIATE_FAILED;
}

static int remember_push(struct dw_restore_remediator *m, const char *tenant)
{
	if (DW_ARRAY_GROW(m->pushes, m->apushes, m->npushes + 1) < 0)
		return -ENOMEM;
	if (!(m->pushes[m->npushes] = strdup(tenant)))
		return -ENOMEM;
	m->npushes++;
	return 0;
}

/* A plan from before (remediate = plan, or a tenant that was) no longer stands: removed. */
static int drop_plan(struct dw_restore_remediator *m, const struct dw_tenant_config *tenant,
                     struct dw_restore_remediation *out)
{
	struct dw_session *s = NULL;
	int r;

	r = open_session(m, tenant, DW_SESSION_STORE, &s, &out->err);
	r = r ?: keep_plan(s, NULL, out);
	dw_session_free(s);
	return r;
}

static int remediate(struct dw_restore_remediator *m, const struct dw_tenant_config *tenant,
                     struct dw_restore_remediation *out)
{
	struct dw_restore_options o = { 0 };
	struct dw_restore_plan *plan = NULL;
	struct dw_session *s = NULL;
	int r;

	r = open_session(m, tenant, DW_SESSION_GRAPH | DW_SESSION_STORE, &s, &out->err);
	r = r ?: dw_restore_plan_make(&m->ctx, s, &o, &plan, &out->err);
	if (r == 0) {
		memcpy(out->approved, plan->commit, sizeof(out->approved));
		out->requests = plan->count;
		out->skipped_create = plan->skipped_create;
		out->skipped_delete = plan->skipped_delete;
	}
	if (r == 0 && out->mode == DW_REMEDIATE_PLAN) {
		bool worth = plan->count || plan->skipped_create || plan->skipped_delete;

		r = keep_plan(s, worth ? plan : NULL, out);
	} else if (r == 0) {
		r = apply(m, &s, plan, out);
	}
	dw_session_free(s);
	dw_restore_plan_free(plan);
	/* apply writes no plan file; one left from remediate = plan goes (the lock is free now) */
	if (r == 0 && out->mode == DW_REMEDIATE_APPLY)
		r = drop_plan(m, tenant, out);
	return r;
}

int dw_restore_remediate(struct dw_restore_remediator *m, const struct dw_snapshot_tenant *t,
                         struct dw_restore_remediation *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	dw_error_clear(&out->err);
	out->tenant = t->tenant->name;
	out->mode = t->tenant->remediate;
	if (out->mode == DW_REMEDIATE_OFF || t->rc < 0)
		return 0;
	/* no failing finding: nothing to plan (remediate = plan drops its plan from before) */
	if (t->drift_evaluated && !t->drift.status[DW_DRIFT_FAIL])
		r = out->mode == DW_REMEDIATE_PLAN ? drop_plan(m, t->tenant, out) : 0;
	else
		r = remediate(m, t->tenant, out);
	if ((out->committed || out->snapshot_committed || out->plan_dropped) &&
	    remember_push(m, out->tenant) < 0 && r == 0)
		r = dw_error_set(&out->err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	out->outcome = outcome(out, r);
	out->rc = r;
	return r;
}

const char *dw_restore_remediation_describe(const struct dw_restore_remediation *rm, char *out,
                                            size_t outlen)
{
	const char *verb = rm->mode == DW_REMEDIATE_PLAN ? "no plan" : "not applied";

	switch (rm->outcome) {
	case DW_REMEDIATE_NOT_RUN:
		snprintf(out, outlen, "remediate: not run");
		break;
	case DW_REMEDIATE_NOTHING:
		snprintf(out, outlen, "remediate: nothing to do");
		break;
	case DW_REMEDIATE_PLANNED:
		if (rm->committed)
			snprintf(out, outlen, "plan: %zu request%s (committed %.12s)", rm->requests,
			         rm->requests == 1 ? "" : "s", rm->commit);
		else
			snprintf(out, outlen, "plan: %zu request%s (unchanged since the last run)",
			         rm->requests, rm->requests == 1 ? "" : "s");
		break;
	case DW_REMEDIATE_APPLIED:
		snprintf(out, outlen, "applied %zu of %zu (audit %.12s); drift after: %zu",
		         rm->applied, rm->requests, rm->commit, rm->drift_after);
		break;
	case DW_REMEDIATE_REFUSED:
		snprintf(out, outlen, "%s: %s", verb, rm->err.msg);
		break;
	default:
		if (rm->applied || rm->failed)
			snprintf(out, outlen, "applied %zu of %zu, %zu failed: %s", rm->applied,
			         rm->requests, rm->failed, rm->err.msg);
		else
			snprintf(out, outlen, "%s: %s", verb, rm->err.msg);
		break;
	}
	return out;
}

static int push_refs(struct dw_restore_remediator *m, char (*names)[REF_MAX], const char **refs,
                     struct dw_error *err)
{
	size_t i;

	for (i = 0; i < m->npushes; i++) {
		if (dw_store_tenant_ref(m->pushes[i], names[i], REF_MAX) < 0)
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
			                    "'%s' makes no branch name", m->pushes[i]);
		refs[i] = names[i];
	}
	return 0;
}

int dw_restore_remediate_push(struct dw_restore_remediator *m, struct dw_error *err)
{
	const struct dw_agent_config *agent = &m->cfg->agent;
	struct dw_store_remote remote = { agent->remote, agent->remote_host_key,
		                          agent->remote_ssh_key };
	size_t n = m->npushes;
	char(*names)[REF_MAX] = NULL;
	const char **refs = NULL;
	enum dw_store_push_state *states = NULL;
	struct dw_store *store = NULL;
	int r = -ENOMEM;

	if (!n || !agent->remote)
		return 0;
	names = calloc(n, sizeof(*names));
	refs = calloc(n, sizeof(*refs));
	states = calloc(n, sizeof(*states));
	if (!names || !refs || !states) {
		dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	r = push_refs(m, names, refs, err);
	r = r ?: dw_store_open(agent->state_repo, NULL, &store, err);
	r = r ?: dw_store_push_branches(store, &remote, refs, n, states, err);
out:
	dw_store_free(store);
	free(states);
	free(refs);
	free(names);
	return r;
}
