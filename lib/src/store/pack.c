/*
 * The first import of a tenant writes tens of thousands of new objects.
 * libgit2's pack builder spends most of that commit searching for deltas
 * (30 s of 32 for 50,000 files on a loaded 2-core host), so large sets go
 * through this writer instead: a version 2 pack stream with every object
 * whole, fed to libgit2's indexer, which checks it, names each object with
 * its own hash and writes the .pack and .idx (fsynced, the .idx last). The
 * objects are stored in zlib's "stored" blocks: valid for every git reader,
 * no compression library needed, and gc packs them small with deltas later.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pack.h"

#define CHUNK        (1u << 20)
#define STORED_MAX   65535u /* the largest stored deflate block */
#define ADLER_MOD    65521u
#define ADLER_STRIDE 5552u /* bytes before the sums can overflow 32 bits */

struct stream {
	git_indexer *idx;
	git_indexer_progress stats;
	struct store_sha1 sha;
	unsigned char *buf;
	size_t len;
};

static int flush(struct stream *st)
{
	int rc = st->len ? git_indexer_append(st->idx, st->buf, st->len, &st->stats) : 0;

	st->len = 0;
	return rc;
}

/* Appends bytes to the pack; the trailer's checksum covers all of them. */
static int put(struct stream *st, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t take;
	int rc;

	dw_store__sha1_update(&st->sha, data, len);
	while (len) {
		take = len < CHUNK - st->len ? len : CHUNK - st->len;
		memcpy(st->buf + st->len, p, take);
		st->len += take;
		p += take;
		len -= take;
		if (st->len == CHUNK && (rc = flush(st)) < 0)
			return rc;
	}
	return 0;
}

/* The object header: type and size, 4 bits then 7 per byte, high bit for "more". */
static int put_header(struct stream *st, git_object_t type, size_t size)
{
	unsigned char h[16];
	size_t n = 0;

	h[0] = (unsigned char)(((unsigned)type << 4) | (size & 0x0f));
	for (size >>= 4; size; size >>= 7) {
		h[n++] |= 0x80;
		h[n] = (unsigned char)(size & 0x7f);
	}
	return put(st, h, n + 1);
}

static uint32_t adler32(const unsigned char *p, size_t len)
{
	uint32_t a = 1, b = 0;
	size_t n;

	while (len) {
		n = len < ADLER_STRIDE ? len : ADLER_STRIDE;
		len -= n;
		while (n--) {
			a += *p++;
			b += a;
		}
		a %= ADLER_MOD;
		b %= ADLER_MOD;
	}
	return b << 16 | a;
}

/* @data as a zlib stream of stored blocks (RFC 1950/1951), at least one block. */
static int put_stored(struct stream *st, const unsigned char *data, size_t len)
{
	static const unsigned char zhead[2] = { 0x78, 0x01 };
	uint32_t sum = adler32(data, len);
	unsigned char bh[5], tail[4];
	size_t take;
	int rc;

	if ((rc = put(st, zhead, sizeof(zhead))) < 0)
		return rc;
	do {
		take = len < STORED_MAX ? len : STORED_MAX;
		bh[0] = take == len; /* BFINAL on the last block, BTYPE 00 */
		bh[1] = (unsigned char)(take & 0xff);
		bh[2] = (unsigned char)(take >> 8);
		bh[3] = (unsigned char)(~take & 0xff);
		bh[4] = (unsigned char)((~take >> 8) & 0xff);
		if ((rc = put(st, bh, sizeof(bh))) < 0 || (rc = put(st, data, take)) < 0)
			return rc;
		data += take;
		len -= take;
	} while (len);
	tail[0] = (unsigned char)(sum >> 24);
	tail[1] = (unsigned char)(sum >> 16);
	tail[2] = (unsigned char)(sum >> 8);
	tail[3] = (unsigned char)sum;
	return put(st, tail, sizeof(tail));
}

static int put_object(struct stream *st, git_odb_backend *mempack, const git_oid *id)
{
	git_object_t type;
	void *data = NULL;
	size_t len;
	int rc;

	if ((rc = mempack->read(&data, &len, &type, mempack, id)) < 0)
		return rc;
	if ((rc = put_header(st, type, len)) == 0)
		rc = put_stored(st, data, len);
	git_odb_backend_data_free(mempack, data);
	return rc;
}

static int put_pack(struct stream *st, git_odb_backend *mempack, const git_oid *ids, size_t n)
{
	unsigned char head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 }, trailer[20];
	size_t i;
	int rc;

	head[8] = (unsigned char)(n >> 24);
	head[9] = (unsigned char)(n >> 16);
	head[10] = (unsigned char)(n >> 8);
	head[11] = (unsigned char)n;
	if ((rc = put(st, head, sizeof(head))) < 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = put_object(st, mempack, &ids[i])) < 0)
			return rc;
	dw_store__sha1_final(&st->sha, trailer);
	memcpy(st->buf + st->len, trailer, sizeof(trailer)); /* not part of its own sum */
	st->len += sizeof(trailer);
	return flush(st);
}

int dw_store__pack_dir(struct dw_store *store, char *out, size_t outlen, struct dw_error *err)
{
	git_buf objects = { 0 };
	int rc = git_repository_item_path(&objects, store->repo, GIT_REPOSITORY_ITEM_OBJECTS);

	if (rc < 0)
		return dw_store__git_error(err, rc, "%s: no objects directory", store->path);
	rc = (size_t)snprintf(out, outlen, "%spack", objects.ptr) >= outlen ? -ENAMETOOLONG : 0;
	git_buf_dispose(&objects);
	if (rc < 0)
		return dw_error_set(err, rc, DW_AREA_SYSTEM, ENAMETOOLONG, "%s: path too long",
		                    store->path);
	return 0;
}

int dw_store__pack_write_direct(struct dw_store *store, const git_oid *ids, size_t n,
                                struct dw_error *err)
{
	git_indexer_options opts = GIT_INDEXER_OPTIONS_INIT;
	struct stream st = { 0 };
	char dir[PATH_MAX];
	int rc;

	if (n > UINT32_MAX)
		return dw_error_set(err, -EFBIG, DW_AREA_GIT, 0, "too many objects for one pack");
	if ((rc = dw_store__pack_dir(store, dir, sizeof(dir), err)) < 0)
		return rc;
	dw_store__sha1_init(&st.sha);
	/* put() flushes a full chunk at once, so the trailer always fits after the rest */
	if (!(st.buf = malloc(CHUNK + 20)))
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	if ((rc = git_indexer_new(&st.idx, dir, 0, store->disk, &opts)) < 0 ||
	    (rc = put_pack(&st, store->mempack, ids, n)) < 0 ||
	    (rc = git_indexer_commit(st.idx, &st.stats)) < 0)
		rc = dw_store__git_error(err, rc, "could not write a pack of %zu objects", n);
	git_indexer_free(st.idx);
	free(st.buf);
	return rc;
}
