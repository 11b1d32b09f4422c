/*
 * The state repository (DESIGN.md section 2): a bare git repository holding
 * one branch per tenant (refs/heads/tenants/<tenant>) written by the agent,
 * and main (baselines, waivers, desired state) written by people.
 *
 * The store knows nothing of Graph or JSON: a snapshot is a set of files
 * (path -> bytes) for one tenant, written in a transaction:
 *
 *	dw_store_tx_begin()    takes the tenant's lock, reads the previous commit
 *	dw_store_tx_previous() the previous bytes at a path (keep ciphertexts stable)
 *	dw_store_tx_list()     the previous files under a directory
 *	dw_store_tx_stage() / _remove() / _keep()
 *	dw_store_tx_commit()   one commit when the tree changed, ref moved by
 *	                       compare-and-swap; "unchanged" otherwise
 *	dw_store_tx_free()     releases the lock (aborts an uncommitted transaction)
 *
 * Nothing reaches the disk before commit; objects are written (fsynced)
 * before the ref that names them, so a crash leaves the previous commit or
 * the new one, never a ref to missing objects.
 *
 * A struct dw_store is used by one thread at a time and holds at most one
 * open transaction (open another store for another tenant in parallel).
 * Object ids are lower-case hex strings (DW_STORE_ID_HEX with the NUL).
 */
#ifndef DRIFTWARD_STORE_H
#define DRIFTWARD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driftward/buf.h"
#include "driftward/common.h"
#include "driftward/error.h"

#define DW_STORE_ID_HEX 41

/* The largest file the store reads back into memory (a snapshot object, a report). */
#define DW_STORE_FILE_MAX (64u << 20)

struct dw_store;
struct dw_store_tx;

struct dw_store_options {
	const char *ident_name;  /* author and committer name; NULL: "driftward" */
	const char *ident_email; /* NULL: "driftward@<hostname>" */
	/*
	 * Only to read (driftward status on a copy): a bare repository without
	 * driftward's mark is accepted, as a git clone --mirror of the state
	 * repository has none (git does not copy the config).
	 */
	bool read_only;
};

/*
 * Opens the bare repository at @path. @opts may be NULL. Fails with -ENOENT
 * when there is no repository there ("run driftward init"), and with -EPERM
 * when it is a repository driftward neither made nor adopted.
 */
int dw_store_open(const char *path, const struct dw_store_options *opts, struct dw_store **out,
                  struct dw_error *err);

/* Closes the store; an open transaction must have been freed first. Accepts NULL. */
void dw_store_free(struct dw_store *store);

/* The repository's path as given to dw_store_open. */
const char *dw_store_path(const struct dw_store *store);

/* --- Creating the repository (driftward init) --- */

enum dw_store_init_result {
	DW_STORE_CREATED,     /* a new repository, main seeded */
	DW_STORE_INITIALISED, /* it was a driftward repository already: nothing changed */
};

/*
 * Creates the bare repository at @path (which may be missing or an empty
 * directory, or an empty bare repository left by an interrupted init) and
 * commits the files under @seed_dir to refs/heads/main as "baselines/...";
 * a NULL @seed_dir commits the baselines compiled into driftward
 * (driftward/builtin.h). Refuses (-EEXIST) anything else that is not already
 * a driftward repository.
 */
int dw_store_init(const char *path, const char *seed_dir, const struct dw_store_options *opts,
                  enum dw_store_init_result *result, struct dw_error *err);

/*
 * Marks the existing bare repository at @path as driftward's (init --adopt),
 * so that dw_store_open, which refuses a repository without the mark
 * (-EPERM), accepts it. Changes nothing else.
 */
int dw_store_adopt(const char *path, struct dw_error *err);

/*
 * 0 when neither group nor others can write the repository at @path, its
 * refs, config or objects directory (or when there is nothing at @path yet);
 * -EPERM naming the first such file otherwise.
 */
int dw_store_check_private(const char *path, struct dw_error *err);

/* --- Snapshot transactions --- */

