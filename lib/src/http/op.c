/*
 * Operations: one collection, singleton or call, from submit to its outcome.
 * A collection is read page by page through @odata.nextLink, followed
 * verbatim but only on the Graph host (the token must not travel elsewhere).
 * Pages are kept until the last one arrives; any failure on the way drops
 * them all and leaves a classified error, so a half-read collection can't be
 * mistaken for a complete one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/json.h"
#include "driftward/log.h"
#include "driftward/strlist.h"
#include "http/internal.h"

void dw_graph_op_init(struct dw_graph_op *op, enum dw_graph_kind kind, const char *api_version,
                      const char *path, const char *query)
{
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->method = "GET";
	op->api_version = api_version;
	op->path = path;
	op->query = query;
}

void dw_graph_op_drop_pages(struct dw_graph_op *op)
{
	size_t i;

	for (i = 0; i < op->npages; i++) {
		dw_json_doc_free(op->pages[i].doc);
		op->pages[i].doc = NULL;
		op->pages[i].value = NULL;
	}
}

static void free_pages(struct dw_graph_op *op)
{
	size_t i;

	for (i = 0; i < op->npages; i++)
		dw_json_doc_free(op->pages[i].doc);
	free(op->pages);
	op->pages = NULL;
	op->npages = 0;
	op->nobjects = 0;
}

static void clear_results(struct dw_graph_op *op)
{
	free_pages(op);
	op->detail[0] = '\0';
	op->pages_read = 0;
	op->outcome = DW_GRAPH_OK;
	op->http_status = 0;
	op->graph_code[0] = '\0';
	dw_error_clear(&op->error);
	op->truncated = false;
	op->requests = 0;
	op->retries = 0;
}

void dw_graph_op_release(struct dw_graph_op *op)
{
	if (op)
		clear_results(op);
}

/* Characters a URL can't carry as they are (spaces in $filter, say) become %XX. */
static int put_url_text(struct dw_buf *b, const char *s)
{
	int r = 0;

	for (; r == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}#", c))
			r = dw_buf_put_pct(b, c);
		else
			r = dw_buf_putc(b, (char)c);
	}
	return r;
}

static int build_url(const struct dw_graph *g, const struct dw_graph_op *op, char **out)
{
	struct dw_buf url;
	int r;

	dw_buf_init(&url, DW_HTTP_MAX_URL);
	r = dw_buf_printf(&url, "%s/", g->graph_url);
	r = r ?: put_url_text(&url, op->api_version);
	r = r ?: put_url_text(&url, op->path);
	if (r == 0 && op->query && op->query[0])
		r = dw_buf_putc(&url, '?') ?: put_url_text(&url, op->query);
	if (r == 0)
		*out = dw_buf_detach(&url, NULL);
	dw_buf_release(&url);
	return r;
}

static bool valid_method(const char *m)
{
	static const char *const methods[] = { "GET", "PATCH", "PUT", "POST", "DELETE" };
	size_t i;

	for (i = 0; m && i < DW_ARRAY_SIZE(methods); i++)
		if (strcmp(m, methods[i]) == 0)
			return true;
	return false;
}

int dw_graph_submit(struct dw_graph_tenant *t, struct dw_graph_op *op)
{
	struct dw_graph *g = t->g;
	struct dw_graph_op_state *st;
	int r;

	if (op->priv || !op->api_version || !op->path || op->path[0] != '/' ||
	    strchr(op->api_version, '/') ||
	    (op->kind == DW_GRAPH_CALL && !valid_method(op->method)))
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	r = build_url(g, op, &st->url);
	if (r < 0) {
		free(st);
		return r;
	}
	clear_results(op);
	st->t = t;
	st->op = op;
	st->seq = ++g->seq;
	op->priv = st;
	dw_list_add_tail(&t->waiting, &st->link);
	t->active_ops++;
	g->active_ops++;
	return 0;
}

/* Ends the op: the results are final, the callback runs. */
static void finish(struct dw_graph_op_state *st)
{
	struct dw_graph_op *op = st->op;
	struct dw_graph_tenant *t = st->t;
	size_t held = st->held; /* the pages are the caller's from here */

	dw_list_del(&st->link);
	dw_http__seen_release(&st->seen);
	free(st->url);
	free(st);
	op->priv = NULL;
	t->active_ops--;
	t->g->active_ops--;
	t->g->stats.page_bytes -= held;
	if (op->done)
		op->done(op, op->arg);
}

