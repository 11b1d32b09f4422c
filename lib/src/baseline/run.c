/*
 * One tenant's drift, from the state repository: the snapshot at a commit,
 * the rules compiled for its tenant, first-seen dates from the report the
 * commit's parent carries. Everything comes from commits, so evaluating the
 * same commit against the same rules gives the same bytes, any day.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/internal.h"
#include "driftward/store.h"

const char *dw_drift_tenant(const struct dw_drift *d)
{
	return d->tenant;
}

static int commit_time(const struct dw_store_commit *c, void *payload)
{
	*(int64_t *)payload = c->time;
	return 0;
}

/* The tenant named by _status.json at @commit, into @out. */
static int tenant_of(struct dw_store *store, const char *commit, char *out, size_t len,
                     struct dw_error *err)
{
	struct dw_json_doc *doc = NULL;
	struct dw_buf b;
	const char *t;
	int r;

	dw_buf_init(&b, DW_STORE_FILE_MAX);
	r = dw_store_read_file(store, commit, "_status.json", &b, err);
	if (r == -ENOENT)
		r = dw_error_set(err, r, DW_AREA_USAGE, 0,
		                 "commit %.12s holds no snapshot (_status.json): name the tenant",
		                 commit);
	r = r ?: dw_json_parse(b.ptr, b.len, "_status.json", &doc, err);
	t = r == 0 ? dw_json_cstr(dw_json_get(dw_json_root(doc), "tenant")) : NULL;
	if (r == 0 && (!t || strlen(t) >= len))
		r = dw_error_set(err, -EINVAL, DW_AREA_JSON, 0,
		                 "_status.json of %.12s names no tenant", commit);
	if (r == 0)
		snprintf(out, len, "%s", t);
	dw_json_doc_free(doc);
	dw_buf_release(&b);
	return r;
}

/* First-seen dates from the parent commit's drift.json, when it has one. */
static void previous(struct dw_store *store, const char *commit, struct dw_drift *d)
{
	char parent[DW_STORE_ID_HEX + 4];
	struct dw_buf b;

	snprintf(parent, sizeof(parent), "%s~1", commit);
	dw_buf_init(&b, DW_STORE_FILE_MAX);
	/* no parent, no report there, or one we can't read: dates start at this commit */
	if (dw_store_read_file(store, parent, "drift.json", &b, NULL) == 0)
		(void)dw_drift_previous(d, b.ptr, b.len, NULL);
	dw_buf_release(&b);
}

static int evaluate(struct dw_store *store, const struct dw_bl_files *files,
                    const struct dw_drift_context *ctx, struct dw_drift **out,
                    struct dw_diags *diags, struct dw_error *err)
{
	struct dw_baseline *bl = NULL;
	struct dw_bl_snapshot *snap = NULL;
	int r;

	r = dw_baseline_compile(files, ctx->tenant, &bl, diags);
	if (r == -EINVAL)
		dw_error_set(err, r, DW_AREA_YAML, 0,
		             "the baselines on %s have errors for tenant %s", ctx->approved_ref,
		             ctx->tenant);
	r = r ?: dw_bl_snapshot_read(store, ctx->commit, &snap, err);
	r = r ?: dw_drift_evaluate(bl, files, snap, ctx, out, err);
	if (r == 0)
		previous(store, ctx->commit, *out);
	dw_bl_snapshot_free(snap);
	dw_baseline_free(bl);
	return r;
}

int dw_drift_run(struct dw_store *store, const struct dw_bl_files *files,
                 const struct dw_drift_run_options *o, struct dw_drift **out,
                 struct dw_diags *diags, struct dw_error *err)
{
	char commit[DW_STORE_ID_HEX], ref[300], tenant[256];
	struct dw_drift_context ctx = { 0 };
	const char *rev = o->at;
	int r = 0;

	*out = NULL;
	if (!rev) {
		if (!o->tenant || dw_store_tenant_ref(o->tenant, ref, sizeof(ref)) < 0)
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "no such tenant '%s'",
			                    o->tenant ? o->tenant : "");
		rev = ref;
	}
	r = dw_store_resolve(store, rev, commit, err);
	r = r ?: dw_store_log(store, commit, 1, commit_time, &ctx.commit_time, err);
	if (r == 0 && !o->tenant)
		r = tenant_of(store, commit, tenant, sizeof(tenant), err);
	if (r < 0)
		return r;
	ctx.tenant = o->tenant ? o->tenant : tenant;
	ctx.commit = commit;
	ctx.approved_ref = o->approved_ref;
	ctx.approved_commit = o->approved_commit;
	return evaluate(store, files, &ctx, out, diags, err);
}
