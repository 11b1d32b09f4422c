/*
 * The operators of the baseline language, as rows of one table: a name, the
 * argument it takes (checked when the rule is loaded) and the test. Adding
 * an operator is adding a row (docs/baselines.md lists them).
 *
 * Sets: an array is the set of its elements; with `split: ","` a string is
 * the set of its comma-separated parts (spaces around them trimmed), the way
 * Graph writes guest and external user types. Nothing (a missing member) and
 * null are the empty set.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "baseline/internal.h"

static bool str_eq(const char *a, size_t alen, const char *b, size_t blen, bool icase)
{
	if (alen != blen)
		return false;
	return icase ? strncasecmp(a, b, alen) == 0 : memcmp(a, b, alen) == 0;
}

static bool json_eq(const struct dw_json *a, const struct dw_json *b, bool icase)
{
	const char *as, *bs;
	size_t al, bl;

	/* strings are most of what rules compare: bytes, not the total order's UTF-16 walk */
	if (dw_json_type(a) == DW_JSON_STRING && dw_json_type(b) == DW_JSON_STRING) {
		as = dw_json_string(a, &al);
		bs = dw_json_string(b, &bl);
		return str_eq(as, al, bs, bl, icase);
	}
	return dw_json_compare(a, b) == 0;
}

bool dw_baseline__item_eq(const struct bl_item *it, const struct dw_json *v, bool icase)
{
	const char *s;
	size_t len;

	if (it->json)
		return json_eq(it->json, v, icase);
	if (dw_json_type(v) != DW_JSON_STRING)
		return false;
	s = dw_json_string(v, &len);
	return str_eq(it->s, it->len, s, len, icase);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The next part of a split string, spaces around it trimmed; empty parts are skipped. */
static bool split_next(struct bl_iter *it, struct bl_item *out)
{
	size_t seplen = strlen(it->sep);

	while (it->pos <= it->len) {
		const char *hit = NULL;
		size_t a = it->pos, b, i;

		for (i = a; i + seplen <= it->len && !hit; i++)
			if (memcmp(it->s + i, it->sep, seplen) == 0)
				hit = it->s + i;
		b = hit ? (size_t)(hit - it->s) : it->len;
		it->pos = hit ? b + seplen : it->len + 1;
		while (a < b && is_space(it->s[a]))
			a++;
		while (b > a && is_space(it->s[b - 1]))
			b--;
		if (b > a) {
			*out = (struct bl_item){ NULL, it->s + a, b - a };
			return true;
		}
	}
	return false;
}

void dw_baseline__iter(const struct bl_assert *a, const struct dw_json *actual, struct bl_iter *it)
{
	memset(it, 0, sizeof(*it));
	if (!actual)
		return;
	if (a->split && dw_json_type(actual) == DW_JSON_STRING) {
		it->s = dw_json_string(actual, &it->len);
		it->sep = a->split;
		return;
	}
	it->arr = actual;
	it->n = dw_json_count(actual);
}

bool dw_baseline__next(struct bl_iter *it, struct bl_item *out)
{
	if (it->sep)
		return split_next(it, out);
	if (it->i >= it->n)
		return false;
	*out = (struct bl_item){ dw_json_at(it->arr, it->i++), NULL, 0 };
	return true;
}

/* Is @actual a set (array, null, nothing, or a string with split)? */
static bool is_set(const struct bl_assert *a, const struct dw_json *actual)
{
	enum dw_json_type t = actual ? dw_json_type(actual) : DW_JSON_NULL;

	return t == DW_JSON_ARRAY || t == DW_JSON_NULL || (a->split && t == DW_JSON_STRING);
}

/* Does the set @actual hold an item equal to @v? */
static bool set_has(const struct bl_assert *a, const struct dw_json *actual,
                    const struct dw_json *v)
{
	struct bl_iter it;
	struct bl_item item;

	dw_baseline__iter(a, actual, &it);
	while (dw_baseline__next(&it, &item))
		if (dw_baseline__item_eq(&item, v, a->ignore_case))
			return true;
	return false;
}

static size_t set_size(const struct bl_assert *a, const struct dw_json *actual)
{
	struct bl_iter it;
	struct bl_item item;
	size_t n = 0;

	dw_baseline__iter(a, actual, &it);
	while (dw_baseline__next(&it, &item))
		n++;
	return n;
}

static bool in_array(const struct bl_item *it, const struct dw_json *arr, bool icase)
{
	size_t i;

	for (i = 0; i < dw_json_count(arr); i++)
		if (dw_baseline__item_eq(it, dw_json_at(arr, i), icase))
			return true;
	return false;
}

static bool op_subset_of(const struct bl_assert *a, const struct dw_json *actual);
static bool op_contains_all(const struct bl_assert *a, const struct dw_json *actual);

static bool op_equals(const struct bl_assert *a, const struct dw_json *actual)
{
	if (!actual)
		return false;
	if (a->split && dw_json_type(a->arg) == DW_JSON_ARRAY)
		return op_subset_of(a, actual) && op_contains_all(a, actual); /* the same set */
	return json_eq(actual, a->arg, a->ignore_case);
}

static bool op_in(const struct bl_assert *a, const struct dw_json *actual)
{
	struct bl_item it = { actual, NULL, 0 };

	return actual && in_array(&it, a->arg, a->ignore_case);
}

static bool op_exists(const struct bl_assert *a, const struct dw_json *actual)
{
	return (actual != NULL) == dw_json_bool(a->arg);
}

static bool is_empty(const struct bl_assert *a, const struct dw_json *actual)
{
	if (!actual || dw_json_type(actual) == DW_JSON_NULL)
		return true;
	return is_set(a, actual) && set_size(a, actual) == 0;
}

static bool op_empty(const struct bl_assert *a, const struct dw_json *actual)
{
	return is_empty(a, actual) == dw_json_bool(a->arg);
}

static bool op_contains(const struct bl_assert *a, const struct dw_json *actual)
{
	const char *s, *needle;
	size_t len, nlen;

	if (actual && dw_json_type(actual) == DW_JSON_STRING && !a->split) {
		/* a plain string contains a substring */
		if (dw_json_type(a->arg) != DW_JSON_STRING)
			return false;
		s = dw_json_string(actual, &len);
		needle = dw_json_string(a->arg, &nlen);
		for (size_t i = 0; i + nlen <= len; i++)
			if (str_eq(s + i, nlen, needle, nlen, a->ignore_case))
				return true;
		return false;
	}
	return is_set(a, actual) && set_has(a, actual, a->arg);
}

static bool op_contains_all(const struct bl_assert *a, const struct dw_json *actual)
{
	size_t i;

	if (!is_set(a, actual))
		return false;
	for (i = 0; i < dw_json_count(a->arg); i++)
		if (!set_has(a, actual, dw_json_at(a->arg, i)))
			return false;
	return true;
}

static bool op_contains_any(const struct bl_assert *a, const struct dw_json *actual)
{
	size_t i;

	if (!is_set(a, actual))
		return false;
	for (i = 0; i < dw_json_count(a->arg); i++)
		if (set_has(a, actual, dw_json_at(a->arg, i)))
			return true;
	return false;
}

static bool op_subset_of(const struct bl_assert *a, const struct dw_json *actual)
{
	struct bl_iter it;
	struct bl_item item;

	if (!is_set(a, actual))
		return false;
	dw_baseline__iter(a, actual, &it);
	while (dw_baseline__next(&it, &item))
		if (!in_array(&item, a->arg, a->ignore_case))
			return false;
	return true;
}

bool dw_baseline__count_ok(const struct bl_count *c, int64_t n)
{
	return (!c->has_eq || n == c->eq) && (!c->has_gte || n >= c->gte) &&
	       (!c->has_lte || n <= c->lte);
}

static bool op_count(const struct bl_assert *a, const struct dw_json *actual)
{
	struct bl_count c = { 0 };
	struct dw_json *v;
	int64_t n;

	if (!is_set(a, actual))
		return false;
	n = (int64_t)set_size(a, actual);
	if ((v = dw_json_get(a->arg, "eq")) && dw_json_int64(v, &c.eq) == 0)
		c.has_eq = true;
	if ((v = dw_json_get(a->arg, "gte")) && dw_json_int64(v, &c.gte) == 0)
		c.has_gte = true;
	if ((v = dw_json_get(a->arg, "lte")) && dw_json_int64(v, &c.lte) == 0)
		c.has_lte = true;
	return dw_baseline__count_ok(&c, n);
}

static bool number_of(const struct dw_json *actual, double *out)
{
	if (!actual || dw_json_type(actual) != DW_JSON_NUMBER)
		return false;
	*out = dw_json_number(actual);
	return !isnan(*out);
}

static bool op_gt(const struct bl_assert *a, const struct dw_json *actual)
{
	double d;

	return number_of(actual, &d) && d > dw_json_number(a->arg);
}

static bool op_gte(const struct bl_assert *a, const struct dw_json *actual)
{
	double d;

	return number_of(actual, &d) && d >= dw_json_number(a->arg);
}

static bool op_lt(const struct bl_assert *a, const struct dw_json *actual)
{
	double d;

	return number_of(actual, &d) && d < dw_json_number(a->arg);
}

static bool op_lte(const struct bl_assert *a, const struct dw_json *actual)
{
	double d;

	return number_of(actual, &d) && d <= dw_json_number(a->arg);
}

static bool op_glob(const struct bl_assert *a, const struct dw_json *actual)
{
	const char *s;
	size_t len;

	if (!actual || dw_json_type(actual) != DW_JSON_STRING)
		return false;
	s = dw_json_string(actual, &len);
	if (a->ignore_case)
		return dw_json_glob_match_icase(dw_json_cstr(a->arg), s, len);
	return dw_json_glob_match(dw_json_cstr(a->arg), s, len);
}

static bool op_matches(const struct bl_assert *a, const struct dw_json *actual)
{
	const char *s;

	/* regexec needs a C string: a string holding U+0000 never matches */
	if (!actual || !(s = dw_json_cstr(actual)))
		return false;
	return regexec(&a->re, s, 0, NULL, 0) == 0;
}

/* clang-format off */
static const struct bl_op ops[] = {
	{ "equals",      BL_ARG_ANY,      op_equals },
	{ "in",          BL_ARG_CHOICES,  op_in },
	{ "exists",      BL_ARG_BOOL,     op_exists },
	{ "empty",       BL_ARG_BOOL,     op_empty },
	{ "contains",    BL_ARG_SCALAR,   op_contains },
	{ "containsAll", BL_ARG_ARRAY,    op_contains_all },
	{ "containsAny", BL_ARG_ARRAY,    op_contains_any },
	{ "subsetOf",    BL_ARG_ARRAY,    op_subset_of },
	{ "count",       BL_ARG_COUNT,    op_count },
	{ "gt",          BL_ARG_NUMBER,   op_gt },
	{ "gte",         BL_ARG_NUMBER,   op_gte },
	{ "lt",          BL_ARG_NUMBER,   op_lt },
	{ "lte",         BL_ARG_NUMBER,   op_lte },
	{ "glob",        BL_ARG_STRING,   op_glob },
	{ "matches",     BL_ARG_REGEX,    op_matches },
};
/* clang-format on */

const struct bl_op *dw_baseline__op(const char *name)
{
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(ops); i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

static bool array_index(const char *tok, size_t len, size_t *out)
{
	size_t i, v = 0;

	if (len == 0 || len > 9 || (tok[0] == '0' && len > 1))
		return false;
	for (i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return false;
		v = v * 10 + (size_t)(tok[i] - '0');
	}
	*out = v;
	return true;
}

/* Member @key of @obj: small objects by a scan of lengths and bytes, larger ones by search. */
static const struct dw_json *member(const struct dw_json *obj, const char *key, size_t len)
{
	size_t i, n = dw_json_count(obj), klen;
	const char *k;

	if (n > 8)
		return dw_json_getn(obj, key, len);
	for (i = 0; i < n; i++) {
		const struct dw_json *v = dw_json_member(obj, i, &k, &klen);

		if (klen == len && memcmp(k, key, len) == 0)
			return v;
	}
	return NULL;
}

int dw_baseline__pointer(const char *path, struct bl_token **out, size_t *n)
{
	struct bl_token *t;
	size_t count = 0, i = 0, k;
	const char *p;

	for (p = path; *p; p++)
		count += *p == '/';
	*out = NULL;
	*n = 0;
	if (!count)
		return 0;
	if (!(t = calloc(count, sizeof(*t))))
		return -ENOMEM;
	for (p = path; *p == '/' && i < count; i++) {
		size_t len = strcspn(p + 1, "/");

		if (!(t[i].s = malloc(len + 1))) {
			dw_baseline__pointer_free(t, i);
			return -ENOMEM;
		}
		/* unescaped once, here: ~1 is '/', ~0 is '~' */
		for (k = 0, p++; len-- > 0; p++)
			t[i].s[k++] = *p == '~' && len && (p[1] == '0' || p[1] == '1')
			                      ? (len--, *++p == '0' ? '~' : '/')
			                      : *p;
		t[i].s[k] = '\0';
		t[i].len = k;
		t[i].is_index = array_index(t[i].s, k, &t[i].index);
	}
	*out = t;
	*n = count;
	return 0;
}

void dw_baseline__pointer_free(struct bl_token *t, size_t n)
{
	size_t i;

	for (i = 0; t && i < n; i++)
		free(t[i].s);
	free(t);
}

static const struct dw_json *walk(const struct dw_json *v, const struct bl_token *t, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		if (dw_json_type(v) == DW_JSON_OBJECT)
			v = member(v, t[i].s, t[i].len);
		else if (dw_json_type(v) == DW_JSON_ARRAY && t[i].is_index)
			v = dw_json_at(v, t[i].index);
		else
			v = NULL;
	}
	return v;
}

const struct dw_json *dw_baseline__at(const struct dw_json *root, const char *path)
{
	struct bl_token *t = NULL;
	const struct dw_json *v = NULL;
	size_t n;

	/* for reports: a failure's actual value; evaluation walks the parsed tokens */
	if (dw_baseline__pointer(path, &t, &n) == 0)
		v = walk(root, t, n);
	dw_baseline__pointer_free(t, n);
	return v;
}

static const struct dw_json *at_path(const struct bl_assert *a, const struct dw_json *root)
{
	return walk(root, a->tokens, a->ntokens);
}

static bool all_hold(const struct bl_assert *kids, size_t n, const struct dw_json *root)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!dw_baseline__holds(&kids[i], root))
			return false;
	return true;
}

