/*
 * The evaluator: each rule against one tenant's snapshot, offline.
 *
 * - A rule applies only to the tenants it names (if any) and only when what
 *   it requires holds: otherwise n/a, saying why.
 * - A collector that was not read completely (partial, forbidden, failed, or
 *   not read at all) makes the rule unknown: never pass, never fail. One the
 *   tenant has no licence for makes it n/a.
 * - `expect: any`: one object must satisfy every assertion by itself. When
 *   none does, the finding names the closest object (closest.c: the fewest
 *   top-level conditions missed, `where` included, then how near the missed
 *   values are) and each condition it missed, with the expected and the
 *   actual value.
 * - A failure covered by a waiver is waived until the waiver's expiry;
 *   after it, the failure is drift again and says the waiver expired.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/internal.h"

/*
 * What a rule learns while its collector's objects are in memory, kept until
 * the report is put together: its findings wait in rule order, and what it
 * requires of other collectors is known once those were read.
 */
struct scan {
	const struct bl_rule *r;
	bool other_tenant; /* the rule names other tenants */
	bool judged;       /* its collector's objects were judged: found holds the findings */
	bool *met;         /* per requires: an object of that collector meets its where */
	struct bl_sink found;
	/* while the collector's objects are walked */
	const struct bl_object *pass; /* any: the first object meeting every assertion */
	size_t targeted, matched;     /* candidates; candidates meeting every assertion */
	size_t *bad, nbad, abad;      /* all, none: the objects that break the rule */
};

struct bl_eval {
	struct dw_drift *d;
	const struct dw_baseline *bl;
	const struct dw_bl_snapshot *snap; /* statuses; the objects of the collector judged */
	const struct dw_drift_context *ctx;
	struct scan *S; /* one per rule */
	struct bl_want *want;
	size_t nwant;
};

static bool all_hold(const struct bl_assert *a, size_t n, const struct dw_json *obj)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!dw_baseline__holds(&a[i], obj))
			return false;
	return true;
}

static bool passes(const struct bl_rule *r, const struct bl_object *o)
{
	return all_hold(r->asserts, r->nasserts, dw_json_root(o->doc));
}

static bool targeted(const struct bl_rule *r, const struct bl_object *o)
{
	return all_hold(r->where, r->nwhere, dw_json_root(o->doc));
}

/* A finding with the rule's fields; *out is the new JSON object. */
static int rule_finding(struct bl_eval *E, const struct bl_rule *r, enum dw_drift_status st,
                        const struct bl_object *obj, bool per_object, const char *reason,
                        struct dw_json **out)
{
	struct bl_finding f = {
		.kind = "rule",
		.rule = r->id,
		.title = r->title,
		.severity = dw_baseline__severity_name(r->severity),
		.collector = r->collector,
		.source = r->source,
		.status = st,
		.object = obj,
		.fingerprint_object = per_object,
		.reason = reason,
	};
	struct dw_json *o;
	int rc = dw_baseline__finding(E->d, &f, &o);

	if (rc == 0 && r->references)
		rc = dw_json_object_set(E->d->doc, o, "references",
		                        dw_json_clone(E->d->doc, r->references));
	if (rc == 0 && r->remediation)
		rc = dw_json_object_set(E->d->doc, o, "remediation",
		                        dw_json_clone(E->d->doc, r->remediation));
	if (out)
		*out = o;
	return rc;
}

/*
 * Is collector @name usable? 0 yes; otherwise the status it gives the rule
 * (unknown or n/a) with the reason in @why.
 */
static int usable(struct bl_eval *E, const char *name, enum dw_drift_status *st, char *why,
                  size_t len)
{
	const struct bl_collector *c = dw_baseline__collector(E->snap, name);

	*st = DW_DRIFT_UNKNOWN;
	if (!c || !c->status) {
		snprintf(why, len, "collector %s was not read in this snapshot", name);
		return 1;
	}
	if (!strcmp(c->status, "ok"))
		return 0;
	if (!strcmp(c->status, "unlicensed")) {
		*st = DW_DRIFT_NA;
		snprintf(why, len, "the tenant has no licence for %s", name);
		return 1;
	}
	snprintf(why, len, "collector %s was not read completely (%s%s%s)", name, c->status,
	         c->detail ? ": " : "", c->detail ? c->detail : "");
	return 1;
}

static bool applies_to(const struct bl_rule *r, const char *tenant)
{
	size_t i;

	for (i = 0; i < r->tenants.count; i++)
		if (!strcmp(r->tenants.items[i], tenant))
			return true;
	return r->tenants.count == 0;
}

