/*
 * Desired state: desired/<tenant>/<collector>/<object>.json on the approved
 * ref. Every difference between such a file and the snapshot's object (found
 * by id, so a rename does not hide it) is drift, reported per JSON Pointer
 * path with the desired and the actual value. A desired object the tenant
 * lacks is drift; objects desired/ does not list are not judged here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/internal.h"
#include "driftward/naming.h"

/* Differences reported per object; past it, one line says how many more there are. */
#define MAX_DIFFS 100

struct diff {
	struct dw_drift *d;
	struct dw_json *list; /* the failures, placed in the finding once it exists */
	size_t count;
	char path[4096];
};

static int diff_add(struct diff *D, const struct dw_json *want, const struct dw_json *have)
{
	struct dw_drift *d = D->d;
	struct dw_json *f;
	int r = 0;

	if (D->count++ >= MAX_DIFFS)
		return 0;
	if (!D->list && !(D->list = dw_json_new_array(d->doc)))
		return -ENOMEM;
	f = dw_json_new_object(d->doc);
	r = r ?: dw_json_object_set(d->doc, f, "path", dw_json_new_cstr(d->doc, D->path));
	r = r ?: dw_json_object_set(d->doc, f, "operator", dw_json_new_cstr(d->doc, "equals"));
	if (want)
		r = r ?: dw_json_object_set(d->doc, f, "expected", dw_json_clone(d->doc, want));
	else
		r = r
		            ?: dw_json_object_set(d->doc, f, "unexpected",
		                                  dw_json_new_bool(d->doc, true));
	if (have)
		r = r ?: dw_json_object_set(d->doc, f, "actual", dw_json_clone(d->doc, have));
	else
		r = r ?: dw_json_object_set(d->doc, f, "missing", dw_json_new_bool(d->doc, true));
	return r ?: dw_json_array_append(d->doc, D->list, f);
}

static int diff(struct diff *D, const struct dw_json *want, const struct dw_json *have);

/* Appends "/<escaped key>" to D->path; returns the old length to restore. */
static size_t push(struct diff *D, const char *key, size_t len)
{
	size_t at = strlen(D->path), n = at, i;

	for (i = 0; i < len && n + 3 < sizeof(D->path); i++) {
		if (i == 0)
			D->path[n++] = '/';
		if (key[i] == '~' || key[i] == '/') {
			D->path[n++] = '~';
			D->path[n++] = key[i] == '~' ? '0' : '1';
		} else {
			D->path[n++] = key[i];
		}
	}
	if (len == 0 && n + 1 < sizeof(D->path))
		D->path[n++] = '/';
	D->path[n] = '\0';
	return at;
}

static int diff_objects(struct diff *D, const struct dw_json *want, const struct dw_json *have)
{
	const char *key;
	size_t i, keylen, at;
	int r = 0;

	for (i = 0; r == 0 && i < dw_json_count(want); i++) {
		struct dw_json *w = dw_json_member(want, i, &key, &keylen);

		at = push(D, key, keylen);
		r = diff(D, w, dw_json_getn(have, key, keylen));
		D->path[at] = '\0';
	}
	for (i = 0; r == 0 && i < dw_json_count(have); i++) {
		struct dw_json *h = dw_json_member(have, i, &key, &keylen);

		if (dw_json_getn(want, key, keylen))
			continue;
		at = push(D, key, keylen);
		r = diff_add(D, NULL, h);
		D->path[at] = '\0';
	}
	return r;
}

static int diff(struct diff *D, const struct dw_json *want, const struct dw_json *have)
{
	char idx[24];
	size_t i, at;
	int r = 0;

	if (!have || dw_json_type(want) != dw_json_type(have))
		return dw_json_compare(want, have ? have : want) == 0 && have
		               ? 0
		               : diff_add(D, want, have);
	if (dw_json_type(want) == DW_JSON_OBJECT)
		return diff_objects(D, want, have);
	if (dw_json_type(want) != DW_JSON_ARRAY || dw_json_count(want) != dw_json_count(have))
		return dw_json_compare(want, have) == 0 ? 0 : diff_add(D, want, have);
	for (i = 0; r == 0 && i < dw_json_count(want); i++) {
		snprintf(idx, sizeof(idx), "%zu", i);
		at = push(D, idx, strlen(idx));
		r = diff(D, dw_json_at(want, i), dw_json_at(have, i));
		D->path[at] = '\0';
	}
	return r;
}

static int cmp_id(const void *a, const void *b)
{
	const struct bl_object *x = *(const struct bl_object *const *)a;
	const struct bl_object *y = *(const struct bl_object *const *)b;
	int c = strcmp(x->id, y->id);

	/* objects sharing an id: the first read wins, as it did in a walk */
	return c ? c : (x > y) - (x < y);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp((*(const struct bl_object *const *)a)->path,
	              (*(const struct bl_object *const *)b)->path);
}

int dw_baseline__lookup_init(struct bl_lookup *L, const struct bl_collector *c)
{
	size_t i, n = c ? c->count : 0;

	memset(L, 0, sizeof(*L));
	if (n == 0)
		return 0;
	L->by_id = calloc(n, sizeof(*L->by_id));
	L->by_path = calloc(n, sizeof(*L->by_path));
	if (!L->by_id || !L->by_path) {
		dw_baseline__lookup_release(L);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		L->by_id[i] = L->by_path[i] = &c->objects[i];
	qsort(L->by_id, n, sizeof(*L->by_id), cmp_id);
	qsort(L->by_path, n, sizeof(*L->by_path), cmp_path);
	L->n = n;
	return 0;
}

void dw_baseline__lookup_release(struct bl_lookup *L)
{
	free(L->by_id);
	free(L->by_path);
	memset(L, 0, sizeof(*L));
}

/* The first of @sorted (by id, or by path) whose key is @key, or NULL. */
static const struct bl_object *lower_bound(const struct bl_object **sorted, size_t n, bool by_id,
                                           const char *key)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(by_id ? sorted[mid]->id : sorted[mid]->path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || strcmp(by_id ? sorted[lo]->id : sorted[lo]->path, key))
		return NULL;
	return sorted[lo];
}