/* Sets the op's stable failure detail (cut to fit: it is a summary, error has the rest). */
static void set_detail(struct dw_graph_op *op, const char *fmt, ...) DW_PRINTF(2, 3);

static void set_detail(struct dw_graph_op *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op->detail, sizeof(op->detail), fmt, ap);
	va_end(ap);
}

void dw_http__op_fail(struct dw_graph_op_state *st, enum dw_graph_outcome outcome,
                      const struct dw_error *err, long status, const char *code)
{
	struct dw_graph_op *op = st->op;

	op->pages_read = op->npages;
	free_pages(op); /* never a partial result */
	op->truncated = false;
	op->outcome = outcome;
	if (status)
		op->http_status = status;
	snprintf(op->graph_code, sizeof(op->graph_code), "%s", code ? code : "");
	op->error = *err;
	if (!op->detail[0])
		set_detail(op, "%s: %s", dw_graph_outcome_name(outcome), err->msg);
	if (err != &st->t->auth_error) /* that one is the tenant's, said once */
		dw_log_info("tenant %s: %s", st->t->name, err->msg);
	finish(st);
}

/* Graph's message up to where it starts naming this very request (Intune's ids). */
static void stable_message(const char *message, char *out, size_t outlen)
{
	static const char *const marks[] = { " - Operation ID", "Activity ID", "Trace ID",
		                             "Correlation ID", "Timestamp:" };
	size_t i, n = strlen(message);

	for (i = 0; i < DW_ARRAY_SIZE(marks); i++) {
		const char *m = strstr(message, marks[i]);

		if (m && (size_t)(m - message) < n)
			n = (size_t)(m - message);
	}
	while (n > 0 && (message[n - 1] == ' ' || message[n - 1] == '-'))
		n--;
	snprintf(out, outlen, "%.*s", (int)n, message);
}

/* " (page 3)" for the second and later pages of a collection. */
static void page_text(const struct dw_graph_op *op, char *out, size_t outlen)
{
	out[0] = '\0';
	if (op->npages > 0)
		snprintf(out, outlen, " (page %zu)", op->npages + 1);
}

void dw_http__op_fail_all(struct dw_graph_tenant *t)
{
	while (!dw_list_empty(&t->waiting)) {
		struct dw_graph_op_state *st =
		        DW_CONTAINER(t->waiting.next, struct dw_graph_op_state, link);

		dw_http__op_fail(st, t->auth_outcome, &t->auth_error, t->auth_status, t->auth_code);
	}
}

static void fail_local(struct dw_graph_op_state *st, int r, const char *what)
{
	struct dw_error err;

	dw_error_clear(&err);
	dw_error_set(&err, r, DW_AREA_HTTP, 0, "%s %s: %s", st->op->method, st->url, what);
	set_detail(st->op, "local: %s", what);
	dw_http__op_fail(st, DW_GRAPH_LOCAL, &err, 0, NULL);
}

/* A request with a method and maybe a body of its own, not a GET. */
static bool has_method(const struct dw_graph_op *op)
{
	return op->kind == DW_GRAPH_CALL && strcmp(op->method, "GET") != 0;
}

/* A request that changes something on the server: sent at most once unless it surely failed. */
static bool is_write(const struct dw_graph_op *op)
{
	return has_method(op) && !op->reads_only;
}

static int set_method(struct dw_xfer *x, const struct dw_graph_op *op)
{
	CURL *e = x->easy;
	CURLcode rc = CURLE_OK;

	if (!has_method(op))
		return 0;
	/* a write's connection is not reused for a resend (xfer.c); a read's may be */
	if (is_write(op) && dw_http__xfer_once(x) < 0)
		return -EINVAL;
	if (op->body || strcmp(op->method, "DELETE") != 0) {
		rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, op->body ? op->body : "");
		rc = rc
		             ?: curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		                                 (curl_off_t)(op->body ? op->body_len : 0));
		if (rc == CURLE_OK &&
		    dw_http__xfer_add_header(x, "Content-Type: application/json") < 0)
			return -ENOMEM;
	}
	rc = rc ?: curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, op->method);
	return rc == CURLE_OK ? 0 : -EINVAL;
}

