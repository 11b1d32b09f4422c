/*
 * The Microsoft Graph client: the only user of libcurl.
 *
 * One struct dw_graph is one event loop (a curl multi handle): connections
 * are reused, HTTP/2 is used where the server offers it, and every request of
 * every tenant goes through it under a global limit of requests in flight.
 * A struct dw_graph_tenant holds one tenant's credential, its access token
 * (in memory only, renewed before it expires) and its own limit.
 *
 * Work is submitted as operations (struct dw_graph_op): read a collection to
 * its end (following @odata.nextLink), read a singleton, or send one request
 * with a JSON body. dw_graph_run() runs the loop until every submitted
 * operation is finished. Each operation then has either all of its pages, in
 * order, or a classified failure and no pages: a partial read is never handed
 * over as a complete one.
 *
 * TLS is always verified; an extra CA file is added to the system's bundle,
 * never used instead of verification. Authorization headers and credentials
 * never reach the logger unredacted, also not with debug output on.
 */
#ifndef DRIFTWARD_GRAPH_H
#define DRIFTWARD_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "driftward/error.h"
#include "driftward/secret.h"
#include "driftward/strlist.h"

struct dw_graph;
struct dw_graph_tenant;
struct dw_graph_op_state;
struct dw_json_doc;
struct dw_json;

struct dw_graph_options {
	const char *graph_url; /* "https://graph.microsoft.com" (no trailing slash needed) */
	const char *login_url; /* "https://login.microsoftonline.com" */
	const char *scope;     /* token scope; NULL: graph_url + "/.default" */
	const char *ca_file;   /* an extra CA bundle (PEM), added to the system's; NULL: none */
	unsigned concurrency;  /* requests in flight, all tenants together */
	unsigned tenant_concurrency; /* requests in flight per tenant (a tenant may say less) */
	unsigned request_timeout;    /* seconds for one request, connection included */
	unsigned max_retries;        /* retries of one request */
	unsigned retry_budget;       /* retries per tenant and run, all requests together */
	unsigned backoff_base_ms;    /* first backoff step when no Retry-After came */
	unsigned backoff_max_ms;     /* the largest backoff step */
	unsigned max_retry_after;    /* seconds: a longer Retry-After fails the request */
	unsigned token_margin;       /* seconds before expiry that a token is renewed */
	unsigned max_pages;          /* pages of one collection before it counts as looping */

	/* bounds whatever the server answers (0: none) */
	unsigned max_collection_mib;     /* MiB one collection's pages may take, parsed */
	unsigned max_collection_objects; /* objects one collection may have */
	unsigned run_timeout;            /* seconds from dw_graph_new until every op fails */
};

/* Fills @o with the defaults. Mapping a configuration onto them is the
 * caller's (dw_session_graph_options does it for driftward.ini). */
void dw_graph_options_init(struct dw_graph_options *o);

/*
 * Makes the event loop: reads the CA bundle(s) and the curl handles. Fails
 * with a clear message when the extra CA file holds no certificate.
 */
int dw_graph_new(const struct dw_graph_options *o, struct dw_graph **out, struct dw_error *err);

/* Frees the loop and every tenant still attached. Accepts NULL. */
void dw_graph_free(struct dw_graph *g);

enum dw_graph_assertion_alg {
	DW_GRAPH_PS256 = 0, /* header x5t#S256, what Microsoft documents today */
	DW_GRAPH_RS256,     /* header x5t (SHA-1 thumbprint), the older form */
};

struct dw_graph_credential {
	const char *name;      /* the tenant's name in the configuration, for messages */
	const char *tenant_id; /* GUID or domain: the token URL is login_url/tenant_id/... */
	const char *client_id;
	/*
	 * The client secret, or the certificate's PEM private key when
	 * @certificate is set. dw_graph_tenant_new takes it over (also when it
	 * fails) and sets the pointer to NULL.
	 */
	struct dw_secret *secret;
	const char *certificate; /* PEM certificate file: JWT client assertion; NULL: secret */
	enum dw_graph_assertion_alg alg;
	unsigned concurrency; /* 0: the options' tenant_concurrency */
};

