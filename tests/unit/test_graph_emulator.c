/*
 * The Graph client against the Graph emulator (tests/graph-emulator) over
 * TLS, in every fault mode: pages read in order, 429 honoured, retries
 * bounded, failures classified and never turned into empty results, tokens
 * renewed, certificates accepted and wrong keys refused, and no token or
 * secret in any log line. Checks what the emulator recorded as well as what
 * the client returned.
 *
 * One emulator serves the whole file (page size 2, tokens living 6 s); each
 * test resets its faults and request log. The state is the sample tenant plus
 * a copy of it with fewer permissions and no licences, and a certificate
 * registered on the reader app.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "driftward/graph.h"
#include "driftward/json.h"
#include "driftward/log.h"
#include "http/internal.h"

#define SAMPLE    "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
#define LIMITED   "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"
#define READER    "2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e"
#define SECRET    "demo-secret-not-real"
#define CA_PATH   "/identity/conditionalAccess/policies"
#define TOKEN_URL "/oauth2/v2.0/token"

static struct env {
	char dir[64];
	char base[64]; /* https://127.0.0.1:PORT */
	char ca[192];
	char log[128];
	char cert[128], key[128], other_key[128];
	pid_t pid;
} env;

static void sh(const char *fmt, ...) DW_PRINTF(1, 2);

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* The state: the sample, a copy with less, and a certificate on the reader app. */
static void make_state(const char *src)
{
	sh("mkdir -p %s/state && cp -r %s/sample/" SAMPLE " %s/state/ && cp -r %s/sample/" SAMPLE
	   " %s/state/" LIMITED,
	   env.dir, src, env.dir, src, env.dir);
	sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem "
	   "-days 2 -subj /CN=driftward-test >/dev/null 2>&1 && "
	   "openssl genrsa -out other.pem 2048 >/dev/null 2>&1 && "
	   "cp cert.pem state/" SAMPLE "/app.pem",
	   env.dir);
	sh("python3 - %s/state <<'EOF'\n"
	   "import json, sys\n"
	   "d = sys.argv[1]\n"
	   "p = d + '/" SAMPLE "/_tenant.json'\n"
	   "t = json.load(open(p))\n"
	   "t['apps'][0]['certificates'] = ['app.pem']\n"
	   "json.dump(t, open(p, 'w'))\n"
	   "p = d + '/" LIMITED "/_tenant.json'\n"
	   "t = json.load(open(p))\n"
	   "t['name'] = 'limited'; t['domains'] = []; t['licences'] = []\n"
	   "t['apps'] = t['apps'][:1]\n"
	   "t['apps'][0]['permissions'] = ['Policy.Read.All', "
	   "'DeviceManagementConfiguration.Read.All']\n"
	   "json.dump(t, open(p, 'w'))\n"
	   "EOF",
	   env.dir);
	snprintf(env.cert, sizeof(env.cert), "%s/cert.pem", env.dir);
	snprintf(env.key, sizeof(env.key), "%s/key.pem", env.dir);
	snprintf(env.other_key, sizeof(env.other_key), "%s/other.pem", env.dir);
}

static void start_emulator(const char *src)
{
	char emu[600], state[96], portfile[96], cadir[96];
	int i, port = 0;
	FILE *f;

	snprintf(emu, sizeof(emu), "%s/emulator.py", src);
	snprintf(state, sizeof(state), "%s/state", env.dir);
	snprintf(portfile, sizeof(portfile), "%s/port", env.dir);
	snprintf(cadir, sizeof(cadir), "%s/ca", env.dir);
	env.pid = fork();
	assert_true(env.pid >= 0);
	if (env.pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* the emulator's output must not hold ctest's pipe open */
		dup2(null, 1);
		dup2(null, 2);
		execlp("python3", "python3", emu, "--state", state, "--port-file", portfile,
		       "--ca-dir", cadir, "--log", env.log, "--page-size", "2", "--token-lifetime",
		       "6", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300 && port == 0; i++) {
		f = fopen(portfile, "re");
		if (f) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (!port)
			usleep(100 * 1000);
	}
	assert_true(port > 0);
	snprintf(env.base, sizeof(env.base), "https://127.0.0.1:%d", port);
	snprintf(env.ca, sizeof(env.ca), "%s/ca.pem", cadir);
}

static int group_setup(void **state)
{
	const char *top = getenv("DW_SOURCE_DIR");
	char src[512];

	(void)state;
	snprintf(src, sizeof(src), "%s/tests/graph-emulator", top ? top : ".");
	snprintf(env.dir, sizeof(env.dir), "/tmp/dw-graph-emu-XXXXXX");
	assert_non_null(mkdtemp(env.dir));
	snprintf(env.log, sizeof(env.log), "%s/requests.log", env.dir);
	make_state(src);
	start_emulator(src);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (env.pid > 0) {
		kill(env.pid, SIGTERM);
		waitpid(env.pid, NULL, 0);
	}
	if (!getenv("DW_KEEP_TEST_DIR"))
		sh("rm -rf %s", env.dir);
	curl_global_cleanup();
	return 0;
}

/* A request to the emulator's control endpoints, with plain libcurl. */
static void control(const char *method, const char *path, const char *body, struct dw_buf *out)
{
	char url[256];
	CURL *e = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	long status = 0;

	snprintf(url, sizeof(url), "%s%s", env.base, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CAINFO, env.ca);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	if (body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	if (out) {
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fwrite);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
	}
	if (out) {
		FILE *mem;
		char *data = NULL;
		size_t len = 0;

		mem = open_memstream(&data, &len);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, mem);
		assert_int_equal(curl_easy_perform(e), CURLE_OK);
		fclose(mem);
		assert_int_equal(dw_buf_put(out, data, len), 0);
		free(data);
	} else {
		assert_int_equal(curl_easy_perform(e), CURLE_OK);
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	assert_true(status == 200 || status == 204);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
}

static void faults(const char *doc)
{
	control("POST", "/_emulator/faults", doc, NULL);
}

static int reset(void **state)
{
	(void)state;
	control("POST", "/_emulator/reset", "{\"faults\": true, \"tokens\": true}", NULL);
	return 0;
}

/* The recorded requests (as a JSON document) since the last reset. */
static struct dw_json_doc *requests(void)
{
	struct dw_json_doc *doc = NULL;
	struct dw_buf b;

	dw_buf_init(&b, 64u << 20);
	control("GET", "/_emulator/requests", NULL, &b);
	assert_int_equal(dw_json_parse_buf(&b, "requests", &doc, NULL), 0);
	return doc;
}

/* How many recorded requests have a path ending in @suffix (and this status, unless 0). */
static size_t count_requests(const char *suffix, long status)
{
	struct dw_json_doc *doc = requests();
	struct dw_json *list = dw_json_get(dw_json_root(doc), "requests");
	size_t i, n = 0, sl = strlen(suffix);

	for (i = 0; i < dw_json_count(list); i++) {
		const struct dw_json *r = dw_json_at(list, i);
		const char *path = dw_json_cstr(dw_json_get(r, "path"));
		int64_t st = 0;

		dw_json_int64(dw_json_get(r, "status"), &st);
		if (path && strlen(path) >= sl && strcmp(path + strlen(path) - sl, suffix) == 0 &&
		    (!status || st == status))
			n++;
	}
	dw_json_doc_free(doc);
	return n;
}

static struct dw_graph *new_graph(unsigned concurrency, unsigned tenant_concurrency,
                                  unsigned max_retries)
{
	struct dw_graph_options o;
	struct dw_graph *g = NULL;
	struct dw_error err;

	dw_graph_options_init(&o);
	o.graph_url = env.base;
	o.login_url = env.base;
	o.ca_file = env.ca;
	o.concurrency = concurrency;
	o.tenant_concurrency = tenant_concurrency;
	o.max_retries = max_retries;
	o.request_timeout = 5;
	o.backoff_base_ms = 20;
	o.backoff_max_ms = 200;
	dw_error_clear(&err);
	assert_int_equal(dw_graph_new(&o, &g, &err), 0);
	return g;
}

static struct dw_graph_tenant *secret_tenant(struct dw_graph *g, const char *tenant,
                                             const char *secret)
{
	struct dw_graph_credential c = { .name = "contoso",
		                         .tenant_id = tenant,
		                         .client_id = READER };
	struct dw_graph_tenant *t = NULL;

	assert_int_equal(dw_secret_new(&c.secret, secret, strlen(secret)), 0);
	assert_int_equal(dw_graph_tenant_new(g, &c, &t, NULL), 0);
	assert_null(c.secret);
	return t;
}

static void run(struct dw_graph *g)
{
	struct dw_error err;

	dw_error_clear(&err);
	assert_int_equal(dw_graph_run(g, &err), 0);
}

/* Reads one list with a fresh client; the caller checks and releases @op. */
static void read_one(struct dw_graph_op *op, const char *path, unsigned retries)
{
	struct dw_graph *g = new_graph(4, 4, retries);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);

	dw_graph_op_init(op, DW_GRAPH_LIST, "v1.0", path, NULL);
	assert_int_equal(dw_graph_submit(t, op), 0);
	run(g);
	dw_graph_free(g);
}

