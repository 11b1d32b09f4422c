/*
 * driftward snapshot: reads every configured collector of each tenant and
 * commits the result, with its drift reports, to the tenant's branch of the
 * state repository.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/snapshot.h"

/* What the run has told so far: the exit status and the push's outcome. */
struct snapshot_state {
	int verbosity;
	int status;
	size_t pushed, not_pushed;
};

static void print_tenant(const struct dw_snapshot_tenant *t, int verbosity)
{
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];
	size_t i;

	if (t->rc < 0) {
		dw_log_print(DW_LOG_ERROR, "driftward: %s",
		             dw_error_format(&t->err, msg, sizeof(msg)));
		return;
	}
	for (i = 0; i < t->ncollectors; i++) {
		const struct dw_snapshot_collector *sc = &t->collectors[i];

		if (dw_collector_status_incomplete(sc->status))
			dw_log_print(DW_LOG_WARNING, "%s: %s: %s (%s); its previous files are kept",
			             t->tenant->name, sc->collector->name,
			             dw_collector_status_name(sc->status), sc->detail);
	}
	if (t->drift_rc < 0)
		dw_log_print(DW_LOG_ERROR, "driftward: tenant %s: no drift report: %s",
		             t->tenant->name, dw_error_format(&t->drift_err, msg, sizeof(msg)));
	if (verbosity < 0)
		return;
	printf("%s: %s %.12s: %zu changed, %zu added, %zu removed", t->tenant->name,
	       t->committed ? "committed" : "unchanged", t->commit, t->changed, t->added,
	       t->removed);
	if (t->incomplete)
		printf("; %zu of %zu collectors incomplete", t->incomplete, t->ncollectors);
	if (t->drift_evaluated)
		printf("; drift %zu (%zu high)", t->drift.status[DW_DRIFT_FAIL],
		       t->drift.fail_by_severity[0] + t->drift.fail_by_severity[1]);
	if (t->changed_by)
		printf("; %zu Changed-By", t->changed_by);
	putchar('\n');
}

/*
 * One tenant's status: 1 it failed, or its drift could not be evaluated (or
 * a rule could not be); 2 drift found; 3 a collector was incomplete; 0 done.
 */
static int tenant_status(const struct dw_snapshot_tenant *t)
{
	if (t->rc < 0 || t->drift_rc < 0 || t->drift.status[DW_DRIFT_ERROR])
		return EXIT_ERROR;
	if (t->drift.status[DW_DRIFT_FAIL])
		return EXIT_DRIFT;
	return t->incomplete ? EXIT_INCOMPLETE : EXIT_DONE;
}

/* The worse of two statuses, ranked as driftward run ranks them: 1, then 2, then 3, then 0. */
static int worse(int a, int b)
{
	static const int rank[] = {
		[EXIT_DONE] = 0, [EXIT_INCOMPLETE] = 1, [EXIT_DRIFT] = 2, [EXIT_ERROR] = 3
	};

	return rank[b] > rank[a] ? b : a;
}

/* Each tenant is told as soon as it is done; the library keeps nothing of it afterwards. */
static void tenant_done(const struct dw_snapshot_tenant *t, void *payload)
{
	struct snapshot_state *S = payload;

	print_tenant(t, S->verbosity);
	S->status = worse(S->status, tenant_status(t));
}

/* A branch the push should have sent and did not fails its tenant (its commit stays). */
static void tenant_pushed(const struct dw_snapshot_push *p, void *payload)
{
	struct snapshot_state *S = payload;

	S->pushed += p->pushed;
	if (p->rc >= 0)
		return;
	S->not_pushed++;
	print_error(&p->err);
	S->status = EXIT_ERROR;
}

static int run_snapshot(struct cli *cli, int argc, char **argv)
{
	struct cli_tenants args = { 0 };
	struct snapshot_state state = { .verbosity = cli->verbosity, .status = EXIT_DONE };
	struct dw_snapshot_options opts = { 0 };
	struct dw_snapshot_report *report = NULL;
	struct dw_catalog *catalog = NULL;
	struct dw_config *cfg = NULL;
	struct dw_error err;
	int status = EXIT_ERROR;

	if (cli_parse_tenants("snapshot", argc, argv, &args) != 0)
		return EXIT_ERROR;
	if (cli_load_config(cli, 0, &cfg) < 0 || cli_load_catalog(cfg, &catalog) < 0)
		goto out;
	opts = (struct dw_snapshot_options){ .tenants = args.tenants,
		                             .ntenants = args.ntenants,
		                             .shard_index = args.shard_index,
		                             .shard_count = args.shard_count,
		                             .push = args.push,
		                             .tenant_done = tenant_done,
		                             .tenant_pushed = tenant_pushed,
		                             .payload = &state };
	dw_error_clear(&err);
	if (dw_snapshot_run(cfg, catalog, &opts, &report, &err) < 0) {
		print_error(&err);
		goto out;
	}
	if (args.push && cfg->agent.remote && cli->verbosity >= 0)
		printf("push: %zu branch(es) pushed, %zu not pushed\n", state.pushed,
		       state.not_pushed);
	status = state.status;
out:
	dw_snapshot_report_free(report);
	dw_catalog_free(catalog);
	dw_config_free(cfg);
	return status;
}

const struct command cmd_snapshot = {
	.name = "snapshot",
	.run = run_snapshot,
	.summary = "read tenants and commit their snapshots",
	.usage = "usage: driftward snapshot [-t TENANT]... [--shard I/N|auto/N] [--no-push]\n\n"
	         "Reads every configured collector of each tenant (or of those named with -t)\n"
	         "through Microsoft Graph and commits the canonical result to the tenant's\n"
	         "branch, tenants/NAME, of the state repository; a commit only when something\n"
	         "changed. A collector that could not be read keeps its previous files.\n\n"
	         "  -t, --tenant NAME  only this tenant (repeatable)\n"
	         "  --shard I/N        only the tenants of shard I of N (I from 0 to N-1), by a\n"
	         "                     stable hash of the tenant id; auto/N takes I from\n"
	         "                     JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's)\n"
	         "  --no-push          do not push to the configured remote\n\n"
	         "Each snapshot is judged by the baselines of the approved ref; drift.json and\n"
	         "DRIFT.md are committed with it.\n\n"
	         "Exit status, the worst over the tenants: 1 a tenant failed (or its drift could\n"
	         "not be evaluated); 2 drift found; 3 some collector was incomplete; 0 done.\n",
};
