/*
 * JSON Pointer (RFC 6901) get/set/remove, pointer patterns, and the
 * normalisation profile (volatile keys, set-arrays).
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

#include "driftward/json.h"

static struct dw_json_doc *parse_ok(const char *text)
{
	struct dw_error err = { 0 };
	struct dw_json_doc *doc = NULL;

	if (dw_json_parse(text, strlen(text), "t.json", &doc, &err) < 0)
		fail_msg("unexpected error: %s at %u:%u", err.msg, err.line, err.col);
	return doc;
}

static void assert_doc(struct dw_json_doc *doc, const char *want)
{
	struct dw_buf out;

	dw_buf_init(&out, 1 << 20);
	assert_int_equal(dw_json_write(dw_json_root(doc), DW_JSON_COMPACT, &out, NULL), 0);
	if (strcmp(dw_buf_cstr(&out), want) != 0)
		fail_msg("got  %s\nwant %s", dw_buf_cstr(&out), want);
	dw_buf_release(&out);
}

/* The RFC 6901 section 5 examples. */
static void rfc6901_examples(void **state)
{
	static const struct {
		const char *pointer, *want;
	} cases[] = {
		{ "", NULL },
		{ "/foo", "[\"bar\",\"baz\"]" },
		{ "/foo/0", "\"bar\"" },
		{ "/", "0" },
		{ "/a~1b", "1" },
		{ "/c%d", "2" },
		{ "/e^f", "3" },
		{ "/g|h", "4" },
		{ "/i\\j", "5" },
		{ "/k\"l", "6" },
		{ "/ ", "7" },
		{ "/m~0n", "8" },
	};
	struct dw_json_doc *doc = parse_ok("{\"foo\":[\"bar\",\"baz\"],\"\":0,\"a/b\":1,\"c%d\":2,"
	                                   "\"e^f\":3,\"g|h\":4,\"i\\\\j\":5,\"k\\\"l\":6,\" \":7,"
	                                   "\"m~n\":8}");
	struct dw_buf out;
	size_t i;

	(void)state;
	dw_buf_init(&out, 4096);
	for (i = 0; i < DW_ARRAY_SIZE(cases); i++) {
		struct dw_json *v;

		assert_int_equal(dw_json_pointer_get(dw_json_root(doc), cases[i].pointer, &v, NULL),
		                 0);
		if (!cases[i].want) {
			assert_ptr_equal(v, dw_json_root(doc));
			continue;
		}
		dw_buf_reset(&out);
		assert_int_equal(dw_json_write(v, DW_JSON_COMPACT, &out, NULL), 0);
		assert_string_equal(dw_buf_cstr(&out), cases[i].want);
	}
	dw_buf_release(&out);
	dw_json_doc_free(doc);
}