/* Tenants and requires: 0 when the rule applies, 1 with *st and @why when it does not. */
static int applicable(struct bl_eval *E, const struct scan *S, enum dw_drift_status *st, char *why,
                      size_t len)
{
	const struct bl_rule *r = S->r;
	size_t i;

	if (S->other_tenant) {
		*st = DW_DRIFT_NA;
		snprintf(why, len, "the rule names other tenants");
		return 1;
	}
	for (i = 0; i < r->nrequires; i++) {
		if (usable(E, r->requires[i].collector, st, why, len))
			return 1;
		if (!S->met[i]) {
			*st = DW_DRIFT_NA;
			snprintf(why, len,
			         "requires an object of %s that this tenant does not have",
			         r->requires[i].collector);
			return 1;
		}
	}
	return usable(E, r->collector, st, why, len);
}

static int add_missed(struct bl_eval *E, const struct bl_rule *r, const struct bl_object *o,
                      struct dw_json *finding)
{
	const struct dw_json *root = dw_json_root(o->doc);
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < r->nwhere; i++)
		if (!dw_baseline__holds(&r->where[i], root))
			rc = dw_baseline__failure(E->d, finding, &r->where[i], root);
	for (i = 0; rc == 0 && i < r->nasserts; i++)
		if (!dw_baseline__holds(&r->asserts[i], root))
			rc = dw_baseline__failure(E->d, finding, &r->asserts[i], root);
	return rc;
}

/* The waiver for this failure, or NULL. */
static const struct bl_waiver *waiver_for(struct bl_eval *E, const struct bl_rule *r,
                                          const struct bl_object *o)
{
	size_t i;

	for (i = 0; i < E->bl->nwaivers; i++) {
		const struct bl_waiver *w = &E->bl->waivers[i];

		if (!strcmp(w->rule, r->id) && !strcmp(w->tenant, E->ctx->tenant) &&
		    (!w->object || (o && !strcmp(w->object, o->id))))
			return w;
	}
	return NULL;
}

static int waived(struct bl_eval *E, const struct bl_waiver *w, struct dw_json *finding)
{
	struct dw_drift *d = E->d;
	struct dw_json *o = dw_json_new_object(d->doc);
	bool expired = E->ctx->commit_time >= w->expires_at;
	int rc;

	rc = dw_json_object_set(d->doc, o, "owner", dw_json_new_cstr(d->doc, w->owner));
	rc = rc
	             ?: dw_json_object_set(d->doc, o, "rationale",
	                                   dw_json_new_cstr(d->doc, w->rationale));
	rc = rc ?: dw_json_object_set(d->doc, o, "expires", dw_json_new_cstr(d->doc, w->expires));
	rc = rc ?: dw_json_object_set(d->doc, o, "source", dw_json_new_cstr(d->doc, w->source));
	rc = rc ?: dw_json_object_set(d->doc, o, "expired", dw_json_new_bool(d->doc, expired));
	rc = rc ?: dw_json_object_set(d->doc, finding, "waiver", o);
	if (rc == 0 && !expired)
		rc = dw_json_object_set(d->doc, finding, "status",
		                        dw_json_new_cstr(d->doc, "waived"));
	return rc;
}

/* A failing finding: waived when a waiver covers it. */
static int failure(struct bl_eval *E, const struct bl_rule *r, const struct bl_object *o,
                   bool per_object, const char *reason, struct dw_json **out)
{
	const struct bl_waiver *w = waiver_for(E, r, o);
	char text[600];
	int rc;

	if (w && E->ctx->commit_time >= w->expires_at) {
		snprintf(text, sizeof(text), "%s; the waiver (%s, owner %s) expired on %s", reason,
		         w->source, w->owner, w->expires);
		reason = text;
	}
	rc = rule_finding(E, r, DW_DRIFT_FAIL, o, per_object, reason, out);
	return rc ?: w ? waived(E, w, *out) : 0;
}

static int scan_object(struct scan *S, const struct bl_object *o, size_t k)
{
	const struct bl_rule *r = S->r;
	bool ok;

	if (S->other_tenant || S->pass || !targeted(r, o))
		return 0;
	S->targeted++;
	ok = passes(r, o);
	S->matched += ok;
	if (r->expect == BL_EXPECT_ANY && ok)
		S->pass = o;
	if ((r->expect == BL_EXPECT_ALL && !ok) || (r->expect == BL_EXPECT_NONE && ok)) {
		if (DW_ARRAY_GROW(S->bad, S->abad, S->nbad + 1) < 0)
			return -ENOMEM;
		S->bad[S->nbad++] = k;
	}
	return 0;
}

