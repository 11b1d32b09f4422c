/*
 * Round-trip properties on random documents: a random tree is written
 * canonically and also in a "noisy" non-canonical way (random member order,
 * whitespace, escapes and number spellings); reading either back must give
 * the same canonical bytes, the pretty form minus whitespace must equal the
 * compact form, and canonicalising twice must change nothing.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/json.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Du;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static size_t put_cp(char *o, unsigned cp)
{
	if (cp < 0x80)
		return o[0] = (char)cp, 1;
	if (cp < 0x800)
		return o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 63)), 2;
	if (cp < 0x10000)
		return o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | (cp >> 6 & 63)),
		       o[2] = (char)(0x80 | (cp & 63)), 3;
	o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | (cp >> 12 & 63));
	o[2] = (char)(0x80 | (cp >> 6 & 63)), o[3] = (char)(0x80 | (cp & 63));
	return 4;
}

static unsigned random_cp(void)
{
	static const unsigned picks[] = { 0,      '"',     '\\',    '/',     '\n',   0x1f,
		                          0x7f,   0xe9,    0x2028,  0xd7ff,  0xe000, 0xfeff,
		                          0xffff, 0x10000, 0x1f600, 0x10ffff };
	unsigned cp;

	switch (below(4)) {
	case 0:
		return picks[below(DW_ARRAY_SIZE(picks))];
	case 1:
		do
			cp = below(0x110000);
		while (cp >= 0xD800 && cp <= 0xDFFF);
		return cp;
	default:
		return 'a' + below(26);
	}
}

static size_t random_text(char *buf)
{
	unsigned n = below(8), i;
	size_t len = 0;

	for (i = 0; i < n; i++)
		len += put_cp(buf + len, random_cp());
	return len;
}

static double random_double(void)
{
	uint64_t bits;
	double d;

	switch (below(4)) {
	case 0:
		return (double)(int)below(2000) - 1000;
	case 1:
		return (double)below(100000) / 100;
	default:
		do {
			bits = rnd();
			memcpy(&d, &bits, sizeof(d));
		} while (!isfinite(d));
		return d;
	}
}

static struct dw_json *random_value(struct dw_json_doc *doc, int depth)
{
	char buf[64];
	struct dw_json *v;
	unsigned i, n;

	switch (below(depth > 4 ? 6 : 9)) {
	case 0:
		return dw_json_new_null(doc);
	case 1:
		return dw_json_new_bool(doc, below(2));
	case 2:
		return dw_json_new_number(doc, random_double());
	case 3:
		return dw_json_new_int64(doc, (int64_t)rnd());
	case 4:
	case 5:
		return dw_json_new_string(doc, buf, random_text(buf));
	case 6:
		v = dw_json_new_array(doc);
		for (i = 0, n = below(5); i < n; i++)
			assert_int_equal(dw_json_array_append(doc, v, random_value(doc, depth + 1)),
			                 0);
		return v;
	default:
		v = dw_json_new_object(doc);
		for (i = 0, n = below(6); i < n; i++) {
			size_t len = random_text(buf);

			assert_int_equal(
			        dw_json_object_setn(doc, v, buf, len, random_value(doc, depth + 1)),
			        0);
		}
		return v;
	}
}

/* The noisy writer --------------------------------------------------------- */

static void noise(struct dw_buf *b)
{
	static const char *const ws[] = { "", "", " ", "\n", "\t", "\r\n  " };

	assert_int_equal(dw_buf_puts(b, ws[below(DW_ARRAY_SIZE(ws))]), 0);
}

