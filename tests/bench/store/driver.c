/*
 * The store benchmark's driver: writes a synthetic tenant of N JSON-ish files
 * (~1 KB each, in DIRS directories) either through the store (one snapshot
 * transaction, timed from begin to the end of commit) or as plain files into a
 * work tree for the git command line to commit. K files (a fixed set) carry
 * version V, all others version 0, so "K=10 V=2" twice is a run with 10
 * changes followed by an unchanged run.
 *
 *   driver store REPO N DIRS K V     prints "store_s=<seconds> committed=<0|1> objects=<n>"
 *   driver files DIR N DIRS K V [changed-only]
 *   driver sim REPO N DIRS K RUNS    RUNS runs, the K files at version <run> in each, each
 *                                    commit followed by dw_store_gc_auto (what a run does)
 *   driver gc REPO                   dw_store_gc with the default grace period
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driftward/store.h"

struct spec {
	long n, dirs, k, v;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The K changed files: spread over the tenant, the same set for every run. */
static int changed(const struct spec *s, long i)
{
	long j;

	for (j = 0; j < s->k; j++)
		if ((j * 7919 + 13) % s->n == i)
			return 1;
	return 0;
}

static void path_of(const struct spec *s, long i, char *out, size_t len)
{
	snprintf(out, len, "collector%02ld/object-%06ld--%08lx-0000-4000-8000-%012lx.json",
	         i % s->dirs, i, (unsigned long)(i * 2654435761u), (unsigned long)i);
}

static size_t content(const struct spec *s, long i, char *out, size_t len)
{
	long v = changed(s, i) ? s->v : 0;
	size_t n = 0;
	int line;

	n += (size_t)snprintf(out + n, len - n,
	                      "{\n  \"@odata.type\": \"#microsoft.graph.x\",\n"
	                      "  \"displayName\": \"Object %ld\",\n"
	                      "  \"id\": \"%08lx\",\n  \"version\": %ld,\n",
	                      i, (unsigned long)i, v);
	for (line = 0; line < 26 && n < len; line++)
		n += (size_t)snprintf(out + n, len - n, "  \"setting%02d\": \"value-%ld-%d\",\n",
		                      line, (i * 31 + line) % 9973, line);
	n += (size_t)snprintf(out + n, len - n, "  \"state\": \"enabled\"\n}\n");
	return n;
}

/* The tenant's files, made before the clock starts: the store's time is its own. */
struct tenant {
	char (*paths)[96];
	char *data;
	size_t *off, *len;
};

static int make_tenant(const struct spec *s, struct tenant *t)
{
	char buf[4096];
	size_t used = 0;
	long i;

	t->paths = calloc((size_t)s->n, sizeof(*t->paths));
	t->off = calloc((size_t)s->n, sizeof(*t->off));
	t->len = calloc((size_t)s->n, sizeof(*t->len));
	t->data = malloc((size_t)s->n * sizeof(buf));
	if (!t->paths || !t->off || !t->len || !t->data)
		return -1;
	for (i = 0; i < s->n; i++) {
		path_of(s, i, t->paths[i], sizeof(t->paths[i]));
		t->len[i] = content(s, i, buf, sizeof(buf));
		t->off[i] = used;
		memcpy(t->data + used, buf, t->len[i]);
		used += t->len[i];
	}
	return 0;
}

static int run_store(const char *repo, const struct spec *s)
{
	struct dw_store_commit_result res;
	struct dw_store *store = NULL;
	struct dw_store_tx *tx = NULL;
	struct dw_error err = { 0 };
	struct tenant t = { 0 };
	char msg[256];
	double t0, tb, t1;
	long i;

	if (make_tenant(s, &t) < 0) {
		fprintf(stderr, "driver: out of memory\n");
		return 1;
	}
	t0 = now();
	if (dw_store_open(repo, NULL, &store, &err) < 0 ||
	    dw_store_tx_begin(store, "bench", DW_STORE_TX_REPLACE, &tx, &err) < 0)
		goto fail;
	tb = now();
	for (i = 0; i < s->n; i++)
		if (dw_store_tx_stage(tx, t.paths[i], t.data + t.off[i], t.len[i], &err) < 0)
			goto fail;
	t1 = now();
	snprintf(msg, sizeof(msg), "bench: %ld files, %ld at version %ld\n", s->n, s->k, s->v);
	if (dw_store_tx_commit(tx, msg, &res, &err) < 0)
		goto fail;
	dw_store_tx_free(tx);
	dw_store_free(store);
	printf("store_s=%.3f (begin %.3f, stage %.3f, commit %.3f) committed=%d objects=%zu\n",
	       now() - t0, tb - t0, t1 - tb, now() - t1, res.committed, res.objects_written);
	return 0;
fail:
	fprintf(stderr, "driver: %s\n", err.msg);
	return 1;
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror(path);
		return -1;
	}
	return close(fd);
}

