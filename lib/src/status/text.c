/*
 * The text form of a status document: a line per tenant as run's summary
 * words it, then its findings, incomplete collectors and push, indented.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "driftward/json.h"
#include "driftward/status.h"
#include "status/internal.h"

static const char *str(const struct dw_json *obj, const char *key)
{
	return dw_json_cstr(dw_json_get(obj, key)) ?: "";
}

static int64_t num(const struct dw_json *obj, const char *key)
{
	int64_t v = 0;

	dw_json_int64(dw_json_get(obj, key), &v);
	return v;
}

/* "3d 4h", "5h 2m", "7m", "40s": the two largest units are enough to act on. */
static void format_age(int64_t s, char *out, size_t len)
{
	if (s >= 86400)
		snprintf(out, len, "%" PRId64 "d %" PRId64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, len, "%" PRId64 "h %" PRId64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(out, len, "%" PRId64 "m", s / 60);
	else
		snprintf(out, len, "%" PRId64 "s", s);
}

static int put_findings(const struct dw_json *f, struct dw_buf *out)
{
	const struct dw_json *by = dw_json_get(f, "bySeverity"), *open = dw_json_get(f, "open"), *e;
	const char *sep = " (";
	char age[32];
	size_t i;
	int r;

	if (!f || dw_json_type(f) == DW_JSON_NULL)
		return dw_buf_puts(out, "  findings: no drift report on the branch\n");
	r = dw_buf_printf(out, "  findings: %zu open", dw_json_count(open));
	for (i = 0; r == 0 && i < 5; i++) {
		if (num(by, dw_status__severities[i]) == 0)
			continue;
		r = dw_buf_printf(out, "%s%" PRId64 " %s", sep, num(by, dw_status__severities[i]),
		                  dw_status__severities[i]);
		sep = ", ";
	}
	r = r ?: dw_buf_puts(out, *sep == ',' ? ")\n" : "\n");
	for (i = 0; r == 0 && (e = dw_json_at(open, i)); i++) {
		format_age(num(e, "ageSeconds"), age, sizeof(age));
		r = dw_buf_printf(out, "    %-8s %s: open %s (since %s)\n", str(e, "severity"),
		                  str(e, "rule"), age, str(e, "firstSeen"));
	}
	return r;
}

static int put_incomplete(const struct dw_json *list, struct dw_buf *out)
{
	const struct dw_json *e;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && (e = dw_json_at(list, i)); i++)
		r = dw_buf_printf(out, "  incomplete: %s: %s%s%s%s\n", str(e, "collector"),
		                  str(e, "status"), *str(e, "detail") ? " (" : "", str(e, "detail"),
		                  *str(e, "detail") ? ")" : "");
	return r;
}

static int put_push(const struct dw_json *p, struct dw_buf *out)
{
	const char *state = str(p, "state");

	if (strcmp(state, "pushed") == 0)
		return dw_buf_printf(out, "  push: pushed (%s is at %.12s)\n", str(p, "ref"),
		                     str(p, "commit"));
	if (strcmp(state, "behind") == 0)
		return dw_buf_printf(out,
		                     "  push: %" PRId64 " commit(s) not pushed (%s is at %.12s)\n",
		                     num(p, "unpushed"), str(p, "ref"), str(p, "commit"));
	if (strcmp(state, "diverged") == 0)
		return dw_buf_printf(out, "  push: %s (%.12s) is not in the branch's history\n",
		                     str(p, "ref"), str(p, "commit"));
	return dw_buf_puts(out, "  push: no record of a push (no remote-tracking ref)\n");
}

static int put_tenant(const struct dw_json *t, struct dw_buf *out)
{
	const struct dw_json *run = dw_json_get(t, "lastRun");

	return dw_buf_printf(out, "%s: %s; last run %s, commit %.12s", str(t, "tenant"),
	                     str(t, "result"), str(run, "time"), str(run, "commit")) ?:
	       dw_buf_printf(out, *str(run, "runId") ? " (run %s)\n" : "%s\n", str(run, "runId")) ?:
	       put_findings(dw_json_get(t, "findings"), out) ?:
	       put_incomplete(dw_json_get(t, "incomplete"), out) ?:
	       put_push(dw_json_get(t, "push"), out);
}

int dw_status_write_text(const struct dw_json *status, struct dw_buf *out)
{
	const struct dw_json *tenants = dw_json_get(status, "tenants"), *t;
	size_t i;
	int r = 0;

	if (dw_json_count(tenants) == 0)
		return dw_buf_puts(out, "no tenant has a branch yet (driftward run makes them)\n");
	for (i = 0; r == 0 && (t = dw_json_at(tenants, i)); i++)
		r = put_tenant(t, out);
	return r;
}
