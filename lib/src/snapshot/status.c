/*
 * Collector statuses and _status.json. The file holds only what is stable
 * while nothing changes (no times, no request ids), so an unchanged tenant
 * gives an unchanged file and no commit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driftward/json.h"
#include "snapshot/internal.h"

/*
 * One answer to "can this collector be read?", for _status.json and for
 * check --online alike. The name is what _status.json stores (stable: it is
 * committed); the label is what a person reads in check's table.
 */
static const struct {
	const char *name;
	const char *label;
} status_names[] = {
	[DW_COLLECTOR_OK] = { "ok", "readable" },
	[DW_COLLECTOR_UNLICENSED] = { "unlicensed", "not licensed" },
	[DW_COLLECTOR_PARTIAL] = { "partial", "partial" },
	[DW_COLLECTOR_FORBIDDEN] = { "forbidden", "forbidden" },
	[DW_COLLECTOR_FAILED] = { "failed", "error" },
};

const char *dw_collector_status_name(enum dw_collector_status status)
{
	if ((size_t)status >= DW_ARRAY_SIZE(status_names))
		status = DW_COLLECTOR_FAILED;
	return status_names[status].name;
}

const char *dw_collector_status_label(enum dw_collector_status status)
{
	if ((size_t)status >= DW_ARRAY_SIZE(status_names))
		status = DW_COLLECTOR_FAILED;
	return status_names[status].label;
}

bool dw_collector_status_incomplete(enum dw_collector_status status)
{
	return status == DW_COLLECTOR_PARTIAL || status == DW_COLLECTOR_FORBIDDEN ||
	       status == DW_COLLECTOR_FAILED;
}

enum dw_collector_status dw_snapshot__status_of(enum dw_graph_outcome outcome)
{
	switch (outcome) {
	case DW_GRAPH_OK:
		return DW_COLLECTOR_OK;
	case DW_GRAPH_PERMISSION:
		return DW_COLLECTOR_FORBIDDEN;
	case DW_GRAPH_UNLICENSED:
		return DW_COLLECTOR_UNLICENSED;
	default:
		return DW_COLLECTOR_FAILED;
	}
}

void dw_snapshot__permissions(const struct dw_collector *c, char *out, size_t outlen)
{
	dw_strlist_join(&c->read_permissions, " or ", out, outlen);
}

void dw_snapshot__status_from_op(struct dw_snapshot_collector *sc, const struct dw_graph_op *op)
{
	const char *code = op->graph_code[0] ? op->graph_code : NULL;
	size_t n;

	sc->detail[0] = '\0';
	sc->status = dw_snapshot__status_of(op->outcome);
	switch (sc->status) {
	case DW_COLLECTOR_OK:
		if (op->truncated) {
			sc->status = DW_COLLECTOR_PARTIAL;
			snprintf(sc->detail, sizeof(sc->detail), "stopped after %zu pages",
			         op->npages);
		}
		return;
	case DW_COLLECTOR_FORBIDDEN:
		n = (size_t)snprintf(sc->detail, sizeof(sc->detail), "the application needs ");
		dw_snapshot__permissions(sc->collector, sc->detail + n, sizeof(sc->detail) - n);
		if (!sc->detail[n])
			snprintf(sc->detail + n, sizeof(sc->detail) - n, "a Graph permission");
		return;
	case DW_COLLECTOR_UNLICENSED:
		snprintf(sc->detail, sizeof(sc->detail), "the tenant has no licence for it%s%s%s",
		         code ? " (" : "", code ? code : "", code ? ")" : "");
		return;
	default:
		/* cut short after some pages; a collection served wrong is failed whole */
		sc->status = op->pages_read && op->outcome != DW_GRAPH_BAD_RESPONSE
		                     ? DW_COLLECTOR_PARTIAL
		                     : DW_COLLECTOR_FAILED;
		if (sc->status == DW_COLLECTOR_PARTIAL)
			snprintf(sc->detail, sizeof(sc->detail), "%zu page%s read, then %.200s",
			         op->pages_read, op->pages_read == 1 ? "" : "s", op->detail);
		else
			snprintf(sc->detail, sizeof(sc->detail), "%s",
			         op->detail[0] ? op->detail : dw_graph_outcome_name(op->outcome));
	}
}

static int add_collector(struct dw_json_doc *doc, struct dw_json *all,
                         const struct dw_snapshot_collector *sc)
{
	struct dw_json *o = dw_json_new_object(doc);
	int r;

	r = dw_json_object_set(doc, o, "status",
	                       dw_json_new_cstr(doc, dw_collector_status_name(sc->status)));
	r = r
	            ?: dw_json_object_set(doc, o, "objects",
	                                  dw_json_new_int64(doc, (int64_t)sc->objects));
	if (r == 0 && sc->detail[0])
		r = dw_json_object_set(doc, o, "detail", dw_json_new_cstr(doc, sc->detail));
	return r ?: dw_json_object_set(doc, all, sc->collector->name, o);
}

int dw_snapshot__status_write(const struct dw_snapshot_tenant *t, struct dw_buf *out,
                              struct dw_error *err)
{
	struct dw_json_doc *doc = dw_json_doc_new();
	struct dw_json *root, *all;
	size_t i;
	int r = -ENOMEM;

	if (!doc)
		return -ENOMEM;
	root = dw_json_new_object(doc);
	all = dw_json_new_object(doc);
	r = dw_json_set_root(doc, root);
	r = r
	            ?: dw_json_object_set(doc, root, "schema",
	                                  dw_json_new_cstr(doc, "driftward/status/v1"));
	r = r ?: dw_json_object_set(doc, root, "tenant", dw_json_new_cstr(doc, t->tenant->name));
	r = r
	            ?: dw_json_object_set(doc, root, "tenantId",
	                                  dw_json_new_cstr(doc, t->tenant->tenant_id));
	for (i = 0; r == 0 && i < t->ncollectors; i++)
		r = add_collector(doc, all, &t->collectors[i]);
	r = r ?: dw_json_object_set(doc, root, "collectors", all);
	r = r ?: dw_json_write(root, DW_JSON_PRETTY, out, err);
	dw_json_doc_free(doc);
	return r;
}
