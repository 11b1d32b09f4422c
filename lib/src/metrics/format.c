/*
 * The Prometheus text exposition format, version 0.0.4: per metric family a
 * HELP and a TYPE line, then all of its samples together (a family must not
 * be split). Label values escape '\\', '"' and newline; HELP text escapes
 * '\\' and newline. Values are written with %.15g in the C locale the agent
 * sets, which keeps counts and Unix times with milliseconds exact.
 */
#include <stdbool.h>
#include <stdio.h>

#include "driftward/metrics.h"
#include "metrics/internal.h"

#define MAX_LABELS 4

struct label {
	const char *name;
	const char *value;
};

static const char *const result_names[DW_METRICS_RESULTS] = {
	"ok", "drift", "incomplete", "error", "skipped",
};
static const char *const push_names[DW_METRICS_PUSHES] = { "disabled", "ok", "failed" };
static const char *const severity_names[DW_METRICS_SEVERITIES] = {
	"critical", "high", "medium", "low", "info",
};
static const char *const finding_names[DW_METRICS_FINDINGS] = {
	"fail",
	"waived",
	"unknown",
	"error",
};
static const char *const remediation_names[DW_METRICS_REMEDIATIONS] = {
	"none", "nothing", "planned", "applied", "refused", "failed",
};
static const char *const class_names[DW_METRICS_HTTP_CLASSES] = {
	"2xx", "3xx", "4xx", "5xx", "none",
};

enum dw_metrics_http_class dw_metrics_http_class(long status)
{
	if (status >= 200 && status < 300)
		return DW_METRICS_HTTP_2XX;
	if (status >= 300 && status < 400)
		return DW_METRICS_HTTP_3XX;
	if (status >= 400 && status < 500)
		return DW_METRICS_HTTP_4XX;
	if (status >= 500 && status < 600)
		return DW_METRICS_HTTP_5XX;
	return DW_METRICS_HTTP_NONE;
}

/* @s escaped: '\\' and newline always, '"' in label values (@quote). */
static int put_escaped(struct dw_buf *out, const char *s, int quote)
{
	int r = 0;

	for (; *s && r == 0; s++) {
		if (*s == '\\')
			r = dw_buf_puts(out, "\\\\");
		else if (*s == '\n')
			r = dw_buf_puts(out, "\\n");
		else if (*s == '"' && quote)
			r = dw_buf_puts(out, "\\\"");
		else
			r = dw_buf_putc(out, *s);
	}
	return r;
}

static int family(struct dw_buf *out, const char *name, const char *help)
{
	int r;

	r = dw_buf_printf(out, "# HELP %s ", name);
	r = r ?: put_escaped(out, help, 0);
	r = r ?: dw_buf_printf(out, "\n# TYPE %s gauge\n", name);
	return r;
}

/* name{label="value",...} value */
static int sample(struct dw_buf *out, const char *name, const struct label *labels, size_t n,
                  double value)
{
	size_t i;
	int r;

	r = dw_buf_puts(out, name);
	for (i = 0; i < n && r == 0; i++) {
		r = dw_buf_printf(out, "%c%s=\"", i == 0 ? '{' : ',', labels[i].name);
		r = r ?: put_escaped(out, labels[i].value, 1);
		r = r ?: dw_buf_putc(out, '"');
	}
	if (n && r == 0)
		r = dw_buf_putc(out, '}');
	return r ?: dw_buf_printf(out, " %.15g\n", value);
}

static int run_sample(struct dw_buf *out, const char *name, const char *help, double value)
{
	return family(out, name, help) ?: sample(out, name, NULL, 0, value);
}

static int run_families(struct dw_buf *out, const struct dw_metrics_run *run)
{
	size_t i;
	int r;

	r = run_sample(out, "driftward_run_start_timestamp_seconds",
	               "Unix time the last run started.", run->start);
	r = r
	            ?: run_sample(out, "driftward_run_duration_seconds",
	                          "How long the last run took, in seconds.", run->duration);
	r = r
	            ?: run_sample(out, "driftward_run_graph_requests",
	                          "HTTP requests to Graph and its token endpoint in the last run, "
	                          "retries included.",
	                          (double)run->requests);
	if (run->have_classes && r == 0) {
		r = family(
		        out, "driftward_run_graph_answers",
		        "Graph's answers in the last run by HTTP status class (none: no answer).");
		for (i = 0; i < DW_METRICS_HTTP_CLASSES && r == 0; i++)
			r = sample(out, "driftward_run_graph_answers",
			           &(struct label){ "class", class_names[i] }, 1,
			           (double)run->by_class[i]);
	}
	r = r
	            ?: run_sample(out, "driftward_run_graph_throttled_requests",
	                          "Requests Graph throttled (HTTP 429) in the last run.",
	                          (double)run->throttled);
	r = r
	            ?: run_sample(out, "driftward_run_graph_retries",
	                          "Requests sent again in the last run (throttling, server errors, "
	                          "resets).",
	                          (double)run->retries);
	r = r
	            ?: run_sample(out, "driftward_run_graph_retry_wait_seconds",
	                          "Seconds requests waited before being sent again in the last run "
	                          "(Retry-After or backoff), summed.",
	                          run->retry_wait);
	return r;
}

