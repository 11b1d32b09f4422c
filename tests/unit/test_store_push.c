/*
 * Pushing tenant branches: to a path remote, and over smart HTTP to the real
 * git-receive-pack (git http-backend behind a small Python server). libgit2
 * refuses a non-fast-forward itself; a pre-receive hook's refusal comes back
 * only as a per-ref status, on which the store must fail. The ssh host key
 * pin is checked against ssh-keygen's own fingerprints.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/store.h"
#include "store/push.h"
#include "test_store_helpers.h"

static const char server_py[] =
        "import http.server, os, subprocess, sys\n"
        "root = sys.argv[1]\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def log_message(self, *a): pass\n"
        "    def body(self):\n"
        "        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':\n"
        "            out = b''\n"
        "            while True:\n"
        "                n = int(self.rfile.readline().split(b';')[0], 16)\n"
        "                if n == 0:\n"
        "                    self.rfile.readline()\n"
        "                    return out\n"
        "                out += self.rfile.read(n)\n"
        "                self.rfile.readline()\n"
        "        return self.rfile.read(int(self.headers.get('Content-Length', 0)))\n"
        "    def cgi(self):\n"
        "        path, _, query = self.path.partition('?')\n"
        "        data = self.body() if self.command == 'POST' else b''\n"
        "        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL='1',\n"
        "                   REQUEST_METHOD=self.command, PATH_INFO=path, QUERY_STRING=query,\n"
        "                   CONTENT_TYPE=self.headers.get('Content-Type', ''),\n"
        "                   CONTENT_LENGTH=str(len(data)), REMOTE_USER='driftward',\n"
        "                   REMOTE_ADDR='127.0.0.1')\n"
        "        out = subprocess.run(['git', 'http-backend'], input=data, env=env,\n"
        "                             stdout=subprocess.PIPE).stdout\n"
        "        head, _, rest = out.partition(b'\\r\\n\\r\\n')\n"
        "        status, headers = 200, []\n"
        "        for line in head.split(b'\\r\\n'):\n"
        "            k, _, v = line.decode().partition(': ')\n"
        "            if k.lower() == 'status': status = int(v.split()[0])\n"
        "            elif k: headers.append((k, v))\n"
        "        self.send_response(status)\n"
        "        for k, v in headers: self.send_header(k, v)\n"
        "        self.send_header('Content-Length', str(len(rest)))\n"
        "        self.end_headers()\n"
        "        self.wfile.write(rest)\n"
        "    do_GET = do_POST = cgi\n"
        "s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
        "open(sys.argv[2], 'w').write(str(s.server_address[1]))\n"
        "s.serve_forever()\n";

struct fixture {
	struct scratch s;
	char remote[160];
	struct dw_store *store;
	struct dw_error err;
	pid_t server;
	int port;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || scratch_make(&fx->s, 1) < 0)
		return -1;
	snprintf(fx->remote, sizeof(fx->remote), "%s/remote.git", fx->s.dir);
	if (sh(NULL, "git init -q --bare '%s'", fx->remote) != 0 ||
	    dw_store_open(fx->s.repo, NULL, &fx->store, &fx->err) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->server > 0) {
		kill(fx->server, SIGTERM);
		waitpid(fx->server, NULL, 0);
	}
	dw_store_free(fx->store);
	scratch_remove(&fx->s);
	free(fx);
	return 0;
}

static void commit_file(struct fixture *fx, const char *tenant, const char *data)
{
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;

	assert_int_equal(dw_store_tx_begin(fx->store, tenant, 0, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "a.json", data, strlen(data), &fx->err), 0);
	assert_int_equal(dw_store_tx_commit(tx, "test: push", &res, &fx->err), 0);
	dw_store_tx_free(tx);
}

/* The remote's commit for @ref, and ours, must be the same. */
static int same_on_remote(struct fixture *fx, const char *ref)
{
	return sh(NULL,
	          "test \"$(git --git-dir='%s' rev-parse %s)\" = \"$(git --git-dir='%s' "
	          "rev-parse %s)\"",
	          fx->s.repo, ref, fx->remote, ref) == 0;
}

