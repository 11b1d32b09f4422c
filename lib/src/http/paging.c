/*
 * Paging a collection, bounded by design: a nextLink is followed only on the
 * Graph host, never back to a page this collection already read (the same
 * link again is allowed a few times, after an empty page, as Graph does), and
 * the pages together stay within the collection's budgets of memory and
 * objects. A server that pages forever, alternates between two links or sends
 * huge pages makes the collection fail with the reason, and nothing more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/json.h"
#include "http/internal.h"

/* FNV-1a: the set holds hashes of the links read; 0 marks a free slot. */
static uint64_t link_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h ? h : 1;
}

static bool seen_has(const struct dw_http_seen *set, uint64_t h)
{
	size_t i;

	if (!set->cap)
		return false;
	for (i = h & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
		if (set->slots[i] == h)
			return true;
	return false;
}

static void seen_put(struct dw_http_seen *set, uint64_t h)
{
	size_t i;

	for (i = h & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
		if (set->slots[i] == h)
			return;
	set->slots[i] = h;
	set->n++;
}

/* Adds @h, growing the table to keep it at most half full. */
static int seen_add(struct dw_http_seen *set, uint64_t h)
{
	if (2 * (set->n + 1) > set->cap) {
		struct dw_http_seen bigger = { calloc(set->cap ? 2 * set->cap : 64,
			                              sizeof(uint64_t)),
			                       0, set->cap ? 2 * set->cap : 64 };
		size_t i;

		if (!bigger.slots)
			return -ENOMEM;
		for (i = 0; i < set->cap; i++)
			if (set->slots[i])
				seen_put(&bigger, set->slots[i]);
		free(set->slots);
		*set = bigger;
	}
	seen_put(set, h);
	return 0;
}

void dw_http__seen_release(struct dw_http_seen *set)
{
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

/* "https://host:port" of @url, printable characters only, for a message. */
static void origin_of(const char *url, char *out, size_t outlen)
{
	const char *host = strstr(url, "://");
	size_t i, n = host ? (size_t)(host + 3 - url) + strcspn(host + 3, "/?#") : strlen(url);

	if (n > outlen - 1)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = url[i] > 0x20 && url[i] < 0x7f ? url[i] : '?';
	out[n] = '\0';
}

static int check_host(const struct dw_graph_op_state *st, const char *next, struct dw_error *err)
{
	const char *base = st->t->g->graph_url;
	size_t n = strlen(base);
	char origin[128];

	if (strncmp(next, base, n) == 0 && next[n] == '/')
		return 0;
	origin_of(next, origin, sizeof(origin));
	return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 200,
	                    "@odata.nextLink points to another host (%s), not to %s; not followed",
	                    origin, base);
}

/* A link read before: the paging loops (the current one again is an empty page's retry). */
static int check_loop(struct dw_graph_op_state *st, const char *next, struct dw_error *err)
{
	uint64_t h = link_hash(next);

	st->same_link = strcmp(next, st->url) == 0 ? st->same_link + 1 : 0;
	if (st->same_link > DW_HTTP_MAX_SAME_LINK)
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 200,
		                    "@odata.nextLink keeps pointing to the same page");
	if (st->same_link)
		return 0;
	if (!st->seen.n && seen_add(&st->seen, link_hash(st->url)) < 0)
		return -ENOMEM;
	if (seen_has(&st->seen, h))
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 200,
		                    "@odata.nextLink goes back to a page read before: the paging "
		                    "loops");
	return seen_add(&st->seen, h);
}

int dw_http__paging_next(struct dw_graph_op_state *st, char *next, struct dw_error *err)
{
	const struct dw_graph_options *o = &st->t->g->opt;
	int r;

	r = check_host(st, next, err);
	r = r ?: check_loop(st, next, err);
	if (r == 0 && st->op->npages >= o->max_pages)
		r = dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 200,
		                 "more than %u pages: the paging does not end", o->max_pages);
	if (r < 0)
		return r;
	free(st->url);
	st->url = next;
	return 0;
}

size_t dw_http__paging_room(const struct dw_graph_op_state *st)
{
	size_t budget = (size_t)st->t->g->opt.max_collection_mib << 20;

	if (st->op->kind != DW_GRAPH_LIST || !budget)
		return DW_HTTP_MAX_BODY;
	if (st->bytes >= budget)
		return 0;
	return budget - st->bytes < DW_HTTP_MAX_BODY ? budget - st->bytes : DW_HTTP_MAX_BODY;
}

int dw_http__paging_budget_error(const struct dw_graph_op_state *st, struct dw_error *err)
{
	return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 200,
	                    "the collection takes more than max_collection_mib (%u MiB) after "
	                    "%zu page%s; raise it if this is a real collection",
	                    st->t->g->opt.max_collection_mib, st->op->npages,
	                    st->op->npages == 1 ? "" : "s");
}

int dw_http__paging_add(struct dw_graph_op_state *st, const struct dw_graph_page *page,
                        struct dw_error *err)
{
	const struct dw_graph_options *o = &st->t->g->opt;

	if (st->op->kind != DW_GRAPH_LIST)
		return 0;
	/* what the page holds in memory, parsed, not only its size on the wire */
	st->bytes += page->doc ? dw_json_doc_size(page->doc) : page->bytes;
	if (o->max_collection_mib && st->bytes > (size_t)o->max_collection_mib << 20)
		return dw_http__paging_budget_error(st, err);
	if (o->max_collection_objects && st->op->nobjects > o->max_collection_objects)
		return dw_error_set(
		        err, -EBADMSG, DW_AREA_GRAPH, 200,
		        "the collection has more than max_collection_objects (%u) "
		        "objects after %zu page%s; raise it if this is a real collection",
		        o->max_collection_objects, st->op->npages, st->op->npages == 1 ? "" : "s");
	return 0;
}
