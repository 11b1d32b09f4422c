/*
 * Reads each tenant's status from its branch: the last commit, _status.json,
 * drift.json and the remote-tracking ref. Everything comes from git objects,
 * so a mirror of the repository gives the same document.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driftward/json.h"
#include "driftward/status.h"
#include "driftward/store.h"
#include "status/internal.h"

#define STATUS_FILE_MAX (64u << 20)
#define PUSH_WALK_MAX   10000 /* commits looked at to count what was not pushed */

const char *const dw_status__severities[5] = { "critical", "high", "medium", "low", "info" };

struct status_ctx {
	struct dw_store *store;
	const struct dw_status_options *o;
	struct dw_json_doc *doc;
	struct dw_json *tenants;
	size_t *seen; /* per tenant asked for: 1 when its branch was found */
	struct dw_error *err;
};

int dw_status__parse_time(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	int n = 0;

	if (!s ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 20 || s[n] != '\0')
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

void dw_status__format_time(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 21, "?");
}

static int set_str(struct status_ctx *c, struct dw_json *obj, const char *key, const char *s)
{
	return dw_json_object_set(c->doc, obj, key,
	                          s ? dw_json_new_cstr(c->doc, s) : dw_json_new_null(c->doc));
}

static int set_int(struct status_ctx *c, struct dw_json *obj, const char *key, int64_t v)
{
	return dw_json_object_set(c->doc, obj, key, dw_json_new_int64(c->doc, v));
}

/* A file of the branch, parsed; *out NULL (and 0) when the commit has no such file. */
static int read_json(struct status_ctx *c, const char *commit, const char *path,
                     struct dw_json_doc **out)
{
	struct dw_buf b;
	int r;

	*out = NULL;
	dw_buf_init(&b, STATUS_FILE_MAX);
	r = dw_store_read_file(c->store, commit, path, &b, c->err);
	if (r == -ENOENT) {
		dw_error_clear(c->err);
		r = 0;
	} else if (r == 0) {
		r = dw_json_parse_buf(&b, path, out, c->err);
	}
	dw_buf_release(&b);
	return r;
}

struct last_run {
	struct status_ctx *c;
	struct dw_json *obj;
};

static int last_run_cb(const struct dw_store_commit *commit, void *payload)
{
	struct last_run *lr = payload;
	struct status_ctx *c = lr->c;
	size_t n = strcspn(commit->message, "\n");
	char when[21];

	dw_status__format_time(commit->time, when);
	return set_str(c, lr->obj, "commit", commit->id) ?:
	       set_str(c, lr->obj, "time", when) ?:
	       set_str(c, lr->obj, "runId", dw_store_commit_trailer(commit, "Run-Id")) ?:
	       set_str(c, lr->obj, "tenantId", dw_store_commit_trailer(commit, "Tenant-Id")) ?:
	       dw_json_object_set(c->doc, lr->obj, "subject",
	                          dw_json_new_string(c->doc, commit->message, n));
}

static int add_last_run(struct status_ctx *c, struct dw_json *t, const char *commit)
{
	struct last_run lr = { c, dw_json_new_object(c->doc) };
	int r;

	if (!lr.obj)
		return -ENOMEM;
	if ((r = dw_store_log(c->store, commit, 1, last_run_cb, &lr, c->err)) < 0)
		return r;
	return dw_json_object_set(c->doc, t, "lastRun", lr.obj);
}

/* Each collector _status.json does not mark "ok", with its status and detail. */
static int add_incomplete(struct status_ctx *c, struct dw_json *t, const char *commit)
{
	struct dw_json *list = dw_json_new_array(c->doc), *cols, *v, *e;
	struct dw_json_doc *st = NULL;
	const char *name, *status;
	size_t i;
	int r;

	if (!list || (r = read_json(c, commit, "_status.json", &st)) < 0)
		return list ? r : -ENOMEM;
	cols = st ? dw_json_get(dw_json_root(st), "collectors") : NULL;
	for (i = 0, r = 0; cols && r == 0 && (v = dw_json_member(cols, i, &name, NULL)); i++) {
		status = dw_json_cstr(dw_json_get(v, "status"));
		if (status && strcmp(status, "ok") == 0)
			continue;
		if (!(e = dw_json_new_object(c->doc)))
			r = -ENOMEM;
		else
			r = set_str(c, e, "collector", name) ?: set_str(c, e, "status", status) ?:
			    set_str(c, e, "detail", dw_json_cstr(dw_json_get(v, "detail"))) ?:
			    dw_json_array_append(c->doc, list, e);
	}
	if (r == 0)
		r = dw_json_object_set(c->doc, t, "incomplete", list);
	dw_json_doc_free(st);
	return r;
}

