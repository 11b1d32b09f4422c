/*
 * Tenant sessions (driftward/session.h). This is where the configuration
 * meets the services below it: the key file becomes a key, a tenant's
 * secret_file becomes a Graph credential, the agent section becomes the
 * Graph client's options. The services themselves (http, crypto, store)
 * know nothing of driftward.ini.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/diag.h"
#include "driftward/keyfile.h"
#include "driftward/log.h"
#include "driftward/session.h"

struct dw_session {
	const struct dw_session_context *ctx;
	const struct dw_tenant_config *tenant;
	const struct dw_collector **collectors;
	size_t ncollectors;
	struct dw_graph_tenant *graph;
	struct dw_store *store;
	struct dw_store_tx *tx;
	struct dw_age_recipients *recipients;
};

void dw_session_graph_options(struct dw_graph_options *o, const struct dw_agent_config *agent)
{
	dw_graph_options_init(o);
	o->graph_url = agent->graph_url ? agent->graph_url : o->graph_url;
	o->login_url = agent->login_url ? agent->login_url : o->login_url;
	o->ca_file = agent->ca_file;
	o->concurrency = agent->concurrency ? agent->concurrency : o->concurrency;
	o->tenant_concurrency =
	        agent->tenant_concurrency ? agent->tenant_concurrency : o->tenant_concurrency;
	o->request_timeout = agent->request_timeout ? agent->request_timeout : o->request_timeout;
	o->max_retries = agent->max_retries;
	o->max_collection_mib = agent->max_collection_mib;
	o->max_collection_objects = agent->max_collection_objects;
	o->run_timeout = agent->run_timeout;
}

int dw_session_context_init(struct dw_session_context *ctx, const struct dw_config *cfg,
                            const struct dw_catalog *catalog, unsigned need, struct dw_error *err)
{
	struct dw_graph_options o;
	int r = 0;

	*ctx = (struct dw_session_context){ .cfg = cfg, .catalog = catalog, .need = need };
	if (need & (DW_SESSION_GRAPH | DW_SESSION_RECIPIENTS))
		r = dw_keyfile_load(dw_config_key_file(cfg), &ctx->key, err);
	if (r == 0 && (need & DW_SESSION_GRAPH)) {
		dw_session_graph_options(&o, &cfg->agent);
		r = dw_graph_new(&o, &ctx->graph, err);
	}
	if (r < 0)
		dw_session_context_release(ctx);
	return r;
}

void dw_session_context_release(struct dw_session_context *ctx)
{
	dw_graph_free(ctx->graph);
	dw_age_identities_free(ctx->key);
	ctx->graph = NULL;
	ctx->key = NULL;
}

static int select_collectors(struct dw_session *s, struct dw_error *err)
{
	struct dw_diags diags;
	int r;

	if (!s->ctx->catalog)
		return 0;
	dw_diags_init(&diags);
	r = dw_catalog_select(s->ctx->catalog, s->tenant, &s->collectors, &s->ncollectors, &diags);
	if (r < 0 && diags.count)
		dw_error_set(err, r, DW_AREA_CONFIG, 0, "%s", diags.items[0].msg);
	dw_diags_release(&diags);
	return r;
}

static int open_store(struct dw_session *s, struct dw_error *err)
{
	int r = dw_store_open(s->ctx->cfg->agent.state_repo, NULL, &s->store, err);

	if (r == 0)
		r = dw_store_tx_begin(s->store, s->tenant->name, DW_STORE_TX_REPLACE, &s->tx, err);
	return r;
}

/* The credential is decrypted with the run's key: the key file is not read again. */
static int attach_graph(struct dw_session *s, struct dw_error *err)
{
	const struct dw_tenant_config *tc = s->tenant;
	struct dw_graph_credential cred = {
		.name = tc->name,
		.tenant_id = tc->tenant_id,
		.client_id = tc->client_id,
		.certificate = tc->certificate,
		.concurrency = tc->concurrency,
	};
	int r = dw_tenant_secret_decrypt(tc, s->ctx->key, &cred.secret, err);

	if (r == 0)
		r = dw_graph_tenant_new(s->ctx->graph, &cred, &s->graph, err);
	return r;
}

