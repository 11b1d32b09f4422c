/*
 * The JSON document model, shared by the reader, the writer, the pointer code
 * and the normaliser.
 *
 * Why not cJSON: cJSON would have to be undone at every step for canonical
 * output. It prints numbers with %1.15g (losing digits), turns 1e400 into
 * infinity, keeps duplicate keys, cuts strings at \u0000, looks keys up
 * case-insensitively by default, and costs a malloc and about 64 bytes per
 * value. Canonicalising 100 MB needs far less: here a value is 16 bytes in an
 * arena, strings point into the (owned) input wherever they hold no escape,
 * and object members are sorted once, at parse time, which is also when
 * duplicate keys show up (as neighbours). So driftward does not use cJSON at
 * all (docs/hacking.md, "Dependencies").
 */
#ifndef DW_JSON_INTERNAL_H
#define DW_JSON_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "driftward/json.h"

/* A number literal kept as its source digits (an integer a double can't hold). */
#define DW_JSON_F_TEXT 0x01
/* The value is in a tree (a member, an element or the root). */
#define DW_JSON_F_PLACED 0x02
/* An array or object whose table is exactly len long (read or cloned, not built). */
#define DW_JSON_F_EXACT 0x04

struct dw_json_member;

/* The rare number that keeps its digits: the double, and the text. */
struct dw_json_bignum {
	double num;
	const char *text; /* len bytes, in the value */
};

/*
 * 16 bytes a value: a 100 MB document has millions of them. A container's
 * room is not stored: it is len when DW_JSON_F_EXACT, else the power of two
 * (at least 4) that len fits, since the builder grows tables by doubling.
 */
struct dw_json {
	uint32_t len; /* string bytes, kept number digits, array/object count */
	uint8_t type; /* enum dw_json_type */
	uint8_t flags;
	union {
		const char *str; /* string bytes (NUL-terminated as well) */
		double num;
		struct dw_json_bignum *big; /* DW_JSON_F_TEXT */
		struct dw_json **items;
		struct dw_json_member *members;
	} u;
};

static inline double dw_json_num(const struct dw_json *v)
{
	return (v->flags & DW_JSON_F_TEXT) ? v->u.big->num : v->u.num;
}

struct dw_json_member {
	const char *key; /* NUL-terminated as well */
	uint32_t keylen;
	struct dw_json *value;
};

/* A bump allocator: everything in a document is freed at once. */
struct dw_arena_block;

struct dw_arena {
	struct dw_arena_block *head;
	char *next, *end;
	size_t next_size;
	size_t bytes; /* in all blocks together */
	bool wipe;    /* wipe every block (and the input) on release: it held secrets */
};

struct dw_json_doc {
	struct dw_arena arena;
	struct dw_json *root;
	char *input; /* the owned copy of the parsed text; strings point into it */
	size_t input_len;
};

void dw_json__arena_init(struct dw_arena *a);
void dw_json__arena_release(struct dw_arena *a);
/* Sizes the first block for about @bytes (before any allocation; later blocks double). */
void dw_json__arena_expect(struct dw_arena *a, size_t bytes);
void *dw_json__arena_alloc(struct dw_arena *a, size_t size);
/* A copy of @len bytes plus a NUL. */
char *dw_json__arena_strdup(struct dw_arena *a, const char *s, size_t len);

/* UTF-8 and UTF-16 ordering (utf.c). */

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 when invalid. */
size_t dw_json__utf8_seq(const unsigned char *s, size_t n);
bool dw_json__utf8_valid(const char *s, size_t len);
/* Compares two UTF-8 strings by UTF-16 code units, as RFC 8785 sorts keys. */
int dw_json__utf16_cmp(const char *a, size_t alen, const char *b, size_t blen);
/* 1-based line and column (in characters) of byte @off of @text. */
void dw_json__text_position(const char *text, size_t len, size_t off, unsigned *line,
                            unsigned *col);

/* Numbers (number.c). */

/*
 * Converts a validated JSON number literal to a double: 0, or -ERANGE when it
 * overflows. *keep_text is set for an integer literal that needs its text.
 */
int dw_json__number_from_text(const char *s, size_t len, double *out, bool *keep_text);

/*
 * True when the integer literal @s, read as @d, must keep its digits: the
 * double's value differs from it, and the double would print differently.
 */
bool dw_json__integer_needs_text(const char *s, size_t len, double d);

/* Tree helpers (tree.c). */

struct dw_json *dw_json__alloc(struct dw_json_doc *doc, enum dw_json_type type);
/* Index where @key is or would go in @object's sorted members; *found when it is there. */
size_t dw_json__find(const struct dw_json *object, const char *key, size_t keylen, bool *found);
int dw_json__remove_at(struct dw_json *container, size_t i);

/* Pointer tokens (pointer.c): the next token of @p, unescaped into @tok. */
struct dw_json_token {
	char *s;
	size_t len, cap;
};
void dw_json__token_release(struct dw_json_token *t);
/* Reads the token after the '/' at *@p and leaves *@p at the next '/' or the end. */
int dw_json__token_next(const char **p, struct dw_json_token *tok, const char *pointer,
                        struct dw_error *err);

#endif
