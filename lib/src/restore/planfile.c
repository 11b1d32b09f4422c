/*
 * The plan file: canonical JSON that says which commit, against which
 * tenant state, and which requests, hashed over its own content so that an
 * edited plan is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/restore.h"
#include "restore/internal.h"

#define PLAN_FORMAT "driftward/plan/v1"

static const char *const action_names[] = {
	[DW_RESTORE_UPDATE] = "update",
	[DW_RESTORE_CREATE] = "create",
	[DW_RESTORE_DELETE] = "delete",
};

const char *dw_restore_action_name(enum dw_restore_action action)
{
	return (size_t)action < DW_ARRAY_SIZE(action_names) ? action_names[action] : "?";
}

static void request_release(struct dw_restore_request *q)
{
	free(q->collector);
	free(q->id);
	free(q->api_version);
	free(q->path);
	free(q->body);
	free(q->old);
	free(q->intent);
	dw_buf_release(&q->send);
}

void dw_restore_plan_free(struct dw_restore_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->count; i++)
		request_release(&plan->requests[i]);
	free(plan->requests);
	free(plan->tenant);
	dw_buf_release(&plan->diff);
	free(plan);
}

int dw_restore__request_add(struct dw_restore_plan *plan, struct dw_restore_request **out)
{
	struct dw_restore_request *q;

	if (DW_ARRAY_GROW(plan->requests, plan->alloc, plan->count + 1) < 0)
		return -ENOMEM;
	q = &plan->requests[plan->count++];
	memset(q, 0, sizeof(*q));
	dw_buf_init_secret(&q->send, DW_RESTORE_PLAN_MAX);
	*out = q;
	return 0;
}

/* Sets @key of @obj to the JSON text @json, parsed (NULL: JSON null). */
static int set_json(struct dw_json_doc *doc, struct dw_json *obj, const char *key, const char *json,
                    struct dw_error *err)
{
	struct dw_json_doc *tmp = NULL;
	struct dw_json *v;
	int r;

	if (!json)
		return dw_json_object_set(doc, obj, key, dw_json_new_null(doc));
	r = dw_json_parse(json, strlen(json), key, &tmp, err);
	if (r == 0)
		r = (v = dw_json_clone(doc, dw_json_root(tmp)))
		            ? dw_json_object_set(doc, obj, key, v)
		            : -ENOMEM;
	dw_json_doc_free(tmp);
	return r;
}

static int set_str(struct dw_json_doc *doc, struct dw_json *obj, const char *key, const char *s)
{
	return dw_json_object_set(doc, obj, key, dw_json_new_cstr(doc, s));
}

static int request_json(struct dw_json_doc *doc, struct dw_json *array,
                        const struct dw_restore_request *q, struct dw_error *err)
{
	struct dw_json *o = dw_json_new_object(doc);
	int r = o ? 0 : -ENOMEM;

	r = r ?: set_str(doc, o, "collector", q->collector);
	r = r ?: set_str(doc, o, "id", q->id);
	r = r ?: set_str(doc, o, "action", dw_restore_action_name(q->action));
	r = r ?: set_str(doc, o, "method", q->method);
	r = r ?: set_str(doc, o, "api", q->api_version);
	r = r ?: set_str(doc, o, "path", q->path);
	r = r ?: set_json(doc, o, "body", q->body, err);
	r = r ?: set_json(doc, o, "old", q->old, err);
	r = r ?: dw_json_array_append(doc, array, o);
	return r;
}

static int plan_json(const struct dw_restore_plan *plan, struct dw_json_doc *doc,
                     struct dw_error *err)
{
	struct dw_json *root = dw_json_new_object(doc), *opts = dw_json_new_object(doc);
	struct dw_json *reqs = dw_json_new_array(doc);
	size_t i;
	int r = root && opts && reqs ? 0 : -ENOMEM;

