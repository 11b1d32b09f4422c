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
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/pack.h"

#define CHUNK        (1u << 20)
#define STORED_MAX   65535u /* the largest stored deflate block */
#define ADLER_MOD    65521u
#define ADLER_STRIDE 5552u /* bytes before the sums can overflow 32 bits */

/* A new pack as it is written: into libgit2's indexer, or (a merge) into a file of its own. */
struct stream {
	git_indexer *idx;
	git_indexer_progress stats;
	int fd;     /* without the indexer: the pack's temporary file */
	int errnum; /* writing it failed: the errno, for the message */
	struct store_sha1 sha;
	unsigned char sum[20];               /* the trailer, once written */
	const struct store_crc32 *crc_table; /* set: crc runs over what is put */
	uint32_t crc;
	struct store_idx_entry *index; /* a merge: every object written, for the .idx */
	size_t nindex;
	unsigned char *buf;
	size_t len;
	uint64_t offset; /* bytes of the pack so far: where the next object starts */
};

int dw_store__write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len) {
		if ((n = write(fd, p, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int dw_store__sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int flush(struct stream *st)
{
	int rc = 0;

	if (st->len && st->idx)
		rc = git_indexer_append(st->idx, st->buf, st->len, &st->stats);
	else if (st->len && (rc = dw_store__write_all(st->fd, st->buf, st->len)) < 0)
		st->errnum = -rc;
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
	if (st->crc_table)
		st->crc = dw_store__crc32(st->crc_table, st->crc, data, len);
	st->offset += len;
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

static int put_pack_header(struct stream *st, size_t n)
{
	unsigned char head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 };

	head[8] = (unsigned char)(n >> 24);
	head[9] = (unsigned char)(n >> 16);
	head[10] = (unsigned char)(n >> 8);
	head[11] = (unsigned char)n;
	return put(st, head, sizeof(head));
}

static int put_pack_trailer(struct stream *st)
{
	dw_store__sha1_final(&st->sha, st->sum);
	memcpy(st->buf + st->len, st->sum, sizeof(st->sum)); /* not part of its own sum */
	st->len += sizeof(st->sum);
	return flush(st);
}

static int put_pack(struct stream *st, git_odb_backend *mempack, const git_oid *ids, size_t n)
{
	size_t i;
	int rc;

	if ((rc = put_pack_header(st, n)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = put_object(st, mempack, &ids[i])) < 0)
			return rc;
	return put_pack_trailer(st);
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

/*
 * A stream into a new pack of the pack directory @dir: with @store, through
 * libgit2's indexer, which checks, names and indexes it; without (a merge),
 * into the file the caller sets in st->fd.
 */
static int stream_open(struct stream *st, struct dw_store *store, const char *dir)
{
	git_indexer_options opts = GIT_INDEXER_OPTIONS_INIT;

	memset(st, 0, sizeof(*st));
	st->fd = -1;
	dw_store__sha1_init(&st->sha);
	/* put() flushes a full chunk at once, so the trailer always fits after the rest */
	if (!(st->buf = malloc(CHUNK + 20)))
		return -ENOMEM;
	return store ? git_indexer_new(&st->idx, dir, 0, store->disk, &opts) : 0;
}

static void stream_close(struct stream *st)
{
	git_indexer_free(st->idx);
	if (st->fd >= 0)
		close(st->fd);
	free(st->index);
	free(st->buf);
}

int dw_store__pack_write_direct(struct dw_store *store, const git_oid *ids, size_t n,
                                struct dw_error *err)
{
	struct stream st;
	char dir[PATH_MAX];
	int rc;

	if (n > UINT32_MAX)
		return dw_error_set(err, -EFBIG, DW_AREA_GIT, 0, "too many objects for one pack");
	if ((rc = dw_store__pack_dir(store, dir, sizeof(dir), err)) < 0)
		return rc;
	if ((rc = stream_open(&st, store, dir)) == 0 &&
	    (rc = put_pack(&st, store->mempack, ids, n)) == 0)
		rc = git_indexer_commit(st.idx, &st.stats);
	if (rc == -ENOMEM)
		dw_error_set(err, rc, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	else if (rc < 0)
		rc = dw_store__git_error(err, rc, "could not write a pack of %zu objects", n);
	stream_close(&st);
	return rc;
}

/*
 * Merging packs without the pack builder: each object's bytes as they are in
 * its pack (compressed, a delta against its base or whole) are copied into
 * one new pack file, checked against the CRC its pack's index gives, and
 * the new index is written from what the copy knows (store/packidx.c): id,
 * offset, CRC. Nothing is inflated, so a merge costs a read and a write of
 * the bytes and 32 bytes of record per object, where libgit2's pack builder
 * held every object and searched for deltas again (a roll-up of 100,000
 * objects of 1.5 KiB peaked at 215 MiB), and libgit2's indexer resolved
 * every delta and kept mapped what it read of the new pack (111 MiB).
 * An OFS_DELTA names its base by distance, which changes in the new pack:
 * that header is written again. An object in two of the packs (two
 * tenants' commits can both write the same blob) is copied once; a delta
 * whose base was that second copy is pointed at the first, which the new
 * pack holds earlier.
 */
#define OBJ_OFS_DELTA 6
#define IDX_HEADER    (8 + 256 * 4)
#define WINDOW        (1u << 20)
#define ENTRY_HEAD    32 /* more than an entry's size header and base distance take */

struct src_entry {
	uint64_t off, end; /* the object's bytes in its pack */
	uint64_t new_off;  /* where it starts in the new pack */
	const unsigned char *id;
	uint32_t crc;           /* of its bytes, from its pack's index */
	size_t rank;            /* its place in the new pack's order of copying */
	struct src_entry *same; /* when not copied: the copy of the same object that is */
};

struct src_pack {
	unsigned char *idx; /* mapped: 28 bytes an object */
	size_t idx_len;
	/*
	 * The pack is read a window at a time, not mapped: a mapped pack's pages
	 * count in the resident set, and a roll-up's inputs (100,000 objects,
	 * first imports' uncompressed packs) peaked at 340 MiB that way. It is
	 * open only while it is copied: a roll-up may take hundreds of packs.
	 */
	char *path;
	int fd;
	uint64_t pack_len;
	uint32_t n;
	struct src_entry *e; /* by offset */
};

/* The bytes of one pack read last: entries are copied in pack order, so most are in it. */
struct window {
	unsigned char *buf; /* WINDOW bytes */
	const struct src_pack *sp;
	uint64_t off;
	size_t len;
	int errnum; /* a read that failed: its errno, for the message */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int map_file(const char *path, unsigned char **out, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		r = st.st_size <= 0 ? -EINVAL : -errno;
	} else if ((p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) ==
	           MAP_FAILED) {
		r = -errno;
	} else {
		*out = p;
		*len = (size_t)st.st_size;
	}
	close(fd);
	return r;
}

static int read_at(int fd, unsigned char *buf, size_t len, uint64_t off)
{
	ssize_t got;

	while (len) {
		if ((got = pread(fd, buf, len, (off_t)off)) < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EINVAL; /* shorter than its index says */
		buf += got;
		len -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/*
 * The bytes of @sp from @off, at most up to @end, in *@out and *@len: at
 * least ENTRY_HEAD of them (or all up to @end), so an entry's headers can be
 * read from one place.
 */
static int window_at(struct window *w, const struct src_pack *sp, uint64_t off, uint64_t end,
                     const unsigned char **out, size_t *len)
{
	uint64_t need = end - off < ENTRY_HEAD ? end - off : ENTRY_HEAD;
	size_t fill;
	int rc;

	if (w->sp != sp || off < w->off || off + need > w->off + w->len) {
		fill = sp->pack_len - off < WINDOW ? (size_t)(sp->pack_len - off) : WINDOW;
		w->sp = NULL;
		if ((rc = read_at(sp->fd, w->buf, fill, off)) < 0) {
			w->errnum = rc == -EINVAL ? 0 : -rc;
			return rc;
		}
		w->sp = sp;
		w->off = off;
		w->len = fill;
	}
	*out = w->buf + (off - w->off);
	*len = (size_t)((end < w->off + w->len ? end : w->off + w->len) - off);
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct src_entry *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* The offset of object @i of a version 2 index: 31 bits, or an entry of the 64-bit table. */
static int idx_offset(const struct src_pack *sp, uint32_t i, uint64_t *off)
{
	const unsigned char *o32 = sp->idx + IDX_HEADER + (size_t)sp->n * 24;
	const unsigned char *o64 = o32 + (size_t)sp->n * 4;
	uint32_t v = be32(o32 + (size_t)i * 4);

	if (!(v & 0x80000000u)) {
		*off = v;
		return 0;
	}
	v &= 0x7fffffffu;
	if ((size_t)(o64 - sp->idx) + ((size_t)v + 1) * 8 + 40 > sp->idx_len)
		return -EINVAL;
	*off = (uint64_t)be32(o64 + (size_t)v * 8) << 32 | be32(o64 + (size_t)v * 8 + 4);
	return 0;
}

static int src_open_pack(struct src_pack *sp)
{
	return (sp->fd = open(sp->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 ? -errno : 0;
}

static void src_close_pack(struct src_pack *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
}

/* Checks @base.idx and @base.pack and lists the pack's objects by offset. */
static int src_open(struct src_pack *sp, const char *dir, const char *base)
{
	char path[PATH_MAX];
	unsigned char head[12];
	struct stat st;
	uint32_t i;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.idx", dir, base) >= sizeof(path))
		return -ENAMETOOLONG;
	if ((r = map_file(path, &sp->idx, &sp->idx_len)) < 0)
		return r;
	if (sp->idx_len < IDX_HEADER + 40 || memcmp(sp->idx, "\377tOc\0\0\0\2", 8) != 0)
		return -EINVAL;
	sp->n = be32(sp->idx + IDX_HEADER - 4);
	if (IDX_HEADER + (size_t)sp->n * 28 + 40 > sp->idx_len)
		return -EINVAL;
	snprintf(path + strlen(path) - 4, 6, ".pack");
	if (!(sp->path = strdup(path)))
		return -ENOMEM;
	if ((r = src_open_pack(sp)) < 0 || (r = fstat(sp->fd, &st) < 0 ? -errno : 0) < 0)
		return r;
	sp->pack_len = (uint64_t)st.st_size;
	r = sp->pack_len < 32 ? -EINVAL : read_at(sp->fd, head, sizeof(head), 0);
	src_close_pack(sp);
	if (r < 0 || memcmp(head, "PACK\0\0\0\2", 8) != 0 || be32(head + 8) != sp->n)
		return r < 0 ? r : -EINVAL;
	if (!(sp->e = calloc(sp->n ? sp->n : 1, sizeof(*sp->e))))
		return -ENOMEM;
	for (i = 0; i < sp->n; i++) {
		sp->e[i].id = sp->idx + IDX_HEADER + (size_t)i * 20;
		sp->e[i].crc = be32(sp->idx + IDX_HEADER + (size_t)sp->n * 20 + (size_t)i * 4);
		if ((r = idx_offset(sp, i, &sp->e[i].off)) < 0)
			return r;
		if (sp->e[i].off < 12 || sp->e[i].off >= sp->pack_len - 20)
			return -EINVAL;
	}
	qsort(sp->e, sp->n, sizeof(*sp->e), by_offset);
	for (i = 0; i < sp->n; i++)
		sp->e[i].end = i + 1 < sp->n ? sp->e[i + 1].off : sp->pack_len - 20;
	return 0;
}

static void src_close(struct src_pack *sp)
{
	if (sp->idx)
		munmap(sp->idx, sp->idx_len);
	src_close_pack(sp);
	free(sp->path);
	free(sp->e);
}

static int by_id(const void *a, const void *b)
{
	const struct src_entry *const *x = a, *const *y = b;
	int c = memcmp((*x)->id, (*y)->id, 20);

	/* the same object twice: the one the new pack holds first comes first */
	return c ? c : ((*x)->rank < (*y)->rank ? -1 : (*x)->rank > (*y)->rank);
}

/*
 * Marks every object found in an earlier place too (src_entry.same), and
 * returns in *@sorted every entry by id (for the loose objects' check).
 */
static int mark_duplicates(struct src_pack *sp, size_t n, struct src_entry ***sorted, size_t *total,
                           size_t *unique)
{
	struct src_entry **all;
	size_t i, k = 0;
	uint32_t j;

	for (i = 0, *total = 0; i < n; i++)
		*total += sp[i].n;
	if (!(all = calloc(*total ? *total : 1, sizeof(*all))))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		for (j = 0; j < sp[i].n; j++) {
			sp[i].e[j].rank = k;
			all[k++] = &sp[i].e[j];
		}
	qsort(all, *total, sizeof(*all), by_id);
	for (i = 0, *unique = 0; i < *total; i++) {
		if (i && memcmp(all[i]->id, all[i - 1]->id, 20) == 0)
			all[i]->same = all[i - 1]->same ? all[i - 1]->same : all[i - 1];
		else
			(*unique)++;
	}
	*sorted = all;
	return 0;
}

static int offset_vs_entry(const void *key, const void *elem)
{
	uint64_t off = *(const uint64_t *)key, at = ((const struct src_entry *)elem)->off;

	return off < at ? -1 : off > at;
}

/* The entry of @sp at offset @off, NULL when none starts there. */
static struct src_entry *entry_at(struct src_pack *sp, uint64_t off)
{
	return bsearch(&off, sp->e, sp->n, sizeof(*sp->e), offset_vs_entry);
}

/*
 * Copies bytes [@off, @end) of @sp into the stream a window at a time, and
 * runs *@src_crc over them (when not NULL: what was read differs from what
 * is written).
 */
static int copy_bytes(struct stream *st, struct window *w, const struct src_pack *sp, uint64_t off,
                      uint64_t end, uint32_t *src_crc)
{
	const unsigned char *p;
	size_t len;
	int rc;

	while (off < end) {
		if ((rc = window_at(w, sp, off, end, &p, &len)) < 0 || (rc = put(st, p, len)) < 0)
			return rc;
		if (src_crc)
			*src_crc = dw_store__crc32(st->crc_table, *src_crc, p, len);
		off += len;
	}
	return 0;
}

/* The object just written, from @off to here, for the new pack's index. */
static void record(struct stream *st, const unsigned char *id, uint64_t off)
{
	struct store_idx_entry *r = &st->index[st->nindex++];

	memcpy(r->id, id, sizeof(r->id));
	r->crc = st->crc;
	r->off = off;
}

/* The bytes of entry @e, its OFS_DELTA distance rewritten; *@src_crc: the CRC of those read. */
static int copy_entry_bytes(struct stream *st, struct window *w, struct src_pack *sp,
                            struct src_entry *e, uint32_t *src_crc)
{
	const unsigned char *head, *p, *end;
	unsigned char ofs[16];
	struct src_entry *base;
	uint64_t dist, base_off;
	unsigned pos = sizeof(ofs) - 1;
	size_t len;
	unsigned c;
	int rc;

	if ((rc = window_at(w, sp, e->off, e->end, &head, &len)) < 0)
		return rc;
	if (((*head >> 4) & 7) != OBJ_OFS_DELTA) {
		rc = copy_bytes(st, w, sp, e->off, e->end, NULL);
		*src_crc = st->crc; /* the same bytes */
		return rc;
	}
	end = head + (len < ENTRY_HEAD ? len : ENTRY_HEAD);
	for (p = head; p < end && (*p & 0x80); p++)
		; /* the type and size header, kept as it is */
	if (++p >= end)
		return -EINVAL;
	if ((rc = put(st, head, (size_t)(p - head))) < 0)
		return rc;
	c = *p++;
	dist = c & 127;
	while (c & 128) {
		if (p >= end || dist >= (UINT64_MAX >> 8))
			return -EINVAL;
		c = *p++;
		dist = ((dist + 1) << 7) | (c & 127);
	}
	if (dist == 0 || dist > e->off || !(base = entry_at(sp, e->off - dist)))
		return -EINVAL;
	base_off = base->same ? base->same->new_off : base->new_off;
	dist = e->new_off - base_off;
	ofs[pos] = (unsigned char)(dist & 127);
	while (dist >>= 7)
		ofs[--pos] = (unsigned char)(128 | (--dist & 127));
	if ((rc = put(st, ofs + pos, sizeof(ofs) - pos)) < 0)
		return rc;
	*src_crc = dw_store__crc32(st->crc_table, 0, head, (size_t)(p - head));
	return copy_bytes(st, w, sp, e->off + (uint64_t)(p - head), e->end, src_crc);
}

/*
 * Copies entry @e of @sp into the stream, a delta's distance to its base
 * written anew, and records it. Its bytes as read must have the CRC its
 * pack's index gives (as git checks data it reuses): -EILSEQ when not.
 */
static int copy_entry(struct stream *st, struct window *w, struct src_pack *sp, struct src_entry *e)
{
	uint32_t src_crc;
	int rc;

	e->new_off = st->offset;
	st->crc = 0;
	if ((rc = copy_entry_bytes(st, w, sp, e, &src_crc)) < 0)
		return rc;
	if (src_crc != e->crc)
		return -EILSEQ;
	record(st, e->id, e->new_off);
	return 0;
}

/* Copies the objects of @sp that no earlier pack holds, its file open meanwhile. */
static int copy_pack(struct stream *st, struct window *w, struct src_pack *sp)
{
	uint32_t j;
	int rc = src_open_pack(sp);

	if (rc < 0)
		w->errnum = -rc;
	for (j = 0; rc == 0 && j < sp->n; j++)
		if (!sp->e[j].same)
			rc = copy_entry(st, w, sp, &sp->e[j]);
	src_close_pack(sp);
	return rc;
}

static int id_vs_entry(const void *key, const void *elem)
{
	return memcmp(key, (*(struct src_entry *const *)elem)->id, 20);
}

static bool in_packs(struct src_entry **sorted, size_t n, const git_oid *id)
{
	return bsearch(id->id, sorted, n, sizeof(*sorted), id_vs_entry) != NULL;
}

static int put_loose(struct stream *st, git_odb *odb, const git_oid *id)
{
	git_odb_object *obj = NULL;
	uint64_t off = st->offset;
	int rc = git_odb_read(&obj, odb, id);

	st->crc = 0;
	if (rc == 0 &&
	    (rc = put_header(st, git_odb_object_type(obj), git_odb_object_size(obj))) == 0 &&
	    (rc = put_stored(st, git_odb_object_data(obj), git_odb_object_size(obj))) == 0)
		record(st, id->id, off);
	git_odb_object_free(obj);
	return rc;
}

static int copy_all(struct stream *st, struct window *w, struct dw_store *store,
                    struct src_pack *sp, size_t n, struct src_entry **sorted, size_t total,
                    size_t unique, const git_oid *loose, size_t nloose, size_t *written)
{
	size_t i, extra = 0;
	int rc;

	for (i = 0; i < nloose; i++)
		extra += !in_packs(sorted, total, &loose[i]);
	if (unique + extra > UINT32_MAX)
		return -EFBIG;
	if (!(st->index = calloc(unique + extra ? unique + extra : 1, sizeof(*st->index))))
		return -ENOMEM;
	if ((rc = put_pack_header(st, unique + extra)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = copy_pack(st, w, &sp[i])) < 0)
			return rc;
	for (i = 0; i < nloose; i++)
		if (!in_packs(sorted, total, &loose[i]) &&
		    (rc = put_loose(st, store->odb, &loose[i])) < 0)
			return rc;
	*written = unique + extra;
	return put_pack_trailer(st);
}

/* A new file "@dir/tmp_pack_<what>_<pid>_<n>" (gc sweeps what a killed merge leaves), 0444. */
static int create_tmp(const char *dir, const char *what, char *path, size_t pathlen)
{
	static _Atomic unsigned seq;
	unsigned tries;
	int fd;

	for (tries = 0; tries < 100; tries++) {
		if ((size_t)snprintf(path, pathlen, "%s/tmp_pack_%s_%ld_%u", dir, what,
		                     (long)getpid(), seq++) >= pathlen)
			break;
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0444)) >=
		    0)
			return fd;
		if (errno != EEXIST)
			break;
	}
	fd = errno == EEXIST || errno == 0 ? -EEXIST : -errno;
	path[0] = '\0';
	return fd;
}

/* fsyncs and closes @fd, then renames @tmp to @path: -errno on failure, @tmp then left. */
static int finish_file(int fd, const char *tmp, const char *path)
{
	int rc = fsync(fd) < 0 ? -errno : 0;

	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	return rc;
}

/* Writes the .idx of the merge's pack @hex from st->index, fsynced, in place. */
static int write_index(struct stream *st, const char *dir, const char *hex)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/pack-%s.idx", dir, hex) >= sizeof(path))
		return -ENAMETOOLONG;
	if ((fd = create_tmp(dir, "idx", tmp, sizeof(tmp))) < 0)
		return fd;
	if ((rc = dw_store__idx_write(fd, st->index, st->nindex, st->sum)) < 0)
		close(fd);
	else
		rc = finish_file(fd, tmp, path);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/*
 * Names the merge's pack by its checksum, as git does: the .pack renamed in
 * place, then its .idx written; a .pack without its .idx, should the
 * process die between the two, is never read, and gc sweeps it. Then the
 * directory is fsynced.
 */
static int merge_commit(struct stream *st, const char *dir, char *tmp, char *name, size_t namelen)
{
	char hex[GIT_OID_HEXSZ + 1], path[PATH_MAX];
	int fd = st->fd, rc;
	git_oid sum;

	git_oid_fromraw(&sum, st->sum);
	git_oid_tostr(hex, sizeof(hex), &sum);
	if ((size_t)snprintf(path, sizeof(path), "%s/pack-%s.pack", dir, hex) >= sizeof(path))
		return -ENAMETOOLONG;
	st->fd = -1;
	if ((rc = finish_file(fd, tmp, path)) < 0)
		return rc;
	tmp[0] = '\0';
	if ((rc = write_index(st, dir, hex)) < 0 || (rc = dw_store__sync_dir(dir)) < 0)
		return rc;
	snprintf(name, namelen, "pack-%s", hex);
	return 0;
}

/* Says why a merge failed, unless what failed said it already. */
static void merge_error(int rc, const char *dir, size_t n, int errnum, const char *io,
                        struct dw_error *err)
{
	if (rc >= 0 || dw_error_isset(err))
		return;
	if (errnum)
		dw_error_set(err, rc, DW_AREA_SYSTEM, errnum,
		             "%s: could not %s a pack of the merge: %s", dir, io, strerror(errnum));
	else if (rc == -EINVAL || rc == -EILSEQ)
		dw_error_set(err, rc, DW_AREA_GIT, 0,
		             "%s: a pack to merge has a bad object entry%s", dir,
		             rc == -EILSEQ ? " (its CRC does not match its index)" : "");
	else if (rc == -ENOMEM)
		dw_error_set(err, rc, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	else
		dw_store__git_error(err, rc, "%s: could not merge %zu packs", dir, n);
}

int dw_store__pack_merge(struct dw_store *store, const char *dir, const char *const *bases,
                         size_t n, const git_oid *loose, size_t nloose, char *name, size_t namelen,
                         size_t *objects, struct dw_error *err)
{
	struct src_pack *sp = calloc(n ? n : 1, sizeof(*sp));
	struct src_entry **sorted = NULL;
	struct window w = { malloc(WINDOW), NULL, 0, 0, 0 };
	struct store_crc32 crc;
	struct stream st = { .fd = -1 };
	char tmp[PATH_MAX] = "";
	size_t i, total = 0, unique = 0;
	int rc = sp && w.buf ? 0 : -ENOMEM;

	*objects = 0;
	name[0] = '\0';
	for (i = 0; sp && i < n; i++)
		sp[i].fd = -1;
	for (i = 0; rc == 0 && i < n; i++)
		if ((rc = src_open(&sp[i], dir, bases[i])) < 0)
			dw_error_set(err, rc, DW_AREA_GIT, 0, "%s/%s: %s", dir, bases[i],
			             rc == -EINVAL ? "not a pack this merge can read"
			                           : strerror(-rc));
	if (rc == -ENOMEM ||
	    (rc == 0 && (rc = mark_duplicates(sp, n, &sorted, &total, &unique)) < 0))
		dw_error_set(err, rc, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	dw_store__crc32_init(&crc);
	if (rc == 0 && (rc = stream_open(&st, NULL, dir)) == 0 &&
	    (rc = st.fd = create_tmp(dir, "merge", tmp, sizeof(tmp))) >= 0) {
		st.crc_table = &crc;
		rc = copy_all(&st, &w, store, sp, n, sorted, total, unique, loose, nloose, objects);
		if (rc == 0 && (rc = merge_commit(&st, dir, tmp, name, namelen)) < 0)
			st.errnum = -rc;
	} else if (rc < 0 && rc != -ENOMEM) {
		st.errnum = -rc; /* the temporary file */
	}
	merge_error(rc, dir, n, w.errnum ? w.errnum : st.errnum, w.errnum ? "read" : "write", err);
	stream_close(&st);
	if (tmp[0])
		unlink(tmp);
	for (i = 0; sp && i < n; i++)
		src_close(&sp[i]);
	free(sorted);
	free(w.buf);
	free(sp);
	return rc;
}
