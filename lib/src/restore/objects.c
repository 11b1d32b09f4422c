/*
 * The requests for one collector: each desired object compared with the
 * tenant's, member by member, as a write would send it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/restore.h"
#include "restore/plan.h"

#define DIFF_VALUE_MAX 160

/*
 * The restore writers, keyed by the catalog's restore method: the verb an
 * update is sent with. PATCH merges the body into the object; PUT replaces
 * it whole (the body is the whole desired object, read-only members left
 * out). A collector that needs another verb or shape is one more row.
 */
static const struct writer {
	enum dw_restore_method method;
	const char *verb;
} writers[] = {
	{ DW_RESTORE_PATCH, "PATCH" },
	{ DW_RESTORE_PUT, "PUT" },
};

static const char *update_verb(const struct dw_collector *c)
{
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(writers); i++)
		if (writers[i].method == c->restore)
			return writers[i].verb;
	return NULL;
}

static int put_value(struct dw_buf *diff, const struct dw_json *v, struct dw_error *err)
{
	struct dw_buf b;
	int r;

	if (!v)
		return dw_buf_puts(diff, "(absent)");
	dw_buf_init(&b, DW_RESTORE_PLAN_MAX);
	r = dw_json_write(v, DW_JSON_COMPACT, &b, err);
	if (r == 0 && b.len > DIFF_VALUE_MAX)
		r = dw_buf_put(diff, b.ptr, DIFF_VALUE_MAX - 3) ?: dw_buf_puts(diff, "...");
	else if (r == 0)
		r = dw_buf_put(diff, b.ptr, b.len);
	dw_buf_release(&b);
	return r;
}

static int diff_line(struct dw_buf *diff, const char *key, const struct dw_json *masked_old,
                     const struct dw_json *masked_new, struct dw_error *err)
{
	int r = dw_buf_printf(diff, "    %s: ", key);

	r = r ?: put_value(diff, masked_old ? dw_json_get(masked_old, key) : NULL, err);
	r = r ?: dw_buf_puts(diff, " -> ");
	r = r ?: put_value(diff, dw_json_get(masked_new, key), err);
	return r ?: dw_buf_putc(diff, '\n');
}

static int parse(const char *json, struct dw_json_doc **doc, struct dw_error *err)
{
	*doc = NULL;
	return json ? dw_json_parse(json, strlen(json), NULL, doc, err) : 0;
}

int dw_restore__differs(const char *intent, const char *live, const char *masked_new,
                        const char *masked_old, struct dw_buf *diff, size_t *ndiff,
                        struct dw_error *err)
{
	struct dw_json_doc *want = NULL, *have = NULL, *mnew = NULL, *mold = NULL;
	const struct dw_json *w, *h;
	const char *key;
	size_t i, keylen;
	int r;

	*ndiff = 0;
	r = parse(intent, &want, err) ?: parse(live, &have, err);
	if (r == 0 && diff)
		r = parse(masked_new, &mnew, err) ?: parse(masked_old, &mold, err);
	w = want ? dw_json_root(want) : NULL;
	h = have ? dw_json_root(have) : NULL;
	/* members the body sets: what the tenant has besides them, a write leaves alone */
	for (i = 0; r == 0 && w && i < dw_json_count(w); i++) {
		const struct dw_json *v = dw_json_member(w, i, &key, &keylen);
		const struct dw_json *hv = h ? dw_json_getn(h, key, keylen) : NULL;

		if (hv && dw_json_compare(v, hv) == 0)
			continue;
		++*ndiff;
		if (diff && mnew)
			r = diff_line(diff, key, mold ? dw_json_root(mold) : NULL,
			              dw_json_root(mnew), err);
	}
	dw_json_doc_free(want);
	dw_json_doc_free(have);
	dw_json_doc_free(mnew);
	dw_json_doc_free(mold);
	return r;
}

