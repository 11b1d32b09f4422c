/*
 * DRIFT.md: the report for people, rendered from drift.json. Plain
 * CommonMark tables and lists (GitHub and Azure DevOps render both): a
 * summary by severity first, then each failing finding with its object's
 * file as a link (relative: DRIFT.md sits at the root of the tenant branch,
 * beside the objects), expected against actual, and how to fix it.
 */
#include <errno.h>
#include <string.h>

#include "baseline/internal.h"
#include "baseline/render.h"

/* A value in a table cell: compact JSON in a code span, '|' escaped, cut when long. */
static int cell(struct dw_buf *out, const struct dw_json *v)
{
	struct dw_buf json;
	size_t i;
	int r;

	if (!v)
		return dw_buf_puts(out, "*(missing)*");
	dw_buf_init(&json, 1u << 20);
	if ((r = dw_json_write(v, DW_JSON_COMPACT, &json, NULL)) < 0)
		return r;
	if (json.len > 200)
		dw_buf_truncate(&json, 200);
	r = dw_buf_puts(out, strchr(json.ptr, '`') ? "" : "`");
	for (i = 0; r == 0 && i < json.len; i++)
		r = json.ptr[i] == '|' ? dw_buf_puts(out, "\\|") : dw_buf_putc(out, json.ptr[i]);
	r = r ?: dw_buf_puts(out, json.len >= 200 ? "…" : "");
	r = r ?: dw_buf_puts(out, strchr(json.ptr, '`') ? "" : "`");
	dw_buf_release(&json);
	return r;
}

/* Text from the report in Markdown: characters that would start markup are escaped. */
static int text(struct dw_buf *out, const char *s)
{
	int r = 0;

	for (; r == 0 && s && *s; s++) {
		if (*s == '\n' || *s == '\r')
			r = dw_buf_putc(out, ' ');
		else if (strchr("\\`*_[]<>|#", *s))
			r = dw_buf_printf(out, "\\%c", *s);
		else
			r = dw_buf_putc(out, *s);
	}
	return r;
}

static int summary(struct dw_buf *out, const struct dw_drift *d)
{
	struct dw_drift_summary s;
	size_t i;
	int r;

	dw_drift_summary(d, &s);
	r = dw_buf_puts(out, "| severity | failing |\n|---|---:|\n");
	for (i = 0; r == 0 && i < 5; i++)
		r = dw_buf_printf(out, "| %s | %zu |\n",
		                  dw_baseline__severity_name((enum bl_severity)i),
		                  s.fail_by_severity[i]);
	r = r
	            ?: dw_buf_printf(
	                       out,
	                       "\n**%zu failing**, %zu waived, %zu passing, %zu not applicable, "
	                       "%zu unknown, %zu errors.\n",
	                       s.status[DW_DRIFT_FAIL], s.status[DW_DRIFT_WAIVED],
	                       s.status[DW_DRIFT_PASS], s.status[DW_DRIFT_NA],
	                       s.status[DW_DRIFT_UNKNOWN], s.status[DW_DRIFT_ERROR]);
	return r;
}

static int failures_table(struct dw_buf *out, const struct dw_json *list)
{
	size_t i;
	int r;

	if (!dw_json_count(list))
		return 0;
	r = dw_buf_puts(out, "\n| path | check | expected | actual |\n|---|---|---|---|\n");
	for (i = 0; r == 0 && i < dw_json_count(list); i++) {
		const struct dw_json *f = dw_json_at(list, i);
		const char *path = render_str(f, "path");

		r = dw_buf_printf(out, "| `%s` | ", *path ? path : "/");
		r = r ?: text(out, render_str(f, "operator"));
		r = r ?: dw_buf_puts(out, " | ");
		r = r
		            ?: dw_json_get(f, "unexpected") ? dw_buf_puts(out, "*(absent)*")
		                                            : cell(out, dw_json_get(f, "expected"));
		r = r ?: dw_buf_puts(out, " | ");
		r = r ?: cell(out, dw_json_get(f, "actual"));
		r = r ?: dw_buf_puts(out, " |\n");
	}
	return r;
}