static int finish_any(struct bl_eval *E, const struct scan *S, const struct bl_collector *c)
{
	const struct bl_rule *r = S->r;
	const struct bl_object *best = NULL;
	struct bl_closeness now, closest = { 0 };
	struct dw_json *f;
	char why[300];
	size_t i;
	int rc;

	if (S->pass)
		return rule_finding(E, r, DW_DRIFT_PASS, S->pass, false,
		                    "this object satisfies every assertion", NULL);
	for (i = 0; i < c->count; i++) {
		dw_baseline__closeness(r, dw_json_root(c->objects[i].doc), &now);
		if (!best || dw_baseline__closer(&now, c->objects[i].path, &closest, best->path)) {
			best = &c->objects[i];
			closest = now;
		}
	}
	if (best)
		snprintf(why, sizeof(why), "no object satisfies every assertion; the closest is %s",
		         best->name ? best->name : best->path);
	else
		snprintf(why, sizeof(why), "the tenant has no %s objects", r->collector);
	rc = failure(E, r, best, false, why, &f);
	return rc ?: best ? add_missed(E, r, best, f) : 0;
}

static int finish_all_none(struct bl_eval *E, const struct scan *S, const struct bl_collector *c)
{
	bool none = S->r->expect == BL_EXPECT_NONE;
	struct dw_json *f;
	char why[200];
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < S->nbad; i++) {
		const struct bl_object *o = &c->objects[S->bad[i]];

		rc = failure(E, S->r, o, true,
		             none ? "this object satisfies the assertions, and none may"
		                  : "this object misses assertions",
		             &f);
		if (rc == 0 && !none)
			rc = add_missed(E, S->r, o, f);
	}
	if (rc == 0 && S->nbad == 0) {
		snprintf(why, sizeof(why), "%zu object%s checked", S->targeted,
		         S->targeted == 1 ? "" : "s");
		rc = rule_finding(E, S->r, DW_DRIFT_PASS, NULL, false, why, NULL);
	}
	return rc;
}

static void count_text(const struct bl_count *c, char *out, size_t len)
{
	int n = 0;

	out[0] = '\0';
	if (c->has_eq)
		n += snprintf(out + n, len - (size_t)n, " eq %lld", (long long)c->eq);
	if (c->has_gte)
		n += snprintf(out + n, len - (size_t)n, " gte %lld", (long long)c->gte);
	if (c->has_lte)
		snprintf(out + n, len - (size_t)n, " lte %lld", (long long)c->lte);
}

static int finish_count(struct bl_eval *E, const struct scan *S)
{
	char why[200], want[80];
	struct dw_json *f;
	size_t n = S->matched;

	count_text(&S->r->count, want, sizeof(want));
	snprintf(why, sizeof(why), "%zu object%s match, expected%s", n, n == 1 ? "" : "s", want);
	if (dw_baseline__count_ok(&S->r->count, (int64_t)n))
		return rule_finding(E, S->r, DW_DRIFT_PASS, NULL, false, why, NULL);
	return failure(E, S->r, NULL, false, why, &f);
}

static int finish(struct bl_eval *E, const struct scan *S, const struct bl_collector *c)
{
	switch (S->r->expect) {
	case BL_EXPECT_ANY:
		return finish_any(E, S, c);
	case BL_EXPECT_COUNT:
		return finish_count(E, S);
	default:
		return finish_all_none(E, S, c);
	}
}

static int set_cstr(struct dw_drift *d, const char *key, const char *value)
{
	return dw_json_object_set(d->doc, d->root, key, dw_json_new_cstr(d->doc, value));
}

static int new_report(const struct dw_drift_context *ctx, struct dw_drift **out)
{
	struct dw_drift *d = calloc(1, sizeof(*d));
	char when[32];
	int r;

	*out = d;
	if (!d || !(d->doc = dw_json_doc_new()) || !(d->tenant = strdup(ctx->tenant)))
		return -ENOMEM;
	d->commit_time = ctx->commit_time;
	d->root = dw_json_new_object(d->doc);
	d->findings = dw_json_new_array(d->doc);
	dw_baseline__iso_time(ctx->commit_time, when);
	r = dw_json_set_root(d->doc, d->root);
	r = r ?: set_cstr(d, "schema", DW_DRIFT_SCHEMA);
	r = r ?: set_cstr(d, "tenant", ctx->tenant);
	r = r ?: set_cstr(d, "commitTime", when);
	r = r ?: set_cstr(d, "approvedRef", ctx->approved_ref);
	r = r ?: set_cstr(d, "approvedCommit", ctx->approved_commit);
	return r ?: dw_json_object_set(d->doc, d->root, "findings", d->findings);
}