/* The tenant's value of @l, masked, for the plan's "old". */
static int masked_live(struct planner *p, struct coll_plan *cp, const struct live *l, char **out)
{
	struct dw_buf b;
	int r;

	dw_buf_init(&b, DW_RESTORE_PLAN_MAX);
	r = dw_restore__form(p->ctx->catalog, cp->c, p->plan->flags, l->src, NULL, DW_RESTORE__MASK,
	                     false, &b, p->err);
	if (r == 0 && !(*out = dw_buf_detach(&b, NULL)))
		r = -ENOMEM;
	dw_buf_release(&b);
	return r;
}

/* The three forms of a desired object: to compare, to show, to send. */
struct desired {
	struct dw_json_doc *doc;
	struct dw_buf id, intent, masked;
};

static int desired_load(struct planner *p, struct coll_plan *cp, const char *path,
                        struct desired *d)
{
	const struct dw_catalog *cat = p->ctx->catalog;
	unsigned flags = p->plan->flags;
	struct dw_buf raw;
	int r;

	dw_buf_init(&raw, DW_STORE_FILE_MAX);
	r = dw_store_read_file(p->store, p->plan->commit, path, &raw, p->err);
	r = r ?: dw_json_parse(raw.ptr, raw.len, path, &d->doc, p->err);
	if (r == 0 && dw_json_type(dw_json_root(d->doc)) != DW_JSON_OBJECT)
		r = dw_error_set(p->err, -EBADMSG, DW_AREA_JSON, 0, "%s: not a JSON object", path);
	r = r ?: dw_restore__object_id(cp->c, dw_json_root(d->doc), &d->id, p->err);
	r = r
	            ?: dw_restore__form(cat, cp->c, flags, dw_json_root(d->doc), p->ctx->key,
	                                DW_RESTORE__HASH, true, &d->intent, p->err);
	r = r
	            ?: dw_restore__form(cat, cp->c, flags, dw_json_root(d->doc), NULL,
	                                DW_RESTORE__MASK, true, &d->masked, p->err);
	if (r < 0 && r != -ENOMEM)
		dw_error_prefix(p->err, "%s: ", path);
	dw_buf_release(&raw);
	return r;
}

static void desired_release(struct desired *d)
{
	dw_json_doc_free(d->doc);
	dw_buf_release(&d->id);
	dw_buf_release(&d->intent);
	dw_buf_release(&d->masked);
}

static int fill_request(struct planner *p, struct coll_plan *cp, struct desired *d,
                        struct dw_restore_request *q, enum dw_restore_action action)
{
	const struct dw_collector *c = cp->c;
	struct dw_buf url;
	int r;

	dw_buf_init(&url, 8192);
	q->action = action;
	q->method = action == DW_RESTORE_CREATE   ? "POST"
	            : action == DW_RESTORE_DELETE ? "DELETE"
	                                          : update_verb(c);
	if (!q->method)
		r = dw_error_set(p->err, -ENOTSUP, DW_AREA_CONFIG, 0,
		                 "collector %s: no writer for its restore method", c->name);
	else if (action == DW_RESTORE_CREATE)
		r = dw_buf_puts(&url, c->graph_path);
	else
		r = dw_restore_expand(c->restore_path, c->graph_path,
		                      c->singleton ? NULL : dw_buf_cstr(&d->id), &url, p->err);
	q->collector = strdup(c->name);
	q->id = strdup(dw_buf_cstr(&d->id));
	q->api_version = strdup(c->api_version);
	q->path = dw_buf_detach(&url, NULL);
	if (r == 0 && (!q->collector || !q->id || !q->api_version || !q->path))
		r = -ENOMEM;
	if (r == 0 && d->doc) {
		q->body = strdup(dw_buf_cstr(&d->masked));
		q->intent = strdup(dw_buf_cstr(&d->intent));
		r = q->body && q->intent ? 0 : -ENOMEM;
		r = r
		            ?: dw_restore__form(p->ctx->catalog, c, p->plan->flags,
		                                dw_json_root(d->doc), p->ctx->key,
		                                DW_RESTORE__PLAIN, true, &q->send, p->err);
	}
	dw_buf_release(&url);
	return r;
}

