/*
 * The reports for CI systems, rendered from drift.json: JUnit XML (one test
 * case per finding) and SARIF 2.1.0 (one result per failing or waived
 * finding, waived ones as suppressed, each with the finding's fingerprint
 * so code-scanning tools track it across runs).
 */
#include <errno.h>
#include <string.h>

#include "baseline/internal.h"
#include "baseline/render.h"
#include "driftward/version.h"

static int xml(struct dw_buf *out, const char *s)
{
	int r = 0;

	for (; r == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			r = dw_buf_puts(out, "&amp;");
		else if (c == '<')
			r = dw_buf_puts(out, "&lt;");
		else if (c == '>')
			r = dw_buf_puts(out, "&gt;");
		else if (c == '"')
			r = dw_buf_puts(out, "&quot;");
		else if (c < 0x20 && c != '\n' && c != '\t')
			r = dw_buf_putc(out, ' '); /* not allowed in XML 1.0 at all */
		else
			r = dw_buf_putc(out, (char)c);
	}
	return r;
}

/* "path: expected X, actual Y" lines of a finding. */
static int details(struct dw_buf *out, const struct dw_json *f)
{
	const struct dw_json *list = dw_json_get(f, "failures");
	struct dw_buf line;
	size_t i;
	int r = 0;

	dw_buf_init(&line, 1u << 20);
	for (i = 0; r == 0 && i < dw_json_count(list); i++) {
		const struct dw_json *x = dw_json_at(list, i), *v;

		dw_buf_reset(&line);
		r = dw_buf_printf(&line, "%s %s: expected ", render_str(x, "path"),
		                  render_str(x, "operator"));
		v = dw_json_get(x, "expected");
		r = r
		            ?: v ? dw_json_write(v, DW_JSON_COMPACT, &line, NULL)
		                 : dw_buf_puts(&line, "absent");
		r = r ?: dw_buf_puts(&line, ", actual ");
		v = dw_json_get(x, "actual");
		r = r
		            ?: v ? dw_json_write(v, DW_JSON_COMPACT, &line, NULL)
		                 : dw_buf_puts(&line, "missing");
		r = r ?: dw_buf_putc(&line, '\n');
		r = r ?: xml(out, dw_buf_cstr(&line));
	}
	dw_buf_release(&line);
	return r;
}

static int testcase(struct dw_buf *out, const struct dw_drift *d, const struct dw_json *f)
{
	const char *st = render_str(f, "status");
	const struct dw_json *o = dw_json_get(f, "object");
	int r;

	r = dw_buf_puts(out, "    <testcase classname=\"");
	r = r ?: xml(out, d->tenant);
	r = r ?: dw_buf_putc(out, '.');
	r = r ?: xml(out, render_str(f, "collector"));
	r = r ?: dw_buf_puts(out, "\" name=\"");
	r = r ?: xml(out, render_str(f, "rule"));
	if (o && (!strcmp(render_str(f, "kind"), "desired") || dw_json_get(f, "waiver") ||
	          !strcmp(st, "fail"))) {
		r = r ?: dw_buf_puts(out, " ");
		r = r ?: xml(out, render_str(o, "path"));
	}
	r = r ?: dw_buf_puts(out, "\">");
	if (r == 0 && !strcmp(st, "pass"))
		return dw_buf_puts(out, "</testcase>\n");
	if (!strcmp(st, "fail") || !strcmp(st, "error")) {
		r = r
		            ?: dw_buf_printf(out, "\n      <%s type=\"%s\" message=\"",
		                             !strcmp(st, "fail") ? "failure" : "error",
		                             render_str(f, "severity"));
		r = r ?: xml(out, render_str(f, "reason"));
		r = r ?: dw_buf_puts(out, "\">");
		r = r ?: details(out, f);
		r = r
		            ?: dw_buf_printf(out, "</%s>\n    ",
		                             !strcmp(st, "fail") ? "failure" : "error");
	} else {
		r = r ?: dw_buf_printf(out, "\n      <skipped message=\"%s: ", st);
		r = r ?: xml(out, render_str(f, "reason"));
		r = r ?: dw_buf_puts(out, "\"/>\n    ");
	}
	return r ?: dw_buf_puts(out, "</testcase>\n");
}

