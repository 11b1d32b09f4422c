/*
 * Opening the state repository: libgit2's global settings, the mempack that
 * keeps a transaction's new objects in memory (up to a budget: store/commit.c)
 * until commit, and the errors.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driftward/names.h"
#include "store/internal.h"

/* Trees up to this size stay in libgit2's object cache (its default is 4 KiB). */
#define TREE_CACHE_LIMIT  (64u << 20)
#define PACK_FILES_MAPPED 64

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned global_users;

static int map_git_code(int gitrc)
{
	switch (gitrc) {
	case GIT_ENOTFOUND:
		return -ENOENT;
	case GIT_EEXISTS:
		return -EEXIST;
	case GIT_EMODIFIED:
		return -ESTALE;
	case GIT_ELOCKED:
		return -EBUSY;
	case GIT_EAUTH:
		return -EACCES;
	case GIT_ECERTIFICATE:
		return -EPERM;
	case GIT_EINVALIDSPEC:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* What to say when libgit2 said nothing, or stopped at "...: ". */
static const char *missing_reason(int gitrc, int os, char *buf, size_t len)
{
	if (gitrc == GIT_ELOCKED)
		return "its lock file exists: another process is writing it, or one was killed "
		       "while it did";
	if (os)
		return strerror(os);
	snprintf(buf, len, "libgit2 gave no reason (error %d)", gitrc);
	return buf;
}

int dw_store__git_error(struct dw_error *err, int gitrc, const char *fmt, ...)
{
	int os = errno; /* before anything here changes it */
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "", *tail = "";
	char what[256], buf[64];
	size_t n = strlen(msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* some libgit2 messages end in ": " where the OS error was to go, some are missing */
	while (n > 0 && (msg[n - 1] == ' ' || msg[n - 1] == ':'))
		n--;
	if (n == 0 || n < strlen(msg))
		tail = missing_reason(gitrc, os, buf, sizeof(buf));
	return dw_error_set(err, map_git_code(gitrc), DW_AREA_GIT, e ? e->klass : 0, "%s: %.*s%s%s",
	                    what, (int)n, msg, n && *tail ? ": " : "", tail);
}

static int set_global_options(void)
{
	static const int levels[] = { GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
		                      GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_PROGRAMDATA };
	size_t i;

	/* a 50,000-file tree is walked in 0.05 s when cached, 26 s when not (NOTES.md) */
	if (git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
	                     (size_t)TREE_CACHE_LIMIT) < 0)
		return -1;
	/*
	 * a repository of many packs (a fleet's first run leaves one per tenant
	 * until its roll-up) must not keep every pack it ever read mapped: the
	 * least recently used are let go past this many
	 */
	if (git_libgit2_opts(GIT_OPT_SET_MWINDOW_FILE_LIMIT, (size_t)PACK_FILES_MAPPED) < 0)
		return -1;
	/*
	 * Pack windows of 4 MiB, at most 16 MiB mapped at once: libgit2's
	 * defaults (1 GiB windows, 8 GiB mapped) map a whole first-import pack
	 * (uncompressed until gc) when drift reads the snapshot back, and every
	 * page read stays in the peak RSS: 117 -> 62 MiB for an unchanged
	 * snapshot of 50,000 objects (tests/bench/coverage).
	 */
	if (git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)16 << 20) < 0)
		return -1;
	/* objects and refs reach the disk before the ref that names them */
	if (git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0)
		return -1;
	/* the operator's ~/.gitconfig (url rewrites, hooks paths) must not steer the agent */
	for (i = 0; i < DW_ARRAY_SIZE(levels); i++)
		if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "") < 0)
			return -1;
	return 0;
}

int dw_store__global_acquire(struct dw_error *err)
{
	int r = 0;

	pthread_mutex_lock(&global_lock);
	if (global_users == 0) {
		if (git_libgit2_init() < 0 || set_global_options() < 0) {
			r = dw_store__git_error(err, -1, "could not initialise libgit2");
			git_libgit2_shutdown();
		}
	}
	if (r == 0)
		global_users++;
	pthread_mutex_unlock(&global_lock);
	return r;
}

void dw_store__global_release(void)
{
	pthread_mutex_lock(&global_lock);
	if (global_users > 0 && --global_users == 0)
		git_libgit2_shutdown();
	pthread_mutex_unlock(&global_lock);
}

static int set_ident(struct dw_store *store, const struct dw_store_options *opts)
{
	char host[256] = "localhost";
	char email[320];

	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(email, sizeof(email), "driftward@%s", host);
	store->ident_name = strdup(opts && opts->ident_name ? opts->ident_name : "driftward");
	store->ident_email = strdup(opts && opts->ident_email ? opts->ident_email : email);
	return store->ident_name && store->ident_email ? 0 : -ENOMEM;
}

