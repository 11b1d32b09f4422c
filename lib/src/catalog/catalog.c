/*
 * The collector catalog: the built-in file (the copy compiled into driftward,
 * unless the configuration names another), then the user's extra files, read
 * with the strict YAML loader and checked as a whole (names unique across
 * files, restore ordering that names known collectors and has no cycle).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/internal.h"
#include "driftward/array.h"
#include "driftward/builtin.h"

#define CATALOG_SCHEMA "driftward/catalog/v1"

/* While loading: the documents stay open so later checks can point into them. */
struct load_state {
	struct dw_catalog *cat;
	struct cat_ctx ctx;
	struct dw_yaml_doc **docs;
	size_t ndocs, docs_alloc;
	const struct dw_yaml_node **afters; /* restore.after node of each collector */
	size_t alloc, afters_alloc;
};

static void vreport(struct cat_ctx *ctx, enum dw_diag_severity sev, const struct dw_yaml_node *at,
                    const char *fmt, va_list ap) DW_PRINTF(4, 0);

static void vreport(struct cat_ctx *ctx, enum dw_diag_severity sev, const struct dw_yaml_node *at,
                    const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (dw_diags_add(ctx->diags, sev, at ? at->file : NULL, at ? at->line : 0, at ? at->col : 0,
	                 "%s", msg) < 0)
		ctx->oom = 1;
}

void dw_catalog__report(struct cat_ctx *ctx, const struct dw_yaml_node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, DW_DIAG_ERROR, at, fmt, ap);
	va_end(ap);
}

void dw_catalog__report_error(struct cat_ctx *ctx, const struct dw_error *err)
{
	if (dw_diags_add(ctx->diags, DW_DIAG_ERROR, err->file[0] ? err->file : NULL, err->line,
	                 err->col, "%s", err->msg) < 0)
		ctx->oom = 1;
}

static const struct dw_collector *find_in(const struct dw_catalog *cat, const char *name)
{
	size_t i;

	for (i = 0; i < cat->count; i++)
		if (strcmp(cat->collectors[i].name, name) == 0)
			return &cat->collectors[i];
	return NULL;
}

const struct dw_collector *dw_catalog_find(const struct dw_catalog *catalog, const char *name)
{
	return catalog ? find_in(catalog, name) : NULL;
}

static int grow(struct load_state *st)
{
	size_t need = st->cat->count + 1;

	if (DW_ARRAY_GROW(st->cat->collectors, st->alloc, need) < 0 ||
	    DW_ARRAY_GROW(st->afters, st->afters_alloc, need) < 0)
		return -ENOMEM;
	return 0;
}

/* Reads one entry of `collectors` and keeps it unless its name is taken or missing. */
static void add_collector(struct load_state *st, const struct dw_yaml_node *n)
{
	struct dw_collector c = { 0 };
	const struct dw_collector *first;

	dw_catalog__parse_collector(&st->ctx, n, &c);
	first = c.name ? find_in(st->cat, c.name) : NULL;
	if (first)
		dw_catalog__report(&st->ctx, dw_yaml_get(n, "name"),
		                   "duplicate collector '%s' (first defined at %s:%u)", c.name,
		                   first->source_file, first->source_line);
	if (!c.name || first || grow(st) < 0) {
		dw_catalog__collector_release(&c);
		return;
	}
	st->afters[st->cat->count] = st->ctx.after;
	st->cat->collectors[st->cat->count++] = c;
}

static void read_collectors(struct load_state *st, const struct dw_yaml_node *list)
{
	struct dw_error err;
	size_t i;

	dw_error_clear(&err);
	if (dw_yaml_expect(list, DW_YAML_SEQ, &err) < 0) {
		dw_catalog__report_error(&st->ctx, &err);
		return;
	}
	for (i = 0; i < list->count; i++)
		add_collector(st, list->items[i]);
}

static void read_schema(struct load_state *st, const struct dw_yaml_node *n)
{
	struct dw_error err;
	const char *s;

	dw_error_clear(&err);
	if (dw_yaml_string(n, &s, &err) < 0)
		dw_catalog__report_error(&st->ctx, &err);
	else if (strcmp(s, CATALOG_SCHEMA) != 0)
		dw_catalog__report(&st->ctx, n, "schema '%.80s' is not %s", s, CATALOG_SCHEMA);
}

