/*
 * The normalisation profile the collector catalog drives (DESIGN.md section
 * 3): drop volatile members, sort the arrays declared to be sets. Everything
 * else, including every other array's order and "@odata.type", is kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/internal.h"

static bool glob_match(const char *pattern, const char *s, size_t len, bool icase)
{
	const char *star = NULL, *p = pattern;
	size_t i = 0, resume = 0;

	/* greedy with one backtrack point: enough for '*' as the only wildcard */
	while (i < len) {
		if (*p == '*') {
			star = ++p;
			resume = i;
		} else if (*p && (*p == s[i] || (icase && strncasecmp(p, s + i, 1) == 0))) {
			p++;
			i++;
		} else if (star) {
			p = star;
			i = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

bool dw_json_glob_match(const char *pattern, const char *s, size_t len)
{
	return glob_match(pattern, s, len, false);
}

bool dw_json_glob_match_icase(const char *pattern, const char *s, size_t len)
{
	return glob_match(pattern, s, len, true);
}

struct normaliser {
	struct dw_json_doc *doc;
	const char *const *names; /* the name globs of every profile */
	size_t nnames;
	struct dw_error *err;
};

static bool is_volatile(const struct normaliser *N, const struct dw_json_member *m)
{
	size_t i;

	for (i = 0; i < N->nnames; i++)
		if (dw_json_glob_match(N->names[i], m->key, m->keylen))
			return true;
	return false;
}

static void drop_names(const struct normaliser *N, struct dw_json *v)
{
	size_t i;

	if (v->type == DW_JSON_ARRAY) {
		for (i = 0; i < v->len; i++)
			drop_names(N, v->u.items[i]);
	} else if (v->type == DW_JSON_OBJECT) {
		for (i = 0; i < v->len;) {
			if (is_volatile(N, &v->u.members[i])) {
				dw_json__remove_at(v, i);
				continue;
			}
			drop_names(N, v->u.members[i].value);
			i++;
		}
	}
}

/* Drops what a pointer pattern names: each match is removed from its parent. */
struct drop_ctx {
	struct dw_json_token last;
};

static int drop_in_parent(struct dw_json *parent, void *ctx)
{
	struct drop_ctx *D = ctx;
	struct dw_json_token *t = &D->last;
	bool found = false;
	size_t i;

	if (t->len == 1 && t->s[0] == '*') {
		while (parent->len &&
		       (parent->type == DW_JSON_ARRAY || parent->type == DW_JSON_OBJECT))
			dw_json__remove_at(parent, parent->len - 1);
		return 0;
	}
	if (parent->type == DW_JSON_OBJECT) {
		i = dw_json__find(parent, t->s, t->len, &found);
		if (found)
			dw_json__remove_at(parent, i);
	}
	/* array elements are not dropped by index: an index in a profile means nothing */
	return 0;
}

static int drop_pattern(struct normaliser *N, struct dw_json *v, const char *pattern)
{
	struct drop_ctx D = { { 0 } };
	const char *slash = strrchr(pattern, '/'), *p = slash;
	char *parent = NULL;
	int r;

	/* the last token names the member; the rest names its parents */
	if ((r = dw_json__token_next(&p, &D.last, pattern, N->err)) < 0)
		goto out;
	if (!(parent = strndup(pattern, (size_t)(slash - pattern)))) {
		r = dw_error_set(N->err, -ENOMEM, DW_AREA_JSON, ENOMEM, "out of memory");
		goto out;
	}
	r = dw_json_pointer_each(v, parent, drop_in_parent, &D, N->err);
out:
	free(parent);
	dw_json__token_release(&D.last);
	return r;
}

/* Sorting set-arrays ------------------------------------------------------- */

struct sort_ctx {
	const char *key; /* NULL: by the element */
	size_t keylen;
};

static int by_key(const struct dw_json *a, const struct dw_json *b, const struct sort_ctx *S)
{
	const struct dw_json *x = dw_json_getn(a, S->key, S->keylen);
	const struct dw_json *y = dw_json_getn(b, S->key, S->keylen);
	int c;

	/* elements without the key come first; ties fall back to the whole element */
	if (x && y && (c = dw_json_compare(x, y)) != 0)
		return c;
	if (!x != !y)
		return x ? 1 : -1;
	return dw_json_compare(a, b);
}

/* qsort has no context argument: a merge sort, which is also stable. */
static void merge_sort(struct dw_json **v, struct dw_json **tmp, size_t n, const struct sort_ctx *S)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, mid, S);
	merge_sort(v + mid, tmp, n - mid, S);
	while (i < mid && j < n) {
		int c = S->key ? by_key(v[i], v[j], S) : dw_json_compare(v[i], v[j]);

		tmp[k++] = c <= 0 ? v[i++] : v[j++];
	}
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static int sort_one(struct dw_json *v, void *ctx)
{
	struct dw_json **tmp;

	if (v->type != DW_JSON_ARRAY || v->len < 2)
		return 0;
	if (!(tmp = malloc(v->len * sizeof(*tmp))))
		return -ENOMEM;
	merge_sort(v->u.items, tmp, v->len, ctx);
	free(tmp);
	return 0;
}

static size_t depth_of(const char *pattern)
{
	size_t n = 0;

	for (; pattern && *pattern; pattern++)
		n += *pattern == '/';
	return n;
}

struct ranked_rule {
	const struct dw_json_set_rule *rule;
	size_t depth, index;
};

/* Deepest first; in declaration order at the same depth (qsort is not stable). */
static int cmp_depth(const void *a, const void *b)
{
	const struct ranked_rule *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int sort_sets(struct normaliser *N, struct dw_json *v,
                     const struct dw_json_profile *const *profiles, size_t nprofiles)
{
	struct ranked_rule *rules;
	size_t n = 0, i, j;
	int r = 0;

	for (i = 0; i < nprofiles; i++)
		n += profiles[i]->nsets;
	if (!n)
		return 0;
	if (!(rules = calloc(n, sizeof(*rules))))
		return dw_error_set(N->err, -ENOMEM, DW_AREA_JSON, ENOMEM, "out of memory");
	for (i = 0, n = 0; i < nprofiles; i++) {
		for (j = 0; j < profiles[i]->nsets; j++, n++) {
			rules[n].rule = &profiles[i]->sets[j];
			rules[n].depth = depth_of(rules[n].rule->pointer);
			rules[n].index = n;
		}
	}
	/* deepest first: an outer set compares elements whose inner sets are sorted */
	qsort(rules, n, sizeof(*rules), cmp_depth);
	for (i = 0; i < n && r == 0; i++) {
		struct sort_ctx S = { .key = rules[i].rule->sort_key };

		if (S.key)
			S.keylen = strlen(S.key);
		r = dw_json_pointer_each(v, rules[i].rule->pointer, sort_one, &S, N->err);
		if (r == -ENOMEM)
			dw_error_set(N->err, r, DW_AREA_JSON, ENOMEM, "out of memory");
	}
	free(rules);
	return r;
}

static int collect_names(struct normaliser *N, const struct dw_json_profile *const *profiles,
                         size_t nprofiles, const char ***names)
{
	size_t n = 0, i, j;

	for (i = 0; i < nprofiles; i++)
		n += profiles[i]->nvolatile;
	*names = n ? calloc(n, sizeof(**names)) : NULL;
	if (n && !*names)
		return dw_error_set(N->err, -ENOMEM, DW_AREA_JSON, ENOMEM, "out of memory");
	for (i = 0; i < nprofiles; i++)
		for (j = 0; j < profiles[i]->nvolatile; j++)
			if (profiles[i]->volatile_keys[j][0] != '/')
				(*names)[N->nnames++] = profiles[i]->volatile_keys[j];
	return 0;
}

static int drop_volatile(struct normaliser *N, struct dw_json *v,
                         const struct dw_json_profile *const *profiles, size_t nprofiles)
{
	const char **names = NULL;
	size_t i, j;
	int r;

	if ((r = collect_names(N, profiles, nprofiles, &names)) < 0)
		return r;
	N->names = names;
	if (N->nnames)
		drop_names(N, v);
	for (i = 0; i < nprofiles && r == 0; i++)
		for (j = 0; j < profiles[i]->nvolatile && r == 0; j++)
			if (profiles[i]->volatile_keys[j][0] == '/')
				r = drop_pattern(N, v, profiles[i]->volatile_keys[j]);
	free(names);
	return r;
}

int dw_json_normalise(struct dw_json_doc *doc, struct dw_json *v,
                      const struct dw_json_profile *const *profiles, size_t nprofiles,
                      struct dw_error *err)
{
	struct normaliser N = { .doc = doc, .err = err };
	int r;

	if (!v)
		return 0;
	if ((r = drop_volatile(&N, v, profiles, nprofiles)) < 0)
		return r;
	return sort_sets(&N, v, profiles, nprofiles);
}
