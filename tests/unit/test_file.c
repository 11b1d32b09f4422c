/*
 * Atomic file writes: the contents and mode asked for, old or new contents
 * and nothing in between, no temporary file left behind on any failure.
 *
 * Short writes, EINTR and a full disk are injected by defining write(2) here:
 * the library is linked into this program, so its calls land in this one,
 * which passes them on to the system call unless a test asked otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/error.h"
#include "driftward/file.h"

static struct {
	bool on;
	size_t max_chunk;  /* the most bytes one call writes */
	bool eintr;        /* every other call fails with EINTR */
	size_t fail_after; /* bytes written before ENOSPC; 0: never */
	unsigned calls;    /* write calls seen */
	size_t written;    /* bytes written */
} inject;

ssize_t write(int fd, const void *buf, size_t count)
{
	ssize_t n;

	if (inject.on) {
		inject.calls++;
		if (inject.eintr && inject.calls % 2) {
			errno = EINTR;
			return -1;
		}
		if (inject.fail_after && inject.written + count > inject.fail_after) {
			errno = ENOSPC;
			return -1;
		}
		if (inject.max_chunk && count > inject.max_chunk)
			count = inject.max_chunk;
	}
	n = syscall(SYS_write, fd, buf, count);
	if (inject.on && n > 0)
		inject.written += (size_t)n;
	return n;
}

struct scratch {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/dw-file-test-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->path, sizeof(s->path), "%s/target", s->dir);
	memset(&inject, 0, sizeof(inject));
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct scratch *s = *state;
	struct dirent *e;
	char p[512];
	DIR *d = opendir(s->dir);

	memset(&inject, 0, sizeof(inject));
	while (d && (e = readdir(d))) {
		snprintf(p, sizeof(p), "%s/%s", s->dir, e->d_name);
		if (e->d_name[0] != '.' && unlink(p) < 0)
			rmdir(p);
	}
	if (d)
		closedir(d);
	rmdir(s->dir);
	free(s);
	return 0;
}

/* The names in @dir, sorted and joined with ' ': what a failed write must not add to. */
static void assert_dir_holds(const char *dir, const char *names)
{
	struct dirent **list = NULL;
	char got[512] = "";
	int n = scandir(dir, &list, NULL, alphasort), i;

	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			if (got[0])
				strncat(got, " ", sizeof(got) - strlen(got) - 1);
			strncat(got, list[i]->d_name, sizeof(got) - strlen(got) - 1);
		}
		free(list[i]);
	}
	free(list);
	assert_string_equal(got, names);
}

static void assert_file_holds(const char *path, const char *text)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, strlen(text));
	assert_memory_equal(buf, text, strlen(text));
}

