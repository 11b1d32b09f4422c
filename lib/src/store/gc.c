/*
 * Garbage collection: every object a ref (or a ref's reflog) reaches goes
 * into one new pack; then the old packs and loose objects it makes redundant
 * are removed, and unreachable ones once they are older than the grace
 * period (git's gc.pruneExpire, two weeks), which protects objects a run
 * wrote and has not yet named by a ref.
 *
 * Safe against a SIGKILL at any moment: the new pack and its index are
 * complete and fsynced before anything is removed, an old pack loses its
 * .idx before its .pack (a .pack alone is ignored by every reader and
 * removed by the next gc), and a loose object is removed only when the new
 * pack holds it or nothing reaches it. Safe against a concurrent run: gc
 * holds the store's lock exclusively, transactions hold it shared.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"
#include "store/pack.h"

#define PRUNE_EXPIRE_DEFAULT (14 * 24 * 3600)
#define PACK_LIMIT_DEFAULT   50
#define LOOSE_LIMIT_DEFAULT  6700
/* temporary files of a killed writer (libgit2's or git's) older than this go */
#define TMP_EXPIRE 3600

struct gc {
	struct dw_store *store;
	char objdir[PATH_MAX], packdir[PATH_MAX];
	char fresh[128]; /* the new pack's base name, "pack-<hex>" */
	git_odb_backend *fresh_odb;
	time_t expire; /* unreachable objects older than this go */
	time_t now;
	struct dw_store_gc_result *res;
	struct dw_error *err;
};

/* snprintf that says when the result did not fit (then nothing is done with it). */
static int fmt(char *out, size_t outlen, const char *f, ...) DW_PRINTF(3, 4);

