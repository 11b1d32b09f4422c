/*
 * Making a plan: desired state from the approved commit, the tenant read
 * fresh, and the requests that make the one look like the other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/log.h"
#include "driftward/restore.h"
#include "restore/internal.h"
#include "restore/plan.h"

#define COMPLETE_FILE  "_complete"
#define DIFF_VALUE_MAX 160

static int compare_live(const void *a, const void *b)
{
	return strcmp(((const struct live *)a)->id, ((const struct live *)b)->id);
}

static int compare_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct live *)elem)->id);
}

struct live *dw_restore__live_find(struct coll_plan *cp, const char *id)
{
	return bsearch(id, cp->live, cp->nlive, sizeof(*cp->live), compare_id);
}

/* --- desired state: which collectors, which files --- */

static struct coll_plan *coll_find(struct planner *p, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < p->ncolls; i++)
		if (strlen(p->colls[i].name) == len && memcmp(p->colls[i].name, name, len) == 0)
			return &p->colls[i];
	if (DW_ARRAY_GROW(p->colls, p->acolls, p->ncolls + 1) < 0)
		return NULL;
	memset(&p->colls[p->ncolls], 0, sizeof(*p->colls));
	if (!(p->colls[p->ncolls].name = strndup(name, len)))
		return NULL;
	return &p->colls[p->ncolls++];
}

static int add_desired(const char *path, void *payload)
{
	struct planner *p = payload;
	const char *rest = path + strlen(p->prefix) + 1, *slash = strchr(rest, '/');
	struct coll_plan *cp;
	size_t len;

	/* desired/<tenant>/<collector>/<file>: anything else is not desired state */
	if (!slash || strchr(slash + 1, '/'))
		return 0;
	if (!(cp = coll_find(p, rest, (size_t)(slash - rest))))
		return -ENOMEM;
	if (strcmp(slash + 1, COMPLETE_FILE) == 0) {
		cp->complete = true;
		return 0;
	}
	len = strlen(slash + 1);
	if (len < 6 || strcmp(slash + 1 + len - 5, ".json") != 0)
		return 0;
	if (DW_ARRAY_GROW(cp->files, cp->afiles, cp->nfiles + 1) < 0)
		return -ENOMEM;
	return (cp->files[cp->nfiles++] = strdup(path)) ? 0 : -ENOMEM;
}

static int note(struct planner *p, const char *name, const char *why)
{
	return dw_buf_printf(&p->plan->diff, "! %s: %s; its desired state is left alone\n", name,
	                     why);
}

/* Which of the collectors desired state names are written, and in which order. */
static int select_collectors(struct planner *p)
{
	const struct dw_collector *const *sel;
	size_t nsel, i, j;
	int r = 0;

	sel = dw_session_collectors(p->s, &nsel);
	for (i = 0; r == 0 && i < p->ncolls; i++) {
		struct coll_plan *cp = &p->colls[i];

		for (j = 0; j < nsel && strcmp(sel[j]->name, cp->name) != 0; j++)
			;
		if (j == nsel)
			r = note(p, cp->name, "not a collector this tenant reads");
		else if (sel[j]->restore == DW_RESTORE_NONE || sel[j]->user_defined)
			r = note(p, cp->name, "driftward does not write this collector");
		else
			cp->c = sel[j];
	}
	return r;
}

static int coll_rank(const void *a, const void *b)
{
	const struct coll_plan *x = a, *y = b;

	return (x->rank > y->rank) - (x->rank < y->rank);
}

static int order_collectors(struct planner *p)
{
	const struct dw_collector **order = calloc(p->ncolls + 1, sizeof(*order));
	size_t i, j, n = 0;
	int r = order ? 0 : -ENOMEM;

	for (i = 0; r == 0 && i < p->ncolls; i++)
		if (p->colls[i].c)
			order[n++] = p->colls[i].c;
	r = r ?: dw_restore_order(order, n, p->err);
	for (i = 0; r == 0 && i < p->ncolls; i++) {
		p->colls[i].rank = n;
		for (j = 0; j < n; j++)
			if (order[j] == p->colls[i].c)
				p->colls[i].rank = j;
	}
	if (r == 0)
		qsort(p->colls, p->ncolls, sizeof(*p->colls), coll_rank);
	free(order);
	return r;
}

/* --- the tenant, read now --- */

