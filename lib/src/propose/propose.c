/*
 * Making a proposal branch: the approved commit it starts from (fetched
 * fresh when there is a remote, as approval judges it), a transaction on the
 * new branch proposals/<tenant>/<topic>, what restore.c or accept.c stage in
 * it, and one commit whose message says what the proposal does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driftward/approval.h"
#include "driftward/text.h"
#include "propose/internal.h"

/* Lines of the lists a proposal prints; a message is at most a few KiB per finding. */
#define PROPOSAL_TEXT_MAX (16u << 20)

int dw_propose__trailer(struct propose *P, const char *key, const char *value)
{
	return dw_buf_printf(&P->trailers, "%s: %s\n", key, value);
}

static struct dw_store_remote remote_of(const struct dw_agent_config *a)
{
	return (struct dw_store_remote){ a->remote, a->remote_host_key, a->remote_ssh_key };
}

/* The approved commit: the remote's approved ref when there is a remote, else the local one. */
static int resolve_base(struct propose *P, struct dw_error *err)
{
	const struct dw_agent_config *a = &P->cfg->agent;
	struct dw_store_remote remote = remote_of(a);
	const char *ref = a->approved_ref;
	int r;

	if (a->remote) {
		if ((r = dw_store_fetch(P->store, &remote, ref, DW_APPROVAL_FETCHED_REF, err)) < 0)
			return r;
		ref = DW_APPROVAL_FETCHED_REF;
	}
	snprintf(P->p->base_ref, sizeof(P->p->base_ref), "%s", ref);
	r = dw_store_resolve(P->store, ref, P->p->base, err);
	if (r < 0)
		dw_error_prefix(err, "the approved ref %s: ", a->approved_ref);
	return r;
}

void dw_propose__default_topic(const struct propose *P, char *out, size_t len)
{
	snprintf(out, len, "%s-%.12s", P->o->restore_to ? "restore" : "accept", P->p->source);
}

static int name_branch(struct propose *P, struct dw_error *err)
{
	char topic[DW_PROPOSE_TOPIC_MAX + 1];

	if (P->o->topic)
		snprintf(topic, sizeof(topic), "%s", P->o->topic);
	else
		dw_propose__default_topic(P, topic, sizeof(topic));
	if (dw_propose_topic_valid(topic) < 0 ||
	    (P->o->topic && strlen(P->o->topic) >= sizeof(topic)))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "'%.120s' is not a topic name (up to %d of A-Z a-z 0-9 . _ -, "
		                    "not starting with . or -, no '..', not ending in . or .lock)",
		                    P->o->topic, DW_PROPOSE_TOPIC_MAX);
	snprintf(P->p->branch, sizeof(P->p->branch), "proposals/%s/%s", P->tenant->name, topic);
	return 0;
}

static int list_change(const char *path, enum dw_store_change change, void *payload)
{
	struct dw_proposal *p = payload;
	static const char letters[] = { 'A', 'M', 'D' };

	return dw_buf_printf(&p->files, "%c %s\n", letters[change], path);
}

static int message(struct propose *P, struct dw_buf *msg)
{
	const struct dw_proposal *p = P->p;
	int r;

	if (P->o->restore_to)
		r = dw_buf_printf(msg, "%s: restore to snapshot %.12s\n\n", P->tenant->name,
		                  p->source);
	else
		r = dw_buf_printf(msg, "%s: accept drift (%zu finding%s)\n\n", P->tenant->name,
		                  p->accepted, p->accepted == 1 ? "" : "s");
	r = r
	            ?: dw_buf_printf(msg, "Proposed by driftward propose on top of %s (%.12s).\n\n",
	                             p->base_ref, p->base);
	/* object ids come from Graph: no control character reaches git log's reader */
	r = r ?: dw_buf_put_printable(msg, p->done.ptr, p->done.len, DW_TEXT_KEEP_LINES);
	if (r == 0 && p->skipped.len)
		r = dw_buf_printf(msg, "\nLeft out:\n%s", dw_buf_cstr(&p->skipped));
	r = r ?: dw_buf_puts(msg, "\n");
	return r ?: dw_buf_put(msg, P->trailers.ptr, P->trailers.len);
}

static int commit(struct propose *P, struct dw_error *err)
{
	struct dw_store_commit_result res;
	struct dw_buf msg;
	int r;

	dw_buf_init(&msg, PROPOSAL_TEXT_MAX);
	dw_store_tx_changes(P->tx, &P->p->changes);
	r = dw_store_tx_foreach_change(P->tx, list_change, P->p);
	if (r == 0 && message(P, &msg) < 0)
		r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	r = r ?: dw_store_tx_commit(P->tx, dw_buf_cstr(&msg), &res, err);
	if (r == 0 && res.committed)
		memcpy(P->p->commit, res.commit, sizeof(P->p->commit));
	else if (r == 0)
		P->p->branch[0] = '\0'; /* the approved ref has it all already */
	dw_buf_release(&msg);
	return r;
}