/* The ids of all pages of @op in order, joined with ','. */
static void ids_of(const struct dw_graph_op *op, char *out, size_t outlen)
{
	size_t p, i, used = 0;

	out[0] = '\0';
	for (p = 0; p < op->npages; p++)
		for (i = 0; i < op->pages[p].count; i++) {
			const char *id =
			        dw_json_cstr(dw_json_get(dw_json_at(op->pages[p].value, i), "id"));

			used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? "," : "",
			                         id ? id : "?");
		}
}

static const char ca_ids[] = "f5057fee-4c3e-4459-82dd-21250b729601,"
                             "1f76663f-8330-4f68-a52f-ec142d752a6a,"
                             "d20b52cf-d8aa-41f6-92b6-c1ba5e97f5f8,"
                             "a557ce75-03c8-496e-be77-367b54dc7651,"
                             "c8395aad-5fac-4dba-b813-4e77a4c9027d,"
                             "b9f16842-93d5-44be-aeee-73556f021483,"
                             "5c424c7c-9d99-5ef2-8649-8888f5981073,"
                             "feb0f11a-db96-5bc9-8565-ae5ae2762fb8,"
                             "c9f2f1fa-c3e5-5b0a-9c01-437d66b3dc98,"
                             "415ca93f-f790-5f0c-afbd-b60bcf9dcb30,"
                             "1a712012-b0fe-5ada-ae6b-dbeb669291ae";

static void test_pages_in_order(void **state)
{
	struct dw_graph_op op;
	char ids[1024];

	(void)state;
	read_one(&op, CA_PATH, 3);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	assert_int_equal(op.npages, 6);
	assert_int_equal(op.nobjects, 11);
	assert_false(op.truncated);
	ids_of(&op, ids, sizeof(ids));
	assert_string_equal(ids, ca_ids);
	assert_int_equal(count_requests(CA_PATH, 200), 6);
	assert_int_equal(count_requests(TOKEN_URL, 200), 1);
	dw_graph_op_release(&op);
}

/* What a page callback saw: the ids in order, the pages; fails at page @fail_at (0: never). */
struct pages_seen {
	char ids[1024];
	size_t used, pages, fail_at;
};

static int on_page(struct dw_graph_op *op, const struct dw_graph_page *page, void *arg,
                   struct dw_error *err)
{
	struct pages_seen *ps = arg;
	size_t i;

	(void)op;
	if (++ps->pages == ps->fail_at)
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0, "this page is no good");
	for (i = 0; i < page->count; i++) {
		const char *id = dw_json_cstr(dw_json_get(dw_json_at(page->value, i), "id"));

		ps->used += (size_t)snprintf(ps->ids + ps->used, sizeof(ps->ids) - ps->used, "%s%s",
		                             ps->used ? "," : "", id ? id : "?");
	}
	return 0;
}

/* Reads CA_PATH (6 pages) with a fresh client, with @ps as its page callback unless NULL. */
static void read_paged(struct dw_graph_op *op, struct pages_seen *ps, struct dw_graph_stats *stats)
{
	struct dw_graph *g = new_graph(4, 4, 3);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);

	dw_graph_op_init(op, DW_GRAPH_LIST, "v1.0", CA_PATH, NULL);
	op->page = ps ? on_page : NULL;
	op->arg = ps;
	assert_int_equal(dw_graph_submit(t, op), 0);
	run(g);
	dw_graph_stats(g, stats);
	dw_graph_free(g);
}

/*
 * A page callback gets each page in order as it comes and the page's document
 * is freed when it returns, so the op holds one page, not the collection (the
 * loop's count of parsed pages held says so); a callback that refuses a page
 * fails the op as a bad response that names that page, with no pages.
 */
static void test_page_callback_holds_one_page(void **state)
{
	struct pages_seen ps = { 0 };
	struct dw_graph_stats held, consumed;
	struct dw_graph_op op;
	size_t p;

	(void)state;
	read_paged(&op, NULL, &held);
	assert_int_equal(op.npages, 6);
	dw_graph_op_release(&op);
	read_paged(&op, &ps, &consumed);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	assert_string_equal(ps.ids, ca_ids);
	assert_int_equal(ps.pages, 6);
	assert_int_equal(op.npages, 6);
	assert_int_equal(op.nobjects, 11);
	for (p = 0; p < op.npages; p++)
		assert_null(op.pages[p].doc);
	dw_graph_op_release(&op);
	assert_int_equal(held.page_bytes, 0);
	assert_int_equal(consumed.page_bytes, 0);
	assert_true(consumed.page_bytes_peak > 0);
	assert_true(consumed.page_bytes_peak * 3 < held.page_bytes_peak);

	memset(&ps, 0, sizeof(ps));
	ps.fail_at = 3;
	read_paged(&op, &ps, &consumed);
	assert_int_equal(op.outcome, DW_GRAPH_BAD_RESPONSE);
	assert_int_equal(op.npages, 0);
	assert_non_null(strstr(op.error.msg, "this page is no good"));
	assert_non_null(strstr(op.detail, "this page is no good (page 3)"));
	assert_int_equal(ps.pages, 3); /* no page asked for after it */
	assert_int_equal(consumed.page_bytes, 0);
	dw_graph_op_release(&op);
}