static void noisy_string(struct dw_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;
	int r = dw_buf_putc(b, '"');

	for (i = 0; i < len && r == 0; i++) {
		if (p[i] < 0x20 || p[i] == '"' || p[i] == '\\' || (p[i] < 0x80 && below(8) == 0))
			r = dw_buf_printf(b, below(2) ? "\\u%04x" : "\\u%04X", p[i]);
		else if (p[i] == '/' && below(2))
			r = dw_buf_puts(b, "\\/");
		else if (p[i] >= 0xF0 && below(2)) { /* a surrogate pair escape */
			unsigned cp = (p[i] & 7u) << 18 | (p[i + 1] & 63u) << 12 |
			              (p[i + 2] & 63u) << 6 | (p[i + 3] & 63u);

			cp -= 0x10000;
			r = dw_buf_printf(b, "\\u%04x\\u%04x", 0xD800 + (cp >> 10),
			                  0xDC00 + (cp & 0x3FF));
			i += 3;
		} else
			r = dw_buf_putc(b, (char)p[i]);
	}
	assert_int_equal(r, 0);
	assert_int_equal(dw_buf_putc(b, '"'), 0);
}

static void noisy_number(struct dw_buf *b, const struct dw_json *v)
{
	char canon[DW_JSON_NUMBER_MAX];
	struct dw_buf tmp;
	double d = dw_json_number(v);
	int64_t i;

	/* a kept big integer has exactly one spelling */
	if (dw_json_int64(v, &i) == 0 && (i > (1LL << 53) || i < -(1LL << 53))) {
		dw_buf_init(&tmp, 64);
		assert_int_equal(dw_json_write(v, DW_JSON_COMPACT, &tmp, NULL), 0);
		assert_int_equal(dw_buf_puts(b, dw_buf_cstr(&tmp)), 0);
		dw_buf_release(&tmp);
		return;
	}
	switch (below(3)) {
	case 0:
		assert_int_equal(dw_buf_printf(b, "%.17g", d), 0);
		break;
	case 1:
		assert_int_equal(dw_buf_printf(b, "%.20E", d), 0);
		break;
	default:
		assert_true(dw_json_format_double(d, canon) > 0);
		assert_int_equal(dw_buf_puts(b, canon), 0);
	}
}

static void noisy(struct dw_buf *b, const struct dw_json *v)
{
	const char *key;
	size_t i, n = dw_json_count(v), keylen, start;

	noise(b);
	switch (dw_json_type(v)) {
	case DW_JSON_NULL:
		assert_int_equal(dw_buf_puts(b, "null"), 0);
		break;
	case DW_JSON_FALSE:
		assert_int_equal(dw_buf_puts(b, "false"), 0);
		break;
	case DW_JSON_TRUE:
		assert_int_equal(dw_buf_puts(b, "true"), 0);
		break;
	case DW_JSON_NUMBER:
		noisy_number(b, v);
		break;
	case DW_JSON_STRING:
		key = dw_json_string(v, &keylen);
		noisy_string(b, key, keylen);
		break;
	case DW_JSON_ARRAY:
		assert_int_equal(dw_buf_putc(b, '['), 0);
		for (i = 0; i < n; i++) {
			if (i)
				assert_int_equal(dw_buf_putc(b, ','), 0);
			noisy(b, dw_json_at(v, i));
		}
		noise(b);
		assert_int_equal(dw_buf_putc(b, ']'), 0);
		break;
	case DW_JSON_OBJECT:
		assert_int_equal(dw_buf_putc(b, '{'), 0);
		start = n ? below((unsigned)n) : 0; /* rotate: not in canonical order */
		for (i = 0; i < n; i++) {
			struct dw_json *m = dw_json_member(v, (start + i) % n, &key, &keylen);

			if (i)
				assert_int_equal(dw_buf_putc(b, ','), 0);
			noise(b);
			noisy_string(b, key, keylen);
			noise(b);
			assert_int_equal(dw_buf_putc(b, ':'), 0);
			noisy(b, m);
		}
		noise(b);
		assert_int_equal(dw_buf_putc(b, '}'), 0);
		break;
	}
	noise(b);
}

/* The checks --------------------------------------------------------------- */

static void write_to(const struct dw_json *v, unsigned flags, struct dw_buf *out)
{
	dw_buf_reset(out);
	assert_int_equal(dw_json_write(v, flags, out, NULL), 0);
}

static struct dw_json_doc *reparse(const struct dw_buf *text)
{
	struct dw_error err = { 0 };
	struct dw_json_doc *doc;