static int submit_reads(struct planner *p)
{
	struct dw_graph_tenant *t = dw_session_graph(p->s);
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < p->ncolls; i++) {
		struct coll_plan *cp = &p->colls[i];

		if (!cp->c)
			continue;
		dw_graph_op_init(&cp->op, cp->c->singleton ? DW_GRAPH_SINGLETON : DW_GRAPH_LIST,
		                 cp->c->api_version, cp->c->graph_path, cp->c->query);
		cp->op.permissions = &cp->c->read_permissions;
		r = dw_graph_submit(t, &cp->op);
		cp->submitted = r == 0;
	}
	r = r ?: dw_graph_run(p->ctx->graph, p->err);
	for (i = 0; r == 0 && i < p->ncolls; i++) {
		const struct dw_graph_op *op = &p->colls[i].op;

		if (!p->colls[i].submitted)
			continue;
		if (op->outcome != DW_GRAPH_OK || op->truncated) {
			*p->err = op->error;
			dw_error_prefix(p->err,
			                "collector %s could not be read (%s); no plan without "
			                "the whole tenant: ",
			                p->colls[i].name, dw_graph_outcome_name(op->outcome));
			r = -EIO;
		}
	}
	return r;
}

/* The object's id as text: a string key as it is, a number in canonical form. */
int dw_restore__object_id(const struct dw_collector *c, const struct dw_json *obj,
                          struct dw_buf *out, struct dw_error *err)
{
	const struct dw_json *id = dw_json_get(obj, c->key);
	const char *s;
	size_t len;

	if (c->singleton)
		return dw_buf_puts(out, c->name);
	if (id && (s = dw_json_string(id, &len)) && len > 0)
		return dw_buf_put(out, s, len);
	if (id && dw_json_type(id) == DW_JSON_NUMBER)
		return dw_json_write(id, DW_JSON_COMPACT, out, err);
	return dw_error_set(err, -EBADMSG, DW_AREA_JSON, 0,
	                    "collector %s: an object has no usable '%s' member", c->name, c->key);
}

static int add_live(struct planner *p, struct coll_plan *cp, const struct dw_json *obj)
{
	struct dw_buf id, cmp;
	struct live *l;
	int r;

	if (DW_ARRAY_GROW(cp->live, cp->alive, cp->nlive + 1) < 0)
		return -ENOMEM;
	dw_buf_init(&id, 4096);
	dw_buf_init(&cmp, DW_RESTORE_PLAN_MAX);
	r = dw_restore__object_id(cp->c, obj, &id, p->err);
	/* compared as a body: what a write could change, secrets hashed */
	r = r
	            ?: dw_restore__form(p->ctx->catalog, cp->c, p->plan->flags, obj, NULL,
	                                DW_RESTORE__HASH, true, &cmp, p->err);
	if (r == 0) {
		l = &cp->live[cp->nlive];
		memset(l, 0, sizeof(*l));
		l->src = obj;
		l->id = dw_buf_detach(&id, NULL);
		l->cmp = dw_buf_detach(&cmp, NULL);
		r = l->id && l->cmp ? 0 : -ENOMEM;
		if (r == 0)
			cp->nlive++;
		else
			free(l->id), free(l->cmp);
	}
	dw_buf_release(&id);
	dw_buf_release(&cmp);
	return r;
}

static int take_live(struct planner *p, struct coll_plan *cp)
{
	size_t i, j;
	int r = 0;

	for (i = 0; r == 0 && i < cp->op.npages; i++) {
		const struct dw_graph_page *page = &cp->op.pages[i];

		if (cp->c->singleton && page->value)
			r = add_live(p, cp, page->value);
		for (j = 0; r == 0 && !cp->c->singleton && j < page->count; j++)
			r = add_live(p, cp, dw_json_at(page->value, j));
	}
	qsort(cp->live, cp->nlive, sizeof(*cp->live), compare_live);
	return r;
}

/* The hash of what the tenant looks like now, in every collector the plan touches. */
static int tenant_state(struct planner *p)
{
	struct dw_buf all;
	size_t i, j;
	int r = 0;

	dw_buf_init(&all, (size_t)1 << 40);
	for (i = 0; r == 0 && i < p->ncolls; i++) {
		const struct coll_plan *cp = &p->colls[i];

		if (!cp->c)
			continue;
		r = dw_buf_printf(&all, "%s\n", cp->name);
		for (j = 0; r == 0 && j < cp->nlive; j++)
			r = dw_buf_printf(&all, "%s\t%s\n", cp->live[j].id, cp->live[j].cmp);
	}
	r = r ?: dw_restore__hash(all.ptr, all.len, p->plan->tenant_state);
	dw_buf_release(&all);
	return r;
}

