/*
 * The digest cache: SipHash against the reference vectors, an unchanged run
 * that takes the blob id from the cache without hashing (seen through a cache
 * entry written by hand), and a stale cache that can only miss.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <git2.h>

#include "driftward/file.h"
#include "driftward/store.h"
#include "store/tx.h"
#include "test_store_helpers.h"

static void siphash_reference_vectors(void **state)
{
	/* SipHash-2-4 reference: key 00..0f, messages 00, 00 01, ... (vectors.h) */
	static const unsigned char empty64[8] = { 0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72 };
	static const unsigned char fifteen64[8] = {
		0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1
	};
	static const unsigned char empty128[16] = {
		0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6,
		0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93
	};
	unsigned char key[16], msg[64], out[16];
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = (unsigned char)i;
	for (i = 0; i < 64; i++)
		msg[i] = (unsigned char)i;
	dw_store__siphash(key, msg, 0, 8, out);
	assert_memory_equal(out, empty64, 8);
	dw_store__siphash(key, msg, 15, 8, out);
	assert_memory_equal(out, fifteen64, 8);
	dw_store__siphash(key, msg, 0, 16, out);
	assert_memory_equal(out, empty128, 16);
}

/* One run staging @text at a.json and b.json; the commit result in @res. */
static void run(struct store_fixture *fx, const char *a, const char *b,
                struct dw_store_commit_result *res)
{
	struct dw_store_tx *tx = NULL;

	assert_int_equal(dw_store_tx_begin(fx->store, "t", DW_STORE_TX_REPLACE, &tx, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "a.json", a, strlen(a), &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(tx, "b.json", b, strlen(b), &fx->err), 0);
	assert_int_equal(dw_store_tx_commit(tx, "test", res, &fx->err), 0);
	dw_store_tx_free(tx);
}

static void path(char *out, size_t len, const struct store_fixture *fx, const char *name)
{
	snprintf(out, len, "%s/driftward-cache/%s", fx->s.repo, name);
}

static void unchanged_runs_use_the_cache_and_a_stale_one_only_misses(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_commit_result res;
	unsigned char key[16], entry[8 + 20 + 16];
	char p[256], q[256];
	struct dw_buf out;
	git_oid blob;
	FILE *f;

	run(fx, "one\n", "two\n", &res);
	assert_true(res.committed);
	path(p, sizeof(p), fx, "tenants/t");
	path(q, sizeof(q), fx, "stale");
	assert_int_equal(sh(NULL, "cp '%s' '%s'", p, q), 0);
	run(fx, "one\n", "two\n", &res);
	assert_false(res.committed);
	/* a cache from an older commit knows other blobs: the change is seen */
	run(fx, "one\n", "three\n", &res);
	assert_true(res.committed);
	assert_int_equal(sh(NULL, "cp '%s' '%s'", q, p), 0);
	run(fx, "one\n", "two\n", &res);
	assert_true(res.committed);
	dw_buf_init(&out, 64);
	assert_int_equal(sh(&out, "git --git-dir='%s' show tenants/t:b.json", fx->s.repo), 0);
	assert_string_equal(dw_buf_cstr(&out), "two\n");
	/*
	 * Only the key's holder can write an entry: one that says a.json's blob
	 * has the digest of "forged\n" makes staging "forged\n" there no change,
	 * which shows the run took the id from the cache instead of hashing.
	 */
	path(p, sizeof(p), fx, "key");
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fread(key, 1, sizeof(key), f), sizeof(key));
	fclose(f);
	assert_int_equal(git_odb_hash(&blob, "one\n", 4, GIT_OBJECT_BLOB), 0);
	memcpy(entry, "DWC1\0\0\0\1", 8);
	memcpy(entry + 8, blob.id, 20);
	dw_store__siphash(key, "forged\n", 7, 16, entry + 28);
	path(p, sizeof(p), fx, "tenants/t");
	assert_int_equal(dw_file_write_atomic(p, 0644, 0, entry, sizeof(entry), &fx->err), 0);
	run(fx, "forged\n", "two\n", &res);
	assert_false(res.committed);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	dw_buf_release(&out);
}

/* A cache file that is not one (truncated, wrong magic) is no cache. */
static void a_damaged_cache_is_ignored(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_commit_result res;
	char p[256];

	run(fx, "one\n", "two\n", &res);
	path(p, sizeof(p), fx, "tenants/t");
	assert_int_equal(sh(NULL, "truncate -s 30 '%s'", p), 0);
	run(fx, "one\n", "two\n", &res);
	assert_false(res.committed);
	run(fx, "one\n", "2\n", &res);
	assert_true(res.committed);
	assert_int_equal(sh(NULL, "printf 'XXXX\\0\\0\\0\\0' >'%s'", p), 0);
	run(fx, "one\n", "two\n", &res);
	assert_true(res.committed);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_reference_vectors),
		cmocka_unit_test_setup_teardown(
		        unchanged_runs_use_the_cache_and_a_stale_one_only_misses,
		        store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(a_damaged_cache_is_ignored, store_fixture_setup,
		                                store_fixture_teardown),
	};

	git_libgit2_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
