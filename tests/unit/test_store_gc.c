/*
 * A store that stays compact: every run's new objects land in one pack (a
 * first import written directly, without delta search, a pack per mempack
 * budget's worth), never loose; gc
 * repacks into one pack, drops unreachable objects after the grace period,
 * refuses to run beside a transaction; the automatic gc rolls up only the
 * small recent packs; both survive SIGKILL at random moments with git fsck
 * --strict clean. The git command line is the judge.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
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
#include <git2.h>

#include "driftward/log.h"
#include "driftward/store.h"
#include "store/pack.h"
#include "test_store_helpers.h"

#define FILES 100
#define RUNS  200
#define KILLS 20

static long loose_count(const char *repo)
{
	return count("find '%s/objects' -path '*/pack' -prune -o -type f -name '??????*' -print"
	             " | grep -v '/info/' | wc -l",
	             repo);
}

/* Run @run of a tenant of FILES files: 5 of them change each run, spread out. */
static int commit_run(struct dw_store *store, long run, struct dw_error *err)
{
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	char path[64], data[512];
	int i, r;

	if ((r = dw_store_tx_begin(store, "gc", DW_STORE_TX_REPLACE, &tx, err)) < 0)
		return r;
	for (i = 0; i < FILES && r >= 0; i++) {
		long v = (i % 20 == run % 20) ? run : 0;

		snprintf(path, sizeof(path), "c%d/obj-%03d.json", i % 7, i);
		snprintf(data, sizeof(data),
		         "{\n  \"n\": %d,\n  \"v\": %ld,\n  \"pad\": \"%0200d\"\n}\n", i, v, i);
		r = dw_store_tx_stage(tx, path, data, strlen(data), err);
	}
	snprintf(data, sizeof(data), "%ld\n", run);
	if (r >= 0)
		r = dw_store_tx_stage(tx, "_run", data, strlen(data), err);
	if (r >= 0)
		r = dw_store_tx_commit(tx, "gc: a run", &res, err);
	dw_store_tx_free(tx);
	return r;
}

static void sha1_matches_libgit2(void **state)
{
	static const char abc_hex[] = "a9993e364706816aba3e25717850c26c9cd0d89d";
	unsigned char data[300], digest[20];
	char hex[41], head[32];
	struct store_sha1 s;
	git_oid want, got;
	size_t len, i;
	int n;

	(void)state;
	dw_store__sha1_init(&s);
	dw_store__sha1_update(&s, "abc", 3);
	dw_store__sha1_final(&s, digest);
	git_oid_fromraw(&got, digest);
	assert_string_equal(git_oid_tostr(hex, sizeof(hex), &got), abc_hex);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 37 + 11);
	/* every length around the block and padding boundaries, fed in two pieces */
	for (len = 0; len < sizeof(data); len++) {
		n = snprintf(head, sizeof(head), "blob %zu", len) + 1;
		dw_store__sha1_init(&s);
		dw_store__sha1_update(&s, head, (size_t)n);
		dw_store__sha1_update(&s, data, len / 3);
		dw_store__sha1_update(&s, data + len / 3, len - len / 3);
		dw_store__sha1_final(&s, digest);
		git_oid_fromraw(&got, digest);
		assert_int_equal(git_odb_hash(&want, data, len, GIT_OBJECT_BLOB), 0);
		assert_true(git_oid_equal(&want, &got));
	}
}

/*
 * 3,000 new files: over the direct writer's threshold; git reads every byte
 * back. Their 10 MiB pass the mempack's budget: a pack per budget's worth,
 * never loose objects.
 */
