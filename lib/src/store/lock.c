/*
 * One lock per branch: <repo>/driftward-locks/<branch>.lock, held with
 * flock(2). The kernel drops the lock when its holder dies, however it dies,
 * so a killed run never blocks the next one. The file records who holds it
 * (pid, host, boot id, start time) for the message a second run prints; the
 * holder empties it on release, so a record found by the next holder is the
 * trace of a run that died holding the lock, and is cleared with a warning.
 * The files are never unlinked: unlinking an flock()ed file lets two runs
 * lock two different files of the same name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driftward/log.h"
#include "store/internal.h"

#define LOCK_DIR "driftward-locks"

int dw_store__make_parents(char *path)
{
	char *p;

	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0775) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static void read_boot_id(char *out, size_t outlen)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	snprintf(out, outlen, "unknown");
	if (!f)
		return;
	if (fgets(out, (int)outlen, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* "pid 123 on host since 2024-01-02T03:04:05Z" from the lock file's record. */
static void describe_holder(int fd, char *out, size_t outlen)
{
	char text[512], pid[32] = "?", host[256] = "?", since[64] = "?";
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	const char *line;

	if (n <= 0) {
		snprintf(out, outlen, "another run (that has not written its record yet)");
		return;
	}
	text[n] = '\0';
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		size_t len = strcspn(line, "\n");

		if (!strncmp(line, "pid=", 4))
			snprintf(pid, sizeof(pid), "%.*s", (int)(len - 4), line + 4);
		else if (!strncmp(line, "host=", 5))
			snprintf(host, sizeof(host), "%.*s", (int)(len - 5), line + 5);
		else if (!strncmp(line, "since=", 6))
			snprintf(since, sizeof(since), "%.*s", (int)(len - 6), line + 6);
	}
	snprintf(out, outlen, "pid %s on %s since %s", pid, host, since);
}

static int write_record(int fd)
{
	char host[256] = "?", boot[64], since[32], text[512];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	read_boot_id(boot, sizeof(boot));
	gmtime_r(&now, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(text, sizeof(text), "pid=%ld\nhost=%s\nboot_id=%s\nsince=%s\n", (long)getpid(),
	             host, boot, since);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EOVERFLOW;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)n, 0) != n)
		return -errno;
	return 0;
}

static int lock_path(const char *repo_path, const char *name, char **out)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/" LOCK_DIR "/%s.lock", repo_path, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	*out = strdup(path);
	return *out ? 0 : -ENOMEM;
}

/*
 * Opens (creating it and its directory) the lock file @name of the
 * repository, with out->path set; on failure returns a negative code with
 * @err set and @out left empty.
 */
static int open_lock(const char *repo_path, const char *name, const char *what,
                     struct store_lock *out, struct dw_error *err)
{
	int fd = -1, r;

	out->fd = -1;
	if ((r = lock_path(repo_path, name, &out->path)) < 0)
		return dw_error_set(err, r, DW_AREA_SYSTEM, -r, "%s: bad lock path", what);
	if ((r = dw_store__make_parents(out->path)) < 0 ||
	    (fd = open(out->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0664)) < 0) {
		r = r < 0 ? r : -errno;
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not open lock '%s': %s", out->path,
		             strerror(-r));
		free(out->path);
		out->path = NULL;
		return r;
	}
	return fd;
}

/* Called with the lock held: a record left in the file means its last holder died. */
static void clear_dead_holder(int fd, const char *what)
{
	struct stat st;
	char holder[512];

	if (fstat(fd, &st) < 0 || st.st_size == 0)
		return;
	describe_holder(fd, holder, sizeof(holder));
	dw_log_warning("%s: cleared the lock of %s: that run ended without releasing it", what,
	               holder);
}

int dw_store__lock_acquire(const char *repo_path, const char *name, const char *what,
                           struct store_lock *out, struct dw_error *err)
{
	char holder[512];
	int fd = -1, r;

	if ((fd = open_lock(repo_path, name, what, out, err)) < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (r == -EBUSY) {
			describe_holder(fd, holder, sizeof(holder));
			dw_error_set(err, r, DW_AREA_SYSTEM, EBUSY, "%s is locked by %s", what,
			             holder);
		} else {
			dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not lock '%s': %s",
			             out->path, strerror(-r));
		}
		goto fail;
	}
	clear_dead_holder(fd, what);
	if ((r = write_record(fd)) < 0) {
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not write lock '%s': %s", out->path,
		             strerror(-r));
		goto fail;
	}
	out->fd = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(out->path);
	out->path = NULL;
	return r;
}

/*
 * The store-wide lock: shared by every transaction (waiting while a gc
 * holds it), exclusive for gc (which gives up at once while a run is on).
 * ".store" cannot be a branch's lock: no ref name component starts with '.'.
 */
int dw_store__lock_store(const char *repo_path, int exclusive, struct store_lock *out,
                         struct dw_error *err)
{
	int fd = -1, r;

	if ((fd = open_lock(repo_path, ".store", repo_path, out, err)) < 0)
		return fd;
	while ((r = flock(fd, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "%s: %s", repo_path,
		             r == -EBUSY ? "a run is using the state repository" : strerror(-r));
		goto fail;
	}
	out->fd = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(out->path);
	out->path = NULL;
	return r;
}

void dw_store__lock_release(struct store_lock *lock)
{
	if (lock->fd >= 0) {
		/* an empty file is a lock released in order */
		if (ftruncate(lock->fd, 0) < 0)
			dw_log_warning("could not empty lock '%s': %s", lock->path,
			               strerror(errno));
		close(lock->fd);
	}
	lock->fd = -1;
	free(lock->path);
	lock->path = NULL;
}

void dw_store__clear_stale_ref_lock(const char *repo_path, const char *ref)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.lock", repo_path, ref) >= sizeof(path))
		return;
	if (unlink(path) == 0)
		dw_log_warning("removed '%s', left by a writer that was killed while it moved %s",
		               path, ref);
}
