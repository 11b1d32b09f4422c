/*
 * The document tree: accessors, the builder, ordering and copying.
 *
 * Containers hold pointers to values, so a value's address never changes
 * while its document lives, whatever is added around it. Object members are
 * always in canonical key order; an insert shifts the pointers after it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/internal.h"

struct dw_json_doc *dw_json_doc_new(void)
{
	struct dw_json_doc *doc = calloc(1, sizeof(*doc));

	if (doc)
		dw_json__arena_init(&doc->arena);
	return doc;
}

void dw_json_doc_free(struct dw_json_doc *doc)
{
	if (!doc)
		return;
	if (doc->arena.wipe)
		dw_wipe(doc->input, doc->input_len);
	free(doc->input);
	dw_json__arena_release(&doc->arena);
	free(doc);
}

size_t dw_json_doc_size(const struct dw_json_doc *doc)
{
	return doc ? sizeof(*doc) + doc->input_len + doc->arena.bytes : 0;
}

struct dw_json *dw_json_root(const struct dw_json_doc *doc)
{
	return doc ? doc->root : NULL;
}

struct dw_json *dw_json__alloc(struct dw_json_doc *doc, enum dw_json_type type)
{
	struct dw_json *v = dw_json__arena_alloc(&doc->arena, sizeof(*v));

	if (v) {
		memset(v, 0, sizeof(*v));
		v->type = (uint8_t)type;
	}
	return v;
}

/* Inspecting --------------------------------------------------------------- */

enum dw_json_type dw_json_type(const struct dw_json *v)
{
	return v ? (enum dw_json_type)v->type : DW_JSON_NULL;
}

const char *dw_json_type_name(enum dw_json_type type)
{
	switch (type) {
	case DW_JSON_NULL:
		return "null";
	case DW_JSON_FALSE:
	case DW_JSON_TRUE:
		return "boolean";
	case DW_JSON_NUMBER:
		return "number";
	case DW_JSON_STRING:
		return "string";
	case DW_JSON_ARRAY:
		return "array";
	case DW_JSON_OBJECT:
		return "object";
	}
	return "unknown";
}

const char *dw_json_string(const struct dw_json *v, size_t *len)
{
	if (!v || v->type != DW_JSON_STRING)
		return NULL;
	if (len)
		*len = v->len;
	return v->u.str;
}

const char *dw_json_cstr(const struct dw_json *v)
{
	if (!v || v->type != DW_JSON_STRING || memchr(v->u.str, '\0', v->len))
		return NULL;
	return v->u.str;
}

double dw_json_number(const struct dw_json *v)
{
	return v && v->type == DW_JSON_NUMBER ? dw_json_num(v) : 0.0;
}

