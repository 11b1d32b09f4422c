/*
 * The files of the approved ref that drift reads: baselines/, waivers/,
 * vars/ and desired/. Kept in memory (they are small and few), sorted by
 * path so that rules are always evaluated, and reported, in the same order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/internal.h"
#include "driftward/store.h"

struct dw_bl_files *dw_bl_files_new(void)
{
	return calloc(1, sizeof(struct dw_bl_files));
}

void dw_bl_files_free(struct dw_bl_files *files)
{
	size_t i;

	if (!files)
		return;
	for (i = 0; i < files->count; i++) {
		free(files->items[i].path);
		free(files->items[i].data);
	}
	free(files->items);
	free(files);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct bl_file *)a)->path, ((const struct bl_file *)b)->path);
}

int dw_bl_files_add(struct dw_bl_files *files, const char *path, const void *data, size_t len)
{
	struct bl_file *f;

	if (DW_ARRAY_GROW(files->items, files->alloc, files->count + 1) < 0)
		return -ENOMEM;
	f = &files->items[files->count];
	f->path = strdup(path);
	f->data = malloc(len + 1);
	if (!f->path || !f->data) {
		free(f->path);
		free(f->data);
		return -ENOMEM;
	}
	if (len)
		memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
	files->count++;
	/* kept sorted for lookups and ordered walks; the store hands files over nearly in order */
	if (files->count > 1 && strcmp(f[-1].path, f->path) > 0)
		qsort(files->items, files->count, sizeof(*files->items), cmp_file);
	return 0;
}

const struct bl_file *dw_baseline__find_file(const struct dw_bl_files *files, const char *path)
{
	size_t lo = 0, hi = files ? files->count : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(files->items[mid].path, path);

		if (c == 0)
			return &files->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool has_suffix(const char *s, const char *ext)
{
	size_t n = strlen(s), e = strlen(ext);

	return n > e && strcmp(s + n - e, ext) == 0;
}

int dw_baseline__each_file(const struct dw_bl_files *files, const char *dir, const char *ext,
                           int (*cb)(const struct bl_file *f, void *payload), void *payload)
{
	size_t i, dlen = strlen(dir);
	int r;

	for (i = 0; files && i < files->count; i++) {
		const struct bl_file *f = &files->items[i];

		const char *base = strrchr(f->path, '/');

		if (strncmp(f->path, dir, dlen) != 0 || !has_suffix(f->path, ext))
			continue;
		if (base && base[1] == '_')
			continue; /* _vars.yaml and other files that are not rules or waivers */
		if ((r = cb(f, payload)) != 0)
			return r;
	}
	return 0;
}

static int add_read(const char *path, const void *data, size_t len, void *payload)
{
	return dw_bl_files_add(payload, path, data, len);
}

int dw_bl_files_read(struct dw_store *store, const char *rev, struct dw_bl_files **out,
                     char *commit_out, struct dw_error *err)
{
	static const char *const dirs[] = { "baselines", "waivers", "vars", "desired" };
	struct dw_bl_files *files = dw_bl_files_new();
	char commit[DW_STORE_ID_HEX];
	size_t i;
	int r;

	*out = NULL;
	if (!files)
		return -ENOMEM;
	/* resolved once, so that every directory comes from the same commit */
	r = dw_store_resolve(store, rev, commit, err);
	for (i = 0; r == 0 && i < DW_ARRAY_SIZE(dirs); i++)
		r = dw_store_read_files(store, commit, dirs[i], add_read, files, err);
	if (r == -ENOMEM)
		dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	if (r < 0) {
		dw_bl_files_free(files);
		return r;
	}
	if (commit_out)
		memcpy(commit_out, commit, DW_STORE_ID_HEX);
	*out = files;
	return 0;
}
