/*
 * The loop. Work waits in per-tenant lists; dispatch() starts requests while
 * the global and the tenant's limits allow, taking tenants in turn so that
 * one large tenant does not starve the others. Within a tenant, requests go
 * in the order they became ready: every collection gets its first page early
 * and the chains of pages advance side by side. (Running the chains already
 * started first was measured: with 30 collections of up to 9 pages and 16
 * slots, the last collections then started only when the first ones ended,
 * 18 rounds of requests instead of 14.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "http/internal.h"

int64_t dw_http__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* xorshift64*: jitter needs spread, not secrecy. */
uint64_t dw_http__random(struct dw_graph *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

void dw_http__count_status(struct dw_graph *g, long status)
{
	struct dw_graph_stats *s = &g->stats;
	size_t i;

	for (i = 0; i < s->nstatus; i++) {
		if (s->by_status[i].status == status) {
			s->by_status[i].count++;
			return;
		}
	}
	if (s->nstatus < DW_GRAPH_STATUS_SLOTS) {
		s->by_status[s->nstatus].status = status;
		s->by_status[s->nstatus++].count = 1;
	}
}

void dw_graph_options_init(struct dw_graph_options *o)
{
	memset(o, 0, sizeof(*o));
	o->graph_url = "https://graph.microsoft.com";
	o->login_url = "https://login.microsoftonline.com";
	o->concurrency = 16;
	o->tenant_concurrency = 4;
	o->request_timeout = 60;
	o->max_retries = 5;
	o->retry_budget = 100;
	o->backoff_base_ms = 1000;
	o->backoff_max_ms = 32000;
	o->max_retry_after = 300;
	o->token_margin = 300;
	o->max_pages = 100000;
	o->max_collection_mib = 256;
	o->max_collection_objects = 100000;
	o->run_timeout = 4 * 3600;
}

/* A copy of @url without trailing slashes. */
static char *strip_url(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}

static int make_handles(struct dw_graph *g, struct dw_error *err)
{
	unsigned conns = g->opt.concurrency;

	g->multi = curl_multi_init();
	g->share = curl_share_init();
	if (!g->multi || !g->share)
		return dw_error_set(err, -ENOMEM, DW_AREA_HTTP, 0, "could not start libcurl");
	/* TLS sessions and DNS answers are shared so that new connections are cheap */
	curl_share_setopt(g->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(g->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_multi_setopt(g->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(g->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conns);
	curl_multi_setopt(g->multi, CURLMOPT_MAXCONNECTS, (long)conns + 4);
	return 0;
}

int dw_graph_new(const struct dw_graph_options *o, struct dw_graph **out, struct dw_error *err)
{
	struct dw_graph *g = calloc(1, sizeof(*g));
	int r = -ENOMEM;

	*out = NULL;
	if (!g)
		return dw_error_set(err, r, DW_AREA_HTTP, 0, "out of memory");
	dw_buf_init(&g->ca, DW_HTTP_MAX_CA);
	g->ca_fd = -1;
	dw_list_init(&g->tenants);
	dw_list_init(&g->xfers);
	g->opt = *o;
	if (!g->opt.concurrency)
		g->opt.concurrency = 1;
	if (!g->opt.tenant_concurrency)
		g->opt.tenant_concurrency = 1;
	if (!g->opt.request_timeout)
		g->opt.request_timeout = 60;
	g->graph_url = strip_url(o->graph_url);
	g->login_url = strip_url(o->login_url);
	g->ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
	if (o->scope)
		g->scope = strdup(o->scope);
	else if (g->graph_url && asprintf(&g->scope, "%s/.default", g->graph_url) < 0)
		g->scope = NULL;
	if (!g->graph_url || !g->login_url || (o->ca_file && !g->ca_file) || !g->scope) {
		dw_error_set(err, r, DW_AREA_HTTP, 0, "out of memory");
		goto out;
	}
	g->opt.graph_url = g->graph_url;
	g->opt.login_url = g->login_url;
	g->opt.ca_file = g->ca_file;
	g->opt.scope = g->scope;
	if (getrandom(&g->rng, sizeof(g->rng), 0) != sizeof(g->rng) || g->rng == 0)
		g->rng = (uint64_t)dw_http__now_ms() | 1;
	if (g->opt.run_timeout)
		g->deadline = dw_http__now_ms() + (int64_t)g->opt.run_timeout * 1000;
	r = make_handles(g, err);
	if (r == 0)
		r = dw_http__load_ca(g, err);
	if (r == 0) {
		*out = g;
		g = NULL;
	}
out:
	dw_graph_free(g);
	return r;
}

void dw_graph_free(struct dw_graph *g)
{
	if (!g)
		return;
	while (!dw_list_empty(&g->tenants))
		dw_graph_tenant_free(DW_CONTAINER(g->tenants.next, struct dw_graph_tenant, link));
	if (g->multi)
		curl_multi_cleanup(g->multi);
	if (g->share)
		curl_share_cleanup(g->share);
	dw_buf_release(&g->ca);
	if (g->ca_fd >= 0)
		close(g->ca_fd);
	free(g->graph_url);
	free(g->login_url);
	free(g->ca_file);
	free(g->scope);
	free(g);
}

void dw_graph_stats(const struct dw_graph *g, struct dw_graph_stats *out)
{
	*out = g->stats;
}

/* The op of @t to run next: the one that has been waiting longest. */
static struct dw_graph_op_state *pick(struct dw_graph_tenant *t, int64_t now, int64_t *wake)
{
	struct dw_graph_op_state *best = NULL;
	struct dw_link *l;

	for (l = t->waiting.next; l != &t->waiting; l = l->next) {
		struct dw_graph_op_state *st = DW_CONTAINER(l, struct dw_graph_op_state, link);

		if (st->not_before > now) {
			if (*wake == 0 || st->not_before < *wake)
				*wake = st->not_before;
			continue;
		}
		if (!best || st->seq < best->seq)
			best = st;
	}
	return best;
}

/* Starts one thing for @t if it may: a token request, or its next op. */
static bool dispatch_one(struct dw_graph_tenant *t, int64_t now, int64_t *wake)
{
	struct dw_graph_op_state *st;

	if (dw_list_empty(&t->waiting) || t->inflight >= t->limit)
		return false;
	if (t->auth_failed) {
		dw_http__op_fail_all(t);
		return false;
	}
	if (!dw_http__token_valid(t, now)) {
		if (t->token_fetching)
			return false;
		if (t->token_not_before > now) {
			if (*wake == 0 || t->token_not_before < *wake)
				*wake = t->token_not_before;
			return false;
		}
		dw_http__token_start(t);
		return true;
	}
	st = pick(t, now, wake);
	if (!st)
		return false;
	dw_list_del(&st->link);
	dw_http__op_start_next(t, st);
	return true;
}

/* Starts what the limits allow; returns when the next waiting op becomes ready (0: none). */
static int64_t dispatch(struct dw_graph *g)
{
	int64_t now = dw_http__now_ms(), wake = 0;
	struct dw_link *l, *next;
	bool progress = true;

	while (progress && g->inflight < g->opt.concurrency) {
		progress = false;
		for (l = g->tenants.next; l != &g->tenants && g->inflight < g->opt.concurrency;
		     l = next) {
			next = l->next; /* a tenant is never freed here, but stay safe */
			if (dispatch_one(DW_CONTAINER(l, struct dw_graph_tenant, link), now, &wake))
				progress = true;
		}
	}
	/* the next dispatch starts with the next tenant */
	if (!dw_list_empty(&g->tenants)) {
		l = g->tenants.next;
		dw_list_del(l);
		dw_list_add_tail(&g->tenants, l);
	}
	return wake;
}

static void count_done(struct dw_graph *g, struct dw_xfer *x, CURLcode rc)
{
	curl_off_t up = 0;
	long status = 0, hsize = 0, rsize = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_HEADER_SIZE, &hsize);
	curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &rsize);
	curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &up);
	g->stats.requests++;
	g->stats.bytes_in += (unsigned long long)x->response.len + (unsigned long long)hsize;
	g->stats.bytes_out += (unsigned long long)rsize + (unsigned long long)up;
	if (rc != CURLE_OK || status == 0)
		g->stats.no_answer++;
	else
		dw_http__count_status(g, status);
	if (status == 429)
		g->stats.throttled++;
}

static void complete(struct dw_graph *g, CURLMsg *msg)
{
	struct dw_xfer *x = NULL;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
	curl_multi_remove_handle(g->multi, msg->easy_handle);
	dw_list_del(&x->link);
	g->inflight--;
	x->t->inflight--;
	count_done(g, x, msg->data.result);
	if (x->st)
		dw_http__op_done(x, msg->data.result);
	else
		dw_http__token_done(x, msg->data.result);
}

static void drain(struct dw_graph *g)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(g->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			complete(g, msg);
}

static bool busy(const struct dw_graph *g)
{
	return g->active_ops > 0 || g->inflight > 0;
}

/* How long poll may wait: until the next backoff ends, at most a second. */
static int poll_timeout(int64_t wake)
{
	int64_t wait;

	if (!wake)
		return 1000;
	wait = wake - dw_http__now_ms();
	return wait < 0 ? 0 : wait > 1000 ? 1000 : (int)wait;
}

/* The loop can't go on: every transfer and every op ends as a local failure. */
static void abandon(struct dw_graph *g, const struct dw_error *why)
{
	struct dw_link *l;

	while (!dw_list_empty(&g->xfers)) {
		struct dw_xfer *x = DW_CONTAINER(g->xfers.next, struct dw_xfer, link);

		curl_multi_remove_handle(g->multi, x->easy);
		dw_list_del(&x->link);
		g->inflight--;
		x->t->inflight--;
		if (x->st)
			dw_http__op_fail(x->st, DW_GRAPH_LOCAL, why, 0, NULL);
		else
			x->t->token_fetching = false;
		dw_http__xfer_free(x);
	}
	for (l = g->tenants.next; l != &g->tenants; l = l->next) {
		struct dw_graph_tenant *t = DW_CONTAINER(l, struct dw_graph_tenant, link);

		t->auth_failed = true;
		t->auth_outcome = DW_GRAPH_LOCAL;
		t->auth_error = *why;
		dw_http__op_fail_all(t);
	}
}

bool dw_graph_tenant_idle(const struct dw_graph_tenant *t)
{
	return t->active_ops == 0 && t->inflight == 0;
}

/* curl_multi_wakeup is the one multi call that is safe from another thread. */
void dw_graph_wakeup(struct dw_graph *g)
{
	curl_multi_wakeup(g->multi);
}

int dw_graph_run(struct dw_graph *g, struct dw_error *err)
{
	return dw_graph_run_until(g, NULL, NULL, err);
}

int dw_graph_run_until(struct dw_graph *g, bool (*stop)(void *arg), void *arg, struct dw_error *err)
{
	struct dw_error why;
	int running = 0;
	CURLMcode mc;

	while (busy(g) && !(stop && stop(arg))) {
		if (g->deadline && dw_http__now_ms() >= g->deadline)
			goto late;
		mc = curl_multi_poll(g->multi, NULL, 0, poll_timeout(dispatch(g)), NULL);
		if (mc == CURLM_OK)
			mc = curl_multi_perform(g->multi, &running);
		if (mc != CURLM_OK)
			goto broken;
		drain(g);
	}
	return 0;
late:
	/* a bound on the whole run, whatever a server does to each request */
	dw_error_clear(&why);
	dw_error_set(&why, -ETIMEDOUT, DW_AREA_HTTP, 0,
	             "the run took longer than run_timeout (%u s): stopped", g->opt.run_timeout);
	abandon(g, &why);
	if (err)
		*err = why;
	return -ETIMEDOUT;
broken:
	dw_error_clear(&why);
	dw_error_set(&why, -EIO, DW_AREA_HTTP, (long)mc, "the HTTP loop failed: %s",
	             curl_multi_strerror(mc));
	abandon(g, &why);
	if (err)
		*err = why;
	return -EIO;
}
