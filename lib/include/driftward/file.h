/*
 * Writing a file so that a reader sees either its old contents or the new,
 * never half of them (git's lockfile.h, libgit2's filebuf). The bytes go to a
 * temporary file beside the target, "<path>.tmp-XXXXXX", created with
 * O_CLOEXEC; every byte is written (short writes and EINTR are retried), the
 * file is fsynced and renamed over the target (or linked to it, which never
 * replaces anything), and the directory is fsynced so that the new name
 * survives a crash. Whatever fails, the temporary file is removed.
 *
 * Data in memory takes one call:
 *
 *	r = dw_file_write_atomic(path, 0600, 0, data, len, &err);
 *
 * Data made piece by piece goes through a dw_atomic_file:
 *
 *	struct dw_atomic_file f;
 *
 *	r = dw_atomic_file_begin(&f, path, 0644, 0, &err);
 *	while (r == 0 && more)
 *		r = dw_atomic_file_write(&f, piece, n, &err);  (or write f.fd directly)
 *	if (r == 0)
 *		r = dw_atomic_file_commit(&f, &err);
 *	dw_atomic_file_abort(&f);                          (a no-op after a commit)
 *
 * Files that must replace their targets together (re-encrypting every
 * tenant's secret) are each written and closed with dw_atomic_file_close
 * first, then committed one after the other.
 */
#ifndef DRIFTWARD_FILE_H
#define DRIFTWARD_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "driftward/common.h"

struct dw_error;

enum {
	/* Link instead of rename: fail with -EEXIST rather than replace a file. */
	DW_FILE_EXCLUSIVE = 1 << 0,
};

struct dw_atomic_file {
	int fd;         /* the temporary file, open for writing; -1 once closed */
	char *path;     /* the target */
	char *tmp;      /* the temporary file; NULL when none is left on disk */
	unsigned flags; /* DW_FILE_* */
};

/* A dw_atomic_file not begun yet, which dw_atomic_file_abort leaves alone. */
#define DW_ATOMIC_FILE_INIT \
	{                   \
		.fd = -1    \
	}

/*
 * Creates the temporary file beside @path with exactly @mode (the umask does
 * not apply). On failure nothing is left on disk and @f may still be aborted.
 * Errors name @path.
 */
int dw_atomic_file_begin(struct dw_atomic_file *f, const char *path, mode_t mode, unsigned flags,
                         struct dw_error *err) DW_WARN_UNUSED;

/* Writes all @len bytes. On failure the temporary file is removed. */
int dw_atomic_file_write(struct dw_atomic_file *f, const void *data, size_t len,
                         struct dw_error *err) DW_WARN_UNUSED;

/* fsyncs and closes the temporary file, which waits for its commit. On failure it is removed. */
int dw_atomic_file_close(struct dw_atomic_file *f, struct dw_error *err) DW_WARN_UNUSED;

/*
 * Closes the temporary file (when still open) and puts it in place: renamed
 * over the target, or with DW_FILE_EXCLUSIVE linked to it (-EEXIST when the
 * target exists; then "already exists; not overwriting it"). Then fsyncs the
 * directory. On failure the temporary file is removed and the target is as it
 * was. Frees what @f holds either way.
 */
int dw_atomic_file_commit(struct dw_atomic_file *f, struct dw_error *err) DW_WARN_UNUSED;

/*
 * Closes and removes the temporary file, if any, and frees what @f holds.
 * Safe in any state after DW_ATOMIC_FILE_INIT or dw_atomic_file_begin.
 */
void dw_atomic_file_abort(struct dw_atomic_file *f);

/* begin, write, commit in one call. Returns 0 or a negative errno, as they do. */
int dw_file_write_atomic(const char *path, mode_t mode, unsigned flags, const void *data,
                         size_t len, struct dw_error *err) DW_WARN_UNUSED;

#endif