/* --- the whole plan --- */

static void planner_release(struct planner *p)
{
	size_t i, j;

	for (i = 0; i < p->ncolls; i++) {
		struct coll_plan *cp = &p->colls[i];

		for (j = 0; j < cp->nfiles; j++)
			free(cp->files[j]);
		for (j = 0; j < cp->nlive; j++)
			free(cp->live[j].id), free(cp->live[j].cmp);
		free(cp->files);
		free(cp->live);
		free(cp->name);
		if (cp->submitted)
			dw_graph_op_release(&cp->op);
	}
	free(p->colls);
}

static int resolve_commit(struct planner *p)
{
	const char *rev = p->o->at ? p->o->at : p->ctx->cfg->agent.approved_ref;
	int r = dw_store_resolve(p->store, rev, p->plan->commit, p->err);

	r = r ?: dw_restore_approved(p->store, &p->ctx->cfg->agent, p->plan->commit, p->err);
	if (r == 0 && (size_t)snprintf(p->prefix, sizeof(p->prefix), "desired/%s",
	                               dw_session_tenant(p->s)->name) >= sizeof(p->prefix))
		r = -ENAMETOOLONG;
	return r;
}

static int make(struct planner *p)
{
	size_t i;
	int r;

	/* a commit that is not there is an error; desired state that is not there is no work */
	if ((r = resolve_commit(p)) < 0)
		return r;
	r = dw_store_list_files(p->store, p->plan->commit, p->prefix, add_desired, p, p->err);
	if (r == -ENOENT)
		r = 0; /* no desired state for this tenant: nothing to do */
	r = r ?: select_collectors(p);
	r = r ?: order_collectors(p);
	r = r ?: submit_reads(p);
	for (i = 0; r == 0 && i < p->ncolls; i++)
		if (p->colls[i].c)
			r = take_live(p, &p->colls[i]);
	r = r ?: tenant_state(p);
	for (i = 0; r == 0 && i < p->ncolls; i++)
		if (p->colls[i].c)
			r = dw_restore__plan_collector(p, &p->colls[i]);
	for (i = p->ncolls; r == 0 && i-- > 0;)
		if (p->colls[i].c && p->colls[i].complete)
			r = dw_restore__plan_deletes(p, &p->colls[i]);
	return r;
}

static int planner_run(const struct dw_session_context *ctx, struct dw_session *s,
                       const struct dw_restore_options *o, struct dw_restore_plan *plan,
                       struct dw_error *err)
{
	struct planner p = { .ctx = ctx, .s = s, .o = o, .plan = plan, .err = err };
	int r;

	p.store = dw_session_store(s);
	if (!p.store || !dw_session_graph(s) || !ctx->key)
		return dw_error_set(
		        err, -EINVAL, DW_AREA_USAGE, 0,
		        "restore needs the tenant's repository, Graph and the agent key");
	r = make(&p);
	planner_release(&p);
	return r;
}

int dw_restore_plan_make(const struct dw_session_context *ctx, struct dw_session *s,
                         const struct dw_restore_options *o, struct dw_restore_plan **out,
                         struct dw_error *err)
{
	struct dw_restore_plan *plan = calloc(1, sizeof(*plan));
	struct dw_buf canon;
	int r = plan ? 0 : -ENOMEM;

	*out = NULL;
	dw_buf_init(&canon, DW_RESTORE_PLAN_MAX);
	if (plan) {
		dw_buf_init(&plan->diff, DW_RESTORE_PLAN_MAX);
		plan->flags = o->flags;
		r = (plan->tenant = strdup(dw_session_tenant(s)->name)) ? 0 : -ENOMEM;
	}
	r = r ?: planner_run(ctx, s, o, plan, err);
	r = r ?: dw_restore__canonical(plan, &canon, err);
	r = r ?: dw_restore__hash(canon.ptr, canon.len, plan->hash);
	dw_buf_release(&canon);
	if (r == 0)
		*out = plan;
	else
		dw_restore_plan_free(plan);
	return r;
}
