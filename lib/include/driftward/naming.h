/*
 * File names of objects in a snapshot (DESIGN.md section 2):
 * `<collector>/<slug of the name>--<id>.json`, the id alone when an object has
 * no name, and `<collector>/<collector>.json` for a singleton. The id part
 * makes a name stable across renames: git sees a rename as a rename.
 */
#ifndef DRIFTWARD_NAMING_H
#define DRIFTWARD_NAMING_H

#include <stddef.h>

#include "driftward/buf.h"

/* The longest slug kept, in bytes; longer names are cut at a word boundary. */
#define DW_SLUG_MAX 60

/*
 * Appends the slug of @name: lower-case ASCII letters and digits, every other
 * run of characters one '-', no '-' at either end, at most DW_SLUG_MAX bytes.
 * Letters with diacritics (UTF-8 Latin-1 supplement and Latin Extended-A) lose
 * them ("Zugriff für Gäste" → "zugriff-fur-gaste"). May append nothing.
 */
int dw_slug(struct dw_buf *out, const char *name, size_t len);

/*
 * Appends @id made safe as part of a file name: ASCII letters, digits, '-',
 * '_' and '.' stay, everything else becomes %XX (so distinct ids never collide).
 * A leading '.' is escaped too.
 */
int dw_escape_id(struct dw_buf *out, const char *id, size_t len);

/*
 * Undoes dw_escape_id: appends the id that @len bytes of @escaped stand for.
 * Returns 0, or -EINVAL for anything dw_escape_id would not have written (a
 * '%' not followed by two upper-case hex digits).
 */
int dw_unescape_id(struct dw_buf *out, const char *escaped, size_t len);

/*
 * Appends the object's path: "<collector>/<slug>--<id>.json", or
 * "<collector>/<id>.json" when @name is NULL or has an empty slug.
 */
int dw_object_path(struct dw_buf *out, const char *collector, const char *name, size_t name_len,
                   const char *id, size_t id_len);

/* Appends a singleton's path: "<collector>/<collector>.json". */
int dw_singleton_path(struct dw_buf *out, const char *collector);

/*
 * Finds the id part of an object's file name (the part after the last "--",
 * or the whole base name, without ".json"). Returns 0 and sets @id/@len into
 * @path, or -EINVAL when @path is not an object file.
 */
int dw_object_path_id(const char *path, const char **id, size_t *len);

#endif
