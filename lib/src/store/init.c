/*
 * driftward init's part in the store: create the bare repository, mark it as
 * ours, and seed main with the shipped baselines (compiled in, or a directory
 * the caller names). The marker is written
 * before main, so an init that was interrupted is completed by the next one,
 * and a repository someone else made is never taken over.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftward/builtin.h"
#include "driftward/log.h"
#include "store/internal.h"

#define SEED_PREFIX "baselines"
#define SEED_MAX    (16u << 20) /* the largest shipped file */

enum path_kind { PATH_MISSING, PATH_EMPTY_DIR, PATH_OTHER };

static int path_kind(const char *path, enum path_kind *kind, struct dw_error *err)
{
	struct stat st;
	struct dirent *d;
	DIR *dir;

	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return dw_error_set(err, -errno, DW_AREA_SYSTEM, errno, "%s: %s", path,
			                    strerror(errno));
		*kind = PATH_MISSING;
		return 0;
	}
	*kind = PATH_EMPTY_DIR;
	if (!S_ISDIR(st.st_mode) || !(dir = opendir(path))) {
		*kind = PATH_OTHER;
		return 0;
	}
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			*kind = PATH_OTHER;
	closedir(dir);
	return 0;
}

static int set_marker(git_repository *repo, const char *path, struct dw_error *err)
{
	git_config *cfg = NULL;
	int rc = git_repository_config(&cfg, repo);

	if (rc == 0)
		rc = git_config_set_int32(cfg, STORE_MARKER_KEY, 1);
	git_config_free(cfg);
	return rc < 0 ? dw_store__git_error(err, rc, "%s: could not mark the repository", path) : 0;
}

static int has_refs(git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int rc = git_reference_iterator_new(&it, repo);

	if (rc == 0 && (rc = git_reference_next(&ref, it)) == 0)
		git_reference_free(ref);
	git_reference_iterator_free(it);
	return rc != GIT_ITEROVER;
}

/*
 * Opens what is at @path for init: a fresh repository, or ours, or an empty
 * bare one. *@done is set when it is ours and main exists.
 */
static int prepare_repo(const char *path, int *done, struct dw_error *err)
{
	git_repository_init_options o = GIT_REPOSITORY_INIT_OPTIONS_INIT;
	git_repository *repo = NULL;
	git_reference *main_ref = NULL;
	enum path_kind kind = PATH_OTHER;
	int r, rc;

	*done = 0;
	if ((r = path_kind(path, &kind, err)) < 0)
		return r;
	if (kind == PATH_OTHER) {
		if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
		    !git_repository_is_bare(repo) ||
		    (!dw_store__has_marker(repo) && has_refs(repo))) {
			git_repository_free(repo);
			return dw_error_set(err, -EEXIST, DW_AREA_GIT, 0,
			                    "%s exists and is not a driftward state repository; "
			                    "refusing to initialise over it",
			                    path);
		}
	} else {
		o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
		o.initial_head = "main";
		if ((rc = git_repository_init_ext(&repo, path, &o)) < 0)
			return dw_store__git_error(err, rc, "%s: could not create the repository",
			                           path);
	}
	if ((r = set_marker(repo, path, err)) == 0)
		*done = git_reference_lookup(&main_ref, repo, "refs/heads/main") == 0;
	git_reference_free(main_ref);
	git_repository_free(repo);
	return r;
}

/* A baseline file; never through a symbolic link, which could reach outside the directory. */
static int read_file(const char *path, struct dw_buf *out, struct dw_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r;

	if (fd < 0)
		return dw_error_set(err, -errno, DW_AREA_SYSTEM, errno, "could not open '%s': %s",
		                    path, strerror(errno));
	r = dw_buf_read_fd(out, fd, path, err);
	close(fd);
	return r;
}

/* Stages every regular file under @dir as @prefix/<relative path>. */
static int stage_dir(struct dw_store_tx *tx, const char *dir, const char *prefix, size_t *count,
                     struct dw_error *err)
{
	char path[PATH_MAX], name[PATH_MAX];
	struct dw_buf data;
	struct dirent *d;
	struct stat st;
	DIR *dp = opendir(dir);
	int r = 0;

