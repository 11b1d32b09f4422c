/*
 * propose --accept-drift: the tenant's snapshot is judged by the approved
 * commit's rules and desired state (as `driftward drift` judges it), and each
 * failing finding selected becomes approved:
 *
 * - a rule: a waiver (waivers/<tenant>/<rule>.yaml). For expect all/none
 *   rules it names the object that fails (one waiver per object, as the
 *   finding is per object); for any/count rules it names none, since the
 *   object in the report is only the closest candidate, not what failed.
 *   A finding whose waiver expired gets that waiver file renewed in place:
 *   the evaluator takes the first waiver that matches, so a second one
 *   beside the expired one would change nothing.
 * - a desired object: desired/<tenant>/... becomes the tenant's object as
 *   the snapshot has it (secret fields stay sealed), or goes when the tenant
 *   no longer has the object.
 *
 * Before committing, the proposal's own files are judged again against the
 * same snapshot: each accepted finding must then be waived or pass, or the
 * proposal is not made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/baseline.h"
#include "driftward/json.h"
#include "driftward/yaml.h"
#include "propose/internal.h"

struct accept {
	struct propose *P;
	struct dw_error *err;
	struct dw_strlist written;  /* waiver paths staged by this proposal */
	struct dw_strlist accepted; /* fingerprints of the accepted findings */
	const char *owner, *reason;
};

static int oom(struct dw_error *err)
{
	return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
}

/* The tenant's drift report as drift.json, judged with @files against the snapshot. */
static int judge(struct propose *P, const struct dw_bl_files *files, struct dw_json_doc **out,
                 struct dw_error *err)
{
	struct dw_drift_run_options o = { P->cfg->agent.approved_ref, P->p->base, P->tenant->name,
		                          P->p->source };
	struct dw_drift *d = NULL;
	struct dw_buf json;
	int r;

	dw_buf_init(&json, DW_STORE_FILE_MAX);
	r = dw_drift_run(P->store, files, &o, &d, P->diags, err);
	r = r ?: dw_drift_write(d, DW_DRIFT_JSON, &json, err);
	r = r ?: dw_json_parse_buf(&json, "drift.json", out, err);
	dw_drift_free(d);
	dw_buf_release(&json);
	return r;
}

static const char *str(const struct dw_json *v, const char *key)
{
	return dw_json_cstr(dw_json_get(v, key));
}

static bool failing(const struct dw_json *f)
{
	const char *st = str(f, "status");

	return st && !strcmp(st, "fail");
}

static bool selected(const struct propose *P, const struct dw_json *f)
{
	const char *rule = str(f, "rule");
	size_t i;

	if (!failing(f) || !rule)
		return false;
	for (i = 0; i < P->o->nrules; i++)
		if (!strcmp(P->o->rules[i], rule))
			return true;
	return P->o->nrules == 0;
}

/* Every --rule must name a failing finding: say which one does not, and why. */
static int check_rules(struct propose *P, const struct dw_json *findings, struct dw_error *err)
{
	const char *seen;
	size_t i, k;
	bool open;

	for (k = 0; k < P->o->nrules; k++) {
		seen = NULL;
		open = false;
		for (i = 0; i < dw_json_count(findings); i++) {
			const struct dw_json *f = dw_json_at(findings, i);
			const char *rule = str(f, "rule");

			if (rule && !strcmp(rule, P->o->rules[k])) {
				seen = str(f, "status");
				open = open || failing(f);
			}
		}
		if (open)
			continue;
		if (seen)
			return dw_error_set(
			        err, -ENOENT, DW_AREA_USAGE, 0,
			        "--rule %.100s: no open finding for tenant %s (it is %s)",
			        P->o->rules[k], P->tenant->name, seen);
		return dw_error_set(err, -ENOENT, DW_AREA_USAGE, 0,
		                    "--rule %.100s: no such rule in the drift report of tenant %s",
		                    P->o->rules[k], P->tenant->name);
	}
	return 0;
}

/* The rule's expect: word, from its file on the approved commit. */
static int rule_expect(struct propose *P, const char *source, char *out, size_t len,
                       struct dw_error *err)
{
	struct dw_yaml_doc *doc = NULL;
	struct dw_buf buf;
	const char *s = NULL;
	int r;

	dw_buf_init(&buf, DW_STORE_FILE_MAX);
	r = dw_store_read_file(P->store, P->p->base, source, &buf, err);
	r = r ?: dw_yaml_load(source, buf.ptr, buf.len, NULL, &doc, err);
	r = r ?: dw_yaml_string(dw_yaml_get(dw_yaml_root(doc), "expect"), &s, err);
	if (r == 0)
		snprintf(out, len, "%s", s);
	dw_yaml_free(doc);
	dw_buf_release(&buf);
	return r;
}

