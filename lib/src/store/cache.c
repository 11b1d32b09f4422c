/*
 * The digest cache: an unchanged run must not pay for hashing what did not
 * change (50,000 files: 0.3 s of git's collision-detecting SHA-1). For each
 * blob of a branch's last commit the cache remembers a keyed digest of its
 * bytes (SipHash-2-4, 128 bits, under a random key kept in the repository),
 * in <repo>/driftward-cache/<branch>: "DWC1", a count, then sorted pairs of
 * (blob id, digest). Staging the same bytes at a path whose previous blob has
 * that digest reuses the blob id without hashing.
 *
 * The cache is looked up by the blob id the previous tree holds at the path,
 * so a stale or foreign cache cannot make a change look unchanged: at worst
 * it misses, and the bytes are hashed. Tenants control what they send, never
 * the key, so they cannot aim a collision at it. The file is replaced
 * atomically after the branch moves; a missing or unreadable one is no cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftward/file.h"
#include "driftward/log.h"
#include "store/internal.h"
#include "store/tx.h"

#define CACHE_DIR   "driftward-cache"
#define CACHE_MAGIC "DWC1"
#define ENTRY_SIZE  (GIT_OID_RAWSZ + STORE_DIGEST_LEN)
#define CACHE_MAX   (256u << 20)

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static uint64_t finish(uint64_t v[4])
{
	int i;

	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void put_le64(unsigned char *p, uint64_t x)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(x >> (8 * i));
}

void dw_store__siphash(const unsigned char key[16], const void *data, size_t len, size_t outlen,
                       unsigned char *out)
{
	const unsigned char *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8), m, b = (uint64_t)len << 56;
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
		          k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	size_t i;

	if (outlen == 16)
		v[1] ^= 0xee;
	for (; len >= 8; p += 8, len -= 8) {
		m = le64(p);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	for (i = 0; i < len; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= outlen == 16 ? 0xee : 0xff;
	put_le64(out, finish(v));
	if (outlen == 16) {
		v[1] ^= 0xdd;
		put_le64(out + 8, finish(v));
	}
}

static int cache_path(const struct dw_store_tx *tx, const char *name, char *out, size_t outlen)
{
	char dir[PATH_MAX];
	int n;

	if (dw_store__repo_dir(tx->store, dir, sizeof(dir)) < 0)
		return -ENAMETOOLONG;
	n = snprintf(out, outlen, "%s/" CACHE_DIR "/%s", dir, name);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

static int read_small(const char *path, unsigned char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r = 0;
	struct stat st;
	ssize_t got;

	*out = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > CACHE_MAX)
		r = -EINVAL;
	else if (!(*out = malloc((size_t)st.st_size + 1)))
		r = -ENOMEM;
	else if ((got = read(fd, *out, (size_t)st.st_size)) != (ssize_t)st.st_size)
		r = -EIO;
	*len = (size_t)st.st_size;
	close(fd);
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* The store's key, made on first use; racing runs agree on whichever was linked first. */
static int load_key(struct dw_store_tx *tx)
{
	struct dw_store *store = tx->store;
	unsigned char key[STORE_DIGEST_KEY], *got = NULL;
	char path[PATH_MAX];
	size_t len = 0;
	int r;

	if (store->cache_key_state)
		return store->cache_key_state > 0 ? 0 : -ENOENT;
	store->cache_key_state = -1;
	if (cache_path(tx, "key", path, sizeof(path)) < 0 || dw_store__make_parents(path) < 0)
		return -ENOENT;
	if (read_small(path, &got, &len) < 0) {
		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
			return -ENOENT;
		r = dw_file_write_atomic(path, 0600, DW_FILE_EXCLUSIVE, key, sizeof(key), NULL);
		if ((r < 0 && r != -EEXIST) || read_small(path, &got, &len) < 0)
			return -ENOENT;
	}
	if (len == sizeof(store->cache_key)) {
		memcpy(store->cache_key, got, len);
		store->cache_key_state = 1;
	}
	free(got);
	return store->cache_key_state > 0 ? 0 : -ENOENT;
}

