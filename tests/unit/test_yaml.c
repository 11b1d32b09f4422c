/* The strict YAML loader: typing, refusals with their exact positions, limits. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/buf.h"
#include "driftward/yaml.h"

static struct dw_yaml_doc *load_ok(const char *text)
{
	struct dw_yaml_doc *doc = NULL;
	struct dw_error err;
	char msg[1024];
	int r;

	dw_error_clear(&err);
	r = dw_yaml_load("t.yaml", text, strlen(text), NULL, &doc, &err);
	if (r != 0)
		fail_msg("unexpected error: %s", dw_error_format(&err, msg, sizeof(msg)));
	assert_non_null(doc);
	return doc;
}

/* Loads @len bytes expecting failure @rc whose message starts with @where and contains @what. */
static void load_fails_n(const char *text, size_t len, const struct dw_yaml_limits *lim, int rc,
                         const char *where, const char *what)
{
	struct dw_yaml_doc *doc = NULL;
	struct dw_error err;
	char msg[1024];
	int r;

	dw_error_clear(&err);
	r = dw_yaml_load("t.yaml", text, len, lim, &doc, &err);
	dw_error_format(&err, msg, sizeof(msg));
	if (r != rc || strncmp(msg, where, strlen(where)) != 0 || !strstr(msg, what))
		fail_msg("input %.60s: got %d '%s', want %d '%s ... %s'", text, r, msg, rc, where,
		         what);
	assert_null(doc);
}

static void load_fails(const char *text, const char *where, const char *what)
{
	load_fails_n(text, strlen(text), NULL, -EINVAL, where, what);
}

static void test_tree_keeps_order_and_positions(void **state)
{
	struct dw_yaml_doc *doc =
	        load_ok("# comment\nzeta: 1\nalpha:\n  - x\n  - {k: v}\nmid: \"q\"\n");
	const struct dw_yaml_node *root = dw_yaml_root(doc), *alpha;

	(void)state;
	assert_int_equal(root->type, DW_YAML_MAP);
	assert_int_equal(root->count, 3);
	assert_string_equal(root->keys[0]->text, "zeta");
	assert_string_equal(root->keys[1]->text, "alpha");
	assert_string_equal(root->keys[2]->text, "mid");
	assert_int_equal(root->keys[0]->line, 2);
	assert_int_equal(root->keys[0]->col, 1);
	alpha = dw_yaml_get(root, "alpha");
	assert_non_null(alpha);
	assert_int_equal(alpha->type, DW_YAML_SEQ);
	assert_int_equal(alpha->count, 2);
	assert_int_equal(alpha->items[0]->line, 4);
	assert_int_equal(alpha->items[0]->col, 5);
	assert_int_equal(alpha->items[1]->type, DW_YAML_MAP);
	assert_int_equal(alpha->items[1]->line, 5);
	assert_int_equal(alpha->items[1]->col, 5);
	assert_string_equal(dw_yaml_get(alpha->items[1], "k")->text, "v");
	assert_int_equal(dw_yaml_get(root, "mid")->col, 6);
	assert_true(dw_yaml_get(root, "mid")->quoted);
	assert_null(dw_yaml_get(root, "missing"));
	assert_null(dw_yaml_get(alpha, "k"));
	assert_string_equal(root->file, "t.yaml");
	assert_string_equal(dw_yaml_name(doc), "t.yaml");
	dw_yaml_free(doc);
}

struct typing_case {
	const char *text;
	enum dw_yaml_type type;
	int64_t i;
	double f;
};