static void test_empty_page_with_next_link(void **state)
{
	struct dw_graph_op op;
	char ids[1024];

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0" CA_PATH "\", \"empty_page\": true, \"after\": 1, "
	       "\"times\": 1}]}");
	read_one(&op, CA_PATH, 3);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	assert_int_equal(op.npages, 7);
	assert_int_equal(op.pages[1].count, 0);
	ids_of(&op, ids, sizeof(ids));
	assert_string_equal(ids, ca_ids);
	dw_graph_op_release(&op);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_429_retry_after_fractional(void **state)
{
	struct dw_graph_op op;
	struct timespec t0;
	char ids[1024];

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0" CA_PATH "\", \"status\": 429, "
	       "\"retry_after\": \"0.35\", \"after\": 1, \"times\": 2}]}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	read_one(&op, CA_PATH, 3);
	/* two waits of 0.35 s, not the backoff of at most 0.2 s */
	assert_true(seconds_since(&t0) >= 0.7);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	assert_int_equal(op.retries, 2);
	ids_of(&op, ids, sizeof(ids));
	assert_string_equal(ids, ca_ids);
	assert_int_equal(count_requests(CA_PATH, 429), 2);
	dw_graph_op_release(&op);
}

static void test_429_without_retry_after_backs_off(void **state)
{
	struct dw_graph_op op;

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0" CA_PATH "\", \"status\": 429, \"times\": 3}]}");
	read_one(&op, CA_PATH, 3);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	assert_int_equal(op.nobjects, 11);
	assert_int_equal(op.retries, 3);
	dw_graph_op_release(&op);
}

/* A fault that never stops: the retries end, the op fails with its class and no pages. */
static void check_bounded(const char *rule, enum dw_graph_outcome want, const char *text)
{
	struct dw_graph_op op;
	char doc[512];
	size_t n;

	snprintf(doc, sizeof(doc),
	         "{\"rules\": [{\"path\": \"/v1.0" CA_PATH "\", \"after\": 1, %s}]}", rule);
	reset(NULL);
	faults(doc);
	read_one(&op, CA_PATH, 2);
	assert_int_equal(op.outcome, want);
	assert_int_equal(op.npages, 0);
	assert_null(op.pages);
	assert_int_equal(op.nobjects, 0);
	assert_int_equal(op.retries, 2);
	assert_int_equal(op.requests, 4); /* first page, then the second page 3 times */
	assert_non_null(strstr(op.error.msg, "(page 2)"));
	if (!strstr(op.error.msg, text))
		fail_msg("'%s' not in '%s'", text, op.error.msg);
	/*
	 * The emulator saw the same 4 reads: libcurl's own re-send of a request
	 * whose reused connection died counts as one of the retries.
	 */
	n = count_requests(CA_PATH, 0);
	if (n != 4)
		fail_msg("%s: the emulator saw %zu requests", rule, n);
	dw_graph_op_release(&op);
}

static void test_retries_bounded_every_fault(void **state)
{
	(void)state;
	check_bounded("\"status\": 429, \"retry_after\": \"0.05\"", DW_GRAPH_THROTTLED,
	              "429 TooManyRequests");
	check_bounded("\"status\": 503", DW_GRAPH_TRANSIENT, "503 ServiceUnavailable");
	check_bounded("\"status\": 500", DW_GRAPH_TRANSIENT, "500");
	check_bounded("\"reset\": true", DW_GRAPH_TRANSIENT, "after 2 retries");
	check_bounded("\"truncate\": true", DW_GRAPH_TRANSIENT, "cut short");
	check_bounded("\"truncate\": \"reset\"", DW_GRAPH_TRANSIENT, "after 2 retries");
}

/* Reads @n singletons at once, so that the client holds that many idle connections. */
static void warm_connections(struct dw_graph *g, struct dw_graph_tenant *t, size_t n)
{
	struct dw_graph_op ops[8];
	size_t i;

	for (i = 0; i < n; i++) {
		dw_graph_op_init(&ops[i], DW_GRAPH_SINGLETON, "v1.0",
		                 "/policies/authorizationPolicy", NULL);
		assert_int_equal(dw_graph_submit(t, &ops[i]), 0);
	}
	run(g);
	for (i = 0; i < n; i++) {
		assert_int_equal(ops[i].outcome, DW_GRAPH_OK);
		dw_graph_op_release(&ops[i]);
	}
}

/*
 * A URL whose every connection is reset, with max_retries = 2 and several
 * reused connections to die on: at most 3 requests reach the server, libcurl's
 * own re-sends on a fresh connection included.
 */
static void test_persistent_reset_bounded(void **state)
{
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);
	struct dw_graph_op op;

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0/policies/authorizationPolicy\", "
	       "\"latency_ms\": 100, \"times\": 4}, "
	       "{\"path\": \"/v1.0/domains\", \"reset\": true}]}");
	warm_connections(g, t, 4);
	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", "/domains", NULL);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	run(g);
	assert_int_equal(op.outcome, DW_GRAPH_TRANSIENT);
	assert_int_equal(op.retries, 2);
	assert_int_equal(op.requests, 3);
	assert_int_equal(count_requests("/domains", 0), 3);
	dw_graph_op_release(&op);
	dw_graph_free(g);
}

/* A write whose connection dies goes out once: neither we nor libcurl send it again. */
static void test_write_sent_once(void **state)
{
	static const char patch[] = "{\"allowInvitesFrom\": \"adminsAndGuestInviters\"}";
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_credential c = { .name = "w",
		                         .tenant_id = SAMPLE,
		                         .client_id = "8d4e2f1a-6b3c-4d5e-9f8a-1b2c3d4e5f6a" };
	struct dw_graph_tenant *t = NULL;
	struct dw_graph_op op;

	(void)state;
	assert_int_equal(dw_secret_new(&c.secret, "demo-writer-secret-not-real", 27), 0);
	assert_int_equal(dw_graph_tenant_new(g, &c, &t, NULL), 0);
	faults("{\"rules\": [{\"path\": \"/v1.0/policies/authorizationPolicy\", "
	       "\"method\": \"PATCH\", \"reset\": true}]}");
	warm_connections(g, t, 4);
	dw_graph_op_init(&op, DW_GRAPH_CALL, "v1.0", "/policies/authorizationPolicy", NULL);
	op.method = "PATCH";
	op.body = patch;
	op.body_len = strlen(patch);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	run(g);
	assert_int_equal(op.outcome, DW_GRAPH_TRANSIENT);
	assert_int_equal(op.requests, 1);
	assert_int_equal(op.retries, 0);
	assert_int_equal(count_requests("/authorizationPolicy", 0), 4 + 1);
	dw_graph_op_release(&op);
	dw_graph_free(g);
}