	r = r ?: set_str(doc, root, "format", PLAN_FORMAT);
	r = r ?: set_str(doc, root, "tenant", plan->tenant);
	r = r ?: set_str(doc, root, "commit", plan->commit);
	r = r ?: set_str(doc, root, "tenantState", plan->tenant_state);
	r = r
	            ?: dw_json_object_set(
	                       doc, opts, "allowCreate",
	                       dw_json_new_bool(doc, plan->flags & DW_RESTORE_ALLOW_CREATE));
	r = r
	            ?: dw_json_object_set(
	                       doc, opts, "allowDelete",
	                       dw_json_new_bool(doc, plan->flags & DW_RESTORE_ALLOW_DELETE));
	r = r
	            ?: dw_json_object_set(
	                       doc, opts, "caReportOnly",
	                       dw_json_new_bool(doc, plan->flags & DW_RESTORE_CA_REPORT_ONLY));
	r = r ?: dw_json_object_set(doc, root, "options", opts);
	for (i = 0; r == 0 && i < plan->count; i++)
		r = request_json(doc, reqs, &plan->requests[i], err);
	r = r ?: dw_json_object_set(doc, root, "requests", reqs);
	r = r ?: dw_json_set_root(doc, root);
	return r;
}

int dw_restore__canonical(const struct dw_restore_plan *plan, struct dw_buf *out,
                          struct dw_error *err)
{
	struct dw_json_doc *doc = dw_json_doc_new();
	int r = doc ? 0 : -ENOMEM;

	r = r ?: plan_json(plan, doc, err);
	r = r ?: dw_json_write(dw_json_root(doc), DW_JSON_COMPACT, out, err);
	dw_json_doc_free(doc);
	return r;
}

int dw_restore_plan_write(const struct dw_restore_plan *plan, struct dw_buf *out,
                          struct dw_error *err)
{
	struct dw_json_doc *doc = dw_json_doc_new();
	int r = doc ? 0 : -ENOMEM;

	r = r ?: plan_json(plan, doc, err);
	r = r ?: set_str(doc, dw_json_root(doc), "hash", plan->hash);
	r = r ?: dw_json_write(dw_json_root(doc), DW_JSON_PRETTY, out, err);
	dw_json_doc_free(doc);
	return r;
}

/* --- reading --- */

static int bad(struct dw_error *err, const char *what)
{
	return dw_error_set(err, -EBADMSG, DW_AREA_JSON, 0, "plan: %s", what);
}

static int copy_str(const struct dw_json *obj, const char *key, char **out, struct dw_error *err)
{
	const char *s = dw_json_cstr(dw_json_get(obj, key));

	if (!s)
		return dw_error_set(err, -EBADMSG, DW_AREA_JSON, 0, "plan: '%s' is missing", key);
	return (*out = strdup(s)) ? 0 : -ENOMEM;
}

static int copy_fixed(const struct dw_json *obj, const char *key, char *out, size_t outlen,
                      struct dw_error *err)
{
	const char *s = dw_json_cstr(dw_json_get(obj, key));

	if (!s || strlen(s) >= outlen)
		return dw_error_set(err, -EBADMSG, DW_AREA_JSON, 0,
		                    "plan: '%s' is missing or wrong", key);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* The member as compact JSON text; NULL for JSON null. */
static int copy_json(const struct dw_json *obj, const char *key, char **out, struct dw_error *err)
{
	const struct dw_json *v = dw_json_get(obj, key);
	struct dw_buf b;
	int r;

	if (!v)
		return dw_error_set(err, -EBADMSG, DW_AREA_JSON, 0, "plan: '%s' is missing", key);
	if (dw_json_type(v) == DW_JSON_NULL)
		return 0;
	dw_buf_init(&b, DW_RESTORE_PLAN_MAX);
	r = dw_json_write(v, DW_JSON_COMPACT, &b, err);
	if (r == 0)
		*out = dw_buf_detach(&b, NULL);
	dw_buf_release(&b);
	return r == 0 && !*out ? -ENOMEM : r;
}

static const char *const methods[] = { "PATCH", "PUT", "POST", "DELETE" };

static int read_method(const struct dw_json *o, struct dw_restore_request *q, struct dw_error *err)
{
	const char *m = dw_json_cstr(dw_json_get(o, "method"));
	const char *a = dw_json_cstr(dw_json_get(o, "action"));
	size_t i;

	for (i = 0; m && i < DW_ARRAY_SIZE(methods); i++)
		if (strcmp(m, methods[i]) == 0)
			q->method = methods[i];
	for (i = 0; a && i < DW_ARRAY_SIZE(action_names); i++)
		if (strcmp(a, action_names[i]) == 0)
			break;
	if (!q->method || !a || i == DW_ARRAY_SIZE(action_names))
		return bad(err, "a request has no valid method or action");
	q->action = (enum dw_restore_action)i;
	return 0;
}

static int read_request(struct dw_restore_plan *plan, const struct dw_json *o, struct dw_error *err)
{
	struct dw_restore_request *q;
	int r;

	if (dw_json_type(o) != DW_JSON_OBJECT)
		return bad(err, "a request is not an object");
	r = dw_restore__request_add(plan, &q);
	r = r ?: copy_str(o, "collector", &q->collector, err);
	r = r ?: copy_str(o, "id", &q->id, err);
	r = r ?: read_method(o, q, err);
	r = r ?: copy_str(o, "api", &q->api_version, err);
	r = r ?: copy_str(o, "path", &q->path, err);
	r = r ?: copy_json(o, "body", &q->body, err);
	r = r ?: copy_json(o, "old", &q->old, err);
	return r;
}

static int read_flags(struct dw_restore_plan *plan, const struct dw_json *opts,
                      struct dw_error *err)
{
	static const struct {
		const char *key;
		unsigned flag;
	} keys[] = { { "allowCreate", DW_RESTORE_ALLOW_CREATE },
		     { "allowDelete", DW_RESTORE_ALLOW_DELETE },
		     { "caReportOnly", DW_RESTORE_CA_REPORT_ONLY } };
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(keys); i++) {
		const struct dw_json *v = dw_json_get(opts, keys[i].key);

		if (!v || (dw_json_type(v) != DW_JSON_TRUE && dw_json_type(v) != DW_JSON_FALSE))
			return bad(err, "an option is missing");
		if (dw_json_bool(v))
			plan->flags |= keys[i].flag;
	}
	return 0;
}

