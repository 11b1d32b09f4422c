/*
 * Garbage collection: every object a ref (or a ref's reflog) reaches goes
 * into one new pack; then the old packs and loose objects it makes redundant
 * are removed, and unreachable ones once they are older than the grace
 * period (git's gc.pruneExpire, two weeks), which protects objects a run
 * wrote and has not yet named by a ref.
 *
 * The automatic gc after a commit is incremental instead, like git repack
 * --geometric=2: the packs, smallest first, should each hold at least twice
 * the objects of the one before; the small recent packs that break that
 * progression (and the loose objects) are rolled up into one new pack, and
 * the big old ones are left as they are. Every run adds a small pack, so a
 * roll-up usually rewrites only what the last runs wrote, and the whole
 * history is rewritten only each time it doubles, not at every trigger. It
 * drops nothing: every object of the rolled-up packs goes into the new one,
 * reachable or not (pruning is the full gc's). A full gc happens on
 * `driftward gc`, or when the packs still pass the limit after a roll-up.
 * While a run holds the store, its commits compact the small packs by size
 * tier instead (TIER_PACKS), under the lock held shared.
 *
 * Safe against a SIGKILL at any moment: the new pack and its index are
 * complete and fsynced before anything is removed, an old pack loses its
 * .idx before its .pack (a .pack alone is ignored by every reader and
 * removed by the next gc), and a loose object is removed only when the new
 * pack holds it or nothing reaches it. Safe against a concurrent run: gc
 * holds the store's lock exclusively, transactions hold it shared; the
 * compaction, which prunes nothing, holds it shared too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driftward/array.h"
#include "store/internal.h"
#include "store/pack.h"

#define PRUNE_EXPIRE_DEFAULT (14 * 24 * 3600)
#define PACK_LIMIT_DEFAULT   50
/*
 * The most objects one roll-up takes. A roll-up copies each object's bytes
 * as they are (store/pack.c, dw_store__pack_merge: no delta search, nothing
 * inflated), so its memory is a small record per object; this bounds it
 * (and the time one gc takes) when a first run of thousands of tenants left
 * thousands of packs. The rest waits for the next roll-up. A roll-up of
 * 98,675 objects of 1.5 KiB in 59 delta packs takes 0.6 s and peaks at 29
 * MiB; through libgit2's indexer it took 3.0 s and 111 MiB, and with its
 * pack builder, which held every object and searched for deltas, 16.5 s
 * and 215 MiB.
 */
#define ROLLUP_MAX_OBJECTS  100000
#define LOOSE_LIMIT_DEFAULT 6700
/*
 * Between the commits of a run, the automatic gc cannot take the store (the
 * run's other transactions hold it shared) and each tenant's commit adds a
 * pack. libgit2 rescans the pack directory on every new object it writes
 * and every repository it opens, comparing each pack's name with every
 * other's, so a run over thousands of tenants that left a pack each became
 * quadratic (a 10,000-tenant run slowed by a sixth within 1,300 tenants).
 * So packs of about the same size are merged as soon as there are
 * TIER_PACKS of them (size-tiered compaction, as LSM stores do), which
 * needs no exclusive lock: like the roll-up it drops nothing, and removes a
 * pack only once a durable new one holds all of it. An object is rewritten
 * once per tier it climbs (a factor of TIER_PACKS each time), so a run pays
 * a few rewrites per object, not one per commit, and a rewrite is a copy
 * of the object's bytes. Only packs below TIER_PACK_OBJECTS take part (a
 * tenant's commit, or a few merged; a large import's packs are few anyway),
 * and one merge takes at most TIER_MERGE_OBJECTS, which bounds its memory
 * (a record of 32 bytes per object) and the time it adds to one tenant's
 * commit; the rest is the roll-up's and the full gc's.
 */
#define TIER_SHIFT         3
#define TIER_PACKS         16
#define TIER_PACK_OBJECTS  1024
#define TIER_MERGE_OBJECTS 16384
/* temporary files of a killed writer (libgit2's or git's) older than this go */
#define TMP_EXPIRE 3600