/*
 * The token request, reset every time while idle connections wait to be
 * reused: our own retries only, max_retries + 1 requests, no re-send by libcurl.
 */
static void test_token_reset_bounded(void **state)
{
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);
	struct dw_graph_op op;

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0/policies/authorizationPolicy\", "
	       "\"latency_ms\": 100, \"times\": 4}]}");
	warm_connections(g, t, 4);
	control("POST", "/_emulator/expire-tokens", "{}", NULL);
	faults("{\"rules\": [{\"method\": \"POST\", \"path\": \"/*" TOKEN_URL
	       "\", \"reset\": true}]}");
	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", CA_PATH, NULL);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	run(g);
	assert_int_not_equal(op.outcome, DW_GRAPH_OK);
	assert_int_equal(count_requests(TOKEN_URL, 0), 1 + 3);
	dw_graph_op_release(&op);
	dw_graph_free(g);
}

static void test_transient_faults_recover(void **state)
{
	static const char *const rules[] = {
		"\"status\": 503, \"retry_after\": 0",
		"\"status\": 504",
		"\"reset\": true",
		"\"truncate\": true",
		"\"drip\": {\"bytes\": 64, \"interval_ms\": 5}",
	};
	struct dw_graph_op op;
	char doc[512], ids[1024];
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(rules); i++) {
		snprintf(doc, sizeof(doc),
		         "{\"rules\": [{\"path\": \"/v1.0" CA_PATH "\", \"after\": 1, "
		         "\"times\": 1, %s}]}",
		         rules[i]);
		reset(NULL);
		faults(doc);
		read_one(&op, CA_PATH, 2);
		if (op.outcome != DW_GRAPH_OK)
			fail_msg("%s: %s", rules[i], op.error.msg);
		ids_of(&op, ids, sizeof(ids));
		assert_string_equal(ids, ca_ids);
		dw_graph_op_release(&op);
	}
}

static void test_timeout_is_transient(void **state)
{
	struct dw_graph_op op;
	struct dw_graph *g = new_graph(4, 4, 1);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);

	(void)state;
	g->opt.request_timeout = 1;
	faults("{\"rules\": [{\"path\": \"/v1.0/domains\", \"latency_ms\": 1500}]}");
	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", "/domains", NULL);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	run(g);
	assert_int_equal(op.outcome, DW_GRAPH_TRANSIENT);
	assert_int_equal(op.requests, 2);
	assert_non_null(strstr(op.error.msg, "timed out"));
	dw_graph_op_release(&op);
	dw_graph_free(g);
}

/* The retry budget of a tenant bounds all its requests together. */
static void test_retry_budget(void **state)
{
	struct dw_graph_op ops[4];
	struct dw_graph *g = new_graph(4, 4, 5);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);
	unsigned i, retries = 0;

	(void)state;
	t->retry_budget = 3;
	faults("{\"rules\": [{\"path\": \"/v1.0/policies/*\", \"status\": 503}]}");
	for (i = 0; i < 4; i++) {
		static const char *const paths[] = { "/policies/tokenLifetimePolicies",
			                             "/policies/tokenIssuancePolicies",
			                             "/policies/claimsMappingPolicies",
			                             "/policies/homeRealmDiscoveryPolicies" };

		dw_graph_op_init(&ops[i], DW_GRAPH_LIST, "v1.0", paths[i], NULL);
		assert_int_equal(dw_graph_submit(t, &ops[i]), 0);
	}
	run(g);
	for (i = 0; i < 4; i++) {
		assert_int_equal(ops[i].outcome, DW_GRAPH_TRANSIENT);
		retries += ops[i].retries;
		dw_graph_op_release(&ops[i]);
	}
	assert_int_equal(retries, 3);
	assert_int_equal(count_requests("Policies", 503), 4 + 3);
	dw_graph_free(g);
}

static void test_expired_token_renewed_once(void **state)
{
	struct dw_graph_op op;
	char ids[1024];

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0" CA_PATH "\", \"expire_token\": true, "
	       "\"after\": 1, \"times\": 1}]}");
	read_one(&op, CA_PATH, 2);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	ids_of(&op, ids, sizeof(ids));
	assert_string_equal(ids, ca_ids);
	assert_int_equal(count_requests(TOKEN_URL, 200), 2);
	assert_int_equal(count_requests(CA_PATH, 401), 1);
	dw_graph_op_release(&op);
}

/* Graph refusing every new token: renewed once, then an auth failure. */
static void test_token_refused_twice_is_auth(void **state)
{
	struct dw_graph_op op;

	(void)state;
	faults("{\"expire_next_tokens\": 5}");
	read_one(&op, CA_PATH, 2);
	assert_int_equal(op.outcome, DW_GRAPH_AUTH);
	assert_int_equal(op.http_status, 401);
	assert_string_equal(op.graph_code, "InvalidAuthenticationToken");
	assert_int_equal(count_requests(TOKEN_URL, 200), 2);
	assert_int_equal(op.npages, 0);
	dw_graph_op_release(&op);
}

/* A token is renewed before it expires (lifetime 6 s: renewed after 3 s). */
static void test_token_renewed_before_expiry(void **state)
{
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);
	struct dw_graph_op a, b;

	(void)state;
	dw_graph_op_init(&a, DW_GRAPH_SINGLETON, "v1.0", "/policies/authorizationPolicy", NULL);
	assert_int_equal(dw_graph_submit(t, &a), 0);
	run(g);
	assert_int_equal(a.outcome, DW_GRAPH_OK);
	sleep(3);
	dw_graph_op_init(&b, DW_GRAPH_SINGLETON, "v1.0", "/policies/authorizationPolicy", NULL);
	assert_int_equal(dw_graph_submit(t, &b), 0);
	run(g);
	assert_int_equal(b.outcome, DW_GRAPH_OK);
	assert_int_equal(count_requests(TOKEN_URL, 200), 2);
	assert_int_equal(count_requests("/authorizationPolicy", 401), 0);
	dw_graph_op_release(&a);
	dw_graph_op_release(&b);
	dw_graph_free(g);
}

static void test_token_endpoint_throttled_then_ok(void **state)
{
	struct dw_graph_op op;

	(void)state;
	faults("{\"rules\": [{\"method\": \"POST\", \"path\": \"/*" TOKEN_URL
	       "\", \"status\": 429, "
	       "\"retry_after\": \"0.1\", \"times\": 1}]}");
	read_one(&op, CA_PATH, 2);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	assert_int_equal(count_requests(TOKEN_URL, 0), 2);
	dw_graph_op_release(&op);
}

