/*
 * The files a transaction's commit would hold, read before it is made: a
 * drift report staged in the same commit is evaluated over them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/tx.h"

/* The blob @e has in the new tree, or NULL when it has none there. */
static const git_oid *final_blob(const struct dw_store_tx *tx, const struct tx_entry *e)
{
	switch (e->state) {
	case TX_STAGED:
		return &e->cur;
	case TX_KEPT:
		return e->has_prev ? &e->prev : NULL;
	case TX_UNTOUCHED:
		return e->has_prev && !(tx->flags & DW_STORE_TX_REPLACE) ? &e->prev : NULL;
	default:
		return NULL;
	}
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp((*(const struct tx_entry *const *)a)->path,
	              (*(const struct tx_entry *const *)b)->path);
}

int dw_store_tx_read_files(struct dw_store_tx *tx,
                           int (*cb)(const char *path, const void *data, size_t len, void *payload),
                           void *payload, struct dw_error *err)
{
	const struct tx_entry **order = calloc(tx->nentries ? tx->nentries : 1, sizeof(*order));
	size_t i, n = 0;
	struct dw_buf b;
	int r = 0;

	if (!order)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	for (i = 0; i < tx->nentries; i++)
		if (final_blob(tx, &tx->entries[i]))
			order[n++] = &tx->entries[i];
	qsort(order, n, sizeof(*order), cmp_path);
	dw_buf_init(&b, DW_STORE_FILE_MAX);
	for (i = 0; r == 0 && i < n; i++) {
		const struct tx_entry *e = order[i];

		dw_buf_reset(&b);
		r = dw_store__read_blob(tx->store->repo, final_blob(tx, e), &b, e->path, err);
		r = r ?: cb(e->path, dw_buf_cstr(&b), b.len, payload);
	}
	dw_buf_release(&b);
	free(order);
	return r;
}

void dw_store_tx_set_time(struct dw_store_tx *tx, int64_t time)
{
	tx->time = time;
}
