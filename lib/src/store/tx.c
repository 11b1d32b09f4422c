/*
 * A snapshot transaction on one branch. The previous commit's tree is walked
 * once into a table of files (path -> blob id), sorted by path for directory
 * listings and hashed for lookups; staging marks entries of that table and
 * adds new ones. Blobs whose bytes equal the previous ones are never written,
 * so an unchanged tenant costs one hash per file and gives no commit.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "store/internal.h"
#include "store/tx.h"

static uint64_t hash_path(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The slot of @path in the hash table: its entry's, or the empty one to fill. */
static size_t slot_of(const struct dw_store_tx *tx, const char *path)
{
	size_t mask = tx->nslots - 1, i = (size_t)hash_path(path) & mask;

	while (tx->slots[i] && strcmp(tx->entries[tx->slots[i] - 1].path, path) != 0)
		i = (i + 1) & mask;
	return i;
}

struct tx_entry *dw_store__tx_find(const struct dw_store_tx *tx, const char *path)
{
	uint32_t s = tx->nslots ? tx->slots[slot_of(tx, path)] : 0;

	return s ? &tx->entries[s - 1] : NULL;
}

static int grow_slots(struct dw_store_tx *tx)
{
	size_t n = tx->nslots ? tx->nslots * 2 : 1024, i;
	uint32_t *old = tx->slots;
	size_t oldn = tx->nslots;

	tx->slots = calloc(n, sizeof(*tx->slots));
	if (!tx->slots) {
		tx->slots = old;
		return -ENOMEM;
	}
	tx->nslots = n;
	for (i = 0; i < oldn; i++)
		if (old[i])
			tx->slots[slot_of(tx, tx->entries[old[i] - 1].path)] = old[i];
	free(old);
	return 0;
}

/* Appends an entry for @path (taking ownership of it); indexing happens in tx_index. */
static struct tx_entry *append_entry(struct dw_store_tx *tx, char *path)
{
	struct tx_entry *e;

	if (DW_ARRAY_GROW(tx->entries, tx->alloc, tx->nentries + 1) < 0)
		return NULL;
	e = &tx->entries[tx->nentries++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	return e;
}

static int index_entry(struct dw_store_tx *tx, size_t i)
{
	if ((i + 1) * 2 > tx->nslots && grow_slots(tx) < 0)
		return -ENOMEM;
	tx->slots[slot_of(tx, tx->entries[i].path)] = (uint32_t)(i + 1);
	return 0;
}

static int walk_cb(const char *root, const git_tree_entry *te, void *payload)
{
	struct dw_store_tx *tx = payload;
	const char *name = git_tree_entry_name(te);
	struct tx_entry *e;
	size_t len;
	char *path;

	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB)
		return 0; /* trees are descended into; gitlinks stay as they are */
	len = strlen(root) + strlen(name) + 1;
	path = malloc(len);
	if (!path)
		return -1;
	snprintf(path, len, "%s%s", root, name);
	e = append_entry(tx, path);
	if (!e) {
		free(path);
		return -1;
	}
	git_oid_cpy(&e->prev, git_tree_entry_id(te));
	e->prev_mode = git_tree_entry_filemode(te);
	e->has_prev = 1;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct tx_entry *)a)->path, ((const struct tx_entry *)b)->path);
}

static int load_previous(struct dw_store_tx *tx, struct dw_error *err)
{
	git_commit *commit = NULL;
	size_t i;
	int rc;

	if ((rc = git_commit_lookup(&commit, tx->store->repo, &tx->parent)) < 0 ||
	    (rc = git_commit_tree(&tx->prev_tree, commit)) < 0) {
		rc = dw_store__git_error(err, rc, "%s: could not read the previous commit",
		                         tx->ref);
		goto out;
	}
	if ((rc = git_tree_walk(tx->prev_tree, GIT_TREEWALK_PRE, walk_cb, tx)) < 0) {
		rc = dw_store__git_error(err, rc, "%s: could not read the previous tree", tx->ref);
		goto out;
	}
	qsort(tx->entries, tx->nentries, sizeof(*tx->entries), cmp_entry);
	tx->nprev = tx->nentries;
	for (i = 0; i < tx->nentries; i++)
		if ((rc = index_entry(tx, i)) < 0) {
			rc = dw_error_set(err, rc, DW_AREA_SYSTEM, ENOMEM, "out of memory");
			goto out;
		}
	rc = 0;
out:
	git_commit_free(commit);
	return rc;
}

