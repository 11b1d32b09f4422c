/*
 * What a proposal writes by hand: waiver files that the strict YAML loader
 * and the waiver loader read back exactly (whatever a person typed as the
 * reason), topic names that are safe ref components, and expiry dates.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/baseline.h"
#include "driftward/yaml.h"
#include "propose/internal.h"

static const char rule_yaml[] = "schema: driftward/baseline/v1\n"
                                "id: entra.test.rule\n"
                                "title: A test rule\n"
                                "severity: high\n"
                                "target: {collector: authorizationPolicy}\n"
                                "expect: any\n"
                                "assert:\n"
                                "  - {path: /allowInvitesFrom, equals: none}\n";

/* The string YAML gives back for @key of the waiver @yaml. */
static const char *read_back(struct dw_yaml_doc *doc, const char *key)
{
	const char *s = NULL;
	struct dw_error err;

	dw_error_clear(&err);
	assert_int_equal(dw_yaml_string(dw_yaml_get(dw_yaml_root(doc), key), &s, &err), 0);
	return s;
}

/* Every value is read back unchanged, and the waiver loader takes the file. */
static void waiver_round_trips_through_the_loaders(void **state)
{
	static const char *const reasons[] = {
		"yes",
		"0755",
		"null",
		"a \"quoted\" reason, with a back\\slash",
		"two\nlines and a\ttab",
		"# not a comment: {flow} [seq] &anchor *alias !tag %",
		"C1 \xc2\x85 and \xc2\x9b, BOM \xef\xbb\xbf, DEL \x7f, bell \x07",
		"  leading and trailing spaces  ",
		"non-ASCII: \xc3\xa9t\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x94\x92",
	};
	struct propose_waiver w = { "entra.test.rule",   "contoso",   "an object:id", NULL,
		                    "alice@example.com", "2099-12-31" };
	struct dw_bl_files *files;
	struct dw_baseline *bl = NULL;
	struct dw_yaml_doc *doc = NULL;
	struct dw_diags diags;
	struct dw_error err;
	struct dw_buf out;
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(reasons); i++) {
		w.rationale = reasons[i];
		dw_buf_init(&out, 1u << 16);
		dw_error_clear(&err);
		assert_int_equal(dw_propose__waiver_yaml(&out, &w), 0);
		assert_int_equal(dw_yaml_load("w.yaml", out.ptr, out.len, NULL, &doc, &err), 0);
		assert_string_equal(read_back(doc, "rationale"), reasons[i]);
		assert_string_equal(read_back(doc, "object"), w.object);
		assert_string_equal(read_back(doc, "expires"), w.expires);
		dw_yaml_free(doc);

		files = dw_bl_files_new();
		assert_non_null(files);
		assert_int_equal(dw_bl_files_add(files, "baselines/r.yaml", rule_yaml,
		                                 sizeof(rule_yaml) - 1),
		                 0);
		assert_int_equal(dw_bl_files_add(files, "waivers/w.yaml", out.ptr, out.len), 0);
		dw_diags_init(&diags);
		assert_int_equal(dw_baseline_compile(files, "contoso", &bl, &diags), 0);
		assert_int_equal(diags.count, 0);
		dw_baseline_free(bl);
		dw_diags_release(&diags);
		dw_bl_files_free(files);
		dw_buf_release(&out);
	}
}

/* A reason that is not UTF-8 is refused, not written half-escaped. */
static void waiver_refuses_text_that_is_not_utf8(void **state)
{
	static const char *const bad[] = { "\xff",         "\xc0\xaf", "\xe0\x80\xaf",
		                           "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80" };
	struct propose_waiver w = { "r", "contoso", NULL, NULL, "o", "2099-12-31" };
	struct dw_buf out;
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(bad); i++) {
		w.rationale = bad[i];
		dw_buf_init(&out, 1u << 16);
		assert_int_equal(dw_propose__waiver_yaml(&out, &w), -EINVAL);
		dw_buf_release(&out);
	}
}

static void topics_are_single_safe_ref_components(void **state)
{
	static const char *const good[] = { "restore-1a2b3c4d5e6f", "pilot", "Q3_2026.v2", "a" };
	static const char *const bad[] = { "",       "../main", "a/b",  ".hidden", "-x",
		                           "x.lock", "a..b",    "end.", "sp ace",  "a~1",
		                           "a^b",    "a:b",     "a?b",  "a*b",     "a[b",
		                           "a\\b",   "@{u}",    "\x7f", "\xc3\xa9" };
	char longest[DW_PROPOSE_TOPIC_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(good); i++)
		assert_int_equal(dw_propose_topic_valid(good[i]), 0);
	for (i = 0; i < DW_ARRAY_SIZE(bad); i++)
		assert_int_equal(dw_propose_topic_valid(bad[i]), -EINVAL);
	memset(longest, 'a', sizeof(longest) - 1);
	longest[DW_PROPOSE_TOPIC_MAX] = '\0';
	assert_int_equal(dw_propose_topic_valid(longest), 0);
	longest[DW_PROPOSE_TOPIC_MAX] = 'a';
	longest[DW_PROPOSE_TOPIC_MAX + 1] = '\0';
	assert_int_equal(dw_propose_topic_valid(longest), -EINVAL);
}

static void expiry_dates_are_real_days_not_in_the_past(void **state)
{
	const int64_t now = 1796299200; /* 2026-12-03T12:00:00Z */
	char day[11];

	(void)state;
	dw_propose_date(now, 0, day);
	assert_string_equal(day, "2026-12-03");
	dw_propose_date(now, DW_PROPOSE_EXPIRY_DAYS, day);
	assert_string_equal(day, "2027-03-03");
	assert_int_equal(dw_propose__date_valid("2026-12-03", now), 0); /* today still counts */
	assert_int_equal(dw_propose__date_valid("2028-02-29", now), 0);
	assert_int_equal(dw_propose__date_valid("2026-12-02", now), -ERANGE);
	assert_int_equal(dw_propose__date_valid("2027-02-29", now), -EINVAL);
	assert_int_equal(dw_propose__date_valid("2027-13-01", now), -EINVAL);
	assert_int_equal(dw_propose__date_valid("2027-1-01", now), -EINVAL);
	assert_int_equal(dw_propose__date_valid("2027-01-01x", now), -EINVAL);
	assert_int_equal(dw_propose__date_valid("tomorrow", now), -EINVAL);
}

static void file_parts_keep_only_safe_characters(void **state)
{
	char out[16];

	(void)state;
	dw_propose__file_part("entra.ca.rule-1", out, sizeof(out));
	assert_string_equal(out, "entra.ca.rule-1");
	dw_propose__file_part("../a/b c%", out, sizeof(out));
	assert_string_equal(out, ".._a_b_c_");
	dw_propose__file_part("0123456789abcdefghij", out, sizeof(out));
	assert_string_equal(out, "0123456789abcde");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(waiver_round_trips_through_the_loaders),
		cmocka_unit_test(waiver_refuses_text_that_is_not_utf8),
		cmocka_unit_test(topics_are_single_safe_ref_components),
		cmocka_unit_test(expiry_dates_are_real_days_not_in_the_past),
		cmocka_unit_test(file_parts_keep_only_safe_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
