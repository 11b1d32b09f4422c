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

static int evaluate(struct dw_store *store, const struct dw_bl_files *files, const char *commit,
                    const struct dw_drift_context *ctx, struct dw_drift **out,
                    struct dw_diags *diags, struct dw_error *err)
{
	struct dw_baseline *bl = NULL;
	struct dw_drift_stream *s = NULL;
	int r;

	r = dw_baseline_compile(files, ctx->tenant, &bl, diags);
	if (r == -EINVAL)
		dw_error_set(err, r, DW_AREA_YAML, 0,
		             "the baselines on %s have errors for tenant %s", ctx->approved_ref,
		             ctx->tenant);
	if (r == 0 && (r = dw_drift_stream_new(bl, files, ctx, &s)) < 0)
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "out of memory");
	r = r ?: dw_drift_stream_read(s, store, commit, err);
	r = r ?: dw_drift_stream_finish(s, out, err);
	if (r == 0)
		previous(store, commit, *out);
	dw_drift_stream_free(s);
	dw_baseline_free(bl);
	return r;
}

struct as_of {
	int64_t t;
	char id[DW_STORE_ID_HEX];
};

static int pick(const struct dw_store_commit *c, void *payload)
{
	struct as_of *a = payload;

	if (c->time > a->t)
		return 0;
	memcpy(a->id, c->id, sizeof(a->id));
	return 1;
}

/*
 * The files of the approved ref as they were at time @t: the newest commit
 * of its first-parent history not newer than the snapshot. So `drift --at`
 * judges an old snapshot by the rules of its day, and gives that day's report.
 */
static int files_as_of(struct dw_store *store, const char *ref, int64_t t, struct dw_bl_files **out,
                       char *commit, struct dw_error *err)
{
	struct as_of a = { t, "" };
	int r = dw_store_log(store, ref, 0, pick, &a, err);

	if (r < 0)
		return r;
	if (!a.id[0])
		return dw_error_set(err, -ENOENT, DW_AREA_GIT, 0,
		                    "%s has no commit as old as the snapshot", ref);
	return dw_bl_files_read(store, a.id, out, commit, err);
}

int dw_drift_run(struct dw_store *store, const struct dw_bl_files *files,
                 const struct dw_drift_run_options *o, struct dw_drift **out,
                 struct dw_diags *diags, struct dw_error *err)
{
	char commit[DW_STORE_ID_HEX], ref[300], tenant[256], approved[DW_STORE_ID_HEX];
	struct dw_drift_context ctx = { 0 };
	struct dw_bl_files *own = NULL;
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
	if (r == 0 && !files) {
		r = o->at ? files_as_of(store, o->approved_ref, ctx.commit_time, &own, approved,
		                        err)
		          : dw_bl_files_read(store, o->approved_ref, &own, approved, err);
		files = own;
	}
	ctx.tenant = o->tenant ? o->tenant : tenant;
	ctx.approved_ref = o->approved_ref;
	ctx.approved_commit = own ? approved : o->approved_commit;
	r = r ?: evaluate(store, files, commit, &ctx, out, diags, err);
	dw_bl_files_free(own);
	return r;
}
