/*
 * The audit commit: what an apply sent and what came of it, on the tenant's
 * branch, with every secret masked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driftward/restore.h"
#include "restore/internal.h"

static const char *const status_names[] = { "not sent", "applied", "failed" };

static int set_str(struct dw_json_doc *doc, struct dw_json *o, const char *key, const char *s)
{
	struct dw_json *v = s ? dw_json_new_cstr(doc, s) : dw_json_new_null(doc);

	return v ? dw_json_object_set(doc, o, key, v) : -ENOMEM;
}

static int set_parsed(struct dw_json_doc *doc, struct dw_json *o, const char *key, const char *json,
                      struct dw_error *err)
{
	struct dw_json_doc *tmp = NULL;
	struct dw_json *v;
	int r;

	if (!json)
		return set_str(doc, o, key, NULL);
	r = dw_json_parse(json, strlen(json), key, &tmp, err);
	if (r == 0)
		r = (v = dw_json_clone(doc, dw_json_root(tmp))) ? dw_json_object_set(doc, o, key, v)
		                                                : -ENOMEM;
	dw_json_doc_free(tmp);
	return r;
}

static int request_record(struct dw_json_doc *doc, struct dw_json *array,
                          const struct dw_restore_request *q, const struct dw_restore_result *res,
                          struct dw_error *err)
{
	struct dw_json *o = dw_json_new_object(doc);
	int r = o ? 0 : -ENOMEM;

	r = r ?: set_str(doc, o, "collector", q->collector);
	r = r ?: set_str(doc, o, "id", q->id);
	r = r ?: set_str(doc, o, "method", q->method);
	r = r ?: set_str(doc, o, "path", q->path);
	r = r ?: set_parsed(doc, o, "body", q->body, err);
	r = r ?: set_parsed(doc, o, "old", q->old, err);
	r = r ?: set_parsed(doc, o, "new", res->new_value, err);
	r = r ?: set_str(doc, o, "status", status_names[res->status]);
	r = r
	            ?: dw_json_object_set(doc, o, "httpStatus",
	                                  dw_json_new_int64(doc, (int64_t)res->http_status));
	r = r ?: set_str(doc, o, "detail", res->detail[0] ? res->detail : NULL);
	return r ?: dw_json_array_append(doc, array, o);
}

static int record(const struct dw_restore_plan *plan, const struct dw_restore_report *rep,
                  const char *who, struct dw_buf *out, struct dw_error *err)
{
	struct dw_json_doc *doc = dw_json_doc_new();
	struct dw_json *root = doc ? dw_json_new_object(doc) : NULL;
	struct dw_json *reqs = doc ? dw_json_new_array(doc) : NULL;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int r = root && reqs ? 0 : -ENOMEM;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	r = r ?: set_str(doc, root, "tenant", plan->tenant);
	r = r ?: set_str(doc, root, "approvedCommit", plan->commit);
	r = r ?: set_str(doc, root, "planHash", plan->hash);
	r = r ?: set_str(doc, root, "tenantState", plan->tenant_state);
	r = r ?: set_str(doc, root, "appliedBy", who);
	r = r ?: set_str(doc, root, "time", when);
	for (i = 0; r == 0 && i < plan->count; i++)
		r = request_record(doc, reqs, &plan->requests[i], &rep->results[i], err);
	r = r ?: dw_json_object_set(doc, root, "requests", reqs);
	r = r ?: dw_json_set_root(doc, root);
	r = r ?: dw_json_write(root, DW_JSON_PRETTY, out, err);
	dw_json_doc_free(doc);
	return r;
}

static int keep_one(const char *path, void *payload)
{
	struct dw_store_tx *tx = payload;
	int r = dw_store_tx_keep(tx, path, NULL);

	return r < 0 ? r : 0;
}

/* A restore's commits (audit, plan) change only their own files: every other stays as it was. */
int dw_restore__keep_all(struct dw_store_tx *tx)
{
	return dw_store_tx_list(tx, "", keep_one, tx);
}

static int message(const struct dw_restore_plan *plan, const struct dw_restore_report *rep,
                   const char *who, struct dw_buf *out, struct dw_error *err)
{
	const struct dw_trailer trailers[] = {
		{ "Approved-Commit", plan->commit },
		{ "Plan-Hash", plan->hash },
		{ "Applied-By", who },
	};
	struct dw_buf subject;
	int r;

	dw_buf_init(&subject, 1024);
	r = dw_buf_printf(&subject, "%s: restore: %zu applied, %zu failed, %zu not sent",
	                  plan->tenant, rep->applied, rep->failed,
	                  plan->count - rep->applied - rep->failed);
	r = r ?: dw_store_message(out, dw_buf_cstr(&subject), NULL, trailers, 3, err);
	dw_buf_release(&subject);
	return r;
}

int dw_restore__audit(struct dw_session *s, const struct dw_restore_plan *plan,
                      struct dw_restore_report *rep, const char *who, struct dw_error *err)
{
	struct dw_store_tx *tx = dw_session_tx(s);
	struct dw_store_commit_result result;
	struct dw_buf file, msg;
	int r;

	if (!tx)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "no open transaction");
	dw_buf_init(&file, DW_RESTORE_PLAN_MAX);
	dw_buf_init(&msg, 64 * 1024);
	r = dw_restore__keep_all(tx);
	r = r ?: record(plan, rep, who, &file, err);
	r = r ?: dw_store_tx_stage(tx, DW_RESTORE_AUDIT_FILE, file.ptr, file.len, err);
	r = r ?: message(plan, rep, who, &msg, err);
	r = r ?: dw_session_commit(s, dw_buf_cstr(&msg), &result, err);
	if (r == 0)
		memcpy(rep->commit, result.commit, sizeof(rep->commit));
	dw_buf_release(&file);
	dw_buf_release(&msg);
	return r;
}
