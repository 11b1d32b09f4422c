/*
 * A snapshot run: tenants go through in batches that share one Graph event
 * loop, so their reads overlap while the number of open repositories and
 * tenant locks stays bounded. A streaming run (tenant_done) hands each entry
 * to the caller as its tenant is done and reuses it for the next batch, so
 * nothing of a tenant stays behind it: memory is flat in the number of
 * tenants.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "driftward/log.h"
#include "snapshot/internal.h"

#define BATCH_MAX 32

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

static size_t batch_size(const struct dw_agent_config *agent)
{
	size_t per = agent->tenant_concurrency ? agent->tenant_concurrency : 1;
	size_t n = 2 * ((agent->concurrency + per - 1) / per);

	return n < 1 ? 1 : n > BATCH_MAX ? BATCH_MAX : n;
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
 * A tenant that failed to start stays in the batch until the Graph loop is
 * done: reads it submitted before failing must finish before their tenant
 * and ops can be freed.
 */
static void run_batch(struct tenant_run *runs, size_t n, struct dw_graph *graph,
                      const struct dw_snapshot_options *opts)
{
	struct dw_error loop_err;
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		runs[i].report->rc = dw_snapshot__tenant_start(&runs[i], &runs[i].report->err);
	dw_error_clear(&loop_err);
	r = dw_graph_run(graph, &loop_err);
	for (i = 0; i < n; i++) {
		struct dw_snapshot_tenant *t = runs[i].report;

		if (t->rc == 0 && r < 0) {
			t->rc = r;
			t->err = loop_err;
		}
		if (t->rc == 0)
			t->rc = dw_snapshot__tenant_finish(&runs[i], &t->err);
		dw_snapshot__tenant_release(&runs[i]);
		name_failure(t);
		log_tenant(t);
		hand_over(opts, t);
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
}

/* The batch's entries: the report's own, or a streaming run's few, reused. */
static void fill_batch(struct tenant_run *runs, struct dw_snapshot_tenant *window, size_t n,
                       const struct dw_tenant_config **tenants, size_t start,
                       const struct dw_session_context *ctx, struct dw_snapshot_report *report)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct dw_snapshot_tenant *t =
		        report->tenants ? &report->tenants[start + i] : &window[i];

		t->tenant = tenants[start + i];
		runs[i] = (struct tenant_run){ .ctx = ctx, .run_id = report->run_id, .report = t };
	}
}

int dw_snapshot_run(const struct dw_config *cfg, const struct dw_catalog *catalog,
                    const struct dw_snapshot_options *opts, struct dw_snapshot_report **out,
                    struct dw_error *err)
{
	struct dw_snapshot_report *report = calloc(1, sizeof(*report));
	const struct dw_tenant_config **tenants = NULL;
	struct dw_session_context ctx = { 0 };
	struct dw_snapshot_tenant *window = NULL;
	struct tenant_run *runs = NULL;
	struct dw_error push_err;
	size_t start, n, batch = batch_size(&cfg->agent);
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
	runs = calloc(batch, sizeof(*runs));
	window = calloc(batch, sizeof(*window));
	if (!runs || !window) {
		r = -ENOMEM;
		goto out;
	}
	for (start = 0; start < report->ntenants; start += n) {
		n = report->ntenants - start < batch ? report->ntenants - start : batch;
		fill_batch(runs, window, n, tenants, start, &ctx, report);
		run_batch(runs, n, ctx.graph, opts);
	}
	record_stats(ctx.graph, report);
	/* a failed push is each tenant's failure, in its report entry or told to tenant_pushed */
	if (opts->push && cfg->agent.remote) {
		dw_error_clear(&push_err);
		dw_snapshot__push(cfg, opts, tenants, report, &push_err);
	}
	r = 0;
out:
	free(window);
	free(runs);
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