struct gc {
	struct dw_store *store;
	char objdir[PATH_MAX], packdir[PATH_MAX];
	char fresh[128]; /* the new pack's base name, "pack-<hex>" */
	git_odb_backend *fresh_odb;
	time_t expire; /* unreachable objects older than this go */
	time_t now;
	bool capped; /* the roll-up stopped at ROLLUP_MAX_OBJECTS: more next time */
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

/*
 * The packbuilder's pack (its object count in gc->res) written to the
 * pack directory and opened as the gc's fresh pack (gc->fresh,
 * gc->fresh_odb), against which what goes is checked; none when it is empty. A libgit2 code or -1
 * on failure; the caller names what failed.
 */
static int write_fresh_pack(struct gc *gc, git_packbuilder *pb)
{
	char idx[PATH_MAX];
	const char *name;
	int rc;

	gc->res->objects = git_packbuilder_object_count(pb);
	if (gc->res->objects == 0)
		return 0; /* nothing to pack: gc->fresh stays empty */
	if ((rc = git_packbuilder_write(pb, gc->packdir, 0, NULL, NULL)) < 0)
		return rc;
	name = git_packbuilder_name(pb);
	if (fmt(gc->fresh, sizeof(gc->fresh), "%s%s", strncmp(name, "pack-", 5) ? "pack-" : "",
	        name) < 0 ||
	    fmt(idx, sizeof(idx), "%s/%s.idx", gc->packdir, gc->fresh) < 0)
		return -1;
	return git_odb_backend_one_pack(&gc->fresh_odb, idx);
}

/* Writes every reachable object as one pack; gc->fresh stays empty when there are none. */
static int write_fresh(struct gc *gc)
{
	struct reach r = { gc->store->repo, gc->store->odb, NULL, NULL };
	int rc;

	if ((rc = git_packbuilder_new(&r.pb, r.repo)) < 0 ||
	    (rc = git_revwalk_new(&r.walk, r.repo)) < 0 ||
	    (rc = git_reference_foreach_name(r.repo, reach_ref, &r)) < 0 ||
	    (rc = reach_head(&r)) < 0 || (rc = git_packbuilder_insert_walk(r.pb, r.walk)) < 0)
		goto fail;
	if ((rc = write_fresh_pack(gc, r.pb)) < 0)
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
	 * alone (a merge puts the .pack first: a killed one leaves a .pack, swept) */
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

/* One pack of the pack directory, for the roll-up. */
struct pack_info {
	char base[46]; /* "pack-<40 hex>" */
	uint32_t objects;
};

/* The object count of a version 2 pack index: the last entry of its fan-out table. */
static int index_objects(const char *path, uint32_t *n)
{
	unsigned char head[8 + 256 * 4];
	const unsigned char *last = head + 8 + 255 * 4;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	got = read(fd, head, sizeof(head));
	close(fd);
	if (got != (ssize_t)sizeof(head) || memcmp(head, "\377tOc\0\0\0\2", 8) != 0)
		return -EINVAL;
	*n = (uint32_t)last[0] << 24 | (uint32_t)last[1] << 16 | (uint32_t)last[2] << 8 | last[3];
	return 0;
}

/*
 * The packs a roll-up may take: complete ones (a .pack beside the .idx)
 * without a .keep. Debris and kept packs are left to the full gc.
 */
static int list_packs(struct gc *gc, struct pack_info **out, size_t *n)
{
	struct pack_info *packs = NULL;
	size_t alloc = 0, count = 0;
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(gc->packdir);
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && (e = readdir(d))) {
		struct pack_info p;

		if (!is_pack_index(e->d_name))
			continue;
		memcpy(p.base, e->d_name, 45);
		p.base[45] = '\0';
		if (fmt(path, sizeof(path), "%s/%s.keep", gc->packdir, p.base) < 0 ||
		    access(path, F_OK) == 0 ||
		    fmt(path, sizeof(path), "%s/%s.pack", gc->packdir, p.base) < 0 ||
		    access(path, F_OK) != 0 ||
		    fmt(path, sizeof(path), "%s/%s", gc->packdir, e->d_name) < 0 ||
		    index_objects(path, &p.objects) < 0)
			continue;
		if ((r = DW_ARRAY_GROW(packs, alloc, count + 1)) == 0)
			packs[count++] = p;
	}
	closedir(d);
	if (r < 0) {
		free(packs);
		return r;
	}
	*out = packs;
	*n = count;
	return 0;
}

static int by_objects(const void *a, const void *b)
{
	const struct pack_info *x = a, *y = b;

	return x->objects < y->objects ? -1 : x->objects > y->objects;
}

/*
 * How many of the packs @p (smallest first) to roll up, as git's
 * --geometric=2 decides: all up to the last place where a pack holds less
 * than twice the one before it, then each next one while it holds less than
 * twice what is rolled up so far (the new pack must not break the
 * progression either). At most ROLLUP_MAX_OBJECTS objects (but two packs at
 * least): *@capped says the roll-up stopped short there.
 */
static size_t geometric_split(const struct pack_info *p, size_t n, bool *capped)
{
	uint64_t total = 0;
	size_t i, roll = 0;

	for (i = n; i-- > 1;)
		if ((uint64_t)p[i].objects < 2 * (uint64_t)p[i - 1].objects) {
			roll = i + 1;
			break;
		}
	for (i = 0; i < roll; i++)
		total += p[i].objects;
	while (roll < n && (uint64_t)p[roll].objects < 2 * total)
		total += p[roll++].objects;
	*capped = false;
	for (i = 0, total = 0; i < roll; i++) {
		total += p[i].objects;
		if (i >= 2 && total > ROLLUP_MAX_OBJECTS) {
			*capped = true;
			return i;
		}
	}
	return roll;
}

/* Every loose object (what people pushed, or an older store's), for the roll-up. */
static int list_loose(struct gc *gc, struct store_ids *out)
{
	char dir[PATH_MAX], fan[3], hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	struct dirent *e;
	unsigned i;
	int rc = 0;
	DIR *d;

	for (i = 0; i < 256 && rc == 0; i++) {
		snprintf(fan, sizeof(fan), "%02x", i);
		if (fmt(dir, sizeof(dir), "%s%s", gc->objdir, fan) < 0 || !(d = opendir(dir)))
			continue;
		while (rc == 0 && (e = readdir(d))) {
			if (strlen(e->d_name) != 38 || !is_hex(e->d_name, 38))
				continue;
			snprintf(hex, sizeof(hex), "%s%s", fan, e->d_name);
			if (git_oid_fromstr(&id, hex) == 0)
				rc = dw_store__ids_push(out, &id);
		}
		closedir(d);
	}
	return rc;
}

/*
 * Every object of the packs to roll up (and the loose ones, @loose) into one
 * new pack, their bytes copied as they are (store/pack.c), and opened as the
 * gc's fresh pack, against which what goes is checked.
 */
static int rollup_write(struct gc *gc, const struct pack_info *p, size_t roll, bool loose)
{
	struct store_ids l = { 0 };
	const char **bases = calloc(roll ? roll : 1, sizeof(*bases));
	char idx[PATH_MAX];
	size_t i;
	int r;

	if (!bases || (loose && list_loose(gc, &l) < 0)) {
		r = dw_error_set(gc->err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < roll; i++)
		bases[i] = p[i].base;
	r = dw_store__pack_merge(gc->store, gc->packdir, bases, roll, l.ids, l.n, gc->fresh,
	                         sizeof(gc->fresh), &gc->res->objects, gc->err);
	if (r == 0 && gc->fresh[0] &&
	    (fmt(idx, sizeof(idx), "%s/%s.idx", gc->packdir, gc->fresh) < 0 ||
	     git_odb_backend_one_pack(&gc->fresh_odb, idx) < 0))
		r = dw_store__git_error(gc->err, -1, "%s: could not open the new pack",
		                        gc->store->path);
out:
	free(bases);
	free(l.ids);
	return r;
}

/* A rolled-up pack goes once the new pack holds every object of it; nothing is pruned. */
static int drop_rolled(struct gc *gc, const struct pack_info *p)
{
	struct old_pack op = { gc, 0 };
	git_odb_backend *old = NULL;
	char path[PATH_MAX];
	int rc;

	if (!strcmp(p->base, gc->fresh))
		return 0;
	if ((rc = fmt(path, sizeof(path), "%s/%s.idx", gc->packdir, p->base)) < 0 ||
	    (rc = git_odb_backend_one_pack(&old, path)) < 0 ||
	    (rc = old->foreach (old, count_unreachable, &op)) < 0) {
		if (old)
			old->free(old);
		return dw_store__git_error(gc->err, rc, "could not read pack '%s'", path);
	}
	old->free(old);
	if (op.unreachable == 0) /* "unreachable" here: not in the new pack */
		remove_pack(gc, p->base);
	return 0;
}

/*
 * Writes the objects of the packs @p[0, roll) (and the loose ones, @loose)
 * as one new pack, makes it durable, then removes each old pack the new
 * one holds whole. Drops nothing.
 */
static int roll_up(struct gc *gc, const struct pack_info *p, size_t roll, bool loose)
{
	size_t i;
	int r;

	if ((r = rollup_write(gc, p, roll, loose)) < 0)
		return r;
	if ((r = dw_store__sync_dir(gc->packdir)) < 0 && r != -ENOENT)
		return dw_error_set(gc->err, r, DW_AREA_SYSTEM, -r, "could not sync '%s': %s",
		                    gc->packdir, strerror(-r));
	for (i = 0, r = 0; i < roll && r == 0; i++)
		r = drop_rolled(gc, &p[i]);
	return r;
}

/* The packs of the pack directory, smallest first, into @out. */
static int sorted_packs(struct gc *gc, struct pack_info **out, size_t *n)
{
	int r = list_packs(gc, out, n);

	if (r < 0)
		return dw_error_set(gc->err, r, DW_AREA_SYSTEM, -r, "could not list '%s': %s",
		                    gc->packdir, strerror(-r));
	if (*n)
		qsort(*out, *n, sizeof(**out), by_objects);
	return 0;
}

/*
 * The incremental gc: rolls up the small recent packs and the loose
 * objects, as the file's comment says. Sets res->ran when it wrote a pack.
 */
static int gc_geometric(struct gc *gc)
{
	struct pack_info *packs = NULL;
	size_t n = 0, roll;
	int r;

	gc->res->packs_before = count_packs(gc->packdir);
	gc->res->loose_before = count_loose(gc->objdir);
	if ((r = sorted_packs(gc, &packs, &n)) < 0)
		return r;
	roll = geometric_split(packs, n, &gc->capped);
	if (roll < 2 && gc->res->loose_before == 0)
		goto out; /* already a progression, nothing loose: nothing to do */
	if ((r = roll_up(gc, packs, roll, true)) < 0)
		goto out;
	/* loose objects the new pack holds go; the others (arrived meanwhile) stay */
	gc->expire = 0;
	sweep_loose(gc);
	gc->res->rolled = roll;
	gc->res->ran = 1;
out:
	gc->res->packs_after = count_packs(gc->packdir);
	gc->res->loose_after = count_loose(gc->objdir);
	free(packs);
	return r;
}

/* A pack's tier: sizes within a factor of 1 << TIER_SHIFT share one. */
static unsigned tier_of(uint32_t objects)
{
	unsigned bits = 0;

	while (objects >>= 1)
		bits++;
	return bits / TIER_SHIFT;
}

/*
 * The first run of packs (@p smallest first) that share a tier and are
 * TIER_PACKS or more, each below TIER_PACK_OBJECTS, and at most
 * TIER_MERGE_OBJECTS together: *@first and the count, 0 when no tier is full.
 */
static size_t full_tier(const struct pack_info *p, size_t n, size_t *first)
{
	size_t i = 0, j = 0, take;
	uint64_t total = 0;

	while (i < n && p[i].objects < TIER_PACK_OBJECTS) {
		for (j = i; j < n && p[j].objects < TIER_PACK_OBJECTS &&
		            tier_of(p[j].objects) == tier_of(p[i].objects);
		     j++)
			;
		if (j - i >= TIER_PACKS)
			break;
		i = j;
	}
	if (i >= n || p[i].objects >= TIER_PACK_OBJECTS)
		return 0;
	/* the tier's packs [i, j), smallest first, as many as one merge takes */
	for (take = 0; i + take < j && take < 2 * TIER_PACKS; take++) {
		if (total + p[i + take].objects > TIER_MERGE_OBJECTS)
			break;
		total += p[i + take].objects;
	}
	*first = i;
	return take;
}

/*
 * The compaction a run does between its commits (see TIER_PACKS): the
 * store's lock is held shared, as by the transactions it runs beside, and
 * the compaction lock exclusively, so two never take the same packs. Does
 * nothing when another compaction is under way.
 */
static int gc_tiered(struct gc *gc)
{
	struct store_lock store = { -1, NULL }, compact = { -1, NULL };
	struct pack_info *packs = NULL;
	struct dw_error busy;
	size_t n = 0, first = 0, roll;
	char dir[PATH_MAX];
	int r;

	/* the common case, after each commit: a directory read says there is nothing to do */
	if (count_packs(gc->packdir) < TIER_PACKS)
		return 0;
	if ((r = sorted_packs(gc, &packs, &n)) < 0)
		return r;
	if (!(roll = full_tier(packs, n, &first)))
		goto out;
	if (dw_store__repo_dir(gc->store, dir, sizeof(dir)) < 0) {
		r = dw_error_set(gc->err, -ENAMETOOLONG, DW_AREA_SYSTEM, 0, "path too long");
		goto out;
	}
	if ((r = dw_store__lock_store(dir, 0, &store, gc->err)) < 0)
		goto out;
	dw_error_clear(&busy);
	if (dw_store__lock_acquire(dir, ".compact", "the pack compaction", &compact, &busy) < 0)
		goto out; /* another one is at it: r stays 0 */
	gc->res->packs_before = n;
	if ((r = roll_up(gc, packs + first, roll, false)) == 0) {
		gc->res->rolled = roll;
		gc->res->ran = 1;
		gc->res->packs_after = count_packs(gc->packdir);
	}
out:
	if (gc->fresh_odb)
		gc->fresh_odb->free(gc->fresh_odb);
	gc->fresh_odb = NULL;
	gc->fresh[0] = '\0';
	dw_store__lock_release(&compact);
	dw_store__lock_release(&store);
	free(packs);
	return r;
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
	if ((r = dw_store__sync_dir(gc->packdir)) < 0 && r != -ENOENT)
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

enum gc_kind { GC_FULL, GC_AUTO };

/*
 * Under the store's lock, held exclusively: a full gc, or the automatic one
 * (a roll-up, then a full gc only when the packs still pass the limit).
 */
static int gc_run(struct dw_store *store, const struct dw_store_gc_options *o, enum gc_kind kind,
                  struct dw_store_gc_result *out, struct dw_error *err)
{
	struct gc gc = { 0 };
	struct store_lock lock = { -1, NULL };
	struct dw_store_gc_result rolled;
	char dir[PATH_MAX];
	int r;

	memset(out, 0, sizeof(*out));
	if (store->tx)
		return dw_error_set(err, -EBUSY, DW_AREA_USAGE, 0,
		                    "%s: gc with a transaction open on this store", store->path);
	gc.store = store;
	gc.res = out;
	gc.err = err;
	gc.now = time(NULL);
	gc.expire = gc.now - (time_t)o->prune_expire;
	if (dw_store__repo_dir(store, dir, sizeof(dir)) < 0)
		return dw_error_set(err, -ENAMETOOLONG, DW_AREA_SYSTEM, 0, "path too long");
	if ((r = gc_dirs(&gc)) < 0 || (r = dw_store__lock_store(dir, 1, &lock, err)) < 0)
		return r;
	if (kind == GC_AUTO) {
		r = gc_geometric(&gc);
		/* a capped roll-up made progress; the next one goes on from there */
		if (r < 0 || out->packs_after <= o->pack_limit || gc.capped)
			goto out;
		/* still past the limit: the full gc, counted from before the roll-up */
		rolled = *out;
		if (gc.fresh_odb)
			gc.fresh_odb->free(gc.fresh_odb);
		gc.fresh_odb = NULL;
		gc.fresh[0] = '\0';
		gc.expire = gc.now - (time_t)o->prune_expire;
		memset(out, 0, sizeof(*out));
		r = gc_locked(&gc);
		out->packs_before = rolled.packs_before;
		out->loose_before = rolled.loose_before;
		out->full = 1;
		goto out;
	}
	r = gc_locked(&gc);
	out->full = 1;
out:
	if (gc.fresh_odb)
		gc.fresh_odb->free(gc.fresh_odb);
	dw_store__lock_release(&lock);
	return r;
}

int dw_store_gc(struct dw_store *store, const struct dw_store_gc_options *opts,
                struct dw_store_gc_result *out, struct dw_error *err)
{
	struct dw_store_gc_options o;

	gc_options(opts, &o);
	return gc_run(store, &o, GC_FULL, out, err);
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
	if (!o.compact_only && (packs > o.pack_limit || loose > o.loose_limit)) {
		r = gc_run(store, &o, GC_AUTO, out, err);
		if (r != -EBUSY)
			return r;
		/* a run holds the store: its commits keep the packs few meanwhile */
		dw_error_clear(err);
		memset(out, 0, sizeof(*out));
	}
	return gc_tiered(&gc);
}
