/* The one place where arrays grow (see driftward/array.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"

/* The capacity after *@alloc: half as much again, at least @need and DW_ARRAY_MIN. */
static size_t next_alloc(size_t alloc, size_t need)
{
	size_t n = alloc <= SIZE_MAX - alloc / 2 ? alloc + alloc / 2 : SIZE_MAX;

	if (n < DW_ARRAY_MIN)
		n = DW_ARRAY_MIN;
	return n < need ? need : n;
}

int dw_array_grow(void *pp, size_t *alloc, size_t need, size_t size)
{
	size_t n;
	void *p;

	if (need <= *alloc)
		return 0;
	if (size == 0)
		return -EINVAL;
	if (need > SIZE_MAX / size)
		return -ENOMEM;
	n = next_alloc(*alloc, need);
	if (n > SIZE_MAX / size)
		n = need;
	/* memcpy: the pointer is a T *, read and written as bytes (see the header) */
	memcpy(&p, pp, sizeof(p));
	p = realloc(p, n * size);
	if (!p)
		return -ENOMEM;
	memcpy(pp, &p, sizeof(p));
	*alloc = n;
	return 0;
}
