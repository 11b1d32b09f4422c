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

/* A tenant whose branch did not reach the remote has failed, and says why. */
static void record(struct dw_snapshot_tenant *t, const char *ref, enum dw_store_push_state state,
                   int rc, const struct dw_error *err)
{
	t->pushed = state == DW_STORE_PUSH_PUSHED;
	if (t->rc < 0 || (state != DW_STORE_PUSH_REJECTED && state != DW_STORE_PUSH_FAILED))
		return;
	t->rc = rc < 0 ? rc : -EIO;
	dw_error_clear(&t->err);
	dw_error_set(&t->err, t->rc, DW_AREA_GIT, err->code,
	             "tenant %s: %s was not pushed; the next run pushes it (%s)", t->tenant->name,
	             ref, err->msg);
}

static int ref_names(const struct dw_snapshot_report *report, char (*names)[REF_MAX],
                     const char **refs, struct dw_error *err)
{
	size_t i;

	for (i = 0; i < report->ntenants; i++) {
		if (dw_store_tenant_ref(report->tenants[i].tenant->name, names[i], REF_MAX) < 0)
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
			                    "'%s' makes no branch name",
			                    report->tenants[i].tenant->name);
		refs[i] = names[i];
	}
	return 0;
}

/* No URL here: a remote's URL may carry a token. */
static void log_push(const struct dw_snapshot_report *report, int rc)
{
	size_t i, pushed = 0;

	for (i = 0; i < report->ntenants; i++)
		pushed += report->tenants[i].pushed;
	dw_log(rc < 0 ? DW_LOG_WARNING : DW_LOG_INFO, "push: %zu of %zu branches sent%s", pushed,
	       report->ntenants, rc < 0 ? "; some were not (see the tenants)" : "");
}

int dw_snapshot__push(const struct dw_config *cfg, struct dw_snapshot_report *report,
                      struct dw_error *err)
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
	r = ref_names(report, names, refs, err);
	r = r ?: dw_store_open(agent->state_repo, NULL, &store, err);
	r = r ?: dw_store_push_branches(store, &remote, refs, n, states, err);
	for (i = 0; i < n; i++)
		record(&report->tenants[i], refs[i] ? refs[i] : "its branch", states[i], r, err);
	log_push(report, r);
out:
	dw_store_free(store);
	free(states);
	free(refs);
	free(names);
	return r;
}