static int fmt(char *out, size_t outlen, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, outlen, f, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* "pack-<40 hex>.idx" */
static int is_pack_index(const char *name)
{
	return !strncmp(name, "pack-", 5) && strlen(name) == 49 && has_suffix(name, ".idx");
}

static size_t count_packs(const char *packdir)
{
	DIR *d = opendir(packdir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += is_pack_index(e->d_name);
	closedir(d);
	return n;
}

static size_t count_loose_in(const char *objdir, const char *fan)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	if (fmt(path, sizeof(path), "%s%s", objdir, fan) < 0 || !(d = opendir(path)))
		return 0;
	while ((e = readdir(d)))
		n += strlen(e->d_name) == 38 && is_hex(e->d_name, 38);
	closedir(d);
	return n;
}

static size_t count_loose(const char *objdir)
{
	char fan[3];
	size_t n = 0;
	unsigned i;

	for (i = 0; i < 256; i++) {
		snprintf(fan, sizeof(fan), "%02x", i);
		n += count_loose_in(objdir, fan);
	}
	return n;
}

static int gc_dirs(struct gc *gc)
{
	git_buf objects = { 0 };
	int rc = git_repository_item_path(&objects, gc->store->repo, GIT_REPOSITORY_ITEM_OBJECTS);

	if (rc < 0)
		return dw_store__git_error(gc->err, rc, "%s: no objects directory",
		                           gc->store->path);
	rc = fmt(gc->objdir, sizeof(gc->objdir), "%s", objects.ptr);
	git_buf_dispose(&objects);
	if (rc < 0)
		return dw_error_set(gc->err, rc, DW_AREA_SYSTEM, ENAMETOOLONG, "%s: path too long",
		                    gc->store->path);
	return dw_store__pack_dir(gc->store, gc->packdir, sizeof(gc->packdir), gc->err);
}

struct reach {
	git_repository *repo;
	git_odb *odb;
	git_revwalk *walk;
	git_packbuilder *pb;
};

static int reach_id(struct reach *r, const git_oid *id)
{
	git_object_t type;
	size_t size;
	int rc;

	if ((rc = git_odb_read_header(&size, &type, r->odb, id)) < 0)
		return rc;
	if (type == GIT_OBJECT_COMMIT)
		return git_revwalk_push(r->walk, id);
	return git_packbuilder_insert_recur(r->pb, id, NULL);
}

/* What a reflog names is reachable too (git fsck checks it); vanished entries are skipped. */
static int reach_reflog(struct reach *r, const char *name)
{
	git_reflog *log = NULL;
	size_t i, n;
	int rc = 0;

	if (git_reflog_read(&log, r->repo, name) < 0)
		return 0;
	n = git_reflog_entrycount(log);
	for (i = 0; i < n && rc == 0; i++) {
		const git_oid *id = git_reflog_entry_id_new(git_reflog_entry_byindex(log, i));

		if (!git_oid_is_zero(id) && git_odb_exists(r->odb, id))
			rc = reach_id(r, id);
	}
	git_reflog_free(log);
	return rc;
}

/* A ref that names a missing object stops gc before anything is removed. */
static int reach_ref(const char *name, void *payload)
{
	struct reach *r = payload;
	git_oid id;
	int rc;

	if ((rc = git_reference_name_to_id(&id, r->repo, name)) < 0 || (rc = reach_id(r, &id)) < 0)
		return rc;
	return reach_reflog(r, name);
}

/* A detached HEAD counts as a ref; a symbolic one names a ref already counted. */
static int reach_head(struct reach *r)
{
	git_reference *head = NULL;
	int rc = git_reference_lookup(&head, r->repo, "HEAD");

	if (rc == 0 && git_reference_type(head) == GIT_REFERENCE_DIRECT)
		rc = reach_id(r, git_reference_target(head));
	git_reference_free(head);
	return rc == GIT_ENOTFOUND ? 0 : rc;
}

/* Writes every reachable object as one pack; gc->fresh stays empty when there are none. */
static int write_fresh(struct gc *gc)
{
	struct reach r = { gc->store->repo, gc->store->odb, NULL, NULL };
	char idx[PATH_MAX];
	const char *name;
	int rc;

	if ((rc = git_packbuilder_new(&r.pb, r.repo)) < 0 ||
	    (rc = git_revwalk_new(&r.walk, r.repo)) < 0 ||
	    (rc = git_reference_foreach_name(r.repo, reach_ref, &r)) < 0 ||
	    (rc = reach_head(&r)) < 0 || (rc = git_packbuilder_insert_walk(r.pb, r.walk)) < 0)
		goto fail;
	gc->res->objects = git_packbuilder_object_count(r.pb);
	if (gc->res->objects == 0)
		goto out;
	if ((rc = git_packbuilder_write(r.pb, gc->packdir, 0, NULL, NULL)) < 0)
		goto fail;
	name = git_packbuilder_name(r.pb);
	if (fmt(gc->fresh, sizeof(gc->fresh), "%s%s", strncmp(name, "pack-", 5) ? "pack-" : "",
	        name) < 0 ||
	    fmt(idx, sizeof(idx), "%s/%s.idx", gc->packdir, gc->fresh) < 0)
		rc = -1;
	else
		rc = git_odb_backend_one_pack(&gc->fresh_odb, idx);
	if (rc < 0)
		goto fail;
	goto out;
fail:
	rc = dw_store__git_error(gc->err, rc, "%s: could not pack the reachable objects",
	                         gc->store->path);
out:
	git_revwalk_free(r.walk);
	git_packbuilder_free(r.pb);
	return rc;
}

static int in_fresh(struct gc *gc, const git_oid *id)
{
	return gc->fresh_odb && gc->fresh_odb->exists(gc->fresh_odb, id);
}

/* Makes the new pack's directory entries durable before anything old goes. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int older_than(const char *path, time_t limit)
{
	struct stat st;

	return lstat(path, &st) == 0 && st.st_mtime < limit;
}

struct old_pack {
	struct gc *gc;
	size_t unreachable;
};

static int count_unreachable(const git_oid *id, void *payload)
{
	struct old_pack *op = payload;

	op->unreachable += !in_fresh(op->gc, id);
	return 0;
}

/* The .idx first: without it readers ignore the .pack, and so does the next gc's count. */
static void remove_pack(struct gc *gc, const char *base)
{
	static const char *const ext[] = { ".idx", ".pack", ".rev", ".bitmap", ".mtimes" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(ext); i++) {
		if (fmt(path, sizeof(path), "%s/%s%s", gc->packdir, base, ext[i]) == 0)
			unlink(path);
	}
}

/*
 * An old pack goes when the new pack holds all of it, or when what it holds
 * beyond that is unreachable and the pack is older than the grace period.
 * A pack with a .keep stays, as with git.
 */
static int sweep_pack(struct gc *gc, const char *idx_name)
{
	struct old_pack op = { gc, 0 };
	git_odb_backend *old = NULL;
	char path[PATH_MAX], base[46];
	int rc;

	/* idx_name is "pack-<40 hex>.idx" (is_pack_index): base and paths fit */
	memcpy(base, idx_name, 45);
	base[45] = '\0';
	if (!strcmp(base, gc->fresh))
		return 0;
	if (fmt(path, sizeof(path), "%s/%s.keep", gc->packdir, base) < 0 || access(path, F_OK) == 0)
		return 0;
	/* libgit2's indexer renames the .idx into place before the .pack: a killed one leaves it
	 * alone */
	if (fmt(path, sizeof(path), "%s/%s.pack", gc->packdir, base) < 0 ||
	    access(path, F_OK) != 0) {
		remove_pack(gc, base);
		return 0;
	}
	if ((rc = fmt(path, sizeof(path), "%s/%s", gc->packdir, idx_name)) < 0 ||
	    (rc = git_odb_backend_one_pack(&old, path)) < 0 ||
	    (rc = old->foreach (old, count_unreachable, &op)) < 0) {
		if (old)
			old->free(old);
		return dw_store__git_error(gc->err, rc, "could not read pack '%s'", path);
	}
	old->free(old);
	if (fmt(path, sizeof(path), "%s/%s.pack", gc->packdir, base) < 0 ||
	    (op.unreachable && !older_than(path, gc->expire)))
		return 0;
	gc->res->pruned += op.unreachable;
	remove_pack(gc, base);
	return 0;
}

/* A .pack without its .idx, or a temporary file: what a killed writer left. */
static void sweep_debris(struct gc *gc, const char *name)
{
	char path[PATH_MAX], idx[PATH_MAX];
	size_t n = strlen(name);

	if (fmt(path, sizeof(path), "%s/%s", gc->packdir, name) < 0)
		return;
	if (!strncmp(name, "pack-", 5) && has_suffix(name, ".pack")) {
		if (fmt(idx, sizeof(idx), "%s/%.*s.idx", gc->packdir, (int)(n - 5), name) == 0 &&
		    access(idx, F_OK) != 0 && older_than(path, gc->now - TMP_EXPIRE))
			unlink(path);
	} else if ((!strncmp(name, "tmp_", 4) || !strncmp(name, "pack_git2_", 10)) &&
	           older_than(path, gc->now - TMP_EXPIRE)) {
		unlink(path);
	}
}

static int sweep_packs(struct gc *gc)
{
	DIR *d = opendir(gc->packdir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (rc == 0 && (e = readdir(d))) {
		if (is_pack_index(e->d_name))
			rc = sweep_pack(gc, e->d_name);
		else
			sweep_debris(gc, e->d_name);
	}
	closedir(d);
	return rc;
}

static void sweep_loose_in(struct gc *gc, const char *fan)
{
	char dir[PATH_MAX], path[PATH_MAX], hex[GIT_OID_HEXSZ + 1];
	struct dirent *e;
	git_oid id;
	DIR *d;

	if (fmt(dir, sizeof(dir), "%s%s", gc->objdir, fan) < 0 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (fmt(path, sizeof(path), "%s/%s", dir, e->d_name) < 0)
			continue;
		if (strlen(e->d_name) != 38 || !is_hex(e->d_name, 38)) {
			if (!strncmp(e->d_name, "tmp_obj_", 8) &&
			    older_than(path, gc->now - TMP_EXPIRE))
				unlink(path);
			continue;
		}
		snprintf(hex, sizeof(hex), "%s%s", fan, e->d_name);
		if (git_oid_fromstr(&id, hex) < 0)
			continue;
		if (in_fresh(gc, &id)) {
			unlink(path);
		} else if (older_than(path, gc->expire)) {
			gc->res->pruned++;
			unlink(path);
		}
	}
	closedir(d);
	rmdir(dir); /* fails, as it should, while anything is left */
}

static void sweep_loose(struct gc *gc)
{
	char fan[3];
	unsigned i;

	for (i = 0; i < 256; i++) {
		snprintf(fan, sizeof(fan), "%02x", i);
		sweep_loose_in(gc, fan);
	}
}

static void gc_options(const struct dw_store_gc_options *opts, struct dw_store_gc_options *out)
{
	memset(out, 0, sizeof(*out));
	if (opts)
		*out = *opts;
	if (out->prune_expire == 0)
		out->prune_expire = PRUNE_EXPIRE_DEFAULT;
	else if (out->prune_expire < 0)
		out->prune_expire = -1; /* DW_STORE_PRUNE_NOW: older than the next second, all */
	if (!out->pack_limit)
		out->pack_limit = PACK_LIMIT_DEFAULT;
	if (!out->loose_limit)
		out->loose_limit = LOOSE_LIMIT_DEFAULT;
}

static int gc_locked(struct gc *gc)
{
	int r;

	gc->res->packs_before = count_packs(gc->packdir);
	gc->res->loose_before = count_loose(gc->objdir);
	if ((r = write_fresh(gc)) < 0)
		return r;
	if ((r = sync_dir(gc->packdir)) < 0 && r != -ENOENT)
		return dw_error_set(gc->err, r, DW_AREA_SYSTEM, -r, "could not sync '%s': %s",
		                    gc->packdir, strerror(-r));
	if ((r = sweep_packs(gc)) < 0)
		return r;
	sweep_loose(gc);
	gc->res->packs_after = count_packs(gc->packdir);
	gc->res->loose_after = count_loose(gc->objdir);
	gc->res->ran = 1;
	return 0;
}

int dw_store_gc(struct dw_store *store, const struct dw_store_gc_options *opts,
                struct dw_store_gc_result *out, struct dw_error *err)
{
	struct dw_store_gc_options o;
	struct gc gc = { 0 };
	struct store_lock lock = { -1, NULL };
	char dir[PATH_MAX];
	int r;

	memset(out, 0, sizeof(*out));
	if (store->tx)
		return dw_error_set(err, -EBUSY, DW_AREA_USAGE, 0,
		                    "%s: gc with a transaction open on this store", store->path);
	gc_options(opts, &o);
	gc.store = store;
	gc.res = out;
	gc.err = err;
	gc.now = time(NULL);
	gc.expire = gc.now - (time_t)o.prune_expire;
	if (dw_store__repo_dir(store, dir, sizeof(dir)) < 0)
		return dw_error_set(err, -ENAMETOOLONG, DW_AREA_SYSTEM, 0, "path too long");
	if ((r = gc_dirs(&gc)) < 0 || (r = dw_store__lock_store(dir, 1, &lock, err)) < 0)
		return r;
	r = gc_locked(&gc);
	if (gc.fresh_odb)
		gc.fresh_odb->free(gc.fresh_odb);
	dw_store__lock_release(&lock);
	return r;
}

int dw_store_gc_auto(struct dw_store *store, const struct dw_store_gc_options *opts,
                     struct dw_store_gc_result *out, struct dw_error *err)
{
	struct dw_store_gc_options o;
	struct gc gc = { 0 };
	size_t packs, loose;
	int r;

	memset(out, 0, sizeof(*out));
	gc_options(opts, &o);
	gc.store = store;
	gc.res = out;
	gc.err = err;
	if ((r = gc_dirs(&gc)) < 0)
		return r;
	packs = count_packs(gc.packdir);
	/* like git: one fan-out directory of 256 tells how many loose objects there are */
	loose = count_loose_in(gc.objdir, "17") * 256;
	if (packs <= o.pack_limit && loose <= o.loose_limit)
		return 0;
	r = dw_store_gc(store, &o, out, err);
	if (r == -EBUSY) {
		/* a run holds the store: the next one to commit tries again */
		dw_error_clear(err);
		return 0;
	}
	return r;
}
