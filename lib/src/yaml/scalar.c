/*
 * Typing of scalars: the YAML 1.2 core schema, plus the refusal of plain
 * scalars that a YAML 1.1 reader would type otherwise (yes/no, 0755, 1:20).
 * A baseline is read by people and by other tools: a value that means one
 * thing here and another in PyYAML must be quoted, not guessed.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yaml/internal.h"

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_odigit(char c)
{
	return c >= '0' && c <= '7';
}

static int is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static const char *skip_sign(const char *s)
{
	return (*s == '-' || *s == '+') ? s + 1 : s;
}

/* At least one character of @p from @s; returns the end. */
static const char *span(const char *s, int (*p)(char))
{
	while (*s && p(*s))
		s++;
	return s;
}

static int is_one_of(const char *s, const char *const *words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	return 0;
}

static int core_null(const char *s)
{
	static const char *const words[] = { "", "~", "null", "Null", "NULL" };

	return is_one_of(s, words, DW_ARRAY_SIZE(words));
}

/* 1: true, 0: false, -1: not a core boolean. */
static int core_bool(const char *s)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };

	if (is_one_of(s, yes, DW_ARRAY_SIZE(yes)))
		return 1;
	if (is_one_of(s, no, DW_ARRAY_SIZE(no)))
		return 0;
	return -1;
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+: returns the base, or 0. */
static int core_int_base(const char *s)
{
	const char *d = skip_sign(s);
	const char *end;

	if (d == s && d[0] == '0' && d[1] == 'o') {
		end = span(d + 2, is_odigit);
		return end > d + 2 && !*end ? 8 : 0;
	}
	if (d == s && d[0] == '0' && d[1] == 'x') {
		end = span(d + 2, is_xdigit);
		return end > d + 2 && !*end ? 16 : 0;
	}
	end = span(d, is_digit);
	return end > d && !*end ? 10 : 0;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int core_float_number(const char *s)
{
	const char *p = skip_sign(s), *q;

	if (*p == '.') {
		q = span(p + 1, is_digit);
		if (q == p + 1)
			return 0;
	} else {
		q = span(p, is_digit);
		if (q == p)
			return 0;
		if (*q == '.')
			q = span(q + 1, is_digit);
	}
	if (*q == 'e' || *q == 'E') {
		p = skip_sign(q + 1);
		q = span(p, is_digit);
		if (q == p)
			return 0;
	}
	return *q == '\0';
}

/* 1: +inf, -1: -inf, 2: nan, 0: none of them. */
static int core_float_special(const char *s)
{
	static const char *const inf[] = { ".inf", ".Inf", ".INF" };
	static const char *const nan[] = { ".nan", ".NaN", ".NAN" };
	const char *d = skip_sign(s);

	if (is_one_of(d, inf, DW_ARRAY_SIZE(inf)))
		return *s == '-' ? -1 : 1;
	if (d == s && is_one_of(s, nan, DW_ARRAY_SIZE(nan)))
		return 2;
	return 0;
}

static int set_int(struct dw_yaml_node *n, int base, char *msg, size_t msglen)
{
	const char *s = n->text;
	unsigned long long u;
	char *end;

	errno = 0;
	if (base == 10) {
		n->as.integer = strtoll(s, &end, 10);
	} else {
		u = strtoull(s + 2, &end, base);
		if (u > INT64_MAX)
			errno = ERANGE;
		n->as.integer = (int64_t)u;
	}
	if (errno == ERANGE) {
		snprintf(msg, msglen, "integer '%.40s' is out of range (quote it if it is text)",
		         s);
		return -EINVAL;
	}
	n->type = DW_YAML_INT;
	return 0;
}

static int set_float(struct dw_yaml_node *n, char *msg, size_t msglen)
{
	int special = core_float_special(n->text);
	char *end;

	n->type = DW_YAML_FLOAT;
	if (special == 2) {
		n->as.number = NAN;
		return 0;
	}
	if (special) {
		n->as.number = special * (double)INFINITY;
		return 0;
	}
	pthread_once(&c_locale_once, make_c_locale);
	if (!c_locale)
		return -ENOMEM;
	n->as.number = strtod_l(n->text, &end, c_locale);
	if (isinf(n->as.number)) {
		snprintf(msg, msglen, "number '%.40s' is out of range", n->text);
		return -EINVAL;
	}
	return 0;
}

/* [0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)? after an optional sign */
static int yaml11_sexagesimal(const char *s)
{
	const char *p = skip_sign(s);
	int groups = 0;

	if (!is_digit(*p))
		return 0;
	while (is_digit(*p) || *p == '_')
		p++;
	while (*p == ':') {
		p++;
		if (is_digit(p[0]) && is_digit(p[1]) && p[0] <= '5')
			p += 2;
		else if (is_digit(p[0]))
			p++;
		else
			return 0;
		groups++;
	}
	if (groups && *p == '.')
		for (p++; is_digit(*p) || *p == '_'; p++)
			;
	return groups && !*p;
}

static int is_num_or_underscore(char c)
{
	return is_digit(c) || c == '_';
}

static int is_xnum_or_underscore(char c)
{
	return is_xdigit(c) || c == '_';
}

/* A YAML 1.1 int or float written with '_' separators (1_000, 0x_ff, 1_000.5). */
static int yaml11_underscored(const char *s)
{
	const char *p = skip_sign(s), *q;

	if (!strchr(p, '_'))
		return 0;
	if (p[0] == '0' && p[1] == 'x')
		return *span(p + 2, is_xnum_or_underscore) == '\0';
	q = span(p, is_num_or_underscore);
	if (q == p && *q != '.')
		return 0;
	if (*q == '.')
		q = span(q + 1, is_num_or_underscore);
	if ((*q == 'e' || *q == 'E') && (q[1] == '-' || q[1] == '+'))
		q = span(q + 2, is_digit);
	return *q == '\0';
}

static int yaml11_binary(const char *s)
{
	const char *p = skip_sign(s);

	return p[0] == '0' && p[1] == 'b' && p[2] && strspn(p + 2, "01_") == strlen(p + 2);
}

static int leading_zero_int(const char *s)
{
	const char *p = skip_sign(s);

	return p[0] == '0' && p[1] && strspn(p + 1, "0123456789_") == strlen(p + 1);
}

static int yaml11_bool_word(const char *s)
{
	static const char *const words[] = { "y", "yes", "n", "no", "on", "off" };
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 1;
	return 0;
}

/* Plain scalars that YAML 1.1 readers type otherwise than the 1.2 core schema does. */
static int check_ambiguous(const char *s, char *msg, size_t msglen)
{
	if (yaml11_bool_word(s))
		snprintf(msg, msglen,
		         "ambiguous value '%s' (a boolean in YAML 1.1, a string in YAML 1.2): "
		         "quote it, or write true or false",
		         s);
	else if (leading_zero_int(s))
		snprintf(msg, msglen,
		         "ambiguous number '%.40s' (octal in YAML 1.1, decimal in YAML 1.2): "
		         "quote it, or write it without the leading zero (0o for octal)",
		         s);
	else if (yaml11_sexagesimal(s))
		snprintf(msg, msglen,
		         "ambiguous value '%.40s' (a base-60 number in YAML 1.1, a string in "
		         "YAML 1.2): quote it",
		         s);
	else if (yaml11_binary(s) || yaml11_underscored(s))
		snprintf(msg, msglen,
		         "ambiguous value '%.40s' (a number in YAML 1.1, a string in YAML 1.2): "
		         "quote it, or write the number without '_' (0x for binary)",
		         s);
	else
		return 0;
	return -EINVAL;
}

/* The core schema's typing of a plain scalar. */
static int resolve_core(struct dw_yaml_node *n, char *msg, size_t msglen)
{
	int b, base;

	if (core_null(n->text)) {
		n->type = DW_YAML_NULL;
		return 0;
	}
	b = core_bool(n->text);
	if (b >= 0) {
		n->type = DW_YAML_BOOL;
		n->as.boolean = b;
		return 0;
	}
	base = core_int_base(n->text);
	if (base)
		return set_int(n, base, msg, msglen);
	if (core_float_number(n->text) || core_float_special(n->text))
		return set_float(n, msg, msglen);
	n->type = DW_YAML_STRING;
	return 0;
}

/* An explicit core tag: the text must have that type's form. */
static int resolve_tagged(struct dw_yaml_node *n, const char *name, char *msg, size_t msglen)
{
	const char *s = n->text;
	int r, base;

	if (strcmp(name, "str") == 0) {
		n->type = DW_YAML_STRING;
		return 0;
	}
	r = check_ambiguous(s, msg, msglen);
	if (r < 0)
		return r;
	if (strcmp(name, "null") == 0 && core_null(s)) {
		n->type = DW_YAML_NULL;
		return 0;
	}
	if (strcmp(name, "bool") == 0 && core_bool(s) >= 0) {
		n->type = DW_YAML_BOOL;
		n->as.boolean = core_bool(s);
		return 0;
	}
	base = core_int_base(s);
	if (strcmp(name, "int") == 0 && base)
		return set_int(n, base, msg, msglen);
	if (strcmp(name, "float") == 0 && (core_float_number(s) || core_float_special(s)))
		return set_float(n, msg, msglen);
	if (strcmp(name, "float") == 0 && base) {
		r = set_int(n, base, msg, msglen);
		n->type = DW_YAML_FLOAT;
		n->as.number = (double)n->as.integer;
		return r;
	}
	snprintf(msg, msglen, "'%.40s' is not a valid !!%s", s, name);
	return -EINVAL;
}

int dw_yaml__resolve_scalar(struct dw_yaml_node *n, const char *tag, bool plain, char *msg,
                            size_t msglen)
{
	static const char *const scalar_tags[] = { "str", "null", "bool", "int", "float" };
	size_t plen = strlen(YAML_TAG_PREFIX);
	int r;

	if (strlen(n->text) != n->len) {
		snprintf(msg, msglen, "a NUL character is not allowed in a scalar");
		return -EINVAL;
	}
	if (tag && strcmp(tag, "!") == 0) {
		n->type = DW_YAML_STRING;
		return 0;
	}
	if (tag && strncmp(tag, YAML_TAG_PREFIX, plen) == 0 &&
	    is_one_of(tag + plen, scalar_tags, DW_ARRAY_SIZE(scalar_tags)))
		return resolve_tagged(n, tag + plen, msg, msglen);
	if (tag) {
		snprintf(msg, msglen,
		         "tag '%.60s' is not allowed here (only !!str, !!int, !!float, !!bool, "
		         "!!null on scalars)",
		         tag);
		return -EINVAL;
	}
	if (!plain) {
		n->type = DW_YAML_STRING;
		return 0;
	}
	r = check_ambiguous(n->text, msg, msglen);
	if (r < 0)
		return r;
	return resolve_core(n, msg, msglen);
}
