/*
 * Whole files: reading them into buffers (the one place that loops over
 * read(2)) and writing them atomically (the one place that writes a temporary
 * file and renames it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftward/buf.h"
#include "driftward/error.h"
#include "driftward/file.h"

#define READ_STEP (64u * 1024u)

/* One read(2) into the buffer's free room (grown first). Sets *n to what it returned. */
static int read_more(struct dw_buf *b, int fd, ssize_t *n)
{
	size_t room = b->alloc > b->len + 1 ? b->alloc - b->len - 1 : 0;
	char probe;
	int r;

	if (room == 0 && b->len < b->max) {
		r = dw_buf_reserve(b, b->max - b->len < READ_STEP ? b->max - b->len : READ_STEP);
		if (r < 0)
			return r;
		room = b->alloc - b->len - 1;
	}
	if (room == 0) {
		/* at the maximum: only the end of the file may follow */
		*n = read(fd, &probe, 1);
		dw_wipe(&probe, sizeof(probe));
		if (*n > 0) {
			dw_buf_release(b);
			return -E2BIG;
		}
		return *n < 0 ? -errno : 0;
	}
	*n = read(fd, b->ptr + b->len, room);
	if (*n < 0)
		return -errno;
	b->len += (size_t)*n;
	b->ptr[b->len] = '\0';
	return 0;
}

static int read_error(const char *name, int r, size_t max, struct dw_error *err)
{
	if (!name)
		return r;
	if (r == -E2BIG)
		return dw_error_at(err, r, DW_AREA_SYSTEM, name, 0, 0, "larger than %zu bytes",
		                   max);
	return dw_error_at(err, r, DW_AREA_SYSTEM, name, 0, 0, "could not read: %s", strerror(-r));
}

int dw_buf_read_fd(struct dw_buf *b, int fd, const char *name, struct dw_error *err)
{
	size_t max = b->max;
	struct stat st;
	ssize_t n = 1;
	int r = 0;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		r = dw_buf_reserve(b, (size_t)st.st_size);
	while (r == 0 && n != 0) {
		r = read_more(b, fd, &n);
		if (r == -EINTR)
			r = 0, n = 1;
	}
	return r < 0 ? read_error(name, r, max, err) : 0;
}

int dw_buf_read_file(struct dw_buf *b, const char *path, struct dw_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;

	if (fd < 0)
		return dw_error_at(err, -errno, DW_AREA_SYSTEM, path, 0, 0, "could not open: %s",
		                   strerror(errno));
	r = dw_buf_read_fd(b, fd, path, err);
	close(fd);
	return r;
}

/* --- writing --- */

#define TMP_SUFFIX ".tmp-XXXXXX"

static int file_error(const struct dw_atomic_file *f, int e, const char *what, struct dw_error *err)
{
	return dw_error_at(err, -e, DW_AREA_SYSTEM, f->path, 0, 0, "%s: %s", what, strerror(e));
}

void dw_atomic_file_abort(struct dw_atomic_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	f->fd = -1;
	f->tmp = f->path = NULL;
}

/* Ends @f, removing what is left of it, and returns @r: every failure goes through here. */
static int finish(struct dw_atomic_file *f, int r)
{
	dw_atomic_file_abort(f);
	return r;
}

int dw_atomic_file_begin(struct dw_atomic_file *f, const char *path, mode_t mode, unsigned flags,
                         struct dw_error *err)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + sizeof(TMP_SUFFIX));

	f->fd = -1;
	f->flags = flags;
	f->tmp = NULL;
	f->path = strdup(path);
	if (!f->path || !tmp) {
		free(tmp);
		return finish(f,
		              dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory"));
	}
	memcpy(tmp, path, len);
	memcpy(tmp + len, TMP_SUFFIX, sizeof(TMP_SUFFIX));
	f->fd = mkostemp(tmp, O_CLOEXEC);
	if (f->fd < 0) {
		int e = errno;

		free(tmp); /* nothing was created */
		return finish(f,
		              file_error(f, e, "could not create a temporary file beside it", err));
	}
	f->tmp = tmp;
	if (fchmod(f->fd, mode) < 0)
		return finish(f, file_error(f, errno, "could not set the mode", err));
	return 0;
}

int dw_atomic_file_write(struct dw_atomic_file *f, const void *data, size_t len,
                         struct dw_error *err)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(f->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* 0 for a regular file would be a bug: don't spin on it */
			return finish(f,
			              file_error(f, n < 0 ? errno : EIO, "could not write", err));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int dw_atomic_file_close(struct dw_atomic_file *f, struct dw_error *err)
{
	int fd = f->fd;

	if (fd < 0)
		return 0;
	f->fd = -1;
	if (fsync(fd) < 0) {
		int e = errno;

		close(fd);
		return finish(f, file_error(f, e, "could not write", err));
	}
	/* close's error still matters: NFS reports failed writes there */
	if (close(fd) < 0)
		return finish(f, file_error(f, errno, "could not write", err));
	return 0;
}

/* fsyncs the directory that holds @path, so that a new name in it survives a crash. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
	int fd, r = 0;

	if (slash && !dir)
		return -ENOMEM;
	fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* EINVAL: a file system that cannot sync a directory, where there is nothing to do */
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return r;
}

/* Links the temporary file to the target, which must not exist. */
static int link_into_place(struct dw_atomic_file *f, struct dw_error *err)
{
	if (link(f->tmp, f->path) == 0)
		return 0;
	if (errno == EEXIST)
		return dw_error_at(err, -EEXIST, DW_AREA_SYSTEM, f->path, 0, 0,
		                   "already exists; not overwriting it");
	return file_error(f, errno, "could not create", err);
}

int dw_atomic_file_commit(struct dw_atomic_file *f, struct dw_error *err)
{
	int r = dw_atomic_file_close(f, err);

	if (r < 0)
		return r;
	if (!f->tmp) /* never begun, or committed already */
		return dw_error_set(err, -EINVAL, DW_AREA_SYSTEM, EINVAL, "no file to commit");
	if (f->flags & DW_FILE_EXCLUSIVE)
		r = link_into_place(f, err);
	else if (rename(f->tmp, f->path) < 0)
		r = file_error(f, errno, "could not replace", err);
	if (r < 0)
		return finish(f, r);
	if (!(f->flags & DW_FILE_EXCLUSIVE)) {
		free(f->tmp); /* renamed: nothing left to remove */
		f->tmp = NULL;
	}
	r = sync_dir(f->path);
	if (r < 0)
		file_error(f, -r, "could not sync its directory", err);
	return finish(f, r); /* frees the names; unlinks the temporary name of a link */
}

int dw_file_write_atomic(const char *path, mode_t mode, unsigned flags, const void *data,
                         size_t len, struct dw_error *err)
{
	struct dw_atomic_file f;
	int r = dw_atomic_file_begin(&f, path, mode, flags, err);

	if (r == 0)
		r = dw_atomic_file_write(&f, data, len, err);
	if (r == 0)
		r = dw_atomic_file_commit(&f, err);
	dw_atomic_file_abort(&f);
	return r;
}