static int resolve_parent(struct dw_store_tx *tx, const char *base, struct dw_error *err)
{
	int rc = git_reference_name_to_id(&tx->parent, tx->store->repo, tx->ref);

	if (base && rc != GIT_ENOTFOUND)
		return rc < 0 ? dw_store__git_error(err, rc, "could not resolve %s", tx->ref)
		              : dw_error_set(err, -EEXIST, DW_AREA_GIT, 0,
		                             "branch %s exists already", tx->ref + 11);
	if (base) {
		/* a new branch: its first commit's parent is @base, its files @base's */
		if ((rc = dw_store_resolve(tx->store, base, tx->parent_hex, err)) < 0)
			return rc;
		tx->new_branch = 1;
		rc = git_oid_fromstr(&tx->parent, tx->parent_hex);
	}
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return dw_store__git_error(err, rc, "could not resolve %s", tx->ref);
	tx->has_parent = 1;
	git_oid_tostr(tx->parent_hex, sizeof(tx->parent_hex), &tx->parent);
	return load_previous(tx, err);
}

static int ref_valid(const char *ref)
{
	return !strncmp(ref, "refs/heads/", 11) && git_reference_is_valid_name(ref) &&
	       strlen(ref) < 1024;
}

int dw_store__repo_dir(const struct dw_store *store, char *out, size_t outlen)
{
	const char *gitdir = git_repository_path(store->repo);
	size_t len = strlen(gitdir);

	if (len >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, gitdir, len + 1);
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
	return 0;
}

/* The store's lock (shared), then the branch's. */
static int take_lock(struct dw_store_tx *tx, const char *what, struct dw_error *err)
{
	char dir[PATH_MAX];
	int r;

	if (dw_store__repo_dir(tx->store, dir, sizeof(dir)) < 0)
		return dw_error_set(err, -ENAMETOOLONG, DW_AREA_SYSTEM, 0, "path too long");
	if ((r = dw_store__lock_store(dir, 0, &tx->store_lock, err)) < 0)
		return r;
	if ((r = dw_store__lock_acquire(dir, tx->ref + 11, what, &tx->lock, err)) < 0) {
		dw_store__lock_release(&tx->store_lock);
		return r;
	}
	/* under our lock nobody else moves this ref: its .lock is a killed writer's */
	dw_store__clear_stale_ref_lock(dir, tx->ref);
	return 0;
}

static int begin(struct dw_store *store, const char *ref, const char *base, const char *what,
                 unsigned flags, struct dw_store_tx **out, struct dw_error *err)
{
	struct dw_store_tx *tx;
	struct dw_error local;
	int r;

	*out = NULL;
	if (!err) {
		dw_error_clear(&local);
		err = &local;
	}
	if (store->tx)
		return dw_error_set(err, -EBUSY, DW_AREA_GIT, 0,
		                    "%s: this store already has an open transaction", what);
	tx = calloc(1, sizeof(*tx));
	if (!tx || !(tx->ref = strdup(ref)))
		goto oom;
	tx->lock.fd = -1;
	tx->store_lock.fd = -1;
	tx->store = store;
	tx->flags = flags;
	if ((r = take_lock(tx, what, err)) < 0)
		goto fail;
	tx->locked = 1;
	store->tx = tx;
	store->spilled = 0;
	if ((r = resolve_parent(tx, base, err)) < 0)
		goto fail;
	dw_store__cache_load(tx);
	*out = tx;
	return 0;
oom:
	r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
fail:
	if (tx)
		dw_store_tx_free(tx);
	return r;
}

int dw_store_tx_begin(struct dw_store *store, const char *tenant, unsigned flags,
                      struct dw_store_tx **out, struct dw_error *err)
{
	char ref[128], what[128];

	if (dw_store_tenant_ref(tenant, ref, sizeof(ref)) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "'%s' is not a tenant name",
		                    tenant);
	snprintf(what, sizeof(what), "tenant %s", tenant);
	return begin(store, ref, NULL, what, flags, out, err);
}

int dw_store_tx_begin_ref(struct dw_store *store, const char *ref, unsigned flags,
                          struct dw_store_tx **out, struct dw_error *err)
{
	char what[1100];

	if (!ref_valid(ref))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "'%s' is not a branch name (refs/heads/...)", ref);
	snprintf(what, sizeof(what), "branch %s", ref + 11);
	return begin(store, ref, NULL, what, flags, out, err);
}

int dw_store_tx_begin_branch(struct dw_store *store, const char *ref, const char *base,
                             unsigned flags, struct dw_store_tx **out, struct dw_error *err)
{
	char what[1100];

	if (!ref_valid(ref))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "'%s' is not a branch name (refs/heads/...)", ref);
	snprintf(what, sizeof(what), "branch %s", ref + 11);
	return begin(store, ref, base, what, flags, out, err);
}

