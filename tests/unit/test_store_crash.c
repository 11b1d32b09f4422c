/*
 * Crash safety: a writer that commits snapshots of many files in a loop is
 * killed with SIGKILL at 50 random moments. After each kill, git fsck --strict
 * finds the repository clean, the branch names a complete commit (every file
 * of its run, with that run's contents), and the next writer is not blocked
 * by a lock. The writer is this same executable, run as "test_store_crash
 * writer REPO".
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/log.h"
#include "driftward/store.h"
#include "test_store_helpers.h"

#define NFILES 200
#define KILLS  50

/* The run that last wrote file @i as of run @run: every third run rewrites all. */
static long last_change(int i, long run)
{
	long x;

	for (x = run; x > 0; x--)
		if (x % 3 == 0 || (i + x) % 4 == 0)
			return x;
	return 0;
}

static void file_path(char *out, size_t len, int i)
{
	snprintf(out, len, "d%d/f%03d.json", i % 10, i);
}

static size_t file_data(char *out, size_t len, int i, long run)
{
	int n = snprintf(out, len, "file %d run %ld\n%0300d\n", i, run, i);

	return n < 0 ? 0 : (size_t)n;
}

static long previous_run(struct dw_store_tx *tx)
{
	struct dw_buf b;
	long run = -1;

	dw_buf_init(&b, 64);
	if (dw_store_tx_previous(tx, "_run", &b, NULL) == 0)
		run = strtol(dw_buf_cstr(&b), NULL, 10);
	dw_buf_release(&b);
	return run;
}

static int write_run(struct dw_store_tx *tx, long run, struct dw_error *err)
{
	char path[64], data[512], runid[32];
	struct dw_trailer t = { "Run-Id", runid };
	struct dw_store_commit_result res;
	struct dw_buf msg;
	int i, r = 0;

	for (i = 0; i < NFILES && r >= 0; i++) {
		file_path(path, sizeof(path), i);
		if (last_change(i, run) == run)
			r = dw_store_tx_stage(tx, path, data, file_data(data, sizeof(data), i, run),
			                      err);
		else
			r = dw_store_tx_keep(tx, path, err);
	}
	snprintf(data, sizeof(data), "%ld\n", run);
	snprintf(runid, sizeof(runid), "%ld", run);
	dw_buf_init(&msg, 4096);
	if (r >= 0)
		r = dw_store_tx_stage(tx, "_run", data, strlen(data), err);
	if (r >= 0)
		r = dw_store_message(&msg, "crash: a run", NULL, &t, 1, err);
	if (r >= 0)
		r = dw_store_tx_commit(tx, dw_buf_cstr(&msg), &res, err);
	dw_buf_release(&msg);
	return r;
}

static int writer(const char *repo)
{
	struct dw_store *store = NULL;
	struct dw_store_tx *tx = NULL;
	struct dw_error err;
	char text[1024];

	dw_error_clear(&err);
	dw_log_setup(DW_LOG_WARNING, DW_LOG_FORMAT_TEXT, NULL);
	if (dw_store_open(repo, NULL, &store, &err) < 0)
		goto fail;
	for (;;) {
		if (dw_store_tx_begin(store, "crash", DW_STORE_TX_REPLACE, &tx, &err) < 0 ||
		    write_run(tx, previous_run(tx) + 1, &err) < 0)
			goto fail;
		dw_store_tx_free(tx);
	}
fail:
	fprintf(stderr, "writer: %s\n", dw_error_format(&err, text, sizeof(text)));
	return 2;
}

