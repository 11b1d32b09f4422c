/*
 * _names.json: the display names of the groups, assignment filters and scope
 * tags that the snapshot's objects refer to by id (docs/collectors.md, "Names
 * of targets"). Object files keep ids only, so a renamed group changes this
 * one file, not every policy that targets it. Names come only from objects
 * this run read (never guessed); when any collector was not read completely,
 * the previous file stays, as the collector's own files do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/json.h"
#include "snapshot/internal.h"
#include "driftward/array.h"

/* Which collector names which section, and which member of an object refers to it. */
static const struct {
	const char *collector, *section;
} sources[] = {
	{ "assignmentFilters", "assignmentFilters" },
	{ "roleAssignableGroups", "groups" },
	{ "roleScopeTags", "roleScopeTags" },
};

static const struct {
	const char *member;
	size_t section; /* index into sources */
} references[] = {
	{ "deviceAndAppManagementAssignmentFilterId", 0 },
	{ "groupId", 1 },
	{ "roleScopeTagIds", 2 }, /* an array of ids */
};

#define NSECTIONS DW_ARRAY_SIZE(sources)

struct named {
	const char *id, *name; /* into the pages of the run */
	size_t idlen, namelen;
	bool used;
};

struct section {
	struct named *items;
	size_t count, alloc;
};

static int section_add(struct section *s, const struct named *n)
{
	if (DW_ARRAY_GROW(s->items, s->alloc, s->count + 1) < 0)
		return -ENOMEM;
	s->items[s->count++] = *n;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = memcmp(x->id, y->id, x->idlen < y->idlen ? x->idlen : y->idlen);

	return c ? c : (x->idlen > y->idlen) - (x->idlen < y->idlen);
}

/* Every object of a collector read completely, page by page. */
static int each_object(const struct collector_run *cr,
                       int (*fn)(const struct dw_json *obj, void *ctx), void *ctx)
{
	size_t p, i;
	int r = 0;

	if (cr->report->status != DW_COLLECTOR_OK)
		return 0;
	for (p = 0; r == 0 && p < cr->op.npages; p++) {
		const struct dw_graph_page *page = &cr->op.pages[p];

		for (i = 0; r == 0 && i < page->count; i++)
			r = fn(cr->collector->singleton ? page->value : dw_json_at(page->value, i),
			       ctx);
	}
	return r;
}

struct source_ctx {
	const struct dw_collector *collector;
	struct section *section;
};

static int add_source_object(const struct dw_json *obj, void *ctx)
{
	struct source_ctx *S = ctx;
	struct named n = { 0 };
	const char *field = S->collector->name_field;

	n.id = dw_json_string(dw_json_get(obj, S->collector->key), &n.idlen);
	n.name = field ? dw_json_string(dw_json_get(obj, field), &n.namelen) : NULL;
	if (!n.id || !n.name)
		return 0; /* nothing to name it by: left out, not guessed */
	return section_add(S->section, &n);
}

static void mark_used(struct section *s, const struct dw_json *id)
{
	struct named key = { 0 }, *hit;

	key.id = dw_json_string(id, &key.idlen);
	if (!key.id || !s->count)
		return;
	hit = bsearch(&key, s->items, s->count, sizeof(*s->items), by_id);
	if (hit)
		hit->used = true;
}

static void mark_reference(struct section *sections, size_t ref, const struct dw_json *v)
{
	struct section *s = &sections[references[ref].section];
	size_t i;

	if (dw_json_type(v) == DW_JSON_ARRAY)
		for (i = 0; i < dw_json_count(v); i++)
			mark_used(s, dw_json_at(v, i));
	else
		mark_used(s, v);
}

