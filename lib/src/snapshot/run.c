/*
 * A snapshot run: tenants go through a window of a few slots that share one
 * Graph event loop, so their reads overlap while the number of open
 * repositories and tenant locks stays bounded. A tenant is finished
 * (staged, committed) as soon as its own reads are done, while the others'
 * go on, and the next tenant takes its slot: one slow or throttled tenant
 * holds its slot, never the others, and the loop is never idle while a
 * tenant commits. A streaming run (tenant_done) hands each entry to the
 * caller as its tenant is done and reuses it for the next, so nothing of a
 * tenant stays behind it: memory is flat in the number of tenants.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "driftward/log.h"
#include "snapshot/internal.h"

#define WINDOW_MAX 32

static int new_run_id(char *out, size_t outlen)
{
	unsigned char raw[8];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -errno;
	for (i = 0; i < sizeof(raw) && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static size_t window_size(const struct dw_agent_config *agent)
{
	size_t per = agent->tenant_concurrency ? agent->tenant_concurrency : 1;
	size_t n = 2 * ((agent->concurrency + per - 1) / per);

	return n < 1 ? 1 : n > WINDOW_MAX ? WINDOW_MAX : n;
}

static void log_tenant(const struct dw_snapshot_tenant *t)
{
	const struct dw_log_field fields[] = { { "tenant", t->tenant->name },
		                               { "commit", t->commit } };

	if (t->rc < 0)
		return; /* the caller reports a failed tenant, once */
	dw_log_fields(t->incomplete ? DW_LOG_WARNING : DW_LOG_INFO, fields, DW_ARRAY_SIZE(fields),
	              "%s: %s; %zu changed, %zu added, %zu removed, %zu of %zu collectors "
	              "incomplete",
	              t->tenant->name, t->committed ? "committed" : "unchanged", t->changed,
	              t->added, t->removed, t->incomplete, t->ncollectors);
}

/* Every failure of a tenant says which tenant, and says something. */
static void name_failure(struct dw_snapshot_tenant *t)
{
	if (t->rc >= 0)
		return;
	if (!dw_error_isset(&t->err))
		dw_error_set(&t->err, t->rc, DW_AREA_SYSTEM, -t->rc, "%s", strerror(-t->rc));
	dw_error_prefix(&t->err, "tenant %s: ", t->tenant->name);
}

/* The process's peak resident memory so far (VmHWM), in KiB; -1 when unknown. */
static long peak_rss_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

/* A streaming run's entry, once the caller has seen it: ready for the next tenant. */
static void hand_over(const struct dw_snapshot_options *opts, struct dw_snapshot_tenant *t)
{
	if (!opts->tenant_done)
		return;
	opts->tenant_done(t, opts->payload);
	free(t->collectors);
	*t = (struct dw_snapshot_tenant){ 0 };
}

/*
 * The run's slots: each holds a tenant from its start until its reads are
 * done (runs[i].report NULL: free). A streaming run's entries are the
 * slots' own, reused; otherwise they are the report's.
 */
struct window {
	struct tenant_run *runs;
	struct dw_snapshot_tenant *entries;
	size_t size, active;
};

/*
 * Whether a tenant's reads are all done. One that failed to start stays in
 * its slot until then too: reads it submitted before failing must finish
 * before their tenant and ops can be freed.
 */
static bool tenant_idle(const struct tenant_run *tr)
{
	return !tr->graph || dw_graph_tenant_idle(tr->graph);
}

static bool any_idle(void *arg)
{
	const struct window *w = arg;
	size_t i;

	for (i = 0; i < w->size; i++)
		if (w->runs[i].report && tenant_idle(&w->runs[i]))
			return true;
	return false;
}

/* Tenant @index of the run into a free slot, its reads submitted. */
static void start_tenant(struct window *w, const struct dw_tenant_config *tenant, size_t index,
                         const struct dw_session_context *ctx, struct dw_snapshot_report *report)
{
	struct dw_snapshot_tenant *t;
	size_t i;

	for (i = 0; w->runs[i].report; i++)
		; /* the caller made sure there is a free one */
	t = report->tenants ? &report->tenants[index] : &w->entries[i];
	t->tenant = tenant;
	w->runs[i] = (struct tenant_run){ .ctx = ctx, .run_id = report->run_id, .report = t };
	t->rc = dw_snapshot__tenant_start(&w->runs[i], &t->err);
	w->active++;
}

