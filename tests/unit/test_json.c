/*
 * The strict reader, the canonical writer (RFC 8785 vectors, the pretty
 * form), the tree and builder API, and UTF-16 key order.
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

/* The vendored reference data, tests/vectors in the source tree (DW_SOURCE_DIR, set by CTest). */
static const char *vectors(const char *rel, char *path, size_t size)
{
	const char *src = getenv("DW_SOURCE_DIR");

	snprintf(path, size, "%s/tests/vectors/%s", src ? src : ".", rel);
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *data;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

static struct dw_json_doc *parse_ok(const char *text, size_t len)
{
	struct dw_error err = { 0 };
	struct dw_json_doc *doc = NULL;

	if (dw_json_parse(text, len, "t.json", &doc, &err) < 0)
		fail_msg("unexpected error: %s at %u:%u", err.msg, err.line, err.col);
	return doc;
}

static char *canon(const struct dw_json *v, unsigned flags)
{
	struct dw_buf out;
	size_t len;
	char *s;

	dw_buf_init(&out, 1 << 26);
	assert_int_equal(dw_json_write(v, flags, &out, NULL), 0);
	s = dw_buf_detach(&out, &len);
	return s ? s : strdup("");
}

/* The compact form of @in, parsed from a C string. */
static char *canon_str(const char *in, unsigned flags)
{
	struct dw_json_doc *doc = parse_ok(in, strlen(in));
	char *s = canon(dw_json_root(doc), flags);

	dw_json_doc_free(doc);
	return s;
}

static void assert_compact(const char *in, const char *want)
{
	char *got = canon_str(in, DW_JSON_COMPACT);

	if (strcmp(got, want) != 0)
		fail_msg("%s gives %s, want %s", in, got, want);
	free(got);
}

/* Removes whitespace outside strings. */
static char *strip_ws(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	int in_string = 0;

	assert_non_null(out);
	for (; *s; s++) {
		if (in_string) {
			if (*s == '\\')
				*o++ = *s++;
			else if (*s == '"')
				in_string = 0;
		} else if (*s == '"') {
			in_string = 1;
		} else if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			continue;
		}
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* RFC 8785 vectors --------------------------------------------------------- */

static void rfc8785_vectors(void **state)
{
	static const char *const names[] = { "arrays",  "french", "structures",
		                             "unicode", "values", "weird" };
	char path[1024], rel[64];
	size_t i, inlen, wantlen;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(names); i++) {
		char *in, *want, *got, *pretty, *stripped;
		struct dw_json_doc *doc;

		snprintf(rel, sizeof(rel), "jcs/input/%s.json", names[i]);
		in = slurp(vectors(rel, path, sizeof(path)), &inlen);
		snprintf(rel, sizeof(rel), "jcs/output/%s.json", names[i]);
		want = slurp(vectors(rel, path, sizeof(path)), &wantlen);
		doc = parse_ok(in, inlen);
		got = canon(dw_json_root(doc), DW_JSON_COMPACT);
		if (strlen(got) != wantlen || memcmp(got, want, wantlen) != 0)
			fail_msg("%s: got %s\nwant %s", names[i], got, want);
		pretty = canon(dw_json_root(doc), DW_JSON_PRETTY);
		stripped = strip_ws(pretty);
		assert_string_equal(stripped, want);
		free(in), free(want), free(got), free(pretty), free(stripped);
		dw_json_doc_free(doc);
	}
}

/* Reader errors ------------------------------------------------------------ */

struct bad {
	const char *text;
	size_t len; /* 0: strlen */
	unsigned line, col;
	const char *msg; /* a part of the message */
};

static void each_kind_of_bad_input_is_an_error_at_line_col(void **state)
{
	static const struct bad cases[] = {
		{ "{\"a\":1,\n \"b\":2,\n \"a\":3}", 0, 3, 2, "duplicate key \"a\"" },
		{ "[\"\xff\"]", 0, 1, 3, "invalid UTF-8" },
		{ "[\"\xc0\xaf\"]", 0, 1, 3, "invalid UTF-8" },         /* overlong '/' */
		{ "[\"\xed\xa0\x80\"]", 0, 1, 3, "invalid UTF-8" },     /* a raw surrogate */
		{ "[\"\xf4\x90\x80\x80\"]", 0, 1, 3, "invalid UTF-8" }, /* beyond U+10FFFF */
		{ "[\"abc\xe2\x82\"]", 0, 1, 6, "invalid UTF-8" },      /* cut short */
		{ "{\"\xff\":1}", 0, 1, 3, "invalid UTF-8" },
		{ "[\"\\ud800\"]", 0, 1, 3, "lone surrogate" },
		{ "[\"x\\udc00\"]", 0, 1, 4, "lone surrogate" },
		{ "[\"\\ud800\\u0041\"]", 0, 1, 3, "lone surrogate" },
		{ "[NaN]", 0, 1, 2, "NaN" },
		{ "[1, Infinity]", 0, 1, 5, "Infinity" },
		{ "[-Infinity]", 0, 1, 2, "Infinity" },
		{ "[01]", 0, 1, 2, "leading zeros" },
		{ "[-012]", 0, 1, 3, "leading zeros" },
		{ "{\"a\": 1} {}", 0, 1, 10, "after the JSON value" },
		{ "[1]\n]", 0, 2, 1, "after the JSON value" },
		{ "1e400", 0, 1, 1, "out of range" },
		{ "[-1e400]", 0, 1, 2, "out of range" },
		{ "", 0, 1, 1, "empty" },
		{ "   ", 0, 1, 4, "empty" },
		{ "[1,]", 0, 1, 4, "trailing comma" },
		{ "{\"a\":1,}", 0, 1, 8, "trailing comma" },
		{ "{a:1}", 0, 1, 2, "string key" },
		{ "{\"a\" 1}", 0, 1, 6, "':'" },
		{ "[1 2]", 0, 1, 4, "','" },
		{ "[\"a\tb\"]", 0, 1, 4, "control character" },
		{ "[\"a\\x\"]", 0, 1, 4, "invalid escape" },
		{ "[\"\\u12G4\"]", 0, 1, 3, "four hex digits" },
		{ "[\"abc", 0, 1, 2, "unterminated" },
		{ "[1.]", 0, 1, 3, "decimal point" },
		{ "[1e+]", 0, 1, 3, "exponent" },
		{ "[.5]", 0, 1, 2, "unexpected character" },
		{ "[+1]", 0, 1, 2, "unexpected character" },
		{ "[tru]", 0, 1, 2, "'true'" },
		{ "[nul", 0, 1, 2, "'null'" },
		{ "[", 0, 1, 2, "end of input" },
		{ "[1,\n  2,\n  \"\xc3\xa9\", x]", 0, 3, 8, "unexpected character" },
		{ "[1]\0", 4, 1, 4, "after the JSON value" },
		{ "\"a\0b\"", 5, 1, 3, "control character" },
		{ "/* c */ 1", 0, 1, 1, "unexpected character" },
		{ "'a'", 0, 1, 1, "unexpected character" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(cases); i++) {
		const struct bad *c = &cases[i];
		struct dw_error err = { 0 };
		struct dw_json_doc *doc = (void *)1;
		size_t len = c->len ? c->len : strlen(c->text);
		char line[1024];

		if (dw_json_parse(c->text, len, "in.json", &doc, &err) != -EINVAL)
			fail_msg("case %zu (%s) was accepted", i, c->text);
		assert_null(doc);
		assert_int_equal(err.area, DW_AREA_JSON);
		if (err.line != c->line || err.col != c->col || !strstr(err.msg, c->msg))
			fail_msg("case %zu (%s): got %s", i, c->text,
			         dw_error_format(&err, line, sizeof(line)));
		assert_string_equal(err.file, "in.json");
	}
}

static void nesting_is_limited(void **state)
{
	char deep[2 * DW_JSON_MAX_DEPTH + 2];
	struct dw_error err = { 0 };
	struct dw_json_doc *doc;
	size_t n, d;

	(void)state;
	for (d = DW_JSON_MAX_DEPTH; d <= DW_JSON_MAX_DEPTH + 1; d++) {
		for (n = 0; n < d; n++)
			deep[n] = '[', deep[2 * d - 1 - n] = ']';
		n = 2 * d;
		if (d == DW_JSON_MAX_DEPTH) {
			assert_int_equal(dw_json_parse(deep, n, NULL, &doc, &err), 0);
			dw_json_doc_free(doc);
			continue;
		}
		assert_int_equal(dw_json_parse(deep, n, NULL, &doc, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "nesting deeper"));
		assert_int_equal(err.col, DW_JSON_MAX_DEPTH + 1);
	}
}

static void strings_with_nul_survive_whole(void **state)
{
	struct dw_json_doc *doc = parse_ok("{\"k\\u0000x\": \"a\\u0000b\"}", 24);
	const char *key, *s;
	size_t keylen, len;
	struct dw_json *v;
	char *out;

	(void)state;
	v = dw_json_member(dw_json_root(doc), 0, &key, &keylen);
	assert_int_equal(keylen, 3);
	assert_memory_equal(key, "k\0x", 3);
	s = dw_json_string(v, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\0b", 4);
	assert_null(dw_json_cstr(v));
	assert_null(dw_json_get(dw_json_root(doc), "k"));
	assert_ptr_equal(dw_json_getn(dw_json_root(doc), "k\0x", 3), v);
	out = canon(dw_json_root(doc), DW_JSON_COMPACT);
	assert_string_equal(out, "{\"k\\u0000x\":\"a\\u0000b\"}");
	free(out);
	dw_json_doc_free(doc);
}

static void escapes_decode_and_reencode_minimally(void **state)
{
	(void)state;
	assert_compact("\"\\u0041\\/\\b\\f\\n\\r\\t\\u001f\\u007f\\u00e9\\u2028\\ud83d\\ude02\"",
	               "\"A/\\b\\f\\n\\r\\t\\u001f\x7f\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x82\"");
	assert_compact("\"\\\"\\\\\"", "\"\\\"\\\\\"");
	assert_compact("\"\\uDBFF\\uDFFF\"", "\"\xf4\x8f\xbf\xbf\"");
	/* a byte order mark at the start is skipped (RFC 8259 section 8.1) */
	assert_compact("\xef\xbb\xbf[1]", "[1]");
}

static void keys_sort_by_utf16_code_units(void **state)
{
	/* U+E000 sorts after U+1F600 in UTF-16 (a surrogate pair starts D83D), before in UTF-8 */
	(void)state;
	assert_compact("{\"\xee\x80\x80\":1,\"\xf0\x9f\x98\x80\":2,\"\xed\x9f\xbf\":3,\"z\":4,"
	               "\"\":5,\"aa\":6,\"a\":7,\"\xef\xbf\xbd\":8}",
	               "{\"\":5,\"a\":7,\"aa\":6,\"z\":4,\"\xed\x9f\xbf\":3,\"\xf0\x9f\x98\x80\":2,"
	               "\"\xee\x80\x80\":1,\"\xef\xbf\xbd\":8}");
	assert_compact("{\"b\":{\"y\":1,\"x\":[3,{\"d\":1,\"c\":2}]},\"a\":null}",
	               "{\"a\":null,\"b\":{\"x\":[3,{\"c\":2,\"d\":1}],\"y\":1}}");
}

static void pretty_form(void **state)
{
	char *out;

	(void)state;
	out = canon_str("{\"b\":[1,{},[],{\"c\":\"x y\"}],\"a\":true,\"e\":{}}", DW_JSON_PRETTY);
	assert_string_equal(out, "{\n"
	                         "  \"a\": true,\n"
	                         "  \"b\": [\n"
	                         "    1,\n"
	                         "    {},\n"
	                         "    [],\n"
	                         "    {\n"
	                         "      \"c\": \"x y\"\n"
	                         "    }\n"
	                         "  ],\n"
	                         "  \"e\": {}\n"
	                         "}\n");
	free(out);
	out = canon_str(" 12 ", DW_JSON_PRETTY);
	assert_string_equal(out, "12\n");
	free(out);
	out = canon_str("[]", DW_JSON_PRETTY);
	assert_string_equal(out, "[]\n");
	free(out);
}

static void canonical_form_is_idempotent(void **state)
{
	const char *in = "{\"z\": [1.0, 2e1, -0, \"\\u00e9\"], \"a\": {\"k\": null}}";
	char *once = canon_str(in, DW_JSON_PRETTY), *twice = canon_str(once, DW_JSON_PRETTY);
	char *compact = canon_str(once, DW_JSON_COMPACT), *stripped = strip_ws(once);

	(void)state;
	assert_string_equal(once, twice);
	assert_string_equal(compact, stripped);
	assert_string_equal(compact, "{\"a\":{\"k\":null},\"z\":[1,20,0,\"\xc3\xa9\"]}");
	free(once), free(twice), free(compact), free(stripped);
}

static int collect_chunks(void *ctx, const char *data, size_t len)
{
	return dw_buf_put(ctx, data, len);
}

static void streaming_writer_matches_buffered(void **state)
{
	struct dw_json_doc *doc = dw_json_doc_new();
	struct dw_json *arr = dw_json_new_array(doc);
	struct dw_buf a, b;
	int i;

	(void)state;
	for (i = 0; i < 50000; i++)
		assert_int_equal(dw_json_array_append(doc, arr, dw_json_new_int64(doc, i)), 0);
	assert_int_equal(dw_json_set_root(doc, arr), 0);
	dw_buf_init(&a, 1 << 24);
	dw_buf_init(&b, 1 << 24);
	assert_int_equal(dw_json_write(arr, DW_JSON_PRETTY, &a, NULL), 0);
	assert_int_equal(dw_json_write_stream(arr, DW_JSON_PRETTY, collect_chunks, &b, NULL), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	/* a buffer too small for the output frees itself and says so */
	dw_buf_release(&a);
	dw_buf_init(&a, 100);
	assert_int_equal(dw_json_write(arr, DW_JSON_COMPACT, &a, NULL), -E2BIG);
	assert_null(a.ptr);
	dw_buf_release(&b);
	dw_json_doc_free(doc);
}

/* Tree, builder ------------------------------------------------------------ */

static void exact_case_sensitive_lookup(void **state)
{
	struct dw_json_doc *doc = parse_ok("{\"Id\":1,\"id\":2,\"ID\":3}", 22);
	struct dw_json *root = dw_json_root(doc);

	(void)state;
	assert_int_equal(dw_json_count(root), 3);
	assert_true(dw_json_number(dw_json_get(root, "id")) == 2);
	assert_true(dw_json_number(dw_json_get(root, "Id")) == 1);
	assert_true(dw_json_number(dw_json_get(root, "ID")) == 3);
	assert_null(dw_json_get(root, "iD"));
	assert_null(dw_json_get(dw_json_get(root, "id"), "x"));
	assert_int_equal(dw_json_type(dw_json_get(root, "id")), DW_JSON_NUMBER);
	assert_string_equal(dw_json_type_name(DW_JSON_TRUE), "boolean");
	dw_json_doc_free(doc);
}

static void graph_page_iteration(void **state)
{
	const char *page =
	        "{\"@odata.context\":\"x\",\"@odata.nextLink\":\"https://n/?$skiptoken=1\","
	        "\"value\":[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"}]}";
	struct dw_json_doc *doc = parse_ok(page, strlen(page));
	struct dw_json *value = dw_json_get(dw_json_root(doc), "value");
	size_t i;

	(void)state;
	assert_int_equal(dw_json_count(value), 3);
	for (i = 0; i < dw_json_count(value); i++)
		assert_int_equal(dw_json_cstr(dw_json_get(dw_json_at(value, i), "id"))[0],
		                 'a' + (int)i);
	assert_null(dw_json_at(value, 3));
	assert_string_equal(dw_json_cstr(dw_json_get(dw_json_root(doc), "@odata.nextLink")),
	                    "https://n/?$skiptoken=1");
	dw_json_doc_free(doc);
}

static void builder_makes_canonical_documents(void **state)
{
	struct dw_json_doc *doc = dw_json_doc_new();
	struct dw_json *root = dw_json_new_object(doc), *arr = dw_json_new_array(doc), *s;
	char *out;
	int r = 0;

	(void)state;
	r |= dw_json_set_root(doc, root);
	r |= dw_json_object_set(doc, root, "zeta", dw_json_new_number(doc, 0.1));
	r |= dw_json_object_set(doc, root, "alpha", arr);
	r |= dw_json_array_append(doc, arr, dw_json_new_cstr(doc, "x\"y"));
	r |= dw_json_array_append(doc, arr, dw_json_new_bool(doc, true));
	r |= dw_json_array_append(doc, arr, dw_json_new_null(doc));
	r |= dw_json_array_append(doc, arr, dw_json_new_int64(doc, INT64_MAX));
	r |= dw_json_object_set(doc, root, "mid", dw_json_new_string(doc, "a\0b", 3));
	r |= dw_json_object_set(doc, root, "zeta", dw_json_new_number(doc, -2.5)); /* replaces */
	assert_int_equal(r, 0);
	out = canon(root, DW_JSON_COMPACT);
	assert_string_equal(out, "{\"alpha\":[\"x\\\"y\",true,null,9223372036854775807],"
	                         "\"mid\":\"a\\u0000b\",\"zeta\":-2.5}");
	free(out);
	/* misuse is refused */
	assert_null(dw_json_new_string(doc, "\xff", 1));
	assert_null(dw_json_new_string(doc, "\xed\xa0\x80", 3));
	assert_null(dw_json_new_number(doc, 1.0 / 0.0));
	assert_int_equal(dw_json_object_set(doc, root, "x", NULL), -ENOMEM);
	assert_int_equal(dw_json_object_set(doc, root, "x", arr), -EINVAL); /* already placed */
	assert_int_equal(dw_json_array_append(doc, root, dw_json_new_null(doc)), -EINVAL);
	s = dw_json_new_null(doc);
	assert_int_equal(dw_json_object_setn(doc, root, "\xc0\x80", 2, s), -EINVAL);
	assert_int_equal(dw_json_count(root), 3);
	dw_json_doc_free(doc);
}

static void clone_copies_across_documents(void **state)
{
	const char *in = "{\"value\":[{\"id\":\"a\",\"n\":9007199254740993,\"s\":[\"\\u0000\"]}]}";
	struct dw_json_doc *page = parse_ok(in, strlen(in)), *one = dw_json_doc_new();
	struct dw_json *copy;
	char *out;

	(void)state;
	copy = dw_json_clone(one, dw_json_at(dw_json_get(dw_json_root(page), "value"), 0));
	assert_non_null(copy);
	assert_int_equal(dw_json_set_root(one, copy), 0);
	dw_json_doc_free(page);
	out = canon(dw_json_root(one), DW_JSON_COMPACT);
	assert_string_equal(out, "{\"id\":\"a\",\"n\":9007199254740993,\"s\":[\"\\u0000\"]}");
	free(out);
	dw_json_doc_free(one);
}

static void compare_is_a_total_order(void **state)
{
	const char *in =
	        "[null,false,true,-1,0,-0,2,9007199254740993,9007199254740992,\"b\",\"a\","
	        "\"\xee\x80\x80\",\"\xf0\x9f\x98\x80\",[],[1],[0,1],{},{\"a\":1},{\"a\":0}]";
	struct dw_json_doc *doc = parse_ok(in, strlen(in));
	struct dw_json *arr = dw_json_root(doc);
	size_t i, j;

	(void)state;
	for (i = 0; i < dw_json_count(arr); i++)
		for (j = 0; j < dw_json_count(arr); j++) {
			int a = dw_json_compare(dw_json_at(arr, i), dw_json_at(arr, j));
			int b = dw_json_compare(dw_json_at(arr, j), dw_json_at(arr, i));

			assert_true((a > 0) - (a < 0) == -((b > 0) - (b < 0)));
		}
	assert_int_equal(dw_json_compare(dw_json_at(arr, 4), dw_json_at(arr, 5)), 0); /* 0, -0 */
	assert_true(dw_json_compare(dw_json_at(arr, 7), dw_json_at(arr, 8)) > 0);
	assert_true(dw_json_compare(dw_json_at(arr, 11), dw_json_at(arr, 12)) > 0); /* UTF-16 */
	assert_true(dw_json_compare(dw_json_at(arr, 0), dw_json_at(arr, 1)) < 0);
	dw_json_doc_free(doc);
}

static void parse_buf_takes_the_buffer(void **state)
{
	struct dw_json_doc *doc;
	struct dw_buf b;

	(void)state;
	dw_buf_init_secret(&b, 1024);
	assert_int_equal(dw_buf_puts(&b, "{\"psk\":\"s3cret\"}"), 0);
	assert_int_equal(dw_json_parse_buf(&b, NULL, &doc, NULL), 0);
	assert_null(b.ptr);
	assert_string_equal(dw_json_cstr(dw_json_get(dw_json_root(doc), "psk")), "s3cret");
	dw_json_doc_free(doc);
	dw_buf_init(&b, 1024);
	assert_int_equal(dw_json_parse_buf(&b, NULL, &doc, NULL), -EINVAL); /* empty */
	assert_null(doc);
}

/*
 * A snapshot holds a document per object, most of a few hundred bytes: each
 * must cost about its text, not a 4 KiB first block (tests/bench/drift).
 */
static void small_documents_stay_small(void **state)
{
	static const char *const texts[] = {
		"{\"id\":\"00000001-0000-4000-8000-000000000001\",\"displayName\":\"Policy 1\","
		"\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"],"
		"\"excludeUsers\":[\"u2\"]},\"clientAppTypes\":[\"exchangeActiveSync\",\"other\"]},"
		"\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"block\",\"mfa\"]}}",
		"{\"id\":\"x\"}",
		"[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]",
	};
	struct dw_json_doc *doc;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		len = strlen(texts[i]);
		assert_int_equal(dw_json_parse(texts[i], len, NULL, &doc, NULL), 0);
		/* text, values and tables: about three times the text, and a little */
		assert_in_range(dw_json_doc_size(doc), len, 3 * len + 1024);
		dw_json_doc_free(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc8785_vectors),
		cmocka_unit_test(each_kind_of_bad_input_is_an_error_at_line_col),
		cmocka_unit_test(nesting_is_limited),
		cmocka_unit_test(strings_with_nul_survive_whole),
		cmocka_unit_test(escapes_decode_and_reencode_minimally),
		cmocka_unit_test(keys_sort_by_utf16_code_units),
		cmocka_unit_test(pretty_form),
		cmocka_unit_test(canonical_form_is_idempotent),
		cmocka_unit_test(streaming_writer_matches_buffered),
		cmocka_unit_test(exact_case_sensitive_lookup),
		cmocka_unit_test(graph_page_iteration),
		cmocka_unit_test(builder_makes_canonical_documents),
		cmocka_unit_test(clone_copies_across_documents),
		cmocka_unit_test(compare_is_a_total_order),
		cmocka_unit_test(parse_buf_takes_the_buffer),
		cmocka_unit_test(small_documents_stay_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
