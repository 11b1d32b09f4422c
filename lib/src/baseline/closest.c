/*
 * The closest candidate of a failed `expect: any` rule: the object a reader
 * should look at, because it is the one that almost implements the rule.
 *
 * Counting missed conditions alone ties often (a disabled policy and the
 * report-only one that was meant to pass both miss only /state), and the
 * tie then went to file order. So objects compare by, in turn:
 *
 *  1. the top-level conditions (where and assert) they miss: fewer is closer;
 *  2. how far each missed value is, summed: a value of the right type (1)
 *     beats one of another type (2), which beats nothing at the path (3);
 *  3. how much of the wanted value each missed value already has, summed
 *     (in thousandths): for sets, the share they have in common (Jaccard:
 *     both ways, so it serves containsAll, subsetOf and set equality); for
 *     strings, the common prefix over the longer one (Graph qualifies an
 *     enum value by appending to it: enabledForReportingButNotEnforced);
 *  4. the object's path, so the answer never depends on the order objects
 *     were added in.
 *
 * All integers: the same snapshot gives the same report, byte for byte.
 */
#include <string.h>
#include <strings.h>

#include "baseline/internal.h"

enum { FAR_VALUE = 1, FAR_TYPE = 2, FAR_NOTHING = 3 };

static bool is_set(const struct bl_assert *a, const struct dw_json *v)
{
	enum dw_json_type t = dw_json_type(v);

	return t == DW_JSON_ARRAY || (a->split && t == DW_JSON_STRING);
}

/* Same JSON type, true and false being one (boolean). */
static bool same_type(const struct dw_json *x, const struct dw_json *y)
{
	enum dw_json_type a = dw_json_type(x), b = dw_json_type(y);

	if (a == DW_JSON_FALSE)
		a = DW_JSON_TRUE;
	if (b == DW_JSON_FALSE)
		b = DW_JSON_TRUE;
	return a == b;
}

static bool any_same_type(const struct dw_json *v, const struct dw_json *arr)
{
	size_t i;

	for (i = 0; i < dw_json_count(arr); i++)
		if (same_type(v, dw_json_at(arr, i)))
			return true;
	return false;
}

/* Is @v, present, of the type the operator's argument asks for? */
static bool right_type(const struct bl_assert *a, const struct dw_json *v)
{
	if (a->kind != BL_LEAF)
		return true; /* combinators judge their elements themselves */
	switch (a->op->arg) {
	case BL_ARG_ANY:
		return same_type(v, a->arg) ||
		       (dw_json_type(a->arg) == DW_JSON_ARRAY && is_set(a, v));
	case BL_ARG_ARRAY:
		return is_set(a, v);
	case BL_ARG_CHOICES:
		return any_same_type(v, a->arg);
	case BL_ARG_SCALAR: /* contains: a set, or a string holding a substring */
		return is_set(a, v) || dw_json_type(v) == DW_JSON_STRING;
	case BL_ARG_COUNT:
		return is_set(a, v);
	case BL_ARG_NUMBER:
		return dw_json_type(v) == DW_JSON_NUMBER;
	case BL_ARG_STRING:
	case BL_ARG_REGEX:
		return dw_json_type(v) == DW_JSON_STRING;
	default: /* exists, empty: any value is of their kind */
		return true;
	}
}

/* Thousandths of the longer string that the two share as a prefix. */
static unsigned prefix_share(const struct dw_json *x, const struct dw_json *y, bool icase)
{
	const char *s, *t;
	size_t sl, tl, i, n;

	if (dw_json_type(x) != DW_JSON_STRING || dw_json_type(y) != DW_JSON_STRING)
		return 0;
	s = dw_json_string(x, &sl);
	t = dw_json_string(y, &tl);
	n = sl < tl ? sl : tl;
	for (i = 0; i < n && (icase ? strncasecmp(s + i, t + i, 1) == 0 : s[i] == t[i]); i++)
		;
	return sl || tl ? (unsigned)(i * 1000 / (sl > tl ? sl : tl)) : 0;
}

/* Thousandths: |actual ∩ wanted| / |actual ∪ wanted|, items compared as the operators do. */
static unsigned jaccard(const struct bl_assert *a, const struct dw_json *v)
{
	struct bl_iter it;
	struct bl_item item;
	size_t i, n = 0, both = 0, want = dw_json_count(a->arg);

	dw_baseline__iter(a, v, &it);
	while (dw_baseline__next(&it, &item)) {
		n++;
		for (i = 0; i < want; i++)
			if (dw_baseline__item_eq(&item, dw_json_at(a->arg, i), a->ignore_case)) {
				both++;
				break;
			}
	}
	return n + want > both ? (unsigned)(both * 1000 / (n + want - both)) : 0;
}

/* How much of what @a wants the present, rightly typed @v already has (thousandths). */
static unsigned share(const struct bl_assert *a, const struct dw_json *v)
{
	unsigned best = 0, s;
	size_t i;

	if (a->kind != BL_LEAF || !a->arg)
		return 0;
	if (dw_json_type(a->arg) != DW_JSON_ARRAY)
		return prefix_share(v, a->arg, a->ignore_case);
	if (a->op->arg != BL_ARG_CHOICES)
		return is_set(a, v) ? jaccard(a, v) : 0;
	for (i = 0; i < dw_json_count(a->arg); i++) /* the nearest of the values listed */
		if ((s = prefix_share(v, dw_json_at(a->arg, i), a->ignore_case)) > best)
			best = s;
	return best;
}

static void add_miss(struct bl_closeness *c, const struct bl_assert *a, const struct dw_json *root)
{
	const struct dw_json *v = dw_baseline__at(root, a->path);

	c->missed++;
	if (!v || dw_json_type(v) == DW_JSON_NULL) {
		c->far += FAR_NOTHING;
	} else if (!right_type(a, v)) {
		c->far += FAR_TYPE;
	} else {
		c->far += FAR_VALUE;
		c->near += share(a, v);
	}
}

void dw_baseline__closeness(const struct bl_rule *r, const struct dw_json *root,
                            struct bl_closeness *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < r->nwhere; i++)
		if (!dw_baseline__holds(&r->where[i], root))
			add_miss(out, &r->where[i], root);
	for (i = 0; i < r->nasserts; i++)
		if (!dw_baseline__holds(&r->asserts[i], root))
			add_miss(out, &r->asserts[i], root);
}

bool dw_baseline__closer(const struct bl_closeness *a, const char *apath,
                         const struct bl_closeness *b, const char *bpath)
{
	if (a->missed != b->missed)
		return a->missed < b->missed;
	if (a->far != b->far)
		return a->far < b->far;
	if (a->near != b->near)
		return a->near > b->near;
	return strcmp(apath, bpath) < 0;
}
