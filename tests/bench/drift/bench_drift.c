/*
 * Drift evaluation benchmark: RULES rules over OBJECTS objects, in memory
 * (the store is benchmarked in tests/bench/store). Objects are spread over
 * 100 collectors, Conditional Access-shaped; rules target one collector each,
 * with a where condition and set assertions, in every expect mode. One object
 * in a hundred breaks the rules (an exclusion no variable allows), as in a
 * tenant that mostly complies. Prints the time of each phase and the peak
 * resident memory.
 *
 * stream (the default) evaluates as the objects are added, a collector at a
 * time, as `driftward drift` and `snapshot` do (dw_drift_stream_*); held
 * adds them all to a dw_bl_snapshot first, then evaluates (dw_drift_evaluate).
 *
 * DESIRED objects (default 0) also have a desired state in desired/, the
 * same as the object: every one is looked up, diffed and passes.
 *
 * usage: bench_drift RULES OBJECTS [stream|held [DESIRED]]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "driftward/baseline.h"

#define COLLECTORS 100

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const expects[] = { "any", "all", "none", "count" };

static void add_rules(struct dw_bl_files *files, unsigned nrules)
{
	char path[64], text[2048];
	unsigned i;
	int n;

	for (i = 0; i < nrules; i++) {
		const char *expect = expects[i % 4];

		n = snprintf(
		        text, sizeof(text),
		        "schema: driftward/baseline/v1\nid: bench.r%u\ntitle: Rule %u\n"
		        "severity: high\n"
		        "target: {collector: c%u, where: [{path: /state, equals: enabled}]}\n"
		        "expect: %s\n%s"
		        "assert:\n"
		        "  - {path: /conditions/users/includeUsers, contains: All}\n"
		        "  - {path: /conditions/users/excludeUsers, subsetOf: "
		        "\"${ex.users}\"}\n"
		        "  - {path: /conditions/clientAppTypes, containsAll: [exchangeActiveSync, "
		        "other]}\n"
		        "  - {path: /grantControls/builtInControls, contains: block%u}\n",
		        i, i, i % COLLECTORS, expect, i % 4 == 3 ? "count: {gte: 1}\n" : "",
		        /* none: no compliant object grants "block7" */
		        i % 4 == 2 ? 7 : i % 7);
		snprintf(path, sizeof(path), "baselines/r%05u.yaml", i);
		if (dw_bl_files_add(files, path, text, (size_t)n) < 0)
			exit(1);
	}
}

/* Where the files go: a held snapshot or a stream. */
struct sink {
	struct dw_bl_snapshot *snap;
	struct dw_drift_stream *stream;
};

static void add_file(struct sink *to, const char *path, const char *data, size_t len)
{
	int r = to->stream ? dw_drift_stream_add(to->stream, path, data, len, NULL)
	                   : dw_bl_snapshot_add(to->snap, path, data, len, NULL);

	if (r < 0)
		exit(1);
}

/* Object @i of @nobjects: its path and JSON; returns the JSON's length. */
static int object(unsigned i, unsigned nobjects, char *path, size_t plen, char *json, size_t jlen)
{
	unsigned c = i / (nobjects / COLLECTORS), k = i % (nobjects / COLLECTORS);

	snprintf(path, plen, "c%u/policy-%06u--%08x-0000-4000-8000-%012u.json", c, k, i, i);
	return snprintf(json, jlen,
	                "{\"id\":\"%08x-0000-4000-8000-%012u\",\"displayName\":\"Policy %u\","
	                "\"state\":\"%s\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"],"
	                "\"excludeUsers\":[\"u%u\"]},\"clientAppTypes\":[\"exchangeActiveSync\","
	                "\"other\"]},\"grantControls\":{\"operator\":\"OR\","
	                "\"builtInControls\":[\"block0\",\"block1\",\"block2\",\"block3\","
	                "\"block4\",\"block5\",\"block6\",\"mfa\"]}}",
	                i, i, k, k % 3 ? "enabled" : "disabled", k % 100 == 7 ? 9 : 1 + k % 2);
}