static int object_line(struct dw_buf *out, const struct dw_json *f)
{
	const struct dw_json *o = dw_json_get(f, "object");
	const char *name = render_str(o, "name"), *path = render_str(o, "path");
	int r = 0;

	if (o) {
		r = dw_buf_puts(out, "- Object: [");
		r = r ?: text(out, *name ? name : path);
		r = r ?: dw_buf_printf(out, "](%s)\n", path);
	}
	if (*render_str(f, "firstSeen"))
		r = r ?: dw_buf_printf(out, "- First seen: %s\n", render_str(f, "firstSeen"));
	r = r
	            ?: dw_buf_printf(out, "- Rule: `%s` (%s)\n", render_str(f, "rule"),
	                             render_str(f, "source"));
	return r;
}

static int references(struct dw_buf *out, const struct dw_json *refs)
{
	size_t i;
	int r = 0;

	if (!dw_json_count(refs))
		return 0;
	r = dw_buf_puts(out, "- References:");
	for (i = 0; r == 0 && i < dw_json_count(refs); i++) {
		const struct dw_json *ref = dw_json_at(refs, i);

		r = dw_buf_puts(out, i ? ", " : " ");
		r = r ?: text(out, render_str(ref, "framework"));
		r = r ?: dw_buf_puts(out, " ");
		r = r ?: text(out, render_str(ref, "id"));
	}
	return r ?: dw_buf_putc(out, '\n');
}

static int failing(struct dw_buf *out, const struct dw_json *f)
{
	const struct dw_json *rem = dw_json_get(f, "remediation");
	int r;

	r = dw_buf_printf(out, "\n### %s: ", render_str(f, "severity"));
	r = r ?: text(out, render_str(f, "title"));
	r = r ?: dw_buf_puts(out, "\n\n");
	r = r ?: text(out, render_str(f, "reason"));
	r = r ?: dw_buf_puts(out, "\n\n");
	r = r ?: object_line(out, f);
	r = r ?: references(out, dw_json_get(f, "references"));
	r = r ?: failures_table(out, dw_json_get(f, "failures"));
	if (r == 0 && rem) {
		r = dw_buf_puts(out, "\n**Remediation:** ");
		r = r ?: text(out, render_str(rem, "guidance"));
		r = r ?: dw_buf_putc(out, '\n');
	}
	return r;
}

/* One list line per finding of status @st. */
static int listed(struct dw_buf *out, const struct dw_drift *d, const char *st, const char *head)
{
	size_t i, n = 0;
	int r = 0;

	for (i = 0; r == 0 && i < dw_json_count(d->findings); i++) {
		const struct dw_json *f = dw_json_at(d->findings, i), *w = dw_json_get(f, "waiver");

		if (strcmp(render_str(f, "status"), st) != 0)
			continue;
		if (n++ == 0)
			r = dw_buf_printf(out, "\n## %s\n\n", head);
		r = r ?: dw_buf_printf(out, "- `%s`", render_str(f, "rule"));
		if (dw_json_get(f, "object"))
			r = r
			            ?: dw_buf_printf(out, " [%s](%s)",
			                             render_str(dw_json_get(f, "object"), "id"),
			                             render_str(dw_json_get(f, "object"), "path"));
		r = r ?: dw_buf_puts(out, ": ");
		r = r ?: text(out, w ? render_str(w, "rationale") : render_str(f, "reason"));
		if (r == 0 && w)
			r = dw_buf_printf(out, " (owner %s, until %s)", render_str(w, "owner"),
			                  render_str(w, "expires"));
		r = r ?: dw_buf_putc(out, '\n');
	}
	return r;
}

int dw_baseline__render_md(const struct dw_drift *d, struct dw_buf *out)
{
	const struct dw_json *root = d->root;
	size_t i;
	int r;

	r = dw_buf_printf(out, "# Drift report: %s\n\n", d->tenant);
	/* no commit id: the report is committed with the snapshot it is about */
	r = r
	            ?: dw_buf_printf(out, "Snapshot of %s; rules from `%s` at `%.12s`.\n\n",
	                             render_str(root, "commitTime"),
	                             render_str(root, "approvedRef"),
	                             render_str(root, "approvedCommit"));
	r = r ?: summary(out, d);
	for (i = 0; r == 0 && i < dw_json_count(d->findings); i++) {
		const struct dw_json *f = dw_json_at(d->findings, i);

		if (strcmp(render_str(f, "status"), "fail") == 0)
			r = failing(out, f);
	}
	r = r ?: listed(out, d, "error", "Errors");
	r = r ?: listed(out, d, "unknown", "Unknown (a collector was not read completely)");
	r = r ?: listed(out, d, "waived", "Waived");
	r = r ?: listed(out, d, "n/a", "Not applicable");
	r = r ?: listed(out, d, "pass", "Passing");
	return r;
}
