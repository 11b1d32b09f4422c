/*
 * The permission preflight admins ask for: can the app read each collector?
 * One read of the first page per collector; its outcome becomes readable,
 * forbidden (naming the Graph permission the catalog lists), not licensed,
 * or error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/preflight.h"

struct dw_preflight {
	struct dw_graph_op *ops;
	struct dw_preflight_row *rows;
	size_t n;
};

const char *dw_preflight_status_name(enum dw_preflight_status status)
{
	switch (status) {
	case DW_PREFLIGHT_READABLE:
		return "readable";
	case DW_PREFLIGHT_FORBIDDEN:
		return "forbidden";
	case DW_PREFLIGHT_UNLICENSED:
		return "not licensed";
	default:
		return "error";
	}
}

static void joined(const struct dw_strlist *l, char *out, size_t outlen)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < l->count && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? " or " : "",
		                         l->items[i]);
}

static void fill_row(struct dw_preflight_row *row, const struct dw_graph_op *op)
{
	const struct dw_collector *c = row->collector;
	char perms[256];

	row->outcome = op->outcome;
	row->http_status = op->http_status;
	row->objects = op->nobjects;
	switch (op->outcome) {
	case DW_GRAPH_OK:
		row->status = DW_PREFLIGHT_READABLE;
		snprintf(row->detail, sizeof(row->detail), "%zu object%s%s", op->nobjects,
		         op->nobjects == 1 ? "" : "s", op->truncated ? " on the first page" : "");
		break;
	case DW_GRAPH_PERMISSION:
		row->status = DW_PREFLIGHT_FORBIDDEN;
		joined(&c->read_permissions, perms, sizeof(perms));
		snprintf(row->detail, sizeof(row->detail), "needs %s (%s)",
		         perms[0] ? perms : "a read permission", op->graph_code);
		break;
	case DW_GRAPH_UNLICENSED:
		row->status = DW_PREFLIGHT_UNLICENSED;
		snprintf(row->detail, sizeof(row->detail), "needs the %s licence (%ld %s)",
		         c->licence ? c->licence : "service's", op->http_status, op->graph_code);
		break;
	default:
		row->status = DW_PREFLIGHT_ERROR;
		snprintf(row->detail, sizeof(row->detail), "%s: %s",
		         dw_graph_outcome_name(op->outcome), op->error.msg);
		break;
	}
}

static void op_done(struct dw_graph_op *op, void *arg)
{
	fill_row(arg, op);
	dw_graph_op_release(op); /* the pages are not needed, only the outcome */
}

int dw_preflight_submit(struct dw_graph_tenant *t, const struct dw_collector *const *collectors,
                        size_t n, struct dw_preflight **out)
{
	struct dw_preflight *p = calloc(1, sizeof(*p));
	size_t i;
	int r = -ENOMEM;

	*out = NULL;
	if (!p || !(p->ops = calloc(n ? n : 1, sizeof(*p->ops))) ||
	    !(p->rows = calloc(n ? n : 1, sizeof(*p->rows))))
		goto fail;
	for (i = 0; i < n; i++) {
		const struct dw_collector *c = collectors[i];
		struct dw_graph_op *op = &p->ops[i];

		p->rows[i].collector = c;
		p->rows[i].status = DW_PREFLIGHT_ERROR;
		snprintf(p->rows[i].detail, sizeof(p->rows[i].detail), "not read");
		dw_graph_op_init(op, c->singleton ? DW_GRAPH_SINGLETON : DW_GRAPH_LIST,
		                 c->api_version, c->graph_path, c->query);
		op->max_pages = 1;
		op->permissions = &c->read_permissions;
		op->done = op_done;
		op->arg = &p->rows[i];
		r = dw_graph_submit(t, op);
		if (r < 0) /* a malformed catalog entry: report it in its row */
			snprintf(p->rows[i].detail, sizeof(p->rows[i].detail),
			         "could not make the request: %s", strerror(-r));
	}
	p->n = n;
	*out = p;
	return 0;
fail:
	dw_preflight_free(p);
	return r;
}

const struct dw_preflight_row *dw_preflight_rows(const struct dw_preflight *p, size_t *n)
{
	*n = p->n;
	return p->rows;
}

void dw_preflight_free(struct dw_preflight *p)
{
	if (!p)
		return;
	free(p->ops);
	free(p->rows);
	free(p);
}