	if (dw_json_parse(text->ptr, text->len, "random", &doc, &err) < 0)
		fail_msg("%s at %u:%u in %s", err.msg, err.line, err.col, text->ptr);
	return doc;
}

static void strip(struct dw_buf *pretty)
{
	char *p = pretty->ptr, *o = p;
	int in_string = 0;

	for (; p < pretty->ptr + pretty->len; p++) {
		if (in_string && *p == '\\') {
			*o++ = *p++;
		} else if (*p == '"') {
			in_string = !in_string;
		} else if (!in_string && (*p == ' ' || *p == '\n')) {
			continue;
		}
		*o++ = *p;
	}
	dw_buf_truncate(pretty, (size_t)(o - pretty->ptr));
}

static void check_one(struct dw_json *tree, struct dw_buf *compact, struct dw_buf *other)
{
	struct dw_json_doc *back;

	write_to(tree, DW_JSON_COMPACT, compact);
	/* pretty minus whitespace is compact */
	write_to(tree, DW_JSON_PRETTY, other);
	assert_int_equal(other->ptr[other->len - 1], '\n');
	back = reparse(other);
	strip(other);
	assert_string_equal(other->ptr, compact->ptr);
	/* the pretty form reads back to the same value */
	assert_int_equal(dw_json_compare(dw_json_root(back), tree), 0);
	dw_json_doc_free(back);
	/* the compact form reads back to itself */
	back = reparse(compact);
	write_to(dw_json_root(back), DW_JSON_COMPACT, other);
	assert_string_equal(other->ptr, compact->ptr);
	dw_json_doc_free(back);
	/* any spelling of the same document canonicalises the same */
	dw_buf_reset(other);
	noisy(other, tree);
	back = reparse(other);
	write_to(dw_json_root(back), DW_JSON_COMPACT, other);
	if (strcmp(other->ptr, compact->ptr) != 0)
		fail_msg("noisy spelling gives\n%s (%zu)\nwant\n%s (%zu)", other->ptr, other->len,
		         compact->ptr, compact->len);
	dw_json_doc_free(back);
}

static void random_documents_round_trip(void **state)
{
	struct dw_buf compact, other;
	int i;

	(void)state;
	dw_buf_init(&compact, 1 << 24);
	dw_buf_init(&other, 1 << 24);
	for (i = 0; i < 3000; i++) {
		struct dw_json_doc *doc = dw_json_doc_new();
		struct dw_json *tree = random_value(doc, 0);

		assert_non_null(tree);
		assert_int_equal(dw_json_set_root(doc, tree), 0);
		check_one(tree, &compact, &other);
		dw_json_doc_free(doc);
	}
	dw_buf_release(&compact);
	dw_buf_release(&other);
}

/* Random bytes are either refused with a position, or canonicalise stably. */
static void random_bytes_never_crash(void **state)
{
	static const char alphabet[] = "{}[]\",:0123456789-+.eE \\u\nntrufalsd\x80\xc3\xa9";
	struct dw_buf compact, other, in;
	int i, accepted = 0;

	(void)state;
	dw_buf_init(&compact, 1 << 20);
	dw_buf_init(&other, 1 << 20);
	dw_buf_init(&in, 1 << 20);
	for (i = 0; i < 100000; i++) {
		struct dw_error err = { 0 };
		struct dw_json_doc *doc;
		unsigned n = below(12), j;

		dw_buf_reset(&in);
		for (j = 0; j < n; j++)
			assert_int_equal(dw_buf_putc(&in, alphabet[below(sizeof(alphabet) - 1)]),
			                 0);
		if (dw_json_parse(in.ptr ? in.ptr : "", in.len, NULL, &doc, &err) < 0) {
			assert_true(err.line >= 1 && err.col >= 1);
			continue;
		}
		accepted++;
		check_one(dw_json_root(doc), &compact, &other);
		dw_json_doc_free(doc);
	}
	assert_true(accepted > 100);
	dw_buf_release(&compact);
	dw_buf_release(&other);
	dw_buf_release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_documents_round_trip),
		cmocka_unit_test(random_bytes_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