static void test_core_schema_typing(void **state)
{
	static const struct typing_case cases[] = {
		{ "~", DW_YAML_NULL },
		{ "null", DW_YAML_NULL },
		{ "Null", DW_YAML_NULL },
		{ "NULL", DW_YAML_NULL },
		{ "", DW_YAML_NULL },
		{ "nULL", DW_YAML_STRING },
		{ "true", DW_YAML_BOOL, 1 },
		{ "True", DW_YAML_BOOL, 1 },
		{ "TRUE", DW_YAML_BOOL, 1 },
		{ "false", DW_YAML_BOOL, 0 },
		{ "False", DW_YAML_BOOL, 0 },
		{ "FALSE", DW_YAML_BOOL, 0 },
		{ "tRUE", DW_YAML_STRING },
		{ "0", DW_YAML_INT, 0 },
		{ "-0", DW_YAML_INT, 0 },
		{ "42", DW_YAML_INT, 42 },
		{ "+42", DW_YAML_INT, 42 },
		{ "-17", DW_YAML_INT, -17 },
		{ "0x1F", DW_YAML_INT, 31 },
		{ "0o17", DW_YAML_INT, 15 },
		{ "9223372036854775807", DW_YAML_INT, INT64_MAX },
		{ "-9223372036854775808", DW_YAML_INT, INT64_MIN },
		{ "0x7fffffffffffffff", DW_YAML_INT, INT64_MAX },
		{ "1.5", DW_YAML_FLOAT, 0, 1.5 },
		{ "-1.5", DW_YAML_FLOAT, 0, -1.5 },
		{ ".5", DW_YAML_FLOAT, 0, 0.5 },
		{ "1.", DW_YAML_FLOAT, 0, 1.0 },
		{ "1e3", DW_YAML_FLOAT, 0, 1000.0 },
		{ "2.5E-2", DW_YAML_FLOAT, 0, 0.025 },
		{ "0.5", DW_YAML_FLOAT, 0, 0.5 },
		{ ".inf", DW_YAML_FLOAT, 0, INFINITY },
		{ "-.Inf", DW_YAML_FLOAT, 0, -INFINITY },
		{ "+.INF", DW_YAML_FLOAT, 0, INFINITY },
		{ "0x", DW_YAML_STRING },
		{ "0o8", DW_YAML_STRING },
		{ "1.2.3", DW_YAML_STRING },
		{ "3.0.0", DW_YAML_STRING },
		{ "2024-01-31", DW_YAML_STRING },
		{ "abc", DW_YAML_STRING },
		{ "+", DW_YAML_STRING },
		{ ".", DW_YAML_STRING },
		{ "1e", DW_YAML_STRING },
		{ "::1", DW_YAML_STRING },
		{ "2001:db8::1", DW_YAML_STRING },
		{ "MS.AAD.1.1v1", DW_YAML_STRING },
		{ "+.nan", DW_YAML_STRING },
		{ "yesterday", DW_YAML_STRING },
		{ "nope", DW_YAML_STRING },
	};
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(cases); i++) {
		struct dw_yaml_doc *doc;
		const struct dw_yaml_node *v;

		snprintf(text, sizeof(text), "v: %s\n", cases[i].text);
		doc = load_ok(text);
		v = dw_yaml_get(dw_yaml_root(doc), "v");
		if (v->type != cases[i].type)
			fail_msg("'%s': type %d, want %d", cases[i].text, v->type, cases[i].type);
		assert_string_equal(v->text, cases[i].text);
		if (v->type == DW_YAML_INT && v->as.integer != cases[i].i)
			fail_msg("'%s': %lld", cases[i].text, (long long)v->as.integer);
		if (v->type == DW_YAML_BOOL && v->as.boolean != (cases[i].i != 0))
			fail_msg("'%s': wrong boolean", cases[i].text);
		if (v->type == DW_YAML_FLOAT && v->as.number != cases[i].f)
			fail_msg("'%s': %g", cases[i].text, v->as.number);
		dw_yaml_free(doc);
	}
}

static void test_nan(void **state)
{
	struct dw_yaml_doc *doc = load_ok("[.nan, .NaN, .NAN]");
	const struct dw_yaml_node *root = dw_yaml_root(doc);
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(root->items[i]->type, DW_YAML_FLOAT);
		assert_true(isnan(root->items[i]->as.number));
	}
	dw_yaml_free(doc);
}

static void test_quoted_scalars_are_strings(void **state)
{
	struct dw_yaml_doc *doc =
	        load_ok("a: \"yes\"\nb: '0755'\nc: \"true\"\nd: '1:20'\ne: |\n  no\nf: \"\"\n"
	                "g: \"null\"\nh: >-\n  12\n");
	const struct dw_yaml_node *root = dw_yaml_root(doc);
	size_t i;

	(void)state;
	assert_int_equal(root->count, 8);
	for (i = 0; i < root->count; i++) {
		assert_int_equal(root->items[i]->type, DW_YAML_STRING);
		assert_true(root->items[i]->quoted);
	}
	assert_string_equal(dw_yaml_get(root, "e")->text, "no\n");
	assert_string_equal(dw_yaml_get(root, "h")->text, "12");
	dw_yaml_free(doc);
}