/* A tenant whose reads are done: staged and committed, told, and its slot freed. */
static void end_tenant(struct window *w, struct tenant_run *tr, int loop_rc,
                       const struct dw_error *loop_err, const struct dw_snapshot_options *opts)
{
	struct dw_snapshot_tenant *t = tr->report;

	if (t->rc == 0 && loop_rc < 0) {
		t->rc = loop_rc;
		t->err = *loop_err;
	}
	/* its reads are staged: the memory reading cost, before drift is evaluated */
	if (dw_log_enabled(DW_LOG_DEBUG))
		dw_log_debug("tenant %s read and staged; peak RSS so far %ld KiB", t->tenant->name,
		             peak_rss_kib());
	if (t->rc == 0)
		t->rc = dw_snapshot__tenant_finish(tr, &t->err);
	dw_snapshot__tenant_release(tr);
	name_failure(t);
	log_tenant(t);
	hand_over(opts, t);
	tr->report = NULL;
	w->active--;
}

/* Keeps the window full until every tenant is done. */
static void run_window(struct window *w, const struct dw_tenant_config **tenants,
                       const struct dw_session_context *ctx, struct dw_snapshot_report *report,
                       const struct dw_snapshot_options *opts)
{
	struct dw_error loop_err;
	size_t i, next = 0;
	int r;

	for (;;) {
		while (w->active < w->size && next < report->ntenants) {
			start_tenant(w, tenants[next], next, ctx, report);
			next++;
		}
		if (!w->active)
			break;
		dw_error_clear(&loop_err);
		/* a broken loop has finished every op: every tenant ends, with its error */
		r = dw_graph_run_until(ctx->graph, any_idle, w, &loop_err);
		for (i = 0; i < w->size; i++)
			if (w->runs[i].report && (r < 0 || tenant_idle(&w->runs[i])))
				end_tenant(w, &w->runs[i], r, &loop_err, opts);
	}
}

static int prepare(const struct dw_config *cfg, const struct dw_snapshot_options *opts,
                   struct dw_snapshot_report *report, const struct dw_tenant_config ***tenants,
                   struct dw_error *err)
{
	int r;

	r = dw_snapshot_select(cfg, opts->tenants, opts->ntenants, opts->shard_index,
	                       opts->shard_count, tenants, &report->ntenants, err);
	if (r < 0)
		return r;
	if (opts->run_id)
		snprintf(report->run_id, sizeof(report->run_id), "%s", opts->run_id);
	else if ((r = new_run_id(report->run_id, sizeof(report->run_id))) < 0)
		return dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not make a run id");
	if (opts->tenant_done)
		return 0;
	report->tenants = calloc(report->ntenants ? report->ntenants : 1, sizeof(*report->tenants));
	return report->tenants ? 0 : -ENOMEM;
}

static void record_stats(const struct dw_graph *graph, struct dw_snapshot_report *report)
{
	struct dw_graph_stats stats;

	dw_graph_stats(graph, &stats);
	report->graph = stats;
	report->requests = stats.requests;
	report->throttled = stats.throttled;
	report->retries = stats.retries;
	/* what paging cost in memory: one page per read under way, not whole collections */
	dw_log_debug("graph: %lu requests, at most %llu bytes of parsed pages held at once",
	             stats.requests, stats.page_bytes_peak);
}

int dw_snapshot_run(const struct dw_config *cfg, const struct dw_catalog *catalog,
                    const struct dw_snapshot_options *opts, struct dw_snapshot_report **out,
                    struct dw_error *err)
{
	struct dw_snapshot_report *report = calloc(1, sizeof(*report));
	const struct dw_tenant_config **tenants = NULL;
	struct dw_session_context ctx = { 0 };
	struct window w = { .size = window_size(&cfg->agent) };
	struct dw_error push_err;
	int r = -ENOMEM;

	*out = report;
	if (!report)
		goto out;
	r = prepare(cfg, opts, report, &tenants, err);
	/* the key is read here, once, and every tenant's credential is decrypted with it */
	if (r == 0)
		r = dw_session_context_init(&ctx, cfg, catalog,
		                            DW_SESSION_GRAPH | DW_SESSION_RECIPIENTS, err);
	if (r < 0)
		goto out;
	w.runs = calloc(w.size, sizeof(*w.runs));
	w.entries = calloc(w.size, sizeof(*w.entries));
	if (!w.runs || !w.entries) {
		r = -ENOMEM;
		goto out;
	}
	run_window(&w, tenants, &ctx, report, opts);
	record_stats(ctx.graph, report);
	/* a failed push is each tenant's failure, in its report entry or told to tenant_pushed */
	if (opts->push && cfg->agent.remote) {
		dw_error_clear(&push_err);
		dw_snapshot__push(cfg, opts, tenants, report, &push_err);
	}
	r = 0;
out:
	free(w.entries);
	free(w.runs);
	dw_session_context_release(&ctx);
	free(tenants);
	return r;
}

void dw_snapshot_report_free(struct dw_snapshot_report *report)
{
	size_t i;

	if (!report)
		return;
	for (i = 0; report->tenants && i < report->ntenants; i++)
		free(report->tenants[i].collectors);
	free(report->tenants);
	free(report);
}