void dw_store_tx_free(struct dw_store_tx *tx)
{
	size_t i;

	if (!tx)
		return;
	if (tx->store->tx == tx) {
		dw_store__mempack_reset(tx->store);
		tx->store->tx = NULL;
	}
	if (tx->locked) {
		dw_store__lock_release(&tx->lock);
		dw_store__lock_release(&tx->store_lock);
	}
	for (i = 0; i < tx->nentries; i++)
		free(tx->entries[i].path);
	free(tx->entries);
	free(tx->slots);
	free(tx->cache_data);
	git_tree_free(tx->prev_tree);
	free(tx->ref);
	free(tx);
}

const char *dw_store_tx_parent(const struct dw_store_tx *tx)
{
	return tx->parent_hex;
}

size_t dw_store_tx_previous_count(const struct dw_store_tx *tx)
{
	return tx->nprev;
}

static int read_blob(git_repository *repo, const git_oid *id, struct dw_buf *out, const char *path,
                     struct dw_error *err)
{
	git_blob *blob = NULL;
	git_object_size_t size;
	int rc, r;

	if ((rc = git_blob_lookup(&blob, repo, id)) < 0)
		return dw_store__git_error(err, rc, "could not read '%s'", path);
	size = git_blob_rawsize(blob);
	if (size > DW_STORE_FILE_MAX)
		r = dw_error_set(err, -EFBIG, DW_AREA_GIT, 0, "'%s' is too large (%llu bytes)",
		                 path, (unsigned long long)size);
	else if ((r = dw_buf_put(out, git_blob_rawcontent(blob), (size_t)size)) < 0)
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not hold '%s'", path);
	git_blob_free(blob);
	return r;
}

int dw_store__read_blob(git_repository *repo, const git_oid *id, struct dw_buf *out,
                        const char *path, struct dw_error *err)
{
	return read_blob(repo, id, out, path, err);
}

int dw_store_tx_previous(struct dw_store_tx *tx, const char *path, struct dw_buf *out,
                         struct dw_error *err)
{
	struct tx_entry *e = dw_store__tx_find(tx, path);

	if (!e || !e->has_prev)
		return -ENOENT;
	return read_blob(tx->store->repo, &e->prev, out, path, err);
}