/* The summary member: counts per status and failures per severity. */
static int add_summary(struct dw_drift *d)
{
	struct dw_json *s = dw_json_new_object(d->doc), *sev = dw_json_new_object(d->doc);
	struct dw_drift_summary sum;
	size_t i;
	int r = 0;

	dw_drift_summary(d, &sum);
	for (i = 0; r == 0 && i < DW_DRIFT_NSTATUS; i++)
		r = dw_json_object_set(d->doc, s, dw_drift_status_name((enum dw_drift_status)i),
		                       dw_json_new_int64(d->doc, (int64_t)sum.status[i]));
	for (i = 0; r == 0 && i < 5; i++)
		r = dw_json_object_set(d->doc, sev, dw_baseline__severity_name((enum bl_severity)i),
		                       dw_json_new_int64(d->doc, (int64_t)sum.fail_by_severity[i]));
	r = r ?: dw_json_object_set(d->doc, s, "failBySeverity", sev);
	return r ?: dw_json_object_set(d->doc, d->root, "summary", s);
}

/* The rules of collector @name: [*first, *last) of the rules, sorted by collector. */
static void rule_range(const struct dw_baseline *bl, const char *name, size_t *first, size_t *last)
{
	size_t lo = 0, hi = bl->nrules, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(bl->rules[mid].collector, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo < bl->nrules && !strcmp(bl->rules[lo].collector, name))
		lo++;
	*last = lo;
}

/* The @n rules at @S, all of collector @c: one walk over its objects, then their findings. */
static int judge_rules(struct bl_eval *E, struct scan *S, size_t n, const struct bl_collector *c)
{
	size_t i, k;
	int rc = 0;

	/* each object against every rule while it is in the cache: linear in the objects */
	for (k = 0; rc == 0 && k < c->count; k++)
		for (i = 0; rc == 0 && i < n; i++)
			rc = scan_object(&S[i], &c->objects[k], k);
	for (i = 0; rc == 0 && i < n; i++) {
		if (S[i].other_tenant)
			continue;
		E->d->sink = &S[i].found;
		rc = finish(E, &S[i], c);
		E->d->sink = NULL;
		S[i].judged = true;
	}
	for (i = 0; i < n; i++) {
		free(S[i].bad);
		S[i].bad = NULL;
		S[i].nbad = S[i].abad = 0;
	}
	return rc;
}

/* What the rules require of collector @c: does an object meet the where? */
static void judge_requires(struct bl_eval *E, const struct bl_collector *c)
{
	size_t i, q, k;

	for (i = 0; i < E->bl->nrules; i++) {
		const struct bl_rule *r = &E->bl->rules[i];

		for (q = 0; q < r->nrequires; q++) {
			const struct bl_require *w = &r->requires[q];

			if (strcmp(w->collector, c->name))
				continue;
			for (k = 0; k < c->count && !E->S[i].met[q]; k++)
				E->S[i].met[q] = all_hold(w->where, w->nwhere,
				                          dw_json_root(c->objects[k].doc));
		}
	}
}

static int judge_desired(struct bl_eval *E, struct bl_want *w, const struct bl_collector *c,
                         const struct bl_lookup *L)
{
	int rc;

	E->d->sink = &w->found;
	rc = dw_baseline__desired_judge(E->d, w, c, L);
	E->d->sink = NULL;
	w->judged = true;
	return rc;
}

/* The desired files of collector @c. */
static int judge_wants(struct bl_eval *E, const struct bl_collector *c)
{
	struct bl_lookup L = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < E->nwant; i++) {
		if (strcmp(E->want[i].collector, c->name))
			continue;
		if (!L.by_id && c->count)
			rc = dw_baseline__lookup_init(&L, c);
		rc = rc ?: judge_desired(E, &E->want[i], c, &L);
	}
	dw_baseline__lookup_release(&L);
	return rc;
}

