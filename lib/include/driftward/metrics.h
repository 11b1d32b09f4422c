/*
 * Metrics (DESIGN.md section 10): what a run did, in the Prometheus text
 * exposition format, for node_exporter's textfile collector. The caller fills
 * plain structs with the run's results (nothing here knows about snapshots or
 * drift); the writer replaces <dir>/<name>.prom atomically, so node_exporter
 * sees the previous run's file or this one, never half of one.
 *
 * Every value describes the last run (gauges): a batch job's counters would
 * restart from zero each run anyway.
 */
#ifndef DRIFTWARD_METRICS_H
#define DRIFTWARD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "driftward/buf.h"
#include "driftward/error.h"

/* What a run did for one tenant; the exit status of DESIGN.md section 8, and "skipped". */
enum dw_metrics_result {
	DW_METRICS_OK = 0,     /* done, no drift */
	DW_METRICS_DRIFT,      /* done, drift found */
	DW_METRICS_INCOMPLETE, /* done, some collector not read completely */
	DW_METRICS_ERROR,      /* the tenant failed */
	DW_METRICS_SKIPPED,    /* another run held the tenant's lock */
	DW_METRICS_RESULTS
};

enum dw_metrics_push {
	DW_METRICS_PUSH_DISABLED = 0, /* no remote configured, or --no-push */
	DW_METRICS_PUSH_OK,
	DW_METRICS_PUSH_FAILED, /* not pushed this run (also when the tenant failed first) */
	DW_METRICS_PUSHES
};

/* Severities and finding statuses of drift reports (DESIGN.md section 5). */
enum dw_metrics_severity {
	DW_METRICS_CRITICAL = 0,
	DW_METRICS_HIGH,
	DW_METRICS_MEDIUM,
	DW_METRICS_LOW,
	DW_METRICS_INFO,
	DW_METRICS_SEVERITIES
};

enum dw_metrics_finding {
	DW_METRICS_FAIL = 0,
	DW_METRICS_WAIVED,
	DW_METRICS_UNKNOWN,
	DW_METRICS_FINDING_ERROR,
	DW_METRICS_FINDINGS
};

/* HTTP answers by class; "none" is a request that got no answer (reset, timeout, TLS). */
enum dw_metrics_http_class {
	DW_METRICS_HTTP_2XX = 0,
	DW_METRICS_HTTP_3XX,
	DW_METRICS_HTTP_4XX,
	DW_METRICS_HTTP_5XX,
	DW_METRICS_HTTP_NONE,
	DW_METRICS_HTTP_CLASSES
};

/* What remediation (remediate = plan | apply) did for a tenant in the last run. */
enum dw_metrics_remediation {
	DW_METRICS_REMEDIATE_NONE = 0, /* not run: the tenant failed or was skipped */
	DW_METRICS_REMEDIATE_NOTHING,  /* no drift, or nothing to change */
	DW_METRICS_REMEDIATE_PLANNED,  /* a plan with requests was written */
	DW_METRICS_REMEDIATE_APPLIED,  /* every request applied */
	DW_METRICS_REMEDIATE_REFUSED,  /* not approved, stale: nothing sent */
	DW_METRICS_REMEDIATE_FAILED,   /* a request failed, or plan or apply broke */
	DW_METRICS_REMEDIATIONS
};

/* What one notification channel did in the run. */
struct dw_metrics_notify {
	const char *channel; /* its NAME: a label value */
	unsigned long sent, failed, retries;
};

struct dw_metrics_collector {
	const char *name;
	const char *status; /* "ok", "partial", ...: a label value */
	bool complete;
	size_t objects;
};

struct dw_metrics_tenant {
	const char *name;
	enum dw_metrics_result result;
	double last_run;     /* Unix time of the tenant's last run */
	double last_success; /* Unix time of its last run that was done (0: never) */
	size_t added, changed, removed;
	const struct dw_metrics_collector *collectors;
	size_t ncollectors;
	bool drift_evaluated; /* false: the findings below are zeros, not a report */
	unsigned long findings[DW_METRICS_SEVERITIES][DW_METRICS_FINDINGS];
	enum dw_metrics_push push;
	/* remediation: no samples when remediate_mode is NULL (remediate = off) */
	const char *remediate_mode; /* "plan" or "apply": a label value */
	enum dw_metrics_remediation remediate_result;
	size_t remediate_requests, remediate_applied, remediate_failed;
};

struct dw_metrics_run {
	double start;    /* Unix time */
	double duration; /* seconds */
	unsigned long requests, throttled, retries;
	double retry_wait; /* seconds requests waited before being sent again, summed */
	bool have_classes; /* false: the caller has no answers by class to give */
	unsigned long by_class[DW_METRICS_HTTP_CLASSES];
	const struct dw_metrics_tenant *tenants;
	size_t ntenants;
	const struct dw_metrics_notify *notify; /* one per [notify NAME] channel */
	size_t nnotify;
	/*
	 * Instead of @tenants, for a run over many tenants: fills @out with
	 * tenant @i (0 to ntenants - 1; asked once per family, in order), its
	 * strings and collectors valid until the next call. The caller then
	 * holds only what it needs to make a tenant, never every tenant's
	 * struct at once. @arg is the caller's.
	 */
	void (*tenant_at)(const struct dw_metrics_run *run, size_t i,
	                  struct dw_metrics_tenant *out);
	void *arg;
};

/* The class of HTTP status @status (0: no answer). */
enum dw_metrics_http_class dw_metrics_http_class(long status);

/* Appends the exposition text of @run to @out. */
int dw_metrics_format(const struct dw_metrics_run *run, struct dw_buf *out);

/*
 * Replaces @dir/@name.prom with the exposition of @run: a temporary file in
 * @dir whose name does not end in ".prom" (node_exporter skips it), written
 * as it is formatted (a piece at a time: the file of ten thousand tenants is
 * over 100 MiB), fsynced, renamed over the old file, and the directory
 * fsynced. @name is letters, digits and "@+_.-". On failure the previous
 * file is untouched.
 */
int dw_metrics_write(const char *dir, const char *name, const struct dw_metrics_run *run,
                     struct dw_error *err);

/*
 * Fills in, from the file dw_metrics_write left at @dir/@name.prom, the times
 * this run cannot know: the last success of a tenant that failed (result
 * DW_METRICS_ERROR), and the last run and last success of one skipped. The
 * file is read once, a line at a time, whatever the number of tenants, and
 * not at all when no tenant of @tenants needs it (a caller over many tenants
 * passes only those that failed or were skipped); what it lacks stays as the
 * caller set it (0: never). Returns 0 (also when there is no file) or a
 * negative errno.
 */
int dw_metrics_carry_over(const char *dir, const char *name, struct dw_metrics_tenant *tenants,
                          size_t n);

#endif