enum dw_store_tx_flags {
	/*
	 * The new tree holds only what was staged or kept: every previous file
	 * not staged, kept or under a kept directory is removed at commit. Without
	 * it the new tree is the previous one plus the staged changes.
	 */
	DW_STORE_TX_REPLACE = 1 << 0,
};

/*
 * Starts a transaction on refs/heads/tenants/@tenant: takes the store's lock
 * shared (waiting while a gc holds it), then the tenant's lock (-EBUSY:
 * "tenant T is locked by pid N on HOST since TIME"), clears a stale lock left
 * by a killed run with a warning, and reads the previous commit.
 */
int dw_store_tx_begin(struct dw_store *store, const char *tenant, unsigned flags,
                      struct dw_store_tx **out, struct dw_error *err);

/* The same on any branch below refs/heads/ (e.g. "refs/heads/main"). */
int dw_store_tx_begin_ref(struct dw_store *store, const char *ref, unsigned flags,
                          struct dw_store_tx **out, struct dw_error *err);

/*
 * Starts a transaction that makes the new branch @ref (below refs/heads/)
 * from commit @base (anything dw_store_resolve takes): the previous files and
 * the commit's parent are @base's. Fails with -EEXIST when @ref exists, now
 * or when the commit is made (the branch is never replaced). A tree equal
 * to @base's makes no commit and no branch. Locks as dw_store_tx_begin_ref.
 */
int dw_store_tx_begin_branch(struct dw_store *store, const char *ref, const char *base,
                             unsigned flags, struct dw_store_tx **out, struct dw_error *err);

/* The previous commit's id ("" when the branch is new). */
const char *dw_store_tx_parent(const struct dw_store_tx *tx);

/* Number of files in the previous commit. */
size_t dw_store_tx_previous_count(const struct dw_store_tx *tx);

/*
 * The previous commit's bytes at @path into @out (appended). -ENOENT when the
 * previous commit has no such file.
 */
int dw_store_tx_previous(struct dw_store_tx *tx, const char *path, struct dw_buf *out,
                         struct dw_error *err);

/*
 * Calls @cb for every file of the previous commit at or under directory @dir
 * ("" for all), in byte order of the path. A non-zero return from @cb stops
 * the walk and is returned.
 */
int dw_store_tx_list(struct dw_store_tx *tx, const char *dir,
                     int (*cb)(const char *path, void *payload), void *payload);

/*
 * Sets the file at @path (relative, '/'-separated, no "." / ".." / ".git"
 * parts) to @data. Bytes equal to the previous file's are no change.
 */
int dw_store_tx_stage(struct dw_store_tx *tx, const char *path, const void *data, size_t len,
                      struct dw_error *err);

/* Removes the file at @path (nothing happens when there is none). */
int dw_store_tx_remove(struct dw_store_tx *tx, const char *path, struct dw_error *err);

/*
 * Takes back what the transaction staged, removed or kept at @path and under
 * the directory @path: those files are again as the previous commit has them,
 * and files staged there that it lacks are not in the new tree. For a reader
 * that stages as it reads and then finds the read incomplete (a snapshot's
 * collector); dw_store_tx_keep can follow. Returns 0 or a negative errno.
 */
int dw_store_tx_unstage(struct dw_store_tx *tx, const char *path, struct dw_error *err);

/*
 * Keeps the previous commit's file at @path, or every previous file under the
 * directory @path, as it was (the files of a collector that failed to read).
 * Returns the number of files kept, or a negative errno.
 */
int dw_store_tx_keep(struct dw_store_tx *tx, const char *path, struct dw_error *err);

/*
 * Calls @cb with the path and bytes of every file the commit's tree would
 * hold, as staged so far, in byte order of the path (the order
 * dw_store_read_files walks a commit in). The bytes are valid during the
 * call only. A non-zero return from @cb stops the walk and is returned.
 */
int dw_store_tx_read_files(struct dw_store_tx *tx,
                           int (*cb)(const char *path, const void *data, size_t len, void *payload),
                           void *payload, struct dw_error *err);

