/*
 * driftward run: what the timer starts. Snapshots the tenants (commit, with
 * their drift reports, and push); each tenant, as soon as it is done, is
 * judged, notified and printed (one summary line) and leaves a small record
 * for the metrics, which are written at the end; the tenants with remediate =
 * plan | apply are remediated once every snapshot is done; the run exits with
 * the worst status over the tenants (DESIGN.md section 8). Nothing else of a
 * tenant is kept once it is done, so memory stays flat in the number of
 * tenants.
 *
 * A tenant whose lock is held by a run still going (flock: the holder is
 * alive) is skipped, not queued behind it and not counted as an error: the
 * run holding it reports that tenant. When every tenant is skipped the run
 * says so and leaves the metrics file to the run that holds them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/array.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/metrics.h"
#include "driftward/notify.h"
#include "driftward/restore.h"
#include "driftward/snapshot.h"
#include "driftward/store.h"

#define METRICS_NAME_MAX  200
#define METRICS_BASE_NAME "driftward"

/* What the run made of a tenant, beside the snapshot's entry, while it is handled. */
struct run_tenant {
	enum dw_metrics_result result;
	bool drift_evaluated;
	bool drift_found;  /* a finding failed (not waived) */
	bool drift_failed; /* no report (the rules do not compile), or a rule in error */
	unsigned long findings[DW_METRICS_SEVERITIES][DW_METRICS_FINDINGS];
};

/* A collector of a done tenant, as the metrics need it: 8 bytes, its name from the catalog. */
struct run_collector {
	uint32_t objects;
	uint32_t index : 28; /* in catalog->collectors */
	uint32_t status : 4; /* enum dw_collector_status */
};

/*
 * What the metrics need of a done tenant: counts and codes, no strings (the
 * name is the configuration's). The exposition format groups samples by
 * family, so the file can only be written once every tenant is done; this
 * record (128 bytes and 8 per collector) is what waits for it, and the
 * writer makes each tenant's metrics from it as it goes (tenant_at).
 * Remediation, once every snapshot is done, starts from it too.
 */
struct run_record {
	const struct dw_tenant_config *tenant;
	size_t first; /* its collectors in run_state.collectors */
	uint32_t added, changed, removed;
	uint32_t ncollectors;
	uint8_t result; /* enum dw_metrics_result */
	uint8_t push;   /* enum dw_metrics_push */
	bool drift_evaluated;
	bool snapshot_failed; /* remediation leaves such a tenant alone */
	uint32_t findings[DW_METRICS_SEVERITIES][DW_METRICS_FINDINGS];
	double last_run, last_success; /* Unix times; 0: never */
	uint8_t remediate_mode;        /* enum dw_remediate: off for most tenants */
	uint8_t remediate_outcome;     /* enum dw_restore_outcome */
	uint32_t remediate_requests, remediate_applied, remediate_failed;
};

/* The run as its tenants go by. */
struct run_state {
	const struct cli *cli;
	const struct dw_config *cfg;
	const struct dw_catalog *catalog;
	const struct cli_tenants *a;
	struct dw_notify *notify;           /* NULL: no channel (or it could not start) */
	struct dw_store *store;             /* for the notifier's reads */
	struct dw_metrics_notify *channels; /* per [notify NAME] channel, for the metrics */
	struct run_record *records;
	size_t nrecords, records_alloc;
	struct run_collector *collectors;
	size_t ncollectors, collectors_alloc;
	size_t push_next; /* where tenant_pushed looks first: pushes come in run order */
	struct dw_metrics_collector
	        *scratch; /* tenant_at's, for the most collectors a tenant has */
	size_t skipped;
	size_t pushed, not_pushed;
	bool progress; /* the progress line is on the terminal, to clear before printing */
	bool lost;     /* a record could not be kept (out of memory): no metrics, no remediation */
	int status;
	double start; /* Unix time the run started */
};

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
static int metrics_name(const struct cli_tenants *a, char *out, size_t outlen)
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

