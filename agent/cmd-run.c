/*
 * driftward run: what the timer starts. Snapshots the tenants (commit, with
 * their drift reports, and push), notifies, remediates (remediate = plan |
 * apply), then writes the metrics, prints one summary line per tenant and
 * exits with the worst status over them (DESIGN.md section 8).
 *
 * A tenant whose lock is held by a run still going (flock: the holder is
 * alive) is skipped, not queued behind it and not counted as an error: the
 * run holding it reports that tenant. When every tenant is skipped the run
 * says so and leaves the metrics file to the run that holds them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/metrics.h"
#include "driftward/notify.h"
#include "driftward/restore.h"
#include "driftward/snapshot.h"
#include "driftward/store.h"

#define MAX_TENANT_ARGS   256
#define METRICS_NAME_MAX  200
#define METRICS_BASE_NAME "driftward"

struct run_args {
	const char *tenants[MAX_TENANT_ARGS];
	size_t ntenants;
	unsigned shard_index, shard_count;
	int push;
};

/* What the run made of each tenant, beside the snapshot's report. */
struct run_tenant {
	enum dw_metrics_result result;
	bool drift_evaluated;
	bool drift_found;  /* a finding failed (not waived) */
	bool drift_failed; /* no report (the rules do not compile), or a rule in error */
	unsigned long findings[DW_METRICS_SEVERITIES][DW_METRICS_FINDINGS];
	struct dw_restore_remediation remediation; /* remediate = plan | apply */
};

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option options[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "shard", required_argument, NULL, 's' },
		{ "no-push", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->push = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:t:", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (a->ntenants == MAX_TENANT_ARGS)
				return usage_error("run", "too many -t options");
			a->tenants[a->ntenants++] = optarg;
			break;
		case 's':
			if (cli_parse_shard("run", optarg, &a->shard_index, &a->shard_count) < 0)
				return EXIT_ERROR;
			break;
		case 'P':
			a->push = 0;
			break;
		case ':':
			return usage_error("run", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("run", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A tenant whose lock a live run holds (the store's flock answer, not a git ref lock). */
static bool locked_by_other_run(const struct dw_snapshot_tenant *t)
{
	return t->rc == -EBUSY && t->err.area == DW_AREA_SYSTEM && t->err.code == EBUSY;
}

static enum dw_metrics_result tenant_result(const struct dw_snapshot_tenant *t,
                                            const struct run_tenant *rt)
{
	if (locked_by_other_run(t))
		return DW_METRICS_SKIPPED;
	if (t->rc < 0 || rt->drift_failed)
		return DW_METRICS_ERROR;
	if (rt->drift_found)
		return DW_METRICS_DRIFT;
	return t->incomplete ? DW_METRICS_INCOMPLETE : DW_METRICS_OK;
}

/* Exit status of one result; over tenants the worst wins: 1, then 2, then 3, then 0. */
static int result_status(enum dw_metrics_result result)
{
	switch (result) {
	case DW_METRICS_ERROR:
		return EXIT_ERROR;
	case DW_METRICS_DRIFT:
		return EXIT_DRIFT;
	case DW_METRICS_INCOMPLETE:
		return EXIT_INCOMPLETE;
	default:
		return EXIT_DONE;
	}
}

static int worse(int a, int b)
{
	static const int rank[] = {
		[EXIT_DONE] = 0, [EXIT_INCOMPLETE] = 1, [EXIT_DRIFT] = 2, [EXIT_ERROR] = 3
	};

	return rank[b] > rank[a] ? b : a;
}

/*
 * The metrics file's name says which tenants the run covered, so runs of
 * different selections (driftward.service and driftward@contoso.service, or
 * the shards of a sharded deployment) do not overwrite each other's file:
 * "driftward", "driftward@contoso", "driftward@a+b", "driftward-shard-2-of-8".
 */
static int metrics_name(const struct run_args *a, char *out, size_t outlen)
{
	size_t i, len;

	len = (size_t)snprintf(out, outlen, "%s", METRICS_BASE_NAME);
	if (a->shard_count > 1)
		len += (size_t)snprintf(out + len, outlen - len, "-shard-%u-of-%u", a->shard_index,
		                        a->shard_count);
	for (i = 0; i < a->ntenants && len < outlen; i++)
		len += (size_t)snprintf(out + len, outlen - len, "%c%s", i ? '+' : '@',
		                        a->tenants[i]);
	return len < outlen ? 0 : -ENAMETOOLONG;
}

static void fill_collectors(const struct dw_snapshot_tenant *t, struct dw_metrics_collector *out)
{
	size_t i;

	for (i = 0; i < t->ncollectors; i++) {
		const struct dw_snapshot_collector *sc = &t->collectors[i];

		out[i] = (struct dw_metrics_collector){
			.name = sc->collector->name,
			.status = dw_collector_status_name(sc->status),
			.complete = !dw_collector_status_incomplete(sc->status),
			.objects = sc->objects,
		};
	}
}

static enum dw_metrics_push push_result(const struct dw_config *cfg, const struct run_args *a,
                                        const struct dw_snapshot_tenant *t)
{
	if (!a->push || !cfg->agent.remote)
		return DW_METRICS_PUSH_DISABLED;
	return t->pushed ? DW_METRICS_PUSH_OK : DW_METRICS_PUSH_FAILED;
}

static void fill_remediation(const struct dw_restore_remediation *rm, struct dw_metrics_tenant *out)
{
	static const char *const modes[] = {
		[DW_REMEDIATE_PLAN] = "plan", [DW_REMEDIATE_APPLY] = "apply"
	};
	static const enum dw_metrics_remediation results[DW_REMEDIATE_OUTCOMES] = {
		[DW_REMEDIATE_NOT_RUN] = DW_METRICS_REMEDIATE_NONE,
		[DW_REMEDIATE_NOTHING] = DW_METRICS_REMEDIATE_NOTHING,
		[DW_REMEDIATE_PLANNED] = DW_METRICS_REMEDIATE_PLANNED,
		[DW_REMEDIATE_APPLIED] = DW_METRICS_REMEDIATE_APPLIED,
		[DW_REMEDIATE_REFUSED] = DW_METRICS_REMEDIATE_REFUSED,
		[DW_REMEDIATE_FAILED] = DW_METRICS_REMEDIATE_FAILED,
	};

	if (rm->mode <= DW_REMEDIATE_OFF || (size_t)rm->mode >= DW_ARRAY_SIZE(modes))
		return;
	out->remediate_mode = modes[rm->mode];
	out->remediate_result = results[rm->outcome];
	out->remediate_requests = rm->requests;
	out->remediate_applied = rm->applied;
	out->remediate_failed = rm->failed;
}

/* One tenant's metrics; the times a failed or skipped tenant lacks come from the previous file. */
static void fill_tenant(const struct dw_config *cfg, const struct run_args *a, double start,
                        const struct dw_snapshot_tenant *t, const struct run_tenant *rt,
                        struct dw_metrics_tenant *out)
{
	bool done = rt->result != DW_METRICS_SKIPPED && rt->result != DW_METRICS_ERROR;

	*out = (struct dw_metrics_tenant){
		.name = t->tenant->name,
		.result = rt->result,
		.last_run = rt->result == DW_METRICS_SKIPPED ? 0 : start,
		.last_success = done ? start : 0,
		.added = t->added,
		.changed = t->changed,
		.removed = t->removed,
		.ncollectors = t->ncollectors,
		.drift_evaluated = rt->drift_evaluated,
		.push = push_result(cfg, a, t),
	};
	memcpy(out->findings, rt->findings, sizeof(out->findings));
	fill_remediation(&rt->remediation, out);
}

/* Graph's answers by status class, and the requests that got none. */
static void answer_classes(const struct dw_graph_stats *g, struct dw_metrics_run *run)
{
	size_t i;

	run->have_classes = true;
	for (i = 0; i < g->nstatus; i++)
		run->by_class[dw_metrics_http_class(g->by_status[i].status)] +=
		        g->by_status[i].count;
	run->by_class[dw_metrics_http_class(0)] += g->no_answer;
}

static int write_metrics(const struct dw_config *cfg, const struct run_args *a,
                         const struct dw_snapshot_report *report, const struct run_tenant *rts,
                         const struct dw_metrics_notify *notified, double start, double duration)
{
	struct dw_metrics_run run = { .start = start,
		                      .duration = duration,
		                      .requests = report->requests,
		                      .throttled = report->throttled,
		                      .retries = report->retries,
		                      .notify = notified,
		                      .nnotify = notified ? cfg->nnotify : 0 };
	struct dw_metrics_tenant *tenants = calloc(report->ntenants + 1, sizeof(*tenants));
	struct dw_metrics_collector *collectors = NULL;
	char name[METRICS_NAME_MAX + 1];
	size_t i, n = 0;
	struct dw_error err;
	int r = -ENOMEM;

	dw_error_clear(&err);
	answer_classes(&report->graph, &run);
	run.retry_wait = (double)report->graph.retry_wait_ms / 1000.0;
	for (i = 0; i < report->ntenants; i++)
		n += report->tenants[i].ncollectors;
	if (!tenants || !(collectors = calloc(n + 1, sizeof(*collectors))))
		goto out;
	if ((r = metrics_name(a, name, sizeof(name))) < 0) {
		fprintf(stderr, "driftward: too many tenants named to name the metrics file\n");
		goto out;
	}
	for (i = 0, n = 0; i < report->ntenants; i++) {
		fill_tenant(cfg, a, start, &report->tenants[i], &rts[i], &tenants[i]);
		fill_collectors(&report->tenants[i], collectors + n);
		tenants[i].collectors = collectors + n;
		n += report->tenants[i].ncollectors;
	}
	run.tenants = tenants;
	run.ntenants = report->ntenants;
	if ((r = dw_metrics_carry_over(cfg->agent.metrics_dir, name, tenants, run.ntenants)) < 0)
		fprintf(stderr, "driftward: could not read the previous metrics: %s\n",
		        strerror(-r));
	if ((r = dw_metrics_write(cfg->agent.metrics_dir, name, &run, &err)) < 0)
		print_error(&err);
out:
	if (r == -ENOMEM)
		fprintf(stderr, "driftward: out of memory writing the metrics\n");
	free(collectors);
	free(tenants);
	return r;
}

static void print_incomplete(const struct dw_snapshot_tenant *t)
{
	size_t i;

	for (i = 0; i < t->ncollectors; i++) {
		const struct dw_snapshot_collector *sc = &t->collectors[i];

		if (dw_collector_status_incomplete(sc->status))
			fprintf(stderr, "%s: %s: %s (%s); its previous files are kept\n",
			        t->tenant->name, sc->collector->name,
			        dw_collector_status_name(sc->status), sc->detail);
	}
}

static const char *const result_words[] = {
	[DW_METRICS_OK] = "ok",
	[DW_METRICS_DRIFT] = "drift found",
	[DW_METRICS_INCOMPLETE] = "incomplete",
	[DW_METRICS_ERROR] = "failed",
	[DW_METRICS_SKIPPED] = "skipped",
};

/* The tenant's one summary line: stdout when it was done, stderr when it failed. */
static void print_summary(const struct dw_snapshot_tenant *t, const struct run_tenant *rt,
                          int verbosity)
{
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];
	const char *holder;
	bool remediated = rt->remediation.outcome != DW_REMEDIATE_NOT_RUN;

	if (rt->result == DW_METRICS_ERROR && t->rc < 0) {
		fprintf(stderr, "driftward: %s\n", dw_error_format(&t->err, msg, sizeof(msg)));
		return;
	}
	if (t->drift_rc < 0)
		fprintf(stderr, "driftward: tenant %s: no drift report: %s\n", t->tenant->name,
		        dw_error_format(&t->drift_err, msg, sizeof(msg)));
	else if (rt->drift_failed)
		fprintf(stderr,
		        "driftward: tenant %s: %zu rules could not be evaluated (see its "
		        "DRIFT.md)\n",
		        t->tenant->name, t->drift.status[DW_DRIFT_ERROR]);
	print_incomplete(t);
	if (verbosity < 0)
		return;
	if (rt->result == DW_METRICS_SKIPPED) {
		/* the store says "tenant T is locked by pid N on HOST since TIME" */
		holder = strstr(t->err.msg, "locked by ");
		printf("%s: skipped: %s (a previous run is still going)\n", t->tenant->name,
		       holder ? holder : dw_error_format(&t->err, msg, sizeof(msg)));
		return;
	}
	printf("%s: %s; %s %.12s: %zu changed, %zu added, %zu removed", t->tenant->name,
	       result_words[rt->result], t->committed ? "committed" : "unchanged", t->commit,
	       t->changed, t->added, t->removed);
	if (t->incomplete)
		printf("; %zu of %zu collectors incomplete", t->incomplete, t->ncollectors);
	if (t->drift_evaluated)
		printf("; drift %zu (%zu high)", t->drift.status[DW_DRIFT_FAIL],
		       t->drift.fail_by_severity[0] + t->drift.fail_by_severity[1]);
	if (remediated)
		printf("; %s", dw_restore_remediation_describe(&rt->remediation, msg, sizeof(msg)));
	printf("%s\n", t->pushed ? "; pushed" : "");
}

/*
 * The snapshot evaluated each tenant's drift over the files it committed
 * (lib/src/snapshot/drift.c); its findings by severity and status go to the
 * metrics, and drift decides the result and the exit status.
 */
static void take_drift(const struct dw_snapshot_tenant *t, struct run_tenant *rt)
{
	static const enum dw_drift_status to_drift[DW_METRICS_FINDINGS] = {
		[DW_METRICS_FAIL] = DW_DRIFT_FAIL,
		[DW_METRICS_WAIVED] = DW_DRIFT_WAIVED,
		[DW_METRICS_UNKNOWN] = DW_DRIFT_UNKNOWN,
		[DW_METRICS_FINDING_ERROR] = DW_DRIFT_ERROR,
	};
	size_t s, f;

	rt->drift_failed = t->rc == 0 && (t->drift_rc < 0 || t->drift.status[DW_DRIFT_ERROR]);
	rt->drift_evaluated = t->rc == 0 && t->drift_evaluated;
	if (!rt->drift_evaluated)
		return;
	rt->drift_found = t->drift.status[DW_DRIFT_FAIL] > 0;
	for (s = 0; s < DW_METRICS_SEVERITIES; s++)
		for (f = 0; f < DW_METRICS_FINDINGS; f++)
			rt->findings[s][f] = t->drift.by_severity[s][to_drift[f]];
}

static void judge_tenants(const struct dw_snapshot_report *report, struct run_tenant *rts,
                          size_t *skipped)
{
	size_t i;

	*skipped = 0;
	for (i = 0; i < report->ntenants; i++) {
		take_drift(&report->tenants[i], &rts[i]);
		rts[i].result = tenant_result(&report->tenants[i], &rts[i]);
		if (rts[i].result == DW_METRICS_SKIPPED)
			++*skipped;
	}
}

/*
 * On a terminal, a line saying what the run is doing, replaced in place and
 * erased at the end; under a timer (stderr is the journal or a file) none.
 * The snapshot library reports no progress from inside a run yet, so the
 * line names the tenants, not the collector being read.
 */
static bool progress_wanted(int verbosity)
{
	return verbosity >= 0 && isatty(STDERR_FILENO);
}

static void progress_show(const struct dw_config *cfg, const struct run_args *a)
{
	const struct dw_tenant_config **tenants = NULL;
	size_t n = 0;

	if (dw_snapshot_select(cfg, a->tenants, a->ntenants, a->shard_index, a->shard_count,
	                       &tenants, &n, NULL) < 0)
		n = 0;
	if (n == 1)
		fprintf(stderr, "\rdriftward: reading tenant %s...", tenants[0]->name);
	else if (n > 1)
		fprintf(stderr, "\rdriftward: reading %zu tenants...", n);
	free(tenants);
}

static void progress_clear(void)
{
	fputs("\r\033[K", stderr);
}

static int run_tenants(const struct dw_config *cfg, const struct dw_catalog *catalog,
                       const struct run_args *a, struct dw_snapshot_report **report,
                       struct dw_error *err)
{
	struct dw_snapshot_options opts = { .tenants = a->tenants,
		                            .ntenants = a->ntenants,
		                            .shard_index = a->shard_index,
		                            .shard_count = a->shard_count,
		                            .push = a->push };

	return dw_snapshot_run(cfg, catalog, &opts, report, err);
}

/*
 * After drift: each [notify NAME] channel hears what opened and cleared in
 * the tenants' drift reports (docs/notifications.md). A failed send is
 * counted and tried again by the next run; it never fails the run.
 */
static void notify_tenants(const struct dw_config *cfg, const struct dw_snapshot_report *report,
                           const struct run_tenant *rts, struct dw_metrics_notify *channels)
{
	struct dw_notify_counts all, one;
	struct dw_notify *n = NULL;
	struct dw_store *store = NULL;
	struct dw_error err;
	size_t i;

	dw_error_clear(&err);
	if (!cfg->nnotify || dw_notify_new(cfg, &n, &err) < 0 ||
	    dw_store_open(cfg->agent.state_repo, NULL, &store, &err) < 0)
		goto out;
	for (i = 0; i < report->ntenants; i++) {
		if (rts[i].result == DW_METRICS_SKIPPED || rts[i].result == DW_METRICS_ERROR)
			continue;
		dw_error_clear(&err);
		if (dw_notify_tenant(n, store, report->tenants[i].tenant->name, &err) < 0)
			fprintf(stderr, "driftward: tenant %s: notifications: %s\n",
			        report->tenants[i].tenant->name, err.msg);
	}
	/* per channel, for the metrics (cfg->notify's order) */
	for (i = 0; channels && i < cfg->nnotify; i++) {
		dw_notify_channel_counts(n, i, &one);
		channels[i].sent = one.sent;
		channels[i].failed = one.failed;
		channels[i].retries = one.retries;
	}
	dw_notify_counts(n, &all);
	if (all.failed)
		fprintf(stderr,
		        "driftward: %lu notification(s) not sent; the next run tries again\n",
		        all.failed);
out:
	if (dw_error_isset(&err) && !store)
		print_error(&err);
	dw_store_free(store);
	dw_notify_free(n);
}

/*
 * Remediation (remediate = plan | apply, docs/restore.md), after the
 * snapshots and their notifications: the library plans or applies per
 * tenant, and what it committed goes to the remote in one more push. A
 * refused or failed remediation is exit status 1 for its tenant.
 */
static int remediate_tenants(const struct dw_config *cfg, const struct dw_catalog *catalog,
                             const struct run_args *a, const struct dw_snapshot_report *report,
                             struct run_tenant *rts)
{
	char who[64], msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];
	struct dw_restore_remediator *m = NULL;
	struct dw_error err;
	size_t i;
	int status = EXIT_DONE;

	dw_error_clear(&err);
	snprintf(who, sizeof(who), "driftward run (uid %u)", (unsigned)getuid());
	if (dw_restore_remediator_new(cfg, catalog, who, &m, &err) < 0) {
		print_error(&err);
		return EXIT_ERROR;
	}
	for (i = 0; i < report->ntenants; i++) {
		struct dw_restore_remediation *rm = &rts[i].remediation;

		if (dw_restore_remediate(m, &report->tenants[i], rm) < 0) {
			fprintf(stderr, "driftward: tenant %s: remediate: %s\n", rm->tenant,
			        dw_error_format(&rm->err, msg, sizeof(msg)));
			status = EXIT_ERROR;
		}
	}
	if (a->push && dw_restore_remediate_push(m, &err) < 0) {
		dw_error_prefix(&err, "remediation's commits were not pushed (the next run pushes "
		                      "them)");
		print_error(&err);
		status = EXIT_ERROR;
	}
	dw_restore_remediator_free(m);
	return status;
}

static int finish(struct cli *cli, const struct dw_config *cfg, const struct dw_catalog *catalog,
                  const struct run_args *a, const struct dw_snapshot_report *report,
                  struct run_tenant *rts, double start, double mono_start)
{
	struct dw_metrics_notify *notified = calloc(cfg->nnotify + 1, sizeof(*notified));
	size_t i, skipped;
	int status = EXIT_DONE;
	double duration;

	for (i = 0; notified && i < cfg->nnotify; i++)
		notified[i].channel = cfg->notify[i].name;
	judge_tenants(report, rts, &skipped);
	notify_tenants(cfg, report, rts, notified);
	status = remediate_tenants(cfg, catalog, a, report, rts);
	for (i = 0; i < report->ntenants; i++) {
		print_summary(&report->tenants[i], &rts[i], cli->verbosity);
		status = worse(status, result_status(rts[i].result));
	}
	if (report->ntenants && skipped == report->ntenants) {
		if (cli->verbosity >= 0)
			printf("driftward: every tenant is locked by a run still going; nothing "
			       "done, the metrics are left to that run\n");
		goto out;
	}
	/* to the millisecond: the metric has no use for the clock's noise */
	duration = (double)(long long)((now_mono() - mono_start) * 1000.0) / 1000.0;
	if (cfg->agent.metrics_dir &&
	    write_metrics(cfg, a, report, rts, notified, start, duration) < 0)
		status = EXIT_ERROR;
out:
	free(notified);
	return status;
}

static int run_run(struct cli *cli, int argc, char **argv)
{
	struct run_args args = { 0 };
	struct dw_snapshot_report *report = NULL;
	struct dw_catalog *catalog = NULL;
	struct dw_config *cfg = NULL;
	struct run_tenant *rts = NULL;
	double start = now_real(), mono_start = now_mono();
	bool progress = progress_wanted(cli->verbosity);
	struct dw_error err;
	int r, status = EXIT_ERROR;

	if (parse_args(argc, argv, &args) != 0)
		return EXIT_ERROR;
	if (cli_load_config(cli, 0, &cfg) < 0 || cli_load_catalog(cfg, &catalog) < 0)
		goto out;
	if (progress)
		progress_show(cfg, &args);
	dw_error_clear(&err);
	r = run_tenants(cfg, catalog, &args, &report, &err);
	if (progress)
		progress_clear();
	if (r < 0) {
		print_error(&err);
		goto out;
	}
	rts = calloc(report->ntenants + 1, sizeof(*rts));
	if (!rts) {
		fprintf(stderr, "driftward: out of memory\n");
		goto out;
	}
	status = finish(cli, cfg, catalog, &args, report, rts, start, mono_start);
out:
	free(rts);
	dw_snapshot_report_free(report);
	dw_catalog_free(catalog);
	dw_config_free(cfg);
	return status;
}

const struct command cmd_run = {
	.name = "run",
	.run = run_run,
	.summary = "snapshot, commit, push and write metrics: what the timer runs",
	.usage = "usage: driftward run [-t TENANT]... [--shard I/N] [--no-push]\n\n"
	         "Snapshots each tenant (or those named with -t) and commits and pushes the\n"
	         "result as 'driftward snapshot' does, notifies, remediates the tenants with\n"
	         "remediate = plan (a plan.json and PLAN.md on the branch) or apply (approved\n"
	         "desired state applied, as 'driftward apply' does), then writes the metrics\n"
	         "to metrics_dir and prints one line per tenant. A tenant whose previous run\n"
	         "is still going (its lock is held) is skipped, not waited for.\n\n"
	         "  -t, --tenant NAME  only this tenant (repeatable)\n"
	         "  --shard I/N        only the tenants of shard I of N (I from 0 to N-1)\n"
	         "  --no-push          do not push to the configured remote\n\n"
	         "Exit status, the worst over the tenants: 1 a tenant failed, its drift could\n"
	         "not be evaluated, its remediation was refused (not approved) or failed, or\n"
	         "the metrics could not be written; 2 drift found (also when remediate = apply\n"
	         "put it right); 3 some collector was incomplete; 0 done (a skipped tenant\n"
	         "counts as done).\n",
};