static int read_plan(struct dw_restore_plan *plan, const struct dw_json *root, struct dw_error *err)
{
	const struct dw_json *reqs = dw_json_get(root, "requests");
	const char *format = dw_json_cstr(dw_json_get(root, "format"));
	size_t i;
	int r = 0;

	if (!format || strcmp(format, PLAN_FORMAT) != 0)
		return bad(err, "not a driftward plan (format " PLAN_FORMAT ")");
	if (dw_json_type(reqs) != DW_JSON_ARRAY)
		return bad(err, "'requests' is missing");
	r = r ?: copy_str(root, "tenant", &plan->tenant, err);
	r = r ?: copy_fixed(root, "commit", plan->commit, sizeof(plan->commit), err);
	r = r
	            ?: copy_fixed(root, "tenantState", plan->tenant_state,
	                          sizeof(plan->tenant_state), err);
	r = r ?: read_flags(plan, dw_json_get(root, "options"), err);
	for (i = 0; r == 0 && i < dw_json_count(reqs); i++)
		r = read_request(plan, dw_json_at(reqs, i), err);
	return r;
}

/* The plan's hash over what it says, recomputed: an edited plan no longer matches. */
static int check_hash(struct dw_restore_plan *plan, const char *stated, struct dw_error *err)
{
	char hex[DW_RESTORE_HASH_HEX];
	struct dw_buf canon;
	int r;

	dw_buf_init(&canon, DW_RESTORE_PLAN_MAX);
	r = dw_restore__canonical(plan, &canon, err);
	r = r ?: dw_restore__hash(canon.ptr, canon.len, hex);
	if (r == 0 && strcmp(hex, stated) != 0)
		r = bad(err, "its hash does not match its content (edited after it was made?)");
	if (r == 0)
		memcpy(plan->hash, hex, sizeof(hex));
	dw_buf_release(&canon);
	return r;
}

int dw_restore_plan_read(const char *data, size_t len, struct dw_restore_plan **out,
                         struct dw_error *err)
{
	struct dw_restore_plan *plan = calloc(1, sizeof(*plan));
	struct dw_json_doc *doc = NULL;
	const char *hash;
	int r = plan ? 0 : -ENOMEM;

	*out = NULL;
	if (plan)
		dw_buf_init(&plan->diff, 1);
	r = r ?: dw_json_parse(data, len, "plan", &doc, err);
	if (r == 0 && dw_json_type(dw_json_root(doc)) != DW_JSON_OBJECT)
		r = bad(err, "not a JSON object");
	r = r ?: read_plan(plan, dw_json_root(doc), err);
	hash = r == 0 ? dw_json_cstr(dw_json_get(dw_json_root(doc), "hash")) : NULL;
	if (r == 0 && !hash)
		r = bad(err, "'hash' is missing");
	r = r ?: check_hash(plan, hash, err);
	dw_json_doc_free(doc);
	if (r == 0)
		*out = plan;
	else
		dw_restore_plan_free(plan);
	return r;
}
