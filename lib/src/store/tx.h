/* The transaction's table of files, shared by tx.c (staging) and commit.c. */
#ifndef DW_STORE_TX_H
#define DW_STORE_TX_H

#include <stdint.h>

#include "store/internal.h"

enum tx_state {
	TX_UNTOUCHED = 0, /* a previous file nobody mentioned */
	TX_STAGED,        /* cur holds the new bytes' blob */
	TX_REMOVED,
	TX_KEPT, /* the previous file stays, even under DW_STORE_TX_REPLACE */
};

enum tx_change { TX_SAME, TX_ADD, TX_CHANGE, TX_DELETE };

struct tx_entry {
	char *path;
	git_oid prev; /* when has_prev */
	git_oid cur;  /* when state == TX_STAGED */
	uint32_t prev_mode;
	unsigned has_prev : 1;
	unsigned state : 2;
};

struct dw_store_tx {
	struct dw_store *store;
	char *ref;
	unsigned flags;
	struct store_lock lock;
	unsigned locked : 1;
	unsigned has_parent : 1;
	unsigned done : 1; /* committed or failed to: no more changes */
	int64_t time;      /* the commit's time when set (dw_store_tx_set_time); 0: the clock */
	git_oid parent;
	char parent_hex[DW_STORE_ID_HEX];
	git_tree *prev_tree;
	/* [0, nprev) are the previous files sorted by path, then new files in staging order */
	struct tx_entry *entries;
	size_t nentries, nprev, alloc;
	uint32_t *slots; /* open addressing: entry index + 1, 0 for an empty slot */
	size_t nslots;
};

struct tx_entry *tx_find(const struct dw_store_tx *tx, const char *path);
enum tx_change tx_entry_change(const struct dw_store_tx *tx, const struct tx_entry *e);

/* Calls @cb for each previous entry at or under @dir, in path order. */
int tx_foreach_under(struct dw_store_tx *tx, const char *dir,
                     int (*cb)(struct dw_store_tx *tx, struct tx_entry *e, void *payload),
                     void *payload);

int store_read_blob(git_repository *repo, const git_oid *id, struct dw_buf *out, const char *path,
                    struct dw_error *err);

#endif
