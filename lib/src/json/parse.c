/*
 * The strict reader: RFC 8259 with nothing tolerated. Invalid UTF-8, lone
 * surrogates (raw or escaped), unescaped control characters, duplicate keys,
 * NaN/Infinity, leading zeros, numbers out of a double's range, trailing data
 * and nesting deeper than DW_JSON_MAX_DEPTH are errors at line:col.
 *
 * The document owns a copy of the text. A string without escapes is not
 * copied: its closing quote is overwritten with a NUL and the value points
 * into the text. Only strings with escapes are decoded into the arena. (The
 * quote-to-NUL change keeps the line:col of later errors right: it touches no
 * newline and no UTF-8 sequence.)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "json/internal.h"

struct pmember {
	const char *key;
	uint32_t keylen;
	size_t off; /* of the key in the text, for a duplicate's error */
	struct dw_json *value;
};

struct parser {
	char *text, *p, *end; /* the text is the document's own, and writable */
	const char *name;
	struct dw_json_doc *doc;
	struct dw_error *err;
	int rc; /* the first failure's code: values come back as NULL, which can't say */
	int depth;
	struct pmember *members;
	size_t nmembers, capmembers;
	struct dw_json **items;
	size_t nitems, capitems;
};

/* 1 for the bytes a string scan stops at: '"', '\\', controls and non-ASCII. */
/* clang-format off */
static const unsigned char special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* a0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* b0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* c0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* d0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* e0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* f0 */
};
/* clang-format on */

static int fail(struct parser *P, const char *at, const char *fmt, ...) DW_PRINTF(3, 4);

static int fail(struct parser *P, const char *at, const char *fmt, ...)
{
	char msg[DW_ERROR_MSG_MAX];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dw_json__text_position(P->text, (size_t)(P->end - P->text), (size_t)(at - P->text), &line,
	                       &col);
	if (!P->rc)
		P->rc = -EINVAL;
	return dw_error_at(P->err, -EINVAL, DW_AREA_JSON, P->name, line, col, "%s", msg);
}

static int nomem(struct parser *P)
{
	if (!P->rc)
		P->rc = -ENOMEM;
	return dw_error_set(P->err, -ENOMEM, DW_AREA_JSON, ENOMEM, "out of memory");
}

/* Shows a key or a character in a message: printable ASCII, the rest as '?', at most 60. */
static const char *shown(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 4 < outlen && n < 60; i++)
		out[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < len)
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = '\0';
	return out;
}

