/*
 * The files compiled into driftward: the collector catalog
 * (config/collectors.yaml) and the shipped baselines (baselines/...). The
 * build generates them from the source tree, which stays their source, so a
 * binary copied anywhere needs no installed data files.
 *
 * Everything here is static, read-only data: nothing to free.
 */
#ifndef DRIFTWARD_BUILTIN_H
#define DRIFTWARD_BUILTIN_H

#include <stddef.h>

struct dw_builtin_file {
	const char *path;          /* relative to the source tree: "baselines/entra/x.yaml" */
	const unsigned char *data; /* followed by a NUL byte that len does not count */
	size_t len;
};

/* The path of the collector catalog, and the prefix of every shipped baseline file. */
#define DW_BUILTIN_CATALOG   "config/collectors.yaml"
#define DW_BUILTIN_BASELINES "baselines/"

/* Every built-in file, sorted by path; *@count is set to how many. */
const struct dw_builtin_file *dw_builtin_files(size_t *count);

/* The built-in file at @path, or NULL. */
const struct dw_builtin_file *dw_builtin_find(const char *path);

#endif
