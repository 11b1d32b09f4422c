/*
 * Baselines and drift (DESIGN.md section 5, docs/baselines.md,
 * docs/drift-format.md).
 *
 * The pieces, in the order a drift run uses them:
 *
 *	struct dw_bl_files    the files of the approved ref: baselines/, waivers/,
 *	                      vars/, desired/ (read from the store, or added by hand)
 *	struct dw_baseline    the rules and waivers compiled for one tenant, with
 *	                      that tenant's variables resolved
 *	struct dw_bl_snapshot one tenant's snapshot: _status.json and its objects
 *	struct dw_drift_stream the same evaluation while the snapshot is read,
 *	                      a collector's objects in memory at a time
 *	struct dw_drift       the findings, written as drift.json, DRIFT.md,
 *	                      JUnit XML or SARIF 2.1.0
 *
 * Nothing here reads the clock: every date in a report comes from the
 * snapshot's commit, so evaluating an old commit again gives the same bytes.
 *
 * Ownership: each object owns what it hands out; strings stay valid until the
 * object is freed. A dw_drift borrows nothing from the baseline or the
 * snapshot it was made from.
 */
#ifndef DRIFTWARD_BASELINE_H
#define DRIFTWARD_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "driftward/buf.h"
#include "driftward/diag.h"
#include "driftward/error.h"

struct dw_store;
struct dw_bl_files;
struct dw_baseline;
struct dw_bl_snapshot;
struct dw_drift;

#define DW_BASELINE_SCHEMA "driftward/baseline/v1"
#define DW_WAIVER_SCHEMA   "driftward/waiver/v1"
#define DW_DRIFT_SCHEMA    "driftward/drift/v1"

/* --- The approved files --- */

struct dw_bl_files *dw_bl_files_new(void);
void dw_bl_files_free(struct dw_bl_files *files);

/* Adds a copy of the file @path ("baselines/x.yaml", "vars/default.yaml", ...). */
int dw_bl_files_add(struct dw_bl_files *files, const char *path, const void *data, size_t len);

/*
 * Reads baselines/, waivers/, vars/ and desired/ from commit @rev (usually the
 * approved ref) into a new set; the commit's id goes to @commit_out when not NULL.
 */
int dw_bl_files_read(struct dw_store *store, const char *rev, struct dw_bl_files **out,
                     char *commit_out, struct dw_error *err);

/* --- Compiling rules --- */

/*
 * Compiles every baseline and waiver of @files for @tenant (NULL: only
 * vars/default.yaml). Every problem goes to @diags as file:line:col: message;
 * a rule with a problem is never silently dropped: the call fails with
 * -EINVAL when there is any error, and *out is NULL.
 */
int dw_baseline_compile(const struct dw_bl_files *files, const char *tenant,
                        struct dw_baseline **out, struct dw_diags *diags);

void dw_baseline_free(struct dw_baseline *bl);

/* Number of rules. */
size_t dw_baseline_count(const struct dw_baseline *bl);

/*
 * Lints everything @files holds: each baseline and waiver against the
 * defaults and against each vars/<tenant>.yaml. Returns 0 or -EINVAL; every
 * problem (once) in @diags.
 */
int dw_baseline_lint(const struct dw_bl_files *files, struct dw_diags *diags);

/* --- Snapshots --- */

struct dw_bl_snapshot *dw_bl_snapshot_new(void);
void dw_bl_snapshot_free(struct dw_bl_snapshot *snap);

/*
 * Adds the file @path of a snapshot: "_status.json" or "<collector>/<file>.json".
 * Other files (DRIFT.md, drift.json) are ignored. Bad JSON is an error naming @path.
 */
int dw_bl_snapshot_add(struct dw_bl_snapshot *snap, const char *path, const void *data, size_t len,
                       struct dw_error *err);

/* Reads the whole snapshot at commit @rev (a tenant branch or any commit). */
int dw_bl_snapshot_read(struct dw_store *store, const char *rev, struct dw_bl_snapshot **out,
                        struct dw_error *err);

/* --- Evaluating --- */

struct dw_drift_context {
	const char *tenant;
	/*
	 * The snapshot's commit time, seconds since the epoch: "now" for waivers
	 * and first-seen dates. The commit's id is not in the report: a snapshot
	 * commits its own report, which can't name the commit it is part of.
	 */
	int64_t commit_time;
	const char *approved_ref;    /* as configured */
	const char *approved_commit; /* the commit the rules came from */
};

/*
 * Evaluates @bl and the desired state in @files (may be NULL) against @snap.
 * Fails only for a lack of memory; a rule that can't be evaluated is a
 * finding with status error.
 */