static void writes_the_contents_with_the_mode_asked_for(void **state)
{
	struct scratch *s = *state;
	struct dw_error err = { 0 };
	mode_t old = umask(077);
	struct stat st;

	assert_int_equal(dw_file_write_atomic(s->path, 0640, 0, "hello\n", 6, &err), 0);
	umask(old);
	assert_file_holds(s->path, "hello\n");
	assert_int_equal(stat(s->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_dir_holds(s->dir, "target");
	/* an empty file is a file too */
	assert_int_equal(dw_file_write_atomic(s->path, 0600, 0, "", 0, &err), 0);
	assert_file_holds(s->path, "");
}

static void an_existing_file_is_replaced_whole(void **state)
{
	struct scratch *s = *state;
	struct dw_error err = { 0 };
	struct stat before, after;
	int reader;

	assert_int_equal(dw_file_write_atomic(s->path, 0644, 0, "old contents", 12, &err), 0);
	assert_int_equal(stat(s->path, &before), 0);
	reader = open(s->path, O_RDONLY | O_CLOEXEC);
	assert_true(reader >= 0);
	assert_int_equal(dw_file_write_atomic(s->path, 0644, 0, "new", 3, &err), 0);
	/* a reader that had the file open still sees all of the old one, not a mix */
	{
		char buf[64];
		ssize_t n = pread(reader, buf, sizeof(buf), 0);

		assert_int_equal(n, 12);
		assert_memory_equal(buf, "old contents", 12);
	}
	close(reader);
	assert_int_equal(stat(s->path, &after), 0);
	assert_true(before.st_ino != after.st_ino);
	assert_file_holds(s->path, "new");
	assert_dir_holds(s->dir, "target");
}

static void exclusive_never_replaces(void **state)
{
	struct scratch *s = *state;
	struct dw_error err = { 0 };

	assert_int_equal(dw_file_write_atomic(s->path, 0600, DW_FILE_EXCLUSIVE, "first", 5, &err),
	                 0);
	assert_file_holds(s->path, "first");
	assert_int_equal(dw_file_write_atomic(s->path, 0600, DW_FILE_EXCLUSIVE, "second", 6, &err),
	                 -EEXIST);
	assert_string_equal(err.file, s->path);
	assert_string_equal(err.msg, "already exists; not overwriting it");
	assert_file_holds(s->path, "first");
	assert_dir_holds(s->dir, "target");
}

static void short_writes_and_interruptions_are_retried(void **state)
{
	struct scratch *s = *state;
	struct dw_error err = { 0 };
	char data[1000];
	size_t i;

	for (i = 0; i < sizeof(data) - 1; i++)
		data[i] = (char)('a' + i % 26);
	data[sizeof(data) - 1] = '\0';
	inject.on = true;
	inject.max_chunk = 7;
	inject.eintr = true;
	assert_int_equal(dw_file_write_atomic(s->path, 0600, 0, data, sizeof(data) - 1, &err), 0);
	inject.on = false;
	/* 999 bytes at 7 a call is 143 calls, each after an EINTR */
	assert_int_equal(inject.calls, 2 * 143);
	assert_file_holds(s->path, data);
	assert_dir_holds(s->dir, "target");
}

static void a_failed_write_leaves_the_old_file_and_no_temporary(void **state)
{
	struct scratch *s = *state;
	struct dw_error err = { 0 };
	char data[1000];

	memset(data, 'x', sizeof(data));
	assert_int_equal(dw_file_write_atomic(s->path, 0600, 0, "kept", 4, &err), 0);
	inject.on = true;
	inject.max_chunk = 100;
	inject.fail_after = 250;
	assert_int_equal(dw_file_write_atomic(s->path, 0600, 0, data, sizeof(data), &err), -ENOSPC);
	inject.on = false;
	assert_string_equal(err.file, s->path);
	assert_non_null(strstr(err.msg, "could not write"));
	assert_file_holds(s->path, "kept");
	assert_dir_holds(s->dir, "target");
}

static void a_failed_rename_leaves_no_temporary(void **state)
{
	struct scratch *s = *state;
	struct dw_error err = { 0 };
	char sub[160];

	/* a directory in the way: the temporary file is written, the rename fails */
	snprintf(sub, sizeof(sub), "%s/busy", s->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(dw_file_write_atomic(sub, 0600, 0, "x", 1, &err), -EISDIR);
	assert_string_equal(err.file, sub);
	assert_non_null(strstr(err.msg, "could not replace"));
	assert_dir_holds(s->dir, "busy");
	/* and a directory that does not exist: nothing is created at all */
	dw_error_clear(&err);
	snprintf(sub, sizeof(sub), "%s/missing/target", s->dir);
	assert_int_equal(dw_file_write_atomic(sub, 0600, 0, "x", 1, &err), -ENOENT);
	assert_string_equal(err.file, sub);
	assert_dir_holds(s->dir, "busy");
}

static void files_written_in_steps_are_committed_together(void **state)
{
	struct scratch *s = *state;
	struct dw_atomic_file a, b, c;
	struct dw_error err = { 0 };
	char pb[160], pc[160];

	snprintf(pb, sizeof(pb), "%s/b", s->dir);
	snprintf(pc, sizeof(pc), "%s/c", s->dir);
	assert_int_equal(dw_atomic_file_begin(&a, s->path, 0600, 0, &err), 0);
	assert_int_equal(dw_atomic_file_write(&a, "one ", 4, &err), 0);
	assert_int_equal(dw_atomic_file_write(&a, "two", 3, &err), 0);
	assert_int_equal(dw_atomic_file_close(&a, &err), 0);
	assert_int_equal(a.fd, -1);
	assert_int_equal(dw_atomic_file_begin(&b, pb, 0600, 0, &err), 0);
	assert_int_equal(dw_atomic_file_close(&b, &err), 0);
	assert_int_equal(dw_atomic_file_begin(&c, pc, 0600, 0, &err), 0);
	/* closed and waiting: only temporary files so far */
	assert_int_equal(access(s->path, F_OK), -1);
	assert_int_equal(dw_atomic_file_commit(&a, &err), 0);
	assert_int_equal(dw_atomic_file_commit(&b, &err), 0);
	assert_int_equal(dw_atomic_file_commit(&b, &err), -EINVAL); /* once is all */
	dw_atomic_file_abort(&a);                                   /* a no-op after a commit */
	dw_atomic_file_abort(&c);                                   /* removes c's temporary file */
	dw_atomic_file_abort(&c);                                   /* and again is harmless */
	assert_file_holds(s->path, "one two");
	assert_file_holds(pb, "");
	assert_dir_holds(s->dir, "b target");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writes_the_contents_with_the_mode_asked_for, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(an_existing_file_is_replaced_whole, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(exclusive_never_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(short_writes_and_interruptions_are_retried, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(a_failed_write_leaves_the_old_file_and_no_temporary,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(a_failed_rename_leaves_no_temporary, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(files_written_in_steps_are_committed_together,
		                                setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