static int run_files(const char *dir, const struct spec *s, int changed_only)
{
	char path[512], data[4096];
	long i;

	for (i = 0; i < s->dirs; i++) {
		snprintf(path, sizeof(path), "%s/collector%02ld", dir, i);
		mkdir(path, 0755);
	}
	for (i = 0; i < s->n; i++) {
		size_t len;
		int n;

		if (changed_only && !changed(s, i))
			continue;
		n = snprintf(path, sizeof(path), "%s/", dir);
		path_of(s, i, path + n, sizeof(path) - (size_t)n);
		len = content(s, i, data, sizeof(data));
		if (write_file(path, data, len) < 0)
			return 1;
	}
	return 0;
}

/* RUNS hourly runs of one tenant, each committed and followed by the automatic gc. */
static int run_sim(const char *repo, struct spec *s, long runs)
{
	struct dw_store_commit_result res;
	struct dw_store_gc_result gc;
	struct dw_store *store = NULL;
	struct dw_store_tx *tx = NULL;
	struct dw_error err = { 0 };
	struct tenant t = { 0 };
	double t0 = now();
	long run, i, gcs = 0, gc_objects = 0;

	if (dw_store_open(repo, NULL, &store, &err) < 0)
		goto fail;
	for (run = 1; run <= runs; run++) {
		s->v = run;
		if (make_tenant(s, &t) < 0 ||
		    dw_store_tx_begin(store, "bench", DW_STORE_TX_REPLACE, &tx, &err) < 0)
			goto fail;
		for (i = 0; i < s->n; i++)
			if (dw_store_tx_stage(tx, t.paths[i], t.data + t.off[i], t.len[i], &err) <
			    0)
				goto fail;
		if (dw_store_tx_commit(tx, "bench: a run\n", &res, &err) < 0)
			goto fail;
		dw_store_tx_free(tx);
		tx = NULL;
		free(t.paths), free(t.data), free(t.off), free(t.len);
		if (dw_store_gc_auto(store, NULL, &gc, &err) < 0)
			goto fail;
		gcs += gc.ran;
		gc_objects += (long)gc.objects; /* what the automatic gcs rewrote */
	}
	dw_store_free(store);
	printf("sim_s=%.3f runs=%ld auto_gcs=%ld auto_gc_objects=%ld\n", now() - t0, runs, gcs,
	       gc_objects);
	return 0;
fail:
	fprintf(stderr, "driver: %s\n", err.msg);
	return 1;
}

static int run_gc(const char *repo)
{
	struct dw_store_gc_result gc;
	struct dw_store *store = NULL;
	struct dw_error err = { 0 };
	double t0 = now();

	if (dw_store_open(repo, NULL, &store, &err) < 0 ||
	    dw_store_gc(store, NULL, &gc, &err) < 0) {
		fprintf(stderr, "driver: %s\n", err.msg);
		return 1;
	}
	dw_store_free(store);
	printf("gc_s=%.3f objects=%zu packs=%zu->%zu loose=%zu->%zu\n", now() - t0, gc.objects,
	       gc.packs_before, gc.packs_after, gc.loose_before, gc.loose_after);
	return 0;
}

int main(int argc, char **argv)
{
	struct spec s;

	if (argc == 3 && !strcmp(argv[1], "gc"))
		return run_gc(argv[2]);

	if (argc < 7) {
		fprintf(stderr,
		        "usage: driver store|files|sim PATH N DIRS K V|RUNS [changed-only]\n"
		        "       driver gc REPO\n");
		return 2;
	}
	s.n = strtol(argv[3], NULL, 10);
	s.dirs = strtol(argv[4], NULL, 10);
	s.k = strtol(argv[5], NULL, 10);
	s.v = strtol(argv[6], NULL, 10);
	if (s.n <= 0 || s.dirs <= 0)
		return 2;
	if (!strcmp(argv[1], "store"))
		return run_store(argv[2], &s);
	if (!strcmp(argv[1], "sim"))
		return run_sim(argv[2], &s, s.v);
	return run_files(argv[2], &s, argc > 7);
}
