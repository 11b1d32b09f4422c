/*
 * The strict YAML loader (DESIGN.md section 5), for baselines, waivers and the
 * collector catalog. It reads one document per file into a small tree and
 * refuses, with file:line:col, anything a reader could take two ways:
 *
 * - one document per file: a second document is an error;
 * - nesting deeper than max_depth and more than max_nodes nodes are errors;
 *   nodes reached through aliases count every time they are reached, so a
 *   "billion laughs" file fails after a few thousand events; an alias to an
 *   anchor that is still open (a recursive alias) or not defined is an error;
 * - duplicate mapping keys are errors naming both lines; keys are scalars;
 * - merge keys (a plain `<<` key) are errors: write the keys out. A quoted
 *   "<<" is an ordinary string key;
 * - plain scalars are typed by the YAML 1.2 core schema: null (null, Null,
 *   NULL, ~, empty), bool (true, True, TRUE, false, False, FALSE), int
 *   (decimal, 0x hex, 0o octal), float (1.5, 1e3, .5, .inf, .nan, in the core
 *   schema's spellings); everything else is a string. Dates are strings;
 * - plain scalars that YAML 1.1 readers (PyYAML, older tools) read otherwise
 *   are errors that say "quote it": yes/no/on/off/y/n in any case, numbers
 *   with a leading zero (0755), sexagesimal numbers (1:20), 0b binary and
 *   numbers with '_' separators;
 * - quoted scalars are strings; a NUL character in a scalar is an error;
 * - tags other than the core schema's (!!str, !!int, !!float, !!bool, !!null,
 *   !!seq, !!map) and the non-specific "!" are errors; a %YAML directive other
 *   than 1.2 is an error;
 * - input is UTF-8 only.
 *
 * Ownership: a struct dw_yaml_doc owns every node, string and file name it
 * hands out; they live until dw_yaml_free. Nodes are read-only. A node reached
 * through an alias is the anchored node itself (shared, never copied), so its
 * line:col is where the anchor's node was written.
 */
#ifndef DRIFTWARD_YAML_H
#define DRIFTWARD_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driftward/error.h"

enum dw_yaml_type {
	DW_YAML_NULL,
	DW_YAML_BOOL,
	DW_YAML_INT,
	DW_YAML_FLOAT,
	DW_YAML_STRING,
	DW_YAML_SEQ,
	DW_YAML_MAP,
};

struct dw_yaml_node {
	enum dw_yaml_type type;
	const char *file;   /* the document's name, for messages */
	unsigned line, col; /* 1-based, in characters: where the node starts */
	/* Scalars: the value as written, after quoting and escapes (NUL-terminated, no NUL
	 * inside). Collections: NULL. */
	const char *text;
	size_t len;
	bool quoted; /* a quoted or block scalar: always a string unless tagged */
	union {
		bool boolean;    /* DW_YAML_BOOL */
		int64_t integer; /* DW_YAML_INT */
		double number;   /* DW_YAML_FLOAT */
	} as;
	/* Collections: items of a sequence, or values of a mapping with its keys (scalars)
	 * beside them, in document order. */
	size_t count;
	struct dw_yaml_node **items;
	struct dw_yaml_node **keys;
};

struct dw_yaml_doc;

struct dw_yaml_limits {
	unsigned max_depth; /* nested collections; 0: 64 */
	size_t max_nodes;   /* nodes, counting each alias expansion; 0: 100,000 */
	size_t max_bytes;   /* input size; 0: 8 MiB */
};

#define DW_YAML_DEFAULT_DEPTH 64
#define DW_YAML_DEFAULT_NODES 100000
#define DW_YAML_DEFAULT_BYTES (8u << 20)

/*
 * Loads one YAML document from @data (@len bytes, UTF-8) named @name in
 * messages. @limits may be NULL (defaults). Returns 0 and the document in
 * *out, or a negative errno with @err set to "name:line:col: message"
 * (-EINVAL for a document this loader refuses, -E2BIG for a limit, -ENOMEM).
 */
int dw_yaml_load(const char *name, const void *data, size_t len,
                 const struct dw_yaml_limits *limits, struct dw_yaml_doc **out,
                 struct dw_error *err);

/* Reads @path (a regular file no larger than max_bytes) and loads it as above. */
int dw_yaml_load_file(const char *path, const struct dw_yaml_limits *limits,
                      struct dw_yaml_doc **out, struct dw_error *err);

void dw_yaml_free(struct dw_yaml_doc *doc);

/* The root node; never NULL for a loaded document. */
const struct dw_yaml_node *dw_yaml_root(const struct dw_yaml_doc *doc);

/* The name the document was loaded under. */
const char *dw_yaml_name(const struct dw_yaml_doc *doc);

/* "a string", "a mapping", ...: for messages. */
const char *dw_yaml_type_name(enum dw_yaml_type type);

/* The value of member @key of mapping @map, or NULL (no such key, or not a mapping). */
const struct dw_yaml_node *dw_yaml_get(const struct dw_yaml_node *map, const char *key);

/*
 * Typed access. Each returns 0, or -EINVAL with @err set at the node's
 * position ("file:line:col: expected a string, found an integer (quote it if it
 * is text)"). The string stays owned by the document.
 */
int dw_yaml_expect(const struct dw_yaml_node *node, enum dw_yaml_type type, struct dw_error *err);
int dw_yaml_string(const struct dw_yaml_node *node, const char **out, struct dw_error *err);
int dw_yaml_bool(const struct dw_yaml_node *node, bool *out, struct dw_error *err);
int dw_yaml_int(const struct dw_yaml_node *node, int64_t *out, struct dw_error *err);
/* A float or an integer, as a double. */
int dw_yaml_number(const struct dw_yaml_node *node, double *out, struct dw_error *err);

/*
 * Member @key of @map, which must be present: -ENOENT with @err set at the
 * mapping ("missing key 'title'") otherwise.
 */
int dw_yaml_require(const struct dw_yaml_node *map, const char *key,
                    const struct dw_yaml_node **out, struct dw_error *err);

#endif
