/* A list of strings, owned by the list: configuration values, catalog entries. */
#ifndef DRIFTWARD_STRLIST_H
#define DRIFTWARD_STRLIST_H

#include <stddef.h>

struct dw_strlist {
	char **items;
	size_t count;
	size_t alloc; /* capacity of items (for dw_strlist_add); 0 in a list made by hand */
};

/* Appends a copy of the @len bytes at @s. Returns 0 or -ENOMEM (the list is kept). */
int dw_strlist_add(struct dw_strlist *list, const char *s, size_t len);

/*
 * Writes the items joined by @sep into @out, always NUL-terminated and cut
 * to @outlen: one wording of "A or B" for every message that lists them.
 * @list may be NULL (nothing to join).
 */
void dw_strlist_join(const struct dw_strlist *list, const char *sep, char *out, size_t outlen);

/* Frees every item and the array; the list is empty and usable afterwards. */
void dw_strlist_release(struct dw_strlist *list);

#endif