static void test_yaml11_ambiguities_rejected(void **state)
{
	static const char *const words[] = {
		"yes",       "Yes",    "YES",   "yEs",   "no",      "No",    "NO",    "on",
		"On",        "ON",     "off",   "Off",   "OFF",     "y",     "Y",     "n",
		"N",         "nO",     "0755",  "-0755", "+012",    "00",    "08",    "1:20",
		"190:20:30", "1:20.5", "-1:30", "1_000", "1_000.5", "0x_FF", "0b101", "-0b1",
	};
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(words); i++) {
		snprintf(text, sizeof(text), "key: ok\nvalue: %s\n", words[i]);
		load_fails(text, "t.yaml:2:8: ambiguous", "quote it");
	}
	load_fails("enabled: yes\n",
	           "t.yaml:1:10: ", "a boolean in YAML 1.1, a string in YAML 1.2");
	load_fails("mode: 0755\n", "t.yaml:1:7: ", "octal in YAML 1.1");
	load_fails("at: 1:20\n", "t.yaml:1:5: ", "base-60");
	/* as keys too: GitHub Actions' famous `on:` */
	load_fails("name: x\non:\n  push: {}\n", "t.yaml:2:1: ", "ambiguous value 'on'");
	/* inside flow collections, with the column of the scalar */
	load_fails("list: [a, b, No]\n", "t.yaml:1:14: ", "'No'");
}

static void test_explicit_tags(void **state)
{
	struct dw_yaml_doc *doc = load_ok(
	        "a: !!str 0755\nb: !!int \"12\"\nc: ! 12\nd: !!float 3\ne: !!bool \"true\"\n"
	        "f: !!null ''\ng: !!seq [1]\nh: !!map {x: 1}\ni: !!str yes\n");
	const struct dw_yaml_node *root = dw_yaml_root(doc);

	(void)state;
	assert_int_equal(dw_yaml_get(root, "a")->type, DW_YAML_STRING);
	assert_string_equal(dw_yaml_get(root, "a")->text, "0755");
	assert_int_equal(dw_yaml_get(root, "b")->type, DW_YAML_INT);
	assert_int_equal(dw_yaml_get(root, "b")->as.integer, 12);
	assert_int_equal(dw_yaml_get(root, "c")->type, DW_YAML_STRING);
	assert_int_equal(dw_yaml_get(root, "d")->type, DW_YAML_FLOAT);
	assert_true(dw_yaml_get(root, "d")->as.number == 3.0);
	assert_int_equal(dw_yaml_get(root, "e")->type, DW_YAML_BOOL);
	assert_int_equal(dw_yaml_get(root, "f")->type, DW_YAML_NULL);
	assert_int_equal(dw_yaml_get(root, "g")->type, DW_YAML_SEQ);
	assert_int_equal(dw_yaml_get(root, "h")->type, DW_YAML_MAP);
	assert_int_equal(dw_yaml_get(root, "i")->type, DW_YAML_STRING);
	dw_yaml_free(doc);
}

static void test_bad_tags_rejected(void **state)
{
	(void)state;
	load_fails("a: 1\nb: !foo bar\n", "t.yaml:2:4: ", "tag '!foo' is not allowed");
	load_fails("a: !!binary aGVsbG8=\n", "t.yaml:1:4: ", "tag:yaml.org,2002:binary");
	load_fails("a: !!python/object:os.system x\n", "t.yaml:1:4: ", "is not allowed");
	load_fails("a: !!int abc\n", "t.yaml:1:4: ", "'abc' is not a valid !!int");
	load_fails("a: !!bool yes\n", "t.yaml:1:4: ", "ambiguous value 'yes'");
	load_fails("a: !!map [1]\n", "t.yaml:1:4: ", "only !!seq");
	load_fails("a: !!set {x}\n", "t.yaml:1:4: ", "only !!map");
	load_fails("a: !!timestamp 2001-12-14\n", "t.yaml:1:4: ", "is not allowed");
}