/*
 * The snapshot's object with the id of desired file @rel ("<collector>/<file>.json"),
 * else the one at that path: binary searches, since a tenant's desired state
 * may list every object of a large collector.
 */
static const struct bl_object *find_object(const struct bl_lookup *L, const char *rel)
{
	const struct bl_object *found = NULL;
	const char *escaped;
	struct dw_buf id;
	size_t len;

	dw_buf_init(&id, 4096);
	if (dw_object_path_id(rel, &escaped, &len) == 0 && dw_unescape_id(&id, escaped, len) == 0)
		found = lower_bound(L->by_id, L->n, true, dw_buf_cstr(&id));
	if (!found)
		found = lower_bound(L->by_path, L->n, false, rel);
	dw_buf_release(&id);
	return found;
}

static int finding(struct dw_drift *d, const char *rel, const char *collector,
                   enum dw_drift_status st, const struct bl_object *o, const char *why,
                   const char *source, struct dw_json **out)
{
	char title[600], path[512];
	/* a desired object the tenant lacks is known by its desired file */
	struct bl_object named = { path, path, NULL, NULL };
	struct bl_finding f = { "desired", "desired-state", title, "high", collector, source,
		                st,        o ? o : &named,  true,  why };

	snprintf(path, sizeof(path), "%s", rel);
	snprintf(title, sizeof(title), "%s is as desired", rel);
	return dw_baseline__finding(d, &f, out);
}

/* The status of desired file @rel and why; differences go to @D. */
static int judge(const struct bl_collector *c, const struct bl_lookup *L, const char *rel,
                 const char *collector, const struct dw_json *want, const struct bl_object **o,
                 struct diff *D, enum dw_drift_status *st, char *why, size_t len)
{
	int r;

	*o = find_object(L, rel);
	*st = DW_DRIFT_FAIL;
	if (!c || !c->status || strcmp(c->status, "ok")) {
		*st = DW_DRIFT_UNKNOWN;
		snprintf(why, len, "collector %s was not read completely", collector);
	} else if (!*o) {
		snprintf(why, len, "the tenant has no such object");
	} else if ((r = diff(D, want, dw_json_root((*o)->doc))) < 0) {
		return r;
	} else if (D->count) {
		snprintf(why, len, "%zu difference%s from the desired state%s", D->count,
		         D->count == 1 ? "" : "s",
		         D->count > MAX_DIFFS ? " (the first 100 listed)" : "");
	} else {
		*st = DW_DRIFT_PASS;
		snprintf(why, len, "the object is as desired");
	}
	return 0;
}

int dw_baseline__desired_judge(struct dw_drift *d, const struct bl_want *w,
                               const struct bl_collector *c, const struct bl_lookup *L)
{
	const struct bl_file *file = w->file;
	char why[DW_ERROR_MSG_MAX + 300];
	const struct bl_object *o = NULL;
	struct dw_json_doc *doc = NULL;
	struct dw_json *f = NULL;
	struct diff D = { d, NULL, 0, "" };
	struct dw_error err;
	enum dw_drift_status st = DW_DRIFT_ERROR;
	int r = 0;

	dw_error_clear(&err);
	if (dw_json_parse(file->data, file->len, file->path, &doc, &err) < 0)
		snprintf(why, sizeof(why), "%s:%u:%u: %s", file->path, err.line, err.col, err.msg);
	else
		r = judge(c, L, w->rel, w->collector, dw_json_root(doc), &o, &D, &st, why,
		          sizeof(why));
	r = r ?: finding(d, w->rel, w->collector, st, o, why, file->path, &f);
	if (r == 0 && D.list)
		r = dw_json_object_set(d->doc, f, "failures", D.list);
	dw_json_doc_free(doc);
	return r;
}

struct want_list {
	struct bl_want *items;
	size_t count, alloc, prefix_len;
};

static int list_one(const struct bl_file *file, void *payload)
{
	struct want_list *L = payload;
	const char *rel = file->path + L->prefix_len, *slash = strchr(rel, '/');
	struct bl_want *w;

	if (!slash || strchr(slash + 1, '/') || slash[1] == '_' ||
	    (size_t)(slash - rel) >= sizeof(w->collector))
		return 0; /* _complete and other markers are restore's */
	if (DW_ARRAY_GROW(L->items, L->alloc, L->count + 1) < 0)
		return -ENOMEM;
	w = &L->items[L->count++];
	memset(w, 0, sizeof(*w));
	w->file = file;
	w->rel = rel;
	memcpy(w->collector, rel, (size_t)(slash - rel));
	w->collector[slash - rel] = '\0';
	return 0;
}

int dw_baseline__desired_list(const struct dw_bl_files *files, const char *tenant,
                              struct bl_want **out, size_t *n)
{
	char prefix[300];
	struct want_list L = { NULL, 0, 0, 0 };
	int r;

	snprintf(prefix, sizeof(prefix), "desired/%s/", tenant);
	L.prefix_len = strlen(prefix);
	r = dw_baseline__each_file(files, prefix, ".json", list_one, &L);
	if (r < 0) {
		free(L.items);
		L.items = NULL;
		L.count = 0;
	}
	*out = L.items;
	*n = L.count;
	return r < 0 ? r : 0;
}