/* The mempack goes on top of the repository's object database: new objects land there. */
static int add_mempack(struct dw_store *store, struct dw_error *err)
{
	git_buf objects = { 0 };
	int rc;

	if ((rc = git_repository_odb(&store->odb, store->repo)) < 0 ||
	    (rc = git_mempack_new(&store->mempack)) < 0)
		return dw_store__git_error(err, rc, "%s: could not set up the object database",
		                           store->path);
	if ((rc = git_odb_add_backend(store->odb, store->mempack, 1000)) < 0) {
		store->mempack->free(store->mempack);
		store->mempack = NULL;
		return dw_store__git_error(err, rc, "%s: could not add the memory backend",
		                           store->path);
	}
	rc = git_repository_item_path(&objects, store->repo, GIT_REPOSITORY_ITEM_OBJECTS);
	if (rc == 0)
		rc = git_odb_open(&store->disk, objects.ptr);
	git_buf_dispose(&objects);
	if (rc < 0)
		return dw_store__git_error(err, rc, "%s: could not open the objects directory",
		                           store->path);
	return 0;
}

int dw_store__has_marker(git_repository *repo)
{
	git_config *cfg = NULL;
	int32_t v = 0;
	int rc = git_repository_config(&cfg, repo);

	if (rc == 0)
		rc = git_config_get_int32(&v, cfg, STORE_MARKER_KEY);
	git_config_free(cfg);
	return rc == 0 && v >= 1;
}

static int open_repo(struct dw_store *store, bool read_only, struct dw_error *err)
{
	int rc = git_repository_open_ext(&store->repo, store->path, GIT_REPOSITORY_OPEN_NO_SEARCH,
	                                 NULL);

	if (rc == GIT_ENOTFOUND)
		return dw_error_set(err, -ENOENT, DW_AREA_GIT, 0,
		                    "%s: no state repository here (run driftward init)",
		                    store->path);
	if (rc < 0)
		return dw_store__git_error(err, rc, "%s: could not open the state repository",
		                           store->path);
	if (!git_repository_is_bare(store->repo))
		return dw_error_set(err, -EINVAL, DW_AREA_GIT, 0,
		                    "%s: the state repository must be a bare repository",
		                    store->path);
	/* a symbolic link or a typo must not make the agent write into someone's repository */
	if (!read_only && !dw_store__has_marker(store->repo))
		return dw_error_set(err, -EPERM, DW_AREA_GIT, 0,
		                    "%s is not a driftward state repository (its config has no "
		                    "driftward.repositoryFormat); if it is meant to hold "
		                    "driftward's state, adopt it with 'driftward init --adopt'",
		                    store->path);
	return 0;
}

int dw_store_open(const char *path, const struct dw_store_options *opts, struct dw_store **out,
                  struct dw_error *err)
{
	struct dw_store *store = NULL;
	int r;

	*out = NULL;
	if ((r = dw_store__global_acquire(err)) < 0)
		return r;
	store = calloc(1, sizeof(*store));
	if (!store || !(store->path = strdup(path)) || set_ident(store, opts) < 0) {
		r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	if ((r = open_repo(store, opts && opts->read_only, err)) < 0 ||
	    (r = add_mempack(store, err)) < 0)
		goto out;
	*out = store;
	store = NULL;
	r = 0;
out:
	if (store)
		dw_store_free(store);
	else if (r < 0)
		dw_store__global_release();
	return r;
}

void dw_store_free(struct dw_store *store)
{
	if (!store)
		return;
	git_odb_free(store->disk);
	git_odb_free(store->odb); /* frees the mempack with it */
	git_repository_free(store->repo);
	free(store->pending);
	free(store->path);
	free(store->ident_name);
	free(store->ident_email);
	free(store);
	dw_store__global_release();
}

const char *dw_store_path(const struct dw_store *store)
{
	return store->path;
}

void dw_store__mempack_reset(struct dw_store *store)
{
	if (store->mempack)
		git_mempack_reset(store->mempack);
	store->npending = 0;
	store->pending_bytes = 0;
}

int dw_store__signature(struct dw_store *store, git_signature **out, struct dw_error *err)
{
	int rc = git_signature_now(out, store->ident_name, store->ident_email);

	return rc < 0 ? dw_store__git_error(err, rc, "bad committer identity") : 0;
}

int dw_store__path_valid(const char *path)
{
	const char *p = path, *slash;
	size_t len;

	len = strlen(path);
	if (len == 0 || len > 4096 || path[len - 1] == '/')
		return 0;
	for (; *p; p = slash + 1) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && !strncmp(p, "..", 2)) ||
		    (len == 4 && !strncasecmp(p, ".git", 4)))
			return 0;
		if (!slash)
			break;
	}
	for (p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int dw_store_tenant_ref(const char *tenant, char *out, size_t outlen)
{
	if (!dw_is_tenant_name(tenant))
		return -EINVAL;
	if ((size_t)snprintf(out, outlen, "refs/heads/tenants/%s", tenant) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}