/* A path for the new waiver that neither the approved commit nor this proposal has. */
static int waiver_path(struct accept *A, const char *rule, const char *object, char *out,
                       size_t len)
{
	char r_part[128], o_part[128], n[8] = "";
	struct dw_buf prev;
	int i, taken = 1;
	size_t k;

	dw_propose__file_part(rule, r_part, sizeof(r_part));
	dw_propose__file_part(object ? object : "", o_part, sizeof(o_part));
	dw_buf_init(&prev, DW_STORE_FILE_MAX);
	for (i = 1; taken && i < 100; i++) {
		if (i > 1)
			snprintf(n, sizeof(n), "-%d", i);
		snprintf(out, len, "waivers/%s/%s%s%s%s.yaml", A->P->tenant->name, r_part,
		         object ? "--" : "", o_part, n);
		dw_buf_reset(&prev);
		taken = dw_store_tx_previous(A->P->tx, out, &prev, NULL) == 0;
		for (k = 0; !taken && k < A->written.count; k++)
			taken = !strcmp(A->written.items[k], out);
	}
	dw_buf_release(&prev);
	if (taken)
		return dw_error_set(A->err, -EEXIST, DW_AREA_USAGE, 0,
		                    "no free waiver file name for rule %s", rule);
	return dw_strlist_add(&A->written, out, strlen(out)) < 0 ? oom(A->err) : 0;
}

static int accept_rule(struct accept *A, const struct dw_json *f)
{
	struct propose *P = A->P;
	const struct dw_json *waiver = dw_json_get(f, "waiver"), *obj = dw_json_get(f, "object");
	const char *rule = str(f, "rule"), *old = str(waiver, "source");
	struct propose_waiver w = {
		rule, P->tenant->name, NULL, A->reason, A->owner, P->p->expires
	};
	char expect[16] = "", path[600];
	struct dw_buf yaml;
	int r;

	if (!A->owner || !A->reason)
		return dw_error_set(A->err, -EINVAL, DW_AREA_USAGE, 0,
		                    "rule %s: a waiver needs an owner and a reason (--owner, "
		                    "--reason)",
		                    rule);
	if ((r = rule_expect(P, str(f, "source"), expect, sizeof(expect), A->err)) < 0)
		return r;
	if (!strcmp(expect, "all") || !strcmp(expect, "none"))
		w.object = str(obj, "id");
	if (old && dw_json_bool(dw_json_get(waiver, "expired")))
		snprintf(path, sizeof(path), "%s", old); /* renewed where the evaluator finds it */
	else if ((r = waiver_path(A, rule, w.object, path, sizeof(path))) < 0)
		return r;
	dw_buf_init(&yaml, 1u << 20);
	if ((r = dw_propose__waiver_yaml(&yaml, &w)) == -EINVAL)
		r = dw_error_set(A->err, r, DW_AREA_USAGE, 0, "--owner and --reason must be UTF-8");
	else if (r < 0)
		r = oom(A->err);
	r = r ?: dw_store_tx_stage(P->tx, path, yaml.ptr, yaml.len, A->err);
	if (r == 0 && (dw_buf_printf(&P->p->done, "rule %s%s%s: %s %s, until %s\n", rule,
	                             w.object ? ", object " : "", w.object ? w.object : "",
	                             old && !strcmp(old, path) ? "waiver renewed in" : "waiver",
	                             path, w.expires) < 0 ||
	               dw_propose__trailer(P, "Accepted-Rule", rule) < 0))
		r = oom(A->err);
	dw_buf_release(&yaml);
	return r;
}

static int accept_desired(struct accept *A, const struct dw_json *f)
{
	struct propose *P = A->P;
	const char *source = str(f, "source"), *have = str(dw_json_get(f, "object"), "path");
	char dest[1400];
	struct dw_buf obj;
	int r;

	if (!source || !have)
		return dw_error_set(A->err, -EINVAL, DW_AREA_JSON, 0,
		                    "a desired-state finding without its file or object");
	snprintf(dest, sizeof(dest), "desired/%s/%s", P->tenant->name, have);
	dw_buf_init(&obj, DW_STORE_FILE_MAX);
	r = dw_store_read_file(P->store, P->p->source, have, &obj, A->err);
	if (r == -ENOENT) {
		r = dw_store_tx_remove(P->tx, source, A->err);
		r = r
		            ?: dw_buf_printf(&P->p->done,
		                             "desired %s: removed (the tenant no longer has it)\n",
		                             source);
	} else if (r == 0) {
		r = strcmp(dest, source) ? dw_store_tx_remove(P->tx, source, A->err) : 0;
		r = r ?: dw_store_tx_stage(P->tx, dest, obj.ptr, obj.len, A->err);
		r = r ?: dw_buf_printf(&P->p->done, "desired %s: as the tenant has it now\n", dest);
	}
	if (r == 0 && dw_propose__trailer(P, "Accepted-Desired", source) < 0)
		r = oom(A->err);
	dw_buf_release(&obj);
	return r;
}