	if (!dp)
		return dw_error_set(err, -errno, DW_AREA_SYSTEM, errno, "could not read '%s': %s",
		                    dir, strerror(errno));
	dw_buf_init(&data, SEED_MAX);
	while (r == 0 && (d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue; /* ".", "..", editor and VCS leftovers */
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		snprintf(name, sizeof(name), "%s/%s", prefix, d->d_name);
		if (lstat(path, &st) < 0) {
			r = dw_error_set(err, -errno, DW_AREA_SYSTEM, errno, "%s: %s", path,
			                 strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = stage_dir(tx, path, name, count, err);
		} else if (S_ISREG(st.st_mode)) {
			dw_buf_reset(&data);
			if ((r = read_file(path, &data, err)) == 0 &&
			    (r = dw_store_tx_stage(tx, name, dw_buf_cstr(&data), data.len, err)) ==
			            0)
				++*count;
		} else {
			dw_log_warning("%s: not a regular file, left out of main", path);
		}
	}
	closedir(dp);
	dw_buf_release(&data);
	return r;
}

/* Stages the baselines compiled into driftward, under their own paths ("baselines/..."). */
static int stage_builtin(struct dw_store_tx *tx, size_t *count, struct dw_error *err)
{
	const struct dw_builtin_file *f;
	size_t i, n, plen = strlen(DW_BUILTIN_BASELINES);
	int r = 0;

	f = dw_builtin_files(&n);
	for (i = 0; r == 0 && i < n; i++)
		if (strncmp(f[i].path, DW_BUILTIN_BASELINES, plen) == 0 &&
		    (r = dw_store_tx_stage(tx, f[i].path, f[i].data, f[i].len, err)) == 0)
			++*count;
	return r;
}

static int seed_main(const char *path, const char *seed_dir, const struct dw_store_options *opts,
                     struct dw_error *err)
{
	struct dw_store_commit_result res;
	struct dw_store *store = NULL;
	struct dw_store_tx *tx = NULL;
	struct dw_buf msg;
	size_t count = 0;
	int r;

	dw_buf_init(&msg, 4096);
	if ((r = dw_store_open(path, opts, &store, err)) < 0 ||
	    (r = dw_store_tx_begin_ref(store, "refs/heads/main", 0, &tx, err)) < 0 ||
	    (r = seed_dir ? stage_dir(tx, seed_dir, SEED_PREFIX, &count, err)
	                  : stage_builtin(tx, &count, err)) < 0)
		goto out;
	if (dw_buf_printf(&msg, "baselines: the %zu shipped file%s\n\nSeeded by driftward init.\n",
	                  count, count == 1 ? "" : "s") < 0) {
		r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	r = dw_store_tx_commit(tx, dw_buf_cstr(&msg), &res, err);
out:
	dw_store_tx_free(tx);
	dw_store_free(store);
	dw_buf_release(&msg);
	return r;
}

/* 1 when @path is a driftward repository whose main exists: nothing to do. */
static int initialised(const char *path)
{
	git_repository *repo = NULL;
	git_reference *main_ref = NULL;
	int yes = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0 &&
	          git_repository_is_bare(repo) && dw_store__has_marker(repo) &&
	          git_reference_lookup(&main_ref, repo, "refs/heads/main") == 0;

	git_reference_free(main_ref);
	git_repository_free(repo);
	return yes;
}

int dw_store_adopt(const char *path, struct dw_error *err)
{
	git_repository *repo = NULL;
	int r, rc;

	if ((r = dw_store__global_acquire(err)) < 0)
		return r;
	rc = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc < 0)
		r = dw_store__git_error(err, rc, "%s: could not open the repository to adopt",
		                        path);
	else if (!git_repository_is_bare(repo))
		r = dw_error_set(err, -EINVAL, DW_AREA_GIT, 0,
		                 "%s: only a bare repository can be adopted", path);
	else
		r = set_marker(repo, path, err);
	git_repository_free(repo);
	dw_store__global_release();
	return r;
}

int dw_store_init(const char *path, const char *seed_dir, const struct dw_store_options *opts,
                  enum dw_store_init_result *result, struct dw_error *err)
{
	struct stat st;
	int r, done = 0;

	if ((r = dw_store__global_acquire(err)) < 0)
		return r;
	if (initialised(path)) {
		done = 1;
	} else if (seed_dir && (stat(seed_dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
		r = dw_error_set(err, -ENOENT, DW_AREA_SYSTEM, ENOENT,
		                 "%s: no baselines directory here", seed_dir);
	} else {
		r = prepare_repo(path, &done, err);
	}
	dw_store__global_release();
	if (r < 0)
		return r;
	*result = done ? DW_STORE_INITIALISED : DW_STORE_CREATED;
	return done ? 0 : seed_main(path, seed_dir, opts, err);
}