/* some/every over the array at the path; nothing there is an empty array. */
static bool elements_hold(const struct bl_assert *a, const struct dw_json *arr)
{
	size_t i, n = arr && dw_json_type(arr) == DW_JSON_ARRAY ? dw_json_count(arr) : 0;

	for (i = 0; i < n; i++)
		if (all_hold(a->kids, a->nkids, dw_json_at(arr, i)) == (a->kind == BL_SOME))
			return a->kind == BL_SOME;
	return a->kind == BL_EVERY;
}

bool dw_baseline__holds(const struct bl_assert *a, const struct dw_json *root)
{
	size_t i;

	switch (a->kind) {
	case BL_ALLOF:
		return all_hold(a->kids, a->nkids, root);
	case BL_ANYOF:
		for (i = 0; i < a->nkids; i++)
			if (dw_baseline__holds(&a->kids[i], root))
				return true;
		return false;
	case BL_NOT:
		return !dw_baseline__holds(&a->kids[0], root);
	case BL_SOME:
	case BL_EVERY:
		return elements_hold(a, at_path(a, root));
	default:
		return a->op->fn(a, at_path(a, root));
	}
}

const char *dw_baseline__op_name(const struct bl_assert *a)
{
	static const char *const names[] = { "", "allOf", "anyOf", "not", "some", "every" };

	return a->kind == BL_LEAF ? a->op->name : names[a->kind];
}