/*
 * Fixes the commit's author and committer time (seconds since the epoch)
 * instead of the clock at commit, for files staged in it that name that time.
 */
void dw_store_tx_set_time(struct dw_store_tx *tx, int64_t time);

struct dw_store_changes {
	size_t added, changed, removed;
};

/* What the commit would change, from what was staged so far. */
void dw_store_tx_changes(const struct dw_store_tx *tx, struct dw_store_changes *out);

struct dw_store_commit_result {
	int committed;                /* 0: the tree was unchanged, no commit was made */
	char commit[DW_STORE_ID_HEX]; /* the new commit, or the previous one when unchanged */
	char tree[DW_STORE_ID_HEX];
	struct dw_store_changes changes;
	size_t objects_written; /* new objects that went to disk */
};

enum dw_store_change {
	DW_STORE_ADDED,
	DW_STORE_CHANGED,
	DW_STORE_REMOVED,
};

/*
 * Calls @cb for every path the transaction, as staged so far, adds, changes
 * or removes (with DW_STORE_TX_REPLACE, untouched previous files count as
 * removed). @cb returns 0 to go on or a negative code that stops the walk.
 */
int dw_store_tx_foreach_change(struct dw_store_tx *tx,
                               int (*cb)(const char *path, enum dw_store_change change,
                                         void *payload),
                               void *payload);

/*
 * Writes the new tree and, when it differs from the previous commit's (or the
 * branch is new), a commit with @message (see dw_store_message) and moves the
 * branch from the previous commit to it by compare-and-swap. When another
 * writer moved the branch meanwhile it fails with -ESTALE ("concurrent
 * update") and the branch keeps the other writer's commit. The transaction
 * cannot be used again afterwards, whatever the outcome.
 */
int dw_store_tx_commit(struct dw_store_tx *tx, const char *message,
                       struct dw_store_commit_result *out, struct dw_error *err);

/* Ends the transaction, dropping whatever was not committed, and releases the lock. */
void dw_store_tx_free(struct dw_store_tx *tx);

/* --- Keeping the repository compact (driftward gc) --- */

#define DW_STORE_PRUNE_NOW (-1)

struct dw_store_gc_options {
	/*
	 * Unreachable objects older than this many seconds are dropped; 0: two
	 * weeks (git's gc.pruneExpire); DW_STORE_PRUNE_NOW: all of them.
	 */
	long long prune_expire;
	unsigned pack_limit;  /* dw_store_gc_auto: more packs than this (0: 50) */
	unsigned loose_limit; /* dw_store_gc_auto: more loose objects than this (0: 6700) */
	/*
	 * dw_store_gc_auto: only compact small packs (beside other transactions),
	 * never the roll-up or the full gc, which need the store alone: what a
	 * commit of a many-tenant run asks for. Its process would carry their
	 * memory (tens of MiB at 100,000 objects) at the run's own peak; they are
	 * left to `driftward gc --auto` in a process of its own.
	 */
	int compact_only;
};

struct dw_store_gc_result {
	int ran; /* 0: dw_store_gc_auto found nothing to do, or a run held the store */
	size_t packs_before, packs_after;
	size_t loose_before, loose_after;
	size_t objects; /* reachable objects, all in the new pack (a roll-up: the objects it took)
	                 */
	size_t pruned;  /* unreachable objects dropped */
	size_t rolled;  /* dw_store_gc_auto: the small recent packs it rolled up into one */
	int full; /* a full gc: dw_store_gc, or dw_store_gc_auto past the limit after a roll-up */
};

/*
 * Repacks every object a ref or reflog reaches into one pack and removes the
 * packs and loose objects that made redundant, and unreachable objects older
 * than the grace period. Takes the store's lock exclusively: -EBUSY while a
 * transaction (in any process) is open. A SIGKILL at any moment leaves a
 * repository git reads, with every reachable object.
 */
int dw_store_gc(struct dw_store *store, const struct dw_store_gc_options *opts,
                struct dw_store_gc_result *out, struct dw_error *err);