static void first_import_is_packed_git_reads(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_tx *tx = NULL;
	char path[64], data[8192];
	struct dw_buf out;
	size_t total = 0;
	long packs;
	int i;

	assert_int_equal(dw_store_tx_begin(fx->store, "big", 0, &tx, &fx->err), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(path, sizeof(path), "c%d/obj-%04d.json", i % 9, i);
		/* sizes up to 7 KiB, one past a stored block's 64 KiB limit below */
		memset(data, 'a' + i % 26, sizeof(data));
		assert_int_equal(
		        dw_store_tx_stage(tx, path, data, (size_t)(i * 7) % 7000, &fx->err), 0);
		total += (size_t)(i * 7) % 7000;
	}
	{
		static char big[70000];

		memset(big, 'z', sizeof(big));
		assert_int_equal(dw_store_tx_stage(tx, "big.bin", big, sizeof(big), &fx->err), 0);
	}
	if (dw_store_tx_commit(tx, "test: import", &res, &fx->err) < 0)
		fail_msg("%s", fx->err.msg);
	dw_store_tx_free(tx);
	assert_true(res.objects_written > 3000);
	assert_int_equal(loose_count(fx->s.repo), 0);
	packs = pack_count(fx->s.repo);
	assert_true(packs >= 2 && (size_t)packs <= 2 + total / STORE_MEMPACK_BUDGET);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	dw_buf_init(&out, 1 << 16);
	assert_int_equal(sh(&out, "git --git-dir='%s' show tenants/big:c5/obj-0014.json | wc -c",
	                    fx->s.repo),
	                 0);
	assert_int_equal(strtol(dw_buf_cstr(&out), NULL, 10), 98);
	dw_buf_reset(&out);
	assert_int_equal(sh(&out, "git --git-dir='%s' cat-file -s tenants/big:big.bin", fx->s.repo),
	                 0);
	assert_int_equal(strtol(dw_buf_cstr(&out), NULL, 10), 70000);
	dw_buf_release(&out);
}

/* Unreachable objects, one fresh and one three weeks old, loose and packed. */
static void add_unreachable(const char *repo)
{
	assert_int_equal(sh(NULL,
	                    "cd '%s' && a=$(echo fresh-loose | git hash-object -w --stdin) && "
	                    "b=$(echo old-loose | git hash-object -w --stdin) && "
	                    "touch -d '3 weeks ago' objects/${b%%${b#??}}/${b#??} && "
	                    "c=$(echo fresh-packed | git hash-object -w --stdin) && "
	                    "d=$(echo old-packed | git hash-object -w --stdin) && "
	                    "p=$(echo $c | git pack-objects -q objects/pack/pack) && "
	                    "q=$(echo $d | git pack-objects -q objects/pack/pack) && "
	                    "touch -d '3 weeks ago' objects/pack/pack-$q.* && "
	                    "rm objects/${c%%${c#??}}/${c#??} objects/${d%%${d#??}}/${d#??}",
	                    repo),
	                 0);
}

static int has_object(const char *repo, const char *text)
{
	return sh(NULL, "cd '%s' && git cat-file -e $(echo %s | git hash-object --stdin)", repo,
	          text) == 0;
}

