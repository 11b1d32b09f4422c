#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/strlist.h"

int dw_strlist_add(struct dw_strlist *list, const char *s, size_t len)
{
	if (DW_ARRAY_GROW(list->items, list->alloc, list->count + 1) < 0)
		return -ENOMEM;
	list->items[list->count] = strndup(s, len);
	if (!list->items[list->count])
		return -ENOMEM;
	list->count++;
	return 0;
}

void dw_strlist_release(struct dw_strlist *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
	list->alloc = 0;
}

void dw_strlist_join(const struct dw_strlist *list, const char *sep, char *out, size_t outlen)
{
	size_t i, used = 0;
	int n;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (i = 0; list && i < list->count && used < outlen; i++) {
		n = snprintf(out + used, outlen - used, "%s%s", i ? sep : "", list->items[i]);
		if (n < 0)
			break;
		used += (size_t)n; /* past outlen when cut: the loop ends */
	}
}
