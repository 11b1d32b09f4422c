/*
 * A transaction whose new files pass the mempack's budget (store/pack.h):
 * they go to disk as packs while it stages, and the store's guarantees hold
 * all the same: the commit has every file byte for byte, an unstaged read
 * takes back what was spilled, an abandoned transaction leaves its branch as
 * it was and its spilled blobs unreachable, for gc to prune. The git command
 * line is the judge.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "driftward/store.h"
#include "store/pack.h"
#include "test_store_helpers.h"

#define DIRS 9

static long loose_count(const char *repo)
{
	return count("find '%s/objects' -path '*/pack' -prune -o -type f -name '??????*' -print"
	             " | grep -v '/info/' | wc -l",
	             repo);
}

/*
 * File @i of a generation @gen: 1 to 8 KiB that no other file shares (a
 * header, then xorshift bytes), so no two are one blob and nothing packs
 * smaller than the budget says.
 */
static size_t make_file(unsigned gen, unsigned i, char *buf, size_t cap)
{
	uint32_t x = 2463534242u ^ (gen * 7919u + i * 104729u);
	size_t len = 1024 + (i * 2654435761u) % 7168, n;

	assert_true(len <= cap);
	n = (size_t)snprintf(buf, cap, "{\"gen\": %u, \"i\": %u, \"fill\": \"", gen, i);
	for (; n < len - 3; n++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[n] = (char)('a' + x % 26);
	}
	memcpy(buf + n, "\"}\n", 3);
	return len;
}

/* Writes @data to @dir/@path (a directory of the expected tree). */
static void expect_file(const char *dir, const char *path, const void *data, size_t len)
{
	char full[512], sub[512];
	const char *slash = strrchr(path, '/');
	FILE *f;

	if (slash) {
		snprintf(sub, sizeof(sub), "%s/%.*s", dir, (int)(slash - path), path);
		mkdir(sub, 0700);
	}
	snprintf(full, sizeof(full), "%s/%s", dir, path);
	f = fopen(full, "wbe");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Stages files [0, n) of generation @gen (into @expect too, unless NULL); their bytes. */
static size_t stage_files(struct store_fixture *fx, struct dw_store_tx *tx, unsigned gen,
                          unsigned n, const char *expect)
{
	char path[64], data[8192];
	size_t total = 0, len;
	unsigned i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "c%u/obj-%05u.json", i % DIRS, i);
		len = make_file(gen, i, data, sizeof(data));
		if (dw_store_tx_stage(tx, path, data, len, &fx->err) < 0)
			fail_msg("%s", fx->err.msg);
		if (expect)
			expect_file(expect, path, data, len);
		total += len;
	}
	return total;
}

/* Enough files for three budgets' worth of bytes (4.5 KiB each on average). */
static unsigned files_for_three_budgets(void)
{
	return (unsigned)(3 * (size_t)STORE_MEMPACK_BUDGET / 4500);
}

static void commit_ok(struct store_fixture *fx, struct dw_store_tx *tx, const char *msg,
                      struct dw_store_commit_result *res)
{
	if (dw_store_tx_commit(tx, msg, res, &fx->err) < 0)
		fail_msg("%s", fx->err.msg);
	assert_true(res->committed);
}

/* A first commit: u/a.json and keep.json, which the spilling transaction finds. */
static void first_commit(struct store_fixture *fx, const char *expect)
{
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;

	assert_int_equal(dw_store_tx_begin(fx->store, "big", 0, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "u/a.json", "old\n", 4, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "keep.json", "kept\n", 5, &fx->err), 0);
	commit_ok(fx, tx, "test: first", &res);
	dw_store_tx_free(tx);
	if (expect) {
		expect_file(expect, "u/a.json", "old\n", 4);
		expect_file(expect, "keep.json", "kept\n", 5);
	}
}

/* Does git's archive of tenants/big hold exactly the files of @expect, byte for byte? */
static int tree_is(struct store_fixture *fx, const char *expect)
{
	return sh(NULL,
	          "d='%s/got' && rm -rf \"$d\" && mkdir \"$d\" && "
	          "git --git-dir='%s' archive tenants/big | tar -xf - -C \"$d\" && "
	          "diff -r '%s' \"$d\" >&2",
	          fx->s.dir, fx->s.repo, expect);
}