/* A token with a CR LF in it is refused: it never becomes a header of a Graph request. */
static void test_token_header_injection_refused(void **state)
{
	struct dw_graph_op op;

	(void)state;
	faults("{\"rules\": [{\"method\": \"POST\", \"path\": \"/*" TOKEN_URL
	       "\", \"status\": 200, \"body\": {\"token_type\": \"Bearer\", \"expires_in\": 3599, "
	       "\"access_token\": \"abc\\r\\nX-Injected: yes\"}}]}");
	read_one(&op, CA_PATH, 2);
	assert_int_equal(op.outcome, DW_GRAPH_BAD_RESPONSE);
	assert_non_null(strstr(op.error.msg, "could not get a token"));
	assert_non_null(strstr(op.error.msg, "RFC 6750"));
	assert_int_equal(count_requests(TOKEN_URL, 0), 1);
	assert_int_equal(count_requests(CA_PATH, 0), 0);
	dw_graph_op_release(&op);
}

static void test_wrong_secret_is_auth(void **state)
{
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, "canary-wrong-secret-5e1f");
	struct dw_graph_op a, b;

	(void)state;
	dw_graph_op_init(&a, DW_GRAPH_LIST, "v1.0", CA_PATH, NULL);
	dw_graph_op_init(&b, DW_GRAPH_SINGLETON, "v1.0", "/policies/authorizationPolicy", NULL);
	assert_int_equal(dw_graph_submit(t, &a), 0);
	assert_int_equal(dw_graph_submit(t, &b), 0);
	run(g);
	assert_int_equal(a.outcome, DW_GRAPH_AUTH);
	assert_int_equal(b.outcome, DW_GRAPH_AUTH);
	assert_int_equal(a.http_status, 401);
	assert_string_equal(a.graph_code, "invalid_client");
	assert_non_null(strstr(a.error.msg, "AADSTS7000215"));
	assert_non_null(strstr(a.error.msg, "tenant contoso: could not get a token"));
	assert_null(strstr(a.error.msg, "canary"));
	/* one token request, no retry of a refused credential, no Graph request */
	assert_int_equal(count_requests(TOKEN_URL, 401), 1);
	assert_int_equal(count_requests(CA_PATH, 0), 0);
	dw_graph_op_release(&a);
	dw_graph_op_release(&b);
	dw_graph_free(g);
}

/* Missing permission, missing licences, unknown path: each its own class, never empty. */
static void test_failures_classified(void **state)
{
	static const struct {
		const char *version, *path;
		enum dw_graph_outcome want;
		long status;
		const char *code;
	} cases[] = {
		{ "v1.0", "/domains", DW_GRAPH_PERMISSION, 403, "Authorization_RequestDenied" },
		{ "v1.0", CA_PATH, DW_GRAPH_UNLICENSED, 403,
		  "Authentication_RequestFromNonPremiumTenantOrB2CTenant" },
		{ "v1.0", "/deviceManagement/deviceCompliancePolicies", DW_GRAPH_UNLICENSED, 400,
		  "BadRequest" },
		{ "v1.0", "/deviceAppManagement/iosManagedAppProtections", DW_GRAPH_PERMISSION, 403,
		  "Forbidden" },
		{ "v1.0", "/no/such/collection", DW_GRAPH_NOT_FOUND, 404, "ResourceNotFound" },
		{ "v1.0", "/policies/tokenLifetimePolicies", DW_GRAPH_OK, 200, "" },
	};
	static char p1[] = "Domain.Read.All", p2[] = "Directory.Read.All";
	char *domains_perm[] = { p1, p2 };
	struct dw_strlist perms = { domains_perm, 2 };
	struct dw_graph_op ops[DW_ARRAY_SIZE(cases)];
	struct dw_graph *g = new_graph(8, 8, 2);
	struct dw_graph_tenant *t = secret_tenant(g, LIMITED, SECRET);
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(cases); i++) {
		dw_graph_op_init(&ops[i], DW_GRAPH_LIST, cases[i].version, cases[i].path, NULL);
		ops[i].permissions = i == 0 ? &perms : NULL;
		assert_int_equal(dw_graph_submit(t, &ops[i]), 0);
	}
	run(g);
	for (i = 0; i < DW_ARRAY_SIZE(cases); i++) {
		if (ops[i].outcome != cases[i].want)
			fail_msg("%s: %s, want %s: %s", cases[i].path,
			         dw_graph_outcome_name(ops[i].outcome),
			         dw_graph_outcome_name(cases[i].want), ops[i].error.msg);
		assert_int_equal(ops[i].http_status, cases[i].status);
		assert_string_equal(ops[i].graph_code, cases[i].code);
		assert_int_equal(ops[i].retries, 0);
		if (cases[i].want != DW_GRAPH_OK)
			assert_int_equal(ops[i].npages, 0);
	}
	assert_non_null(strstr(ops[0].error.msg, "Domain.Read.All or Directory.Read.All"));
	assert_non_null(strstr(ops[2].error.msg, "Request not applicable to target tenant"));
	/* the Intune message is unwrapped from its JSON-in-a-string */
	assert_non_null(strstr(ops[3].error.msg, "Application is not authorized"));
	assert_null(strstr(ops[3].error.msg, "_version"));
	for (i = 0; i < DW_ARRAY_SIZE(cases); i++)
		dw_graph_op_release(&ops[i]);
	dw_graph_free(g);
}

static void test_bad_responses(void **state)
{
	static const struct {
		const char *rule, *why;
	} cases[] = {
		{ "\"status\": 200, \"body\": {\"items\": []}", "no \"value\" array" },
		{ "\"status\": 200, \"body\": [1, 2]", "not a JSON object" },
		{ "\"status\": 200, \"body\": {\"value\": {}}", "no \"value\" array" },
		{ "\"status\": 200, \"body\": {\"value\": [], \"@odata.nextLink\": "
		  "\"https://attacker.example/v1.0/steal\"}",
		  "another host (https://attacker.example), not to https://127.0.0.1" },
		{ "\"status\": 200, \"body\": {\"value\": [], \"@odata.nextLink\": 7}",
		  "not a string" },
	};
	struct dw_graph_op op;
	char doc[512];
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(cases); i++) {
		snprintf(doc, sizeof(doc), "{\"rules\": [{\"path\": \"/v1.0/domains\", %s}]}",
		         cases[i].rule);
		reset(NULL);
		faults(doc);
		read_one(&op, "/domains", 2);
		if (op.outcome != DW_GRAPH_BAD_RESPONSE || !strstr(op.error.msg, cases[i].why))
			fail_msg("%s: %s: %s", cases[i].rule, dw_graph_outcome_name(op.outcome),
			         op.error.msg);
		assert_int_equal(op.npages, 0);
		assert_int_equal(op.retries, 0);
		dw_graph_op_release(&op);
	}
	/* no request went to the other host */
	assert_int_equal(count_requests("/domains", 0), 1);
}

