/*
 * The baseline language: every malformed rule is one clear file:line:col
 * error (never a silently disabled rule), and every operator, modifier and
 * combinator judges values as docs/baselines.md says.
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

#include "baseline/internal.h"
#include "driftward/baseline.h"

static const char rule_head[] = "schema: driftward/baseline/v1\n"
                                "id: t.rule\n"
                                "title: A test rule\n"
                                "severity: high\n"
                                "target: {collector: things}\n"
                                "expect: any\n";

static const char default_vars[] = "caExclusions: {users: [u1], groups: []}\nlimit: 3\n";

static struct dw_bl_files *files_with(const char *path, const char *text)
{
	struct dw_bl_files *f = dw_bl_files_new();

	assert_non_null(f);
	assert_int_equal(
	        dw_bl_files_add(f, "vars/default.yaml", default_vars, strlen(default_vars)), 0);
	if (path)
		assert_int_equal(dw_bl_files_add(f, path, text, strlen(text)), 0);
	return f;
}

/* Compiles @text as baselines/r.yaml and expects exactly one error at @where containing @what. */
static void rule_fails(const char *text, const char *where, const char *what)
{
	struct dw_bl_files *f = files_with("baselines/r.yaml", text);
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	char msg[2048];

	dw_diags_init(&d);
	assert_int_equal(dw_baseline_compile(f, "contoso", &bl, &d), -EINVAL);
	assert_null(bl);
	if (d.count != 1)
		fail_msg("expected one problem, got %zu (first: %s)", d.count,
		         d.count ? dw_diag_format(&d.items[0], msg, sizeof(msg)) : "none");
	dw_diag_format(&d.items[0], msg, sizeof(msg));
	if (strncmp(msg, where, strlen(where)) != 0 || !strstr(msg, what))
		fail_msg("expected '%s ... %s', got '%s'", where, what, msg);
	dw_diags_release(&d);
	dw_bl_files_free(f);
}

static struct dw_baseline *rule_ok(const char *text)
{
	struct dw_bl_files *f = files_with("baselines/r.yaml", text);
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	char msg[2048];

	dw_diags_init(&d);
	if (dw_baseline_compile(f, "contoso", &bl, &d) != 0)
		fail_msg("unexpected: %s",
		         d.count ? dw_diag_format(&d.items[0], msg, sizeof(msg)) : "no message");
	dw_diags_release(&d);
	dw_bl_files_free(f);
	return bl;
}

static char *with_assert(const char *assertion)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%sassert:\n  - %s\n", rule_head, assertion);
	return buf;
}

static void test_valid_rule(void **state)
{
	struct dw_baseline *bl;

	(void)state;
	bl = rule_ok(with_assert("{path: /a, equals: 1}"));
	assert_int_equal(dw_baseline_count(bl), 1);
	assert_string_equal(bl->rules[0].id, "t.rule");
	assert_int_equal(bl->rules[0].severity, BL_HIGH);
	dw_baseline_free(bl);
}

static void test_tab(void **state)
{
	char text[4096];

	(void)state;
	snprintf(text, sizeof(text), "%sassert:\n\t- {path: /a, equals: 1}\n", rule_head);
	rule_fails(text, "baselines/r.yaml:8:1:", "a tab character");
}

static void test_duplicate_key(void **state)
{
	char text[4096];

	(void)state;
	snprintf(text, sizeof(text), "%sseverity: low\n", rule_head);
	rule_fails(text, "baselines/r.yaml:7:1:", "duplicate key");
}

static void test_yes_for_boolean(void **state)
{
	(void)state;
	rule_fails(with_assert("{path: /a, exists: yes}"), "baselines/r.yaml:8:24:", "quote it");
}

static void test_unknown_operator(void **state)
{
	(void)state;
	rule_fails(with_assert("{path: /a, equal: 1}"),
	           "baselines/r.yaml:8:16:", "unknown operator 'equal'");
}

static void test_unknown_key(void **state)
{
	char text[4096];

	(void)state;
	snprintf(text, sizeof(text), "%sasert: []\n", rule_head);
	rule_fails(text, "baselines/r.yaml:7:1:", "unknown key 'asert'");
}

