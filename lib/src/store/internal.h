/* Shared by the files of the state store; the only place that sees libgit2. */
#ifndef DW_STORE_INTERNAL_H
#define DW_STORE_INTERNAL_H

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "driftward/common.h"
#include "driftward/error.h"
#include "driftward/store.h"

struct dw_store {
	git_repository *repo;
	git_odb *odb;             /* the repository's, with the mempack on top */
	git_odb_backend *mempack; /* owned by odb: new objects wait here (store/commit.c) */
	git_odb *disk;            /* the objects directory alone, for the pack indexer */
	/* the blobs in the mempack (staged since it was last emptied) and their bytes */
	git_oid *pending;
	size_t npending, pending_alloc, pending_bytes;
	size_t spilled; /* blobs the open transaction spilled to disk (dw_store__spill) */
	char *path;
	char *ident_name;
	char *ident_email;
	struct dw_store_tx *tx;      /* the open transaction, at most one */
	unsigned char cache_key[16]; /* the digest cache's key (store/cache.c) */
	int cache_key_state;         /* 0 not read yet, 1 read, -1 none: no digest cache */
};

/* A per-ref lock: an flock(2)ed file under <repo>/driftward-locks/. */
struct store_lock {
	int fd;
	char *path;
};

/*
 * Sets @err from libgit2's last error with @what as context ("could not read
 * tree"); returns the negative errno matching @gitrc.
 */
int dw_store__git_error(struct dw_error *err, int gitrc, const char *fmt, ...) DW_PRINTF(3, 4);

/* libgit2's global state, reference-counted; the options are set on first use. */
int dw_store__global_acquire(struct dw_error *err);
void dw_store__global_release(void);

/*
 * After a push the remote accepted: refs/remotes/driftward/<branch> set to
 * each pushed branch's commit, so driftward status can tell what was pushed.
 */
int dw_store__record_push(struct dw_store *store, const char *const *refs, size_t nrefs,
                          struct dw_error *err);

/* 1 when the repository's config carries STORE_MARKER_KEY: driftward made or adopted it. */
int dw_store__has_marker(git_repository *repo);

/* Is @path usable as a file path in a tree ("a/b.json")? */
int dw_store__path_valid(const char *path);

/* Takes the lock @name ("tenants/contoso", "main"); @what names it in messages. */
int dw_store__lock_acquire(const char *repo_path, const char *name, const char *what,
                           struct store_lock *out, struct dw_error *err);
void dw_store__lock_release(struct store_lock *lock);

/*
 * The lock over the whole store: transactions take it shared (and wait for
 * a gc to finish), gc exclusive (-EBUSY at once while a run holds it).
 */
int dw_store__lock_store(const char *repo_path, int exclusive, struct store_lock *out,
                         struct dw_error *err);

/* The repository's directory without its trailing '/' into @out. */
int dw_store__repo_dir(const struct dw_store *store, char *out, size_t outlen);

/* Creates every missing directory of @path up to its last '/'. */
int dw_store__make_parents(char *path);

/* Removes a leftover "<ref>.lock" of libgit2/git, which only a killed writer leaves. */
void dw_store__clear_stale_ref_lock(const char *repo_path, const char *ref);

/*
 * Writes the new objects reachable from @commit that are still in the
 * mempack to disk as one pack (with its index, fsynced); then empties the
 * mempack. *@written: the objects the transaction wrote, those it spilled
 * before (dw_store__spill) included.
 */
int dw_store__persist(struct dw_store *store, const git_oid *commit, size_t *written,
                      struct dw_error *err);

/* Drops everything in the mempack (an aborted transaction). */
void dw_store__mempack_reset(struct dw_store *store);

/*
 * Puts blob @id (@data, @len bytes) in the mempack unless the repository has
 * it; past the mempack's budget, spills it to disk first (dw_store__spill).
 */
int dw_store__put_blob(struct dw_store *store, const git_oid *id, const void *data, size_t len,
                       struct dw_error *err);

/*
 * Writes the blobs in the mempack to disk as one pack (fsynced) that the
 * store's object database then reads, and empties the mempack. Nothing names
 * them until a commit does: a transaction that ends without one leaves them
 * unreachable, for gc to prune after its grace period.
 */
int dw_store__spill(struct dw_store *store, struct dw_error *err);

/* The author/committer signature "driftward <driftward@host>" at the current time. */
int dw_store__signature(struct dw_store *store, git_signature **out, struct dw_error *err);

/* The marker in the repository's config that says driftward created it. */
/* A list of object ids that grows as it is filled (a commit's new objects, gc's loose ones). */
struct store_ids {
	git_oid *ids;
	size_t n, alloc;
};

/* Appends @id: -ENOMEM, or 0. */
int dw_store__ids_push(struct store_ids *l, const git_oid *id);

#define STORE_MARKER_KEY "driftward.repositoryformat"

#endif