static void read_root(struct load_state *st, const struct dw_yaml_node *root)
{
	struct dw_error err;
	size_t i;

	dw_error_clear(&err);
	if (dw_yaml_expect(root, DW_YAML_MAP, &err) < 0) {
		dw_catalog__report_error(&st->ctx, &err);
		return;
	}
	if (!dw_yaml_get(root, "schema"))
		dw_catalog__report(&st->ctx, root, "missing key 'schema' (schema: %s)",
		                   CATALOG_SCHEMA);
	if (!dw_yaml_get(root, "collectors"))
		dw_catalog__report(&st->ctx, root, "missing key 'collectors'");
	for (i = 0; i < root->count; i++) {
		const char *k = root->keys[i]->text;

		if (strcmp(k, "schema") == 0)
			read_schema(st, root->items[i]);
		else if (strcmp(k, "collectors") == 0)
			read_collectors(st, root->items[i]);
		else if (strcmp(k, "volatile") == 0 && st->ctx.user)
			/* a user file must not change how built-in collectors are stored */
			dw_catalog__report(
			        &st->ctx, root->keys[i],
			        "'volatile' at the top is for the built-in catalog only; give "
			        "each collector its own");
		else if (strcmp(k, "volatile") == 0)
			dw_catalog__strlist(&st->ctx, root->items[i], &st->cat->volatile_keys, NULL,
			                    "a member name");
		else
			dw_catalog__report(&st->ctx, root->keys[i],
			                   "unknown key '%.80s' (schema, volatile, collectors)", k);
	}
}

/* @path, or for NULL the catalog compiled into driftward (named DW_CATALOG_BUILTIN). */
static int load_doc(const char *path, struct dw_yaml_doc **doc, struct dw_error *err)
{
	const struct dw_builtin_file *f;

	if (path)
		return dw_yaml_load_file(path, NULL, doc, err);
	f = dw_builtin_find(DW_BUILTIN_CATALOG);
	if (!f) /* the build always embeds it; a library built otherwise says so */
		return dw_error_set(err, -ENOENT, DW_AREA_SYSTEM, ENOENT,
		                    "no built-in collector catalog in this build");
	return dw_yaml_load(DW_CATALOG_BUILTIN, f->data, f->len, NULL, doc, err);
}

static void load_file(struct load_state *st, const char *path, bool user)
{
	struct dw_yaml_doc *doc = NULL;
	struct dw_error err;

	dw_error_clear(&err);
	if (load_doc(path, &doc, &err) < 0) {
		if (user || !path || err.area != DW_AREA_SYSTEM)
			dw_catalog__report_error(&st->ctx, &err);
		else if (dw_diags_add(st->ctx.diags, DW_DIAG_ERROR, path, 0, 0,
		                      "%s (set by `catalog` in [agent]; without that key "
		                      "the built-in catalog is used)",
		                      err.msg) < 0)
			st->ctx.oom = 1;
		return;
	}
	if (DW_ARRAY_GROW(st->docs, st->docs_alloc, st->ndocs + 1) < 0) {
		dw_yaml_free(doc);
		st->ctx.oom = 1;
		return;
	}
	st->docs[st->ndocs++] = doc;
	st->ctx.user = user;
	read_root(st, dw_yaml_root(doc));
}

/* The item of list @after whose text is @name, for its position. */
static const struct dw_yaml_node *item_named(const struct dw_yaml_node *after, const char *name)
{
	size_t i;

	for (i = 0; i < after->count; i++)
		if (after->items[i]->text && strcmp(after->items[i]->text, name) == 0)
			return after->items[i];
	return after;
}

/* Depth-first search for a cycle through restore.after; 0: unvisited, 1: on path, 2: done. */
static bool has_cycle(const struct dw_catalog *cat, size_t i, unsigned char *state)
{
	const struct dw_collector *c = &cat->collectors[i];
	const struct dw_collector *dep;
	size_t j;

	if (state[i] == 1)
		return true;
	if (state[i] == 2)
		return false;
	state[i] = 1;
	for (j = 0; j < c->restore_after.count; j++) {
		dep = find_in(cat, c->restore_after.items[j]);
		/* naming itself is reported on its own */
		if (dep && dep != c && has_cycle(cat, (size_t)(dep - cat->collectors), state))
			return true;
	}
	state[i] = 2;
	return false;
}