static int tenant_tip(struct propose *P, struct dw_error *err)
{
	char ref[256];
	int r;

	if (dw_store_tenant_ref(P->tenant->name, ref, sizeof(ref)) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "'%s' is not a tenant name",
		                    P->tenant->name);
	r = dw_store_resolve(P->store, ref, P->p->source, err);
	if (r == -ENOENT || r == -EINVAL) {
		dw_error_clear(err); /* "names no commit" says less than this */
		return dw_error_set(err, -ENOENT, DW_AREA_USAGE, 0,
		                    "no snapshot yet (run driftward snapshot)");
	}
	return r;
}

/* The snapshot to restore or judge, in p->source. */
static int resolve_source(struct propose *P, struct dw_error *err)
{
	char ref[256], id[DW_STORE_ID_HEX];
	int r, on = 0;

	if ((r = tenant_tip(P, err)) < 0 || !P->o->restore_to)
		return r;
	dw_store_tenant_ref(P->tenant->name, ref, sizeof(ref));
	if ((r = dw_store_resolve(P->store, P->o->restore_to, id, err)) < 0) {
		dw_error_prefix(err, "--restore-to: ");
		return r;
	}
	if ((r = dw_store_reachable(P->store, id, ref, &on, err)) < 0)
		return r;
	if (!on)
		return dw_error_set(
		        err, -EINVAL, DW_AREA_USAGE, 0,
		        "--restore-to %.100s: commit %.12s is not a snapshot of %s (not "
		        "on %s)",
		        P->o->restore_to, id, P->tenant->name, ref + 11);
	memcpy(P->p->source, id, sizeof(id));
	return 0;
}

static int build(struct propose *P, struct dw_error *err)
{
	char ref[320];
	size_t n = 1;
	int r;

	if ((r = dw_store_open(P->cfg->agent.state_repo, NULL, &P->store, err)) < 0 ||
	    (r = resolve_base(P, err)) < 0 || (r = resolve_source(P, err)) < 0 ||
	    (r = name_branch(P, err)) < 0)
		return r;
	/* no drift to accept: no branch, whether or not one of that name exists */
	if (!P->o->restore_to && ((r = dw_propose__judge(P, &n, err)) < 0 || n == 0)) {
		P->p->branch[0] = '\0';
		return r;
	}
	snprintf(ref, sizeof(ref), "refs/heads/%s", P->p->branch);
	if ((r = dw_store_tx_begin_branch(P->store, ref, P->p->base, 0, &P->tx, err)) < 0)
		return r;
	r = dw_propose__trailer(P, "Tenant", P->tenant->name);
	r = r ?: dw_propose__trailer(P, "Approved-Commit", P->p->base);
	if (r < 0)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	r = P->o->restore_to ? dw_propose__restore(P, err) : dw_propose__accept(P, err);
	if (r == 0 && P->p->done.len == 0)
		P->p->branch[0] = '\0'; /* nothing to propose: no commit, no branch */
	else if (r == 0)
		r = commit(P, err);
	return r;
}

static struct dw_proposal *proposal_new(void)
{
	struct dw_proposal *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	dw_buf_init(&p->done, PROPOSAL_TEXT_MAX);
	dw_buf_init(&p->skipped, PROPOSAL_TEXT_MAX);
	dw_buf_init(&p->files, PROPOSAL_TEXT_MAX);
	return p;
}

int dw_propose_make(const struct dw_config *cfg, const struct dw_catalog *catalog,
                    const struct dw_propose_options *o, struct dw_proposal **out,
                    struct dw_diags *diags, struct dw_error *err)
{
	struct propose P = { cfg, catalog, NULL, o, NULL, NULL, NULL, diags, { 0 }, NULL };
	int r;

	*out = NULL;
	dw_buf_init(&P.trailers, PROPOSAL_TEXT_MAX);
	if (!(P.tenant = dw_config_tenant(cfg, o->tenant))) {
		r = dw_error_set(err, -ENOENT, DW_AREA_CONFIG, 0, "no tenant '%s' in %s", o->tenant,
		                 cfg->path);
		goto out;
	}
	if (!(P.p = proposal_new())) {
		r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	r = build(&P, err);
	if (r == 0) {
		*out = P.p;
		P.p = NULL;
	}
out:
	dw_store_tx_free(P.tx);
	dw_store_free(P.store);
	dw_proposal_free(P.p);
	dw_buf_release(&P.trailers);
	dw_json_doc_free(P.report);
	return r;
}

int dw_propose_push(const struct dw_config *cfg, const struct dw_proposal *p, struct dw_error *err)
{
	struct dw_store_remote remote = remote_of(&cfg->agent);
	struct dw_store *store = NULL;
	char ref[320];
	const char *refs[1] = { ref };
	int r;

	if (!cfg->agent.remote || !p->branch[0])
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "no remote or no branch to push");
	snprintf(ref, sizeof(ref), "refs/heads/%s", p->branch);
	r = dw_store_open(cfg->agent.state_repo, NULL, &store, err);
	r = r ?: dw_store_push(store, &remote, refs, 1, err);
	dw_store_free(store);
	return r;
}

void dw_proposal_free(struct dw_proposal *p)
{
	if (!p)
		return;
	dw_buf_release(&p->done);
	dw_buf_release(&p->skipped);
	dw_buf_release(&p->files);
	free(p);
}
