/*
 * _names.json: the display names of the groups, assignment filters and scope
 * tags that the snapshot's objects refer to by id (docs/collectors.md, "Names
 * of targets"). Object files keep ids only, so a renamed group changes this
 * one file, not every policy that targets it. Names come only from objects
 * this run read (never guessed); when any collector was not read completely,
 * the previous file stays, as the collector's own files do.
 *
 * Collectors are staged as their reads end and their pages are freed then
 * (collect.c), so names and references are gathered object by object while
 * the objects are there (dw_snapshot__names_object), into copies that cost
 * a few bytes per id, and the file is built at the end.
 *
 * Groups are named by what refers to them, not by listing every group: once
 * the tenant's reads have ended, the groups that assignments and Conditional
 * Access policies name and no collector of the run named are read by id
 * (POST directoryObjects/getByIds, up to 1,000 ids a request). If that read
 * fails, the previous _names.json stays rather than losing names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/json.h"
#include "driftward/log.h"
#include "driftward/names.h"
#include "driftward/strlist.h"
#include "snapshot/internal.h"

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
	{ "includeGroups", 1 },   /* Conditional Access: conditions.users */
	{ "excludeGroups", 1 },
};

#define GROUPS         1    /* the section that getByIds reads names for */
#define LOOKUP_MAX_IDS 1000 /* ids Graph takes in one getByIds */

/* One getByIds request and its body. */
struct lookup {
	struct dw_graph_op op;
	char *body;
};

#define NSECTIONS DW_ARRAY_SIZE(sources)

struct named {
	char *id, *name;
	size_t namelen;
};

struct section {
	struct named *items;
	size_t count, alloc;
	struct dw_strlist refs; /* ids referred to; sorted and unique up to .sorted */
	size_t sorted;
};

struct names_run {
	struct section sections[NSECTIONS];
	struct lookup *lookups;
	size_t nlookups;
	bool lookup_failed; /* could not even be sent */
	int rc;             /* the first failure to keep a name or reference (out of memory) */
};

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_named_id(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->id, ((const struct named *)b)->id);
}

/* Sorts the references and drops repeats (every Intune object names scope tag "0"). */
static void refs_unique(struct section *s)
{
	size_t i, n = 0;

	if (!s->refs.count)
		return;
	qsort(s->refs.items, s->refs.count, sizeof(*s->refs.items), by_string);
	for (i = 0; i < s->refs.count; i++) {
		if (n && strcmp(s->refs.items[n - 1], s->refs.items[i]) == 0)
			free(s->refs.items[i]);
		else
			s->refs.items[n++] = s->refs.items[i];
	}
	s->refs.count = s->sorted = n;
}

static int add_ref(struct section *s, const struct dw_json *id)
{
	size_t len;
	const char *text = dw_json_string(id, &len);

	if (!text || memchr(text, '\0', len))
		return 0;
	/* repeats are dropped whenever the list doubled: memory follows distinct ids */
	if (s->refs.count >= 64 && s->refs.count >= 2 * s->sorted)
		refs_unique(s);
	return dw_strlist_add(&s->refs, text, len);
}

static int add_reference(struct names_run *nr, size_t ref, const struct dw_json *v)
{
	struct section *s = &nr->sections[references[ref].section];
	size_t i;
	int r = 0;

	if (dw_json_type(v) != DW_JSON_ARRAY)
		return add_ref(s, v);
	for (i = 0; r == 0 && i < dw_json_count(v); i++)
		r = add_ref(s, dw_json_at(v, i));
	return r;
}

/* Walks @v for the members of references[] at any depth (assignments nest them). */
static int add_references(struct names_run *nr, const struct dw_json *v)
{
	size_t i, j, keylen;
	const char *key;
	int r = 0;

	if (dw_json_type(v) == DW_JSON_ARRAY) {
		for (i = 0; r == 0 && i < dw_json_count(v); i++)
			r = add_references(nr, dw_json_at(v, i));
		return r;
	}
	if (dw_json_type(v) != DW_JSON_OBJECT)
		return 0;
	for (i = 0; r == 0 && i < dw_json_count(v); i++) {
		const struct dw_json *m = dw_json_member(v, i, &key, &keylen);

		for (j = 0; r == 0 && j < DW_ARRAY_SIZE(references); j++)
			if (strlen(references[j].member) == keylen &&
			    memcmp(key, references[j].member, keylen) == 0)
				r = add_reference(nr, j, m);
		r = r ?: add_references(nr, m);
	}
	return r;
}