/* Reads /domains, served by an endless_pages rule, with the given budgets. */
static void read_endless(struct dw_graph_op *op, const char *pages, unsigned mib, unsigned objects,
                         struct dw_graph_stats *stats)
{
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);
	char doc[256];

	snprintf(doc, sizeof(doc),
	         "{\"rules\": [{\"path\": \"/v1.0/domains\", \"endless_pages\": %s}]}", pages);
	faults(doc);
	g->opt.max_collection_mib = mib;
	g->opt.max_collection_objects = objects;
	dw_graph_op_init(op, DW_GRAPH_LIST, "v1.0", "/domains", NULL);
	assert_int_equal(dw_graph_submit(t, op), 0);
	run(g);
	if (stats)
		dw_graph_stats(g, stats);
	dw_graph_free(g);
}

static void expect_bounded(struct dw_graph_op *op, const char *why, unsigned requests)
{
	if (op->outcome != DW_GRAPH_BAD_RESPONSE || !strstr(op->error.msg, why))
		fail_msg("%s: %s", dw_graph_outcome_name(op->outcome), op->error.msg);
	assert_non_null(strstr(op->detail, why));
	assert_int_equal(op->npages, 0);
	assert_int_equal(op->retries, 0);
	assert_int_equal(op->requests, requests);
	assert_int_equal(count_requests("/domains", 0), requests);
	dw_graph_op_release(op);
}

/* Paging that goes round between two links ends at the first link seen again. */
static void test_paging_loop_found(void **state)
{
	struct dw_graph_op op;

	(void)state;
	/* the first URL, then endless-1, endless-0 (new), endless-1 (seen before) */
	read_endless(&op, "{\"links\": 2, \"bytes\": 2000}", 256, 100000, NULL);
	expect_bounded(&op, "goes back to a page read before", 3);
}

/* Pages that never repeat end at the collection's memory budget... */
static void test_paging_memory_budget(void **state)
{
	struct dw_graph_op op;

	(void)state;
	read_endless(&op, "{\"bytes\": 300000}", 1, 100000, NULL);
	expect_bounded(&op, "more than max_collection_mib (1 MiB)", 4);
}

/* ...counting what a page takes parsed: dense small objects take more than their text. */
static void test_paging_parsed_size_counts(void **state)
{
	struct dw_graph_op op;

	(void)state;
	read_endless(&op, "{\"bytes\": 0, \"objects\": 6000}", 1, 100000, NULL);
	expect_bounded(&op, "more than max_collection_mib (1 MiB) after 1 page", 1);
}

/* ...or at its object budget. */
static void test_paging_object_budget(void **state)
{
	struct dw_graph_op op;

	(void)state;
	read_endless(&op, "{\"bytes\": 2000, \"objects\": 4}", 256, 10, NULL);
	expect_bounded(&op, "more than max_collection_objects (10)", 3);
}

/* A page larger than what is left of the budget is cut off as it arrives, not retried. */
static void test_page_over_budget(void **state)
{
	struct dw_graph_op op;
	struct dw_graph_stats stats;

	(void)state;
	read_endless(&op, "{\"bytes\": 3000000}", 2, 100000, &stats);
	expect_bounded(&op, "more than max_collection_mib (2 MiB)", 1);
	/* refused when its Content-Length was read: not a byte of its body was kept */
	assert_true(stats.bytes_in < (2u << 20));
}

/* One answer over the 64 MiB limit (announced by Content-Length) is a bad response, not retried. */
static void test_oversized_answer_not_retried(void **state)
{
	struct dw_graph_op op;

	(void)state;
	read_endless(&op, "{\"bytes\": 67200000}", 1024, 100000, NULL);
	if (op.outcome != DW_GRAPH_BAD_RESPONSE || !strstr(op.error.msg, "too large"))
		fail_msg("%s: %s", dw_graph_outcome_name(op.outcome), op.error.msg);
	assert_int_equal(op.requests, 1);
	assert_int_equal(op.retries, 0);
	assert_int_equal(count_requests("/domains", 0), 1);
	dw_graph_op_release(&op);
}

/* The run's deadline ends every op still running, whatever the server does. */
static void test_run_deadline(void **state)
{
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);
	struct dw_graph_op op;
	struct timespec t0;
	struct dw_error err;

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0/domains\", \"latency_ms\": 3000}]}");
	g->opt.run_timeout = 1;
	g->deadline = dw_http__now_ms() + 1000;
	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", "/domains", NULL);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dw_error_clear(&err);
	assert_int_equal(dw_graph_run(g, &err), -ETIMEDOUT);
	assert_true(seconds_since(&t0) < 2.5);
	assert_non_null(strstr(err.msg, "run_timeout (1 s)"));
	assert_int_equal(op.outcome, DW_GRAPH_LOCAL);
	assert_non_null(strstr(op.error.msg, "run_timeout"));
	dw_graph_op_release(&op);
	dw_graph_free(g);
}

static struct dw_graph_tenant *cert_tenant(struct dw_graph *g, const char *key_file,
                                           enum dw_graph_assertion_alg alg, struct dw_error *err,
                                           int *rc)
{
	struct dw_graph_credential c = { .name = "contoso",
		                         .tenant_id = SAMPLE,
		                         .client_id = READER,
		                         .certificate = env.cert,
		                         .alg = alg };
	struct dw_graph_tenant *t = NULL;
	char buf[8192];
	size_t n;
	FILE *f = fopen(key_file, "re");

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(dw_secret_new(&c.secret, buf, n), 0);
	dw_wipe(buf, sizeof(buf));
	*rc = dw_graph_tenant_new(g, &c, &t, err);
	return t;
}

static void test_certificate_accepted(void **state)
{
	enum dw_graph_assertion_alg algs[] = { DW_GRAPH_PS256, DW_GRAPH_RS256 };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct dw_graph *g = new_graph(4, 4, 1);
		struct dw_graph_op op;
		struct dw_error err;
		int rc;
		struct dw_graph_tenant *t;

		dw_error_clear(&err);
		t = cert_tenant(g, env.key, algs[i], &err, &rc);
		assert_int_equal(rc, 0);
		dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", CA_PATH, NULL);
		assert_int_equal(dw_graph_submit(t, &op), 0);
		run(g);
		if (op.outcome != DW_GRAPH_OK)
			fail_msg("%s", op.error.msg);
		assert_int_equal(op.nobjects, 11);
		dw_graph_op_release(&op);
		dw_graph_free(g);
	}
	assert_int_equal(count_requests(TOKEN_URL, 200), 2);
}

static void test_wrong_key_refused(void **state)
{
	struct dw_graph *g = new_graph(4, 4, 1);
	struct dw_error err;
	int rc;

	(void)state;
	dw_error_clear(&err);
	assert_null(cert_tenant(g, env.other_key, DW_GRAPH_PS256, &err, &rc));
	assert_int_equal(rc, -EKEYREJECTED);
	assert_non_null(strstr(err.msg, "does not belong to this certificate"));
	assert_string_equal(err.file, env.cert);
	assert_int_equal(count_requests(TOKEN_URL, 0), 0); /* refused before sending */
	dw_graph_free(g);
}