void dw_http__op_start_next(struct dw_graph_tenant *t, struct dw_graph_op_state *st)
{
	struct dw_xfer *x = NULL;
	int r = dw_http__xfer_new(t->g, t, st->url, &x);

	if (r == 0) {
		x->st = st;
		x->token_gen = t->token_gen;
		r = set_method(x, st->op);
	}
	if (r == 0)
		r = dw_http__xfer_cap(x, dw_http__paging_room(st));
	r = r
	            ?: dw_http__xfer_add_header(x, "Authorization: Bearer %s",
	                                        (const char *)dw_secret_data(t->token));
	r = r ?: dw_http__xfer_add_header(x, "Accept: application/json");
	r = r ?: dw_http__xfer_start(x);
	if (r < 0) {
		dw_http__xfer_free(x);
		fail_local(st, r, "could not start the request");
		return;
	}
	st->op->requests++;
}

/* Back into the tenant's queue, to run at @not_before, behind what is ready now. */
static void requeue(struct dw_graph_op_state *st, int64_t not_before)
{
	st->not_before = not_before;
	st->seq = ++st->t->g->seq;
	dw_list_add_tail(&st->t->waiting, &st->link);
}

/* "GET v1.0/identity/conditionalAccess/policies (page 3)" for messages. */
static void describe(const struct dw_graph_op *op, char *out, size_t outlen)
{
	if (op->npages > 0)
		snprintf(out, outlen, "%s %s%s (page %zu)",
		         op->kind == DW_GRAPH_CALL ? op->method : "GET", op->api_version, op->path,
		         op->npages + 1);
	else
		snprintf(out, outlen, "%s %s%s", op->kind == DW_GRAPH_CALL ? op->method : "GET",
		         op->api_version, op->path);
}

static void fail_http(struct dw_xfer *x, enum dw_graph_outcome outcome, long status,
                      const struct dw_http_error_body *eb)
{
	struct dw_graph_op_state *st = x->st;
	struct dw_graph_op *op = st->op;
	char what[256], perms[256], retries[48] = "", page[32], message[DW_HTTP_MAX_MESSAGE];
	struct dw_error err;

	describe(op, what, sizeof(what));
	page_text(op, page, sizeof(page));
	stable_message(eb->message, message, sizeof(message));
	set_detail(op, "%s: HTTP %ld %s: %s%s", dw_graph_outcome_name(outcome), status,
	           eb->code[0] ? eb->code : "(no error code)",
	           message[0] ? message : "(no message)", page);
	dw_strlist_join(op->permissions, " or ", perms, sizeof(perms));
	if (st->attempt > 0)
		snprintf(retries, sizeof(retries), " (after %u retr%s)", st->attempt,
		         st->attempt == 1 ? "y" : "ies");
	dw_error_clear(&err);
	if (outcome == DW_GRAPH_PERMISSION && perms[0])
		dw_error_set(&err, -EACCES, DW_AREA_GRAPH, status,
		             "%s: %ld %s: the application lacks the Graph permission %s "
		             "(application permission, with admin consent): %s",
		             what, status, eb->code, perms, eb->message);
	else
		dw_error_set(&err, -EIO, DW_AREA_GRAPH, status, "%s: %ld %s: %s%s%s%s%s", what,
		             status, eb->code[0] ? eb->code : "(no error code)",
		             eb->message[0] ? eb->message : "(no message)", retries,
		             x->request_id[0] ? " [request-id " : "", x->request_id,
		             x->request_id[0] ? "]" : "");
	dw_http__op_fail(st, outcome, &err, status, eb->code);
}

static void fail_transport(struct dw_xfer *x, enum dw_graph_outcome outcome, CURLcode rc)
{
	struct dw_graph_op_state *st = x->st;
	char what[256], page[32];
	struct dw_error err;

	describe(st->op, what, sizeof(what));
	page_text(st->op, page, sizeof(page));
	/* curl's own text says how many milliseconds it took: only TLS's is stable */
	set_detail(st->op, "%s: %s%s%s%s%s", dw_graph_outcome_name(outcome),
	           dw_http__curl_outcome_text(rc),
	           outcome == DW_GRAPH_TLS && x->errbuf[0] ? " (" : "",
	           outcome == DW_GRAPH_TLS ? x->errbuf : "",
	           outcome == DW_GRAPH_TLS && x->errbuf[0] ? ")" : "", page);
	dw_error_clear(&err);
	dw_error_set(&err, -EIO, outcome == DW_GRAPH_TLS ? DW_AREA_TLS : DW_AREA_HTTP, rc,
	             "%s: %s%s%s (after %u retr%s)", what, dw_http__curl_outcome_text(rc),
	             x->errbuf[0] ? ": " : "", x->errbuf, st->attempt,
	             st->attempt == 1 ? "y" : "ies");
	dw_http__op_fail(st, outcome, &err, 0, NULL);
}

