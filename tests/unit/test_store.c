/*
 * The state store: trees built from the previous one, commits only on change,
 * compare-and-swap ref updates, locks and the readers, with the git command
 * line as the judge of what was written.
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
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/log.h"
#include "driftward/store.h"
#include "store/internal.h"
#include "test_store_helpers.h"

struct fixture {
	struct scratch s;
	struct dw_store *store;
	struct dw_error err;
	struct dw_buf out;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || scratch_make(&fx->s, 1) < 0)
		return -1;
	if (dw_store_open(fx->s.repo, NULL, &fx->store, &fx->err) < 0)
		return -1;
	dw_buf_init(&fx->out, 1u << 24);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	dw_store_free(fx->store);
	dw_buf_release(&fx->out);
	scratch_remove(&fx->s);
	free(fx);
	return 0;
}

/* git -C repo ARGS, its stdout in fx->out (reset first); returns the status. */
static int git(struct fixture *fx, const char *fmt, ...) DW_PRINTF(2, 3);

static int git(struct fixture *fx, const char *fmt, ...)
{
	char args[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	dw_buf_reset(&fx->out);
	return sh(&fx->out, "git --git-dir='%s' %s", fx->s.repo, args);
}

struct file {
	const char *path;
	const char *data;
};

/* One transaction staging @files; returns the commit result. */
static struct dw_store_commit_result snapshot(struct fixture *fx, const char *tenant,
                                              unsigned flags, const struct file *files, size_t n)
{
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	size_t i;

	assert_int_equal(dw_store_tx_begin(fx->store, tenant, flags, &tx, &fx->err), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(dw_store_tx_stage(tx, files[i].path, files[i].data,
		                                   strlen(files[i].data), &fx->err),
		                 0);
	assert_int_equal(dw_store_tx_commit(tx, "test: snapshot\n", &res, &fx->err), 0);
	dw_store_tx_free(tx);
	return res;
}

static const struct file base[] = {
	{ "conditionalAccessPolicies/block-legacy--11111111.json",
	  "{\n  \"state\": \"enabled\"\n}\n" },
	{ "conditionalAccessPolicies/require-mfa--22222222.json",
	  "{\n  \"state\": \"enabled\"\n}\n" },
	{ "namedLocations/office--33333333.json", "{\n  \"ipRanges\": []\n}\n" },
	{ "_status.json", "{}\n" },
};

static void unchanged_tenant_gives_same_tree_and_no_commit(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result a, b;

	a = snapshot(fx, "contoso", DW_STORE_TX_REPLACE, base, DW_ARRAY_SIZE(base));
	assert_true(a.committed);
	assert_int_equal(a.changes.added, 4);
	b = snapshot(fx, "contoso", DW_STORE_TX_REPLACE, base, DW_ARRAY_SIZE(base));
	assert_false(b.committed);
	assert_string_equal(a.tree, b.tree);
	assert_string_equal(a.commit, b.commit);
	assert_int_equal(b.changes.added + b.changes.changed + b.changes.removed, 0);
	assert_int_equal(git(fx, "rev-list --count tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "1\n");
	assert_int_equal(git(fx, "rev-parse tenants/contoso^{tree}"), 0);
	assert_memory_equal(dw_buf_cstr(&fx->out), a.tree, 40);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static void one_changed_file_is_the_only_one_in_the_commit(void **state)
{
	struct fixture *fx = *state;
	struct file next[DW_ARRAY_SIZE(base)];
	struct dw_store_commit_result res;

	snapshot(fx, "contoso", DW_STORE_TX_REPLACE, base, DW_ARRAY_SIZE(base));
	memcpy(next, base, sizeof(next));
	next[2].data = "{\n  \"ipRanges\": [\"10.0.0.0/8\"]\n}\n";
	res = snapshot(fx, "contoso", DW_STORE_TX_REPLACE, next, DW_ARRAY_SIZE(next));
	assert_true(res.committed);
	assert_int_equal(res.changes.changed, 1);
	assert_int_equal(res.changes.added + res.changes.removed, 0);
	/* loose objects: the new blob, two trees (root, namedLocations) and the commit */
	assert_int_equal(res.objects_written, 4);
	assert_int_equal(git(fx, "show --stat --format= tenants/contoso"), 0);
	assert_non_null(strstr(dw_buf_cstr(&fx->out), "namedLocations/office--33333333.json"));
	assert_non_null(strstr(dw_buf_cstr(&fx->out), "1 file changed"));
	assert_int_equal(git(fx, "diff-tree -r --no-commit-id --name-status tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "M\tnamedLocations/office--33333333.json\n");
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static void renamed_object_is_followed_by_git_log(void **state)
{
	struct fixture *fx = *state;
	char body[2048];
	struct file before[1], after[1];
	size_t i, len = 0;

	for (i = 0; i < 40; i++)
		len += (size_t)snprintf(body + len, sizeof(body) - len, "  \"key%02zu\": %zu,\n", i,
		                        i * 7);
	before[0].path = "conditionalAccessPolicies/block-legacy--0b1c.json";
	before[0].data = body;
	after[0].path = "conditionalAccessPolicies/block-legacy-auth--0b1c.json";
	after[0].data = body;
	snapshot(fx, "contoso", DW_STORE_TX_REPLACE, before, 1);
	snapshot(fx, "contoso", DW_STORE_TX_REPLACE, after, 1);
	assert_int_equal(git(fx, "diff-tree -r -M --no-commit-id --name-status tenants/contoso"),
	                 0);
	assert_non_null(strstr(dw_buf_cstr(&fx->out), "R100\t"));
	assert_int_equal(git(fx, "log --follow --format=%%h tenants/contoso -- %s", after[0].path),
	                 0);
	/* both commits: the one that named it the old way is found through the rename */
	assert_int_equal(strlen(dw_buf_cstr(&fx->out)), 2 * (strlen("0123456") + 1));
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static void replace_mode_removes_what_was_not_staged_or_kept(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;

	snapshot(fx, "contoso", DW_STORE_TX_REPLACE, base, DW_ARRAY_SIZE(base));
	assert_int_equal(
	        dw_store_tx_begin(fx->store, "contoso", DW_STORE_TX_REPLACE, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_previous_count(tx), 4);
	/* conditionalAccessPolicies failed to read: its files stay */
	assert_int_equal(dw_store_tx_keep(tx, "conditionalAccessPolicies", &fx->err), 2);
	assert_int_equal(dw_store_tx_stage(tx, "_status.json", "{\"ok\":1}\n", 9, &fx->err), 0);
	/* namedLocations/office was not staged: removed */
	assert_int_equal(dw_store_tx_commit(tx, "test: replace", &res, &fx->err), 0);
	dw_store_tx_free(tx);
	assert_true(res.committed);
	assert_int_equal(res.changes.changed, 1);
	assert_int_equal(res.changes.removed, 1);
	assert_int_equal(git(fx, "diff-tree -r --no-commit-id --name-status tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out),
	                    "M\t_status.json\nD\tnamedLocations/office--33333333.json\n");
	/* the emptied directory is gone, not an empty tree */
	assert_int_equal(git(fx, "ls-tree --name-only tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "_status.json\nconditionalAccessPolicies\n");
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

/*
 * A collector staged as it read, then its read failed: unstaging its directory
 * takes back its changed, new and removed files (and nothing beside it, not a
 * directory whose name starts the same), and keeping it then gives the
 * previous files: the commit holds no trace of the half-read collector.
 */
static void unstage_takes_back_a_directory(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;

	snapshot(fx, "contoso", DW_STORE_TX_REPLACE, base, DW_ARRAY_SIZE(base));
	assert_int_equal(
	        dw_store_tx_begin(fx->store, "contoso", DW_STORE_TX_REPLACE, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx,
	                                   "conditionalAccessPolicies/block-legacy--11111111.json",
	                                   "changed", 7, &fx->err),
	                 0);
	assert_int_equal(dw_store_tx_stage(tx, "conditionalAccessPolicies/new--44444444.json",
	                                   "new", 3, &fx->err),
	                 0);
	assert_int_equal(dw_store_tx_remove(tx,
	                                    "conditionalAccessPolicies/require-mfa--22222222.json",
	                                    &fx->err),
	                 0);
	assert_int_equal(
	        dw_store_tx_stage(tx, "conditionalAccessPoliciesX/y.json", "y", 1, &fx->err), 0);
	assert_int_equal(
	        dw_store_tx_stage(tx, "namedLocations/office--33333333.json", "same?", 5, &fx->err),
	        0);
	assert_int_equal(dw_store_tx_unstage(tx, "conditionalAccessPolicies", &fx->err), 0);
	assert_int_equal(dw_store_tx_keep(tx, "conditionalAccessPolicies", &fx->err), 2);
	assert_int_equal(dw_store_tx_stage(tx, "_status.json", "{\"ok\":1}\n", 9, &fx->err), 0);
	assert_int_equal(dw_store_tx_unstage(tx, "bad//path", &fx->err), -EINVAL);
	assert_int_equal(dw_store_tx_commit(tx, "test: unstage", &res, &fx->err), 0);
	dw_store_tx_free(tx);
	assert_int_equal(git(fx, "diff-tree -r --no-commit-id --name-status tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "M\t_status.json\n"
	                                           "A\tconditionalAccessPoliciesX/y.json\n"
	                                           "M\tnamedLocations/office--33333333.json\n");
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static int collect_file(const char *path, const void *data, size_t len, void *payload)
{
	return dw_buf_printf(payload, "%s=%.*s;", path, (int)len, (const char *)data);
}

/*
 * A report staged in a commit is made from the files that commit will hold,
 * and dated with the commit's time: the tree as staged (kept files in,
 * unstaged ones out under REPLACE, new ones in path order) is readable
 * before the commit, and the commit takes the time it was given.
 */
static void staged_tree_is_read_before_commit_and_commit_takes_its_time(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	struct dw_buf files;

	snapshot(fx, "contoso", DW_STORE_TX_REPLACE, base, DW_ARRAY_SIZE(base));
	assert_int_equal(
	        dw_store_tx_begin(fx->store, "contoso", DW_STORE_TX_REPLACE, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_keep(tx, "conditionalAccessPolicies", &fx->err), 2);
	assert_int_equal(dw_store_tx_stage(tx, "_status.json", "new", 3, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "a-new/x.json", "x", 1, &fx->err), 0);
	dw_buf_init(&files, 1 << 16);
	assert_int_equal(dw_store_tx_read_files(tx, collect_file, &files, &fx->err), 0);
	assert_string_equal(dw_buf_cstr(&files),
	                    "_status.json=new;a-new/x.json=x;"
	                    "conditionalAccessPolicies/block-legacy--11111111.json={\n"
	                    "  \"state\": \"enabled\"\n}\n;"
	                    "conditionalAccessPolicies/require-mfa--22222222.json={\n"
	                    "  \"state\": \"enabled\"\n}\n;");
	dw_buf_release(&files);
	dw_store_tx_set_time(tx, 1000000000);
	assert_int_equal(dw_store_tx_commit(tx, "test: dated", &res, &fx->err), 0);
	dw_store_tx_free(tx);
	assert_true(res.committed);
	assert_int_equal(git(fx, "log -1 --format=%%ct/%%at tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "1000000000/1000000000\n");
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static void incremental_mode_keeps_and_removes_explicitly(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;

	snapshot(fx, "contoso", 0, base, DW_ARRAY_SIZE(base));
	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_remove(tx,
	                                    "conditionalAccessPolicies/require-mfa--22222222.json",
	                                    &fx->err),
	                 0);
	assert_int_equal(dw_store_tx_remove(tx, "no/such/file.json", &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "new/file.json", "{}\n", 3, &fx->err), 0);
	assert_int_equal(dw_store_tx_commit(tx, "test: incremental", &res, &fx->err), 0);
	dw_store_tx_free(tx);
	assert_int_equal(res.changes.added, 1);
	assert_int_equal(res.changes.removed, 1);
	assert_int_equal(git(fx, "ls-tree -r --name-only tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out),
	                    "_status.json\nconditionalAccessPolicies/block-legacy--11111111.json\n"
	                    "namedLocations/office--33333333.json\nnew/file.json\n");
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static int count_cb(const char *path, void *payload)
{
	struct dw_buf *b = payload;

	return dw_buf_printf(b, "%s\n", path);
}

static void previous_files_can_be_read_and_listed(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_tx *tx = NULL;
	struct dw_buf b;

	snapshot(fx, "contoso", 0, base, DW_ARRAY_SIZE(base));
	dw_buf_init(&b, 4096);
	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	assert_int_equal(strlen(dw_store_tx_parent(tx)), 40);
	assert_int_equal(dw_store_tx_previous(tx, base[2].path, &b, &fx->err), 0);
	assert_string_equal(dw_buf_cstr(&b), base[2].data);
	dw_buf_reset(&b);
	assert_int_equal(dw_store_tx_previous(tx, "namedLocations/other.json", &b, &fx->err),
	                 -ENOENT);
	assert_int_equal(dw_store_tx_list(tx, "conditionalAccessPolicies", count_cb, &b), 0);
	assert_string_equal(dw_buf_cstr(&b),
	                    "conditionalAccessPolicies/block-legacy--11111111.json\n"
	                    "conditionalAccessPolicies/require-mfa--22222222.json\n");
	dw_buf_reset(&b);
	/* a prefix of a directory name is not that directory */
	assert_int_equal(dw_store_tx_list(tx, "conditionalAccess", count_cb, &b), 0);
	assert_string_equal(dw_buf_cstr(&b), "");
	/* what was staged in this transaction is not "previous" */
	assert_int_equal(dw_store_tx_stage(tx, base[2].path, "x\n", 2, &fx->err), 0);
	assert_int_equal(dw_store_tx_previous(tx, base[2].path, &b, &fx->err), 0);
	assert_string_equal(dw_buf_cstr(&b), base[2].data);
	dw_store_tx_free(tx);
	dw_buf_release(&b);
	/* the transaction was dropped: nothing changed */
	assert_int_equal(git(fx, "rev-list --count tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "1\n");
}

static void bad_paths_are_refused(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_tx *tx = NULL;
	static const char *const bad[] = { "",       "/abs",        "a//b",     "a/",  "../x",
		                           "a/../b", ".git/config", "a/.GIT/b", "./a", "a\nb" };
	size_t i;

	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	for (i = 0; i < DW_ARRAY_SIZE(bad); i++) {
		dw_error_clear(&fx->err);
		assert_int_equal(dw_store_tx_stage(tx, bad[i], "x", 1, &fx->err), -EINVAL);
		assert_non_null(strstr(fx->err.msg, "not a valid file path"));
	}
	dw_store_tx_free(tx);
	assert_int_equal(dw_store_tx_begin(fx->store, "Contoso/x", 0, &tx, &fx->err), -EINVAL);
}

static void trailers_are_what_git_interpret_trailers_parses(void **state)
{
	struct fixture *fx = *state;
	static const struct dw_trailer t[] = {
		{ "Tenant-Id", "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b" },
		{ "Run-Id", "20240102T030405Z-1234" },
		{ "Drift-Count", "3" },
		{ "Changed-By", "Alice Admin <alice@contoso.example>" },
	};
	struct dw_buf msg;
	FILE *f;
	char path[200];

	dw_buf_init(&msg, 1 << 16);
	assert_int_equal(dw_store_message(&msg, "contoso: 2 changed, 1 added, 0 removed; drift 3",
	                                  "Collectors:\n  conditionalAccessPolicies: 2 changed\n\n"
	                                  "Key: looks like a trailer but is body\n\n",
	                                  t, DW_ARRAY_SIZE(t), &fx->err),
	                 0);
	snprintf(path, sizeof(path), "%s/msg", fx->s.dir);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(dw_buf_cstr(&msg), f);
	fclose(f);
	dw_buf_reset(&fx->out);
	assert_int_equal(sh(&fx->out, "git interpret-trailers --parse <'%s'", path), 0);
	assert_string_equal(dw_buf_cstr(&fx->out),
	                    "Tenant-Id: 6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b\n"
	                    "Run-Id: 20240102T030405Z-1234\nDrift-Count: 3\n"
	                    "Changed-By: Alice Admin <alice@contoso.example>\n");
	/* the subject is the first line, followed by a blank line */
	assert_memory_equal(dw_buf_cstr(&msg),
	                    "contoso: 2 changed, 1 added, 0 removed; drift 3\n\n",
	                    strlen("contoso: 2 changed, 1 added, 0 removed; drift 3\n\n"));
	/* bad input is refused, not folded */
	dw_buf_reset(&msg);
	struct dw_trailer bad_key = { "Run Id", "1" }, bad_value = { "Run-Id", "1\n2" },
	                  empty = { "Run-Id", "  " };
	assert_int_equal(dw_store_message(&msg, "s", NULL, &bad_key, 1, &fx->err), -EINVAL);
	assert_int_equal(dw_store_message(&msg, "s", NULL, &bad_value, 1, &fx->err), -EINVAL);
	assert_int_equal(dw_store_message(&msg, "s", NULL, &empty, 1, &fx->err), -EINVAL);
	assert_int_equal(dw_store_message(&msg, "two\nlines", NULL, NULL, 0, &fx->err), -EINVAL);
	/* outside text with terminal controls is kept, escaped, in subject, body and trailers */
	dw_buf_reset(&msg);
	struct dw_trailer esc = { "Changed-By", "Mallory \x1b[2J" };
	assert_int_equal(dw_store_message(&msg, "s \x1b]0;x\x07", "failed (\x1b[31mE\x1b[0m)\n",
	                                  &esc, 1, &fx->err),
	                 0);
	assert_null(strchr(dw_buf_cstr(&msg), 0x1b));
	assert_null(strchr(dw_buf_cstr(&msg), 0x07));
	assert_non_null(strstr(dw_buf_cstr(&msg), "failed (\\x1b[31mE\\x1b[0m)\n"));
	assert_non_null(strstr(dw_buf_cstr(&msg), "Changed-By: Mallory \\x1b[2J\n"));
	dw_buf_reset(&msg);
	assert_int_equal(dw_store_message(&msg, "only a subject", NULL, NULL, 0, &fx->err), 0);
	assert_string_equal(dw_buf_cstr(&msg), "only a subject\n");
	dw_buf_release(&msg);
}

struct log_seen {
	int n;
	char run_ids[4][32];
	char author[128];
};

static int log_cb(const struct dw_store_commit *c, void *payload)
{
	struct log_seen *seen = payload;
	const char *v = dw_store_commit_trailer(c, "run-id");

	snprintf(seen->run_ids[seen->n++ % 4], 32, "%s", v ? v : "-");
	snprintf(seen->author, sizeof(seen->author), "%s", c->author);
	return 0;
}

static void commits_carry_message_trailers_and_identity(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	struct dw_trailer t[] = { { "Tenant-Id", "abc" }, { "Run-Id", "r1" } };
	struct log_seen seen = { 0 };
	struct dw_buf msg;
	int i;

	dw_buf_init(&msg, 4096);
	for (i = 0; i < 2; i++) {
		char data[16], run[8];

		snprintf(data, sizeof(data), "v%d\n", i);
		snprintf(run, sizeof(run), "r%d", i + 1);
		t[1].value = run;
		dw_buf_reset(&msg);
		assert_int_equal(dw_store_message(&msg, "contoso: 1 changed", NULL, t, 2, &fx->err),
		                 0);
		assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
		assert_int_equal(dw_store_tx_stage(tx, "a.json", data, strlen(data), &fx->err), 0);
		assert_int_equal(dw_store_tx_commit(tx, dw_buf_cstr(&msg), &res, &fx->err), 0);
		dw_store_tx_free(tx);
	}
	dw_buf_release(&msg);
	assert_int_equal(
	        git(fx, "log -1 '--format=%%(trailers:key=Run-Id,valueonly)' tenants/contoso"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "r2\n\n");
	assert_int_equal(git(fx, "log -1 --format=%%an%%n%%ae tenants/contoso"), 0);
	assert_non_null(strstr(dw_buf_cstr(&fx->out), "driftward\ndriftward@"));
	assert_int_equal(dw_store_log(fx->store, "tenants/contoso", 0, log_cb, &seen, &fx->err), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.run_ids[0], "r2");
	assert_string_equal(seen.run_ids[1], "r1");
	assert_non_null(strstr(seen.author, "driftward <driftward@"));
}

static void concurrent_ref_move_fails_loudly_and_loses_nothing(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	char other[64], *nl;

	snapshot(fx, "contoso", 0, base, DW_ARRAY_SIZE(base));
	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "_status.json", "{\"mine\":1}\n", 11, &fx->err), 0);
	/* someone else (not honouring our lock) moves the branch meanwhile */
	assert_int_equal(git(fx, "commit-tree -p tenants/contoso -m other tenants/contoso^{tree}"),
	                 0);
	snprintf(other, sizeof(other), "%s", dw_buf_cstr(&fx->out));
	if ((nl = strchr(other, '\n')))
		*nl = '\0';
	assert_int_equal(git(fx, "update-ref refs/heads/tenants/contoso %s", other), 0);
	dw_error_clear(&fx->err);
	assert_int_equal(dw_store_tx_commit(tx, "test: mine", &res, &fx->err), -ESTALE);
	dw_store_tx_free(tx);
	assert_non_null(strstr(fx->err.msg, "concurrent update of refs/heads/tenants/contoso"));
	/* the other writer's commit is what the branch holds */
	assert_int_equal(git(fx, "rev-parse tenants/contoso"), 0);
	assert_memory_equal(dw_buf_cstr(&fx->out), other, 40);
	/* and ours is in the repository, named in the error */
	assert_non_null(strstr(fx->err.msg, res.commit));
	assert_int_equal(git(fx, "cat-file -t %s", res.commit), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "commit\n");
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static void concurrent_branch_creation_fails_loudly(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;

	snapshot(fx, "other", 0, base, 1);
	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "a.json", "1\n", 2, &fx->err), 0);
	assert_int_equal(git(fx, "update-ref refs/heads/tenants/contoso tenants/other"), 0);
	assert_int_equal(dw_store_tx_commit(tx, "test: mine", &res, &fx->err), -ESTALE);
	dw_store_tx_free(tx);
	assert_non_null(strstr(fx->err.msg, "concurrent update"));
}

static void second_run_for_a_tenant_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct dw_store *second = NULL;
	struct dw_store_tx *tx = NULL, *tx2 = NULL;
	char expect[64];

	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	assert_int_equal(dw_store_open(fx->s.repo, NULL, &second, &fx->err), 0);
	dw_error_clear(&fx->err);
	assert_int_equal(dw_store_tx_begin(second, "contoso", 0, &tx2, &fx->err), -EBUSY);
	snprintf(expect, sizeof(expect), "tenant contoso is locked by pid %ld on ", (long)getpid());
	assert_non_null(strstr(fx->err.msg, expect));
	assert_non_null(strstr(fx->err.msg, " since 20"));
	/* another tenant is independent */
	assert_int_equal(dw_store_tx_begin(second, "fabrikam", 0, &tx2, &fx->err), 0);
	dw_store_tx_free(tx2);
	/* one open transaction per store */
	assert_int_equal(dw_store_tx_begin(fx->store, "fabrikam", 0, &tx2, &fx->err), -EBUSY);
	dw_store_tx_free(tx);
	assert_int_equal(dw_store_tx_begin(second, "contoso", 0, &tx2, &fx->err), 0);
	dw_store_tx_free(tx2);
	dw_store_free(second);
}

/* Warnings go to a memory stream until capture_log_end; *text holds them then. */
static FILE *capture_log_start(char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);

	assert_non_null(f);
	dw_log_setup(DW_LOG_WARNING, DW_LOG_FORMAT_TEXT, f);
	return f;
}

static void capture_log_end(FILE *f)
{
	dw_log_setup(DW_LOG_NOTICE, DW_LOG_FORMAT_TEXT, NULL);
	fclose(f);
}

static void lock_of_a_killed_run_is_cleared_with_a_warning(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_tx *tx = NULL;
	char expect[64], *text = NULL;
	size_t len;
	FILE *f;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct dw_store *s = NULL;
		struct dw_store_tx *t = NULL;

		if (dw_store_open(fx->s.repo, NULL, &s, NULL) < 0 ||
		    dw_store_tx_begin(s, "contoso", 0, &t, NULL) < 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	f = capture_log_start(&text, &len);
	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	capture_log_end(f);
	snprintf(expect, sizeof(expect), "cleared the lock of pid %ld on ", (long)pid);
	assert_non_null(strstr(text, expect));
	free(text);
	dw_store_tx_free(tx);
	/* released in order: no warning the next time */
	f = capture_log_start(&text, &len);
	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	capture_log_end(f);
	assert_string_equal(text, "");
	free(text);
	dw_store_tx_free(tx);
}

static void stale_ref_lock_is_removed_under_the_tenant_lock(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	char path[256], *text = NULL;
	size_t len;
	FILE *f;

	snapshot(fx, "contoso", 0, base, 1);
	snprintf(path, sizeof(path), "%s/refs/heads/tenants/contoso.lock", fx->s.repo);
	f = fopen(path, "we");
	assert_non_null(f);
	fclose(f);
	f = capture_log_start(&text, &len);
	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	capture_log_end(f);
	assert_non_null(strstr(text, "contoso.lock"));
	free(text);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(dw_store_tx_stage(tx, "b.json", "2\n", 2, &fx->err), 0);
	assert_int_equal(dw_store_tx_commit(tx, "test: after a stale lock", &res, &fx->err), 0);
	assert_true(res.committed);
	dw_store_tx_free(tx);
}

static void many_new_objects_go_to_one_pack(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	char path[64], data[128];
	int i;

	assert_int_equal(dw_store_tx_begin(fx->store, "big", DW_STORE_TX_REPLACE, &tx, &fx->err),
	                 0);
	for (i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "c%d/obj-%03d.json", i % 7, i);
		snprintf(data, sizeof(data), "{\n  \"n\": %d\n}\n", i);
		assert_int_equal(dw_store_tx_stage(tx, path, data, strlen(data), &fx->err), 0);
	}
	assert_int_equal(dw_store_tx_commit(tx, "test: big", &res, &fx->err), 0);
	dw_store_tx_free(tx);
	/* 300 blobs, 7 directories, the root and the commit */
	assert_int_equal(res.objects_written, 309);
	assert_int_equal(git(fx, "count-objects -v"), 0);
	assert_non_null(strstr(dw_buf_cstr(&fx->out), "count: 0\n"));
	assert_non_null(strstr(dw_buf_cstr(&fx->out), "in-pack: 309\n"));
	assert_int_equal(git(fx, "ls-tree -r --name-only tenants/big | wc -l"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "300\n");
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static int tenant_cb(const char *tenant, const char *commit, void *payload)
{
	return dw_buf_printf(payload, "%s %zu\n", tenant, strlen(commit));
}

static void readers_resolve_list_and_read(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	char id[DW_STORE_ID_HEX];
	struct dw_buf b;

	snapshot(fx, "fabrikam", 0, base, 1);
	res = snapshot(fx, "contoso", 0, base, DW_ARRAY_SIZE(base));
	/* a branch outside tenants/ is not a tenant */
	assert_int_equal(git(fx, "update-ref refs/heads/proposals/contoso/x tenants/contoso"), 0);
	dw_buf_init(&b, 1 << 16);
	assert_int_equal(dw_store_foreach_tenant(fx->store, tenant_cb, &b, &fx->err), 0);
	assert_string_equal(dw_buf_cstr(&b), "contoso 40\nfabrikam 40\n");
	assert_int_equal(dw_store_resolve(fx->store, "tenants/contoso", id, &fx->err), 0);
	assert_string_equal(id, res.commit);
	assert_int_equal(dw_store_resolve(fx->store, "tenants/nobody", id, &fx->err), -ENOENT);
	dw_buf_reset(&b);
	assert_int_equal(dw_store_read_file(fx->store, res.commit, base[1].path, &b, &fx->err), 0);
	assert_string_equal(dw_buf_cstr(&b), base[1].data);
	assert_int_equal(
	        dw_store_read_file(fx->store, "tenants/contoso", "nope.json", &b, &fx->err),
	        -ENOENT);
	assert_int_equal(
	        dw_store_read_file(fx->store, "tenants/contoso", "namedLocations", &b, &fx->err),
	        -ENOENT);
	dw_buf_reset(&b);
	assert_int_equal(dw_store_list_files(fx->store, "tenants/contoso", "namedLocations",
	                                     count_cb, &b, &fx->err),
	                 0);
	assert_string_equal(dw_buf_cstr(&b), "namedLocations/office--33333333.json\n");
	dw_buf_reset(&b);
	assert_int_equal(
	        dw_store_list_files(fx->store, "tenants/contoso", "", count_cb, &b, &fx->err), 0);
	assert_int_equal(strlen(dw_buf_cstr(&b)) > 0, 1);
	assert_non_null(strstr(dw_buf_cstr(&b), "_status.json\n"));
	dw_buf_reset(&b);
	assert_int_equal(
	        dw_store_list_files(fx->store, "tenants/contoso", "absent", count_cb, &b, &fx->err),
	        0);
	assert_string_equal(dw_buf_cstr(&b), "");
	dw_buf_release(&b);
}

static void open_refuses_a_missing_repository(void **state)
{
	struct fixture *fx = *state;
	struct dw_store *s = NULL;
	struct dw_error err;
	char path[200];

	dw_error_clear(&err);
	snprintf(path, sizeof(path), "%s/missing.git", fx->s.dir);
	assert_int_equal(dw_store_open(path, NULL, &s, &err), -ENOENT);
	assert_null(s);
	assert_non_null(strstr(err.msg, "driftward init"));
}

static void open_refuses_a_repository_driftward_did_not_make(void **state)
{
	struct fixture *fx = *state;
	struct dw_store *s = NULL;
	struct dw_error err;
	char path[200];

	dw_error_clear(&err);
	snprintf(path, sizeof(path), "%s/foreign.git", fx->s.dir);
	assert_int_equal(sh(NULL, "git init -q --bare '%s'", path), 0);
	assert_int_equal(dw_store_open(path, NULL, &s, &err), -EPERM);
	assert_null(s);
	assert_non_null(strstr(err.msg, "is not a driftward state repository"));
	assert_non_null(strstr(err.msg, "driftward init --adopt"));
	assert_int_equal(dw_store_adopt(path, &err), 0);
	assert_int_equal(dw_store_open(path, NULL, &s, &err), 0);
	dw_store_free(s);
}

/* A message that says why: never libgit2's empty placeholder, never ending on ": ". */
static void assert_message_has_a_reason(const char *msg, const char *context)
{
	size_t len = strlen(msg);

	if (!strstr(msg, context) || strstr(msg, "libgit2 error") ||
	    (len >= 2 && strcmp(msg + len - 2, ": ") == 0) || msg[len - 1] == ':')
		fail_msg("no reason in '%s'", msg);
}

static void a_failed_pack_write_says_why(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	struct rlimit saved, small = { 4096, RLIM_INFINITY };
	char path[64], data[2048];
	int i, r;

	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	for (i = 0; i < 150; i++) {
		snprintf(path, sizeof(path), "c/%d.json", i);
		memset(data, 'a' + i % 26, sizeof(data));
		snprintf(data, sizeof(data), "%d", i * 7919);
		assert_int_equal(dw_store_tx_stage(tx, path, data, sizeof(data), &fx->err), 0);
	}
	/* a full disk, as far as this process can tell: writes past 4 KiB fail (EFBIG) */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &saved);
	small.rlim_max = saved.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	r = dw_store_tx_commit(tx, "test: pack", &res, &fx->err);
	setrlimit(RLIMIT_FSIZE, &saved);
	signal(SIGXFSZ, SIG_DFL);
	assert_true(r < 0);
	assert_message_has_a_reason(fx->err.msg, "could not write a pack: ");
	dw_store_tx_free(tx);
}

/* libgit2 sometimes fails without a message (a full disk while packing): the OS error is used */
static void a_silent_libgit2_failure_says_why(void **state)
{
	struct fixture *fx = *state;

	git_error_clear();
	errno = ENOSPC;
	assert_int_equal(dw_store__git_error(&fx->err, -1, "could not write a pack"), -EIO);
	assert_string_equal(fx->err.msg, "could not write a pack: No space left on device");
	dw_error_clear(&fx->err);
	git_error_clear();
	errno = 0;
	assert_int_equal(dw_store__git_error(&fx->err, -1, "could not write a pack"), -EIO);
	assert_message_has_a_reason(fx->err.msg, "could not write a pack: ");
}

static void a_held_ref_lock_says_why(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;

	assert_int_equal(dw_store_tx_begin(fx->store, "contoso", 0, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "c/a.json", "{}", 2, &fx->err), 0);
	/* another writer (git itself) holds the ref's lock file right now */
	assert_int_equal(
	        sh(NULL,
	           "mkdir -p '%s/refs/heads/tenants' && : >'%s/refs/heads/tenants/contoso.lock'",
	           fx->s.repo, fx->s.repo),
	        0);
	assert_true(dw_store_tx_commit(tx, "test: lock", &res, &fx->err) < 0);
	assert_message_has_a_reason(fx->err.msg, "contoso");
	dw_store_tx_free(tx);
}

/*
 * dw_store_tx_begin_branch: a new branch whose first commit sits on a base
 * commit and starts from its files; an existing branch is refused at begin,
 * one made meanwhile at commit (and kept); a tree equal to the base's makes
 * no commit and no branch.
 */
static void new_branch_starts_on_its_base_and_is_never_replaced(void **state)
{
	static const struct file mainf[] = { { "baselines/a.yaml", "id: a\n" } };
	struct fixture *fx = *state;
	struct dw_store_commit_result approved, res;
	struct dw_store_tx *tx = NULL;
	char tip[DW_STORE_ID_HEX];

	approved = snapshot(fx, "contoso", 0, mainf, 1);
	assert_int_equal(git(fx, "update-ref refs/heads/main %s", approved.commit), 0);
	/* nothing staged: the base's tree, no commit, no branch */
	assert_int_equal(dw_store_tx_begin_branch(fx->store, "refs/heads/proposals/contoso/x",
	                                          "main", 0, &tx, &fx->err),
	                 0);
	assert_string_equal(dw_store_tx_parent(tx), approved.commit);
	assert_int_equal(dw_store_tx_commit(tx, "test: nothing", &res, &fx->err), 0);
	dw_store_tx_free(tx);
	assert_false(res.committed);
	assert_int_not_equal(git(fx, "rev-parse -q --verify refs/heads/proposals/contoso/x"), 0);
	/* one file: a commit on main with main's files and it */
	assert_int_equal(dw_store_tx_begin_branch(fx->store, "refs/heads/proposals/contoso/x",
	                                          "main", 0, &tx, &fx->err),
	                 0);
	assert_int_equal(dw_store_tx_stage(tx, "waivers/w.yaml", "x: 1\n", 5, &fx->err), 0);
	assert_int_equal(dw_store_tx_commit(tx, "test: proposal", &res, &fx->err), 0);
	dw_store_tx_free(tx);
	assert_true(res.committed);
	assert_int_equal(git(fx, "rev-parse proposals/contoso/x~1"), 0);
	assert_memory_equal(fx->out.ptr, approved.commit, 40);
	assert_int_equal(git(fx, "ls-tree -r --name-only proposals/contoso/x"), 0);
	assert_string_equal(dw_buf_cstr(&fx->out), "baselines/a.yaml\nwaivers/w.yaml\n");
	assert_int_equal(git(fx, "rev-parse main"), 0);
	assert_memory_equal(fx->out.ptr, approved.commit, 40);
	/* it exists now: refused at begin */
	dw_error_clear(&fx->err);
	assert_int_equal(dw_store_tx_begin_branch(fx->store, "refs/heads/proposals/contoso/x",
	                                          "main", 0, &tx, &fx->err),
	                 -EEXIST);
	assert_non_null(strstr(fx->err.msg, "proposals/contoso/x exists already"));
	/* made by another writer between begin and commit: refused, theirs kept */
	assert_int_equal(dw_store_tx_begin_branch(fx->store, "refs/heads/proposals/contoso/y",
	                                          "main", 0, &tx, &fx->err),
	                 0);
	assert_int_equal(dw_store_tx_stage(tx, "waivers/v.yaml", "y: 1\n", 5, &fx->err), 0);
	assert_int_equal(git(fx, "update-ref refs/heads/proposals/contoso/y %s", approved.commit),
	                 0);
	dw_error_clear(&fx->err);
	assert_int_equal(dw_store_tx_commit(tx, "test: raced", &res, &fx->err), -EEXIST);
	dw_store_tx_free(tx);
	assert_int_equal(git(fx, "rev-parse proposals/contoso/y"), 0);
	snprintf(tip, sizeof(tip), "%.40s", dw_buf_cstr(&fx->out));
	assert_string_equal(tip, approved.commit);
	/* a base that is no commit */
	assert_true(dw_store_tx_begin_branch(fx->store, "refs/heads/proposals/contoso/z", "nosuch",
	                                     0, &tx, &fx->err) < 0);
	assert_null(tx);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(unchanged_tenant_gives_same_tree_and_no_commit),
		T(one_changed_file_is_the_only_one_in_the_commit),
		T(renamed_object_is_followed_by_git_log),
		T(replace_mode_removes_what_was_not_staged_or_kept),
		T(unstage_takes_back_a_directory),
		T(incremental_mode_keeps_and_removes_explicitly),
		T(staged_tree_is_read_before_commit_and_commit_takes_its_time),
		T(previous_files_can_be_read_and_listed),
		T(bad_paths_are_refused),
		T(trailers_are_what_git_interpret_trailers_parses),
		T(commits_carry_message_trailers_and_identity),
		T(concurrent_ref_move_fails_loudly_and_loses_nothing),
		T(concurrent_branch_creation_fails_loudly),
		T(new_branch_starts_on_its_base_and_is_never_replaced),
		T(second_run_for_a_tenant_is_refused),
		T(lock_of_a_killed_run_is_cleared_with_a_warning),
		T(stale_ref_lock_is_removed_under_the_tenant_lock),
		T(many_new_objects_go_to_one_pack),
		T(readers_resolve_list_and_read),
		T(open_refuses_a_missing_repository),
		T(open_refuses_a_repository_driftward_did_not_make),
		T(a_failed_pack_write_says_why),
		T(a_held_ref_lock_says_why),
		T(a_silent_libgit2_failure_says_why),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
