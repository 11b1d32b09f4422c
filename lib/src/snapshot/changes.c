/*
 * What a tenant's commit changes, counted in objects for its subject line. A
 * renamed object (its display name is part of its file name) is a removed
 * and an added path to the tree, and git shows it as one rename: it counts
 * as one changed object. The two paths share the collector's directory and
 * the id at the end of the file name, which never changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/naming.h"
#include "snapshot/internal.h"
#include "driftward/array.h"

struct change_key {
	char *key; /* "<collector>/<id>", or the whole path for other files */
};

struct change_list {
	struct change_key *items;
	size_t n, alloc;
};

struct change_count {
	struct change_list added, removed;
	size_t changed;
};

static char *key_of(const char *path)
{
	const char *slash = strrchr(path, '/'), *id;
	size_t idlen, dirlen;
	char *key;

	if (!slash || dw_object_path_id(path, &id, &idlen) < 0)
		return strdup(path);
	dirlen = (size_t)(slash - path) + 1;
	key = malloc(dirlen + idlen + 1);
	if (key) {
		memcpy(key, path, dirlen);
		memcpy(key + dirlen, id, idlen);
		key[dirlen + idlen] = '\0';
	}
	return key;
}

static int list_add(struct change_list *l, const char *path)
{
	if (DW_ARRAY_GROW(l->items, l->alloc, l->n + 1) < 0)
		return -ENOMEM;
	l->items[l->n].key = key_of(path);
	return l->items[l->n].key ? (l->n++, 0) : -ENOMEM;
}

static void list_release(struct change_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i].key);
	free(l->items);
}

static int collect(const char *path, enum dw_store_change change, void *payload)
{
	struct change_count *c = payload;

	if (strcmp(path, DW_STATUS_FILE) == 0 || strcmp(path, DW_NAMES_FILE) == 0 ||
	    dw_snapshot__is_report(path))
		return 0;
	if (change == DW_STORE_ADDED)
		return list_add(&c->added, path);
	if (change == DW_STORE_REMOVED)
		return list_add(&c->removed, path);
	c->changed++;
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct change_key *)a)->key, ((const struct change_key *)b)->key);
}

/* Pairs each removed path with an added one of the same object: a rename. */
static size_t pair_renames(struct change_list *added, struct change_list *removed)
{
	size_t i = 0, j = 0, pairs = 0;

	qsort(added->items, added->n, sizeof(*added->items), by_key);
	qsort(removed->items, removed->n, sizeof(*removed->items), by_key);
	while (i < added->n && j < removed->n) {
		int c = strcmp(added->items[i].key, removed->items[j].key);

		if (c == 0)
			pairs++;
		i += c <= 0;
		j += c >= 0;
	}
	return pairs;
}

int dw_snapshot__count_changes(struct dw_store_tx *tx, struct dw_snapshot_tenant *t)
{
	struct change_count c = { 0 };
	size_t renamed;
	int r;

	r = dw_store_tx_foreach_change(tx, collect, &c);
	if (r == 0) {
		renamed = c.added.n && c.removed.n ? pair_renames(&c.added, &c.removed) : 0;
		t->changed = c.changed + renamed;
		t->added = c.added.n - renamed;
		t->removed = c.removed.n - renamed;
	}
	list_release(&c.added);
	list_release(&c.removed);
	return r;
}
