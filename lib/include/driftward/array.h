/*
 * Growing an array, after libgit2's array.h and git's ALLOC_GROW: the caller
 * keeps the pointer, its count and its capacity in its own struct, and asks
 * for room before it appends:
 *
 *	if (DW_ARRAY_GROW(l->items, l->alloc, l->count + 1) < 0)
 *		return -ENOMEM;
 *	l->items[l->count++] = item;
 *
 * The capacity grows by half (and to at least DW_ARRAY_MIN elements), so n
 * appends cost O(log n) reallocations rather than n. Elements move with
 * realloc: an array that holds secrets inline must not use this.
 */
#ifndef DRIFTWARD_ARRAY_H
#define DRIFTWARD_ARRAY_H

#include <stddef.h>

#include "driftward/common.h"

/* The smallest capacity a growing array gets, in elements. */
#define DW_ARRAY_MIN 8

/*
 * Makes room for @need elements of @size bytes in the array at *@pp, whose
 * capacity is *@alloc elements. @pp is the address of the array pointer (a
 * `T **` passed as `void *`: converting it to `void **` would read a `T *`
 * through another pointer type). Returns 0 when the room is there (nothing
 * moves when it already was), or -ENOMEM when memory runs out or @need
 * elements of @size would overflow size_t; then the array and *@alloc are
 * as they were, still the caller's to free. A @size of 0 is -EINVAL.
 */
int dw_array_grow(void *pp, size_t *alloc, size_t need, size_t size) DW_WARN_UNUSED;

/* dw_array_grow for an array pointer @ptr and its capacity @alloc (both lvalues). */
#define DW_ARRAY_GROW(ptr, alloc, need) dw_array_grow(&(ptr), &(alloc), (need), sizeof(*(ptr)))

#endif