static void pointer_get_misses_and_errors(void **state)
{
	struct dw_json_doc *doc = parse_ok("{\"a\":[1,{\"b\":2}],\"*\":3}");
	struct dw_error err = { 0 };
	struct dw_json *v;

	(void)state;
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "/a/1/b", &v, NULL), 0);
	assert_true(dw_json_number(v) == 2);
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "/*", &v, NULL), 0);
	assert_true(dw_json_number(v) == 3);
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "/a/2", &v, NULL), -ENOENT);
	assert_null(v);
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "/a/01", &v, NULL), -ENOENT);
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "/a/-", &v, NULL), -ENOENT);
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "/A", &v, NULL), -ENOENT);
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "/a/0/x", &v, NULL), -ENOENT);
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "a", &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "start with '/'"));
	dw_error_clear(&err);
	assert_int_equal(dw_json_pointer_get(dw_json_root(doc), "/a~2", &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'~'"));
	dw_json_doc_free(doc);
}

static void pointer_set_and_remove(void **state)
{
	struct dw_json_doc *doc = parse_ok("{\"a\":[1,2],\"o\":{\"k\":1}}");
	struct dw_error err = { 0 };

	(void)state;
	assert_int_equal(dw_json_pointer_set(doc, "/a/0", dw_json_new_cstr(doc, "x"), NULL), 0);
	assert_int_equal(dw_json_pointer_set(doc, "/a/-", dw_json_new_int64(doc, 3), NULL), 0);
	assert_int_equal(dw_json_pointer_set(doc, "/a/3", dw_json_new_int64(doc, 4), NULL), 0);
	assert_int_equal(dw_json_pointer_set(doc, "/o/j", dw_json_new_null(doc), NULL), 0);
	assert_int_equal(dw_json_pointer_set(doc, "/o/k", dw_json_new_bool(doc, false), NULL), 0);
	assert_doc(doc, "{\"a\":[\"x\",2,3,4],\"o\":{\"j\":null,\"k\":false}}");
	assert_int_equal(dw_json_pointer_set(doc, "/a/9", dw_json_new_null(doc), NULL), -ENOENT);
	assert_int_equal(dw_json_pointer_set(doc, "/x/y", dw_json_new_null(doc), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/x/y"));
	assert_int_equal(dw_json_pointer_remove(doc, "/a/1", NULL), 0);
	assert_int_equal(dw_json_pointer_remove(doc, "/o/j", NULL), 0);
	assert_int_equal(dw_json_pointer_remove(doc, "/o/j", NULL), -ENOENT);
	assert_int_equal(dw_json_pointer_remove(doc, "/a/-", NULL), -ENOENT);
	assert_int_equal(dw_json_pointer_remove(doc, "", NULL), -EINVAL);
	assert_doc(doc, "{\"a\":[\"x\",3,4],\"o\":{\"k\":false}}");
	assert_int_equal(dw_json_pointer_set(doc, "", dw_json_new_array(doc), NULL), 0);
	assert_doc(doc, "[]");
	dw_json_doc_free(doc);
}

static int encrypt(struct dw_json *v, void *ctx)
{
	struct dw_json_doc *doc = ctx;
	char cipher[64];
	size_t len;
	const char *plain = dw_json_string(v, &len);

	if (!plain)
		return 0;
	snprintf(cipher, sizeof(cipher), "age:%zu", len);
	return dw_json_set_string(doc, v, cipher, strlen(cipher));
}

static void pattern_replaces_secrets_in_every_element(void **state)
{
	struct dw_json_doc *doc =
	        parse_ok("{\"omaSettings\":[{\"value\":\"abc\"},{\"value\":\"hello\"},"
	                 "{\"other\":1}],\"psk\":\"xy\"}");
	struct dw_error err = { 0 };

	(void)state;
	assert_int_equal(
	        dw_json_pointer_each(dw_json_root(doc), "/omaSettings/*/value", encrypt, doc, NULL),
	        0);
	assert_int_equal(dw_json_pointer_each(dw_json_root(doc), "/psk", encrypt, doc, NULL), 0);
	assert_int_equal(
	        dw_json_pointer_each(dw_json_root(doc), "/missing/*/x", encrypt, doc, NULL), 0);
	assert_doc(doc,
	           "{\"omaSettings\":[{\"value\":\"age:3\"},{\"value\":\"age:5\"},{\"other\":1}],"
	           "\"psk\":\"age:2\"}");
	/* a malformed pattern is an error even where nothing matches */
	assert_int_equal(dw_json_pointer_each(dw_json_root(doc), "/missing/~x", encrypt, doc, &err),
	                 -EINVAL);
	dw_json_doc_free(doc);
}

static void glob_matching(void **state)
{
	(void)state;
	assert_true(dw_json_glob_match("*@odata.context", "assignments@odata.context", 25));
	assert_true(dw_json_glob_match("*@odata.context", "@odata.context", 14));
	assert_false(dw_json_glob_match("*@odata.context", "@odata.type", 11));
	assert_true(dw_json_glob_match("version", "version", 7));
	assert_false(dw_json_glob_match("version", "versions", 8));
	assert_false(dw_json_glob_match("version", "Version", 7));
	assert_true(dw_json_glob_match("*DateTime", "lastModifiedDateTime", 20));
	assert_true(dw_json_glob_match("a*b*c", "aXbYbZc", 7));
	assert_false(dw_json_glob_match("a*b*c", "aXbYbZ", 6));
	assert_true(dw_json_glob_match("*", "", 0));
	assert_false(dw_json_glob_match("a", "a\0", 2));
}

static const char *const global_volatile[] = { "@odata.context", "*@odata.context",
	                                       "@microsoft.graph.tips" };

static void profile_drops_volatile_keys_and_keeps_odata_type(void **state)
{
	static const char *const collector_volatile[] = { "modifiedDateTime", "/version",
		                                          "/conditions/users/*/createdBy" };
	const struct dw_json_profile global = { global_volatile, 3, NULL, 0 };
	const struct dw_json_profile collector = { collector_volatile, 3, NULL, 0 };
	const struct dw_json_profile *profiles[] = { &global, &collector };
	struct dw_json_doc *doc = parse_ok(
	        "{\"@odata.context\":\"https://graph/$metadata#x\",\"@odata.type\":\"#m.t\","
	        "\"version\":7,\"modifiedDateTime\":\"2024\",\"assignments@odata.context\":\"y\","
	        "\"conditions\":{\"version\":1,\"modifiedDateTime\":\"z\",\"users\":"
	        "[{\"createdBy\":\"a\",\"id\":1},{\"id\":2}]},\"@microsoft.graph.tips\":\"t\"}");

	(void)state;
	assert_int_equal(dw_json_normalise(doc, dw_json_root(doc), profiles, 2, NULL), 0);
	assert_doc(doc,
	           "{\"@odata.type\":\"#m.t\",\"conditions\":{\"users\":[{\"id\":1},{\"id\":2}],"
	           "\"version\":1}}");
	dw_json_doc_free(doc);
}

static void profile_sorts_declared_sets_only(void **state)
{
	static const struct dw_json_set_rule sets[] = {
		{ "/conditions/users/includeUsers", NULL },
		{ "/conditions/applications/includeApplications", NULL },
		{ "/assignments", "id" },
		{ "/assignments/*/target/groups", NULL },
		{ "/notThere", NULL },
		{ "/state", NULL }, /* not an array: left alone */
	};
	const struct dw_json_profile p = { NULL, 0, sets, DW_ARRAY_SIZE(sets) };
	const struct dw_json_profile *profiles[] = { &p };
	struct dw_json_doc *doc = parse_ok(
	        "{\"state\":\"on\",\"conditions\":{\"users\":{\"includeUsers\":[\"b\",\"All\","
	        "\"a\",\"b\"],"
	        "\"excludeUsers\":[\"z\",\"y\"]},\"applications\":{\"includeApplications\":"
	        "[3,\"x\",null,{\"k\":1},[2],1.5,true]}},"
	        "\"assignments\":[{\"id\":\"z\",\"target\":{\"groups\":[\"g2\",\"g1\"]}},"
	        "{\"target\":{}},{\"id\":\"a\",\"target\":{\"groups\":[\"g9\",\"g3\"]}}],"
	        "\"order\":[\"c\",\"b\",\"a\"]}");

	(void)state;
	assert_int_equal(dw_json_normalise(doc, dw_json_root(doc), profiles, 1, NULL), 0);
	assert_doc(
	        doc,
	        "{\"assignments\":[{\"target\":{}},{\"id\":\"a\",\"target\":{\"groups\":[\"g3\","
	        "\"g9\"]}},{\"id\":\"z\",\"target\":{\"groups\":[\"g1\",\"g2\"]}}],"
	        "\"conditions\":{\"applications\":{\"includeApplications\":[null,true,1.5,3,\"x\","
	        "[2],{\"k\":1}]},\"users\":{\"excludeUsers\":[\"z\",\"y\"],\"includeUsers\":"
	        "[\"All\",\"a\",\"b\",\"b\"]}},\"order\":[\"c\",\"b\",\"a\"],\"state\":\"on\"}");
	dw_json_doc_free(doc);
}

/* Sorting a set of objects by the whole element needs its inner sets sorted first. */
static void profile_sorts_nested_sets_inside_out(void **state)
{
	static const struct dw_json_set_rule sets[] = {
		{ "/rules", NULL },
		{ "/rules/*/values", NULL },
	};
	const struct dw_json_profile p = { NULL, 0, sets, 2 };
	const struct dw_json_profile *profiles[] = { &p };
	struct dw_json_doc *a = parse_ok("{\"rules\":[{\"values\":[2,1]},{\"values\":[1,3]}]}");
	struct dw_json_doc *b = parse_ok("{\"rules\":[{\"values\":[3,1]},{\"values\":[1,2]}]}");

	(void)state;
	assert_int_equal(dw_json_normalise(a, dw_json_root(a), profiles, 1, NULL), 0);
	assert_int_equal(dw_json_normalise(b, dw_json_root(b), profiles, 1, NULL), 0);
	assert_doc(a, "{\"rules\":[{\"values\":[1,2]},{\"values\":[1,3]}]}");
	assert_doc(b, "{\"rules\":[{\"values\":[1,2]},{\"values\":[1,3]}]}");
	dw_json_doc_free(a);
	dw_json_doc_free(b);
}

static void profile_reports_malformed_patterns(void **state)
{
	static const struct dw_json_set_rule sets[] = { { "conditions/users", NULL } };
	const struct dw_json_profile p = { NULL, 0, sets, 1 };
	const struct dw_json_profile *profiles[] = { &p };
	struct dw_json_doc *doc = parse_ok("{}");
	struct dw_error err = { 0 };

	(void)state;
	assert_int_equal(dw_json_normalise(doc, dw_json_root(doc), profiles, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "conditions/users"));
	dw_json_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc6901_examples),
		cmocka_unit_test(pointer_get_misses_and_errors),
		cmocka_unit_test(pointer_set_and_remove),
		cmocka_unit_test(pattern_replaces_secrets_in_every_element),
		cmocka_unit_test(glob_matching),
		cmocka_unit_test(profile_drops_volatile_keys_and_keeps_odata_type),
		cmocka_unit_test(profile_sorts_declared_sets_only),
		cmocka_unit_test(profile_sorts_nested_sets_inside_out),
		cmocka_unit_test(profile_reports_malformed_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