static void spilled_blobs_are_packed_before_commit_and_git_reads_them(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	unsigned n = files_for_three_budgets();
	char expect[128], big[200];
	long packs;

	snprintf(expect, sizeof(expect), "%s/expect", fx->s.dir);
	assert_int_equal(mkdir(expect, 0700), 0);
	first_commit(fx, expect);
	assert_int_equal(pack_count(fx->s.repo), 1);

	assert_int_equal(dw_store_tx_begin(fx->store, "big", 0, &tx, &fx->err), 0);
	/* a read that stages first, is spilled with the rest and then found incomplete */
	snprintf(big, sizeof(big), "new bytes that will be taken back\n");
	assert_int_equal(dw_store_tx_stage(tx, "u/a.json", big, strlen(big), &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "u/b.json", big, strlen(big) - 1, &fx->err), 0);
	stage_files(fx, tx, 1, n, expect);
	/* three budgets: at least two spills so far, none of it loose, the branch where it was */
	packs = pack_count(fx->s.repo);
	assert_true(packs >= 3);
	assert_int_equal(loose_count(fx->s.repo), 0);
	assert_int_equal(dw_store_tx_unstage(tx, "u", &fx->err), 0);
	commit_ok(fx, tx, "test: spilled", &res);
	dw_store_tx_free(tx);

	/* every staged file (u/b.json taken back), the unstaged u/a.json as it was */
	assert_true(res.objects_written >= n + DIRS + 2);
	assert_int_equal(pack_count(fx->s.repo), packs + 1);
	assert_int_equal(loose_count(fx->s.repo), 0);
	assert_int_equal(tree_is(fx, expect), 0);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static void abandoned_spilled_transaction_leaves_the_branch_and_gc_prunes(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_gc_options gco = { .prune_expire = DW_STORE_PRUNE_NOW };
	struct dw_store_commit_result res;
	struct dw_store_gc_result gc;
	struct dw_store_tx *tx = NULL;
	unsigned n = files_for_three_budgets();
	char expect[128];
	struct dw_buf before, after;
	long spilled;

	snprintf(expect, sizeof(expect), "%s/expect", fx->s.dir);
	assert_int_equal(mkdir(expect, 0700), 0);
	first_commit(fx, expect);
	dw_buf_init(&before, 256);
	dw_buf_init(&after, 256);
	assert_int_equal(sh(&before, "git --git-dir='%s' rev-parse tenants/big", fx->s.repo), 0);

	/* generation 2 is abandoned after its spills */
	assert_int_equal(dw_store_tx_begin(fx->store, "big", 0, &tx, &fx->err), 0);
	stage_files(fx, tx, 2, n, NULL);
	assert_true(pack_count(fx->s.repo) >= 3);
	dw_store_tx_free(tx);
	assert_int_equal(sh(&after, "git --git-dir='%s' rev-parse tenants/big", fx->s.repo), 0);
	assert_string_equal(dw_buf_cstr(&after), dw_buf_cstr(&before));
	assert_int_equal(tree_is(fx, expect), 0);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	/* what it spilled (two budgets at least, the first files) is there; nothing names it */
	spilled = count("git --git-dir='%s' fsck --unreachable --no-progress 2>/dev/null | "
	                "grep -c '^unreachable blob'",
	                fx->s.repo);
	assert_true(spilled >= (long)n / 2 && spilled < (long)n);

	/* a later run stages half of the same bytes: found on disk, not written again */
	assert_int_equal(dw_store_tx_begin(fx->store, "big", 0, &tx, &fx->err), 0);
	stage_files(fx, tx, 2, n / 2, expect);
	commit_ok(fx, tx, "test: after the abandoned one", &res);
	dw_store_tx_free(tx);
	assert_true(res.objects_written < 100);
	assert_int_equal(tree_is(fx, expect), 0);

	/* gc keeps what the commit reuses and prunes the rest of the abandoned run */
	assert_int_equal(dw_store_gc(fx->store, &gco, &gc, &fx->err), 0);
	assert_int_equal(gc.pruned, spilled - n / 2);
	assert_int_equal(pack_count(fx->s.repo), 1);
	assert_int_equal(tree_is(fx, expect), 0);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	assert_int_equal(count("git --git-dir='%s' fsck --unreachable --no-progress 2>/dev/null | "
	                       "grep -c '^unreachable' || true",
	                       fx->s.repo),
	                 0);
	dw_buf_release(&before);
	dw_buf_release(&after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		        spilled_blobs_are_packed_before_commit_and_git_reads_them,
		        store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		        abandoned_spilled_transaction_leaves_the_branch_and_gc_prunes,
		        store_fixture_setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
