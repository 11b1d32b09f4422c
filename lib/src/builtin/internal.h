/* The table cmake/EmbedFiles.cmake generates (builtin-files.c in the build tree). */
#ifndef DW_BUILTIN_INTERNAL_H
#define DW_BUILTIN_INTERNAL_H

#include <stddef.h>

#include "driftward/builtin.h"

extern const struct dw_builtin_file dw_builtin__files[];
extern const size_t dw_builtin__count;

#endif