static uint32_t clamp32(size_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Keeps what the metrics need of tenant @t (judged as @rt). */
static int record_tenant(struct run_state *R, const struct dw_snapshot_tenant *t,
                         const struct run_tenant *rt)
{
	bool done = rt->result != DW_METRICS_SKIPPED && rt->result != DW_METRICS_ERROR;
	struct run_record *rec;
	size_t i, s, f;

	if (DW_ARRAY_GROW(R->records, R->records_alloc, R->nrecords + 1) < 0 ||
	    DW_ARRAY_GROW(R->collectors, R->collectors_alloc, R->ncollectors + t->ncollectors) < 0)
		return -ENOMEM;
	rec = &R->records[R->nrecords++];
	*rec = (struct run_record){
		.tenant = t->tenant,
		.first = R->ncollectors,
		.added = clamp32(t->added),
		.changed = clamp32(t->changed),
		.removed = clamp32(t->removed),
		.ncollectors = clamp32(t->ncollectors),
		.result = (uint8_t)rt->result,
		/* until the push says otherwise (tenant_pushed) */
		.push = R->a->push && R->cfg->agent.remote ? DW_METRICS_PUSH_FAILED
		                                           : DW_METRICS_PUSH_DISABLED,
		.drift_evaluated = rt->drift_evaluated,
		.snapshot_failed = t->rc < 0,
		/* a failed or skipped tenant's come from the previous file (carry_over) */
		.last_run = rt->result == DW_METRICS_SKIPPED ? 0 : R->start,
		.last_success = done ? R->start : 0,
	};
	for (s = 0; s < DW_METRICS_SEVERITIES; s++)
		for (f = 0; f < DW_METRICS_FINDINGS; f++)
			rec->findings[s][f] = clamp32(rt->findings[s][f]);
	for (i = 0; i < t->ncollectors; i++)
		R->collectors[R->ncollectors++] = (struct run_collector){
			.objects = clamp32(t->collectors[i].objects),
			.index = (uint32_t)(t->collectors[i].collector - R->catalog->collectors),
			.status = t->collectors[i].status,
		};
	return 0;
}

static void fill_remediation(const struct run_record *rec, struct dw_metrics_tenant *out)
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

	if (rec->remediate_mode <= DW_REMEDIATE_OFF || rec->remediate_mode >= DW_ARRAY_SIZE(modes))
		return;
	out->remediate_mode = modes[rec->remediate_mode];
	out->remediate_result = results[rec->remediate_outcome];
	out->remediate_requests = rec->remediate_requests;
	out->remediate_applied = rec->remediate_applied;
	out->remediate_failed = rec->remediate_failed;
}

/* The metrics writer's tenant @i, made from its record as the writer goes. */
static void tenant_at(const struct dw_metrics_run *run, size_t i, struct dw_metrics_tenant *out)
{
	const struct run_state *R = run->arg;
	const struct run_record *rec = &R->records[i];
	size_t j, s, f;

	*out = (struct dw_metrics_tenant){
		.name = rec->tenant->name,
		.result = (enum dw_metrics_result)rec->result,
		.last_run = rec->last_run,
		.last_success = rec->last_success,
		.added = rec->added,
		.changed = rec->changed,
		.removed = rec->removed,
		.collectors = R->scratch,
		.ncollectors = rec->ncollectors,
		.drift_evaluated = rec->drift_evaluated,
		.push = (enum dw_metrics_push)rec->push,
	};
	for (s = 0; s < DW_METRICS_SEVERITIES; s++)
		for (f = 0; f < DW_METRICS_FINDINGS; f++)
			out->findings[s][f] = rec->findings[s][f];
	fill_remediation(rec, out);
	for (j = 0; j < rec->ncollectors; j++) {
		const struct run_collector *c = &R->collectors[rec->first + j];
		enum dw_collector_status status = (enum dw_collector_status)c->status;

		R->scratch[j] = (struct dw_metrics_collector){
			.name = R->catalog->collectors[c->index].name,
			.status = dw_collector_status_name(status),
			.complete = !dw_collector_status_incomplete(status),
			.objects = c->objects,
		};
	}
}

/*
 * The times a failed or skipped tenant lacks, from the previous file: only
 * those tenants are looked up (a few, usually), by name.
 */