static void test_undefined_variable(void **state)
{
	(void)state;
	rule_fails(with_assert("{path: /a, subsetOf: \"${caExclusions.roles}\"}"),
	           "baselines/r.yaml:8:26:", "undefined variable 'caExclusions.roles'");
}

static void test_variable_inside_text(void **state)
{
	(void)state;
	rule_fails(with_assert("{path: /a, equals: \"x-${limit}\"}"),
	           "baselines/r.yaml:8:24:", "a variable is a whole value");
}

static void test_wrong_argument_type(void **state)
{
	(void)state;
	rule_fails(with_assert("{path: /a, containsAll: exchangeActiveSync}"),
	           "baselines/r.yaml:8:29:", "'containsAll' takes a list, found string");
	rule_fails(with_assert("{path: /a, gt: \"3\"}"),
	           "baselines/r.yaml:8:20:", "'gt' takes a number");
	/* a variable of the wrong type is named */
	rule_fails(with_assert("{path: /a, subsetOf: \"${limit}\"}"),
	           "baselines/r.yaml:8:26:", "found number in ${limit}");
	rule_fails(with_assert("{path: /a, count: {gte: -1}}"),
	           "baselines/r.yaml:8:23:", "'count' takes a mapping of eq/gte/lte");
}

static void test_bad_regex(void **state)
{
	(void)state;
	rule_fails(with_assert("{path: /a, matches: \"a(b\"}"),
	           "baselines/r.yaml:8:25:", "not a POSIX extended regular expression");
}

static void test_two_operators(void **state)
{
	(void)state;
	rule_fails(with_assert("{path: /a, equals: 1, in: [1]}"),
	           "baselines/r.yaml:8:27:", "one operator per assertion");
}

static void test_missing_keys(void **state)
{
	(void)state;
	rule_fails("schema: driftward/baseline/v1\nid: x\ntitle: t\nseverity: high\nexpect: any\n",
	           "baselines/r.yaml:1:1:", "missing key 'target'");
	rule_fails(with_assert("{equals: 1}"), "baselines/r.yaml:8:5:", "missing key 'path'");
	rule_fails(with_assert("{path: /a}"), "baselines/r.yaml:8:5:", "no operator");
}

static void test_bad_values(void **state)
{
	char text[4096];

	(void)state;
	rule_fails("schema: driftward/baseline/v2\nid: x\ntitle: t\nseverity: high\n"
	           "target: {collector: c}\nexpect: any\n",
	           "baselines/r.yaml:1:9:", "not a known schema");
	snprintf(text, sizeof(text), "%s", rule_head);
	memcpy(strstr(text, "high"), "huge", 4);
	rule_fails(text, "baselines/r.yaml:4:11:", "'huge' is not a severity");
	snprintf(text, sizeof(text), "%scount: {gte: 1}\n", rule_head);
	rule_fails(text, "baselines/r.yaml:1:1:", "'count' goes with 'expect: count'");
	rule_fails(with_assert("{path: a/b, equals: 1}"),
	           "baselines/r.yaml:8:12:", "not a JSON Pointer");
	rule_fails(with_assert("{not: [{path: /a, equals: 1}]}"),
	           "baselines/r.yaml:8:11:", "'not' takes one assertion");
	rule_fails(with_assert("{path: /a, some: []}"), "baselines/r.yaml:8:22:", "non-empty list");
}

static void test_alias_bomb(void **state)
{
	char text[8192];
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "%sa: &a [x, x, x, x, x, x, x, x, x, x]\n", rule_head);
	for (char c = 'b'; c <= 'k'; c++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		              "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c,
		              c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	rule_fails(text, "baselines/r.yaml:", "more than 20000 nodes");
}

static void test_deep_nesting(void **state)
{
	size_t depth = 10000, i, n;
	char *text = malloc(2 * depth + 64);

	(void)state;
	assert_non_null(text);
	n = (size_t)snprintf(text, 8, "x: ");
	for (i = 0; i < depth; i++)
		text[n++] = '[';
	for (i = 0; i < depth; i++)
		text[n++] = ']';
	text[n++] = '\n';
	text[n] = '\0';
	rule_fails(text, "baselines/r.yaml:1:", "nest");
	free(text);
}