/*
 * When there are more packs or loose objects than the limits (git's
 * gc.auto), called after a commit: rolls the small recent packs and the
 * loose objects up into one pack and leaves the big old packs alone (git
 * repack --geometric=2; nothing is pruned), and does dw_store_gc only when
 * the packs still pass the limit. When a run holds the store, or below the
 * limits, it compacts the small packs instead once 16 of about the same size
 * have gathered (merged into one; the store's lock held shared, so beside a
 * run), and otherwise does nothing (out->ran 0); only that with
 * opts->compact_only. As safe against SIGKILL as dw_store_gc.
 */
int dw_store_gc_auto(struct dw_store *store, const struct dw_store_gc_options *opts,
                     struct dw_store_gc_result *out, struct dw_error *err);

/* --- Commit messages --- */

struct dw_trailer {
	const char *key;   /* "Tenant-Id": letters, digits and '-' */
	const char *value; /* one line, not empty */
};

/*
 * Appends a commit message to @out: @subject (one line), a blank line, @body
 * (may be NULL), and the trailers as the last paragraph, in the form
 * git interpret-trailers reads. -EINVAL for a multi-line subject, a bad
 * trailer key or an empty or multi-line value.
 */
int dw_store_message(struct dw_buf *out, const char *subject, const char *body,
                     const struct dw_trailer *trailers, size_t ntrailers, struct dw_error *err);

/* --- Reading --- */

/* refs/heads/tenants/@tenant into @out; -EINVAL for a bad tenant name. */
int dw_store_tenant_ref(const char *tenant, char *out, size_t outlen);

/* Calls @cb for each tenant branch with its tenant name and commit id, in name order. */
int dw_store_foreach_tenant(struct dw_store *store,
                            int (*cb)(const char *tenant, const char *commit, void *payload),
                            void *payload, struct dw_error *err);

/*
 * Resolves @rev (a ref, "tenants/contoso", a commit id or anything git
 * rev-parse takes, like "tenants/contoso~2") to a commit id.
 */
int dw_store_resolve(struct dw_store *store, const char *rev, char out[DW_STORE_ID_HEX],
                     struct dw_error *err);

/* The file at @path in commit @rev, appended to @out. -ENOENT when there is none. */
int dw_store_read_file(struct dw_store *store, const char *rev, const char *path,
                       struct dw_buf *out, struct dw_error *err);

/* Calls @cb for every file at or under @dir ("" for all) in commit @rev. */
int dw_store_list_files(struct dw_store *store, const char *rev, const char *dir,
                        int (*cb)(const char *path, void *payload), void *payload,
                        struct dw_error *err);

/*
 * Calls @cb with the path and bytes of every file at or under @dir ("" for
 * all) in commit @rev, in byte order of the path, walking the tree once (a
 * dw_store_read_file per file looks the tree up again for each). The bytes
 * are valid during the call only. A non-zero return from @cb stops the walk
 * and is returned.
 */
int dw_store_read_files(struct dw_store *store, const char *rev, const char *dir,
                        int (*cb)(const char *path, const void *data, size_t len, void *payload),
                        void *payload, struct dw_error *err);

struct dw_store_commit {
	char id[DW_STORE_ID_HEX];
	char tree[DW_STORE_ID_HEX];
	int64_t time;        /* committer time, seconds since the epoch */
	const char *author;  /* "name <email>" */
	const char *message; /* the whole message */
	const struct dw_trailer *trailers;
	size_t ntrailers;
};

/* The value of trailer @key in @c (case-insensitive key), or NULL. */
const char *dw_store_commit_trailer(const struct dw_store_commit *c, const char *key);

/*
 * Calls @cb for @rev and its first-parent ancestors, newest first, at most
 * @max commits (0: all). The commit passed to @cb is valid during the call only.
 */
int dw_store_log(struct dw_store *store, const char *rev, size_t max,
                 int (*cb)(const struct dw_store_commit *c, void *payload), void *payload,
                 struct dw_error *err);

/* --- Approval: signatures, reachability, the approved ref fetched fresh --- */