static void fail_body(struct dw_xfer *x, struct dw_error *why, long status)
{
	char what[256], page[32];

	describe(x->st->op, what, sizeof(what));
	page_text(x->st->op, page, sizeof(page));
	set_detail(x->st->op, "bad-response: %s%s", why->msg, page);
	dw_error_prefix(why, "%s: ", what);
	dw_http__op_fail(x->st, DW_GRAPH_BAD_RESPONSE, why, status, NULL);
}

/*
 * A write may have changed something before the answer was lost: retried only
 * when the server surely did not act on it (throttled, or never reached). A
 * 5xx is not such a proof: Graph can answer 503 after the write took effect.
 */
static bool may_retry(const struct dw_graph_op *op, long status, CURLcode rc)
{
	if (!is_write(op))
		return true;
	return status == 429 || rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
}

/* Takes one retry from the request's and the tenant's budgets; false when none is left. */
static bool take_retry(struct dw_graph_op_state *st)
{
	struct dw_graph_tenant *t = st->t;

	if (st->attempt >= t->g->opt.max_retries || t->retry_budget == 0)
		return false;
	st->attempt++;
	t->retry_budget--;
	st->op->retries++;
	t->g->stats.retries++;
	return true;
}

/*
 * libcurl is about to send the request again because the reused connection
 * it went out on died (xfer.c): allowed, as one of the request's retries,
 * for a read that has retries left.
 */
bool dw_http__op_count_resend(struct dw_graph_op_state *st)
{
	if (is_write(st->op) || !take_retry(st))
		return false;
	st->op->requests++;
	dw_log_info("tenant %s: %s%s: the connection died, retry %u at once", st->t->name,
	            st->op->api_version, st->op->path, st->attempt);
	return true;
}

/* Schedules a retry if the budgets allow; false when the op must fail now. */
static bool retry(struct dw_xfer *x, long status, CURLcode rc)
{
	struct dw_graph_op_state *st = x->st;
	struct dw_graph_tenant *t = st->t;
	struct dw_graph *g = t->g;
	unsigned wait;

	if (x->retry_after > (double)g->opt.max_retry_after || !may_retry(st->op, status, rc))
		return false;
	if (x->retry_after >= 0)
		wait = (unsigned)(x->retry_after * 1000.0 + 0.5);
	else
		wait = dw_http__backoff_ms(st->attempt, g->opt.backoff_base_ms,
		                           g->opt.backoff_max_ms, dw_http__random(g));
	if (!take_retry(st))
		return false;
	g->stats.retry_wait_ms += wait;
	dw_log_info("tenant %s: %s%s: %s, retry %u in %u ms", t->name, st->op->api_version,
	            st->op->path,
	            rc != CURLE_OK  ? dw_http__curl_outcome_text(rc)
	            : status == 429 ? "throttled"
	                            : "server error",
	            st->attempt, wait);
	requeue(st, dw_http__now_ms() + wait);
	return true;
}

static int add_page(struct dw_graph_op *op, struct dw_graph_op_state *st,
                    const struct dw_graph_page *page)
{
	struct dw_graph_stats *stats = &st->t->g->stats;
	size_t size = page->doc ? dw_json_doc_size(page->doc) : 0;

	if (DW_ARRAY_GROW(op->pages, st->pages_alloc, op->npages + 1) < 0)
		return -ENOMEM;
	op->pages[op->npages++] = *page;
	op->nobjects += page->count;
	st->held += size;
	stats->page_bytes += size;
	if (stats->page_bytes > stats->page_bytes_peak)
		stats->page_bytes_peak = stats->page_bytes;
	return 0;
}

static int parse_body(struct dw_xfer *x, struct dw_graph_page *page, char **next,
                      struct dw_error *err)
{
	const struct dw_graph_op *op = x->st->op;

	memset(page, 0, sizeof(*page));
	*next = NULL;
	if (op->kind == DW_GRAPH_LIST)
		return dw_http__parse_page(&x->response, page, next, err);
	if (op->kind == DW_GRAPH_SINGLETON)
		return dw_http__parse_object(&x->response, page, err);
	if (x->response.len == 0)
		return 0; /* 204 No Content, or an empty 200/202 */
	page->bytes = x->response.len;
	page->count = 1;
	if (dw_json_parse_buf(&x->response, "response", &page->doc, err) < 0) {
		dw_error_prefix(err, "the body is not valid JSON: ");
		return -EBADMSG;
	}
	page->value = dw_json_root(page->doc);
	return 0;
}