static int add_name(struct section *s, const struct dw_json *obj, const char *key,
                    const char *field)
{
	const char *id, *name;
	size_t idlen, namelen;
	struct named n;

	id = dw_json_string(dw_json_get(obj, key), &idlen);
	name = field ? dw_json_string(dw_json_get(obj, field), &namelen) : NULL;
	if (!id || !name || memchr(id, '\0', idlen))
		return 0; /* nothing to name it by: left out, not guessed */
	if (DW_ARRAY_GROW(s->items, s->alloc, s->count + 1) < 0)
		return -ENOMEM;
	n.id = strndup(id, idlen);
	n.name = malloc(namelen + 1);
	n.namelen = namelen;
	if (!n.id || !n.name) {
		free(n.id);
		free(n.name);
		return -ENOMEM;
	}
	memcpy(n.name, name, namelen); /* a name may hold U+0000: its length, not strlen */
	n.name[namelen] = '\0';
	s->items[s->count++] = n;
	return 0;
}

int dw_snapshot__names_object(struct tenant_run *tr, const struct dw_collector *c,
                              const struct dw_json *obj)
{
	struct names_run *nr = tr->names;
	size_t j;
	int r = 0;

	if (!nr && !(nr = tr->names = calloc(1, sizeof(*nr))))
		return -ENOMEM;
	for (j = 0; r == 0 && j < NSECTIONS; j++) {
		if (strcmp(c->name, sources[j].collector) == 0)
			r = add_name(&nr->sections[j], obj, c->key, c->name_field);
	}
	r = r ?: add_references(nr, obj);
	if (r < 0 && !nr->rc)
		nr->rc = r;
	return r;
}

static bool all_complete(const struct tenant_run *tr);

/* Is @id among the section's names (sorted by id)? */
static bool named(const struct section *s, const char *id)
{
	size_t lo = 0, hi = s->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->items[mid].id, id);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* {"ids":[...],"types":["group"]} for refs [from, to) */
static int lookup_body(const struct section *s, const size_t *pick, size_t n, char **out)
{
	struct dw_json_doc *doc = dw_json_doc_new();
	struct dw_json *root, *ids, *types;
	struct dw_buf body;
	size_t i;
	int r = doc ? 0 : -ENOMEM;

	dw_buf_init(&body, 64u << 10);
	if (r == 0) {
		root = dw_json_new_object(doc);
		ids = dw_json_new_array(doc);
		types = dw_json_new_array(doc);
		r = dw_json_set_root(doc, root);
		r = r ?: dw_json_object_set(doc, root, "ids", ids);
		r = r ?: dw_json_object_set(doc, root, "types", types);
		r = r ?: dw_json_array_append(doc, types, dw_json_new_string(doc, "group", 5));
	}
	for (i = 0; r == 0 && i < n; i++) {
		const char *id = s->refs.items[pick[i]];

		r = dw_json_array_append(doc, ids, dw_json_new_string(doc, id, strlen(id)));
	}
	r = r ?: dw_json_write(dw_json_root(doc), DW_JSON_COMPACT, &body, NULL);
	if (r == 0 && !(*out = dw_buf_detach(&body, NULL)))
		r = -ENOMEM;
	dw_buf_release(&body);
	dw_json_doc_free(doc);
	return r;
}

static char directory_read_all[] = "Directory.Read.All";
static char *lookup_permission[] = { directory_read_all };
static const struct dw_strlist lookup_permissions = { lookup_permission, 1, 0 };

static int lookup_submit(struct tenant_run *tr, const size_t *pick, size_t n)
{
	struct names_run *nr = tr->names;
	struct lookup *l;
	int r;

	l = &nr->lookups[nr->nlookups];
	r = lookup_body(&nr->sections[GROUPS], pick, n, &l->body);
	if (r < 0)
		return r;
	dw_graph_op_init(&l->op, DW_GRAPH_CALL, "v1.0", "/directoryObjects/getByIds", NULL);
	l->op.method = "POST";
	l->op.reads_only = true; /* getByIds reads: a 503 is retried like a GET's */
	l->op.body = l->body;
	l->op.body_len = strlen(l->body);
	l->op.permissions = &lookup_permissions;
	r = dw_graph_submit(tr->graph, &l->op);
	if (r < 0) {
		free(l->body);
		return r;
	}
	nr->nlookups++;
	return 0;
}

/* The referred groups no collector named, as indexes into the section's refs. */
static int unnamed_groups(struct section *s, size_t **out, size_t *n)
{
	size_t i;

	refs_unique(s);
	if (s->count)
		qsort(s->items, s->count, sizeof(*s->items), by_named_id);
	*n = 0;
	if (!(*out = calloc(s->refs.count ? s->refs.count : 1, sizeof(**out))))
		return -ENOMEM;
	for (i = 0; i < s->refs.count; i++)
		/* getByIds refuses the whole request for one id that is not a GUID */
		if (dw_is_guid(s->refs.items[i]) && !named(s, s->refs.items[i]))
			(*out)[(*n)++] = i;
	return 0;
}