static void test_invalid_utf8(void **state)
{
	char text[4096];

	(void)state;
	snprintf(text, sizeof(text), "%snotes: \"caf\xc3\x28\"\n", rule_head);
	rule_fails(text, "baselines/r.yaml:7:", "UTF-8");
}

static void test_duplicate_rule_id(void **state)
{
	struct dw_bl_files *f =
	        files_with("baselines/a.yaml", with_assert("{path: /a, equals: 1}"));
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	char msg[1024];

	(void)state;
	assert_int_equal(dw_bl_files_add(f, "baselines/b.yaml",
	                                 with_assert("{path: /a, equals: 1}"),
	                                 strlen(with_assert("{path: /a, equals: 1}"))),
	                 0);
	dw_diags_init(&d);
	assert_int_equal(dw_baseline_compile(f, NULL, &bl, &d), -EINVAL);
	assert_int_equal(d.count, 1);
	dw_diag_format(&d.items[0], msg, sizeof(msg));
	assert_non_null(strstr(msg, "baselines/b.yaml:2:5: error: duplicate rule id 't.rule' (also "
	                            "in baselines/a.yaml)"));
	dw_diags_release(&d);
	dw_bl_files_free(f);
}

static const char waiver_ok[] = "schema: driftward/waiver/v1\nrule: t.rule\ntenant: contoso\n"
                                "rationale: pilot\nowner: alice@example.com\nexpires: 2027-01-31\n";

static void test_waivers(void **state)
{
	struct dw_bl_files *f =
	        files_with("baselines/a.yaml", with_assert("{path: /a, equals: 1}"));
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	char msg[1024];
	const char *bad = "schema: driftward/waiver/v1\nrule: t.other\ntenant: contoso\n"
	                  "rationale: r\nowner: o\nexpires: 2027-02-30x\n";

	(void)state;
	assert_int_equal(dw_bl_files_add(f, "waivers/w.yaml", waiver_ok, strlen(waiver_ok)), 0);
	dw_diags_init(&d);
	assert_int_equal(dw_baseline_compile(f, "contoso", &bl, &d), 0);
	assert_int_equal(bl->nwaivers, 1);
	/* the last second of 2027-01-31 is still waived */
	assert_int_equal(bl->waivers[0].expires_at, 1801440000);
	dw_baseline_free(bl);
	assert_int_equal(dw_bl_files_add(f, "waivers/x.yaml", bad, strlen(bad)), 0);
	assert_int_equal(dw_baseline_compile(f, "contoso", &bl, &d), -EINVAL);
	assert_int_equal(d.count, 1);
	dw_diag_format(&d.items[0], msg, sizeof(msg));
	assert_non_null(strstr(msg, "waivers/x.yaml:6:10: error: '2027-02-30x' is not a date"));
	dw_diags_release(&d);
	dw_bl_files_free(f);
}

static void test_waiver_unknown_rule(void **state)
{
	struct dw_bl_files *f =
	        files_with("baselines/a.yaml", with_assert("{path: /a, equals: 1}"));
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	const char *w = "schema: driftward/waiver/v1\nrule: t.rulee\ntenant: contoso\n"
	                "rationale: r\nowner: o\nexpires: 2027-01-31\n";

	(void)state;
	assert_int_equal(dw_bl_files_add(f, "waivers/w.yaml", w, strlen(w)), 0);
	dw_diags_init(&d);
	assert_int_equal(dw_baseline_compile(f, "contoso", &bl, &d), -EINVAL);
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.items[0].msg, "waiver for unknown rule 't.rulee'"));
	dw_diags_release(&d);
	dw_bl_files_free(f);
}