static void skip_ws(struct parser *P)
{
	char *p = P->p;

	while (p < P->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	P->p = p;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0, i, d;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes the \u escape at @p (6 bytes, 12 for a surrogate pair) into @o. */
static int unicode_escape(struct parser *P, const char **pp, char **oo)
{
	const char *p = *pp;
	unsigned cp, lo;

	if (P->end - p < 6 || hex4(p + 2, &cp) < 0)
		return fail(P, p, "invalid \\u escape: four hex digits must follow");
	p += 6;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(P, p - 6, "lone surrogate \\u%04X: a low surrogate without a high one",
		            cp);
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (P->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 ||
		    lo < 0xDC00 || lo > 0xDFFF)
			return fail(P, p - 6,
			            "lone surrogate \\u%04X: a high surrogate must be followed by "
			            "a low one",
			            cp);
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		p += 6;
	}
	*oo += put_utf8(*oo, cp);
	*pp = p;
	return 0;
}

static int escape(struct parser *P, const char **pp, char **oo)
{
	const char *p = *pp;
	char c;

	if (p + 1 >= P->end)
		return fail(P, p, "unterminated string");
	switch (p[1]) {
	case '"':
		c = '"';
		break;
	case '\\':
		c = '\\';
		break;
	case '/':
		c = '/';
		break;
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	case 'u':
		return unicode_escape(P, pp, oo);
	default:
		return fail(P, p, "invalid escape '\\%c'", p[1] > 0x20 && p[1] < 0x7f ? p[1] : '?');
	}
	*(*oo)++ = c;
	*pp = p + 2;
	return 0;
}

/* Checks the raw (non-escape) byte at @p of a string; returns its UTF-8 length, 0 on error. */
static size_t raw_char(struct parser *P, const char *p)
{
	unsigned char c = (unsigned char)*p;
	size_t n;

	if (c < 0x20) {
		fail(P, p, "control character U+%04X in a string must be escaped", c);
		return 0;
	}
	n = dw_json__utf8_seq((const unsigned char *)p, (size_t)(P->end - p));
	if (!n)
		fail(P, p, "invalid UTF-8 in a string");
	return n;
}

/* A string with escapes: decoded into the arena (never longer than its source). */
static int decode_string(struct parser *P, const char *start, const char *p, const char **out,
                         uint32_t *outlen)
{
	const char *q = p;
	char *buf, *o;
	size_t n;
	int r;

	while (q < P->end && *q != '"')
		q += *q == '\\' ? 2 : 1;
	if (q >= P->end)
		return fail(P, start - 1, "unterminated string");
	buf = dw_json__arena_alloc(&P->doc->arena, (size_t)(q - start) + 1);
	if (!buf)
		return nomem(P);
	memcpy(buf, start, (size_t)(p - start));
	o = buf + (p - start);
	while (*p != '"') {
		if (*p == '\\') {
			if ((r = escape(P, &p, &o)) < 0)
				return r;
			continue;
		}
		if (!(n = raw_char(P, p)))
			return -EINVAL;
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	*out = buf;
	*outlen = (uint32_t)(o - buf);
	P->p += p + 1 - P->p;
	return 0;
}

/* The string at P->p (its opening quote). */
static int parse_string(struct parser *P, const char **out, uint32_t *outlen)
{
	char *start = P->p + 1, *p = start;
	size_t n;

	for (;;) {
		while (p < P->end && !special[(unsigned char)*p])
			p++;
		if (p >= P->end)
			return fail(P, start - 1, "unterminated string");
		if (*p == '"')
			break;
		if (*p == '\\')
			return decode_string(P, start, p, out, outlen);
		if (!(n = raw_char(P, p)))
			return -EINVAL;
		p += n;
	}
	*p = '\0'; /* the text is ours: the quote becomes the terminator */
	*out = start;
	*outlen = (uint32_t)(p - start);
	P->p = p + 1;
	return 0;
}

static const char *digits(const char *p, const char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

static struct dw_json *parse_number(struct parser *P)
{
	const char *start = P->p, *p = start, *end = P->end;
	struct dw_json *v;
	bool keep;
	double d;
	int r;

	if (*p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9') {
		if (p < end && *p == 'I')
			fail(P, start, "Infinity is not a JSON number");
		else
			fail(P, start, "'-' must be followed by a digit");
		return NULL;
	}
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
		fail(P, p, "leading zeros are not allowed in numbers");
		return NULL;
	}
	p = digits(p, end);
	if (p < end && *p == '.') {
		if (digits(p + 1, end) == p + 1) {
			fail(P, p, "a digit must follow the decimal point");
			return NULL;
		}
		p = digits(p + 1, end);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *e = p + 1;

		if (e < end && (*e == '+' || *e == '-'))
			e++;
		if (digits(e, end) == e) {
			fail(P, p, "the exponent has no digits");
			return NULL;
		}
		p = digits(e, end);
	}
	r = dw_json__number_from_text(start, (size_t)(p - start), &d, &keep);
	if (r < 0) {
		if (r == -ENOMEM)
			nomem(P);
		else
			fail(P, start, "number out of range: %.40s%s", start,
			     p - start > 40 ? "..." : "");
		return NULL;
	}
	if (!(v = dw_json__alloc(P->doc, DW_JSON_NUMBER))) {
		nomem(P);
		return NULL;
	}
	v->u.num = d;
	if (keep) {
		struct dw_json_bignum *big = dw_json__arena_alloc(&P->doc->arena, sizeof(*big));

		if (!big) {
			nomem(P);
			return NULL;
		}
		big->num = d;
		big->text = start;
		v->flags |= DW_JSON_F_TEXT;
		v->u.big = big;
		v->len = (uint32_t)(p - start);
	}
	P->p += p - start;
	return v;
}

static struct dw_json *parse_value(struct parser *P);

/* Room for one more on a stack: 256 entries at first, enough for most Graph pages. */
static size_t stack_need(size_t n)
{
	return n < 256 ? 256 : n + 1;
}

static int push_item(struct parser *P, struct dw_json *v)
{
	if (DW_ARRAY_GROW(P->items, P->capitems, stack_need(P->nitems)) < 0)
		return nomem(P);
	P->items[P->nitems++] = v;
	return 0;
}

static int push_member(struct parser *P, const struct pmember *m)
{
	if (DW_ARRAY_GROW(P->members, P->capmembers, stack_need(P->nmembers)) < 0)
		return nomem(P);
	P->members[P->nmembers++] = *m;
	return 0;
}

static int enter(struct parser *P)
{
	if (++P->depth > DW_JSON_MAX_DEPTH)
		return fail(P, P->p, "nesting deeper than %d arrays and objects",
		            DW_JSON_MAX_DEPTH);
	return 0;
}

static struct dw_json *finish_array(struct parser *P, size_t base)
{
	struct dw_json *v = dw_json__alloc(P->doc, DW_JSON_ARRAY);
	size_t n = P->nitems - base;

	if (!v ||
	    (n && !(v->u.items = dw_json__arena_alloc(&P->doc->arena, n * sizeof(*v->u.items))))) {
		nomem(P);
		return NULL;
	}
	if (n)
		memcpy(v->u.items, P->items + base, n * sizeof(*v->u.items));
	v->len = (uint32_t)n;
	v->flags |= DW_JSON_F_EXACT;
	P->nitems = base;
	P->depth--;
	return v;
}

static struct dw_json *parse_array(struct parser *P)
{
	size_t base = P->nitems;
	struct dw_json *item;

	if (enter(P) < 0)
		return NULL;
	P->p++;
	skip_ws(P);
	if (P->p < P->end && *P->p == ']') {
		P->p++;
		return finish_array(P, base);
	}
	for (;;) {
		if (!(item = parse_value(P)) || push_item(P, item) < 0)
			return NULL;
		skip_ws(P);
		if (P->p < P->end && *P->p == ']')
			break;
		if (P->p >= P->end || *P->p != ',') {
			fail(P, P->p, "expected ',' or ']' in an array");
			return NULL;
		}
		P->p++;
		skip_ws(P);
		if (P->p < P->end && *P->p == ']') {
			fail(P, P->p, "trailing comma in an array");
			return NULL;
		}
	}
	P->p++;
	return finish_array(P, base);
}

static int pmember_cmp(const void *a, const void *b)
{
	const struct pmember *x = a, *y = b;

	return dw_json__utf16_cmp(x->key, x->keylen, y->key, y->keylen);
}

static void sort_members(struct pmember *m, size_t n)
{
	size_t i, j;

	if (n > 16) {
		qsort(m, n, sizeof(*m), pmember_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		struct pmember t = m[i];

		for (j = i; j > 0 && pmember_cmp(&m[j - 1], &t) > 0; j--)
			m[j] = m[j - 1];
		m[j] = t;
	}
}

static struct dw_json *finish_object(struct parser *P, size_t base)
{
	size_t n = P->nmembers - base, i;
	struct pmember *m = n ? P->members + base : NULL;
	struct dw_json *v;
	char key[80];

	sort_members(m, n);
	for (i = 1; i < n; i++) {
		if (pmember_cmp(&m[i - 1], &m[i]) == 0) {
			size_t later = m[i].off > m[i - 1].off ? i : i - 1;

			fail(P, P->text + m[later].off, "duplicate key \"%s\"",
			     shown(m[i].key, m[i].keylen, key, sizeof(key)));
			return NULL;
		}
	}
	v = dw_json__alloc(P->doc, DW_JSON_OBJECT);
	if (!v || (n && !(v->u.members = dw_json__arena_alloc(&P->doc->arena,
	                                                      n * sizeof(*v->u.members))))) {
		nomem(P);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		v->u.members[i].key = m[i].key;
		v->u.members[i].keylen = m[i].keylen;
		v->u.members[i].value = m[i].value;
	}
	v->len = (uint32_t)n;
	v->flags |= DW_JSON_F_EXACT;
	P->nmembers = base;
	P->depth--;
	return v;
}

static int parse_member(struct parser *P)
{
	struct pmember m = { .off = (size_t)(P->p - P->text) };

	if (P->p >= P->end || *P->p != '"')
		return fail(P, P->p, "expected a string key in an object");
	if (parse_string(P, &m.key, &m.keylen) < 0)
		return -EINVAL;
	skip_ws(P);
	if (P->p >= P->end || *P->p != ':')
		return fail(P, P->p, "expected ':' after a key");
	P->p++;
	skip_ws(P);
	if (!(m.value = parse_value(P)))
		return -EINVAL;
	return push_member(P, &m);
}

static struct dw_json *parse_object(struct parser *P)
{
	size_t base = P->nmembers;

	if (enter(P) < 0)
		return NULL;
	P->p++;
	skip_ws(P);
	if (P->p < P->end && *P->p == '}') {
		P->p++;
		return finish_object(P, base);
	}
	for (;;) {
		if (parse_member(P) < 0)
			return NULL;
		skip_ws(P);
		if (P->p < P->end && *P->p == '}')
			break;
		if (P->p >= P->end || *P->p != ',') {
			fail(P, P->p, "expected ',' or '}' in an object");
			return NULL;
		}
		P->p++;
		skip_ws(P);
		if (P->p < P->end && *P->p == '}') {
			fail(P, P->p, "trailing comma in an object");
			return NULL;
		}
	}
	P->p++;
	return finish_object(P, base);
}

static struct dw_json *parse_literal(struct parser *P, const char *word, enum dw_json_type type)
{
	size_t n = strlen(word);
	struct dw_json *v;

	if ((size_t)(P->end - P->p) < n || memcmp(P->p, word, n) != 0) {
		fail(P, P->p, "invalid literal: expected '%s'", word);
		return NULL;
	}
	P->p += n;
	if (!(v = dw_json__alloc(P->doc, type)))
		nomem(P);
	return v;
}

static struct dw_json *parse_string_value(struct parser *P)
{
	struct dw_json *v;
	const char *s;
	uint32_t len;

	if (parse_string(P, &s, &len) < 0)
		return NULL;
	if (!(v = dw_json__alloc(P->doc, DW_JSON_STRING))) {
		nomem(P);
		return NULL;
	}
	v->u.str = s;
	v->len = len;
	return v;
}

static struct dw_json *parse_value(struct parser *P)
{
	char c[8];

	if (P->p >= P->end) {
		fail(P, P->p, "unexpected end of input: expected a value");
		return NULL;
	}
	switch (*P->p) {
	case '{':
		return parse_object(P);
	case '[':
		return parse_array(P);
	case '"':
		return parse_string_value(P);
	case 't':
		return parse_literal(P, "true", DW_JSON_TRUE);
	case 'f':
		return parse_literal(P, "false", DW_JSON_FALSE);
	case 'n':
		return parse_literal(P, "null", DW_JSON_NULL);
	case '-':
		return parse_number(P);
	case 'N':
	case 'I':
		if (!strncmp(P->p, "NaN", 3) || !strncmp(P->p, "Infinity", 8)) {
			fail(P, P->p, "NaN and Infinity are not JSON numbers");
			return NULL;
		}
		break;
	default:
		if (*P->p >= '0' && *P->p <= '9')
			return parse_number(P);
		break;
	}
	fail(P, P->p, "unexpected character '%s': expected a value",
	     shown(P->p, (size_t)(P->end - P->p) > 0 ? 1 : 0, c, sizeof(c)));
	return NULL;
}

static int parse_text(struct parser *P)
{
	struct dw_json *root;

	/* a UTF-8 byte order mark may be ignored (RFC 8259 section 8.1) */
	if (P->end - P->p >= 3 && !memcmp(P->p, "\xEF\xBB\xBF", 3))
		P->p += 3;
	skip_ws(P);
	if (P->p >= P->end)
		return fail(P, P->p, "empty input: expected a JSON value");
	if (!(root = parse_value(P)))
		return P->rc ? P->rc : -EINVAL;
	skip_ws(P);
	if (P->p < P->end)
		return fail(P, P->p, "unexpected data after the JSON value");
	root->flags |= DW_JSON_F_PLACED;
	P->doc->root = root;
	return 0;
}

/*
 * A snapshot holds a document per object, most of a few hundred bytes, and
 * the arena's default first block (4 KiB) was most of their memory. For a
 * text this small, one quick pass says about what parsing it will take, and
 * the first block is made that size: 16 bytes a value, 24 for each member's
 * slot in its object's table and 8 for each element's in its array's, and,
 * whole, each string with an escape (decoded into the arena). Larger texts
 * grow their blocks by doubling, as before.
 */
#define SMALL_TEXT (64u << 10)

static size_t arena_need(const char *s, size_t len)
{
	size_t i, values = 1, members = 0, decoded = 0, start = 0;
	bool in = false, esc = false;

	for (i = 0; i < len; i++) {
		if (!in) {
			values += s[i] == ',' || s[i] == '[' || s[i] == '{';
			members += s[i] == ':';
			if (s[i] == '"') {
				in = true;
				esc = false;
				start = i;
			}
		} else if (s[i] == '\\') {
			esc = true;
			i++;
		} else if (s[i] == '"') {
			in = false;
			decoded += esc ? i - start + 8 : 0;
		}
	}
	/* every value but the root is a member or an element */
	return 16 * values + 24 * members + 8 * (values - 1 - (members < values ? members : 0)) +
	       decoded + 64;
}

/* Parses the text @text (len bytes plus a NUL) that the new document takes over. */
static int parse_owned(char *text, size_t len, bool wipe, const char *name,
                       struct dw_json_doc **out, struct dw_error *err)
{
	struct parser P = { .text = text, .p = text, .end = text + len, .err = err };
	int r;

	*out = NULL;
	P.name = name ? name : "<json>";
	P.doc = dw_json_doc_new();
	if (!P.doc) {
		if (wipe)
			dw_wipe(text, len);
		free(text);
		return dw_error_set(err, -ENOMEM, DW_AREA_JSON, ENOMEM, "out of memory");
	}
	P.doc->arena.wipe = wipe;
	if (len <= SMALL_TEXT)
		dw_json__arena_expect(&P.doc->arena, arena_need(text, len));
	P.doc->input = text;
	P.doc->input_len = len;
	r = parse_text(&P);
	free(P.items);
	free(P.members);
	if (r < 0) {
		/* an error set by a lower layer without a position (out of memory) */
		dw_json_doc_free(P.doc);
		return r;
	}
	*out = P.doc;
	return 0;
}

int dw_json_parse(const char *data, size_t len, const char *name, struct dw_json_doc **out,
                  struct dw_error *err)
{
	char *copy;

	*out = NULL;
	if (len > DW_JSON_MAX_INPUT)
		return dw_error_set(err, -E2BIG, DW_AREA_JSON, 0, "%s: JSON text over %zu bytes",
		                    name ? name : "<json>", (size_t)DW_JSON_MAX_INPUT);
	copy = malloc(len + 1);
	if (!copy)
		return dw_error_set(err, -ENOMEM, DW_AREA_JSON, ENOMEM, "out of memory");
	if (len)
		memcpy(copy, data, len);
	copy[len] = '\0';
	return parse_owned(copy, len, false, name, out, err);
}

int dw_json_parse_buf(struct dw_buf *in, const char *name, struct dw_json_doc **out,
                      struct dw_error *err)
{
	size_t len = 0;
	bool wipe;
	char *text;
	int r;

	*out = NULL;
	if (in->len > DW_JSON_MAX_INPUT) {
		dw_buf_release(in);
		return dw_error_set(err, -E2BIG, DW_AREA_JSON, 0, "%s: JSON text over %zu bytes",
		                    name ? name : "<json>", (size_t)DW_JSON_MAX_INPUT);
	}
	wipe = in->secret;
	text = dw_buf_detach(in, &len);
	if (!text && !(text = calloc(1, 1)))
		return dw_error_set(err, -ENOMEM, DW_AREA_JSON, ENOMEM, "out of memory");
	r = parse_owned(text, len, wipe, name, out, err);
	return r;
}
