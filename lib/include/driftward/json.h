/*
 * JSON: a strict reader, a document tree, and the canonical writer (DESIGN.md
 * section 4, docs/canonical-json.md).
 *
 * Ownership. A struct dw_json_doc owns every node, key and string in it: they
 * all live in the document's arena and go away together with dw_json_doc_free.
 * A struct dw_json pointer is a borrowed handle into one document; it stays
 * valid until the document is freed (removing a node from its parent detaches
 * it but does not free it). Nodes of one document must never be added to
 * another: use dw_json_clone to copy across documents.
 *
 * Strings are (pointer, length) pairs in UTF-8: a string may hold U+0000, so
 * never trust strlen on one. Every string in a document is valid UTF-8 without
 * lone surrogates; the reader and the builder both refuse anything else. The
 * pointer returned for a string is also NUL-terminated, for convenience.
 *
 * Objects never hold two members with the same key, and their members are kept
 * in canonical order (RFC 8785: keys by UTF-16 code units), so iterating an
 * object visits members in the order the canonical writer prints them, and key
 * lookup is exact (case-sensitive) and logarithmic.
 *
 * Numbers are doubles, except that an integer literal whose value a double
 * cannot hold exactly (beyond 2^53, e.g. 9007199254740993) keeps its source
 * digits, and prints them back verbatim. This is the one deliberate deviation
 * from RFC 8785, which would round such a number.
 *
 * Errors go to a struct dw_error with area DW_AREA_JSON; reader errors carry
 * the 1-based line and column (in characters) of the offending input.
 */
#ifndef DRIFTWARD_JSON_H
#define DRIFTWARD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driftward/buf.h"
#include "driftward/common.h"
#include "driftward/error.h"

/* Deepest nesting of arrays and objects the reader accepts. */
#define DW_JSON_MAX_DEPTH 256
/* Largest input the reader accepts (string lengths are held in 32 bits). */
#define DW_JSON_MAX_INPUT ((size_t)1 << 31)

enum dw_json_type {
	DW_JSON_NULL = 0,
	DW_JSON_FALSE,
	DW_JSON_TRUE,
	DW_JSON_NUMBER,
	DW_JSON_STRING,
	DW_JSON_ARRAY,
	DW_JSON_OBJECT,
};

struct dw_json_doc;
struct dw_json;

/* Reading ------------------------------------------------------------------ */

/*
 * Parses one JSON text (RFC 8259, strictly: see docs/canonical-json.md for the
 * list of what is refused) of @len bytes at @data, which is copied. @name is
 * used in error messages as the file name (may be NULL). On success *out is a
 * new document; on failure it is NULL and @err says where and why.
 * Returns 0, -EINVAL (invalid JSON), -E2BIG (input too large) or -ENOMEM.
 */
int dw_json_parse(const char *data, size_t len, const char *name, struct dw_json_doc **out,
                  struct dw_error *err);

/*
 * Like dw_json_parse, but takes the memory of @in instead of copying it (the
 * buffer is empty afterwards, whatever the outcome). Use it for large inputs.
 * When @in is a secret buffer, the document wipes the text and everything
 * decoded from it when it is freed.
 */
int dw_json_parse_buf(struct dw_buf *in, const char *name, struct dw_json_doc **out,
                      struct dw_error *err);

/* The document's top-level value; NULL for an empty document from dw_json_doc_new. */
struct dw_json *dw_json_root(const struct dw_json_doc *doc);

/* Frees the document and every value in it. Accepts NULL. */
void dw_json_doc_free(struct dw_json_doc *doc);

/* The memory @doc holds: its text and its values (for budgets). */
size_t dw_json_doc_size(const struct dw_json_doc *doc);

/* Inspecting --------------------------------------------------------------- */

enum dw_json_type dw_json_type(const struct dw_json *v);
/* The type as a word ("null", "boolean", "number", "string", "array", "object"). */
const char *dw_json_type_name(enum dw_json_type type);

/* For a string: its bytes (NUL-terminated as well) and length; NULL otherwise. */
const char *dw_json_string(const struct dw_json *v, size_t *len);
/* For a string without U+0000: the C string; NULL for anything else. */
const char *dw_json_cstr(const struct dw_json *v);
/* For a number: its value (a big integer literal gives the nearest double). */
double dw_json_number(const struct dw_json *v);
/*
 * For a number that is an integer within int64_t: 0 and *out; -ERANGE for a
 * fraction or out of range; -EINVAL when @v is not a number.
 */