static void runs_stay_packed_and_gc_compacts(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_gc_result gc;
	long run, packs_max = 0;

	for (run = 0; run < RUNS; run++) {
		assert_int_equal(commit_run(fx->store, run, &fx->err), 0);
		assert_int_equal(dw_store_gc_auto(fx->store, NULL, &gc, &fx->err), 0);
		if (pack_count(fx->s.repo) > packs_max)
			packs_max = pack_count(fx->s.repo);
	}
	print_message("200 runs: at most %ld packs, now %ld packs and %ld loose\n", packs_max,
	              pack_count(fx->s.repo), loose_count(fx->s.repo));
	assert_true(loose_count(fx->s.repo) <= 300);
	assert_true(packs_max <= 51); /* the auto trigger fires past 50 */
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	add_unreachable(fx->s.repo);
	assert_int_equal(dw_store_gc(fx->store, NULL, &gc, &fx->err), 0);
	print_message("gc: packs %zu -> %zu, loose %zu -> %zu, %zu objects, %zu pruned\n",
	              gc.packs_before, gc.packs_after, gc.loose_before, gc.loose_after, gc.objects,
	              gc.pruned);
	assert_true(gc.ran);
	/* the new pack and the fresh unreachable pack, kept for its grace period */
	assert_int_equal(pack_count(fx->s.repo), 2);
	assert_int_equal(loose_count(fx->s.repo), 1);
	assert_int_equal(gc.pruned, 2);
	assert_true(has_object(fx->s.repo, "fresh-loose") &&
	            has_object(fx->s.repo, "fresh-packed"));
	assert_false(has_object(fx->s.repo, "old-loose") || has_object(fx->s.repo, "old-packed"));
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	assert_int_equal(count("git --git-dir='%s' rev-list --count tenants/gc", fx->s.repo), RUNS);
	/* with no grace period every unreachable object goes */
	{
		struct dw_store_gc_options now = { .prune_expire = DW_STORE_PRUNE_NOW };

		assert_int_equal(dw_store_gc(fx->store, &now, &gc, &fx->err), 0);
	}
	assert_int_equal(pack_count(fx->s.repo), 1);
	assert_int_equal(loose_count(fx->s.repo), 0);
	assert_false(has_object(fx->s.repo, "fresh-loose") ||
	             has_object(fx->s.repo, "fresh-packed"));
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

/* The name of the first pack index of @repo (ls order), "" when there is none. */
static void first_pack(const char *repo, char *out, size_t outlen)
{
	struct dw_buf b;

	dw_buf_init(&b, 4096);
	assert_int_equal(sh(&b, "ls '%s/objects/pack' | grep '\\.idx$' | head -1", repo), 0);
	snprintf(out, outlen, "%.*s", (int)strcspn(dw_buf_cstr(&b), "\n"), dw_buf_cstr(&b));
	dw_buf_release(&b);
}

/*
 * The automatic gc rolls up the small recent packs and leaves the big old
 * one alone (git repack --geometric=2): four runs of 5 changes (about 13
 * objects each) roll up into one pack beside the first import (about 110
 * objects), which is not rewritten; then nothing is left to do until the
 * next four.
 */
static void auto_gc_rolls_up_recent_packs(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_gc_options limit = { .pack_limit = 4 };
	struct dw_store_gc_result gc;
	char import[128], now[128], path[PATH_MAX];
	long run;

	assert_int_equal(commit_run(fx->store, 0, &fx->err), 0);
	first_pack(fx->s.repo, import, sizeof(import));
	assert_true(import[0] != '\0');
	for (run = 1; run <= 4; run++) {
		assert_int_equal(commit_run(fx->store, run, &fx->err), 0);
		assert_int_equal(dw_store_gc_auto(fx->store, &limit, &gc, &fx->err), 0);
		assert_int_equal(gc.ran, run == 4);
	}
	print_message("roll-up: packs %zu -> %zu, %zu rolled, %zu objects\n", gc.packs_before,
	              gc.packs_after, gc.rolled, gc.objects);
	assert_int_equal(gc.packs_before, 5);
	assert_int_equal(gc.rolled, 4);
	assert_int_equal(gc.packs_after, 2);
	assert_int_equal(gc.pruned, 0);
	assert_false(gc.full);
	assert_true(gc.objects < 80); /* the four runs' objects, not the import's */
	snprintf(path, sizeof(path), "%s/objects/pack/%s", fx->s.repo, import);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	assert_int_equal(count("git --git-dir='%s' rev-list --count tenants/gc", fx->s.repo), 5);
	/* a progression already: the next auto gc below the limit has nothing to do */
	assert_int_equal(dw_store_gc_auto(fx->store, &limit, &gc, &fx->err), 0);
	assert_false(gc.ran);
	/* the full gc still packs everything into one */
	assert_int_equal(dw_store_gc(fx->store, NULL, &gc, &fx->err), 0);
	assert_int_equal(pack_count(fx->s.repo), 1);
	first_pack(fx->s.repo, now, sizeof(now));
	assert_string_not_equal(now, import);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

static void gc_gives_way_to_a_run(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_gc_options eager = { .pack_limit = 1 };
	struct dw_store_gc_result gc;
	struct dw_store *other = NULL;
	struct dw_store_tx *tx = NULL;

	assert_int_equal(commit_run(fx->store, 0, &fx->err), 0);
	assert_int_equal(commit_run(fx->store, 1, &fx->err), 0);
	assert_int_equal(dw_store_open(fx->s.repo, NULL, &other, &fx->err), 0);
	assert_int_equal(dw_store_tx_begin(other, "other", 0, &tx, &fx->err), 0);
	assert_int_equal(dw_store_gc(fx->store, NULL, &gc, &fx->err), -EBUSY);
	assert_non_null(strstr(fx->err.msg, "a run is using the state repository"));
	/* the automatic one leaves it to the next commit */
	assert_int_equal(dw_store_gc_auto(fx->store, &eager, &gc, &fx->err), 0);
	assert_false(gc.ran);
	assert_int_equal(pack_count(fx->s.repo), 2);
	dw_store_tx_free(tx);
	assert_int_equal(dw_store_gc_auto(fx->store, &eager, &gc, &fx->err), 0);
	assert_true(gc.ran);
	assert_int_equal(pack_count(fx->s.repo), 1);
	dw_store_free(other);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
}

/*
 * While a run holds the store (another transaction open, so the automatic
 * gc cannot take it exclusively), its commits still keep the packs few: the
 * small packs are compacted tier by tier beside the open transaction, which
 * then commits on top of them. Without that, every commit adds a pack.
 */
static void a_run_keeps_its_packs_few(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_commit_result res;
	struct dw_store_gc_result gc;
	struct dw_store *other = NULL;
	struct dw_store_tx *tx = NULL;
	long run, packs_max = 0, compactions = 0;

	assert_int_equal(dw_store_open(fx->s.repo, NULL, &other, &fx->err), 0);
	assert_int_equal(dw_store_tx_begin(other, "other", 0, &tx, &fx->err), 0);
	for (run = 0; run < 100; run++) {
		assert_int_equal(commit_run(fx->store, run, &fx->err), 0);
		assert_int_equal(dw_store_gc_auto(fx->store, NULL, &gc, &fx->err), 0);
		compactions += gc.ran;
		assert_false(gc.full);
		assert_int_equal(gc.pruned, 0);
		if (pack_count(fx->s.repo) > packs_max)
			packs_max = pack_count(fx->s.repo);
	}
	print_message("100 commits beside a run: at most %ld packs, %ld compactions, now %ld\n",
	              packs_max, compactions, pack_count(fx->s.repo));
	assert_true(compactions >= 5);
	assert_true(packs_max <= 2 * 16);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	assert_int_equal(count("git --git-dir='%s' rev-list --count tenants/gc", fx->s.repo), 100);
	/* the transaction that was open all along commits on the compacted store */
	assert_int_equal(dw_store_tx_stage(tx, "a.json", "{}\n", 3, &fx->err), 0);
	assert_int_equal(dw_store_tx_commit(tx, "other: a run", &res, &fx->err), 0);
	assert_true(res.committed);
	dw_store_tx_free(tx);
	dw_store_free(other);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	assert_int_equal(
	        count("git --git-dir='%s' cat-file -p tenants/other:a.json | wc -c", fx->s.repo),
	        3);
}

/*
 * A roll-up copies objects as they are: a delta stays a delta (an OFS_DELTA's
 * distance written anew, a REF_DELTA as it was), an object in two packs goes
 * in once (and a delta whose base was the second copy finds the first), and
 * the loose objects go in too. git reads the result: verify-pack, fsck and
 * every object's content.
 */
static void rollup_copies_deltas_and_duplicates(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_gc_options eager = { .pack_limit = 1 };
	struct dw_store_gc_result gc;
	struct dw_buf out;

	assert_int_equal(
	        sh(NULL,
	           "cd '%s' && seq 1 3000 >x && head -n 2990 x >z && seq 5 4000 >x2 && "
	           "head -n 3990 x2 >z2 && echo loose >y && "
	           /* more than the merge's 1 MiB read window: copied a window at a time */
	           "head -c 2500000 /dev/urandom >big && B=$(git hash-object -w big) && "
	           "X=$(git hash-object -w x) && Z=$(git hash-object -w z) && "
	           "X2=$(git hash-object -w x2) && Z2=$(git hash-object -w z2) && "
	           "git hash-object -w y >/dev/null && "
	           /* x alone, first (the smallest); then x again with z as its delta */
	           "echo $X | git pack-objects -q objects/pack/pack >/dev/null && "
	           "printf '%%s\\n' $X $Z | "
	           "git pack-objects -q --delta-base-offset objects/pack/pack >/dev/null && "
	           "printf '%%s\\n' $X2 $Z2 $X2 $B | git pack-objects -q objects/pack/pack "
	           ">/dev/null && rm -f objects/$(echo $X | cut -c1-2)/$(echo $X | cut -c3-) "
	           "objects/$(echo $Z | cut -c1-2)/$(echo $Z | cut -c3-) "
	           "objects/$(echo $X2 | cut -c1-2)/$(echo $X2 | cut -c3-) "
	           "objects/$(echo $Z2 | cut -c1-2)/$(echo $Z2 | cut -c3-) "
	           "objects/$(echo $B | cut -c1-2)/$(echo $B | cut -c3-)",
	           fx->s.repo),
	        0);
	assert_int_equal(pack_count(fx->s.repo), 3);
	assert_int_equal(loose_count(fx->s.repo), 1);
	assert_int_equal(dw_store_gc_auto(fx->store, &eager, &gc, &fx->err), 0);
	assert_true(gc.ran);
	assert_int_equal(gc.rolled, 3);
	assert_int_equal(gc.objects, 6); /* x, big, z, x2, z2 and the loose one: x once */
	assert_int_equal(pack_count(fx->s.repo), 1);
	assert_int_equal(loose_count(fx->s.repo), 0);
	dw_buf_init(&out, 4096);
	assert_int_equal(sh(&out, "cd '%s' && git verify-pack -v objects/pack/*.idx", fx->s.repo),
	                 0);
	print_message("%s", dw_buf_cstr(&out));
	assert_non_null(strstr(dw_buf_cstr(&out), "chain length = 1: 2 objects"));
	dw_buf_release(&out);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	assert_int_equal(sh(NULL,
	                    "cd '%s' && for f in x big z x2 z2 y; do "
	                    "git cat-file blob $(git hash-object $f) | cmp -s - $f || exit 1; done",
	                    fx->s.repo),
	                 0);
}

/*
 * A merge copies bytes without inflating them, so it checks each object's
 * CRC against its pack's index, as git does with data it reuses: a pack
 * with a flipped byte inside an object is refused, and nothing changes (the
 * packs stay, no new pack or temporary file is left).
 */
static void rollup_refuses_a_corrupt_pack(void **state)
{
	struct store_fixture *fx = *state;
	struct dw_store_gc_options eager = { .pack_limit = 1 };
	struct dw_store_gc_result gc;

	assert_int_equal(
	        sh(NULL,
	           "cd '%s' && seq 1 3000 >x && seq 7 3000 >x2 && "
	           "X=$(git hash-object -w x) && X2=$(git hash-object -w x2) && "
	           "echo $X | git pack-objects -q objects/pack/pack >/dev/null && "
	           "echo $X2 | git pack-objects -q objects/pack/pack >/dev/null && "
	           "rm -f objects/$(echo $X | cut -c1-2)/$(echo $X | cut -c3-) "
	           "objects/$(echo $X2 | cut -c1-2)/$(echo $X2 | cut -c3-) && "
	           /* the byte 20 into x's entry (its zlib data), flipped */
	           "P=$(ls objects/pack/pack-*.pack | while read p; do "
	           "git verify-pack -v ${p%%.pack}.idx | grep -q ^$X && echo $p; done) && "
	           "O=$(git verify-pack -v ${P%%.pack}.idx | awk -v x=$X '$1 == x {print $5}') && "
	           "chmod u+w $P && python3 -c 'import sys; f = open(sys.argv[1], \"r+b\"); "
	           "o = int(sys.argv[2]) + 20; f.seek(o); b = f.read(1); f.seek(o); "
	           "f.write(bytes([b[0] ^ 0x40]))' $P $O",
	           fx->s.repo),
	        0);
	assert_int_equal(pack_count(fx->s.repo), 2);
	assert_true(dw_store_gc_auto(fx->store, &eager, &gc, &fx->err) < 0);
	print_message("%s\n", fx->err.msg);
	assert_non_null(strstr(fx->err.msg, "CRC does not match"));
	assert_int_equal(pack_count(fx->s.repo), 2);
	assert_int_equal(count("ls '%s/objects/pack' | grep -v '^pack-' | wc -l", fx->s.repo), 0);
}

/* The child: commits and gcs in a loop until killed. */
static int gc_writer(const char *repo)
{
	struct dw_store_gc_options now = { .prune_expire = DW_STORE_PRUNE_NOW };
	struct dw_store_gc_options eager = { .prune_expire = DW_STORE_PRUNE_NOW, .pack_limit = 2 };
	struct dw_store_gc_result gc;
	struct dw_store *store = NULL;
	struct dw_error err;
	char text[1024];
	long run = count("git --git-dir='%s' show tenants/gc:_run 2>/dev/null", repo) + 1;

	dw_error_clear(&err);
	dw_log_setup(DW_LOG_WARNING, DW_LOG_FORMAT_TEXT, NULL);
	if (dw_store_open(repo, NULL, &store, &err) < 0)
		goto fail;
	/* the roll-up after every commit past two packs, a full gc every third run */
	for (;; run++)
		if (commit_run(store, run, &err) < 0 ||
		    (run % 3 ? dw_store_gc_auto(store, &eager, &gc, &err)
		             : dw_store_gc(store, &now, &gc, &err)) < 0)
			goto fail;
fail:
	fprintf(stderr, "gc writer: %s\n", dw_error_format(&err, text, sizeof(text)));
	return 2;
}

static pid_t start_writer(const char *repo, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (!freopen(log, "a", stderr))
			_exit(127);
		execl("/proc/self/exe", "test_store_gc", "writer", repo, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Every file of the branch's last run reads as that run wrote it. */
static void check_branch(const char *repo)
{
	long run = count("git --git-dir='%s' show tenants/gc:_run", repo);

	assert_true(run >= 0);
	assert_int_equal(count("git --git-dir='%s' ls-tree -r tenants/gc | wc -l", repo),
	                 FILES + 1);
	/* every object of every commit is there (fsck checks connectivity; this reads them) */
	assert_int_equal(sh(NULL,
	                    "git --git-dir='%s' rev-list --objects tenants/gc | cut -c1-40 | "
	                    "git --git-dir='%s' cat-file --batch-check | grep -q missing",
	                    repo, repo),
	                 1);
}

static void killed_gc_loses_nothing(void **state)
{
	struct store_fixture *fx = *state;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	struct timespec tick = { 0, 10 * 1000000L };
	long start, window;
	char log[160];
	int k, status;
	pid_t pid;

	printf("seed %u\n", seed);
	srand(seed);
	snprintf(log, sizeof(log), "%s/writer.log", fx->s.dir);
	assert_int_equal(commit_run(fx->store, 0, &fx->err), 0);
	/* the time a writer takes for two commit+gc rounds: kills fall within it */
	start = now_ms();
	pid = start_writer(fx->s.repo, log);
	while (count("git --git-dir='%s' show tenants/gc:_run", fx->s.repo) < 2 &&
	       now_ms() - start < 60000)
		nanosleep(&tick, NULL);
	window = now_ms() - start;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	printf("kills within %ld ms of a start\n", window);
	for (k = 0; k < KILLS; k++) {
		long ms = rand() % window + 1;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		pid = start_writer(fx->s.repo, log);
		assert_true(pid > 0);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status)) {
			sh(NULL, "cat '%s' >&2", log);
			fail_msg("the writer ended on its own (status %d)", WEXITSTATUS(status));
		}
		assert_int_equal(fsck_clean(fx->s.repo), 0);
		check_branch(fx->s.repo);
	}
	printf("runs committed: %ld, packs %ld, loose %ld\n",
	       count("git --git-dir='%s' show tenants/gc:_run", fx->s.repo), pack_count(fx->s.repo),
	       loose_count(fx->s.repo));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha1_matches_libgit2),
		cmocka_unit_test_setup_teardown(first_import_is_packed_git_reads,
		                                store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(runs_stay_packed_and_gc_compacts,
		                                store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(auto_gc_rolls_up_recent_packs, store_fixture_setup,
		                                store_fixture_teardown),
		cmocka_unit_test_setup_teardown(gc_gives_way_to_a_run, store_fixture_setup,
		                                store_fixture_teardown),
		cmocka_unit_test_setup_teardown(a_run_keeps_its_packs_few, store_fixture_setup,
		                                store_fixture_teardown),
		cmocka_unit_test_setup_teardown(rollup_copies_deltas_and_duplicates,
		                                store_fixture_setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(rollup_refuses_a_corrupt_pack, store_fixture_setup,
		                                store_fixture_teardown),
		cmocka_unit_test_setup_teardown(killed_gc_loses_nothing, store_fixture_setup,
		                                store_fixture_teardown),
	};

	if (argc == 3 && strcmp(argv[1], "writer") == 0)
		return gc_writer(argv[2]);
	git_libgit2_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