/* Walks @v for the members of references[] at any depth (assignments nest them). */
static void mark_references(struct section *sections, const struct dw_json *v)
{
	size_t i, j, keylen;
	const char *key;

	if (dw_json_type(v) == DW_JSON_ARRAY) {
		for (i = 0; i < dw_json_count(v); i++)
			mark_references(sections, dw_json_at(v, i));
		return;
	}
	if (dw_json_type(v) != DW_JSON_OBJECT)
		return;
	for (i = 0; i < dw_json_count(v); i++) {
		const struct dw_json *m = dw_json_member(v, i, &key, &keylen);

		for (j = 0; j < DW_ARRAY_SIZE(references); j++)
			if (strlen(references[j].member) == keylen &&
			    memcmp(key, references[j].member, keylen) == 0)
				mark_reference(sections, j, m);
		mark_references(sections, m);
	}
}

static int mark_object(const struct dw_json *obj, void *ctx)
{
	mark_references(ctx, obj);
	return 0;
}

/* Reads the names (false: no source collector in this run) and marks the used ones. */
static int gather(struct tenant_run *tr, struct section *sections, bool *any_source)
{
	size_t i, j;
	int r = 0;

	*any_source = false;
	for (i = 0; r == 0 && i < tr->ncollectors; i++) {
		for (j = 0; j < NSECTIONS; j++) {
			struct source_ctx S = { tr->collectors[i].collector, &sections[j] };

			if (strcmp(S.collector->name, sources[j].collector) != 0)
				continue;
			*any_source = true;
			r = each_object(&tr->collectors[i], add_source_object, &S);
		}
	}
	/* no items: no array at all, and qsort's pointer must not be NULL */
	for (j = 0; j < NSECTIONS; j++)
		if (sections[j].count)
			qsort(sections[j].items, sections[j].count, sizeof(*sections[j].items),
			      by_id);
	for (i = 0; r == 0 && i < tr->ncollectors; i++)
		r = each_object(&tr->collectors[i], mark_object, sections);
	return r;
}

static int build(struct dw_json_doc *doc, const struct section *sections)
{
	struct dw_json *root = dw_json_new_object(doc);
	size_t i, j;
	int r = dw_json_set_root(doc, root);

	for (j = 0; r == 0 && j < NSECTIONS; j++) {
		struct dw_json *map = dw_json_new_object(doc);

		r = dw_json_object_set(doc, root, sources[j].section, map);
		for (i = 0; r == 0 && i < sections[j].count; i++) {
			const struct named *n = &sections[j].items[i];

			if (n->used)
				r = dw_json_object_setn(
				        doc, map, n->id, n->idlen,
				        dw_json_new_string(doc, n->name, n->namelen));
		}
	}
	return r;
}

static bool all_complete(const struct tenant_run *tr)
{
	size_t i;

	for (i = 0; i < tr->ncollectors; i++)
		if (dw_collector_status_incomplete(tr->collectors[i].report->status))
			return false;
	return true;
}

int dw_snapshot__names_stage(struct tenant_run *tr, struct dw_error *err)
{
	struct section sections[NSECTIONS] = { { 0 } };
	struct dw_json_doc *doc = NULL;
	struct dw_buf out;
	bool any_source;
	size_t j;
	int r;

	dw_buf_init(&out, DW_STORE_FILE_MAX);
	if (!all_complete(tr)) {
		r = dw_store_tx_keep(tr->tx, DW_NAMES_FILE, err);
		goto out;
	}
	r = gather(tr, sections, &any_source);
	if (r == 0 && !any_source) {
		r = dw_store_tx_remove(tr->tx, DW_NAMES_FILE, err);
		goto out;
	}
	if (r == 0 && !(doc = dw_json_doc_new()))
		r = -ENOMEM;
	r = r ?: build(doc, sections);
	if (r == -ENOMEM)
		dw_error_set(err, r, DW_AREA_JSON, ENOMEM, "out of memory");
	r = r ?: dw_json_write(dw_json_root(doc), DW_JSON_PRETTY, &out, err);
	r = r ?: dw_store_tx_stage(tr->tx, DW_NAMES_FILE, out.ptr, out.len, err);
out:
	for (j = 0; j < NSECTIONS; j++)
		free(sections[j].items);
	dw_json_doc_free(doc);
	dw_buf_release(&out);
	return r < 0 ? r : 0;
}
