/*
 * The run's one push. Tenants commit as they finish; their branches go to
 * the remote together at the end of the run, in one connection and one pack
 * (a push per tenant costs a connection, a ref advertisement and a pack
 * each: at a thousand tenants that is most of the run). Every branch of the
 * run's tenants is offered, not only those committed this time: a branch a
 * failed push left behind is ahead of the remote's and goes now.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/log.h"
#include "snapshot/internal.h"

#define REF_MAX 256

/* Why a branch that should have reached the remote did not; 0 when it did or had nothing to send.
 */
static int push_failure(const char *tenant, const char *ref, enum dw_store_push_state state, int rc,
                        const struct dw_error *why, struct dw_error *err)
{
	if (state != DW_STORE_PUSH_REJECTED && state != DW_STORE_PUSH_FAILED)
		return 0;
	rc = rc < 0 ? rc : -EIO;
	dw_error_clear(err);
	return dw_error_set(err, rc, DW_AREA_GIT, why->code,
	                    "tenant %s: %s was not pushed; the next run pushes it (%s)", tenant,
	                    ref, why->msg);
}

/*
 * What became of tenant @i's branch: in its report entry (a tenant that
 * failed before keeps its own error), or told to tenant_pushed.
 */
static void record(const struct dw_snapshot_options *opts, struct dw_snapshot_report *report,
                   const struct dw_tenant_config *tenant, size_t i, const char *ref,
                   enum dw_store_push_state state, int rc, const struct dw_error *why)
{
	struct dw_snapshot_tenant *t = report->tenants ? &report->tenants[i] : NULL;
	struct dw_snapshot_push p = { .tenant = tenant, .pushed = state == DW_STORE_PUSH_PUSHED };

	p.rc = push_failure(tenant->name, ref, state, rc, why, &p.err);
	if (!t) {
		if (opts->tenant_pushed)
			opts->tenant_pushed(&p, opts->payload);
		return;
	}
	t->pushed = p.pushed;
	if (t->rc < 0 || p.rc == 0)
		return;
	t->rc = p.rc;
	t->err = p.err;
}

static int ref_names(const struct dw_tenant_config *const *tenants, size_t n,
                     char (*names)[REF_MAX], const char **refs, struct dw_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (dw_store_tenant_ref(tenants[i]->name, names[i], REF_MAX) < 0)
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
			                    "'%s' makes no branch name", tenants[i]->name);
		refs[i] = names[i];
	}
	return 0;
}

/* No URL here: a remote's URL may carry a token. */
static void log_push(const enum dw_store_push_state *states, size_t n, int rc)
{
	size_t i, pushed = 0;

	for (i = 0; i < n; i++)
		pushed += states[i] == DW_STORE_PUSH_PUSHED;
	dw_log(rc < 0 ? DW_LOG_WARNING : DW_LOG_INFO, "push: %zu of %zu branches sent%s", pushed, n,
	       rc < 0 ? "; some were not (see the tenants)" : "");
}

int dw_snapshot__push(const struct dw_config *cfg, const struct dw_snapshot_options *opts,
                      const struct dw_tenant_config *const *tenants,
                      struct dw_snapshot_report *report, struct dw_error *err)
{
	const struct dw_agent_config *agent = &cfg->agent;
	struct dw_store_remote remote = { agent->remote, agent->remote_host_key,
		                          agent->remote_ssh_key };
	size_t i, n = report->ntenants;
	char(*names)[REF_MAX] = calloc(n ? n : 1, sizeof(*names));
	const char **refs = calloc(n ? n : 1, sizeof(*refs));
	enum dw_store_push_state *states = calloc(n ? n : 1, sizeof(*states));
	struct dw_store *store = NULL;
	int r = -ENOMEM;

	if (!names || !refs || !states) {
		dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	/* until the push says otherwise, no branch got there */
	for (i = 0; i < n; i++)
		states[i] = DW_STORE_PUSH_FAILED;
	r = ref_names(tenants, n, names, refs, err);
	r = r ?: dw_store_open(agent->state_repo, NULL, &store, err);
	r = r ?: dw_store_push_branches(store, &remote, refs, n, states, err);
	for (i = 0; i < n; i++)
		record(opts, report, tenants[i], i, refs[i] ? refs[i] : "its branch", states[i], r,
		       err);
	log_push(states, n, r);
out:
	dw_store_free(store);
	free(states);
	free(refs);
	free(names);
	return r;
}
