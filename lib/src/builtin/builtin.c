/*
 * Lookups in the table of built-in files. The table itself is generated at
 * build time (cmake/Builtin.cmake), so that config/ and baselines/ stay the
 * one source of what the binary carries.
 */
#include <string.h>

#include "builtin/internal.h"

const struct dw_builtin_file *dw_builtin_files(size_t *count)
{
	*count = dw_builtin__count;
	return dw_builtin__files;
}

const struct dw_builtin_file *dw_builtin_find(const char *path)
{
	size_t i;

	/* a few dozen entries: a scan is as fast as anything cleverer */
	for (i = 0; i < dw_builtin__count; i++)
		if (strcmp(dw_builtin__files[i].path, path) == 0)
			return &dw_builtin__files[i];
	return NULL;
}
