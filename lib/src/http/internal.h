/*
 * Internals of the Graph client. The pieces:
 *   engine.c   the loop: curl multi, dispatch under the limits, completion
 *   xfer.c     one HTTP attempt: an easy handle, its headers and callbacks
 *   op.c       operations: submit, pages, retries, the final outcome
 *   token.c    the token endpoint: client secret or JWT assertion, renewal
 *   tenant.c   a tenant's credential and limits
 *   paging.c   nextLink checks (host, loops) and a collection's budgets
 *   classify.c status + Graph error -> outcome, Retry-After, backoff
 *   body.c     what is read out of JSON bodies (pages, errors, tokens)
 *   ca.c       the CA bundle: the system's plus the configured extra file
 */
#ifndef DW_HTTP_INTERNAL_H
#define DW_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "driftward/jwt.h" /* certificate credentials sign with it */
#include "driftward/buf.h"
#include "driftward/graph.h"
#include "driftward/list.h"

#define DW_HTTP_MAX_BODY      (64u << 20) /* a larger answer is a bad response */
#define DW_HTTP_MAX_URL       8192
#define DW_HTTP_MAX_CA        (4u << 20)
#define DW_HTTP_MAX_MESSAGE   320 /* of a Graph error message quoted in ours */
#define DW_HTTP_MAX_SAME_LINK 5   /* nextLinks in a row that point to the page just read */

struct dw_graph {
	struct dw_graph_options opt; /* strings owned below */
	char *graph_url, *login_url, *ca_file, *scope;
	CURLM *multi;
	CURLSH *share;
	struct dw_buf ca; /* the bundle handed to every easy handle; empty: curl's default */
	int ca_fd;        /* a memfd holding it, -1 when none */
	char ca_path[32]; /* "/proc/self/fd/N" of ca_fd; "" when none */
	bool no_capath;   /* the bundle file has the system's CAs: no CA directory */
	/* rotated each round: the dispatch starts with the first */
	struct dw_link tenants;
	struct dw_link xfers; /* in flight */
	unsigned inflight;
	size_t active_ops; /* submitted and not finished */
	uint64_t seq;      /* orders ops by when they became ready */
	uint64_t rng;
	int64_t deadline; /* CLOCK_MONOTONIC ms when the run must end; 0: none */
	struct dw_graph_stats stats;
};

struct dw_graph_tenant {
	struct dw_link link; /* in g->tenants */
	struct dw_graph *g;
	char *name, *tenant_id, *client_id;
	char *token_url;
	struct dw_secret *client_secret; /* secret credentials */
	struct dw_jwt_signer *signer;    /* certificate credentials */
	unsigned limit, inflight;
	unsigned retry_budget;
	struct dw_link waiting; /* ops ready or backing off, not in flight */
	size_t active_ops;

	/* the token */
	struct dw_secret *token;
	int64_t token_expires; /* CLOCK_MONOTONIC ms */
	unsigned token_gen;    /* bumped by every new token */
	bool token_fetching;
	unsigned token_attempts; /* failed attempts of the current fetch */
	int64_t token_not_before;
	bool auth_failed; /* the token can't be had: every op fails with auth_outcome */
	enum dw_graph_outcome auth_outcome;
	struct dw_error auth_error;
	char auth_code[96];
	long auth_status;
};

/* Hashes of the links a collection has read (open addressing, 0 is free). */
struct dw_http_seen {
	uint64_t *slots;
	size_t n, cap;
};

struct dw_graph_op_state {
	struct dw_link link; /* in t->waiting while not in flight */
	struct dw_graph_tenant *t;
	struct dw_graph_op *op;
	char *url;          /* of the next request: the first page or the nextLink */
	int64_t not_before; /* CLOCK_MONOTONIC ms */
	uint64_t seq;       /* when it became ready: the lowest runs first */
	unsigned attempt;   /* retries of the current request */
	bool auth_renewed;  /* a 401 already made us renew the token once */
	unsigned same_link; /* nextLinks in a row equal to the page's own URL */
	size_t pages_alloc;
	size_t bytes;             /* LIST: memory its pages take, parsed (the budget's count) */
	size_t held;              /* of it, in pages not yet freed or handed over (stats) */
	struct dw_http_seen seen; /* LIST: the links it read, to find a loop */
};