static void check_ordering(struct load_state *st)
{
	const struct dw_catalog *cat = st->cat;
	unsigned char *state = calloc(cat->count + 1, 1);
	size_t i, j;

	if (!state) {
		st->ctx.oom = 1;
		return;
	}
	for (i = 0; i < cat->count; i++) {
		const struct dw_collector *c = &cat->collectors[i];

		for (j = 0; j < c->restore_after.count; j++) {
			const char *name = c->restore_after.items[j];

			if (!find_in(cat, name))
				dw_catalog__report(&st->ctx, item_named(st->afters[i], name),
				                   "restore.after: unknown collector '%s'", name);
			else if (strcmp(name, c->name) == 0)
				dw_catalog__report(&st->ctx, item_named(st->afters[i], name),
				                   "restore.after: '%s' names itself", name);
		}
		memset(state, 0, cat->count);
		if (c->restore_after.count && has_cycle(cat, i, state))
			dw_catalog__report(
			        &st->ctx, st->afters[i],
			        "restore.after of '%s' makes a cycle in the restore order",
			        c->name);
	}
	free(state);
}

/* Reads one file and notes, under its name, how many collectors it added. */
static void load_counted(struct load_state *st, const char *path, bool user)
{
	struct dw_catalog_file *f = &st->cat->files[st->cat->nfiles];
	size_t before = st->cat->count;

	f->name = strdup(path ? path : DW_CATALOG_BUILTIN);
	if (!f->name) {
		st->ctx.oom = 1;
		return;
	}
	st->cat->nfiles++;
	load_file(st, path, user);
	f->collectors = st->cat->count - before;
}

void dw_catalog_free(struct dw_catalog *catalog)
{
	size_t i;

	if (!catalog)
		return;
	for (i = 0; i < catalog->count; i++)
		dw_catalog__collector_release(&catalog->collectors[i]);
	for (i = 0; i < catalog->nfiles; i++)
		free(catalog->files[i].name);
	free(catalog->files);
	free(catalog->collectors);
	dw_strlist_release(&catalog->volatile_keys);
	free(catalog);
}

int dw_catalog_load(const char *builtin_path, const struct dw_strlist *extra,
                    struct dw_catalog **out, struct dw_diags *diags)
{
	struct load_state st = { .ctx = { .diags = diags } };
	size_t errors = diags->errors, i;
	int r = -EINVAL;

	*out = NULL;
	st.cat = calloc(1, sizeof(*st.cat));
	if (st.cat)
		st.cat->files = calloc(1 + (extra ? extra->count : 0), sizeof(*st.cat->files));
	if (!st.cat || !st.cat->files) {
		free(st.cat);
		return -ENOMEM;
	}
	load_counted(&st, builtin_path, false);
	for (i = 0; extra && i < extra->count; i++)
		load_counted(&st, extra->items[i], true);
	check_ordering(&st);
	if (st.ctx.oom)
		r = -ENOMEM;
	else if (diags->errors == errors)
		r = 0;
	if (r == 0) {
		*out = st.cat;
		st.cat = NULL;
	}
	dw_catalog_free(st.cat);
	for (i = 0; i < st.ndocs; i++)
		dw_yaml_free(st.docs[i]);
	free(st.docs);
	free(st.afters);
	return r;
}

size_t dw_catalog_check_tenant(const struct dw_catalog *catalog, const char *config_path,
                               const struct dw_tenant_config *tenant, struct dw_diags *diags)
{
	size_t i, j, unknown = 0;

	for (i = 0; !tenant->all_collectors && i < tenant->collectors.count; i++) {
		const char *name = tenant->collectors.items[i];
		const char *hint = NULL;

		if (find_in(catalog, name))
			continue;
		for (j = 0; j < catalog->count && !hint; j++)
			if (strcasecmp(catalog->collectors[j].name, name) == 0)
				hint = catalog->collectors[j].name;
		dw_diags_add(diags, DW_DIAG_ERROR, config_path, tenant->line, 0,
		             "tenant '%s': collectors: unknown collector '%s'%s%s%s", tenant->name,
		             name, hint ? " (did you mean '" : "", hint ? hint : "",
		             hint ? "'?)" : "");
		unknown++;
	}
	return unknown;
}

int dw_catalog_select(const struct dw_catalog *catalog, const struct dw_tenant_config *tenant,
                      const struct dw_collector ***out, size_t *count, struct dw_diags *diags)
{
	const struct dw_collector **list;
	size_t i, j, n = 0;

	*out = NULL;
	*count = 0;
	if (dw_catalog_check_tenant(catalog, NULL, tenant, diags))
		return -EINVAL;
	list = calloc(catalog->count + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (i = 0; i < catalog->count; i++) {
		const struct dw_collector *c = &catalog->collectors[i];
		bool wanted = tenant->all_collectors;

		for (j = 0; !wanted && j < tenant->collectors.count; j++)
			wanted = strcmp(tenant->collectors.items[j], c->name) == 0;
		if (wanted)
			list[n++] = c;
	}
	*out = list;
	*count = n;
	return 0;
}