static int open_parts(struct dw_session *s, unsigned need, struct dw_error *err)
{
	int r = 0;

	/* the store needs nothing from the context; the key and the loop do */
	if (need & ~s->ctx->need & (DW_SESSION_GRAPH | DW_SESSION_RECIPIENTS))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "the session asks for more than its run prepared");
	if (need & DW_SESSION_STORE)
		r = open_store(s, err);
	if (r == 0 && (need & DW_SESSION_RECIPIENTS))
		r = dw_tenant_recipients(s->ctx->cfg, s->tenant, s->ctx->key, &s->recipients, err);
	if (r == 0 && (need & DW_SESSION_GRAPH))
		r = attach_graph(s, err);
	if (r == 0)
		r = select_collectors(s, err);
	return r;
}

int dw_session_open(const struct dw_session_context *ctx, const struct dw_tenant_config *tenant,
                    unsigned need, struct dw_session **out, struct dw_error *err)
{
	struct dw_session *s = calloc(1, sizeof(*s));
	int r;

	*out = NULL;
	if (!s)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	s->ctx = ctx;
	s->tenant = tenant;
	r = open_parts(s, need, err);
	if (r < 0) {
		dw_session_free(s);
		return r;
	}
	*out = s;
	return 0;
}

const struct dw_tenant_config *dw_session_tenant(const struct dw_session *s)
{
	return s->tenant;
}

const struct dw_collector *const *dw_session_collectors(const struct dw_session *s, size_t *n)
{
	*n = s->ncollectors;
	return s->collectors;
}

struct dw_graph_tenant *dw_session_graph(const struct dw_session *s)
{
	return s->graph;
}

struct dw_store *dw_session_store(const struct dw_session *s)
{
	return s->store;
}

struct dw_store_tx *dw_session_tx(const struct dw_session *s)
{
	return s->tx;
}

const struct dw_age_recipients *dw_session_recipients(const struct dw_session *s)
{
	return s->recipients;
}

/* Each commit adds a pack: past git's gc.auto limits, repack (a failure costs the run nothing). */
static void auto_gc(struct dw_session *s)
{
	struct dw_store_gc_options opts = { .compact_only = s->ctx->compact_only };
	struct dw_store_gc_result res;
	struct dw_error err;

	dw_error_clear(&err);
	if (dw_store_gc_auto(s->store, &opts, &res, &err) < 0)
		dw_log_warning("%s: gc: %s", dw_store_path(s->store), err.msg);
	else if (res.ran)
		dw_log_info("%s: gc: packs %zu -> %zu, loose objects %zu -> %zu",
		            dw_store_path(s->store), res.packs_before, res.packs_after,
		            res.loose_before, res.loose_after);
}

int dw_session_commit(struct dw_session *s, const char *message, struct dw_store_commit_result *out,
                      struct dw_error *err)
{
	int r;

	if (!s->tx)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "no transaction to commit");
	r = dw_store_tx_commit(s->tx, message, out, err);
	dw_store_tx_free(s->tx);
	s->tx = NULL;
	if (r == 0 && out->committed)
		auto_gc(s);
	return r;
}

int dw_session_push(struct dw_session *s, struct dw_error *err)
{
	const struct dw_agent_config *agent = &s->ctx->cfg->agent;
	struct dw_store_remote remote = { agent->remote, agent->remote_host_key,
		                          agent->remote_ssh_key };
	char ref[256];
	const char *refs[1] = { ref };
	int r;

	if (!s->store || !agent->remote)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "no remote to push to");
	r = dw_store_tenant_ref(s->tenant->name, ref, sizeof(ref));
	if (r == 0)
		r = dw_store_push(s->store, &remote, refs, 1, err);
	return r;
}

void dw_session_free(struct dw_session *s)
{
	if (!s)
		return;
	dw_graph_tenant_free(s->graph);
	dw_store_tx_free(s->tx);
	dw_store_free(s->store);
	dw_age_recipients_free(s->recipients);
	free(s->collectors);
	free(s);
}