/* The page just added goes to the op's consumer and its document is freed. */
static int consume_page(struct dw_graph_op_state *st, struct dw_error *err)
{
	struct dw_graph_op *op = st->op;
	struct dw_graph_page *page = &op->pages[op->npages - 1];
	size_t size = page->doc ? dw_json_doc_size(page->doc) : 0;
	int r = op->page(op, page, op->arg, err);

	st->held -= size;
	st->t->g->stats.page_bytes -= size;
	dw_json_doc_free(page->doc);
	page->doc = NULL;
	page->value = NULL;
	if (r < 0) { /* the failure names this page: it was not taken */
		op->npages--;
		op->nobjects -= page->count;
	}
	return r;
}

static void succeeded(struct dw_xfer *x, long status)
{
	struct dw_graph_op_state *st = x->st;
	struct dw_graph_op *op = st->op;
	struct dw_graph_page page;
	struct dw_error err;
	char *next = NULL;
	int r;

	dw_error_clear(&err);
	r = parse_body(x, &page, &next, &err);
	if (r == 0 && (r = add_page(op, st, &page)) < 0)
		dw_json_doc_free(page.doc);
	r = r ?: dw_http__paging_add(st, &page, &err);
	if (r == 0 && op->page && op->kind == DW_GRAPH_LIST)
		r = consume_page(st, &err);
	if (r == 0 && next && op->max_pages && op->npages >= op->max_pages) {
		op->truncated = true;
		free(next);
		next = NULL;
	}
	if (r == 0 && next)
		r = dw_http__paging_next(st, next, &err); /* takes @next when it succeeds */
	if (r < 0) {
		free(next);
		next = NULL;
	}
	if (r == -ENOMEM) {
		fail_local(st, r, "out of memory");
	} else if (r < 0 && r != -EBADMSG && r != -EINVAL) {
		fail_local(st, r, err.msg[0] ? err.msg : "the page could not be used");
	} else if (r < 0) {
		fail_body(x, &err, status);
	} else if (next) {
		st->attempt = 0;
		requeue(st, 0);
	} else {
		op->outcome = DW_GRAPH_OK;
		finish(st);
	}
}

/* The answer did not fit in what was left of the collection's budget (dw_http__xfer_cap). */
static bool over_budget(const struct dw_xfer *x, CURLcode rc)
{
	return (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED) &&
	       x->response.max < DW_HTTP_MAX_BODY;
}

static void fail_budget(struct dw_xfer *x, long status)
{
	struct dw_error err;

	dw_error_clear(&err);
	dw_http__paging_budget_error(x->st, &err);
	fail_body(x, &err, status);
}

void dw_http__op_done(struct dw_xfer *x, CURLcode rc)
{
	struct dw_graph_op_state *st = x->st;
	struct dw_graph_tenant *t = x->t;
	struct dw_http_error_body eb;
	enum dw_graph_outcome outcome;
	long status = 0;

	rc = dw_http__xfer_result(x, rc);
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	st->op->http_status = rc == CURLE_OK ? status : 0;
	memset(&eb, 0, sizeof(eb));
	if (rc == CURLE_OK && status >= 300)
		dw_http__parse_error(x->response.ptr, x->response.len, &eb);
	outcome = dw_http__classify(status, rc, eb.code, eb.message);
	if (over_budget(x, rc)) {
		fail_budget(x, status);
	} else if (outcome == DW_GRAPH_OK) {
		succeeded(x, status);
	} else if (outcome == DW_GRAPH_AUTH && !st->auth_renewed) {
		/* the token expired or was revoked early: renew it once and try again */
		dw_log_info("tenant %s: Graph refused the token (%s), renewing it", t->name,
		            eb.code[0] ? eb.code : "401");
		st->auth_renewed = true;
		st->op->retries++;
		t->g->stats.retries++;
		dw_http__token_drop(t, x->token_gen);
		requeue(st, 0);
	} else if (dw_http__retryable(outcome) && retry(x, status, rc)) {
		/* scheduled again */
	} else if (rc != CURLE_OK) {
		fail_transport(x, outcome, rc);
	} else {
		fail_http(x, outcome, status, &eb);
	}
	dw_http__xfer_free(x);
}
