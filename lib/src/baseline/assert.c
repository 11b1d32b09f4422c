/*
 * Assertions: `{path: /p, <operator>: argument}` with the modifiers
 * ignoreCase and split, or a combinator: `{allOf: [...]}`, `{anyOf: [...]}`,
 * `{not: {...}}`, `{path: /array, some: [...]}`, `{path: /array, every: [...]}`.
 * Every key is known, exactly one operator or combinator is given, and the
 * argument has the type the operator takes once variables are put in:
 * anything else is an error at its line and column.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/internal.h"

static const char *const combinators[] = { "allOf", "anyOf", "not", "some", "every" };
static const enum bl_kind combinator_kinds[] = { BL_ALLOF, BL_ANYOF, BL_NOT, BL_SOME, BL_EVERY };

static int parse_one(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_assert *a);

void dw_baseline__asserts_free(struct bl_assert *a, size_t n)
{
	size_t i;

	for (i = 0; a && i < n; i++) {
		free(a[i].path);
		dw_baseline__pointer_free(a[i].tokens, a[i].ntokens);
		free(a[i].split);
		if (a[i].has_re)
			regfree(&a[i].re);
		dw_baseline__asserts_free(a[i].kids, a[i].nkids);
	}
	free(a);
}

static bool is_pointer(const char *s)
{
	if (*s && *s != '/')
		return false;
	for (; *s; s++)
		if (*s == '~' && s[1] != '0' && s[1] != '1')
			return false;
	return true;
}

static const char *arg_word(enum bl_arg arg)
{
	static const char *const words[] = {
		"a value",
		"a list",
		"true or false",
		"a string, number, boolean or null",
		"a number",
		"a string",
		"a regular expression (a string)",
		"a mapping of eq/gte/lte",
		"a list",
	};
	return words[arg];
}

static bool count_arg_ok(const struct dw_json *v)
{
	int64_t x;
	size_t i, n = dw_json_count(v);
	const char *key;

	if (dw_json_type(v) != DW_JSON_OBJECT || n == 0)
		return false;
	for (i = 0; i < n; i++) {
		struct dw_json *m = dw_json_member(v, i, &key, NULL);

		if ((strcmp(key, "eq") && strcmp(key, "gte") && strcmp(key, "lte")) ||
		    dw_json_int64(m, &x) < 0 || x < 0)
			return false;
	}
	return true;
}

static bool arg_ok(enum bl_arg kind, const struct dw_json *v)
{
	enum dw_json_type t = dw_json_type(v);

	switch (kind) {
	case BL_ARG_ARRAY:
	case BL_ARG_CHOICES:
		return t == DW_JSON_ARRAY;
	case BL_ARG_BOOL:
		return t == DW_JSON_TRUE || t == DW_JSON_FALSE;
	case BL_ARG_SCALAR:
		return t != DW_JSON_ARRAY && t != DW_JSON_OBJECT;
	case BL_ARG_NUMBER:
		return t == DW_JSON_NUMBER;
	case BL_ARG_STRING:
	case BL_ARG_REGEX:
		return dw_json_cstr(v) != NULL;
	case BL_ARG_COUNT:
		return count_arg_ok(v);
	default:
		return true;
	}
}

/* The operator's argument, typed; regular expressions compiled here, once. */
static int take_arg(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_assert *a)
{
	char msg[200];
	int rc;

	if (!(a->arg = dw_baseline__value(ctx, n)))
		return -EINVAL;
	if (!arg_ok(a->op->arg, a->arg)) {
		dw_baseline__report(
		        ctx, n, "'%s' takes %s, found %s%s%s", a->op->name, arg_word(a->op->arg),
		        dw_json_type_name(dw_json_type(a->arg)),
		        n->type == DW_YAML_STRING && strstr(n->text, "${") ? " in " : "",
		        n->type == DW_YAML_STRING && strstr(n->text, "${") ? n->text : "");
		return -EINVAL;
	}
	if (a->op->arg != BL_ARG_REGEX)
		return 0;
	rc = regcomp(&a->re, dw_json_cstr(a->arg),
	             REG_EXTENDED | REG_NOSUB | (a->ignore_case ? REG_ICASE : 0));
	if (rc != 0) {
		regerror(rc, &a->re, msg, sizeof(msg));
		dw_baseline__report(ctx, n, "not a POSIX extended regular expression: %s", msg);
		return -EINVAL;
	}
	a->has_re = true;
	return 0;
}

static int take_kids(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_assert *a)
{
	if (a->kind == BL_NOT) {
		if (n->type != DW_YAML_MAP) {
			dw_baseline__report(ctx, n, "'not' takes one assertion (a mapping)");
			return -EINVAL;
		}
		if (!(a->kids = calloc(1, sizeof(*a->kids))))
			return -ENOMEM;
		a->nkids = 1;
		return parse_one(ctx, n, a->kids);
	}
	if (n->type != DW_YAML_SEQ || n->count == 0) {
		dw_baseline__report(ctx, n, "'%s' takes a non-empty list of assertions",
		                    dw_baseline__op_name(a));
		return -EINVAL;
	}
	return dw_baseline__asserts(ctx, n, &a->kids, &a->nkids);
}

