/* Packs the store writes itself, and the checksum they end with. */
#ifndef DW_STORE_PACK_H
#define DW_STORE_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "store/internal.h"

struct store_sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
};

void dw_store__sha1_init(struct store_sha1 *s);
void dw_store__sha1_update(struct store_sha1 *s, const void *data, size_t len);
void dw_store__sha1_final(struct store_sha1 *s, unsigned char out[20]);

/* The repository's objects/pack directory into @out. */
int dw_store__pack_dir(struct dw_store *store, char *out, size_t outlen, struct dw_error *err);

/*
 * Writes the mempack objects @ids as one pack (and its index) in the
 * repository's pack directory, each object whole: no delta search and no
 * compression, so the cost is one pass over the bytes (the first import of
 * a large tenant). gc repacks with deltas and zlib later.
 */
int dw_store__pack_write_direct(struct dw_store *store, const git_oid *ids, size_t n,
                                struct dw_error *err);

#endif