static int add_finding(struct status_ctx *c, struct dw_json *open, const struct dw_json *f)
{
	struct dw_json *e = dw_json_new_object(c->doc);
	const char *first = dw_json_cstr(dw_json_get(f, "firstSeen"));
	int64_t since;

	if (!e)
		return -ENOMEM;
	if (dw_status__parse_time(first, &since) < 0)
		since = c->o->now;
	return set_str(c, e, "fingerprint", dw_json_cstr(dw_json_get(f, "fingerprint"))) ?:
	       set_str(c, e, "rule", dw_json_cstr(dw_json_get(f, "rule"))) ?:
	       set_str(c, e, "title", dw_json_cstr(dw_json_get(f, "title"))) ?:
	       set_str(c, e, "severity", dw_json_cstr(dw_json_get(f, "severity"))) ?:
	       set_str(c, e, "collector", dw_json_cstr(dw_json_get(f, "collector"))) ?:
	       set_str(c, e, "firstSeen", first) ?:
	       set_int(c, e, "ageSeconds", c->o->now > since ? c->o->now - since : 0) ?:
	       dw_json_array_append(c->doc, open, e);
}

static int severity_index(const char *s)
{
	int i;

	for (i = 0; s && i < 5; i++)
		if (strcmp(s, dw_status__severities[i]) == 0)
			return i;
	return -1;
}

/* The failing findings of the branch's drift.json: null when it has none (no evaluation). */
static int add_findings(struct status_ctx *c, struct dw_json *t, const char *commit, bool *drift)
{
	struct dw_json *fs, *f, *open = dw_json_new_array(c->doc), *by = dw_json_new_object(c->doc);
	int64_t count[5] = { 0 };
	struct dw_json_doc *d = NULL;
	size_t i;
	int r, s;

	if (!open || !by)
		return -ENOMEM;
	if ((r = read_json(c, commit, "drift.json", &d)) < 0 || !d)
		return r < 0 ? r
		             : dw_json_object_set(c->doc, t, "findings", dw_json_new_null(c->doc));
	fs = dw_json_get(dw_json_root(d), "findings");
	for (i = 0; fs && r == 0 && (f = dw_json_at(fs, i)); i++) {
		if (strcmp(dw_json_cstr(dw_json_get(f, "status")) ?: "", "fail") != 0)
			continue;
		if ((s = severity_index(dw_json_cstr(dw_json_get(f, "severity")))) >= 0)
			count[s]++;
		r = add_finding(c, open, f);
		*drift = true;
	}
	for (s = 0; r == 0 && s < 5; s++)
		r = set_int(c, by, dw_status__severities[s], count[s]);
	if (r == 0 && (f = dw_json_new_object(c->doc)))
		r = dw_json_object_set(c->doc, f, "bySeverity", by) ?:
		    dw_json_object_set(c->doc, f, "open", open) ?:
		    dw_json_object_set(c->doc, t, "findings", f);
	else if (r == 0)
		r = -ENOMEM;
	dw_json_doc_free(d);
	return r;
}

struct unpushed {
	const char *tracking;
	int64_t count;
	bool found;
};

static int unpushed_cb(const struct dw_store_commit *commit, void *payload)
{
	struct unpushed *u = payload;

	if (strcmp(commit->id, u->tracking) == 0) {
		u->found = true;
		return 1;
	}
	u->count++;
	return 0;
}

/*
 * "pushed" (the remote-tracking ref names the branch's commit), "behind" (N
 * commits the remote has not had), "diverged" (the remote's commit is not in
 * the branch's history), or "unknown" (no remote-tracking ref: never pushed,
 * or pushed by something that did not record it).
 */