/* The first previous entry whose path is >= @key (entries [0, nprev) are sorted). */
static size_t lower_bound(const struct dw_store_tx *tx, const char *key)
{
	size_t lo = 0, hi = tx->nprev;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(tx->entries[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int dw_store__tx_foreach_under(struct dw_store_tx *tx, const char *dir,
                               int (*cb)(struct dw_store_tx *tx, struct tx_entry *e, void *payload),
                               void *payload)
{
	char prefix[4100];
	size_t plen, i;
	int r;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s%s", dir, *dir ? "/" : "");
	if (plen >= sizeof(prefix))
		return -ENAMETOOLONG;
	for (i = lower_bound(tx, prefix); i < tx->nprev; i++) {
		if (strncmp(tx->entries[i].path, prefix, plen) != 0)
			break;
		if ((r = cb(tx, &tx->entries[i], payload)) != 0)
			return r;
	}
	return 0;
}

struct list_ctx {
	int (*cb)(const char *path, void *payload);
	void *payload;
};

static int list_one(struct dw_store_tx *tx, struct tx_entry *e, void *payload)
{
	struct list_ctx *ctx = payload;

	(void)tx;
	return ctx->cb(e->path, ctx->payload);
}

int dw_store_tx_list(struct dw_store_tx *tx, const char *dir,
                     int (*cb)(const char *path, void *payload), void *payload)
{
	struct list_ctx ctx = { cb, payload };

	return dw_store__tx_foreach_under(tx, dir, list_one, &ctx);
}

static int check_open(struct dw_store_tx *tx, const char *path, struct dw_error *err)
{
	if (tx->done)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "%s: the transaction is over",
		                    tx->ref);
	if (path && !dw_store__path_valid(path))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "'%s' is not a valid file path in the state repository", path);
	return 0;
}

/* The entry for @path, created (as a new file) when the previous commit had none. */
static struct tx_entry *entry_for(struct dw_store_tx *tx, const char *path)
{
	struct tx_entry *e = dw_store__tx_find(tx, path);
	char *copy;

	if (e)
		return e;
	copy = strdup(path);
	if (!copy)
		return NULL;
	if (!append_entry(tx, copy)) {
		free(copy);
		return NULL;
	}
	if (index_entry(tx, tx->nentries - 1) < 0) {
		free(copy);
		tx->nentries--;
		return NULL;
	}
	return &tx->entries[tx->nentries - 1];
}

/*
 * The blob id of @data at @e's path: the previous one without hashing when
 * the digest cache knows the previous blob's digest and it is this one's;
 * otherwise hashed (and the blob stored unless the repository has it).
 */
static int stage_id(struct dw_store_tx *tx, struct tx_entry *e, const void *data, size_t len,
                    unsigned char *digest, git_oid *id, struct dw_error *err)
{
	unsigned char known[STORE_DIGEST_LEN];
	int rc;

	if (tx->digests) {
		dw_store__siphash(tx->store->cache_key, data, len, STORE_DIGEST_LEN, digest);
		if (e && e->has_prev && dw_store__cache_find(tx, &e->prev, known) &&
		    memcmp(known, digest, STORE_DIGEST_LEN) == 0) {
			git_oid_cpy(id, &e->prev);
			return 0;
		}
		tx->cache_dirty = 1;
	}
	if ((rc = git_odb_hash(id, data, len, GIT_OBJECT_BLOB)) < 0)
		return dw_store__git_error(err, rc, "could not hash");
	/* an unchanged file costs a hash, not a write */
	if (e && e->has_prev && git_oid_equal(id, &e->prev))
		return 0;
	return dw_store__put_blob(tx->store, id, data, len, err);
}

int dw_store_tx_stage(struct dw_store_tx *tx, const char *path, const void *data, size_t len,
                      struct dw_error *err)
{
	unsigned char digest[STORE_DIGEST_LEN];
	struct tx_entry *e;
	git_oid id;
	int r;

	if ((r = check_open(tx, path, err)) < 0)
		return r;
	e = dw_store__tx_find(tx, path);
	if ((r = stage_id(tx, e, data, len, digest, &id, err)) < 0) {
		dw_error_prefix(err, "could not store '%s': ", path);
		return r;
	}
	if (!e && !(e = entry_for(tx, path)))
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	git_oid_cpy(&e->cur, &id);
	e->state = TX_STAGED;
	if (tx->digests) {
		memcpy(e->digest, digest, sizeof(digest));
		e->has_digest = 1;
	}
	return 0;
}

int dw_store_tx_remove(struct dw_store_tx *tx, const char *path, struct dw_error *err)
{
	struct tx_entry *e;
	int r;

	if ((r = check_open(tx, path, err)) < 0)
		return r;
	e = dw_store__tx_find(tx, path);
	if (e)
		e->state = TX_REMOVED;
	return 0;
}

int dw_store_tx_unstage(struct dw_store_tx *tx, const char *path, struct dw_error *err)
{
	size_t i, n = strlen(path);
	int r;

	if ((r = check_open(tx, path, err)) < 0)
		return r;
	/* every entry, new files included: rare (a failed read), so a scan is fine */
	for (i = 0; i < tx->nentries; i++) {
		struct tx_entry *e = &tx->entries[i];

		if (strncmp(e->path, path, n) == 0 && (e->path[n] == '\0' || e->path[n] == '/')) {
			e->state = TX_UNTOUCHED;
			e->has_digest = 0;
		}
	}
	return 0;
}

static int keep_one(struct dw_store_tx *tx, struct tx_entry *e, void *payload)
{
	(void)tx;
	e->state = TX_KEPT;
	++*(int *)payload;
	return 0;
}

int dw_store_tx_keep(struct dw_store_tx *tx, const char *path, struct dw_error *err)
{
	struct tx_entry *e;
	int r, kept = 0;

	if ((r = check_open(tx, path, err)) < 0)
		return r;
	e = dw_store__tx_find(tx, path);
	if (e && e->has_prev) {
		e->state = TX_KEPT;
		return 1;
	}
	if ((r = dw_store__tx_foreach_under(tx, path, keep_one, &kept)) < 0)
		return dw_error_set(err, r, DW_AREA_USAGE, 0, "'%s': path too long", path);
	return kept;
}

enum tx_change dw_store__tx_entry_change(const struct dw_store_tx *tx, const struct tx_entry *e)
{
	switch (e->state) {
	case TX_STAGED:
		if (!e->has_prev)
			return TX_ADD;
		return git_oid_equal(&e->cur, &e->prev) && e->prev_mode == GIT_FILEMODE_BLOB
		               ? TX_SAME
		               : TX_CHANGE;
	case TX_REMOVED:
		return e->has_prev ? TX_DELETE : TX_SAME;
	case TX_UNTOUCHED:
		return e->has_prev && (tx->flags & DW_STORE_TX_REPLACE) ? TX_DELETE : TX_SAME;
	default:
		return TX_SAME;
	}
}

void dw_store_tx_changes(const struct dw_store_tx *tx, struct dw_store_changes *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < tx->nentries; i++) {
		switch (dw_store__tx_entry_change(tx, &tx->entries[i])) {
		case TX_ADD:
			out->added++;
			break;
		case TX_CHANGE:
			out->changed++;
			break;
		case TX_DELETE:
			out->removed++;
			break;
		default:
			break;
		}
	}
}