/*
 * Attaches a tenant. For certificate credentials it loads the certificate,
 * the private key, and checks that they belong together, so a wrong key is
 * a clear local error before anything is sent.
 */
int dw_graph_tenant_new(struct dw_graph *g, struct dw_graph_credential *cred,
                        struct dw_graph_tenant **out, struct dw_error *err);

/* Why the tenant can't get a token (after a run), or NULL when it could. */
const struct dw_error *dw_graph_tenant_auth_error(const struct dw_graph_tenant *t);

/* Detaches and frees a tenant (its token and credential are wiped). It must
 * have no unfinished operation. Accepts NULL. */
void dw_graph_tenant_free(struct dw_graph_tenant *t);

/*
 * How an operation ended. Every failure has its own class, so that callers
 * can tell "forbidden" from "not licensed" from "try again later"; none of
 * them is ever turned into an empty result.
 */
enum dw_graph_outcome {
	DW_GRAPH_OK = 0,
	DW_GRAPH_AUTH,         /* no token, or the token was refused after one renewal */
	DW_GRAPH_THROTTLED,    /* still 429 when the retries ran out */
	DW_GRAPH_TRANSIENT,    /* 5xx, reset, timeout, truncated body: retries ran out */
	DW_GRAPH_PERMISSION,   /* 403: the application lacks a permission */
	DW_GRAPH_UNLICENSED,   /* the tenant has no licence for this endpoint */
	DW_GRAPH_NOT_FOUND,    /* 404: for a list this is an error, never "no objects" */
	DW_GRAPH_BAD_RESPONSE, /* not JSON, no "value", a nextLink to another host... */
	DW_GRAPH_REFUSED,      /* another 4xx: the request itself was refused */
	DW_GRAPH_TLS,          /* the server's certificate did not verify */
	DW_GRAPH_LOCAL,        /* out of memory or another local failure */
};

/* "ok", "auth", "throttled", "transient", "permission", "unlicensed", ... */
const char *dw_graph_outcome_name(enum dw_graph_outcome outcome);

enum dw_graph_kind {
	DW_GRAPH_LIST,      /* GET a collection, every page */
	DW_GRAPH_SINGLETON, /* GET one JSON object */
	DW_GRAPH_CALL,      /* any method, optional JSON body: one request */
};

/* One response body, parsed: a page of a collection, or the whole answer. */
struct dw_graph_page {
	struct dw_json_doc *doc; /* owned by the op; NULL for an empty body (a 204) */
	struct dw_json *value;   /* LIST: the page's "value" array; else the root */
	size_t count;            /* LIST: elements of "value"; else 1, or 0 for no body */
	size_t bytes;            /* size of the body as received */
};

/*
 * One operation. The caller fills the first block (dw_graph_op_init clears
 * the rest), submits it, and reads the second block once it is finished
 * (after dw_graph_run, or in @done). Strings it points to must live until
 * then; dw_graph_op_release frees the results.
 */
struct dw_graph_op {
	enum dw_graph_kind kind;
	const char *method;      /* CALL: "GET", "PATCH", "PUT", "POST", "DELETE" */
	const char *api_version; /* "v1.0" or "beta" */
	const char *path;        /* "/identity/conditionalAccess/policies" */
	const char *query;       /* without the '?', e.g. "$expand=settings"; NULL: none */
	const char *body;        /* CALL: a JSON request body; NULL: none */
	size_t body_len;
	/*
	 * CALL: a POST that only reads (directoryObjects/getByIds): retried on a
	 * 5xx or a dropped connection like a GET. Any other method but GET is a
	 * write, sent again only when the server surely did not act on it.
	 */
	bool reads_only;
	unsigned max_pages; /* LIST: stop after this many pages (sets .truncated); 0: all */
	const struct dw_strlist *permissions;            /* named when a permission is missing */
	void (*done)(struct dw_graph_op *op, void *arg); /* called once, when finished */
	/*
	 * LIST: called with each page as it arrives, in order, before the next
	 * one is asked for; the page's document is freed when it returns (the
	 * op keeps the page's counts, not its document), so a caller that
	 * consumes pages holds one page at a time. A negative return fails the
	 * op with @err: -EBADMSG or -EINVAL as a bad response (Graph sent what
	 * the caller can't use), anything else as a local failure. The op can
	 * still fail on a later page: a consumer keeps what it made of the
	 * pages until @done says it ended DW_GRAPH_OK, and drops it otherwise.
	 */
	int (*page)(struct dw_graph_op *op, const struct dw_graph_page *page, void *arg,
	            struct dw_error *err);
	void *arg; /* for done and page */