static int add_push(struct status_ctx *c, struct dw_json *t, const char *tenant, const char *commit)
{
	char ref[512], tracked[DW_STORE_ID_HEX];
	struct dw_json *p = dw_json_new_object(c->doc);
	struct unpushed u = { tracked, 0, false };
	const char *state = "unknown";
	int r;

	if (!p)
		return -ENOMEM;
	r = dw_store_tracking(c->store, tenant, ref, sizeof(ref), tracked, c->err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT) {
		r = 0;
	} else {
		r = dw_store_log(c->store, commit, PUSH_WALK_MAX, unpushed_cb, &u, c->err);
		if (r < 0)
			return r;
		state = !u.found ? "diverged" : u.count ? "behind" : "pushed";
		r = set_str(c, p, "ref", ref) ?: set_str(c, p, "commit", tracked);
		if (r == 0 && u.found)
			r = set_int(c, p, "unpushed", u.count);
	}
	return r ?: set_str(c, p, "state", state) ?: dw_json_object_set(c->doc, t, "push", p);
}

static const char *result_of(bool drift, const struct dw_json *t)
{
	if (drift)
		return "drift found";
	return dw_json_count(dw_json_get(t, "incomplete")) ? "incomplete" : "ok";
}

static bool wanted(struct status_ctx *c, const char *tenant)
{
	size_t i;

	if (!c->o->ntenants)
		return true;
	for (i = 0; i < c->o->ntenants; i++)
		if (strcmp(c->o->tenants[i], tenant) == 0) {
			c->seen[i] = 1;
			return true;
		}
	return false;
}

static int tenant_cb(const char *tenant, const char *commit, void *payload)
{
	struct status_ctx *c = payload;
	struct dw_json *t;
	bool drift = false;
	int r;

	if (!wanted(c, tenant))
		return 0;
	if (!(t = dw_json_new_object(c->doc)))
		return -ENOMEM;
	r = set_str(c, t, "tenant", tenant) ?: add_last_run(c, t, commit) ?:
	    add_incomplete(c, t, commit) ?: add_findings(c, t, commit, &drift) ?:
	    add_push(c, t, tenant, commit);
	if (r == 0)
		r = set_str(c, t, "result", result_of(drift, t))
		            ?: dw_json_array_append(c->doc, c->tenants, t);
	if (r < 0 && !dw_error_isset(c->err))
		dw_error_set(c->err, r, DW_AREA_SYSTEM, -r, "tenant %s: %s", tenant, strerror(-r));
	return r;
}

static int check_seen(struct status_ctx *c)
{
	size_t i;

	for (i = 0; i < c->o->ntenants; i++)
		if (!c->seen[i])
			return dw_error_set(c->err, -ENOENT, DW_AREA_USAGE, 0,
			                    "no tenant '%s' in %s (no branch tenants/%s)",
			                    c->o->tenants[i], dw_store_path(c->store),
			                    c->o->tenants[i]);
	return 0;
}

int dw_status_read(struct dw_store *store, const struct dw_status_options *o,
                   struct dw_json_doc **out, struct dw_error *err)
{
	struct status_ctx c = { store, o, dw_json_doc_new(), NULL, NULL, err };
	struct dw_json *root = NULL;
	int r = -ENOMEM;

	*out = NULL;
	c.seen = calloc(o->ntenants + 1, sizeof(*c.seen));
	if (!c.doc || !c.seen || !(root = dw_json_new_object(c.doc)) ||
	    !(c.tenants = dw_json_new_array(c.doc)))
		goto out;
	if ((r = dw_store_foreach_tenant(store, tenant_cb, &c, err)) < 0 ||
	    (r = check_seen(&c)) < 0)
		goto out;
	if ((r = set_str(&c, root, "schema", DW_STATUS_SCHEMA) ?:
	         dw_json_object_set(c.doc, root, "tenants", c.tenants) ?:
	         dw_json_set_root(c.doc, root)) < 0)
		goto out;
	*out = c.doc;
	c.doc = NULL;
out:
	if (r == -ENOMEM && !dw_error_isset(err))
		dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	free(c.seen);
	dw_json_doc_free(c.doc);
	return r;
}