static int push(struct fixture *fx, const char *url, const char *ref)
{
	struct dw_store_remote remote = { .url = url };
	const char *refs[] = { ref };

	dw_error_clear(&fx->err);
	return dw_store_push(fx->store, &remote, refs, 1, &fx->err);
}

static void pushes_tenant_branches_to_a_path_remote(void **state)
{
	struct fixture *fx = *state;

	commit_file(fx, "contoso", "1\n");
	commit_file(fx, "fabrikam", "1\n");
	assert_int_equal(push(fx, fx->remote, "refs/heads/tenants/contoso"), 0);
	assert_true(same_on_remote(fx, "refs/heads/tenants/contoso"));
	assert_int_not_equal(sh(NULL,
	                        "git --git-dir='%s' rev-parse -q --verify "
	                        "refs/heads/tenants/fabrikam >/dev/null",
	                        fx->remote),
	                     0);
	commit_file(fx, "contoso", "2\n");
	assert_int_equal(push(fx, fx->remote, "refs/heads/tenants/contoso"), 0);
	assert_true(same_on_remote(fx, "refs/heads/tenants/contoso"));
	assert_int_equal(fsck_clean(fx->remote), 0);
}

static void start_server(struct fixture *fx)
{
	char script[200], portfile[200];
	struct timespec tick = { 0, 20 * 1000000L };
	FILE *f;
	int i;

	snprintf(script, sizeof(script), "%s/server.py", fx->s.dir);
	snprintf(portfile, sizeof(portfile), "%s/port", fx->s.dir);
	f = fopen(script, "we");
	assert_non_null(f);
	fputs(server_py, f);
	fclose(f);
	fx->server = fork();
	assert_true(fx->server >= 0);
	if (fx->server == 0) {
		execlp("python3", "python3", script, fx->s.dir, portfile, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && fx->port == 0; i++) {
		nanosleep(&tick, NULL);
		f = fopen(portfile, "re");
		if (f && fscanf(f, "%d", &fx->port) != 1)
			fx->port = 0;
		if (f)
			fclose(f);
	}
	assert_int_not_equal(fx->port, 0);
}

static void http_remote_rejections_fail_the_push(void **state)
{
	struct fixture *fx = *state;
	char url[200], hook[200];
	FILE *f;

	sh(NULL, "git --git-dir='%s' config http.receivepack true", fx->remote);
	sh(NULL, "git --git-dir='%s' config receive.denyNonFastForwards true", fx->remote);
	start_server(fx);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/remote.git", fx->port);
	commit_file(fx, "contoso", "1\n");
	assert_int_equal(push(fx, url, "refs/heads/tenants/contoso"), 0);
	assert_true(same_on_remote(fx, "refs/heads/tenants/contoso"));

	/* the remote moved on its own to a commit we lack: refused before sending */
	sh(NULL,
	   "cd '%s' && git --git-dir=remote.git update-ref refs/heads/tenants/contoso "
	   "$(git --git-dir=remote.git commit-tree -m other "
	   "refs/heads/tenants/contoso^{tree})",
	   fx->s.dir);
	commit_file(fx, "contoso", "2\n");
	assert_true(push(fx, url, "refs/heads/tenants/contoso") < 0);
	assert_non_null(strstr(fx->err.msg, "not a fast-forward"));
	assert_false(same_on_remote(fx, "refs/heads/tenants/contoso"));

	/* to a commit we have but do not descend from: refused the same way */
	commit_file(fx, "fabrikam", "f1\n");
	assert_int_equal(push(fx, url, "refs/heads/tenants/fabrikam"), 0);
	sh(NULL,
	   "git --git-dir='%s' update-ref refs/heads/tenants/contoso "
	   "refs/heads/tenants/fabrikam",
	   fx->remote);
	assert_true(push(fx, url, "refs/heads/tenants/contoso") < 0);
	assert_non_null(strstr(fx->err.msg, "not a fast-forward"));
	assert_false(same_on_remote(fx, "refs/heads/tenants/contoso"));

	/* a pre-receive hook that refuses everything */
	snprintf(hook, sizeof(hook), "%s/hooks/pre-receive", fx->remote);
	f = fopen(hook, "we");
	assert_non_null(f);
	fputs("#!/bin/sh\necho 'protected by policy' >&2\nexit 1\n", f);
	fclose(f);
	assert_int_equal(chmod(hook, 0755), 0);
	commit_file(fx, "fabrikam", "f2\n");
	assert_int_equal(push(fx, url, "refs/heads/tenants/fabrikam"), -EPERM);
	assert_non_null(strstr(fx->err.msg, "rejected refs/heads/tenants/fabrikam"));
	assert_non_null(strstr(fx->err.msg, "pre-receive hook declined"));
	assert_false(same_on_remote(fx, "refs/heads/tenants/fabrikam"));
}

static int atoi_safe(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

static void write_hook(struct fixture *fx, const char *name, const char *body)
{
	char path[240];
	FILE *f;

	snprintf(path, sizeof(path), "%s/hooks/%s", fx->remote, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

/* Lines of @file in the scratch directory (hooks append to it), 0 when absent. */
static int lines_of(struct fixture *fx, const char *file)
{
	struct dw_buf out;
	int n;

	dw_buf_init(&out, 1024);
	sh(&out, "cat '%s/%s' 2>/dev/null | wc -l", fx->s.dir, file);
	n = atoi_safe(dw_buf_cstr(&out));
	dw_buf_release(&out);
	return n;
}

/* An HTTP remote (git http-backend) whose hooks tell what each push carried. */
static void http_remote(struct fixture *fx, char *url, size_t len)
{
	char body[400];

	sh(NULL, "git --git-dir='%s' config http.receivepack true", fx->remote);
	start_server(fx);
	snprintf(url, len, "http://127.0.0.1:%d/remote.git", fx->port);
	snprintf(body, sizeof(body), "echo push >>'%s/pushes'\ncat >>'%s/received'\n", fx->s.dir,
	         fx->s.dir);
	write_hook(fx, "post-receive", body);
}

static int push_all(struct fixture *fx, const char *url, const char *const *refs, size_t n,
                    enum dw_store_push_state *states)
{
	struct dw_store_remote remote = { .url = url };

	dw_error_clear(&fx->err);
	return dw_store_push_branches(fx->store, &remote, refs, n, states, &fx->err);
}

static const char *const three[] = { "refs/heads/tenants/contoso", "refs/heads/tenants/fabrikam",
	                             "refs/heads/tenants/northwind", "refs/heads/tenants/absent" };

static void one_push_carries_every_branch_ahead_of_the_remote(void **state)
{
	struct fixture *fx = *state;
	enum dw_store_push_state st[4];
	char url[200];

	http_remote(fx, url, sizeof(url));
	commit_file(fx, "contoso", "1\n");
	assert_int_equal(push(fx, url, three[0]), 0);
	commit_file(fx, "fabrikam", "1\n");
	commit_file(fx, "northwind", "1\n");
	assert_int_equal(push_all(fx, url, three, 4, st), 0);
	assert_int_equal(st[0], DW_STORE_PUSH_UPTODATE);
	assert_int_equal(st[1], DW_STORE_PUSH_PUSHED);
	assert_int_equal(st[2], DW_STORE_PUSH_PUSHED);
	assert_int_equal(st[3], DW_STORE_PUSH_ABSENT);
	/* two pushes in all: contoso's, then one for fabrikam and northwind together */
	assert_int_equal(lines_of(fx, "pushes"), 2);
	assert_int_equal(lines_of(fx, "received"), 3);
	assert_true(same_on_remote(fx, three[1]) && same_on_remote(fx, three[2]));
	/* nothing ahead: no push at all */
	assert_int_equal(push_all(fx, url, three, 4, st), 0);
	assert_int_equal(lines_of(fx, "pushes"), 2);
	assert_int_equal(fsck_clean(fx->remote), 0);
}

static void a_refused_branch_is_retried_after_a_new_look(void **state)
{
	struct fixture *fx = *state;
	enum dw_store_push_state st[4];
	char url[200], body[400];

	http_remote(fx, url, sizeof(url));
	/* refuses fabrikam once, as a forge that could not lock the ref would */
	snprintf(body, sizeof(body),
	         "echo \"$1\" >>'%s/updates'\n"
	         "[ \"$1\" = refs/heads/tenants/fabrikam ] && [ ! -e '%s/refused' ] && "
	         "touch '%s/refused' && exit 1\nexit 0\n",
	         fx->s.dir, fx->s.dir, fx->s.dir);
	write_hook(fx, "update", body);
	commit_file(fx, "contoso", "1\n");
	commit_file(fx, "fabrikam", "1\n");
	commit_file(fx, "northwind", "1\n");
	assert_int_equal(push_all(fx, url, three, 4, st), 0);
	assert_int_equal(st[0], DW_STORE_PUSH_PUSHED);
	assert_int_equal(st[1], DW_STORE_PUSH_PUSHED);
	assert_int_equal(st[2], DW_STORE_PUSH_PUSHED);
	/* the retry sent fabrikam alone */
	assert_int_equal(lines_of(fx, "updates"), 4);
	assert_int_equal(lines_of(fx, "pushes"), 2);
	assert_true(same_on_remote(fx, three[0]) && same_on_remote(fx, three[1]) &&
	            same_on_remote(fx, three[2]));
}

static void a_failed_push_is_made_up_by_the_next(void **state)
{
	struct fixture *fx = *state;
	enum dw_store_push_state st[4];
	char url[200], body[400], hook[240];

	http_remote(fx, url, sizeof(url));
	snprintf(body, sizeof(body),
	         "echo \"$1\" >>'%s/updates'\n"
	         "[ \"$1\" = refs/heads/tenants/fabrikam ] && echo 'locked by policy' >&2 && "
	         "exit 1\nexit 0\n",
	         fx->s.dir);
	write_hook(fx, "update", body);
	commit_file(fx, "contoso", "1\n");
	commit_file(fx, "fabrikam", "1\n");
	assert_int_equal(push_all(fx, url, three, 2, st), -EPERM);
	assert_int_equal(st[0], DW_STORE_PUSH_PUSHED);
	assert_int_equal(st[1], DW_STORE_PUSH_REJECTED);
	assert_non_null(strstr(fx->err.msg, "rejected refs/heads/tenants/fabrikam"));
	/* tried in each of the three rounds, then left for the next push */
	assert_int_equal(sh(NULL, "test $(grep -c fabrikam '%s/updates') -eq 3", fx->s.dir), 0);
	assert_false(same_on_remote(fx, three[1]));
	snprintf(hook, sizeof(hook), "%s/hooks/update", fx->remote);
	assert_int_equal(unlink(hook), 0);
	assert_int_equal(push_all(fx, url, three, 2, st), 0);
	assert_int_equal(st[0], DW_STORE_PUSH_UPTODATE);
	assert_int_equal(st[1], DW_STORE_PUSH_PUSHED);
	assert_true(same_on_remote(fx, three[1]));
}

static void another_writers_commits_are_never_sent_over(void **state)
{
	struct fixture *fx = *state;
	enum dw_store_push_state st[4];
	char url[200], body[400];

	http_remote(fx, url, sizeof(url));
	commit_file(fx, "contoso", "1\n");
	commit_file(fx, "fabrikam", "1\n");
	assert_int_equal(push_all(fx, url, three, 2, st), 0);
	/* someone else moved fabrikam; we commit on our own line */
	sh(NULL,
	   "cd '%s' && git --git-dir=remote.git update-ref %s "
	   "$(git --git-dir=remote.git commit-tree -p %s -m other %s^{tree})",
	   fx->s.dir, three[1], three[1], three[1]);
	snprintf(body, sizeof(body), "echo \"$1\" >>'%s/updates'\n", fx->s.dir);
	write_hook(fx, "update", body);
	commit_file(fx, "contoso", "2\n");
	commit_file(fx, "fabrikam", "2\n");
	assert_int_equal(push_all(fx, url, three, 2, st), -EPERM);
	assert_int_equal(st[0], DW_STORE_PUSH_PUSHED);
	assert_int_equal(st[1], DW_STORE_PUSH_REJECTED);
	assert_non_null(strstr(fx->err.msg, "not a fast-forward"));
	/* refused here, not sent: the remote saw contoso alone */
	assert_int_equal(lines_of(fx, "updates"), 1);
	assert_false(same_on_remote(fx, three[1]));
}

static void ssh_remote_needs_a_pinned_host_key(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_remote remote = { .url = "git@example.invalid:org/state.git" };
	const char *refs[] = { "refs/heads/tenants/contoso" };

	assert_int_equal(dw_store_push(fx->store, &remote, refs, 1, &fx->err), -EINVAL);
	assert_non_null(strstr(fx->err.msg, "needs remote_host_key"));
	remote.url = "ssh://git@example.invalid/org/state.git";
	assert_int_equal(dw_store_push(fx->store, &remote, refs, 1, &fx->err), -EINVAL);
	refs[0] = "refs/tags/x";
	remote.url = fx->remote;
	dw_error_clear(&fx->err);
	assert_int_equal(dw_store_push(fx->store, &remote, refs, 1, &fx->err), -EINVAL);
}

/* The pin compares what ssh-keygen -lf prints with the host key's SHA-256. */
static void host_key_fingerprint_matches_ssh_keygen(void **state)
{
	struct fixture *fx = *state;
	struct dw_buf fp, digest;
	unsigned char sha[32];
	char mine[STORE_FINGERPRINT_MAX];
	const char *hex;
	int i, k;

	for (k = 0; k < 4; k++) {
		dw_buf_init(&fp, 1024);
		dw_buf_init(&digest, 1024);
		assert_int_equal(sh(NULL,
		                    "rm -f '%s/hk' '%s/hk.pub'; ssh-keygen -q -t %s -N '' "
		                    "-f '%s/hk'",
		                    fx->s.dir, fx->s.dir, k % 2 ? "ed25519" : "ecdsa", fx->s.dir),
		                 0);
		assert_int_equal(sh(&fp, "ssh-keygen -lf '%s/hk.pub' | cut -d' ' -f2 | tr -d '\\n'",
		                    fx->s.dir),
		                 0);
		/* the key blob is the base64 field of the .pub file */
		assert_int_equal(
		        sh(&digest,
		           "cut -d' ' -f2 '%s/hk.pub' | base64 -d | sha256sum | cut -c1-64",
		           fx->s.dir),
		        0);
		hex = dw_buf_cstr(&digest);
		for (i = 0; i < 32; i++) {
			unsigned v;

			assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
			sha[i] = (unsigned char)v;
		}
		dw_store__ssh_fingerprint(sha, mine);
		assert_string_equal(mine, dw_buf_cstr(&fp));
		assert_true(dw_store__host_key_matches(sha, dw_buf_cstr(&fp)));
		sha[5] ^= 1;
		assert_false(dw_store__host_key_matches(sha, dw_buf_cstr(&fp)));
		assert_false(dw_store__host_key_matches(sha, NULL));
		dw_buf_release(&fp);
		dw_buf_release(&digest);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(pushes_tenant_branches_to_a_path_remote),
		T(http_remote_rejections_fail_the_push),
		T(one_push_carries_every_branch_ahead_of_the_remote),
		T(a_refused_branch_is_retried_after_a_new_look),
		T(a_failed_push_is_made_up_by_the_next),
		T(another_writers_commits_are_never_sent_over),
		T(ssh_remote_needs_a_pinned_host_key),
		T(host_key_fingerprint_matches_ssh_keygen),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
