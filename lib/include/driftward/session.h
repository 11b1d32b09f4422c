/*
 * A tenant session: what a command holds for one tenant while it works on
 * it. Snapshots use it; drift, restore and check --online open the same
 * session, each with only the parts it needs.
 *
 * A run first makes a context, what every tenant of the run shares and what
 * is read or made once: the agent key (read from key_file once per run, never
 * again per tenant) and the Graph event loop. Then one session per tenant:
 *
 *   dw_session_context_init(&ctx, cfg, catalog, DW_SESSION_GRAPH, err);
 *   dw_session_open(&ctx, tenant, DW_SESSION_GRAPH | DW_SESSION_STORE, &s, err);
 *   ... submit reads for dw_session_graph(s); dw_graph_run(ctx.graph, err) ...
 *   ... stage files in dw_session_tx(s); dw_session_commit(s, message, &result, err) ...
 *   dw_session_free(s);   (a transaction not committed is abandoned: nothing changes)
 *   dw_session_context_release(&ctx);
 *
 * Ownership: the context borrows the configuration and the catalog, which
 * must outlive it; a session borrows its context and its tenant, and must be
 * freed before the context is released. A session's Graph tenant must have
 * no unfinished operation when the session is freed: run the loop first.
 * Errors do not name the tenant: the caller, who knows how it reports, does.
 */
#ifndef DRIFTWARD_SESSION_H
#define DRIFTWARD_SESSION_H

#include <stddef.h>

#include "driftward/age.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/error.h"
#include "driftward/graph.h"
#include "driftward/store.h"

/* What a context makes, and what a session opens. */
enum dw_session_need {
	/* context: the Graph loop; session: the tenant attached to it, its
	 * secret_file decrypted with the context's key (the token comes with
	 * the first request) */
	DW_SESSION_GRAPH = 1 << 0,
	/* session: the state repository and the tenant's transaction, which
	 * holds the tenant's lock until it is committed or the session freed */
	DW_SESSION_STORE = 1 << 1,
	/* session: the recipients that secret fields are sealed to (the agent
	 * key's and the configured extra_recipients) */
	DW_SESSION_RECIPIENTS = 1 << 2,
};

struct dw_session_context {
	const struct dw_config *cfg;
	const struct dw_catalog *catalog; /* NULL: sessions select no collectors */
	struct dw_age_identities *key;    /* the agent key; NULL when nothing needed it */
	struct dw_graph *graph;           /* the one event loop; NULL without DW_SESSION_GRAPH */
	unsigned need;
	/*
	 * Set by a run of many tenants: a commit only compacts the store's packs
	 * (dw_store_gc_options.compact_only); the roll-up waits for `driftward
	 * gc --auto` (the systemd unit and the deploy/ jobs run it before each run).
	 */
	int compact_only;
};

/* The Graph client's options for @agent: its defaults, then what the
 * configuration sets. The strings point into @agent. */
void dw_session_graph_options(struct dw_graph_options *o, const struct dw_agent_config *agent);

/*
 * Makes the context for @need (enum dw_session_need): reads the agent key
 * when sessions will decrypt credentials or seal secrets (GRAPH or
 * RECIPIENTS), and makes the Graph loop for GRAPH. On failure the context
 * holds nothing, and release is still allowed.
 */
int dw_session_context_init(struct dw_session_context *ctx, const struct dw_config *cfg,
                            const struct dw_catalog *catalog, unsigned need, struct dw_error *err);

/* Frees the key (wiped) and the loop. Every session of it must be freed. */
void dw_session_context_release(struct dw_session_context *ctx);

struct dw_session;

/*
 * Opens @tenant's session with @need, which the context must have been made
 * for: selects the tenant's collectors from the context's catalog, and opens
 * what @need asks for. All or nothing: on failure *@out is NULL and nothing
 * stays open (no lock, no Graph tenant).
 */
int dw_session_open(const struct dw_session_context *ctx, const struct dw_tenant_config *tenant,
                    unsigned need, struct dw_session **out, struct dw_error *err);

const struct dw_tenant_config *dw_session_tenant(const struct dw_session *s);

/* The tenant's collectors, as its `collectors` key selects them (borrowed from the catalog). */
const struct dw_collector *const *dw_session_collectors(const struct dw_session *s, size_t *n);

/* NULL when the session was not opened with DW_SESSION_GRAPH. */
struct dw_graph_tenant *dw_session_graph(const struct dw_session *s);

/* NULL without DW_SESSION_STORE. The transaction is NULL once committed. */
struct dw_store *dw_session_store(const struct dw_session *s);
struct dw_store_tx *dw_session_tx(const struct dw_session *s);

/* NULL without DW_SESSION_RECIPIENTS. */
const struct dw_age_recipients *dw_session_recipients(const struct dw_session *s);

/*
 * Commits the transaction with @message (dw_store_tx_commit) and ends it,
 * whatever the outcome: the tenant's lock goes now, before anything slow
 * like a push. -EINVAL when there is no transaction.
 */
int dw_session_commit(struct dw_session *s, const char *message, struct dw_store_commit_result *out,
                      struct dw_error *err);

/* Pushes the tenant's branch to the configured remote (agent.remote, which must be set). */
int dw_session_push(struct dw_session *s, struct dw_error *err);

/* Closes the session: the Graph tenant (its token and credential wiped), an
 * open transaction (abandoned), the repository. Accepts NULL. */
void dw_session_free(struct dw_session *s);

#endif