int dw_baseline__render_junit(const struct dw_drift *d, struct dw_buf *out)
{
	struct dw_drift_summary s;
	size_t i, n = dw_json_count(d->findings);
	int r;

	dw_drift_summary(d, &s);
	r = dw_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	r = r
	            ?: dw_buf_printf(
	                       out,
	                       "<testsuites name=\"driftward\" tests=\"%zu\" failures=\"%zu\" "
	                       "errors=\"%zu\">\n",
	                       n, s.status[DW_DRIFT_FAIL], s.status[DW_DRIFT_ERROR]);
	r = r ?: dw_buf_puts(out, "  <testsuite name=\"");
	r = r ?: xml(out, d->tenant);
	r = r
	            ?: dw_buf_printf(
	                       out,
	                       "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
	                       "timestamp=\"",
	                       n, s.status[DW_DRIFT_FAIL], s.status[DW_DRIFT_ERROR],
	                       n - s.status[DW_DRIFT_FAIL] - s.status[DW_DRIFT_ERROR] -
	                               s.status[DW_DRIFT_PASS]);
	r = r ?: xml(out, render_str(d->root, "commitTime"));
	r = r ?: dw_buf_puts(out, "\">\n");
	for (i = 0; r == 0 && i < n; i++)
		r = testcase(out, d, dw_json_at(d->findings, i));
	return r ?: dw_buf_puts(out, "  </testsuite>\n</testsuites>\n");
}

/* SARIF ---------------------------------------------------------------------- */

struct sarif {
	struct dw_json_doc *doc;
	struct dw_json *rules, *results;
	const struct dw_drift *d;
};

static struct dw_json *text_obj(struct dw_json_doc *doc, const char *s)
{
	struct dw_json *o = dw_json_new_object(doc);

	return dw_json_object_set(doc, o, "text", dw_json_new_cstr(doc, s)) < 0 ? NULL : o;
}

/* The index of rule @id in the driver's rules, added when new. */
static int rule_index(struct sarif *S, const struct dw_json *f, int64_t *out)
{
	const char *id = render_str(f, "rule");
	struct dw_json *rule;
	size_t i;
	int r;

	for (i = 0; i < dw_json_count(S->rules); i++)
		if (!strcmp(render_str(dw_json_at(S->rules, i), "id"), id)) {
			*out = (int64_t)i;
			return 0;
		}
	rule = dw_json_new_object(S->doc);
	r = dw_json_object_set(S->doc, rule, "id", dw_json_new_cstr(S->doc, id));
	r = r
	            ?: dw_json_object_set(S->doc, rule, "shortDescription",
	                                  text_obj(S->doc, render_str(f, "title")));
	if (dw_json_get(f, "remediation"))
		r = r
		            ?: dw_json_object_set(
		                       S->doc, rule, "help",
		                       text_obj(S->doc, render_str(dw_json_get(f, "remediation"),
		                                                   "guidance")));
	*out = (int64_t)i;
	return r ?: dw_json_array_append(S->doc, S->rules, rule);
}

static const char *level(const char *severity)
{
	if (!strcmp(severity, "critical") || !strcmp(severity, "high"))
		return "error";
	return !strcmp(severity, "medium") ? "warning" : "note";
}

static int location(struct sarif *S, const struct dw_json *f, struct dw_json *result)
{
	const struct dw_json *o = dw_json_get(f, "object");
	struct dw_json *locs = dw_json_new_array(S->doc), *loc = dw_json_new_object(S->doc),
	               *phys = dw_json_new_object(S->doc), *art = dw_json_new_object(S->doc);
	int r;

	r = dw_json_object_set(
	        S->doc, art, "uri",
	        dw_json_new_cstr(S->doc, o ? render_str(o, "path") : render_str(f, "collector")));
	r = r ?: dw_json_object_set(S->doc, phys, "artifactLocation", art);
	r = r ?: dw_json_object_set(S->doc, loc, "physicalLocation", phys);
	r = r ?: dw_json_array_append(S->doc, locs, loc);
	return r ?: dw_json_object_set(S->doc, result, "locations", locs);
}

static int suppression(struct sarif *S, const struct dw_json *w, struct dw_json *result)
{
	struct dw_json *list = dw_json_new_array(S->doc), *s = dw_json_new_object(S->doc);
	int r;

	r = dw_json_object_set(S->doc, s, "kind", dw_json_new_cstr(S->doc, "external"));
	r = r
	            ?: dw_json_object_set(S->doc, s, "justification",
	                                  dw_json_new_cstr(S->doc, render_str(w, "rationale")));
	r = r ?: dw_json_array_append(S->doc, list, s);
	return r ?: dw_json_object_set(S->doc, result, "suppressions", list);
}