struct dw_store_signed {
	char id[DW_STORE_ID_HEX];
	int64_t committer_time;  /* seconds since the epoch: what git judges key validity at */
	struct dw_buf signature; /* the gpgsig header's value (armored), empty when unsigned */
	struct dw_buf payload;   /* the raw commit without its gpgsig header: what was signed */
};

/* Empties @s (the buffers' maximum is DW_STORE_FILE_MAX). */
void dw_store_signed_init(struct dw_store_signed *s);
void dw_store_signed_release(struct dw_store_signed *s);

/*
 * Reads commit @rev's signature and signed content into @out, as git
 * verify-commit sees them. An unsigned commit is no error: its signature is
 * empty. -ENOENT when @rev names no commit.
 */
int dw_store_commit_signed(struct dw_store *store, const char *rev, struct dw_store_signed *out,
                           struct dw_error *err);

/*
 * Sets *@reachable to 1 when commit @id is @ref's tip or one of its ancestors
 * (any parent, not only the first), else 0. -ENOENT when @ref does not exist.
 */
int dw_store_reachable(struct dw_store *store, const char *id, const char *ref, int *reachable,
                       struct dw_error *err);

struct dw_store_remote;

/*
 * Fetches @ref (a full name) from @remote and sets @local (a full name
 * outside refs/heads/, e.g. "refs/driftward/approved") to it, whatever it
 * was before: the remote decides. Fails when the remote has no @ref.
 */
int dw_store_fetch(struct dw_store *store, const struct dw_store_remote *remote, const char *ref,
                   const char *local, struct dw_error *err);

/*
 * The remote-tracking ref of @tenant's branch: the first, in name order, of
 * refs/remotes/<remote>/tenants/@tenant (a push records
 * refs/remotes/driftward/...; a mirror clone copies it). Its name goes to
 * @ref_out and its commit to @commit_out. -ENOENT when there is none.
 */
int dw_store_tracking(struct dw_store *store, const char *tenant, char *ref_out, size_t reflen,
                      char commit_out[DW_STORE_ID_HEX], struct dw_error *err);

/* --- Pushing --- */

struct dw_store_remote {
	const char *url;      /* ssh://, user@host:path, https://, file:// or a path */
	const char *host_key; /* ssh: the server's key fingerprint "SHA256:<base64>"; required */
	const char *ssh_key;  /* ssh: the private key file (its .pub beside it, or derived) */
};

/*
 * Pushes each ref of @refs (full names) to the same name on the remote. Fails
 * when the remote rejects any of them (non-fast-forward, a hook), naming the
 * ref and the remote's reason, and for an ssh host key other than the pinned one.
 * After a push the remote accepted, refs/remotes/driftward/<branch> names
 * what was pushed (driftward status compares it with the branch).
 */
int dw_store_push(struct dw_store *store, const struct dw_store_remote *remote,
                  const char *const *refs, size_t nrefs, struct dw_error *err);

/* What became of one branch of dw_store_push_branches. */
enum dw_store_push_state {
	DW_STORE_PUSH_ABSENT,   /* no such branch here: nothing to push */
	DW_STORE_PUSH_UPTODATE, /* the remote already had it */
	DW_STORE_PUSH_PUSHED,
	DW_STORE_PUSH_REJECTED, /* refused, or the remote's holds commits ours lacks */
	DW_STORE_PUSH_FAILED,   /* the push did not get that far (@err says why) */
};

/*
 * Pushes, over one connection, every branch of @refs that is ahead of the
 * remote's (one pack for all), and sets @states[i] for @refs[i]. A branch the
 * remote refused is retried, after listing the remote again, while the
 * remote's branch is still an ancestor of ours. Returns 0 when nothing was
 * refused; -EPERM when some branch was (@err names the first and the count);
 * another negative code when the push failed as a whole. Branches left
 * unpushed keep their commits: the next push sends them.
 */
int dw_store_push_branches(struct dw_store *store, const struct dw_store_remote *remote,
                           const char *const *refs, size_t nrefs, enum dw_store_push_state *states,
                           struct dw_error *err);

#endif