int dw_drift_evaluate(const struct dw_baseline *bl, const struct dw_bl_files *files,
                      const struct dw_bl_snapshot *snap, const struct dw_drift_context *ctx,
                      struct dw_drift **out, struct dw_error *err);

void dw_drift_free(struct dw_drift *d);

/*
 * The same evaluation while the snapshot is read, for snapshots too large to
 * hold: each collector's objects are judged when the next collector's files
 * begin (or at the end) and freed, so memory holds one collector's objects
 * at a time. Files must come grouped by collector, as a walk of a tree in
 * path order gives them (dw_drift_stream_read, dw_store_tx_read_files); a
 * collector whose files come back after another's began is an error
 * (-EINVAL). The report is byte for byte dw_drift_evaluate's.
 *
 * @bl, @files (may be NULL) and @ctx must outlive the stream.
 */
struct dw_drift_stream;
int dw_drift_stream_new(const struct dw_baseline *bl, const struct dw_bl_files *files,
                        const struct dw_drift_context *ctx, struct dw_drift_stream **out);
/* One file of the snapshot, as dw_bl_snapshot_add takes it. */
int dw_drift_stream_add(struct dw_drift_stream *s, const char *path, const void *data, size_t len,
                        struct dw_error *err);
/* Every file of the snapshot at commit @rev (a tenant branch or any commit). */
int dw_drift_stream_read(struct dw_drift_stream *s, struct dw_store *store, const char *rev,
                         struct dw_error *err);
/* The report, once every file was added. Fails only for a lack of memory. */
int dw_drift_stream_finish(struct dw_drift_stream *s, struct dw_drift **out, struct dw_error *err);
void dw_drift_stream_free(struct dw_drift_stream *s);

enum dw_drift_status {
	DW_DRIFT_PASS,
	DW_DRIFT_FAIL,
	DW_DRIFT_WAIVED,
	DW_DRIFT_NA,
	DW_DRIFT_UNKNOWN,
	DW_DRIFT_ERROR,
};
#define DW_DRIFT_NSTATUS 6

/* "pass", "fail", "waived", "n/a", "unknown", "error". */
const char *dw_drift_status_name(enum dw_drift_status s);

struct dw_drift_summary {
	size_t status[DW_DRIFT_NSTATUS];
	size_t fail_by_severity[5];              /* critical, high, medium, low, info */
	size_t by_severity[5][DW_DRIFT_NSTATUS]; /* every status, by severity (metrics) */
};
void dw_drift_summary(const struct dw_drift *d, struct dw_drift_summary *out);

/*
 * Carries first-seen dates over from the previous report (the bytes of a
 * drift.json) for findings failing in both. A previous report that does not
 * parse is ignored: -EINVAL, the dates stay those of this commit.
 */
int dw_drift_previous(struct dw_drift *d, const char *json, size_t len, struct dw_error *err);

/* --- One tenant, from the state repository --- */

struct dw_drift_run_options {
	const char *approved_ref;    /* where the rules come from */
	const char *approved_commit; /* the commit @files were read from (when given) */
	const char *tenant;          /* NULL: the tenant named in the snapshot's _status.json */
	const char *at;              /* NULL: the tenant's branch; else any commit */
};

/*
 * Evaluates one tenant: its snapshot at @o->at or on its branch, against the
 * rules of @files compiled for it. @files NULL: read from the approved ref,
 * and with @o->at, from the approved ref as it was at the snapshot's commit
 * time (the rules of that day, so an old report is reproduced exactly).
 * First-seen dates come from the drift.json of the snapshot's parent commit,
 * when there is one. Rule problems go to @diags (-EINVAL); others to @err.
 */
int dw_drift_run(struct dw_store *store, const struct dw_bl_files *files,
                 const struct dw_drift_run_options *o, struct dw_drift **out,
                 struct dw_diags *diags, struct dw_error *err);

/* The tenant the report is about. */
const char *dw_drift_tenant(const struct dw_drift *d);

/* --- Reports --- */

enum dw_drift_format {
	DW_DRIFT_JSON,
	DW_DRIFT_MD,
	DW_DRIFT_JUNIT,
	DW_DRIFT_SARIF,
};

/* "json", "md", "junit", "sarif" to the format; -EINVAL for another word. */
int dw_drift_format_parse(const char *s, enum dw_drift_format *out);
/* The report's file name: drift.json, DRIFT.md, drift.junit.xml, drift.sarif. */
const char *dw_drift_format_file(enum dw_drift_format f);

/* Appends the report in format @f to @out. */
int dw_drift_write(const struct dw_drift *d, enum dw_drift_format f, struct dw_buf *out,
                   struct dw_error *err);

#endif