int dw_json_int64(const struct dw_json *v, int64_t *out);
/* For true/false: the value; false for anything else. */
bool dw_json_bool(const struct dw_json *v);

/* Number of elements of an array or members of an object; 0 otherwise. */
size_t dw_json_count(const struct dw_json *v);
/* The element @i of an array; NULL when out of range or not an array. */
struct dw_json *dw_json_at(const struct dw_json *array, size_t i);
/* The member @i of an object (canonical order): its value, and its key in *key, *keylen. */
struct dw_json *dw_json_member(const struct dw_json *object, size_t i, const char **key,
                               size_t *keylen);
/* The member of @object with exactly this key (case-sensitive); NULL when absent. */
struct dw_json *dw_json_get(const struct dw_json *object, const char *key);
struct dw_json *dw_json_getn(const struct dw_json *object, const char *key, size_t keylen);

/*
 * A total order on values, used to sort set-arrays: by type (null, false, true,
 * number, string, array, object), then numbers by value, strings by UTF-16
 * code units, arrays element by element, objects member by member (key, then
 * value). Two values compare equal only when their canonical forms are equal.
 */
int dw_json_compare(const struct dw_json *a, const struct dw_json *b);

/* JSON Pointer (RFC 6901) ----------------------------------------------------- */

/*
 * Looks up @pointer ("" is @root itself, "/a/0/b~1c" ...). Returns 0 and *out,
 * -ENOENT when nothing is there, -EINVAL for a malformed pointer (@err says
 * why). Here "*" and "-" are ordinary tokens, exactly as RFC 6901 says.
 */
int dw_json_pointer_get(struct dw_json *root, const char *pointer, struct dw_json **out,
                        struct dw_error *err);

/*
 * Puts @value at @pointer in @doc: replaces an existing member or element,
 * adds a member to an existing object, or appends to an array when the last
 * token is "-". The parent must exist (-ENOENT otherwise). "" replaces the
 * root. @value must belong to @doc and not be in the tree yet (-EINVAL).
 */
int dw_json_pointer_set(struct dw_json_doc *doc, const char *pointer, struct dw_json *value,
                        struct dw_error *err);

/* Removes what @pointer names from its parent; -ENOENT when absent. The root can't be removed. */
int dw_json_pointer_remove(struct dw_json_doc *doc, const char *pointer, struct dw_error *err);

/*
 * Pointer patterns: a JSON Pointer in which a token that is exactly "*"
 * stands for every element of an array (and every member of an object), so
 * "/assignments/ * /target" (without the spaces) names the target of every
 * assignment. Calls @fn for every value the pattern names under @root, in
 * document order; a missing member or a type that does not fit simply names
 * nothing. @fn returns 0 to go on, or a negative code that stops the walk and
 * is returned. @fn may replace the value's contents (dw_json_set_string) but
 * must not add or remove members of its parents.
 */
int dw_json_pointer_each(struct dw_json *root, const char *pattern,
                         int (*fn)(struct dw_json *value, void *ctx), void *ctx,
                         struct dw_error *err);

/* Building ----------------------------------------------------------------- */

/* A new empty document (its root is NULL until set with dw_json_pointer_set(doc, "", v)). */
struct dw_json_doc *dw_json_doc_new(void);

/*
 * New values, owned by @doc, not yet in its tree. They return NULL when out
 * of memory, and dw_json_new_string also for invalid UTF-8 (or a lone
 * surrogate), dw_json_new_number for NaN or an infinity.
 */
struct dw_json *dw_json_new_null(struct dw_json_doc *doc);
struct dw_json *dw_json_new_bool(struct dw_json_doc *doc, bool value);
struct dw_json *dw_json_new_number(struct dw_json_doc *doc, double value);
struct dw_json *dw_json_new_int64(struct dw_json_doc *doc, int64_t value);
struct dw_json *dw_json_new_string(struct dw_json_doc *doc, const char *s, size_t len);
struct dw_json *dw_json_new_cstr(struct dw_json_doc *doc, const char *s);
struct dw_json *dw_json_new_array(struct dw_json_doc *doc);
struct dw_json *dw_json_new_object(struct dw_json_doc *doc);

