/* Reading whole files into buffers: the one place that loops over read(2). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftward/buf.h"
#include "driftward/error.h"

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