/* lint: every vars/<tenant>.yaml is tried; a variable missing for one tenant is found. */
static void test_lint_per_tenant_vars(void **state)
{
	struct dw_bl_files *f =
	        files_with("baselines/a.yaml", with_assert("{path: /a, in: \"${t.only}\"}"));
	struct dw_diags d;
	const char *vars = "t: {only: [1]}\n";

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_baseline_lint(f, &d), -EINVAL);
	assert_int_equal(d.count, 1);
	dw_diags_release(&d);
	/* defined for one tenant only: still undefined for the defaults */
	assert_int_equal(dw_bl_files_add(f, "vars/contoso.yaml", vars, strlen(vars)), 0);
	dw_diags_init(&d);
	assert_int_equal(dw_baseline_lint(f, &d), -EINVAL);
	assert_int_equal(d.count, 1);
	assert_int_equal(d.items[0].line, 8);
	dw_diags_release(&d);
	dw_bl_files_free(f);
}

/* baselines/_vars.yaml < vars/default.yaml < vars/<tenant>.yaml, merged key by key; _ files are no
 * rules. */
static void test_vars_layers(void **state)
{
	struct dw_bl_files *f = dw_bl_files_new();
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	const char *rule = with_assert("{path: /a, equals: 1}");

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_bl_files_add(f, "baselines/r.yaml", rule, strlen(rule)), 0);
	assert_int_equal(dw_bl_files_add(f, "baselines/_vars.yaml", "a: {p: 1, q: 1, s: 1}\n", 22),
	                 0);
	assert_int_equal(dw_bl_files_add(f, "vars/default.yaml", "a: {q: 2, s: 2}\n", 16), 0);
	assert_int_equal(dw_bl_files_add(f, "vars/contoso.yaml", "a: {s: 3}\n", 10), 0);
	if (dw_baseline_compile(f, "contoso", &bl, &d) < 0)
		fail_msg("%s", d.count ? d.items[0].msg : "?");
	assert_int_equal(dw_baseline_count(bl), 1); /* _vars.yaml is not a rule */
	assert_int_equal(dw_json_number(dw_baseline__at(bl->vars, "/a/p")), 1);
	assert_int_equal(dw_json_number(dw_baseline__at(bl->vars, "/a/q")), 2);
	assert_int_equal(dw_json_number(dw_baseline__at(bl->vars, "/a/s")), 3);
	dw_baseline_free(bl);
	assert_int_equal(dw_baseline_compile(f, "fabrikam", &bl, &d), 0);
	assert_int_equal(dw_json_number(dw_baseline__at(bl->vars, "/a/s")), 2);
	dw_baseline_free(bl);
	dw_diags_release(&d);
	dw_bl_files_free(f);
}

/* Operators ------------------------------------------------------------------ */

/* Does @assertion hold for the JSON object @json? */
static bool holds(const char *assertion, const char *json)
{
	struct dw_baseline *bl = rule_ok(with_assert(assertion));
	struct dw_json_doc *doc = NULL;
	bool ok;

	assert_int_equal(dw_json_parse(json, strlen(json), "obj", &doc, NULL), 0);
	ok = dw_baseline__holds(&bl->rules[0].asserts[0], dw_json_root(doc));
	dw_json_doc_free(doc);
	dw_baseline_free(bl);
	return ok;
}

struct op_case {
	const char *assertion, *json;
	bool want;
};

