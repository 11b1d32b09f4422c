/*
 * Changed-By trailers: who changed which object since the previous snapshot,
 * from Entra's directory audit log and Intune's audit events. Both are read
 * only when the tenant grants the permission; without it there is simply no
 * trailer, never a failed run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driftward/array.h"
#include "driftward/json.h"
#include "driftward/log.h"
#include "driftward/naming.h"
#include "snapshot/internal.h"

#define AUDIT_MAX_PAGES 50
/*
 * Audit records reach the log minutes (sometimes hours) after the change: a
 * change read by the previous snapshot may be logged only after it. The window
 * starts this long before the previous snapshot; each trailer carries the
 * record's time, so an older change shows as older.
 */
#define AUDIT_OVERLAP_SECONDS (6 * 3600)
#define CHANGED_BY_MAX        100 /* trailers per commit; the rest are counted */
#define CHANGED_BY_LEN_MAX    400

static const struct {
	const char *path;
	const char *permission;
} sources[AUDIT_SOURCES] = {
	[AUDIT_DIRECTORY] = { "/auditLogs/directoryAudits", "AuditLog.Read.All" },
	[AUDIT_INTUNE] = { "/deviceManagement/auditEvents", "DeviceManagementApps.Read.All" },
};

int dw_snapshot__audit_submit(struct tenant_run *tr, int64_t since)
{
	struct audit_run *a = &tr->audit;
	time_t t = (time_t)(since - AUDIT_OVERLAP_SECONDS);
	struct tm tm;
	size_t i;
	int r = 0;

	if (since <= 0 || !gmtime_r(&t, &tm))
		return 0; /* the first snapshot: everything is new, nobody "changed" it */
	strftime(a->since, sizeof(a->since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (i = 0; r == 0 && i < AUDIT_SOURCES; i++) {
		snprintf(a->query[i], sizeof(a->query[i]), "$filter=activityDateTime%%20ge%%20%s",
		         a->since);
		dw_graph_op_init(&a->ops[i], DW_GRAPH_LIST, "v1.0", sources[i].path, a->query[i]);
		a->ops[i].max_pages = AUDIT_MAX_PAGES;
		r = dw_graph_submit(tr->graph, &a->ops[i]);
		a->submitted[i] = r == 0;
	}
	return r;
}

void dw_snapshot__audit_release(struct audit_run *a)
{
	size_t i;

	for (i = 0; i < AUDIT_SOURCES; i++)
		if (a->submitted[i])
			dw_graph_op_release(&a->ops[i]);
	memset(a, 0, sizeof(*a));
}

static const char *member_cstr(const struct dw_json *obj, const char *a, const char *b)
{
	const struct dw_json *v = dw_json_get(obj, a);

	if (b)
		v = v ? dw_json_get(v, b) : NULL;
	return v ? dw_json_cstr(v) : NULL;
}

/* Who made an audit record: a user's UPN, else an application's name. */
static const char *actor_of(const struct dw_json *rec, int source)
{
	const struct dw_json *by;
	const char *who;

	if (source == AUDIT_INTUNE) {
		by = dw_json_get(rec, "actor");
		who = by ? member_cstr(by, "userPrincipalName", NULL) : NULL;
		return who ? who : by ? member_cstr(by, "applicationDisplayName", NULL) : NULL;
	}
	by = dw_json_get(rec, "initiatedBy");
	who = by ? member_cstr(by, "user", "userPrincipalName") : NULL;
	return who ? who : by ? member_cstr(by, "app", "displayName") : NULL;
}

static bool targets(const struct dw_json *rec, int source, const char *id)
{
	const struct dw_json *list =
	        dw_json_get(rec, source == AUDIT_INTUNE ? "resources" : "targetResources");
	const char *key = source == AUDIT_INTUNE ? "resourceId" : "id";
	size_t i;

	for (i = 0; i < dw_json_count(list); i++) {
		const char *tid = member_cstr(dw_json_at(list, i), key, NULL);

		if (tid && strcasecmp(tid, id) == 0)
			return true;
	}
	return false;
}

/*
 * Text from the audit log is the tenant's data: a display name may hold a
 * newline (which would forge a trailer) or anything else. Control characters
 * become spaces; a cut never splits a UTF-8 sequence.
 */
static void append_clean(char *out, size_t outlen, size_t *used, const char *s)
{
	size_t n = *used;

	for (; s && *s && n + 1 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80 && (c & 0xc0) != 0x80) {
			size_t seq = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			if (n + seq >= outlen)
				break;
		}
		out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[n] = '\0';
	*used = n;
}

static void trailer_line(char *out, size_t outlen, const char *who, const char *what,
                         const char *when, const char *path)
{
	size_t used = 0;

	out[0] = '\0';
	append_clean(out, outlen, &used, who ? who : "unknown");
	append_clean(out, outlen, &used, ": ");
	append_clean(out, outlen, &used, what ? what : "change");
	if (when) {
		append_clean(out, outlen, &used, " at ");
		append_clean(out, outlen, &used, when);
	}
	append_clean(out, outlen, &used, ": ");
	append_clean(out, outlen, &used, path);
}

struct changed_by {
	struct tenant_run *tr;
	char **lines;
	size_t count, alloc, dropped;
};

static int add_line(struct changed_by *cb, const char *line)
{
	size_t i;

	for (i = 0; i < cb->count; i++)
		if (strcmp(cb->lines[i], line) == 0)
			return 0;
	if (cb->count >= CHANGED_BY_MAX) {
		cb->dropped++;
		return 0;
	}
	if (DW_ARRAY_GROW(cb->lines, cb->alloc, cb->count + 1) < 0)
		return -ENOMEM;
	cb->lines[cb->count] = strdup(line);
	return cb->lines[cb->count] ? (cb->count++, 0) : -ENOMEM;
}

/* The object id in a snapshot path, with the file name's %XX escapes undone. */
static int path_id(const char *path, struct dw_buf *out)
{
	const char *id;
	size_t len;

	if (strcmp(path, DW_STATUS_FILE) == 0 || dw_object_path_id(path, &id, &len) < 0)
		return -EINVAL;
	return dw_unescape_id(out, id, len);
}

/* Adds a trailer for every record of audit source @s that targets object @id. */
static int match_records(struct changed_by *cb, size_t s, const char *path, const char *id)
{
	const struct dw_graph_op *op = &cb->tr->audit.ops[s];
	const char *what_key = s == AUDIT_INTUNE ? "activityType" : "activityDisplayName";
	char line[CHANGED_BY_LEN_MAX];
	size_t p, i;
	int r = 0;

	if (!cb->tr->audit.submitted[s] || op->outcome != DW_GRAPH_OK)
		return 0;
	for (p = 0; r == 0 && p < op->npages; p++) {
		for (i = 0; r == 0 && i < op->pages[p].count; i++) {
			const struct dw_json *rec = dw_json_at(op->pages[p].value, i);

			if (!targets(rec, (int)s, id))
				continue;
			trailer_line(line, sizeof(line), actor_of(rec, (int)s),
			             member_cstr(rec, what_key, NULL),
			             member_cstr(rec, "activityDateTime", NULL), path);
			r = add_line(cb, line);
		}
	}
	return r;
}

static int match_change(const char *path, enum dw_store_change change, void *payload)
{
	struct changed_by *cb = payload;
	struct dw_buf id;
	size_t s;
	int r = 0;

	(void)change;
	dw_buf_init(&id, 4096);
	if (path_id(path, &id) == 0)
		for (s = 0; r == 0 && s < AUDIT_SOURCES; s++)
			r = match_records(cb, s, path, dw_buf_cstr(&id));
	dw_buf_release(&id);
	return r;
}

static void explain_missing(struct tenant_run *tr)
{
	size_t s;

	for (s = 0; s < AUDIT_SOURCES; s++) {
		const struct dw_graph_op *op = &tr->audit.ops[s];

		if (tr->audit.submitted[s] && op->outcome != DW_GRAPH_OK)
			dw_log_info("tenant %s: no Changed-By from %s (%s; it needs %s)",
			            tr->report->tenant->name, sources[s].path,
			            dw_graph_outcome_name(op->outcome), sources[s].permission);
	}
}

int dw_snapshot__audit_trailers(struct tenant_run *tr, struct dw_trailer **out, size_t *n,
                                char ***strings)
{
	struct changed_by cb = { .tr = tr };
	struct dw_trailer *t;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	*strings = NULL;
	if (!tr->audit.since[0])
		return 0;
	explain_missing(tr);
	r = dw_store_tx_foreach_change(tr->tx, match_change, &cb);
	if (r == 0 && cb.dropped) {
		char more[64];

		snprintf(more, sizeof(more), "%zu more changes, see the audit log", cb.dropped);
		cb.dropped = 0;
		r = add_line(&cb, more);
	}
	t = r == 0 && cb.count ? calloc(cb.count, sizeof(*t)) : NULL;
	if (r == 0 && cb.count && !t)
		r = -ENOMEM;
	if (r < 0) {
		for (i = 0; i < cb.count; i++)
			free(cb.lines[i]);
		free(cb.lines);
		free(t);
		return r;
	}
	for (i = 0; i < cb.count; i++)
		t[i] = (struct dw_trailer){ "Changed-By", cb.lines[i] };
	*out = t;
	*n = cb.count;
	*strings = cb.lines;
	tr->report->changed_by = cb.count;
	return 0;
}