int dw_json_int64(const struct dw_json *v, int64_t *out)
{
	double d;

	if (!v || v->type != DW_JSON_NUMBER)
		return -EINVAL;
	d = dw_json_num(v);
	/* a big literal beyond 2^63 keeps its text but its double says where it is */
	if (d != floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
		return -ERANGE;
	if (v->flags & DW_JSON_F_TEXT) {
		char *end;
		long long x;

		errno = 0;
		x = strtoll(v->u.big->text, &end, 10);
		if (errno || end != v->u.big->text + v->len)
			return -ERANGE;
		*out = x;
		return 0;
	}
	*out = (int64_t)d;
	return 0;
}

bool dw_json_bool(const struct dw_json *v)
{
	return v && v->type == DW_JSON_TRUE;
}

size_t dw_json_count(const struct dw_json *v)
{
	if (!v || (v->type != DW_JSON_ARRAY && v->type != DW_JSON_OBJECT))
		return 0;
	return v->len;
}

struct dw_json *dw_json_at(const struct dw_json *array, size_t i)
{
	if (!array || array->type != DW_JSON_ARRAY || i >= array->len)
		return NULL;
	return array->u.items[i];
}

struct dw_json *dw_json_member(const struct dw_json *object, size_t i, const char **key,
                               size_t *keylen)
{
	const struct dw_json_member *m;

	if (!object || object->type != DW_JSON_OBJECT || i >= object->len)
		return NULL;
	m = &object->u.members[i];
	if (key)
		*key = m->key;
	if (keylen)
		*keylen = m->keylen;
	return m->value;
}

size_t dw_json__find(const struct dw_json *object, const char *key, size_t keylen, bool *found)
{
	size_t lo = 0, hi = object->len, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = dw_json__utf16_cmp(object->u.members[mid].key, object->u.members[mid].keylen,
		                       key, keylen);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct dw_json *dw_json_getn(const struct dw_json *object, const char *key, size_t keylen)
{
	bool found;
	size_t i;

	if (!object || object->type != DW_JSON_OBJECT || !key)
		return NULL;
	i = dw_json__find(object, key, keylen, &found);
	return found ? object->u.members[i].value : NULL;
}

struct dw_json *dw_json_get(const struct dw_json *object, const char *key)
{
	return key ? dw_json_getn(object, key, strlen(key)) : NULL;
}

/* Ordering ----------------------------------------------------------------- */

static int cmp_numbers(const struct dw_json *a, const struct dw_json *b)
{
	double x = dw_json_num(a), y = dw_json_num(b);

	if (x != y)
		return x < y ? -1 : 1;
	size_t n;
	int c;

	/* the same double: a kept literal is a different value (or text) */
	if (!((a->flags | b->flags) & DW_JSON_F_TEXT))
		return 0;
	if (!(a->flags & DW_JSON_F_TEXT) || !(b->flags & DW_JSON_F_TEXT))
		return a->flags & DW_JSON_F_TEXT ? 1 : -1;
	/* both integers with the same sign: more digits is further from zero */
	if (a->len != b->len)
		c = a->len < b->len ? -1 : 1;
	else
		c = (n = a->len) ? memcmp(a->u.big->text, b->u.big->text, n) : 0;
	c = c < 0 ? -1 : c > 0;
	return x < 0 ? -c : c;
}

int dw_json_compare(const struct dw_json *a, const struct dw_json *b)
{
	size_t i, n;
	int c;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	switch (a->type) {
	case DW_JSON_NUMBER:
		return cmp_numbers(a, b);
	case DW_JSON_STRING:
		return dw_json__utf16_cmp(a->u.str, a->len, b->u.str, b->len);
	case DW_JSON_ARRAY:
		n = a->len < b->len ? a->len : b->len;
		for (i = 0; i < n; i++)
			if ((c = dw_json_compare(a->u.items[i], b->u.items[i])) != 0)
				return c;
		return a->len < b->len ? -1 : a->len > b->len;
	case DW_JSON_OBJECT:
		n = a->len < b->len ? a->len : b->len;
		for (i = 0; i < n; i++) {
			const struct dw_json_member *x = &a->u.members[i], *y = &b->u.members[i];

			if ((c = dw_json__utf16_cmp(x->key, x->keylen, y->key, y->keylen)) != 0)
				return c;
			if ((c = dw_json_compare(x->value, y->value)) != 0)
				return c;
		}
		return a->len < b->len ? -1 : a->len > b->len;
	default:
		return 0;
	}
}

/* Building ----------------------------------------------------------------- */

struct dw_json *dw_json_new_null(struct dw_json_doc *doc)
{
	return dw_json__alloc(doc, DW_JSON_NULL);
}

struct dw_json *dw_json_new_bool(struct dw_json_doc *doc, bool value)
{
	return dw_json__alloc(doc, value ? DW_JSON_TRUE : DW_JSON_FALSE);
}

struct dw_json *dw_json_new_number(struct dw_json_doc *doc, double value)
{
	struct dw_json *v;

	if (!isfinite(value) || !(v = dw_json__alloc(doc, DW_JSON_NUMBER)))
		return NULL;
	v->u.num = value;
	return v;
}

struct dw_json *dw_json_new_int64(struct dw_json_doc *doc, int64_t value)
{
	struct dw_json *v = dw_json_new_number(doc, (double)value);
	char text[24];
	int n;

	if (!v || (value >= -9007199254740992LL && value <= 9007199254740992LL))
		return v;
	/* the rule of the reader: keep the digits where the double would lose them */
	n = snprintf(text, sizeof(text), "%lld", (long long)value);
	if (dw_json__integer_needs_text(text, (size_t)n, v->u.num)) {
		struct dw_json_bignum *big = dw_json__arena_alloc(&doc->arena, sizeof(*big));

		if (!big || !(big->text = dw_json__arena_strdup(&doc->arena, text, (size_t)n)))
			return NULL;
		big->num = v->u.num;
		v->u.big = big;
		v->len = (uint32_t)n;
		v->flags |= DW_JSON_F_TEXT;
	}
	return v;
}

struct dw_json *dw_json_new_string(struct dw_json_doc *doc, const char *s, size_t len)
{
	struct dw_json *v;

	if (len > UINT32_MAX || !dw_json__utf8_valid(s, len) ||
	    !(v = dw_json__alloc(doc, DW_JSON_STRING)))
		return NULL;
	if (!(v->u.str = dw_json__arena_strdup(&doc->arena, s, len)))
		return NULL;
	v->len = (uint32_t)len;
	return v;
}

struct dw_json *dw_json_new_cstr(struct dw_json_doc *doc, const char *s)
{
	return s ? dw_json_new_string(doc, s, strlen(s)) : NULL;
}

struct dw_json *dw_json_new_array(struct dw_json_doc *doc)
{
	return dw_json__alloc(doc, DW_JSON_ARRAY);
}

struct dw_json *dw_json_new_object(struct dw_json_doc *doc)
{
	return dw_json__alloc(doc, DW_JSON_OBJECT);
}

/* The room in a container's table (see struct dw_json). */
static size_t room_of(const struct dw_json *c)
{
	size_t cap = 4;

	if (c->flags & DW_JSON_F_EXACT)
		return c->len;
	if (c->len == 0)
		return 0;
	while (cap < c->len)
		cap *= 2;
	return cap;
}

/* Makes room for one more item or member (the old table stays in the arena). */
static int grow(struct dw_json_doc *doc, struct dw_json *c, size_t size)
{
	size_t cap = room_of(c);
	void *p;

	if (c->len < cap)
		return 0;
	if (c->len >= UINT32_MAX / 2)
		return -ENOMEM;
	cap = c->len ? c->len * 2 : 4;
	while (cap & (cap - 1)) /* a power of two, as room_of expects */
		cap &= cap - 1;
	if (cap <= c->len)
		cap *= 2;
	if (cap < 4)
		cap = 4;
	if (!(p = dw_json__arena_alloc(&doc->arena, cap * size)))
		return -ENOMEM;
	if (c->len)
		memcpy(p, c->type == DW_JSON_ARRAY ? (void *)c->u.items : (void *)c->u.members,
		       c->len * size);
	if (c->type == DW_JSON_ARRAY)
		c->u.items = p;
	else
		c->u.members = p;
	c->flags &= (uint8_t)~DW_JSON_F_EXACT;
	return 0;
}

static int check_placeable(struct dw_json *container, enum dw_json_type type, struct dw_json *value)
{
	if (!value)
		return -ENOMEM;
	if (!container || container->type != type || (value->flags & DW_JSON_F_PLACED) ||
	    value == container)
		return -EINVAL;
	return 0;
}

int dw_json_object_setn(struct dw_json_doc *doc, struct dw_json *object, const char *key,
                        size_t keylen, struct dw_json *value)
{
	struct dw_json_member *m;
	bool found;
	size_t i;
	int r;

	if ((r = check_placeable(object, DW_JSON_OBJECT, value)) < 0)
		return r;
	if (!key || keylen > UINT32_MAX || !dw_json__utf8_valid(key, keylen))
		return -EINVAL;
	i = dw_json__find(object, key, keylen, &found);
	if (found) {
		object->u.members[i].value->flags &= (uint8_t)~DW_JSON_F_PLACED;
		object->u.members[i].value = value;
		value->flags |= DW_JSON_F_PLACED;
		return 0;
	}
	if (grow(doc, object, sizeof(*m)) < 0)
		return -ENOMEM;
	m = object->u.members;
	memmove(m + i + 1, m + i, (object->len - i) * sizeof(*m));
	if (!(m[i].key = dw_json__arena_strdup(&doc->arena, key, keylen)))
		return -ENOMEM;
	m[i].keylen = (uint32_t)keylen;
	m[i].value = value;
	object->len++;
	value->flags |= DW_JSON_F_PLACED;
	return 0;
}

int dw_json_object_set(struct dw_json_doc *doc, struct dw_json *object, const char *key,
                       struct dw_json *value)
{
	return dw_json_object_setn(doc, object, key, key ? strlen(key) : 0, value);
}

int dw_json_array_append(struct dw_json_doc *doc, struct dw_json *array, struct dw_json *value)
{
	int r;

	if ((r = check_placeable(array, DW_JSON_ARRAY, value)) < 0)
		return r;
	if (grow(doc, array, sizeof(*array->u.items)) < 0)
		return -ENOMEM;
	array->u.items[array->len++] = value;
	value->flags |= DW_JSON_F_PLACED;
	return 0;
}

int dw_json_set_root(struct dw_json_doc *doc, struct dw_json *value)
{
	if (!value)
		return -ENOMEM;
	if (value->flags & DW_JSON_F_PLACED)
		return -EINVAL;
	if (doc->root)
		doc->root->flags &= (uint8_t)~DW_JSON_F_PLACED;
	doc->root = value;
	value->flags |= DW_JSON_F_PLACED;
	return 0;
}

int dw_json__remove_at(struct dw_json *c, size_t i)
{
	if (c->type == DW_JSON_ARRAY) {
		c->u.items[i]->flags &= (uint8_t)~DW_JSON_F_PLACED;
		memmove(c->u.items + i, c->u.items + i + 1, (c->len - i - 1) * sizeof(*c->u.items));
	} else {
		c->u.members[i].value->flags &= (uint8_t)~DW_JSON_F_PLACED;
		memmove(c->u.members + i, c->u.members + i + 1,
		        (c->len - i - 1) * sizeof(*c->u.members));
	}
	c->len--;
	return 0;
}

int dw_json_set_string(struct dw_json_doc *doc, struct dw_json *v, const char *s, size_t len)
{
	const char *copy;

	if (!v || len > UINT32_MAX || !dw_json__utf8_valid(s, len))
		return -EINVAL;
	if (!(copy = dw_json__arena_strdup(&doc->arena, s, len)))
		return -ENOMEM;
	v->type = DW_JSON_STRING;
	v->flags &= DW_JSON_F_PLACED;
	v->u.str = copy;
	v->len = (uint32_t)len;
	return 0;
}

static struct dw_json *clone_container(struct dw_json_doc *doc, const struct dw_json *v,
                                       struct dw_json *c)
{
	size_t i;

	if (!v->len)
		return c;
	if (v->type == DW_JSON_ARRAY) {
		if (!(c->u.items = dw_json__arena_alloc(&doc->arena, v->len * sizeof(*c->u.items))))
			return NULL;
		for (i = 0; i < v->len; i++)
			if (!(c->u.items[i] = dw_json_clone(doc, v->u.items[i])))
				return NULL;
	} else {
		if (!(c->u.members =
		              dw_json__arena_alloc(&doc->arena, v->len * sizeof(*c->u.members))))
			return NULL;
		for (i = 0; i < v->len; i++) {
			const struct dw_json_member *m = &v->u.members[i];

			c->u.members[i].keylen = m->keylen;
			c->u.members[i].key = dw_json__arena_strdup(&doc->arena, m->key, m->keylen);
			c->u.members[i].value = dw_json_clone(doc, m->value);
			if (!c->u.members[i].key || !c->u.members[i].value)
				return NULL;
		}
	}
	c->len = v->len;
	c->flags |= DW_JSON_F_EXACT;
	return c;
}

struct dw_json *dw_json_clone(struct dw_json_doc *doc, const struct dw_json *v)
{
	struct dw_json *c;

	if (!v || !(c = dw_json__alloc(doc, (enum dw_json_type)v->type)))
		return NULL;
	switch (v->type) {
	case DW_JSON_STRING:
		c->len = v->len;
		c->u.str = dw_json__arena_strdup(&doc->arena, v->u.str, v->len);
		return c->u.str ? c : NULL;
	case DW_JSON_NUMBER:
		c->u.num = v->u.num;
		if (v->flags & DW_JSON_F_TEXT) {
			struct dw_json_bignum *big =
			        dw_json__arena_alloc(&doc->arena, sizeof(*big));

			if (!big || !(big->text = dw_json__arena_strdup(&doc->arena, v->u.big->text,
			                                                v->len)))
				return NULL;
			big->num = v->u.big->num;
			c->flags |= DW_JSON_F_TEXT;
			c->len = v->len;
			c->u.big = big;
		}
		return c;
	case DW_JSON_ARRAY:
	case DW_JSON_OBJECT:
		return clone_container(doc, v, c);
	default:
		return c;
	}
}
