/*
 * JSON Pointer (RFC 6901): get, set and remove, and the pointer patterns of
 * the normalisation profile, where a "*" token stands for every element.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "json/internal.h"

void dw_json__token_release(struct dw_json_token *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static int bad_pointer(struct dw_error *err, const char *pointer, const char *why)
{
	return dw_error_set(err, -EINVAL, DW_AREA_JSON, 0, "invalid JSON pointer '%.200s': %s",
	                    pointer, why);
}

int dw_json__token_next(const char **pp, struct dw_json_token *tok, const char *pointer,
                        struct dw_error *err)
{
	const char *p = *pp + 1, *end = strchr(p, '/');
	size_t n, i;

	if (!end)
		end = p + strlen(p);
	n = (size_t)(end - p);
	if (DW_ARRAY_GROW(tok->s, tok->cap, n + 1) < 0)
		return dw_error_set(err, -ENOMEM, DW_AREA_JSON, ENOMEM, "out of memory");
	for (i = 0, tok->len = 0; i < n; i++) {
		char c = p[i];

		if (c == '~') {
			if (i + 1 >= n || (p[i + 1] != '0' && p[i + 1] != '1'))
				return bad_pointer(err, pointer, "'~' must be followed by 0 or 1");
			c = p[++i] == '0' ? '~' : '/';
		}
		tok->s[tok->len++] = c;
	}
	tok->s[tok->len] = '\0';
	*pp = end;
	return 0;
}

/* The array index a token names: 0 and *out, or -1 ("-" gives *out = count). */
static int array_index(const struct dw_json *array, const struct dw_json_token *t, size_t *out)
{
	size_t i, v = 0;

	if (t->len == 1 && t->s[0] == '-') {
		*out = array->len;
		return 0;
	}
	if (t->len == 0 || t->len > 10 || (t->len > 1 && t->s[0] == '0'))
		return -1;
	for (i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
		v = v * 10 + (size_t)(t->s[i] - '0');
	}
	*out = v;
	return 0;
}

/* One step down from @v by @t; NULL when there is nothing there. */
static struct dw_json *step(struct dw_json *v, const struct dw_json_token *t)
{
	size_t i;

	if (v->type == DW_JSON_OBJECT)
		return dw_json_getn(v, t->s, t->len);
	if (v->type == DW_JSON_ARRAY && array_index(v, t, &i) == 0 && i < v->len)
		return v->u.items[i];
	return NULL;
}

static int check_syntax(const char *pointer, struct dw_error *err)
{
	if (!pointer)
		return bad_pointer(err, "(null)", "no pointer");
	if (pointer[0] && pointer[0] != '/')
		return bad_pointer(err, pointer, "it must be empty or start with '/'");
	return 0;
}

/* Walks all tokens but the last; leaves that one in @tok. *parent is NULL when absent. */
static int walk_to_parent(struct dw_json *root, const char *pointer, struct dw_json **parent,
                          struct dw_json_token *tok, struct dw_error *err)
{
	const char *p = pointer;
	struct dw_json *v = root;
	int r;

	*parent = NULL;
	for (;;) {
		if ((r = dw_json__token_next(&p, tok, pointer, err)) < 0)
			return r;
		if (!*p)
			break;
		if (v)
			v = step(v, tok);
	}
	*parent = v;
	return 0;
}

int dw_json_pointer_get(struct dw_json *root, const char *pointer, struct dw_json **out,
                        struct dw_error *err)
{
	struct dw_json_token tok = { 0 };
	struct dw_json *v = root;
	const char *p = pointer;
	int r;

	*out = NULL;
	if ((r = check_syntax(pointer, err)) < 0)
		return r;
	while (v && *p) {
		if ((r = dw_json__token_next(&p, &tok, pointer, err)) < 0)
			goto out;
		v = step(v, &tok);
	}
	r = v ? 0 : -ENOENT;
	*out = v;
out:
	dw_json__token_release(&tok);
	return r;
}

static int set_in(struct dw_json_doc *doc, struct dw_json *parent, const struct dw_json_token *t,
                  struct dw_json *value)
{
	size_t i;