int dw_baseline__eval_collector(struct bl_eval *E, const struct bl_collector *c)
{
	enum dw_drift_status st;
	char why[400];
	size_t first, last;
	int rc = 0;

	judge_requires(E, c);
	rule_range(E->bl, c->name, &first, &last);
	/* a collector read partly judges nothing: its rules are unknown (dw_baseline__eval_end) */
	if (first < last && !usable(E, c->name, &st, why, sizeof(why)))
		rc = judge_rules(E, &E->S[first], last - first, c);
	return rc ?: judge_wants(E, c);
}

static int place(struct dw_drift *d, const struct bl_sink *s)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < s->count; i++)
		rc = dw_json_array_append(d->doc, d->findings, s->items[i]);
	return rc;
}

/* The rule's findings: put aside when its collector was judged, else why there are none. */
static int place_rule(struct bl_eval *E, struct scan *S)
{
	enum dw_drift_status st;
	char why[400];

	struct bl_collector none = { 0 };
	int rc = 0;

	if (applicable(E, S, &st, why, sizeof(why)))
		return rule_finding(E, S->r, st, NULL, false, why, NULL);
	if (!S->judged) { /* not reached: a usable collector is judged, objects or not */
		E->d->sink = &S->found;
		rc = finish(E, S, &none);
		E->d->sink = NULL;
	}
	return rc ?: place(E->d, &S->found);
}

int dw_baseline__eval_new(const struct dw_baseline *bl, const struct dw_bl_files *files,
                          const struct dw_bl_snapshot *snap, const struct dw_drift_context *ctx,
                          struct bl_eval **out)
{
	struct bl_eval *E = calloc(1, sizeof(*E));
	size_t i;
	int r = 0;

	*out = E;
	if (!E || !(E->S = calloc(bl->nrules ? bl->nrules : 1, sizeof(*E->S))))
		return -ENOMEM;
	E->bl = bl;
	E->snap = snap;
	E->ctx = ctx;
	for (i = 0; r == 0 && i < bl->nrules; i++) {
		E->S[i].r = &bl->rules[i];
		E->S[i].other_tenant = !applies_to(&bl->rules[i], ctx->tenant);
		if (bl->rules[i].nrequires &&
		    !(E->S[i].met = calloc(bl->rules[i].nrequires, sizeof(bool))))
			r = -ENOMEM;
	}
	if (r == 0 && files)
		r = dw_baseline__desired_list(files, ctx->tenant, &E->want, &E->nwant);
	return r ?: new_report(ctx, &E->d);
}

void dw_baseline__eval_free(struct bl_eval *E)
{
	size_t i;

	if (!E)
		return;
	for (i = 0; E->S && i < E->bl->nrules; i++) {
		free(E->S[i].met);
		free(E->S[i].found.items);
		free(E->S[i].bad);
	}
	for (i = 0; i < E->nwant; i++)
		free(E->want[i].found.items);
	free(E->want);
	free(E->S);
	dw_drift_free(E->d);
	free(E);
}

int dw_baseline__eval_end(struct bl_eval *E, struct dw_drift **out)
{
	const struct bl_lookup none = { 0 };
	size_t i;
	int r = 0;

	*out = NULL;
	for (i = 0; r == 0 && i < E->bl->nrules; i++)
		r = place_rule(E, &E->S[i]);
	for (i = 0; r == 0 && i < E->nwant; i++) {
		struct bl_want *w = &E->want[i];

		if (!w->judged) /* no object of its collector was read */
			r = judge_desired(E, w, dw_baseline__collector(E->snap, w->collector),
			                  &none);
		r = r ?: place(E->d, &w->found);
	}
	r = r ?: add_summary(E->d);
	if (r == 0) {
		*out = E->d;
		E->d = NULL;
	}
	return r;
}

int dw_drift_evaluate(const struct dw_baseline *bl, const struct dw_bl_files *files,
                      const struct dw_bl_snapshot *snap, const struct dw_drift_context *ctx,
                      struct dw_drift **out, struct dw_error *err)
{
	struct bl_eval *E = NULL;
	size_t i;
	int r;

	*out = NULL;
	r = dw_baseline__eval_new(bl, files, snap, ctx, &E);
	for (i = 0; r == 0 && i < snap->count; i++)
		r = dw_baseline__eval_collector(E, &snap->collectors[i]);
	r = r ?: dw_baseline__eval_end(E, out);
	dw_baseline__eval_free(E);
	if (r < 0)
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not build the drift report: %s",
		             strerror(-r));
	return r;
}