static int accept_all(struct accept *A, const struct dw_json *findings)
{
	const char *kind, *fp;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < dw_json_count(findings); i++) {
		const struct dw_json *f = dw_json_at(findings, i);

		if (!selected(A->P, f))
			continue;
		kind = str(f, "kind");
		fp = str(f, "fingerprint");
		r = kind && !strcmp(kind, "desired") ? accept_desired(A, f) : accept_rule(A, f);
		if (r == 0 && fp && dw_strlist_add(&A->accepted, fp, strlen(fp)) < 0)
			r = oom(A->err);
		A->P->p->accepted += r == 0;
	}
	return r;
}

static int add_file(const char *path, const void *data, size_t len, void *payload)
{
	static const char *const dirs[] = { "baselines/", "waivers/", "vars/", "desired/" };
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(dirs); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])))
			return dw_bl_files_add(payload, path, data, len);
	return 0;
}

/* Judges the snapshot by the proposal's files: every accepted finding must be settled. */
static int verify(struct accept *A)
{
	struct propose *P = A->P;
	struct dw_bl_files *files = dw_bl_files_new();
	struct dw_json_doc *after = NULL;
	const struct dw_json *findings;
	const char *fp;
	size_t i, k;
	int r;

	if (!files)
		return oom(A->err);
	r = dw_store_tx_read_files(P->tx, add_file, files, A->err);
	r = r ?: judge(P, files, &after, A->err);
	findings = dw_json_get(dw_json_root(after), "findings");
	for (i = 0; r == 0 && i < dw_json_count(findings); i++) {
		const struct dw_json *f = dw_json_at(findings, i);

		if (!failing(f))
			continue;
		P->p->open_after++;
		fp = str(f, "fingerprint");
		for (k = 0; fp && k < A->accepted.count; k++)
			if (!strcmp(fp, A->accepted.items[k]))
				r = dw_error_set(A->err, -EPROTO, DW_AREA_USAGE, 0,
				                 "the proposal would not settle %s (%s): not made",
				                 str(f, "rule"), str(f, "reason"));
	}
	dw_json_doc_free(after);
	dw_bl_files_free(files);
	return r;
}

int dw_propose__judge(struct propose *P, size_t *n, struct dw_error *err)
{
	struct dw_bl_files *files = NULL;
	const struct dw_json *findings;
	size_t i;
	int r;

	*n = 0;
	if (P->o->expires && (r = dw_propose__date_valid(P->o->expires, P->o->now)) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "--expires %.40s: %s",
		                    P->o->expires,
		                    r == -ERANGE ? "that day is past" : "not a date (YYYY-MM-DD)");
	r = dw_bl_files_read(P->store, P->p->base, &files, NULL, err);
	r = r ?: judge(P, files, &P->report, err);
	findings = dw_json_get(dw_json_root(P->report), "findings");
	r = r ?: check_rules(P, findings, err);
	for (i = 0; r == 0 && i < dw_json_count(findings); i++)
		*n += selected(P, dw_json_at(findings, i));
	dw_bl_files_free(files);
	return r;
}

int dw_propose__accept(struct propose *P, struct dw_error *err)
{
	struct accept A = { P, err, { 0 }, { 0 }, P->o->owner, P->o->reason };
	int r;

	if (P->o->expires)
		snprintf(P->p->expires, sizeof(P->p->expires), "%s", P->o->expires);
	else
		dw_propose_date(P->o->now, DW_PROPOSE_EXPIRY_DAYS, P->p->expires);
	r = accept_all(&A, dw_json_get(dw_json_root(P->report), "findings"));
	if (r == 0 && P->p->accepted)
		r = verify(&A);
	r = r ?: dw_propose__trailer(P, "Snapshot", P->p->source);
	dw_strlist_release(&A.written);
	dw_strlist_release(&A.accepted);
	return r;
}
