/* What a transaction changes, path by path: for commit subjects and Changed-By trailers. */
#include "driftward/store.h"
#include "store/tx.h"

int dw_store_tx_foreach_change(struct dw_store_tx *tx,
                               int (*cb)(const char *path, enum dw_store_change change,
                                         void *payload),
                               void *payload)
{
	static const enum dw_store_change map[] = {
		[TX_ADD] = DW_STORE_ADDED,
		[TX_CHANGE] = DW_STORE_CHANGED,
		[TX_DELETE] = DW_STORE_REMOVED,
	};
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < tx->nentries; i++) {
		enum tx_change change = dw_store__tx_entry_change(tx, &tx->entries[i]);

		if (change != TX_SAME)
			r = cb(tx->entries[i].path, map[change], payload);
	}
	return r;
}