static int carry_over(struct run_state *R, const char *name)
{
	struct dw_metrics_tenant *some = NULL;
	size_t *which = NULL; /* their records */
	size_t i, n = 0, alloc = 0, walloc = 0;
	int r = 0;

	for (i = 0; i < R->nrecords && r == 0; i++) {
		const struct run_record *rec = &R->records[i];

		if (rec->result != DW_METRICS_ERROR && rec->result != DW_METRICS_SKIPPED)
			continue;
		if ((r = DW_ARRAY_GROW(some, alloc, n + 1)) < 0 ||
		    (r = DW_ARRAY_GROW(which, walloc, n + 1)) < 0)
			break;
		some[n] = (struct dw_metrics_tenant){ .name = rec->tenant->name,
			                              .result = rec->result,
			                              .last_run = rec->last_run,
			                              .last_success = rec->last_success };
		which[n++] = i;
	}
	if (r == 0 && n)
		r = dw_metrics_carry_over(R->cfg->agent.metrics_dir, name, some, n);
	for (i = 0; r == 0 && i < n; i++) {
		R->records[which[i]].last_run = some[i].last_run;
		R->records[which[i]].last_success = some[i].last_success;
	}
	free(which);
	free(some);
	return r;
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

static int write_metrics(struct run_state *R, const struct dw_snapshot_report *report,
                         double duration)
{
	struct dw_metrics_run run = { .start = R->start,
		                      .duration = duration,
		                      .requests = report->requests,
		                      .throttled = report->throttled,
		                      .retries = report->retries,
		                      .ntenants = R->nrecords,
		                      .tenant_at = tenant_at,
		                      .arg = R,
		                      .notify = R->channels,
		                      .nnotify = R->channels ? R->cfg->nnotify : 0 };
	char name[METRICS_NAME_MAX + 1];
	struct dw_error err;
	size_t i, most = 0;
	int r;

	dw_error_clear(&err);
	answer_classes(&report->graph, &run);
	run.retry_wait = (double)report->graph.retry_wait_ms / 1000.0;
	for (i = 0; i < R->nrecords; i++)
		most = R->records[i].ncollectors > most ? R->records[i].ncollectors : most;
	if (!(R->scratch = calloc(most + 1, sizeof(*R->scratch)))) {
		fprintf(stderr, "driftward: out of memory writing the metrics\n");
		return -ENOMEM;
	}
	if ((r = metrics_name(R->a, name, sizeof(name))) < 0) {
		fprintf(stderr, "driftward: too many tenants named to name the metrics file\n");
		return r;
	}
	if ((r = carry_over(R, name)) < 0)
		fprintf(stderr, "driftward: could not read the previous metrics: %s\n",
		        strerror(-r));
	if ((r = dw_metrics_write(R->cfg->agent.metrics_dir, name, &run, &err)) < 0)
		print_error(&err);
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
	putchar('\n');
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

static void progress_show(const struct dw_config *cfg, const struct cli_tenants *a)
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

/*
 * After drift: each [notify NAME] channel hears what opened and cleared in
 * the tenant's drift report (docs/notifications.md), as soon as the tenant is
 * committed. A failed send is counted and tried again by the next run; it
 * never fails the run.
 */
static void notify_start(struct run_state *R)
{
	struct dw_error err;

	dw_error_clear(&err);
	if (!R->cfg->nnotify)
		return;
	if (dw_notify_new(R->cfg, &R->notify, &err) < 0 ||
	    dw_store_open(R->cfg->agent.state_repo, NULL, &R->store, &err) < 0) {
		print_error(&err);
		dw_notify_free(R->notify);
		R->notify = NULL;
	}
}

static void notify_tenant(struct run_state *R, const struct dw_snapshot_tenant *t,
                          const struct run_tenant *rt)
{
	struct dw_error err;

	if (!R->notify || rt->result == DW_METRICS_SKIPPED || rt->result == DW_METRICS_ERROR)
		return;
	dw_error_clear(&err);
	if (dw_notify_tenant(R->notify, R->store, t->tenant->name, &err) < 0)
		fprintf(stderr, "driftward: tenant %s: notifications: %s\n", t->tenant->name,
		        err.msg);
}

/* The channels' counts, for the metrics (cfg->notify's order; zero for a notifier that never
 * started). */
static void count_channels(struct run_state *R)
{
	struct dw_notify_counts one;
	size_t i;

	if (!R->cfg->nnotify || !(R->channels = calloc(R->cfg->nnotify, sizeof(*R->channels))))
		return;
	for (i = 0; i < R->cfg->nnotify; i++) {
		R->channels[i].channel = R->cfg->notify[i].name;
		if (!R->notify)
			continue;
		dw_notify_channel_counts(R->notify, i, &one);
		R->channels[i].sent = one.sent;
		R->channels[i].failed = one.failed;
		R->channels[i].retries = one.retries;
	}
}

static void notify_finish(struct run_state *R, struct dw_notify_counts *counts)
{
	count_channels(R);
	if (!R->notify)
		return;
	dw_notify_counts(R->notify, counts);
	if (counts->failed)
		fprintf(stderr,
		        "driftward: %lu notification(s) not sent; the next run tries again\n",
		        counts->failed);
	dw_store_free(R->store);
	dw_notify_free(R->notify);
	R->store = NULL;
	R->notify = NULL;
}

/*
 * One tenant, as soon as the snapshot has committed it (before the push,
 * which comes once for all at the end): judged, notified, printed, and
 * recorded for the metrics. Whatever else a run does per tenant belongs
 * here, after judging and before printing (remediation, say).
 */
static void tenant_done(const struct dw_snapshot_tenant *t, void *payload)
{
	struct run_state *R = payload;
	struct run_tenant rt = { 0 };

	take_drift(t, &rt);
	rt.result = tenant_result(t, &rt);
	R->skipped += rt.result == DW_METRICS_SKIPPED;
	notify_tenant(R, t, &rt);
	if (R->progress) {
		progress_clear();
		R->progress = false;
	}
	print_summary(t, &rt, R->cli->verbosity);
	R->status = worse(R->status, result_status(rt.result));
	if (!R->lost && record_tenant(R, t, &rt) < 0) {
		fprintf(stderr,
		        "driftward: out of memory: no metrics and no remediation this run\n");
		R->lost = true;
	}
}

/* The record of @tenant: pushes are told in run order, so it is almost always the next one. */
static struct run_record *find_record(struct run_state *R, const struct dw_tenant_config *tenant)
{
	size_t i;

	if (R->push_next < R->nrecords && R->records[R->push_next].tenant == tenant)
		return &R->records[R->push_next++];
	for (i = 0; i < R->nrecords; i++)
		if (R->records[i].tenant == tenant)
			return &R->records[i];
	return NULL;
}

/* A branch the push should have sent and did not fails its tenant (its commit stays). */
static void tenant_pushed(const struct dw_snapshot_push *p, void *payload)
{
	struct run_state *R = payload;
	struct run_record *rec = find_record(R, p->tenant);

	if (rec)
		rec->push = p->pushed ? DW_METRICS_PUSH_OK : DW_METRICS_PUSH_FAILED;
	R->pushed += p->pushed;
	R->not_pushed += p->rc < 0;
	if (p->rc >= 0 ||
	    (rec && (rec->result == DW_METRICS_ERROR || rec->result == DW_METRICS_SKIPPED)))
		return; /* a tenant that failed (or was skipped) said so already */
	if (rec) {
		rec->result = DW_METRICS_ERROR;
		rec->last_success = 0; /* the previous file's, as for any failed tenant */
	}
	print_error(&p->err);
	R->status = EXIT_ERROR;
}

static int run_tenants(struct run_state *R, struct dw_snapshot_report **report,
                       struct dw_error *err)
{
	struct dw_snapshot_options opts = { .tenants = R->a->tenants,
		                            .ntenants = R->a->ntenants,
		                            .shard_index = R->a->shard_index,
		                            .shard_count = R->a->shard_count,
		                            .push = R->a->push,
		                            .tenant_done = tenant_done,
		                            .tenant_pushed = tenant_pushed,
		                            .payload = R };

	return dw_snapshot_run(R->cfg, R->catalog, &opts, report, err);
}

static void keep_remediation(struct run_record *rec, const struct dw_restore_remediation *rm)
{
	rec->remediate_mode = (uint8_t)rm->mode;
	rec->remediate_outcome = (uint8_t)rm->outcome;
	rec->remediate_requests = clamp32(rm->requests);
	rec->remediate_applied = clamp32(rm->applied);
	rec->remediate_failed = clamp32(rm->failed);
}

/* One tenant's remediation, from its record, with the line that says what came of it. */
static void remediate_tenant(struct run_state *R, struct dw_restore_remediator *m,
                             struct run_record *rec)
{
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];
	struct dw_snapshot_tenant t = { .tenant = rec->tenant,
		                        .rc = rec->snapshot_failed ? -EIO : 0,
		                        .drift_evaluated = rec->drift_evaluated };
	struct dw_restore_remediation rm;
	size_t s;

	for (s = 0; s < DW_METRICS_SEVERITIES; s++)
		t.drift.status[DW_DRIFT_FAIL] += rec->findings[s][DW_METRICS_FAIL];
	if (dw_restore_remediate(m, &t, &rm) < 0) {
		fprintf(stderr, "driftward: tenant %s: remediate: %s\n", rm.tenant,
		        dw_error_format(&rm.err, msg, sizeof(msg)));
		R->status = EXIT_ERROR;
	}
	keep_remediation(rec, &rm);
	if (rm.outcome != DW_REMEDIATE_NOT_RUN && R->cli->verbosity >= 0)
		printf("%s: %s\n", rm.tenant,
		       dw_restore_remediation_describe(&rm, msg, sizeof(msg)));
}

static bool wants_remediation(const struct run_record *rec)
{
	return rec->tenant->remediate != DW_REMEDIATE_OFF && rec->result != DW_METRICS_SKIPPED;
}

/*
 * Remediation (remediate = plan | apply, docs/restore.md), once every
 * snapshot is done, from the tenants' records: the library plans or applies
 * per tenant, on its own Graph loop, and what it committed goes to the
 * remote in one more push. A refused or failed remediation is exit status 1
 * for its tenant.
 */
static void remediate_tenants(struct run_state *R)
{
	struct dw_restore_remediator *m = NULL;
	struct dw_error err;
	char who[64];
	size_t i;

	for (i = 0; i < R->nrecords && !wants_remediation(&R->records[i]); i++)
		;
	if (i == R->nrecords)
		return;
	dw_error_clear(&err);
	snprintf(who, sizeof(who), "driftward run (uid %u)", (unsigned)getuid());
	if (dw_restore_remediator_new(R->cfg, R->catalog, who, &m, &err) < 0) {
		print_error(&err);
		R->status = EXIT_ERROR;
		return;
	}
	for (; i < R->nrecords; i++)
		if (wants_remediation(&R->records[i]))
			remediate_tenant(R, m, &R->records[i]);
	if (R->a->push && dw_restore_remediate_push(m, &err) < 0) {
		dw_error_prefix(&err, "remediation's commits were not pushed (the next run pushes "
		                      "them)");
		print_error(&err);
		R->status = EXIT_ERROR;
	}
	dw_restore_remediator_free(m);
}

static int finish(struct run_state *R, const struct dw_snapshot_report *report, double mono_start)
{
	double duration;

	if (report->ntenants && R->skipped == report->ntenants) {
		if (R->cli->verbosity >= 0)
			printf("driftward: every tenant is locked by a run still going; nothing "
			       "done, the metrics are left to that run\n");
		return R->status;
	}
	if (!R->cfg->agent.metrics_dir)
		return R->status;
	if (R->lost)
		return EXIT_ERROR;
	/* to the millisecond: the metric has no use for the clock's noise */
	duration = (double)(long long)((now_mono() - mono_start) * 1000.0) / 1000.0;
	if (write_metrics(R, report, duration) < 0)
		return EXIT_ERROR;
	return R->status;
}

static int run_run(struct cli *cli, int argc, char **argv)
{
	struct cli_tenants args = { 0 };
	struct run_state R = { .cli = cli, .a = &args, .status = EXIT_DONE, .start = now_real() };
	struct dw_notify_counts notified = { 0 };
	struct dw_snapshot_report *report = NULL;
	struct dw_catalog *catalog = NULL;
	struct dw_config *cfg = NULL;
	double mono_start = now_mono();
	bool progress = progress_wanted(cli->verbosity);
	struct dw_error err;
	int r, status = EXIT_ERROR;

	if (cli_parse_tenants("run", argc, argv, &args) != 0)
		return EXIT_ERROR;
	if (cli_load_config(cli, 0, &cfg) < 0 || cli_load_catalog(cfg, &catalog) < 0)
		goto out;
	R.cfg = cfg;
	R.catalog = catalog;
	if (progress)
		progress_show(cfg, &args);
	R.progress = progress;
	notify_start(&R);
	dw_error_clear(&err);
	r = run_tenants(&R, &report, &err);
	if (R.progress)
		progress_clear();
	notify_finish(&R, &notified);
	if (r < 0) {
		print_error(&err);
		goto out;
	}
	if (args.push && cfg->agent.remote && cli->verbosity >= 0)
		printf("push: %zu branch(es) pushed, %zu not pushed\n", R.pushed, R.not_pushed);
	remediate_tenants(&R);
	status = finish(&R, report, mono_start);
out:
	free(R.records);
	free(R.channels);
	free(R.collectors);
	free(R.scratch);
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
