/*
 * Drift in a snapshot (docs/drift-format.md): once the tenant's files are
 * staged, the approved rules are evaluated over the tree the commit will
 * hold, and drift.json and DRIFT.md are staged beside the files, dated with
 * the commit's own time, so that `driftward drift --at` the commit gives the
 * same bytes.
 *
 * The reports are staged only with a change to the snapshot (or on a branch
 * that has none yet): an unchanged tenant keeps its previous reports, its
 * tree stays the same and no commit is made. Its verdict is still evaluated,
 * against the rules and the time of this run, for the exit status and the
 * metrics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "snapshot/internal.h"

static const enum dw_drift_format report_formats[] = { DW_DRIFT_JSON, DW_DRIFT_MD };

bool dw_snapshot__is_report(const char *path)
{
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(report_formats); i++)
		if (strcmp(path, dw_drift_format_file(report_formats[i])) == 0)
			return true;
	return false;
}

static int add_file(const char *path, const void *data, size_t len, void *payload)
{
	void **p = payload;

	return dw_drift_stream_add(p[0], path, data, len, p[1]);
}

/*
 * Evaluates the snapshot as the commit will hold it, read in path order a
 * collector at a time: memory holds one collector's objects, not the tenant.
 */
static int evaluate_staged(struct tenant_run *tr, const struct dw_baseline *bl,
                           const struct dw_bl_files *files, const struct dw_drift_context *ctx,
                           struct dw_drift **out, struct dw_error *err)
{
	struct dw_drift_stream *s = NULL;
	void *p[2] = { NULL, err };
	int r;

	if ((r = dw_drift_stream_new(bl, files, ctx, &s)) < 0)
		return dw_error_set(err, r, DW_AREA_SYSTEM, -r, "out of memory");
	p[0] = s;
	r = dw_store_tx_read_files(tr->tx, add_file, p, err);
	r = r < 0 ? r : dw_drift_stream_finish(s, out, err);
	dw_drift_stream_free(s);
	return r;
}

/* Rules that do not compile: the first problem, and how many more there are. */
static int rules_failed(const struct tenant_run *tr, const struct dw_diags *diags,
                        struct dw_error *err)
{
	char first[DW_ERROR_MSG_MAX];

	if (diags->count == 0)
		return dw_error_set(err, -EINVAL, DW_AREA_YAML, 0,
		                    "the baselines on %s have errors",
		                    tr->ctx->cfg->agent.approved_ref);
	dw_diag_format(&diags->items[0], first, sizeof(first));
	return dw_error_set(err, -EINVAL, DW_AREA_YAML, 0,
	                    "the baselines on %s have errors (run driftward check): %s%s",
	                    tr->ctx->cfg->agent.approved_ref, first,
	                    diags->count > 1 ? " (and more)" : "");
}

static int evaluate(struct tenant_run *tr, const struct dw_drift_context *dc, struct dw_drift **out,
                    struct dw_error *err)
{
	const char *tenant = tr->report->tenant->name;
	struct dw_bl_files *files = NULL;
	struct dw_baseline *bl = NULL;
	struct dw_drift_context ctx = *dc;
	char approved[DW_STORE_ID_HEX] = "";
	struct dw_diags diags;
	int r;

	dw_diags_init(&diags);
	r = dw_bl_files_read(dw_session_store(tr->session), ctx.approved_ref, &files, approved,
	                     err);
	if (r == 0 && (r = dw_baseline_compile(files, tenant, &bl, &diags)) == -EINVAL)
		rules_failed(tr, &diags, err);
	ctx.approved_commit = approved;
	r = r ?: evaluate_staged(tr, bl, files, &ctx, out, err);
	dw_baseline_free(bl);
	dw_bl_files_free(files);
	dw_diags_release(&diags);
	return r;
}

/* First-seen dates from the report the previous commit carries, as drift --at reads them. */
static void carry_first_seen(struct tenant_run *tr, struct dw_drift *d)
{
	struct dw_buf b;

	dw_buf_init(&b, DW_STORE_FILE_MAX);
	if (dw_store_tx_previous(tr->tx, dw_drift_format_file(DW_DRIFT_JSON), &b, NULL) == 0)
		(void)dw_drift_previous(d, b.ptr, b.len, NULL);
	dw_buf_release(&b);
}

static int count_snapshot_change(const char *path, enum dw_store_change change, void *payload)
{
	(void)change;
	if (!dw_snapshot__is_report(path))
		++*(size_t *)payload;
	return 0;
}

/* New reports go with a changed snapshot, or to a branch that has none. */
static bool reports_wanted(struct tenant_run *tr)
{
	struct dw_buf b;
	size_t changes = 0;
	int r;

	if (!*dw_store_tx_parent(tr->tx))
		return true;
	dw_store_tx_foreach_change(tr->tx, count_snapshot_change, &changes);
	if (changes)
		return true;
	dw_buf_init(&b, DW_STORE_FILE_MAX);
	r = dw_store_tx_previous(tr->tx, dw_drift_format_file(DW_DRIFT_JSON), &b, NULL);
	dw_buf_release(&b);
	return r == -ENOENT;
}

static int stage_reports(struct tenant_run *tr, const struct dw_drift *d, struct dw_error *err)
{
	struct dw_buf out;
	size_t i;
	int r = 0;

	dw_buf_init(&out, DW_STORE_FILE_MAX);
	for (i = 0; r == 0 && i < DW_ARRAY_SIZE(report_formats); i++) {
		dw_buf_reset(&out);
		r = dw_drift_write(d, report_formats[i], &out, err);
		r = r
		            ?: dw_store_tx_stage(tr->tx, dw_drift_format_file(report_formats[i]),
		                                 out.ptr, out.len, err);
	}
	dw_buf_release(&out);
	return r;
}

/* The previous reports stay as they are (the transaction replaces the whole tree). */
static int keep_reports(struct tenant_run *tr, struct dw_error *err)
{
	size_t i;
	int r = 0;

	for (i = 0; r >= 0 && i < DW_ARRAY_SIZE(report_formats); i++)
		r = dw_store_tx_keep(tr->tx, dw_drift_format_file(report_formats[i]), err);
	return r < 0 ? r : 0;
}

int dw_snapshot__drift_stage(struct tenant_run *tr, struct dw_error *err)
{
	struct dw_snapshot_tenant *t = tr->report;
	struct dw_drift_context ctx = { .tenant = t->tenant->name,
		                        .commit_time = (int64_t)time(NULL),
		                        .approved_ref = tr->ctx->cfg->agent.approved_ref };
	struct dw_drift *d = NULL;
	int r;

	dw_error_clear(&t->drift_err);
	t->drift_rc = evaluate(tr, &ctx, &d, &t->drift_err);
	if (t->drift_rc < 0) {
		/* the snapshot is worth its commit without a report; the reports it had stay */
		r = keep_reports(tr, err);
		goto out;
	}
	carry_first_seen(tr, d);
	dw_drift_summary(d, &t->drift);
	t->drift_evaluated = true;
	if (!reports_wanted(tr)) {
		r = keep_reports(tr, err);
		goto out;
	}
	dw_store_tx_set_time(tr->tx, ctx.commit_time);
	r = stage_reports(tr, d, err);
out:
	dw_drift_free(d);
	return r;
}