static int last_run(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	return sample(out, name, &(struct label){ "tenant", t->name }, 1, t->last_run);
}

static int last_success(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	return sample(out, name, &(struct label){ "tenant", t->name }, 1, t->last_success);
}

static int evaluated(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	return sample(out, name, &(struct label){ "tenant", t->name }, 1,
	              t->drift_evaluated ? 1 : 0);
}

/* A state set: one sample per possible value of @key, 1 for the tenant's, 0 for the others. */
static int state_set(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t,
                     const char *key, const char *const *names, size_t nnames, unsigned state)
{
	size_t j;
	int r = 0;

	for (j = 0; j < nnames && r == 0; j++)
		r = sample(out, name, (struct label[]){ { "tenant", t->name }, { key, names[j] } },
		           2, state == j ? 1 : 0);
	return r;
}

static int result(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	return state_set(out, name, t, "result", result_names, DW_METRICS_RESULTS,
	                 (unsigned)t->result);
}

static int push(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	return state_set(out, name, t, "result", push_names, DW_METRICS_PUSHES, (unsigned)t->push);
}

static int changes(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	static const char *const kinds[] = { "added", "changed", "removed" };
	const size_t counts[] = { t->added, t->changed, t->removed };
	size_t k;
	int r = 0;

	for (k = 0; k < 3 && r == 0; k++)
		r = sample(out, name,
		           (struct label[]){ { "tenant", t->name }, { "change", kinds[k] } }, 2,
		           (double)counts[k]);
	return r;
}

static int collectors(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t,
                      int complete)
{
	size_t j;
	int r = 0;

	for (j = 0; j < t->ncollectors && r == 0; j++) {
		const struct dw_metrics_collector *c = &t->collectors[j];
		struct label labels[MAX_LABELS] = { { "tenant", t->name },
			                            { "collector", c->name },
			                            { "status", c->status } };

		r = sample(out, name, labels, complete ? 3 : 2,
		           complete ? (c->complete ? 1 : 0) : (double)c->objects);
	}
	return r;
}

static int collector_objects(struct dw_buf *out, const char *name,
                             const struct dw_metrics_tenant *t)
{
	return collectors(out, name, t, 0);
}

static int collector_complete(struct dw_buf *out, const char *name,
                              const struct dw_metrics_tenant *t)
{
	return collectors(out, name, t, 1);
}

static int findings(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	size_t s, f;
	int r = 0;

	for (s = 0; s < DW_METRICS_SEVERITIES && r == 0; s++)
		for (f = 0; f < DW_METRICS_FINDINGS && r == 0; f++)
			r = sample(out, name,
			           (struct label[]){ { "tenant", t->name },
			                             { "severity", severity_names[s] },
			                             { "status", finding_names[f] } },
			           3, (double)t->findings[s][f]);
	return r;
}

/*
 * The families with a sample (or several) per tenant, in the file's order:
 * one row each. A family's samples must stay together, so the writer goes
 * family by family, and tenant by tenant within each.
 */
struct tenant_family {
	const char *name;
	const char *help;
	int (*samples)(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t);
};

static const struct tenant_family tenant_families[] = {
	{ "driftward_tenant_last_run_timestamp_seconds", "Unix time of the tenant's last run.",
	  last_run },
	{ "driftward_tenant_last_success_timestamp_seconds",
	  "Unix time of the tenant's last run that was done (0: never).", last_success },
	{ "driftward_tenant_result",
	  "The tenant's result in the last run: 1 for the result it had.", result },
	{ "driftward_tenant_objects_changed",
	  "Objects the last run found added, changed or removed.", changes },
	{ "driftward_collector_objects",
	  "Objects a collector read in the last run (for an incomplete one, the objects kept "
	  "from before).",
	  collector_objects },
	{ "driftward_collector_complete",
	  "1 when the collector was read completely in the last run; the status label says "
	  "why not.",
	  collector_complete },
	{ "driftward_drift_evaluated", "1 when the last run evaluated the tenant's baselines.",
	  evaluated },
	{ "driftward_drift_findings",
	  "Drift findings of the last run by severity and status (zero where "
	  "driftward_drift_evaluated is 0).",
	  findings },
	{ "driftward_push_result",
	  "Whether the last run pushed the tenant's branch: 1 for what happened.", push },
};

/* Remediation's samples: none for a tenant with remediate = off (no mode). */
static int remediate_result(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	size_t j;
	int r = 0;

	for (j = 0; t->remediate_mode && j < DW_METRICS_REMEDIATIONS && r == 0; j++)
		r = sample(out, name,
		           (struct label[]){ { "tenant", t->name },
		                             { "mode", t->remediate_mode },
		                             { "result", remediation_names[j] } },
		           3, (unsigned)t->remediate_result == j ? 1 : 0);
	return r;
}