static void test_duplicate_keys_name_both_lines(void **state)
{
	(void)state;
	load_fails("a: 1\nb: 2\na: 3\n",
	           "t.yaml:3:1: ", "duplicate key 'a' (first at line 1, column 1)");
	load_fails("x:\n  k: 1\n  j: 2\n  k: 3\n",
	           "t.yaml:4:3: ", "duplicate key 'k' (first at line 2");
	load_fails("{a: 1, \"a\": 2}", "t.yaml:1:8: ", "duplicate key 'a'");
	/* the earliest second occurrence is the one reported */
	load_fails("b: 1\nc: 1\nc: 2\nb: 2\n", "t.yaml:3:1: ", "duplicate key 'c'");
}

static void test_merge_keys_rejected(void **state)
{
	struct dw_yaml_doc *doc;

	(void)state;
	load_fails("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
	           "t.yaml:3:3: ", "merge keys ('<<') are not supported");
	/* a quoted "<<" is just a key, and "<<" as a value is just a string */
	doc = load_ok("\"<<\": 1\nv: <<\n");
	assert_int_equal(dw_yaml_get(dw_yaml_root(doc), "<<")->as.integer, 1);
	assert_string_equal(dw_yaml_get(dw_yaml_root(doc), "v")->text, "<<");
	dw_yaml_free(doc);
}

static void test_one_document_per_file(void **state)
{
	struct dw_yaml_doc *doc;

	(void)state;
	load_fails("a: 1\n---\nb: 2\n", "t.yaml:2:1: ", "a second document is not allowed");
	load_fails("--- a\n--- b\n", "t.yaml:2:1: ", "a second document");
	load_fails("a: 1\n...\n---\nb: 2\n", "t.yaml:3:1: ", "a second document");
	load_fails("", "t.yaml:1:1: ", "no YAML document");
	load_fails("# only a comment\n", "t.yaml:", "no YAML document");
	/* an explicit start and end marker around one document is fine */
	doc = load_ok("---\na: 1\n...\n");
	assert_int_equal(dw_yaml_root(doc)->count, 1);
	dw_yaml_free(doc);
}

