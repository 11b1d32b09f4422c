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

/* CRC-32 as zlib computes it (a pack index's per-object check): crc 0 to start. */
struct store_crc32 {
	uint32_t table[256];
};

void dw_store__crc32_init(struct store_crc32 *c);
uint32_t dw_store__crc32(const struct store_crc32 *c, uint32_t crc, const void *data, size_t len);

/* One object of a pack the store wrote, for its index. */
struct store_idx_entry {
	unsigned char id[20];
	uint32_t crc; /* of the object's bytes in the pack */
	uint64_t off;
};

/*
 * Writes the version 2 index of a pack to @fd: @e (sorted here by id; each id
 * once, or -EINVAL) and the pack's trailing checksum @pack_sum. -errno when a
 * write fails. The caller fsyncs and names the file.
 */
int dw_store__idx_write(int fd, struct store_idx_entry *e, size_t n,
                        const unsigned char pack_sum[20]);

/*
 * The most bytes of new blobs the mempack holds before they are spilled to
 * disk as a pack of their own. Without a bound a first import holds every
 * new file until commit (50,000 Intune objects: 115 MiB peak RSS against 62
 * for the same snapshot unchanged: tests/bench/coverage). 4 MiB is about
 * 4,000 objects of 1 KiB: a pack's index and fsyncs per 4 MiB cost 0.6 s of
 * a 50,000-file import's 2.9 (tests/bench/store), and the peak stays within
 * a few MiB of an unchanged run's. Half that would double the packs a first
 * import leaves for gc to roll up, twice that would add 4 MiB to the peak.
 */
#define STORE_MEMPACK_BUDGET (4u << 20)

/* Writes all @len bytes to @fd: 0, or -errno (-EIO for a write of nothing). */
int dw_store__write_all(int fd, const void *data, size_t len);

/* fsyncs the directory @dir, so that the names just made in it survive a crash: 0 or -errno. */
int dw_store__sync_dir(const char *dir);

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

/*
 * Merges the packs @bases ("pack-<hex>", in @dir) into one new pack there,
 * each object's bytes copied as they are (no delta search, no recompression;
 * an object in two of them once; each checked against its CRC), with the
 * loose objects @loose that none of them holds (stored whole). The new pack
 * and its index are fsynced, the .idx put in place last, then the directory;
 * *@name is its "pack-<hex>", *@objects its count. The old packs are left to
 * the caller.
 */
int dw_store__pack_merge(struct dw_store *store, const char *dir, const char *const *bases,
                         size_t n, const git_oid *loose, size_t nloose, char *name, size_t namelen,
                         size_t *objects, struct dw_error *err);

#endif
