/*
 * A tenant's snapshot as the evaluator sees it: per collector, its status
 * from _status.json and its objects, parsed. A collector that _status.json
 * does not list was not read by this snapshot at all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/internal.h"
#include "driftward/naming.h"
#include "driftward/store.h"

struct dw_bl_snapshot *dw_bl_snapshot_new(void)
{
	return calloc(1, sizeof(struct dw_bl_snapshot));
}

void dw_baseline__collector_drop(struct bl_collector *c)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		free(c->objects[i].path);
		dw_json_doc_free(c->objects[i].doc);
	}
	free(c->objects);
	c->objects = NULL;
	c->count = c->alloc = 0;
}

static void collector_release(struct bl_collector *c)
{
	dw_baseline__collector_drop(c);
	free(c->name);
	free(c->status);
	free(c->detail);
}

void dw_bl_snapshot_free(struct dw_bl_snapshot *snap)
{
	size_t i;

	if (!snap)
		return;
	for (i = 0; i < snap->count; i++)
		collector_release(&snap->collectors[i]);
	free(snap->collectors);
	free(snap);
}

const struct bl_collector *dw_baseline__collector(const struct dw_bl_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (strcmp(s->collectors[i].name, name) == 0)
			return &s->collectors[i];
	return NULL;
}

/* The index of collector @name (added when new), or SIZE_MAX. */
static size_t collector(struct dw_bl_snapshot *s, const char *name, size_t len)
{
	struct bl_collector *c;
	size_t i;

	/* objects come grouped: the collector of the previous one is the likely one */
	if (s->last < s->count && !strncmp(s->collectors[s->last].name, name, len) &&
	    !s->collectors[s->last].name[len])
		return s->last;
	for (i = s->count; i-- > 0;)
		if (strlen(s->collectors[i].name) == len &&
		    !memcmp(s->collectors[i].name, name, len))
			return s->last = i;
	if (DW_ARRAY_GROW(s->collectors, s->alloc, s->count + 1) < 0)
		return SIZE_MAX;
	c = &s->collectors[s->count];
	memset(c, 0, sizeof(*c));
	if (!(c->name = strndup(name, len)))
		return SIZE_MAX;
	return s->last = s->count++;
}

static char *cstr_dup(const struct dw_json *v)
{
	const char *s = v ? dw_json_cstr(v) : NULL;

	return s ? strdup(s) : NULL;
}

static int add_status(struct dw_bl_snapshot *s, const struct dw_json *all)
{
	struct bl_collector *c;
	const char *key;
	size_t i, keylen;

	s->has_status = true;
	for (i = 0; i < dw_json_count(all); i++) {
		struct dw_json *v = dw_json_member(all, i, &key, &keylen);
		size_t k = collector(s, key, keylen);

		if (k == SIZE_MAX)
			return -ENOMEM;
		c = &s->collectors[k];
		free(c->status);
		free(c->detail);
		c->status = cstr_dup(dw_json_get(v, "status"));
		c->detail = cstr_dup(dw_json_get(v, "detail"));
		if (!c->status)
			c->status = strdup(
			        "failed"); /* a status we can't read is no proof of completeness */
		if (!c->status)
			return -ENOMEM;
	}
	return 0;
}

/*
 * An object costs its document and one allocation for its path and id (its
 * name is the document's own string): a snapshot may hold a collector of
 * hundreds of thousands, and every malloc and free of them shows.
 */
static int add_object(struct bl_collector *c, const char *path, struct dw_json_doc *doc)
{
	const struct dw_json *root = dw_json_root(doc), *name;
	size_t plen = strlen(path) + 1, len;
	struct bl_object *o;
	struct dw_buf id;
	const char *escaped;
	int r = -ENOMEM;

	dw_buf_init(&id, 4096);
	if (dw_object_path_id(path, &escaped, &len) < 0 || dw_unescape_id(&id, escaped, len) < 0)
		dw_buf_reset(&id); /* a file of another shape: known by its path alone */
	if (DW_ARRAY_GROW(c->objects, c->alloc, c->count + 1) < 0)
		goto out;
	o = &c->objects[c->count];
	if (!(o->path = malloc(plen + id.len + 1)))
		goto out;
	memcpy(o->path, path, plen);
	memcpy(o->path + plen, dw_buf_cstr(&id), id.len + 1);
	o->id = o->path + plen;
	name = dw_json_get(root, "displayName");
	o->name = dw_json_cstr(name ? name : dw_json_get(root, "name"));
	o->doc = doc;
	doc = NULL;
	c->count++;
	r = 0;
out:
	dw_json_doc_free(doc);
	dw_buf_release(&id);
	return r;
}

int dw_baseline__snapshot_add(struct dw_bl_snapshot *snap, const char *path, const void *data,
                              size_t len, size_t *added, struct dw_error *err)
{
	const char *slash = strchr(path, '/'), *base = slash ? slash + 1 : path;
	struct dw_json_doc *doc = NULL;
	size_t n = strlen(path), k;
	int r;

	*added = SIZE_MAX;
	if (n < 5 || strcmp(path + n - 5, ".json") != 0)
		return 0; /* DRIFT.md and friends */
	if (!slash && strcmp(path, "_status.json") != 0)
		return 0; /* drift.json */
	if (slash && (strchr(base, '/') || base[0] == '_'))
		return 0;
	if ((r = dw_json_parse(data, len, path, &doc, err)) < 0)
		return r;
	if (!slash) {
		r = add_status(snap, dw_json_get(dw_json_root(doc), "collectors"));
		dw_json_doc_free(doc);
		return r;
	}
	if ((k = collector(snap, path, (size_t)(slash - path))) == SIZE_MAX) {
		dw_json_doc_free(doc);
		return -ENOMEM;
	}
	*added = k;
	return add_object(&snap->collectors[k], path, doc);
}

int dw_bl_snapshot_add(struct dw_bl_snapshot *snap, const char *path, const void *data, size_t len,
                       struct dw_error *err)
{
	size_t added;

	return dw_baseline__snapshot_add(snap, path, data, len, &added, err);
}

static int add_read(const char *path, const void *data, size_t len, void *payload)
{
	void **p = payload;

	return dw_bl_snapshot_add(p[0], path, data, len, p[1]);
}

int dw_bl_snapshot_read(struct dw_store *store, const char *rev, struct dw_bl_snapshot **out,
                        struct dw_error *err)
{
	struct dw_bl_snapshot *snap = dw_bl_snapshot_new();
	void *p[2] = { snap, err };
	int r;

	*out = NULL;
	if (!snap)
		return -ENOMEM;
	r = dw_store_read_files(store, rev, "", add_read, p, err);
	if (r < 0) {
		dw_bl_snapshot_free(snap);
		return r;
	}
	*out = snap;
	return 0;
}