/* clang-format off */
static const struct op_case op_cases[] = {
	{ "{path: /s, equals: enabled}", "{\"s\":\"enabled\"}", true },
	{ "{path: /s, equals: enabled}", "{\"s\":\"Enabled\"}", false },
	{ "{path: /s, equals: enabled, ignoreCase: true}", "{\"s\":\"Enabled\"}", true },
	{ "{path: /s, equals: enabled}", "{}", false },
	{ "{path: /n, equals: 3}", "{\"n\":3.0}", true },
	{ "{path: /o, equals: {a: [1, 2]}}", "{\"o\":{\"a\":[1,2]}}", true },
	{ "{path: /o, equals: {a: [1, 2]}}", "{\"o\":{\"a\":[2,1]}}", false },
	{ "{path: /s, in: [a, b]}", "{\"s\":\"b\"}", true },
	{ "{path: /s, in: [a, b]}", "{\"s\":\"c\"}", false },
	{ "{path: /s, in: [a, b]}", "{}", false },
	{ "{path: /s, exists: true}", "{\"s\":null}", true },
	{ "{path: /s, exists: true}", "{}", false },
	{ "{path: /s, exists: false}", "{}", true },
	{ "{path: /l, empty: true}", "{}", true },
	{ "{path: /l, empty: true}", "{\"l\":null}", true },
	{ "{path: /l, empty: true}", "{\"l\":[]}", true },
	{ "{path: /l, empty: true}", "{\"l\":[1]}", false },
	{ "{path: /l, empty: false}", "{\"l\":[1]}", true },
	{ "{path: /l, empty: true, split: \",\"}", "{\"l\":\" , \"}", true },
	{ "{path: /l, contains: All}", "{\"l\":[\"All\",\"x\"]}", true },
	{ "{path: /l, contains: All}", "{\"l\":[\"all\"]}", false },
	{ "{path: /l, contains: All, ignoreCase: true}", "{\"l\":[\"all\"]}", true },
	{ "{path: /l, contains: All}", "{}", false },
	{ "{path: /l, contains: ell}", "{\"l\":\"hello\"}", true },
	{ "{path: /l, contains: b2bCollaborationGuest, split: \",\"}",
	  "{\"l\":\"internalGuest,b2bCollaborationGuest\"}", true },
	{ "{path: /l, contains: b2bCollaboration, split: \",\"}",
	  "{\"l\":\"internalGuest,b2bCollaborationGuest\"}", false },
	{ "{path: /l, containsAll: [a, b]}", "{\"l\":[\"b\",\"c\",\"a\"]}", true },
	{ "{path: /l, containsAll: [a, b]}", "{\"l\":[\"b\",\"c\"]}", false },
	{ "{path: /l, containsAll: []}", "{}", true },
	{ "{path: /l, containsAny: [a, b]}", "{\"l\":[\"c\",\"b\"]}", true },
	{ "{path: /l, containsAny: [a, b]}", "{\"l\":[\"c\"]}", false },
	{ "{path: /l, subsetOf: [a, b]}", "{\"l\":[\"b\"]}", true },
	{ "{path: /l, subsetOf: [a, b]}", "{\"l\":[\"b\",\"c\"]}", false },
	{ "{path: /l, subsetOf: []}", "{}", true },
	{ "{path: /l, subsetOf: []}", "{\"l\":\"x\"}", false },
	{ "{path: /l, subsetOf: \"${caExclusions.users}\"}", "{\"l\":[\"u1\"]}", true },
	{ "{path: /l, subsetOf: \"${caExclusions.users}\"}", "{\"l\":[\"u2\"]}", false },
	{ "{path: /l, subsetOf: [a, b, c], split: \",\"}", "{\"l\":\"a, c\"}", true },
	{ "{path: /l, equals: [a, c], split: \",\"}", "{\"l\":\"c,a\"}", true },
	{ "{path: /l, equals: [a, c], split: \",\"}", "{\"l\":\"c,a,b\"}", false },
	{ "{path: /l, count: {eq: 2}}", "{\"l\":[1,2]}", true },
	{ "{path: /l, count: {gte: 1, lte: 1}}", "{\"l\":[1,2]}", false },
	{ "{path: /l, count: {eq: 0}}", "{}", true },
	{ "{path: /n, gt: 3}", "{\"n\":4}", true },
	{ "{path: /n, gt: 3}", "{\"n\":3}", false },
	{ "{path: /n, gte: 3}", "{\"n\":3}", true },
	{ "{path: /n, lt: 3}", "{\"n\":2.5}", true },
	{ "{path: /n, lt: 3}", "{\"n\":\"2\"}", false },
	{ "{path: /n, lte: \"${limit}\"}", "{\"n\":3}", true },
	{ "{path: /n, lte: \"${limit}\"}", "{\"n\":4}", false },
	{ "{path: /s, glob: \"Block*legacy*\"}", "{\"s\":\"Block all legacy auth\"}", true },
	{ "{path: /s, glob: \"block*\"}", "{\"s\":\"Block all\"}", false },
	{ "{path: /s, glob: \"block*\", ignoreCase: true}", "{\"s\":\"Block all\"}", true },
	{ "{path: /s, matches: \"^[0-9]+h$\"}", "{\"s\":\"12h\"}", true },
	{ "{path: /s, matches: \"^[0-9]+h$\"}", "{\"s\":\"12H\"}", false },
	{ "{path: /s, matches: \"^[0-9]+h$\", ignoreCase: true}", "{\"s\":\"12H\"}", true },
	{ "{path: /a~1b/c~0d, equals: 1}", "{\"a/b\":{\"c~d\":1}}", true },
	{ "{path: /l/1, equals: \"y\"}", "{\"l\":[\"x\",\"y\"]}", true },
	{ "{allOf: [{path: /a, equals: 1}, {path: /b, equals: 2}]}", "{\"a\":1,\"b\":2}", true },
	{ "{allOf: [{path: /a, equals: 1}, {path: /b, equals: 2}]}", "{\"a\":1,\"b\":3}", false },
	{ "{anyOf: [{path: /a, equals: 1}, {path: /b, equals: 2}]}", "{\"a\":0,\"b\":2}", true },
	{ "{anyOf: [{path: /a, equals: 1}, {path: /b, equals: 2}]}", "{\"a\":0,\"b\":0}", false },
	{ "{not: {path: /a, equals: 1}}", "{\"a\":2}", true },
	{ "{not: {path: /a, equals: 1}}", "{\"a\":1}", false },
	/* some/every: one element must meet every nested assertion by itself */
	{ "{path: /v, some: [{path: /name, equals: a, ignoreCase: true}, {path: /value, equals: \"1\"}]}",
	  "{\"v\":[{\"name\":\"A\",\"value\":\"1\"}]}", true },
	{ "{path: /v, some: [{path: /name, equals: a}, {path: /value, equals: \"1\"}]}",
	  "{\"v\":[{\"name\":\"a\",\"value\":\"0\"},{\"name\":\"b\",\"value\":\"1\"}]}", false },
	{ "{path: /v, some: [{path: \"\", equals: 3}]}", "{\"v\":[1,3]}", true },
	{ "{path: /v, every: [{path: /on, equals: true}]}", "{\"v\":[{\"on\":true},{\"on\":true}]}",
	  true },
	{ "{path: /v, every: [{path: /on, equals: true}]}", "{\"v\":[{\"on\":true},{\"on\":false}]}",
	  false },
	{ "{path: /v, every: [{path: /on, equals: true}]}", "{}", true },
	{ "{path: /v, some: [{path: /on, equals: true}]}", "{}", false },
};
/* clang-format on */