static int result(struct sarif *S, const struct dw_json *f)
{
	struct dw_json *res = dw_json_new_object(S->doc), *fps = dw_json_new_object(S->doc);
	const char *st = render_str(f, "status");
	int64_t idx = 0;
	int r;

	if (strcmp(st, "fail") && strcmp(st, "waived"))
		return 0;
	r = rule_index(S, f, &idx);
	r = r
	            ?: dw_json_object_set(S->doc, res, "ruleId",
	                                  dw_json_new_cstr(S->doc, render_str(f, "rule")));
	r = r ?: dw_json_object_set(S->doc, res, "ruleIndex", dw_json_new_int64(S->doc, idx));
	r = r
	            ?: dw_json_object_set(
	                       S->doc, res, "level",
	                       dw_json_new_cstr(S->doc, level(render_str(f, "severity"))));
	r = r
	            ?: dw_json_object_set(S->doc, res, "message",
	                                  text_obj(S->doc, render_str(f, "reason")));
	r = r ?: location(S, f, res);
	r = r
	            ?: dw_json_object_set(S->doc, fps, "driftwardFinding/v1",
	                                  dw_json_new_cstr(S->doc, render_str(f, "fingerprint")));
	r = r ?: dw_json_object_set(S->doc, res, "partialFingerprints", fps);
	if (r == 0 && dw_json_get(f, "waiver") && !strcmp(st, "waived"))
		r = suppression(S, dw_json_get(f, "waiver"), res);
	return r ?: dw_json_array_append(S->doc, S->results, res);
}

static int sarif_build(struct sarif *S, struct dw_json **root)
{
	struct dw_json_doc *doc = S->doc;
	struct dw_json *run = dw_json_new_object(doc), *runs = dw_json_new_array(doc),
	               *tool = dw_json_new_object(doc), *driver = dw_json_new_object(doc);
	size_t i;
	int r;

	*root = dw_json_new_object(doc);
	S->rules = dw_json_new_array(doc);
	S->results = dw_json_new_array(doc);
	r = dw_json_set_root(doc, *root);
	for (i = 0; r == 0 && i < dw_json_count(S->d->findings); i++)
		r = result(S, dw_json_at(S->d->findings, i));
	r = r ?: dw_json_object_set(doc, driver, "name", dw_json_new_cstr(doc, "driftward"));
	r = r ?: dw_json_object_set(doc, driver, "version", dw_json_new_cstr(doc, dw_version()));
	r = r ?: dw_json_object_set(doc, driver, "rules", S->rules);
	r = r ?: dw_json_object_set(doc, tool, "driver", driver);
	r = r ?: dw_json_object_set(doc, run, "tool", tool);
	r = r ?: dw_json_object_set(doc, run, "results", S->results);
	r = r ?: dw_json_array_append(doc, runs, run);
	r = r ?: dw_json_object_set(doc, *root, "version", dw_json_new_cstr(doc, "2.1.0"));
	r = r
	            ?: dw_json_object_set(
	                       doc, *root, "$schema",
	                       dw_json_new_cstr(doc,
	                                        "https://json.schemastore.org/sarif-2.1.0.json"));
	return r ?: dw_json_object_set(doc, *root, "runs", runs);
}

int dw_baseline__render_sarif(const struct dw_drift *d, struct dw_buf *out, struct dw_error *err)
{
	struct sarif S = { dw_json_doc_new(), NULL, NULL, d };
	struct dw_json *root = NULL;
	int r;

	if (!S.doc)
		return -ENOMEM;
	r = sarif_build(&S, &root);
	r = r ?: dw_json_write(root, DW_JSON_PRETTY, out, err);
	dw_json_doc_free(S.doc);
	return r;
}

int dw_drift_format_parse(const char *s, enum dw_drift_format *out)
{
	static const char *const names[] = { "json", "md", "junit", "sarif" };
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum dw_drift_format)i;
			return 0;
		}
	return -EINVAL;
}

const char *dw_drift_format_file(enum dw_drift_format f)
{
	static const char *const files[] = { "drift.json", "DRIFT.md", "drift.junit.xml",
		                             "drift.sarif" };

	return (unsigned)f < DW_ARRAY_SIZE(files) ? files[f] : "drift.json";
}

int dw_drift_write(const struct dw_drift *d, enum dw_drift_format f, struct dw_buf *out,
                   struct dw_error *err)
{
	int r;

	switch (f) {
	case DW_DRIFT_MD:
		r = dw_baseline__render_md(d, out);
		break;
	case DW_DRIFT_JUNIT:
		r = dw_baseline__render_junit(d, out);
		break;
	case DW_DRIFT_SARIF:
		return dw_baseline__render_sarif(d, out, err);
	default:
		return dw_json_write(d->root, DW_JSON_PRETTY, out, err);
	}
	if (r < 0)
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not write the report");
	return r;
}