/* One HTTP attempt in flight. */
struct dw_xfer {
	struct dw_link link; /* in g->xfers once started */
	CURL *easy;
	struct dw_graph *g;
	struct dw_graph_tenant *t;
	struct dw_graph_op_state *st; /* NULL for a token request */
	struct curl_slist *headers;   /* wiped before freeing: one holds the token */
	struct dw_buf request;        /* the token request's form (secret) */
	struct dw_buf response;
	double retry_after; /* seconds; < 0 when absent */
	char request_id[64];
	unsigned token_gen;  /* of the token the request carried */
	unsigned sends;      /* times the request went out: more than 1 is libcurl's own re-send */
	bool resend_refused; /* libcurl wanted to send it again and was not let (see xfer.c) */
	char errbuf[CURL_ERROR_SIZE];
};

/* engine.c */
int64_t dw_http__now_ms(void);
uint64_t dw_http__random(struct dw_graph *g);
void dw_http__count_status(struct dw_graph *g, long status);

/* xfer.c */
int dw_http__xfer_new(struct dw_graph *g, struct dw_graph_tenant *t, const char *url,
                      struct dw_xfer **out);
int dw_http__xfer_add_header(struct dw_xfer *x, const char *fmt, ...) DW_PRINTF(2, 3);
int dw_http__xfer_start(struct dw_xfer *x);
int dw_http__xfer_once(struct dw_xfer *x);
int dw_http__xfer_cap(struct dw_xfer *x, size_t max);
CURLcode dw_http__xfer_result(struct dw_xfer *x, CURLcode rc);
void dw_http__xfer_free(struct dw_xfer *x);

/* op.c */
void dw_http__op_start_next(struct dw_graph_tenant *t, struct dw_graph_op_state *st);
void dw_http__op_done(struct dw_xfer *x, CURLcode rc);
void dw_http__op_fail(struct dw_graph_op_state *st, enum dw_graph_outcome outcome,
                      const struct dw_error *err, long status, const char *code);
void dw_http__op_fail_all(struct dw_graph_tenant *t);
bool dw_http__op_count_resend(struct dw_graph_op_state *st);

/* paging.c */
int dw_http__paging_next(struct dw_graph_op_state *st, char *next, struct dw_error *err);
int dw_http__paging_add(struct dw_graph_op_state *st, const struct dw_graph_page *page,
                        struct dw_error *err);
size_t dw_http__paging_room(const struct dw_graph_op_state *st);
int dw_http__paging_budget_error(const struct dw_graph_op_state *st, struct dw_error *err);
void dw_http__seen_release(struct dw_http_seen *set);

/* token.c */
bool dw_http__token_valid(const struct dw_graph_tenant *t, int64_t now);
int dw_http__token_start(struct dw_graph_tenant *t);
void dw_http__token_done(struct dw_xfer *x, CURLcode rc);
void dw_http__token_drop(struct dw_graph_tenant *t, unsigned gen);

/* classify.c */
enum dw_graph_outcome dw_http__classify(long status, CURLcode rc, const char *code,
                                        const char *message);
bool dw_http__retryable(enum dw_graph_outcome outcome);
double dw_http__parse_retry_after(const char *value, time_t now);
unsigned dw_http__backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms, uint64_t random);
const char *dw_http__curl_outcome_text(CURLcode rc);

/* body.c */
struct dw_http_error_body {
	char code[96];                     /* Graph error.code, or the token service's error */
	char message[DW_HTTP_MAX_MESSAGE]; /* first line of it, redacted */
};

void dw_http__parse_error(const char *body, size_t len, struct dw_http_error_body *out);
int dw_http__parse_page(struct dw_buf *body, struct dw_graph_page *page, char **next_link,
                        struct dw_error *err);
int dw_http__parse_object(struct dw_buf *body, struct dw_graph_page *page, struct dw_error *err);
/* Takes the memory of @body; make it a secret buffer, so that it is wiped. */
int dw_http__parse_token(struct dw_buf *body, struct dw_secret **token, long *expires_in,
                         struct dw_error *err);

/* ca.c */
int dw_http__load_ca(struct dw_graph *g, struct dw_error *err);

#endif
