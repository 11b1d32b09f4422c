/*
 * Findings. A report is built directly as the drift.json document (one
 * JSON tree): the other formats render from it, first-seen dates are merged
 * into it, and nothing in it points back at the rules or the snapshot.
 *
 * A finding's fingerprint is its identity across runs: the SHA-256 of the
 * kind, rule, tenant, collector and, where the object is part of what the
 * rule judges (expect all/none, desired state), the object's id. It never
 * depends on values, names or file paths, which change while the problem
 * stays the same.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "baseline/internal.h"
#include "driftward/crypto.h"

const char *dw_drift_status_name(enum dw_drift_status s)
{
	static const char *const names[] = { "pass", "fail", "waived", "n/a", "unknown", "error" };

	return (unsigned)s < DW_ARRAY_SIZE(names) ? names[s] : "error";
}

const char *dw_baseline__severity_name(enum bl_severity s)
{
	static const char *const names[] = { "critical", "high", "medium", "low", "info" };

	return (unsigned)s < DW_ARRAY_SIZE(names) ? names[s] : "info";
}

void dw_baseline__iso_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fingerprint(struct dw_drift *d, const struct bl_finding *f, char hex[65])
{
	const char *parts[] = {
		"driftward/v1", f->kind,
		f->rule,        d->tenant,
		f->collector,   f->fingerprint_object && f->object ? f->object->id : ""
	};
	unsigned char md[DW_SHA256_LEN];
	struct dw_buf b;
	size_t i;
	int r = 0;

	dw_buf_init(&b, 1u << 16);
	for (i = 0; i < DW_ARRAY_SIZE(parts); i++)
		r = r
		            ?: dw_buf_put(&b, parts[i] ? parts[i] : "",
		                          strlen(parts[i] ? parts[i] : "") + 1);
	if (r < 0 || dw_sha256(b.ptr, b.len, md) < 0)
		memset(md, 0, sizeof(md));
	dw_buf_release(&b);
	for (i = 0; i < DW_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static int set_str(struct dw_drift *d, struct dw_json *o, const char *key, const char *value)
{
	if (!value)
		return 0;
	return dw_json_object_set(d->doc, o, key, dw_json_new_cstr(d->doc, value));
}

static int set_object(struct dw_drift *d, struct dw_json *finding, const struct bl_object *obj)
{
	struct dw_json *o = dw_json_new_object(d->doc);
	int r;

	r = set_str(d, o, "id", obj->id);
	r = r ?: set_str(d, o, "name", obj->name);
	r = r ?: set_str(d, o, "path", obj->path);
	return r ?: dw_json_object_set(d->doc, finding, "object", o);
}

int dw_baseline__finding(struct dw_drift *d, const struct bl_finding *f, struct dw_json **out)
{
	struct dw_json *o = dw_json_new_object(d->doc);
	char fp[65], when[32];
	int r;

	fingerprint(d, f, fp);
	r = set_str(d, o, "fingerprint", fp);
	r = r ?: set_str(d, o, "kind", f->kind);
	r = r ?: set_str(d, o, "rule", f->rule);
	r = r ?: set_str(d, o, "title", f->title);
	r = r ?: set_str(d, o, "severity", f->severity);
	r = r ?: set_str(d, o, "status", dw_drift_status_name(f->status));
	r = r ?: set_str(d, o, "collector", f->collector);
	r = r ?: set_str(d, o, "source", f->source);
	r = r ?: set_str(d, o, "reason", f->reason);
	if (r == 0 && f->object)
		r = set_object(d, o, f->object);
	if (r == 0 && (f->status == DW_DRIFT_FAIL || f->status == DW_DRIFT_WAIVED)) {
		dw_baseline__iso_time(d->commit_time, when);
		r = set_str(d, o, "firstSeen", when);
	}
	if (r == 0 && d->sink) {
		if (DW_ARRAY_GROW(d->sink->items, d->sink->alloc, d->sink->count + 1) < 0)
			r = -ENOMEM;
		else
			d->sink->items[d->sink->count++] = o;
	} else {
		r = r ?: dw_json_array_append(d->doc, d->findings, o);
	}
	*out = o;
	return r;
}

/* The value at @a's path in @obj, or NULL. */
static const struct dw_json *actual_of(const struct bl_assert *a, const struct dw_json *obj)
{
	return dw_baseline__at(obj, a->path);
}

static int expected_of(struct dw_drift *d, const struct bl_assert *a, struct dw_json **out)
{
	char what[64];

	if (a->kind == BL_LEAF) {
		*out = dw_json_clone(d->doc, a->arg);
	} else {
		snprintf(what, sizeof(what), "%s of %zu assertion%s", dw_baseline__op_name(a),
		         a->nkids, a->nkids == 1 ? "" : "s");
		*out = dw_json_new_cstr(d->doc, what);
	}
	return *out ? 0 : -ENOMEM;
}