static int header(struct planner *p, char sign, const struct dw_restore_request *q, size_t n)
{
	return dw_buf_printf(&p->plan->diff, "%c %s/%s: %s /%s%s (%zu properties)\n", sign,
	                     q->collector, q->id, q->method, q->api_version, q->path, n);
}

static int plan_update(struct planner *p, struct coll_plan *cp, struct desired *d, struct live *l)
{
	struct dw_restore_request *q;
	struct dw_buf lines;
	size_t n;
	int r;

	l->matched = true;
	r = dw_restore__differs(dw_buf_cstr(&d->intent), l->cmp, NULL, NULL, NULL, &n, p->err);
	if (r < 0 || n == 0)
		return r;
	dw_buf_init(&lines, DW_RESTORE_PLAN_MAX);
	r = dw_restore__request_add(p->plan, &q);
	r = r ?: fill_request(p, cp, d, q, DW_RESTORE_UPDATE);
	r = r ?: masked_live(p, cp, l, &q->old);
	r = r ?: dw_restore__differs(q->intent, l->cmp, q->body, q->old, &lines, &n, p->err);
	r = r ?: header(p, '~', q, n);
	r = r ?: dw_buf_put(&p->plan->diff, lines.ptr, lines.len);
	dw_buf_release(&lines);
	return r;
}

static int plan_create(struct planner *p, struct coll_plan *cp, struct desired *d, const char *path)
{
	struct dw_restore_request *q;
	int r;

	if (!(p->plan->flags & DW_RESTORE_ALLOW_CREATE) || cp->c->singleton) {
		p->plan->skipped_create++;
		return dw_buf_printf(&p->plan->diff,
		                     "+ %s: the tenant lacks it; not created (plan with "
		                     "--allow-create)\n",
		                     path + strlen(p->prefix) + 1);
	}
	r = dw_restore__request_add(p->plan, &q);
	r = r ?: fill_request(p, cp, d, q, DW_RESTORE_CREATE);
	return r ?: header(p, '+', q, 0);
}

int dw_restore__plan_collector(struct planner *p, struct coll_plan *cp)
{
	struct desired d;
	struct live *l;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < cp->nfiles; i++) {
		memset(&d, 0, sizeof(d));
		dw_buf_init(&d.id, 4096);
		dw_buf_init(&d.intent, DW_RESTORE_PLAN_MAX);
		dw_buf_init(&d.masked, DW_RESTORE_PLAN_MAX);
		r = desired_load(p, cp, cp->files[i], &d);
		l = r == 0 ? dw_restore__live_find(cp, dw_buf_cstr(&d.id)) : NULL;
		if (r == 0 && l)
			r = plan_update(p, cp, &d, l);
		else if (r == 0)
			r = plan_create(p, cp, &d, cp->files[i]);
		desired_release(&d);
	}
	return r;
}

int dw_restore__plan_deletes(struct planner *p, struct coll_plan *cp)
{
	struct dw_restore_request *q;
	struct desired d;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < cp->nlive; i++) {
		struct live *l = &cp->live[i];

		if (l->matched || cp->c->singleton)
			continue;
		if (!(p->plan->flags & DW_RESTORE_ALLOW_DELETE)) {
			p->plan->skipped_delete++;
			r = dw_buf_printf(&p->plan->diff,
			                  "- %s/%s: desired state does not list it; not deleted "
			                  "(plan with --allow-delete)\n",
			                  cp->name, l->id);
			continue;
		}
		memset(&d, 0, sizeof(d));
		dw_buf_init(&d.id, 4096);
		r = dw_buf_puts(&d.id, l->id);
		r = r ?: dw_restore__request_add(p->plan, &q);
		r = r ?: fill_request(p, cp, &d, q, DW_RESTORE_DELETE);
		r = r ?: masked_live(p, cp, l, &q->old);
		r = r ?: header(p, '-', q, 0);
		dw_buf_release(&d.id);
	}
	return r;
}