static void test_aliases(void **state)
{
	struct dw_yaml_doc *doc = load_ok("a: &x [1, 2]\nb: *x\nc: &s hello\nd: *s\n");
	const struct dw_yaml_node *root = dw_yaml_root(doc);

	(void)state;
	assert_ptr_equal(dw_yaml_get(root, "a"), dw_yaml_get(root, "b"));
	assert_string_equal(dw_yaml_get(root, "d")->text, "hello");
	/* a reused node keeps the position of its anchor */
	assert_int_equal(dw_yaml_get(root, "b")->line, 1);
	dw_yaml_free(doc);

	load_fails("a: *nope\n", "t.yaml:1:4: ", "alias '*nope' names no anchor");
	load_fails("a: &x [1, *x]\n", "t.yaml:1:11: ", "recursive alias '*x'");
	load_fails("a: &x {k: [*x]}\n", "t.yaml:1:12: ", "recursive alias");
	load_fails("a: &k [1]\n*k : 2\n", "t.yaml:2:1: ", "a mapping key must be a scalar");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_billion_laughs_fails_fast(void **state)
{
	static const char text[] =
	        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	double t0 = now();

	(void)state;
	load_fails_n(text, strlen(text), NULL, -E2BIG, "t.yaml:6:", "more than 100000 nodes");
	assert_true(now() - t0 < 0.5);
}

static void test_node_limit(void **state)
{
	struct dw_yaml_limits lim = { .max_nodes = 10 };
	struct dw_yaml_doc *doc = NULL;
	struct dw_error err;
	static const char nine[] = "[1, 2, 3, 4, 5, 6, 7, 8, 9]";

	(void)state;
	/* the sequence and its nine items are ten nodes */
	assert_int_equal(dw_yaml_load("t", nine, strlen(nine), &lim, &doc, &err), 0);
	dw_yaml_free(doc);
	load_fails_n("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", 31, &lim, -E2BIG,
	             "t.yaml:1:29: ", "more than 10 nodes");
	/* aliases count each time they are used */
	load_fails_n("[&a [1, 2, 3], *a, *a]", 22, &lim, -E2BIG, "t.yaml:1:20: ", "alias");
}

static void test_depth_limit(void **state)
{
	struct dw_buf b;
	size_t i;

	(void)state;
	dw_buf_init(&b, 4u << 20);
	for (i = 0; i < 64; i++)
		assert_int_equal(dw_buf_putc(&b, '['), 0);
	for (i = 0; i < 64; i++)
		assert_int_equal(dw_buf_putc(&b, ']'), 0);
	dw_yaml_free(load_ok(dw_buf_cstr(&b)));
	dw_buf_reset(&b);
	for (i = 0; i < 65; i++)
		assert_int_equal(dw_buf_putc(&b, '['), 0);
	load_fails_n(b.ptr, b.len, NULL, -E2BIG, "t.yaml:1:65: ", "nesting deeper than 64 levels");
	/* a million levels stop at the 65th, quickly */
	for (i = 0; i < 1000000; i++)
		assert_int_equal(dw_buf_putc(&b, '['), 0);
	load_fails_n(b.ptr, b.len, NULL, -E2BIG, "t.yaml:1:65: ", "nesting deeper");
	dw_buf_reset(&b);
	for (i = 0; i < 70; i++)
		assert_int_equal(dw_buf_printf(&b, "%*sk:\n", (int)(2 * i), ""), 0);
	load_fails_n(b.ptr, b.len, NULL, -E2BIG, "t.yaml:65:129: ", "nesting deeper");
	dw_buf_release(&b);
}

static void test_bad_utf8_position(void **state)
{
	(void)state;
	load_fails_n("a: b\nc: d\xff\n", 10, NULL, -EINVAL,
	             "t.yaml:2:5: ", "invalid leading UTF-8 octet (byte 0xFF)");
	/* columns count characters, not bytes */
	load_fails_n("a: \xc3\xa9\xc3\xa9\xc3\n", 10, NULL, -EINVAL,
	             "t.yaml:1:7: ", "invalid trailing UTF-8 octet (byte 0x0A)");
	load_fails_n("a:\n  \xc3\xa9\xc3", 8, NULL, -EINVAL,
	             "t.yaml:2:4: ", "incomplete UTF-8 octet sequence");
	load_fails_n("a: b\r\nc: \x01\r\n", 12, NULL, -EINVAL,
	             "t.yaml:2:4: ", "control characters are not allowed");
	load_fails_n("a: \"x\0y\"\n", 9, NULL, -EINVAL,
	             "t.yaml:1:6: ", "control characters are not allowed");
	/* UTF-16 is refused: the loader reads UTF-8 only */
	load_fails_n("\xff\xfe"
	             "a\0:\0 \0b\0",
	             10, NULL, -EINVAL, "t.yaml:1:1: ", "UTF-8");
}

static void test_nul_escape_rejected(void **state)
{
	(void)state;
	load_fails("a: ok\nb: \"x\\0y\"\n", "t.yaml:2:4: ", "a NUL character is not allowed");
}

static void test_syntax_errors_have_positions(void **state)
{
	(void)state;
	load_fails("a: [1, 2\n", "t.yaml:2:1: ", "did not find expected ',' or ']'");
	load_fails("a: 1\n b: 2\n", "t.yaml:2:3: ", "mapping values are not allowed");
	load_fails("a: 1\n\tb: 2\n", "t.yaml:2:1: ", "tab");
	load_fails("? [a]\n: b\n", "t.yaml:1:3: ", "a mapping key must be a scalar");
	load_fails("{[a]: b}\n", "t.yaml:1:2: ", "a mapping key must be a scalar");
	load_fails("%YAML 1.1\n---\na: 1\n", "t.yaml:1:1: ", "only YAML 1.2 is read");
}

static void test_version_12_directive_accepted(void **state)
{
	(void)state;
	dw_yaml_free(load_ok("%YAML 1.2\n---\na: 1\n"));
}

static void test_out_of_range_numbers(void **state)
{
	(void)state;
	load_fails("a: 9223372036854775808\n", "t.yaml:1:4: ", "out of range");
	load_fails("a: 0x8000000000000000\n", "t.yaml:1:4: ", "out of range");
	load_fails("a: 1e400\n", "t.yaml:1:4: ", "out of range");
}

static void test_typed_getters(void **state)
{
	struct dw_yaml_doc *doc = load_ok("s: text\ni: 12\nb: true\nf: 1.5\nv: 3.0\nm: {}\n");
	const struct dw_yaml_node *root = dw_yaml_root(doc), *n;
	struct dw_error err;
	const char *s;
	int64_t i;
	double d;
	bool b;
	char msg[512];

	(void)state;
	assert_int_equal(dw_yaml_string(dw_yaml_get(root, "s"), &s, NULL), 0);
	assert_string_equal(s, "text");
	assert_int_equal(dw_yaml_int(dw_yaml_get(root, "i"), &i, NULL), 0);
	assert_int_equal(i, 12);
	assert_int_equal(dw_yaml_bool(dw_yaml_get(root, "b"), &b, NULL), 0);
	assert_true(b);
	assert_int_equal(dw_yaml_number(dw_yaml_get(root, "i"), &d, NULL), 0);
	assert_true(d == 12.0);
	assert_int_equal(dw_yaml_number(dw_yaml_get(root, "f"), &d, NULL), 0);
	assert_true(d == 1.5);

	dw_error_clear(&err);
	assert_int_equal(dw_yaml_string(dw_yaml_get(root, "v"), &s, &err), -EINVAL);
	assert_string_equal(
	        dw_error_format(&err, msg, sizeof(msg)),
	        "t.yaml:5:4: expected a string, found a number (quote it if it is text)");
	dw_error_clear(&err);
	assert_int_equal(dw_yaml_bool(dw_yaml_get(root, "s"), &b, &err), -EINVAL);
	assert_string_equal(dw_error_format(&err, msg, sizeof(msg)),
	                    "t.yaml:1:4: expected a boolean, found a string");
	dw_error_clear(&err);
	assert_int_equal(dw_yaml_expect(dw_yaml_get(root, "m"), DW_YAML_SEQ, &err), -EINVAL);
	assert_string_equal(dw_error_format(&err, msg, sizeof(msg)),
	                    "t.yaml:6:4: expected a list, found a mapping");
	dw_error_clear(&err);
	assert_int_equal(dw_yaml_require(dw_yaml_get(root, "m"), "title", &n, &err), -ENOENT);
	assert_string_equal(dw_error_format(&err, msg, sizeof(msg)),
	                    "t.yaml:6:4: missing key 'title'");
	assert_int_equal(dw_yaml_require(root, "s", &n, NULL), 0);
	assert_ptr_equal(n, dw_yaml_get(root, "s"));
	dw_yaml_free(doc);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/dw-yaml-XXXXXX";
	struct dw_yaml_doc *doc = NULL;
	struct dw_error err;
	char msg[512];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a: [1]\nb: yes\n", 14), 14);
	close(fd);
	dw_error_clear(&err);
	assert_int_equal(dw_yaml_load_file(path, NULL, &doc, &err), -EINVAL);
	dw_error_format(&err, msg, sizeof(msg));
	assert_int_equal(strncmp(msg, path, strlen(path)), 0);
	assert_non_null(strstr(msg, ":2:4: ambiguous value 'yes'"));
	unlink(path);
	dw_error_clear(&err);
	assert_int_equal(dw_yaml_load_file(path, NULL, &doc, &err), -ENOENT);
	assert_non_null(strstr(dw_error_format(&err, msg, sizeof(msg)), "cannot open"));
	dw_error_clear(&err);
	assert_int_equal(dw_yaml_load_file("/tmp", NULL, &doc, &err), -EINVAL);
	assert_null(doc);
}

static void test_size_limit(void **state)
{
	struct dw_yaml_limits lim = { .max_bytes = 8 };

	(void)state;
	load_fails_n("a: 123456789\n", 13, &lim, -E2BIG, "t.yaml: ", "larger than 8 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_keeps_order_and_positions),
		cmocka_unit_test(test_core_schema_typing),
		cmocka_unit_test(test_nan),
		cmocka_unit_test(test_quoted_scalars_are_strings),
		cmocka_unit_test(test_yaml11_ambiguities_rejected),
		cmocka_unit_test(test_explicit_tags),
		cmocka_unit_test(test_bad_tags_rejected),
		cmocka_unit_test(test_duplicate_keys_name_both_lines),
		cmocka_unit_test(test_merge_keys_rejected),
		cmocka_unit_test(test_one_document_per_file),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_billion_laughs_fails_fast),
		cmocka_unit_test(test_node_limit),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_bad_utf8_position),
		cmocka_unit_test(test_nul_escape_rejected),
		cmocka_unit_test(test_syntax_errors_have_positions),
		cmocka_unit_test(test_version_12_directive_accepted),
		cmocka_unit_test(test_out_of_range_numbers),
		cmocka_unit_test(test_typed_getters),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_size_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