	/* results */
	enum dw_graph_outcome outcome;
	long http_status;      /* of the last answer; 0 when none came */
	char graph_code[96];   /* Graph's (or the token service's) error code; "" none */
	struct dw_error error; /* for a failure: what, where (the URL) and why */
	/* for a failure: its class and why, without what changes from run to run
	 * (request ids, timings, retry counts), for _status.json and commit bodies */
	char detail[256];
	size_t pages_read; /* LIST: pages read before a failure dropped them */
	struct dw_graph_page *pages;
	size_t npages;
	size_t nobjects;   /* LIST: objects in all pages; SINGLETON: 1 */
	bool truncated;    /* LIST: stopped at max_pages with more to read */
	unsigned requests; /* HTTP requests sent for it */
	unsigned retries;

	struct dw_graph_op_state *priv;
};

void dw_graph_op_init(struct dw_graph_op *op, enum dw_graph_kind kind, const char *api_version,
                      const char *path, const char *query);

/* Frees the pages and clears the results. Not while the op is submitted. */
void dw_graph_op_release(struct dw_graph_op *op);

/*
 * Frees the pages of a finished op and keeps its outcome, counts and error,
 * for a caller that is done with the objects before it is done with the op.
 */
void dw_graph_op_drop_pages(struct dw_graph_op *op);

/* Queues @op for @t. Returns 0 or a negative errno (nothing was queued then). */
int dw_graph_submit(struct dw_graph_tenant *t, struct dw_graph_op *op);

/*
 * Runs the loop until every submitted operation is finished. Returns 0 (the
 * outcomes are in the ops), or a negative errno when the loop itself broke,
 * which also finishes every op with DW_GRAPH_LOCAL.
 */
int dw_graph_run(struct dw_graph *g, struct dw_error *err);

/*
 * dw_graph_run, but it also returns (0) as soon as @stop(@arg) is true, which
 * it asks after each round of answers; call it again to go on. A run over
 * many tenants uses it to finish each tenant as its reads end and start the
 * next in its place, so one slow tenant holds one slot, not the others.
 */
int dw_graph_run_until(struct dw_graph *g, bool (*stop)(void *arg), void *arg,
                       struct dw_error *err);

/*
 * Wakes the loop from another thread: a dw_graph_run_until waiting for
 * answers returns to ask its @stop again, at once (or at its next wait, when
 * it was not waiting). The one function of the client another thread may
 * call, for a thread that finished work the loop's @stop is waiting for.
 */
void dw_graph_wakeup(struct dw_graph *g);

/* True when @t has no operation unfinished and no request in flight: it may be freed. */
bool dw_graph_tenant_idle(const struct dw_graph_tenant *t);

#define DW_GRAPH_STATUS_SLOTS 24

/* What a run did, for metrics. Counts only grow. */
struct dw_graph_stats {
	unsigned long requests;       /* HTTP requests, token requests included */
	unsigned long token_requests; /* of which to the token endpoint */
	unsigned long throttled;      /* 429 answers */
	unsigned long retries;
	unsigned long no_answer; /* requests that got no HTTP answer (reset, timeout, TLS) */
	unsigned long long
	        retry_wait_ms; /* waits before retries (Retry-After or backoff), summed */
	unsigned long long bytes_in, bytes_out;
	/* parsed pages that operations under way hold (a page callback frees
	 * each at once; without one, a collection holds all its pages until it
	 * ends), now and at most at once: bytes */
	unsigned long long page_bytes, page_bytes_peak;
	struct {
		long status;
		unsigned long count;
	} by_status[DW_GRAPH_STATUS_SLOTS]; /* the first statuses seen; later new ones are lost */
	size_t nstatus;
};

void dw_graph_stats(const struct dw_graph *g, struct dw_graph_stats *out);

#endif
