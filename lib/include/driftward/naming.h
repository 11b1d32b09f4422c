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
 * The id part of a file name is at most DW_ID_PART_MAX bytes, so that with
 * the slug, "--" and ".json" every file name stays far below the 255 bytes
 * file systems allow (and a path below 4096: collector names are at most 64).
 * A longer id is shortened to its first escaped bytes (at most
 * DW_ID_PREFIX_MAX), DW_ID_HASH_MARK and DW_ID_HASH_HEX hex digits of its
 * SHA-256: stable from run to run, and distinct for distinct ids.
 */
#define DW_ID_PART_MAX   120
#define DW_ID_PREFIX_MAX 72
#define DW_ID_HASH_MARK  '~'
#define DW_ID_HASH_HEX   40

/* The longest id an object may have; a longer one is a bad response. */
#define DW_ID_MAX 4000

/*
 * Appends @id made safe as part of a file name: ASCII letters, digits, '-',
 * '_' and '.' stay, everything else becomes %XX (so distinct ids never collide).
 * A leading '.' or '-' is escaped too, and a '-' before another '-'. An id
 * whose escaped form is longer than DW_ID_PART_MAX is shortened (see above).
 */
int dw_escape_id(struct dw_buf *out, const char *id, size_t len);

/*
 * Undoes dw_escape_id: appends the id that @len bytes of @escaped stand for.
 * Returns 0, -EINVAL for anything dw_escape_id would not have written (a
 * '%' not followed by two upper-case hex digits), or -ERANGE for a shortened
 * id, which can't be undone.
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
