/* The transaction's table of files, shared by tx.c (staging) and commit.c. */
#ifndef DW_STORE_TX_H
#define DW_STORE_TX_H

#include <stdint.h>

#include "store/internal.h"

#define STORE_DIGEST_LEN 16
#define STORE_DIGEST_KEY 16

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
	unsigned char digest[STORE_DIGEST_LEN]; /* of the staged bytes, when has_digest */
	unsigned has_digest : 1;
	unsigned has_prev : 1;
	unsigned state : 2;
};

struct dw_store_tx {
	struct dw_store *store;
	char *ref;
	unsigned flags;
	struct store_lock lock;
	struct store_lock store_lock; /* shared: no gc while the transaction is open */
	unsigned locked : 1;
	unsigned has_parent : 1;
	unsigned done : 1;       /* committed or failed to: no more changes */
	unsigned new_branch : 1; /* dw_store_tx_begin_branch: the ref must not exist */
	int64_t time; /* the commit's time when set (dw_store_tx_set_time); 0: the clock */
	git_oid parent;
	char parent_hex[DW_STORE_ID_HEX];
	git_tree *prev_tree;
	/* [0, nprev) are the previous files sorted by path, then new files in staging order */
	struct tx_entry *entries;
	size_t nentries, nprev, alloc;
	uint32_t *slots; /* open addressing: entry index + 1, 0 for an empty slot */
	size_t nslots;
	/* the digest cache (store/cache.c): sorted (blob id, digest) pairs */
	unsigned char *cache_data;
	const unsigned char *cache;
	size_t ncache;
	unsigned digests : 1;     /* the store has a key: staged bytes get a digest */
	unsigned cache_dirty : 1; /* some staged bytes were hashed: the cache learns them */
};

struct tx_entry *dw_store__tx_find(const struct dw_store_tx *tx, const char *path);
enum tx_change dw_store__tx_entry_change(const struct dw_store_tx *tx, const struct tx_entry *e);

/* Calls @cb for each previous entry at or under @dir, in path order. */
int dw_store__tx_foreach_under(struct dw_store_tx *tx, const char *dir,
                               int (*cb)(struct dw_store_tx *tx, struct tx_entry *e, void *payload),
                               void *payload);

/* SipHash-2-4 of @data under @key, 8 or 16 bytes (@outlen) into @out. */
void dw_store__siphash(const unsigned char key[16], const void *data, size_t len, size_t outlen,
                       unsigned char *out);

/* Reads the branch's digest cache, when there is a key (tx->digests) and a readable file. */
void dw_store__cache_load(struct dw_store_tx *tx);

/* The cached digest of blob @id: 1 when known. */
int dw_store__cache_find(const struct dw_store_tx *tx, const git_oid *id,
                         unsigned char digest[STORE_DIGEST_LEN]);

/* Writes the digests of the committed tree's blobs, when this run learnt any. */
void dw_store__cache_save(struct dw_store_tx *tx);

int dw_store__read_blob(git_repository *repo, const git_oid *id, struct dw_buf *out,
                        const char *path, struct dw_error *err);

#endif