int dw_baseline__failure(struct dw_drift *d, struct dw_json *finding, const struct bl_assert *a,
                         const struct dw_json *obj)
{
	struct dw_json *list = dw_json_get(finding, "failures"), *f, *exp = NULL;
	const struct dw_json *act = a->kind == BL_ALLOF || a->kind == BL_ANYOF || a->kind == BL_NOT
	                                    ? NULL
	                                    : actual_of(a, obj);
	char at[DW_ERROR_FILE_MAX + 32];
	int r = 0;

	if (!list) {
		list = dw_json_new_array(d->doc);
		r = dw_json_object_set(d->doc, finding, "failures", list);
	}
	f = dw_json_new_object(d->doc);
	snprintf(at, sizeof(at), "%s:%u:%u", a->file, a->line, a->col);
	r = r ?: set_str(d, f, "path", a->path);
	r = r ?: set_str(d, f, "operator", dw_baseline__op_name(a));
	r = r ?: expected_of(d, a, &exp);
	r = r ?: dw_json_object_set(d->doc, f, "expected", exp);
	if (a->ignore_case)
		r = r
		            ?: dw_json_object_set(d->doc, f, "ignoreCase",
		                                  dw_json_new_bool(d->doc, true));
	if (act)
		r = r ?: dw_json_object_set(d->doc, f, "actual", dw_json_clone(d->doc, act));
	else if (*a->path)
		r = r ?: dw_json_object_set(d->doc, f, "missing", dw_json_new_bool(d->doc, true));
	r = r ?: set_str(d, f, "at", at);
	return r ?: dw_json_array_append(d->doc, list, f);
}

void dw_drift_free(struct dw_drift *d)
{
	if (!d)
		return;
	dw_json_doc_free(d->doc);
	free(d->tenant);
	free(d);
}

static int severity_index(const char *s)
{
	int i;

	for (i = 0; i < 5; i++)
		if (s && !strcmp(s, dw_baseline__severity_name((enum bl_severity)i)))
			return i;
	return 4;
}

void dw_drift_summary(const struct dw_drift *d, struct dw_drift_summary *out)
{
	size_t i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < dw_json_count(d->findings); i++) {
		struct dw_json *f = dw_json_at(d->findings, i);
		const char *st = dw_json_cstr(dw_json_get(f, "status"));

		for (k = 0; k < DW_DRIFT_NSTATUS; k++)
			if (st && !strcmp(st, dw_drift_status_name((enum dw_drift_status)k))) {
				out->status[k]++;
				out->by_severity[severity_index(
				        dw_json_cstr(dw_json_get(f, "severity")))][k]++;
			}
		if (st && !strcmp(st, "fail"))
			out->fail_by_severity[severity_index(
			        dw_json_cstr(dw_json_get(f, "severity")))]++;
	}
}

/* The finding with fingerprint @fp in the findings array @list, or NULL. */
static struct dw_json *by_fingerprint(const struct dw_json *list, const char *fp)
{
	size_t i;

	for (i = 0; i < dw_json_count(list); i++) {
		const char *other = dw_json_cstr(dw_json_get(dw_json_at(list, i), "fingerprint"));

		if (other && !strcmp(other, fp))
			return dw_json_at(list, i);
	}
	return NULL;
}

int dw_drift_previous(struct dw_drift *d, const char *json, size_t len, struct dw_error *err)
{
	struct dw_json_doc *prev = NULL;
	struct dw_json *list, *f, *old, *seen;
	const char *fp, *schema;
	size_t i;
	int r;

	if ((r = dw_json_parse(json, len, "previous drift.json", &prev, err)) < 0)
		return r;
	schema = dw_json_cstr(dw_json_get(dw_json_root(prev), "schema"));
	list = dw_json_get(dw_json_root(prev), "findings");
	if (!schema || strcmp(schema, DW_DRIFT_SCHEMA) != 0) {
		dw_json_doc_free(prev);
		return dw_error_set(err, -EINVAL, DW_AREA_JSON, 0,
		                    "previous drift.json: not a " DW_DRIFT_SCHEMA " report");
	}
	for (i = 0, r = 0; r == 0 && i < dw_json_count(d->findings); i++) {
		f = dw_json_at(d->findings, i);
		fp = dw_json_cstr(dw_json_get(f, "fingerprint"));
		old = fp ? by_fingerprint(list, fp) : NULL;
		seen = old ? dw_json_get(old, "firstSeen") : NULL;
		/* an earlier date only: a report from a later commit must not move dates back */
		if (seen && dw_json_cstr(seen) && dw_json_get(f, "firstSeen") &&
		    strcmp(dw_json_cstr(seen), dw_json_cstr(dw_json_get(f, "firstSeen"))) < 0)
			r = dw_json_object_set(d->doc, f, "firstSeen", dw_json_clone(d->doc, seen));
	}
	dw_json_doc_free(prev);
	return r;
}
