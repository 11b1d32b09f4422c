/*
 * Reads every collector listed on stdin ("VERSION PATH list|singleton" per
 * line) of one tenant through the Graph client, all at once, and prints what
 * it took: wall time, requests, the longest chain of pages. bench.sh builds
 * it against the library, runs it against the emulator and computes the bound.
 *
 * usage: graph-bench BASE_URL CA_FILE TENANT_ID CLIENT_ID SECRET CONCURRENCY
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driftward/graph.h"

#define MAX_COLLECTORS 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_list(char paths[][256], char versions[][8], int singleton[], size_t *n)
{
	char line[512], kind[16];

	*n = 0;
	while (*n < MAX_COLLECTORS && fgets(line, sizeof(line), stdin))
		if (sscanf(line, "%7s %255s %15s", versions[*n], paths[*n], kind) == 3) {
			singleton[*n] = strcmp(kind, "singleton") == 0;
			(*n)++;
		}
	return *n > 0 ? 0 : -1;
}

static void options(struct dw_graph_options *o, char **argv)
{
	dw_graph_options_init(o);
	o->graph_url = argv[1];
	o->login_url = argv[1];
	o->ca_file = argv[2];
	o->concurrency = (unsigned)strtoul(argv[6], NULL, 10);
	o->tenant_concurrency = o->concurrency;
}

int main(int argc, char **argv)
{
	static char paths[MAX_COLLECTORS][256], versions[MAX_COLLECTORS][8];
	static struct dw_graph_op ops[MAX_COLLECTORS];
	int singleton[MAX_COLLECTORS];
	struct dw_graph_credential cred = { .name = "bench" };
	struct dw_graph_options o;
	struct dw_graph_stats before, after;
	struct dw_graph_tenant *t = NULL;
	struct dw_graph *g = NULL;
	struct dw_error err;
	size_t i, n, warm_n, objects = 0, chain = 0, failed = 0;
	double t0, t1;

	if (argc != 7 || read_list(paths, versions, singleton, &n) < 0) {
		fprintf(stderr,
		        "usage: graph-bench BASE CA TENANT CLIENT SECRET CONCURRENCY <list\n");
		return 2;
	}
	options(&o, argv);
	cred.tenant_id = argv[3];
	cred.client_id = argv[4];
	dw_error_clear(&err);
	if (dw_secret_new(&cred.secret, argv[5], strlen(argv[5])) < 0 ||
	    dw_graph_new(&o, &g, &err) < 0 || dw_graph_tenant_new(g, &cred, &t, &err) < 0) {
		fprintf(stderr, "graph-bench: %s\n", err.msg);
		return 1;
	}
	/*
	 * Outside the measured part: the token, and with WARM_CONNECTIONS set,
	 * as many connections as requests may run at once (a long run keeps them).
	 */
	warm_n = getenv("WARM_CONNECTIONS") ? o.concurrency : 1;
	for (i = 0; i < warm_n; i++) {
		dw_graph_op_init(&ops[i], DW_GRAPH_SINGLETON, "v1.0",
		                 "/policies/authorizationPolicy", NULL);
		if (dw_graph_submit(t, &ops[i]) < 0)
			return 1;
		if (i == 0 && dw_graph_run(g, &err) < 0)
			return 1;
	}
	if (dw_graph_run(g, &err) < 0)
		return 1;
	for (i = 0; i < warm_n; i++) {
		if (ops[i].outcome) {
			fprintf(stderr, "graph-bench: warm-up failed: %s\n", ops[i].error.msg);
			return 1;
		}
		dw_graph_op_release(&ops[i]);
	}
	dw_graph_stats(g, &before);
	t0 = now();
	for (i = 0; i < n; i++) {
		dw_graph_op_init(&ops[i], singleton[i] ? DW_GRAPH_SINGLETON : DW_GRAPH_LIST,
		                 versions[i], paths[i], NULL);
		if (dw_graph_submit(t, &ops[i]) < 0)
			return 1;
	}
	if (dw_graph_run(g, &err) < 0) {
		fprintf(stderr, "graph-bench: %s\n", err.msg);
		return 1;
	}
	t1 = now();
	dw_graph_stats(g, &after);
	for (i = 0; i < n; i++) {
		if (ops[i].outcome != DW_GRAPH_OK) {
			fprintf(stderr, "graph-bench: %s\n", ops[i].error.msg);
			failed++;
		}
		objects += ops[i].nobjects;
		chain = ops[i].requests > chain ? ops[i].requests : chain;
		dw_graph_op_release(&ops[i]);
	}
	printf("collectors=%zu objects=%zu requests=%lu chain=%zu wall=%.3f retries=%lu "
	       "failed=%zu\n",
	       n, objects, after.requests - before.requests, chain, t1 - t0,
	       after.retries - before.retries, failed);
	dw_graph_free(g);
	return failed ? 1 : 0;
}