/*
 * Sets member @key of @object to @value (replacing a member with that key).
 * Don't put a container inside itself: nothing checks for cycles beyond the
 * writer refusing to nest deeper than 4096.
 * @value must come from the same document and not be in a tree yet; a NULL
 * @value (a failed dw_json_new_*) gives -ENOMEM, so calls can be chained and
 * checked once. Returns 0, -EINVAL (bad key UTF-8, not an object, value
 * already placed) or -ENOMEM.
 */
int dw_json_object_set(struct dw_json_doc *doc, struct dw_json *object, const char *key,
                       struct dw_json *value);
int dw_json_object_setn(struct dw_json_doc *doc, struct dw_json *object, const char *key,
                        size_t keylen, struct dw_json *value);
/* Appends @value to @array; same rules as dw_json_object_set. */
int dw_json_array_append(struct dw_json_doc *doc, struct dw_json *array, struct dw_json *value);
/* Sets the document's root to @value (a value of @doc not placed yet). */
int dw_json_set_root(struct dw_json_doc *doc, struct dw_json *value);

/*
 * Turns @v, wherever it is, into the string @s (e.g. to replace a secret by
 * its ciphertext). -EINVAL for invalid UTF-8, -ENOMEM.
 */
int dw_json_set_string(struct dw_json_doc *doc, struct dw_json *v, const char *s, size_t len);

/* A deep copy of @v (from any document) owned by @doc; NULL when out of memory. */
struct dw_json *dw_json_clone(struct dw_json_doc *doc, const struct dw_json *v);

/* Normalising (the collector catalog's profile) ----------------------------- */

/* An array whose order means nothing: sorted by dw_json_normalise. */
struct dw_json_set_rule {
	const char *pointer;  /* a pointer pattern ("*" tokens allowed, see above) */
	const char *sort_key; /* arrays of objects: sort by this member; NULL: by the element */
};

struct dw_json_profile {
	/*
	 * Member names dropped at every depth: an exact name, or a glob where "*"
	 * matches any run of characters ("*@odata.context"). A name starting with
	 * "/" is a pointer pattern instead, dropping just what it names.
	 */
	const char *const *volatile_keys;
	size_t nvolatile;
	const struct dw_json_set_rule *sets;
	size_t nsets;
};

/*
 * Normalises the value @v of @doc in place with every profile of @profiles
 * (typically the catalog's global one and the collector's): first drops the
 * volatile members, then sorts each declared set-array (deepest patterns
 * first, so that sorting an outer set sees its elements already normalised).
 * A set pattern that names nothing, or names a non-array, is not an error.
 * Every other array keeps its order. Returns 0, or -EINVAL for a malformed
 * pattern (@err says which), -ENOMEM.
 */
int dw_json_normalise(struct dw_json_doc *doc, struct dw_json *v,
                      const struct dw_json_profile *const *profiles, size_t nprofiles,
                      struct dw_error *err);

/* True when the glob @pattern ("*" matches any run) matches the @len bytes at @s. */
bool dw_json_glob_match(const char *pattern, const char *s, size_t len);
/* The same, with ASCII letters matching either case (baselines' ignoreCase). */
bool dw_json_glob_match_icase(const char *pattern, const char *s, size_t len);

/* Writing ------------------------------------------------------------------ */

enum dw_json_write_flags {
	DW_JSON_PRETTY = 0,       /* 2-space indent, one key or element per line, final LF */
	DW_JSON_COMPACT = 1 << 0, /* the RFC 8785 bytes, no final newline */
};

/*
 * Appends the canonical form of @v to @out. The pretty form with whitespace
 * outside strings removed is exactly the compact (RFC 8785) form.
 * Returns 0, -E2BIG (past @out's maximum) or -ENOMEM.
 */
int dw_json_write(const struct dw_json *v, unsigned flags, struct dw_buf *out,
                  struct dw_error *err);

/*
 * Streams the canonical form of @v to @sink in pieces (for large documents:
 * nothing close to the whole output is held in memory). @sink returns 0, or a
 * negative code that stops the writer and is returned.
 */
int dw_json_write_stream(const struct dw_json *v, unsigned flags,
                         int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
                         struct dw_error *err);

/*
 * Formats @d as ECMAScript's Number.prototype.toString does (the RFC 8785
 * number form: shortest round-trip digits, exponent from 1e21 and below 1e-6,
 * "-0" as "0"), NUL-terminated, into @out of at least DW_JSON_NUMBER_MAX
 * bytes. Returns the length, or -EINVAL for NaN and infinities.
 */
#define DW_JSON_NUMBER_MAX 32
int dw_json_format_double(double d, char *out);

#endif