static int remediate_requests(struct dw_buf *out, const char *name,
                              const struct dw_metrics_tenant *t)
{
	if (!t->remediate_mode)
		return 0;
	return sample(out, name,
	              (struct label[]){ { "tenant", t->name }, { "mode", t->remediate_mode } }, 2,
	              (double)t->remediate_requests);
}

static int remediate_writes(struct dw_buf *out, const char *name, const struct dw_metrics_tenant *t)
{
	if (!t->remediate_mode)
		return 0;
	return sample(out, name, (struct label[]){ { "tenant", t->name }, { "status", "applied" } },
	              2, (double)t->remediate_applied)
	               ?: sample(out, name,
	                         (struct label[]){ { "tenant", t->name }, { "status", "failed" } },
	                         2, (double)t->remediate_failed);
}

/* Written only when some tenant of the run has remediate = plan or apply. */
static const struct tenant_family remediate_families[] = {
	{ "driftward_remediate_result",
	  "What remediation (remediate = plan or apply) did for the tenant in the last run: 1 "
	  "for its result.",
	  remediate_result },
	{ "driftward_remediate_requests",
	  "Requests in the plan remediation made for the tenant in the last run.",
	  remediate_requests },
	{ "driftward_remediate_writes",
	  "Writes remediate = apply sent in the last run: applied (read back as intended) or "
	  "failed.",
	  remediate_writes },
};

/* Tenant @i of @run: from its array, or made by its tenant_at in @scratch. */
static const struct dw_metrics_tenant *tenant_of(const struct dw_metrics_run *run, size_t i,
                                                 struct dw_metrics_tenant *scratch)
{
	if (!run->tenant_at)
		return &run->tenants[i];
	run->tenant_at(run, i, scratch);
	return scratch;
}

/* The families of @table, each with every tenant's samples together. */
static int tenant_table(struct dw_buf *out, const struct dw_metrics_run *run,
                        const struct tenant_family *table, size_t n,
                        int (*spill)(struct dw_buf *out, void *arg), void *arg)
{
	struct dw_metrics_tenant scratch;
	size_t f, i;
	int r = 0;

	for (f = 0; f < n && r == 0; f++) {
		r = family(out, table[f].name, table[f].help);
		for (i = 0; i < run->ntenants && r == 0; i++) {
			r = table[f].samples(out, table[f].name, tenant_of(run, i, &scratch));
			if (r == 0 && spill)
				r = spill(out, arg);
		}
	}
	return r;
}

static bool any_remediation(const struct dw_metrics_run *run)
{
	struct dw_metrics_tenant scratch;
	size_t i;

	for (i = 0; i < run->ntenants; i++)
		if (tenant_of(run, i, &scratch)->remediate_mode)
			return true;
	return false;
}

static unsigned long notify_sent(const struct dw_metrics_notify *c)
{
	return c->sent;
}

static unsigned long notify_failed(const struct dw_metrics_notify *c)
{
	return c->failed;
}

static unsigned long notify_retries(const struct dw_metrics_notify *c)
{
	return c->retries;
}

/* One family, a sample per channel. */
static int per_channel(struct dw_buf *out, const struct dw_metrics_run *run, const char *name,
                       const char *help, unsigned long (*get)(const struct dw_metrics_notify *))
{
	size_t i;
	int r;

	r = family(out, name, help);
	for (i = 0; i < run->nnotify && r == 0; i++)
		r = sample(out, name, &(struct label){ "channel", run->notify[i].channel }, 1,
		           (double)get(&run->notify[i]));
	return r;
}

static int notify_families(struct dw_buf *out, const struct dw_metrics_run *run)
{
	int r;

	r = per_channel(out, run, "driftward_notify_sent",
	                "Notifications the channel delivered in the last run.", notify_sent);
	r = r
	            ?: per_channel(out, run, "driftward_notify_failed",
	                           "Notifications the channel gave up on in the last run (the "
	                           "next run tries them again).",
	                           notify_failed);
	r = r
	            ?: per_channel(out, run, "driftward_notify_retries",
	                           "Notification attempts after the first in the last run.",
	                           notify_retries);
	return r;
}

int dw_metrics__format(const struct dw_metrics_run *run, struct dw_buf *out,
                       int (*spill)(struct dw_buf *out, void *arg), void *arg)
{
	int r;

	r = run_families(out, run);
	r = r
	            ?: tenant_table(out, run, tenant_families, DW_ARRAY_SIZE(tenant_families),
	                            spill, arg);
	if (r == 0 && any_remediation(run))
		r = tenant_table(out, run, remediate_families, DW_ARRAY_SIZE(remediate_families),
		                 spill, arg);
	if (r == 0 && run->nnotify)
		r = notify_families(out, run);
	return r;
}

int dw_metrics_format(const struct dw_metrics_run *run, struct dw_buf *out)
{
	return dw_metrics__format(run, out, NULL, NULL);
}