/* A certificate the app does not know: Entra's AADSTS700027, clearly reported. */
static void test_unregistered_certificate_refused(void **state)
{
	struct dw_graph *g = new_graph(4, 4, 1);
	struct dw_graph_tenant *t;
	struct dw_graph_op op;
	struct dw_error err;
	char saved[128];
	int rc;

	(void)state;
	snprintf(saved, sizeof(saved), "%s", env.cert);
	snprintf(env.cert, sizeof(env.cert), "%s/cert2.pem", env.dir);
	sh("cd %s && openssl req -x509 -new -key other.pem -out cert2.pem -days 2 "
	   "-subj /CN=unregistered >/dev/null 2>&1",
	   env.dir);
	dw_error_clear(&err);
	t = cert_tenant(g, env.other_key, DW_GRAPH_PS256, &err, &rc);
	snprintf(env.cert, sizeof(env.cert), "%s", saved);
	assert_int_equal(rc, 0);
	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", CA_PATH, NULL);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	run(g);
	assert_int_equal(op.outcome, DW_GRAPH_AUTH);
	assert_non_null(strstr(op.error.msg, "AADSTS700027"));
	assert_non_null(strstr(op.error.msg, "not registered on the app"));
	dw_graph_op_release(&op);
	dw_graph_free(g);
}

/* Largest number of requests the emulator was serving at once, from its log. */
static unsigned max_overlap(const char *suffix)
{
	struct dw_json_doc *doc = requests();
	struct dw_json *list = dw_json_get(dw_json_root(doc), "requests");
	double start[64], end[64];
	size_t i, j, n = 0;
	unsigned best = 0;

	for (i = 0; i < dw_json_count(list) && n < 64; i++) {
		const struct dw_json *r = dw_json_at(list, i);
		const char *path = dw_json_cstr(dw_json_get(r, "path"));
		const char *when = dw_json_cstr(dw_json_get(r, "time"));
		int h, m;
		double s;

		if (!path || !strstr(path, suffix) || !when ||
		    sscanf(when + 11, "%d:%d:%lf", &h, &m, &s) != 3)
			continue;
		start[n] = h * 3600.0 + m * 60.0 + s;
		end[n] = start[n] + dw_json_number(dw_json_get(r, "duration_ms")) / 1000.0;
		n++;
	}
	for (i = 0; i < n; i++) {
		unsigned k = 0;

		for (j = 0; j < n; j++)
			if (start[j] <= start[i] + 0.01 && end[j] > start[i] + 0.01)
				k++;
		best = k > best ? k : best;
	}
	dw_json_doc_free(doc);
	return best;
}

static void test_tenant_limit(void **state)
{
	struct dw_graph_op ops[8];
	struct dw_graph *g = new_graph(16, 2, 1);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);
	struct timespec t0;
	size_t i;

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0/policies/authorizationPolicy\", "
	       "\"latency_ms\": 150}]}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 8; i++) {
		dw_graph_op_init(&ops[i], DW_GRAPH_SINGLETON, "v1.0",
		                 "/policies/authorizationPolicy", NULL);
		assert_int_equal(dw_graph_submit(t, &ops[i]), 0);
	}
	run(g);
	/* 8 requests of 150 ms, 2 at a time: 4 rounds */
	assert_true(seconds_since(&t0) >= 0.6);
	for (i = 0; i < 8; i++) {
		assert_int_equal(ops[i].outcome, DW_GRAPH_OK);
		dw_graph_op_release(&ops[i]);
	}
	assert_true(max_overlap("/authorizationPolicy") <= 2);
	assert_true(max_overlap("/authorizationPolicy") >= 2);
	dw_graph_free(g);
}

static void test_global_limit_across_tenants(void **state)
{
	struct dw_graph_op ops[12];
	struct dw_graph *g = new_graph(3, 4, 1);
	struct dw_graph_tenant *a = secret_tenant(g, SAMPLE, SECRET);
	struct dw_graph_tenant *b = secret_tenant(g, LIMITED, SECRET);
	size_t i;

	(void)state;
	faults("{\"rules\": [{\"path\": \"/v1.0/policies/authorizationPolicy\", "
	       "\"latency_ms\": 120}]}");
	for (i = 0; i < 12; i++) {
		dw_graph_op_init(&ops[i], DW_GRAPH_SINGLETON, "v1.0",
		                 "/policies/authorizationPolicy", NULL);
		assert_int_equal(dw_graph_submit(i % 2 ? a : b, &ops[i]), 0);
	}
	run(g);
	for (i = 0; i < 12; i++) {
		assert_int_equal(ops[i].outcome, DW_GRAPH_OK);
		dw_graph_op_release(&ops[i]);
	}
	assert_true(max_overlap("/authorizationPolicy") <= 3);
	dw_graph_free(g);
}

/* Writes: PATCH with a JSON body, 204; a read-only property refused (not retried). */
static void test_calls(void **state)
{
	static const char patch[] = "{\"allowInvitesFrom\": \"adminsAndGuestInviters\"}";
	static const char bad[] = "{\"id\": \"x\"}";
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_credential c = { .name = "w",
		                         .tenant_id = SAMPLE,
		                         .client_id = "8d4e2f1a-6b3c-4d5e-9f8a-1b2c3d4e5f6a" };
	struct dw_graph_tenant *t = NULL;
	struct dw_graph_op op, op2;

	(void)state;
	assert_int_equal(dw_secret_new(&c.secret, "demo-writer-secret-not-real", 27), 0);
	assert_int_equal(dw_graph_tenant_new(g, &c, &t, NULL), 0);
	dw_graph_op_init(&op, DW_GRAPH_CALL, "v1.0", "/policies/authorizationPolicy", NULL);
	op.method = "PATCH";
	op.body = patch;
	op.body_len = strlen(patch);
	dw_graph_op_init(&op2, DW_GRAPH_CALL, "v1.0", "/policies/authorizationPolicy", NULL);
	op2.method = "PATCH";
	op2.body = bad;
	op2.body_len = strlen(bad);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	assert_int_equal(dw_graph_submit(t, &op2), 0);
	run(g);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	assert_int_equal(op.http_status, 204);
	assert_int_equal(op.npages, 1);
	assert_null(op.pages[0].doc);
	assert_int_equal(op2.outcome, DW_GRAPH_REFUSED);
	assert_int_equal(op2.http_status, 400);
	assert_int_equal(op2.retries, 0);
	dw_graph_op_release(&op);
	dw_graph_op_release(&op2);
	dw_graph_free(g);
	control("POST", "/_emulator/reset", "{}", NULL); /* the state again */
}