void dw_snapshot__names_lookup(struct tenant_run *tr)
{
	struct names_run *nr = tr->names;
	size_t *pick = NULL, n, i;
	int r;

	if (!nr || !all_complete(tr))
		return; /* the previous file stays: nothing to look up */
	r = unnamed_groups(&nr->sections[GROUPS], &pick, &n);
	if (r == 0 && n &&
	    !(nr->lookups =
	              calloc((n + LOOKUP_MAX_IDS - 1) / LOOKUP_MAX_IDS, sizeof(*nr->lookups))))
		r = -ENOMEM;
	for (i = 0; r == 0 && i < n; i += LOOKUP_MAX_IDS)
		r = lookup_submit(tr, pick + i, n - i < LOOKUP_MAX_IDS ? n - i : LOOKUP_MAX_IDS);
	if (r < 0)
		nr->lookup_failed = true;
	free(pick);
}

/* The names getByIds answered; false when a request failed (the previous file stays). */
static bool lookup_names(struct tenant_run *tr)
{
	struct names_run *nr = tr->names;
	size_t i, j;

	if (nr->lookup_failed)
		return false;
	for (i = 0; i < nr->nlookups; i++) {
		const struct dw_graph_op *op = &nr->lookups[i].op;
		const struct dw_json *list;

		if (op->outcome != DW_GRAPH_OK || !op->npages)
			return false;
		list = dw_json_get(op->pages[0].value, "value");
		for (j = 0; j < dw_json_count(list); j++)
			if (add_name(&nr->sections[GROUPS], dw_json_at(list, j), "id",
			             "displayName") < 0)
				nr->rc = -ENOMEM;
	}
	return true;
}

/* Is a collector that names ids part of this run (false: no _names.json at all)? */
static bool any_source(const struct tenant_run *tr)
{
	size_t i, j;

	for (i = 0; i < tr->ncollectors; i++)
		for (j = 0; j < NSECTIONS; j++)
			if (strcmp(tr->collectors[i].collector->name, sources[j].collector) == 0)
				return true;
	return false;
}

static bool referred(const struct section *s, const char *id)
{
	return bsearch(&id, s->refs.items, s->refs.count, sizeof(*s->refs.items), by_string);
}

static int build(struct dw_json_doc *doc, struct names_run *nr)
{
	struct dw_json *root = dw_json_new_object(doc);
	size_t i, j;
	int r = dw_json_set_root(doc, root);

	for (j = 0; r == 0 && j < NSECTIONS; j++) {
		struct section *s = &nr->sections[j];
		struct dw_json *map = dw_json_new_object(doc);

		refs_unique(s);
		/* no items: no array at all, and qsort's pointer must not be NULL */
		if (s->count)
			qsort(s->items, s->count, sizeof(*s->items), by_named_id);
		r = dw_json_object_set(doc, root, sources[j].section, map);
		for (i = 0; r == 0 && i < s->count; i++)
			if (referred(s, s->items[i].id))
				r = dw_json_object_set(doc, map, s->items[i].id,
				                       dw_json_new_string(doc, s->items[i].name,
				                                          s->items[i].namelen));
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
	struct dw_json_doc *doc = NULL;
	struct dw_buf out;
	int r;

	dw_buf_init(&out, DW_STORE_FILE_MAX);
	if (!all_complete(tr)) {
		r = dw_store_tx_keep(tr->tx, DW_NAMES_FILE, err);
		goto out;
	}
	if (!any_source(tr)) {
		r = dw_store_tx_remove(tr->tx, DW_NAMES_FILE, err);
		goto out;
	}
	if (!tr->names && !(tr->names = calloc(1, sizeof(*tr->names))))
		r = -ENOMEM;
	else
		r = tr->names->rc;
	if (r == 0 && !lookup_names(tr)) {
		dw_log_warning("tenant %s: the names of groups were not read; _names.json kept",
		               tr->report->tenant->name);
		r = dw_store_tx_keep(tr->tx, DW_NAMES_FILE, err);
		goto out;
	}
	r = r ?: tr->names->rc;
	if (r == 0 && !(doc = dw_json_doc_new()))
		r = -ENOMEM;
	r = r ?: build(doc, tr->names);
	if (r == -ENOMEM)
		dw_error_set(err, r, DW_AREA_JSON, ENOMEM, "out of memory");
	r = r ?: dw_json_write(dw_json_root(doc), DW_JSON_PRETTY, &out, err);
	r = r ?: dw_store_tx_stage(tr->tx, DW_NAMES_FILE, out.ptr, out.len, err);
out:
	dw_json_doc_free(doc);
	dw_buf_release(&out);
	return r < 0 ? r : 0;
}

void dw_snapshot__names_release(struct tenant_run *tr)
{
	struct names_run *nr = tr->names;
	size_t i, j;

	if (!nr)
		return;
	for (j = 0; j < NSECTIONS; j++) {
		for (i = 0; i < nr->sections[j].count; i++) {
			free(nr->sections[j].items[i].id);
			free(nr->sections[j].items[i].name);
		}
		free(nr->sections[j].items);
		dw_strlist_release(&nr->sections[j].refs);
	}
	for (i = 0; i < nr->nlookups; i++) {
		dw_graph_op_release(&nr->lookups[i].op);
		free(nr->lookups[i].body);
	}
	free(nr->lookups);
	free(nr);
	tr->names = NULL;
}