void dw_store__cache_load(struct dw_store_tx *tx)
{
	char path[PATH_MAX];
	unsigned char *data = NULL;
	size_t len = 0, n;

	if (load_key(tx) < 0)
		return;
	tx->digests = 1;
	if (!tx->has_parent || cache_path(tx, tx->ref + 11, path, sizeof(path)) < 0 ||
	    read_small(path, &data, &len) < 0)
		return;
	n = len >= 8
	            ? (size_t)data[4] << 24 | (size_t)data[5] << 16 | (size_t)data[6] << 8 | data[7]
	            : 0;
	if (len < 8 || memcmp(data, CACHE_MAGIC, 4) != 0 || len != 8 + n * ENTRY_SIZE) {
		free(data);
		return;
	}
	tx->cache_data = data;
	tx->cache = data + 8;
	tx->ncache = n;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(a, b, GIT_OID_RAWSZ);
}

int dw_store__cache_find(const struct dw_store_tx *tx, const git_oid *id,
                         unsigned char digest[STORE_DIGEST_LEN])
{
	const unsigned char *e;

	if (!tx->ncache)
		return 0;
	e = bsearch(id->id, tx->cache, tx->ncache, ENTRY_SIZE, cmp_entry);
	if (!e)
		return 0;
	memcpy(digest, e + GIT_OID_RAWSZ, STORE_DIGEST_LEN);
	return 1;
}

/* The blob and digest @e leaves in the new tree; 0 when it leaves none or its digest is unknown. */
static int final_pair(const struct dw_store_tx *tx, const struct tx_entry *e, unsigned char *out)
{
	enum tx_change c = dw_store__tx_entry_change(tx, e);

	if (c == TX_DELETE || (!e->has_prev && e->state != TX_STAGED))
		return 0;
	if (e->state == TX_STAGED) {
		if (!e->has_digest)
			return 0;
		memcpy(out, e->cur.id, GIT_OID_RAWSZ);
		memcpy(out + GIT_OID_RAWSZ, e->digest, STORE_DIGEST_LEN);
		return 1;
	}
	memcpy(out, e->prev.id, GIT_OID_RAWSZ);
	return dw_store__cache_find(tx, &e->prev, out + GIT_OID_RAWSZ);
}

static size_t unique_entries(unsigned char *ents, size_t n)
{
	size_t i, m = 0;

	qsort(ents, n, ENTRY_SIZE, cmp_entry);
	for (i = 0; i < n; i++)
		if (m == 0 ||
		    memcmp(ents + (m - 1) * ENTRY_SIZE, ents + i * ENTRY_SIZE, GIT_OID_RAWSZ) != 0)
			memmove(ents + m++ * ENTRY_SIZE, ents + i * ENTRY_SIZE, ENTRY_SIZE);
	return m;
}

/* Best effort: a cache that cannot be written costs the next run its hashing, nothing else. */
void dw_store__cache_save(struct dw_store_tx *tx)
{
	char path[PATH_MAX];
	unsigned char *buf;
	size_t i, n = 0;

	if (!tx->digests || !tx->cache_dirty || tx->nentries > UINT32_MAX ||
	    cache_path(tx, tx->ref + 11, path, sizeof(path)) < 0 ||
	    dw_store__make_parents(path) < 0)
		return;
	if (!(buf = malloc(8 + (tx->nentries ? tx->nentries : 1) * ENTRY_SIZE)))
		return;
	for (i = 0; i < tx->nentries; i++)
		n += final_pair(tx, &tx->entries[i], buf + 8 + n * ENTRY_SIZE);
	n = unique_entries(buf + 8, n);
	memcpy(buf, CACHE_MAGIC, 4);
	buf[4] = (unsigned char)(n >> 24);
	buf[5] = (unsigned char)(n >> 16);
	buf[6] = (unsigned char)(n >> 8);
	buf[7] = (unsigned char)n;
	if (dw_file_write_atomic(path, 0600, 0, buf, 8 + n * ENTRY_SIZE, NULL) < 0)
		dw_log_warning("could not write the digest cache '%s'", path);
	free(buf);
}