	if (parent->type == DW_JSON_OBJECT)
		return dw_json_object_setn(doc, parent, t->s, t->len, value);
	if (parent->type != DW_JSON_ARRAY || array_index(parent, t, &i) < 0 || i > parent->len)
		return -ENOENT;
	if (i == parent->len)
		return dw_json_array_append(doc, parent, value);
	if (!value)
		return -ENOMEM;
	if (value->flags & DW_JSON_F_PLACED)
		return -EINVAL;
	parent->u.items[i]->flags &= (uint8_t)~DW_JSON_F_PLACED;
	parent->u.items[i] = value;
	value->flags |= DW_JSON_F_PLACED;
	return 0;
}

int dw_json_pointer_set(struct dw_json_doc *doc, const char *pointer, struct dw_json *value,
                        struct dw_error *err)
{
	struct dw_json_token tok = { 0 };
	struct dw_json *parent;
	int r;

	if ((r = check_syntax(pointer, err)) < 0)
		return r;
	if (!*pointer) {
		r = dw_json_set_root(doc, value);
		goto out;
	}
	if ((r = walk_to_parent(doc->root, pointer, &parent, &tok, err)) < 0)
		goto out;
	r = parent ? set_in(doc, parent, &tok, value) : -ENOENT;
out:
	dw_json__token_release(&tok);
	if (r == -ENOENT)
		dw_error_set(err, r, DW_AREA_JSON, 0, "%.200s: no such place", pointer);
	else if (r < 0)
		dw_error_set(err, r, DW_AREA_JSON, 0, "%.200s: cannot set this value", pointer);
	return r;
}

int dw_json_pointer_remove(struct dw_json_doc *doc, const char *pointer, struct dw_error *err)
{
	struct dw_json_token tok = { 0 };
	struct dw_json *parent;
	bool found = false;
	size_t i = 0;
	int r;

	if ((r = check_syntax(pointer, err)) < 0)
		return r;
	if (!*pointer)
		return bad_pointer(err, pointer, "the root can't be removed");
	if ((r = walk_to_parent(doc->root, pointer, &parent, &tok, err)) < 0)
		goto out;
	if (parent && parent->type == DW_JSON_OBJECT)
		i = dw_json__find(parent, tok.s, tok.len, &found);
	else if (parent && parent->type == DW_JSON_ARRAY)
		found = array_index(parent, &tok, &i) == 0 && i < parent->len;
	r = found ? dw_json__remove_at(parent, i) : -ENOENT;
out:
	dw_json__token_release(&tok);
	return r;
}

/* Patterns ----------------------------------------------------------------- */

struct each {
	const char *pattern;
	int (*fn)(struct dw_json *value, void *ctx);
	void *ctx;
	struct dw_error *err;
	struct dw_json_token tok;
};

static int each_at(struct each *E, struct dw_json *v, const char *p)
{
	struct dw_json *next;
	size_t i;
	int r;

	if (!*p)
		return E->fn(v, E->ctx);
	if ((r = dw_json__token_next(&p, &E->tok, E->pattern, E->err)) < 0)
		return r;
	if (E->tok.len == 1 && E->tok.s[0] == '*' &&
	    (v->type == DW_JSON_ARRAY || v->type == DW_JSON_OBJECT)) {
		for (i = 0; i < v->len; i++) {
			next = v->type == DW_JSON_ARRAY ? v->u.items[i] : v->u.members[i].value;
			if ((r = each_at(E, next, p)) < 0)
				return r;
		}
		return 0;
	}
	next = step(v, &E->tok);
	return next ? each_at(E, next, p) : 0;
}

/* Reads every token, so that a malformed pattern fails even where nothing matches. */
static int check_tokens(const char *pattern, struct dw_json_token *tok, struct dw_error *err)
{
	const char *p = pattern;
	int r;

	while (*p)
		if ((r = dw_json__token_next(&p, tok, pattern, err)) < 0)
			return r;
	return 0;
}

int dw_json_pointer_each(struct dw_json *root, const char *pattern,
                         int (*fn)(struct dw_json *value, void *ctx), void *ctx,
                         struct dw_error *err)
{
	struct each E = { .pattern = pattern, .fn = fn, .ctx = ctx, .err = err };
	int r;

	if ((r = check_syntax(pattern, err)) < 0 || (r = check_tokens(pattern, &E.tok, err)) < 0)
		goto out;
	r = root ? each_at(&E, root, pattern) : 0;
out:
	dw_json__token_release(&E.tok);
	return r;
}
