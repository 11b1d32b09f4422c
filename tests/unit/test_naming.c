/* Object file names: readable, stable across renames, never colliding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/naming.h"

static char *slug(const char *name)
{
	struct dw_buf b;

	dw_buf_init(&b, 4096);
	assert_int_equal(dw_slug(&b, name, strlen(name)), 0);
	return dw_buf_detach(&b, NULL);
}

static void expect_slug(const char *name, const char *want)
{
	char *got = slug(name);

	if (strcmp(got ? got : "", want) != 0)
		fail_msg("slug of '%s': expected '%s', got '%s'", name, want, got ? got : "");
	free(got);
}

static void slugs_are_lower_case_words(void **state)
{
	(void)state;
	expect_slug("Block legacy authentication", "block-legacy-authentication");
	expect_slug("  CA001: Require MFA for admins!! ", "ca001-require-mfa-for-admins");
	expect_slug("Zugriff für Gäste – Österreich", "zugriff-fur-gaste-osterreich");
	expect_slug("Łódź café Ærø straße", "lodz-cafe-aro-strase");
	expect_slug("日本語のポリシー", "");
	expect_slug("", "");
	expect_slug("---", "");
	expect_slug("a\xff\xfe b", "a-b");
}

static void long_names_are_cut_at_a_word(void **state)
{
	char *got;

	(void)state;
	got = slug("Require compliant or hybrid joined device for all users on all cloud apps "
	           "except break glass");
	assert_true(strlen(got) <= DW_SLUG_MAX);
	assert_string_equal(got, "require-compliant-or-hybrid-joined-device-for-all-users-on");
	free(got);
	/* the last character does not fit: the whole last word goes */
	expect_slug("aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee ffffffffffX",
	            "aaaaaaaaa-bbbbbbbbb-ccccccccc-ddddddddd-eeeeeeeee");
	/* a word ending exactly at the limit is kept */
	expect_slug("aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee ffffffffff gh",
	            "aaaaaaaaa-bbbbbbbbb-ccccccccc-ddddddddd-eeeeeeeee-ffffffffff");
	/* one word longer than the limit is cut at the limit */
	expect_slug("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	/* separators at the end leave no dash */
	expect_slug("aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee ffffffffff !!!",
	            "aaaaaaaaa-bbbbbbbbb-ccccccccc-ddddddddd-eeeeeeeee-ffffffffff");
}

static char *object_path(const char *name, const char *id)
{
	struct dw_buf b;

	dw_buf_init(&b, 4096);
	assert_int_equal(dw_object_path(&b, "conditionalAccessPolicies", name,
	                                name ? strlen(name) : 0, id, strlen(id)),
	                 0);
	return dw_buf_detach(&b, NULL);
}

static void object_paths_keep_the_id(void **state)
{
	char *p;
	const char *id;
	size_t len;

	(void)state;
	p = object_path("Block legacy auth", "5f1e1c2a-0000-4e5f-8a9b-0c1d2e3f4a5b");
	assert_string_equal(p, "conditionalAccessPolicies/"
	                       "block-legacy-auth--5f1e1c2a-0000-4e5f-8a9b-0c1d2e3f4a5b.json");
	assert_int_equal(dw_object_path_id(p, &id, &len), 0);
	assert_int_equal(len, 36);
	assert_memory_equal(id, "5f1e1c2a-0000-4e5f-8a9b-0c1d2e3f4a5b", 36);
	free(p);
	p = object_path(NULL, "Fido2");
	assert_string_equal(p, "conditionalAccessPolicies/Fido2.json");
	assert_int_equal(dw_object_path_id(p, &id, &len), 0);
	assert_memory_equal(id, "Fido2", len);
	free(p);
	p = object_path("日本語", "x");
	assert_string_equal(p, "conditionalAccessPolicies/x.json");
	free(p);
}

static void odd_ids_are_escaped_and_recoverable(void **state)
{
	static const char *const ids[] = { "a/b",  "../x",   ".hidden", "-lead",
		                           "a--b", "sp ace", "pct%",    "ü" };
	static const char *const want[] = { "a%2Fb",  "%2E.%2Fx", "%2Ehidden", "%2Dlead",
		                            "a%2D-b", "sp%20ace", "pct%25",    "%C3%BC" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct dw_buf b;
		const char *id;
		size_t len;

		dw_buf_init(&b, 4096);
		assert_int_equal(dw_escape_id(&b, ids[i], strlen(ids[i])), 0);
		assert_string_equal(dw_buf_cstr(&b), want[i]);
		dw_buf_reset(&b);
		assert_int_equal(dw_object_path(&b, "c", "Name", 4, ids[i], strlen(ids[i])), 0);
		assert_int_equal(dw_object_path_id(dw_buf_cstr(&b), &id, &len), 0);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(id, want[i], len);
		dw_buf_reset(&b);
		assert_int_equal(dw_unescape_id(&b, want[i], strlen(want[i])), 0);
		assert_string_equal(dw_buf_cstr(&b), ids[i]);
		dw_buf_release(&b);
	}
}