/* Checks the branch with git: the commit of run R has every file as of run R. */
static void check_branch(const char *repo)
{
	struct dw_buf out;
	char expect[512], path[64];
	static const int sample[] = { 0, 1, 2, 3, 6, 7, 101, 199 };
	long run;
	size_t i;

	dw_buf_init(&out, 1 << 20);
	if (sh(&out, "git --git-dir='%s' show tenants/crash:_run 2>/dev/null", repo) != 0) {
		/* killed before the first commit: then there must be no branch at all */
		assert_int_not_equal(sh(NULL,
		                        "git --git-dir='%s' rev-parse -q --verify "
		                        "refs/heads/tenants/crash >/dev/null",
		                        repo),
		                     0);
		dw_buf_release(&out);
		return;
	}
	run = strtol(dw_buf_cstr(&out), NULL, 10);
	dw_buf_reset(&out);
	assert_int_equal(
	        sh(&out,
	           "git --git-dir='%s' log -1 '--format=%%(trailers:key=Run-Id,valueonly)' "
	           "tenants/crash",
	           repo),
	        0);
	assert_int_equal(strtol(dw_buf_cstr(&out), NULL, 10), run);
	dw_buf_reset(&out);
	assert_int_equal(
	        sh(&out, "git --git-dir='%s' ls-tree -r --name-only tenants/crash | wc -l", repo),
	        0);
	assert_int_equal(strtol(dw_buf_cstr(&out), NULL, 10), NFILES + 1);
	for (i = 0; i < DW_ARRAY_SIZE(sample); i++) {
		file_path(path, sizeof(path), sample[i]);
		file_data(expect, sizeof(expect), sample[i], last_change(sample[i], run));
		dw_buf_reset(&out);
		assert_int_equal(sh(&out, "git --git-dir='%s' show tenants/crash:%s", repo, path),
		                 0);
		assert_string_equal(dw_buf_cstr(&out), expect);
	}
	dw_buf_release(&out);
}

static pid_t start_writer(const char *repo, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* not close-on-exec: it is the writer's stderr */
		if (!freopen(log, "a", stderr))
			_exit(127);
		execl("/proc/self/exe", "test_store_crash", "writer", repo, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static long branch_run(const char *repo)
{
	struct dw_buf out;
	long run = -1;

	dw_buf_init(&out, 64);
	if (sh(&out, "git --git-dir='%s' show tenants/crash:_run 2>/dev/null", repo) == 0)
		run = strtol(dw_buf_cstr(&out), NULL, 10);
	dw_buf_release(&out);
	return run;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * How long a writer takes to start and commit two runs on this machine, now
 * (sanitizers and a busy machine make it vary tenfold): the kills fall at
 * random within that time, so they hit every phase and runs still progress.
 */
static long calibrate(const char *repo, const char *log)
{
	long start = now_ms(), first = branch_run(repo), elapsed;
	pid_t pid = start_writer(repo, log);
	struct timespec tick = { 0, 10 * 1000000L };
	int status;

	assert_true(pid > 0);
	while (branch_run(repo) < first + 2 && now_ms() - start < 60000)
		nanosleep(&tick, NULL);
	elapsed = now_ms() - start;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(elapsed < 60000);
	return elapsed < 50 ? 50 : elapsed;
}

static void killed_writer_leaves_a_consistent_repository(void **state)
{
	struct scratch s;
	struct dw_buf out;
	char log[160];
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	long window;
	int k, status;

	(void)state;
	printf("seed %u\n", seed);
	srand(seed);
	assert_int_equal(scratch_make(&s, 1), 0);
	snprintf(log, sizeof(log), "%s/writer.log", s.dir);
	dw_buf_init(&out, 1 << 20);
	window = calibrate(s.repo, log);
	printf("kills within %ld ms of a start\n", window);
	for (k = 0; k < KILLS; k++) {
		pid_t pid = start_writer(s.repo, log);
		long ms = rand() % window + 1;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		assert_true(pid > 0);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status)) {
			sh(NULL, "cat '%s' >&2", log);
			fail_msg("the writer ended on its own (status %d): a lock or error stopped "
			         "it",
			         WEXITSTATUS(status));
		}
		assert_int_equal(fsck_clean(s.repo), 0);
		check_branch(s.repo);
		if (k == 0)
			assert_true(branch_run(s.repo) >= 1); /* the calibration's runs are there */
	}
	/* the runs went on from kill to kill (how far depends on the machine's load) */
	assert_int_equal(sh(&out, "git --git-dir='%s' show tenants/crash:_run", s.repo), 0);
	printf("runs committed: %ld\n", strtol(dw_buf_cstr(&out), NULL, 10) + 1);
	assert_true(strtol(dw_buf_cstr(&out), NULL, 10) >= 5);
	/* and some kill caught a writer holding its lock, which the next one cleared */
	assert_int_equal(sh(NULL, "grep -q 'cleared the lock of pid' '%s'", log), 0);
	dw_buf_release(&out);
	scratch_remove(&s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(killed_writer_leaves_a_consistent_repository),
	};

	if (argc == 3 && strcmp(argv[1], "writer") == 0)
		return writer(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