static void add_objects(struct sink *to, unsigned nobjects)
{
	char path[96], json[1024], status[8192];
	unsigned i;
	int n = 0;

	n += snprintf(status + n, sizeof(status) - (size_t)n,
	              "{\"schema\":\"driftward/status/v1\",\"tenant\":\"t\",\"collectors\":{");
	for (i = 0; i < COLLECTORS; i++)
		n += snprintf(status + n, sizeof(status) - (size_t)n,
		              "%s\"c%u\":{\"status\":\"ok\",\"objects\":%u}", i ? "," : "", i,
		              nobjects / COLLECTORS);
	n += snprintf(status + n, sizeof(status) - (size_t)n, "}}");
	add_file(to, "_status.json", status, (size_t)n);
	/* grouped by collector, as a tree walk hands them over */
	for (i = 0; i < nobjects; i++) {
		n = object(i, nobjects, path, sizeof(path), json, sizeof(json));
		add_file(to, path, json, (size_t)n);
	}
}

/* Desired state for the first @ndesired objects, as they are: each found by id and passing. */
static void add_desired(struct dw_bl_files *files, unsigned ndesired, unsigned nobjects)
{
	char path[96], dpath[128], json[1024];
	unsigned i;
	int n;

	for (i = 0; i < ndesired && i < nobjects; i++) {
		n = object(i, nobjects, path, sizeof(path), json, sizeof(json));
		snprintf(dpath, sizeof(dpath), "desired/t/%s", path);
		if (dw_bl_files_add(files, dpath, json, (size_t)n) < 0)
			exit(1);
	}
}

int main(int argc, char **argv)
{
	unsigned nrules = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000;
	unsigned nobjects = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 100000;
	bool held = argc > 3 && strcmp(argv[3], "held") == 0;
	unsigned ndesired = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 0;
	struct dw_drift_context ctx = { "t", 1800000000, "refs/heads/main", "bench" };
	struct dw_bl_files *files = dw_bl_files_new();
	struct sink to = { NULL, NULL };
	struct dw_baseline *bl = NULL;
	struct dw_drift *d = NULL;
	struct dw_drift_summary s;
	struct dw_diags diags;
	struct rusage ru;
	struct dw_buf out;
	double t0, t1, t2, t3, t4;

	dw_diags_init(&diags);
	/* in path order, as the store hands them over (files kept sorted: no resort) */
	add_rules(files, nrules);
	add_desired(files, ndesired, nobjects);
	if (dw_bl_files_add(files, "vars/default.yaml", "ex: {users: [u1, u2]}\n", 22) < 0)
		return 1;
	t0 = now();
	if (dw_baseline_compile(files, "t", &bl, &diags) < 0)
		return 1;
	t1 = now();
	if (held ? !(to.snap = dw_bl_snapshot_new())
	         : dw_drift_stream_new(bl, files, &ctx, &to.stream) < 0)
		return 1;
	add_objects(&to, nobjects);
	t2 = now();
	if (held ? dw_drift_evaluate(bl, files, to.snap, &ctx, &d, NULL) < 0
	         : dw_drift_stream_finish(to.stream, &d, NULL) < 0)
		return 1;
	t3 = now();
	dw_buf_init(&out, 1u << 30);
	if (dw_drift_write(d, DW_DRIFT_JSON, &out, NULL) < 0)
		return 1;
	t4 = now();
	dw_drift_summary(d, &s);
	getrusage(RUSAGE_SELF, &ru);
	printf("%s: %u rules x %u objects (%u desired): compile %.3f s, %s %.3f s, %s %.3f s, "
	       "drift.json %.3f s (%zu bytes); %zu pass, %zu fail; total %.3f s; "
	       "peak RSS %ld MiB\n",
	       held ? "held" : "stream", nrules, nobjects, ndesired, t1 - t0,
	       held ? "load objects" : "load and judge", t2 - t1,
	       held ? "evaluate" : "last collector and report", t3 - t2, t4 - t3, out.len,
	       s.status[DW_DRIFT_PASS], s.status[DW_DRIFT_FAIL], t4 - t0, ru.ru_maxrss / 1024);
	dw_buf_release(&out);
	dw_drift_free(d);
	dw_drift_stream_free(to.stream);
	dw_bl_snapshot_free(to.snap);
	dw_baseline_free(bl);
	dw_bl_files_free(files);
	dw_diags_release(&diags);
	return 0;
}