static void test_operators(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(op_cases); i++)
		if (holds(op_cases[i].assertion, op_cases[i].json) != op_cases[i].want)
			fail_msg("case %zu: %s on %s should be %s", i, op_cases[i].assertion,
			         op_cases[i].json, op_cases[i].want ? "true" : "false");
}

/* Every operator of the table has a case above (a new row needs one). */
static void test_every_operator_tested(void **state)
{
	static const char *const names[] = { "equals",   "in",          "exists",      "empty",
		                             "contains", "containsAll", "containsAny", "subsetOf",
		                             "count",    "gt",          "gte",         "lt",
		                             "lte",      "glob",        "matches" };
	size_t i, k;
	char key[40];

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(names); i++) {
		assert_non_null(dw_baseline__op(names[i]));
		snprintf(key, sizeof(key), " %s:", names[i]);
		for (k = 0; k < DW_ARRAY_SIZE(op_cases) && !strstr(op_cases[k].assertion, key); k++)
			;
		if (k == DW_ARRAY_SIZE(op_cases))
			fail_msg("no case for operator %s", names[i]);
	}
	assert_null(dw_baseline__op("ignoreCase"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_rule),
		cmocka_unit_test(test_tab),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_yes_for_boolean),
		cmocka_unit_test(test_unknown_operator),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_undefined_variable),
		cmocka_unit_test(test_variable_inside_text),
		cmocka_unit_test(test_wrong_argument_type),
		cmocka_unit_test(test_bad_regex),
		cmocka_unit_test(test_two_operators),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_duplicate_rule_id),
		cmocka_unit_test(test_waivers),
		cmocka_unit_test(test_waiver_unknown_rule),
		cmocka_unit_test(test_lint_per_tenant_vars),
		cmocka_unit_test(test_vars_layers),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_every_operator_tested),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