static void only_our_escapes_unescape(void **state)
{
	static const char *const bad[] = { "%", "%4", "%4g", "%2d", "a% 1", "%+1" };
	struct dw_buf b;
	size_t i;

	(void)state;
	dw_buf_init(&b, 256);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dw_buf_reset(&b);
		assert_int_equal(dw_unescape_id(&b, bad[i], strlen(bad[i])), -EINVAL);
	}
	dw_buf_release(&b);
}

/* The id part and the whole base name of object @id with a 60-byte name. */
static void long_path(const char *id, size_t len, struct dw_buf *part, struct dw_buf *path)
{
	char name[61];

	memset(name, 'n', 60);
	name[60] = '\0';
	assert_int_equal(dw_escape_id(part, id, len), 0);
	assert_int_equal(dw_object_path(path, "conditionalAccessPolicies", name, 60, id, len), 0);
}

static void long_ids_are_shortened_with_a_stable_hash(void **state)
{
	static const char *const unit[] = { "a", "\xc3\xbc", "/" };
	char id[1400];
	size_t u;

	(void)state;
	for (u = 0; u < sizeof(unit) / sizeof(unit[0]); u++) {
		struct dw_buf part, again, path, other;
		const char *base, *got;
		size_t i, n = strlen(unit[u]), len = sizeof(id) / n * n, glen;

		for (i = 0; i < len; i += n)
			memcpy(id + i, unit[u], n);
		dw_buf_init(&part, 4096);
		dw_buf_init(&again, 4096);
		dw_buf_init(&path, 4096);
		dw_buf_init(&other, 4096);
		long_path(id, len, &part, &path);
		assert_true(part.len <= DW_ID_PART_MAX);
		assert_non_null(strchr(dw_buf_cstr(&part), DW_ID_HASH_MARK));
		base = strrchr(dw_buf_cstr(&path), '/') + 1;
		assert_true(strlen(base) < 255);
		assert_int_equal(dw_object_path_id(dw_buf_cstr(&path), &got, &glen), 0);
		assert_int_equal(glen, part.len);
		assert_memory_equal(got, dw_buf_cstr(&part), glen);
		/* stable from run to run, different for an id that differs at its end only */
		assert_int_equal(dw_escape_id(&again, id, len), 0);
		assert_string_equal(dw_buf_cstr(&again), dw_buf_cstr(&part));
		id[len - 1] ^= 1;
		assert_int_equal(dw_escape_id(&other, id, len), 0);
		assert_string_not_equal(dw_buf_cstr(&other), dw_buf_cstr(&part));
		dw_buf_reset(&again);
		assert_int_equal(dw_unescape_id(&again, dw_buf_cstr(&part), part.len), -ERANGE);
		dw_buf_release(&part);
		dw_buf_release(&again);
		dw_buf_release(&path);
		dw_buf_release(&other);
	}
}

static void ids_up_to_the_limit_stay_whole(void **state)
{
	char id[DW_ID_PART_MAX];
	struct dw_buf b;

	(void)state;
	memset(id, 'x', sizeof(id));
	dw_buf_init(&b, 4096);
	assert_int_equal(dw_escape_id(&b, id, sizeof(id)), 0);
	assert_int_equal(b.len, DW_ID_PART_MAX);
	assert_null(strchr(dw_buf_cstr(&b), DW_ID_HASH_MARK));
	dw_buf_reset(&b);
	id[DW_ID_PART_MAX - 1] = '/'; /* 119 + 3 bytes escaped: shortened */
	assert_int_equal(dw_escape_id(&b, id, sizeof(id)), 0);
	assert_non_null(strchr(dw_buf_cstr(&b), DW_ID_HASH_MARK));
	dw_buf_release(&b);
}

static void singleton_paths(void **state)
{
	struct dw_buf b;

	(void)state;
	dw_buf_init(&b, 256);
	assert_int_equal(dw_singleton_path(&b, "authorizationPolicy"), 0);
	assert_string_equal(dw_buf_cstr(&b), "authorizationPolicy/authorizationPolicy.json");
	dw_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slugs_are_lower_case_words),
		cmocka_unit_test(long_names_are_cut_at_a_word),
		cmocka_unit_test(object_paths_keep_the_id),
		cmocka_unit_test(odd_ids_are_escaped_and_recoverable),
		cmocka_unit_test(only_our_escapes_unescape),
		cmocka_unit_test(singleton_paths),
		cmocka_unit_test(long_ids_are_shortened_with_a_stable_hash),
		cmocka_unit_test(ids_up_to_the_limit_stay_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