/* With debug output (curl's verbose lines included) no token or secret reaches the log. */
static void test_no_secret_in_logs(void **state)
{
	struct dw_graph *g = new_graph(4, 4, 2);
	struct dw_graph_tenant *t = secret_tenant(g, SAMPLE, SECRET);
	struct dw_graph_op op;
	char *logged = NULL, token[4096];
	size_t len = 0;
	FILE *mem = open_memstream(&logged, &len);
	struct dw_buf emu;

	(void)state;
	dw_log_setup(DW_LOG_DEBUG, DW_LOG_FORMAT_TEXT, mem);
	faults("{\"rules\": [{\"path\": \"/v1.0" CA_PATH "\", \"status\": 401, "
	       "\"code\": \"InvalidAuthenticationToken\", \"times\": 1}]}");
	/* the verbose switch is read when a handle is made: debug is on from here */
	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", CA_PATH, NULL);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	run(g);
	assert_int_equal(op.outcome, DW_GRAPH_OK);
	assert_non_null(t->token);
	snprintf(token, sizeof(token), "%s", (const char *)dw_secret_data(t->token));
	dw_log_setup(DW_LOG_NOTICE, DW_LOG_FORMAT_TEXT, NULL);
	fclose(mem);
	assert_true(strlen(token) > 20);
	assert_non_null(strstr(logged, "Authorization: [REDACTED]"));
	assert_non_null(strstr(logged, "GET /v1.0" CA_PATH));
	assert_null(strstr(logged, token));
	assert_null(strstr(logged, SECRET));
	assert_null(strstr(logged, "eyJ"));
	/* nor in what the emulator recorded */
	dw_buf_init(&emu, 64u << 20);
	control("GET", "/_emulator/requests", NULL, &emu);
	assert_null(strstr(dw_buf_cstr(&emu), token));
	assert_null(strstr(dw_buf_cstr(&emu), SECRET));
	dw_buf_release(&emu);
	free(logged);
	dw_wipe(token, sizeof(token));
	dw_graph_op_release(&op);
	dw_graph_free(g);
}

/* A Graph that refuses connections (signing in works): the detail says so, and no timing. */
static void test_transport_details(void **state)
{
	struct dw_graph_options o;
	struct dw_graph *g = NULL;
	struct dw_graph_tenant *t;
	struct dw_graph_op op;
	char scope[96];

	(void)state;
	dw_graph_options_init(&o);
	snprintf(scope, sizeof(scope), "%s/.default", env.base);
	o.graph_url = "https://127.0.0.1:1";
	o.login_url = env.base;
	o.scope = scope;
	o.ca_file = env.ca;
	o.max_retries = 0;
	assert_int_equal(dw_graph_new(&o, &g, NULL), 0);
	t = secret_tenant(g, SAMPLE, SECRET);
	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", CA_PATH, NULL);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	run(g);
	assert_int_equal(op.outcome, DW_GRAPH_TRANSIENT);
	assert_string_equal(op.detail, "transient: could not connect");
	assert_non_null(strstr(op.error.msg, "could not connect"));
	dw_graph_op_release(&op);
	dw_graph_free(g);
}

static void test_tls_verified(void **state)
{
	struct dw_graph_options o;
	struct dw_graph *g = NULL;
	struct dw_graph_tenant *t;
	struct dw_graph_op op;
	struct dw_error err;

	(void)state;
	/* without the emulator's CA its certificate does not verify: no way around that */
	dw_graph_options_init(&o);
	o.graph_url = env.base;
	o.login_url = env.base;
	o.max_retries = 1;
	assert_int_equal(dw_graph_new(&o, &g, NULL), 0);
	t = secret_tenant(g, SAMPLE, SECRET);
	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", CA_PATH, NULL);
	assert_int_equal(dw_graph_submit(t, &op), 0);
	run(g);
	assert_int_equal(op.outcome, DW_GRAPH_TLS);
	assert_non_null(strstr(op.error.msg, "certificate"));
	/* the reason _status.json keeps says what to do */
	assert_non_null(strstr(op.detail, "tls: "));
	assert_non_null(strstr(op.detail, "add the issuing CA with ca_file"));
	dw_graph_op_release(&op);
	dw_graph_free(g);
	/* a CA file without a certificate is refused when the client is made */
	o.ca_file = env.key;
	dw_error_clear(&err);
	assert_int_equal(dw_graph_new(&o, &g, &err), -EINVAL);
	assert_string_equal(err.file, env.key);
	assert_null(strstr(err.msg, "PRIVATE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pages_in_order, reset),
		cmocka_unit_test_setup(test_page_callback_holds_one_page, reset),
		cmocka_unit_test_setup(test_empty_page_with_next_link, reset),
		cmocka_unit_test_setup(test_429_retry_after_fractional, reset),
		cmocka_unit_test_setup(test_429_without_retry_after_backs_off, reset),
		cmocka_unit_test_setup(test_retries_bounded_every_fault, reset),
		cmocka_unit_test_setup(test_persistent_reset_bounded, reset),
		cmocka_unit_test_setup(test_write_sent_once, reset),
		cmocka_unit_test_setup(test_token_reset_bounded, reset),
		cmocka_unit_test_setup(test_transient_faults_recover, reset),
		cmocka_unit_test_setup(test_timeout_is_transient, reset),
		cmocka_unit_test_setup(test_retry_budget, reset),
		cmocka_unit_test_setup(test_expired_token_renewed_once, reset),
		cmocka_unit_test_setup(test_token_refused_twice_is_auth, reset),
		cmocka_unit_test_setup(test_token_renewed_before_expiry, reset),
		cmocka_unit_test_setup(test_token_endpoint_throttled_then_ok, reset),
		cmocka_unit_test_setup(test_token_header_injection_refused, reset),
		cmocka_unit_test_setup(test_wrong_secret_is_auth, reset),
		cmocka_unit_test_setup(test_failures_classified, reset),
		cmocka_unit_test_setup(test_bad_responses, reset),
		cmocka_unit_test_setup(test_paging_loop_found, reset),
		cmocka_unit_test_setup(test_paging_memory_budget, reset),
		cmocka_unit_test_setup(test_paging_parsed_size_counts, reset),
		cmocka_unit_test_setup(test_paging_object_budget, reset),
		cmocka_unit_test_setup(test_page_over_budget, reset),
		cmocka_unit_test_setup(test_oversized_answer_not_retried, reset),
		cmocka_unit_test_setup(test_run_deadline, reset),
		cmocka_unit_test_setup(test_certificate_accepted, reset),
		cmocka_unit_test_setup(test_wrong_key_refused, reset),
		cmocka_unit_test_setup(test_unregistered_certificate_refused, reset),
		cmocka_unit_test_setup(test_tenant_limit, reset),
		cmocka_unit_test_setup(test_global_limit_across_tenants, reset),
		cmocka_unit_test_setup(test_calls, reset),
		cmocka_unit_test_setup(test_no_secret_in_logs, reset),
		cmocka_unit_test_setup(test_transport_details, reset),
		cmocka_unit_test_setup(test_tls_verified, reset),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
