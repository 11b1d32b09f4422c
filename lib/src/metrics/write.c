/*
 * The metrics file: replaced atomically, read back for the times a run
 * carries over (last success of a tenant that failed this time).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftward/metrics.h"

#define METRICS_MAX   (64u * 1024u * 1024u)
#define PREVIOUS_MAX  (64u * 1024u * 1024u)
#define METRICS_MODE  0644 /* node_exporter runs as another user; nothing here is secret */
#define NAME_CHARS    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@+_.-"
#define LAST_RUN_NAME "driftward_tenant_last_run_timestamp_seconds"
#define SUCCESS_NAME  "driftward_tenant_last_success_timestamp_seconds"

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || name[0] == '.' || strspn(name, NAME_CHARS) != n)
		return -EINVAL;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * TODO(lead): the util engineer's dw_file_write_atomic replaces this function
 * when the branches merge. Temp file in @dir named ".NAME.prom.XXXXXX" (not
 * ending in ".prom", so node_exporter never reads it), write, fsync, rename
 * over @path, fsync @dir. A run killed before the rename leaves the previous
 * file whole, and at worst the temp file.
 */
static int write_atomic(const char *dir, const char *name, const char *path, const char *data,
                        size_t len)
{
	char tmp[PATH_MAX];
	int fd = -1, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.prom.XXXXXX", dir, name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fchmod(fd, METRICS_MODE) < 0 ? -errno : 0;
	r = r ?: write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r ?: fsync_dir(dir);
}

int dw_metrics_write(const char *dir, const char *name, const struct dw_metrics_run *run,
                     struct dw_error *err)
{
	struct dw_buf text;
	char path[PATH_MAX];
	int r;

	if (check_name(name) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_SYSTEM, EINVAL,
		                    "'%s' is not a metrics file name", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.prom", dir, name) >= sizeof(path))
		return dw_error_set(err, -ENAMETOOLONG, DW_AREA_SYSTEM, ENAMETOOLONG,
		                    "metrics_dir '%s': path too long", dir);
	dw_buf_init(&text, METRICS_MAX);
	r = dw_metrics_format(run, &text);
	if (r < 0) {
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not format the metrics: %s",
		             strerror(-r));
		goto out;
	}
	r = write_atomic(dir, name, path, dw_buf_cstr(&text), text.len);
	if (r < 0)
		dw_error_at(err, r, DW_AREA_SYSTEM, path, 0, 0, "could not write the metrics: %s",
		            strerror(-r));
out:
	dw_buf_release(&text);
	return r;
}

/* The value of "NAME{tenant="TENANT"} VALUE" in @line, or 0 if the line is another. */
static double line_value(const char *line, const char *name, const char *tenant)
{
	size_t n = strlen(name), tn = strlen(tenant);
	char *end;
	double v;

	if (strncmp(line, name, n) != 0 || strncmp(line + n, "{tenant=\"", 9) != 0)
		return 0;
	line += n + 9;
	if (strncmp(line, tenant, tn) != 0 || strncmp(line + tn, "\"} ", 3) != 0)
		return 0;
	v = strtod(line + tn + 3, &end);
	return end != line + tn + 3 && *end == '\0' && v > 0 ? v : 0;
}

int dw_metrics_previous(const char *dir, const char *name, const char *tenant, double *last_run,
                        double *last_success)
{
	struct dw_buf text;
	char path[PATH_MAX], *line, *next;
	double v;
	int r;

	*last_run = *last_success = 0;
	if (check_name(name) < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.prom", dir, name) >= sizeof(path))
		return -EINVAL;
	dw_buf_init(&text, PREVIOUS_MAX);
	r = dw_buf_read_file(&text, path, NULL);
	for (line = text.ptr; r == 0 && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((v = line_value(line, LAST_RUN_NAME, tenant)) > 0)
			*last_run = v;
		else if ((v = line_value(line, SUCCESS_NAME, tenant)) > 0)
			*last_success = v;
	}
	dw_buf_release(&text);
	return r == -ENOENT ? 0 : r;
}