/* What key @key of an assertion is: 0 a modifier or path, 1 the operator; -1 unknown. */
static int classify(const char *key, struct bl_assert *a, const char **opname)
{
	size_t i;

	if (!strcmp(key, "path") || !strcmp(key, "ignoreCase") || !strcmp(key, "split"))
		return 0;
	for (i = 0; i < DW_ARRAY_SIZE(combinators); i++)
		if (!strcmp(key, combinators[i])) {
			a->kind = combinator_kinds[i];
			*opname = key;
			return 1;
		}
	if ((a->op = dw_baseline__op(key))) {
		a->kind = BL_LEAF;
		*opname = key;
		return 1;
	}
	return -1;
}

/* First pass over the keys: the operator, the path and the modifiers. */
static int scan_keys(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_assert *a,
                     size_t *op_at)
{
	const char *opname = NULL, *s;
	bool b = false;
	size_t i;
	int k, r = 0;

	for (i = 0; i < n->count; i++) {
		const char *key = n->keys[i]->text;
		const struct dw_yaml_node *v = n->items[i];
		struct dw_error err;

		dw_error_clear(&err);
		if ((k = classify(key, a, &opname)) < 0) {
			dw_baseline__report(ctx, n->keys[i], "unknown operator '%.60s'", key);
			r = -EINVAL;
		} else if (k == 1 && *op_at != SIZE_MAX) {
			dw_baseline__report(ctx, n->keys[i],
			                    "one operator per assertion ('%s' and '%s'): "
			                    "use allOf",
			                    n->keys[*op_at]->text, key);
			r = -EINVAL;
		} else if (k == 1) {
			*op_at = i;
		} else if (!strcmp(key, "ignoreCase")) {
			if (dw_yaml_bool(v, &b, &err) < 0)
				r = (dw_baseline__report_error(ctx, &err), -EINVAL);
			a->ignore_case = b;
		} else if (dw_yaml_string(v, &s, &err) < 0) {
			r = (dw_baseline__report_error(ctx, &err), -EINVAL);
		} else if (!strcmp(key, "split") && !*s) {
			r = (dw_baseline__report(ctx, v, "split takes a separator"), -EINVAL);
		} else if (!strcmp(key, "path") && !is_pointer(s)) {
			r = (dw_baseline__report(ctx, v, "'%.80s' is not a JSON Pointer", s),
			     -EINVAL);
		} else if (!(strcmp(key, "path") ? (a->split = strdup(s))
		                                 : (a->path = strdup(s)))) {
			r = -ENOMEM;
		}
	}
	return r;
}

static int parse_one(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_assert *a)
{
	size_t op_at = SIZE_MAX;
	bool combinator;
	int r;

	a->file = ctx->file; /* n->file lives only as long as the YAML document */
	a->line = n->line;
	a->col = n->col;
	if (n->type != DW_YAML_MAP) {
		dw_baseline__report(ctx, n,
		                    "an assertion is a mapping ({path: ..., operator: ...})");
		return -EINVAL;
	}
	if ((r = scan_keys(ctx, n, a, &op_at)) < 0)
		return r;
	if (op_at == SIZE_MAX) {
		dw_baseline__report(ctx, n, "no operator in this assertion");
		return -EINVAL;
	}
	combinator = a->kind == BL_ALLOF || a->kind == BL_ANYOF || a->kind == BL_NOT;
	if (combinator && (a->path || a->split || a->ignore_case)) {
		dw_baseline__report(ctx, n, "'%s' takes no path, split or ignoreCase",
		                    dw_baseline__op_name(a));
		return -EINVAL;
	}
	if (!combinator && !a->path) {
		dw_baseline__report(ctx, n, "missing key 'path'");
		return -EINVAL;
	}
	if (!a->path && !(a->path = strdup("")))
		return -ENOMEM;
	if ((r = dw_baseline__pointer(a->path, &a->tokens, &a->ntokens)) < 0)
		return r;
	if (a->kind == BL_LEAF)
		return take_arg(ctx, n->items[op_at], a);
	return take_kids(ctx, n->items[op_at], a);
}

int dw_baseline__asserts(struct bl_ctx *ctx, const struct dw_yaml_node *seq, struct bl_assert **out,
                         size_t *n)
{
	struct bl_assert *a;
	size_t i;
	int r = 0, rc;

	*out = NULL;
	*n = 0;
	if (seq->type != DW_YAML_SEQ) {
		dw_baseline__report(ctx, seq, "expected a list of assertions");
		return -EINVAL;
	}
	if (seq->count == 0)
		return 0;
	if (!(a = calloc(seq->count, sizeof(*a))))
		return -ENOMEM;
	/* every assertion is read, so that one run shows every mistake */
	for (i = 0; i < seq->count; i++)
		if ((rc = parse_one(ctx, seq->items[i], &a[i])) < 0 && r == 0)
			r = rc;
	if (r < 0) {
		dw_baseline__asserts_free(a, seq->count);
		return r;
	}
	*out = a;
	*n = seq->count;
	return 0;
}
