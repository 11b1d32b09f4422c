/*
 * One collector's result into the tenant's tree. Each object is encoded and
 * staged as its page arrives, and the page is freed (the op's page callback);
 * the collector keeps only its files' paths, for the checks made once the
 * read ended (an object twice, two objects on one file). A read that ended
 * incomplete, or that fails those checks, is taken back out of the
 * transaction (dw_store_tx_unstage) and the collector keeps its previous
 * files: it is either complete in the new tree or as it was, never half of
 * each. So a tenant holds a page per read under way and the paths, not every
 * collector's pages or files.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/naming.h"
#include "driftward/names.h"
#include "snapshot/encode.h"
#include "snapshot/internal.h"

/* The paths a collector staged, for the checks over all of its objects. */
struct encoded_file {
	char *path;
};

struct encoded_set {
	struct encoded_file *files;
	size_t count, alloc;
	bool stage_failed;         /* the store refused a file: the tenant fails, with why */
	struct dw_error stage_err; /* with stage_failed */
};

static void set_release(struct encoded_set *s)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		free(s->files[i].path);
	free(s->files);
	memset(s, 0, sizeof(*s));
}

/* Stages one object's file and notes its path. */
static int set_add(struct dw_store_tx *tx, struct encoded_set *s, struct dw_buf *path,
                   const struct dw_buf *content, struct dw_error *err)
{
	struct encoded_file *f;
	int r;

	if (DW_ARRAY_GROW(s->files, s->alloc, s->count + 1) < 0)
		return -ENOMEM;
	f = &s->files[s->count];
	if (!(f->path = dw_buf_detach(path, NULL)))
		return -ENOMEM;
	s->count++;
	dw_error_clear(&s->stage_err);
	r = dw_store_tx_stage(tx, f->path, content->ptr, content->len, &s->stage_err);
	if (r < 0) {
		s->stage_failed = true;
		*err = s->stage_err;
	}
	return r;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct encoded_file *)a)->path,
	              ((const struct encoded_file *)b)->path);
}

/*
 * Previous files of a collector by id (the escaped id in the file name), for
 * secrets whose ciphertext must stay: sorted once, searched per object.
 */
struct previous_entry {
	char *path;
	const char *id; /* into path */
	size_t idlen;
};

struct previous_index {
	struct dw_store_tx *tx;
	struct previous_entry *entries;
	size_t count, alloc;
	struct dw_buf bytes;
};

static int index_add(const char *path, void *payload)
{
	struct previous_index *ix = payload;
	struct previous_entry *e;

	if (DW_ARRAY_GROW(ix->entries, ix->alloc, ix->count + 1) < 0)
		return -ENOMEM;
	e = &ix->entries[ix->count];
	e->path = strdup(path);
	if (!e->path)
		return -ENOMEM;
	if (dw_object_path_id(e->path, &e->id, &e->idlen) < 0) {
		free(e->path);
		return 0; /* not an object file */
	}
	ix->count++;
	return 0;
}

static int compare_ids(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

static int by_id(const void *a, const void *b)
{
	const struct previous_entry *x = a, *y = b;

	return compare_ids(x->id, x->idlen, y->id, y->idlen);
}

static const struct previous_entry *index_find(const struct previous_index *ix, const char *id,
                                               size_t len)
{
	size_t lo = 0, hi = ix->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = compare_ids(ix->entries[mid].id, ix->entries[mid].idlen, id, len);

		if (c == 0)
			return &ix->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int previous_lookup(void *ctx, const char *id, size_t idlen, const char **data, size_t *len)
{
	struct previous_index *ix = ctx;
	const struct previous_entry *e;
	struct dw_buf want;
	int r;

	dw_buf_init(&want, 4096);
	r = dw_escape_id(&want, id, idlen);
	e = r == 0 ? index_find(ix, dw_buf_cstr(&want), want.len) : NULL;
	dw_buf_release(&want);
	if (r < 0)
		return r;
	if (!e)
		return -ENOENT;
	dw_buf_reset(&ix->bytes);
	r = dw_store_tx_previous(ix->tx, e->path, &ix->bytes, NULL);
	if (r == 0) {
		*data = dw_buf_cstr(&ix->bytes);
		*len = ix->bytes.len;
	}
	return r;
}

static int index_build(struct previous_index *ix, const char *collector)
{
	int r = dw_store_tx_list(ix->tx, collector, index_add, ix);

	if (r == 0 && ix->count)
		qsort(ix->entries, ix->count, sizeof(*ix->entries), by_id);
	return r;
}

static void index_release(struct previous_index *ix)
{
	size_t i;

	for (i = 0; i < ix->count; i++)
		free(ix->entries[i].path);
	free(ix->entries);
	dw_buf_release(&ix->bytes);
}

/* One object's read of its assignments ({id}/assignments), where Graph refuses the expand. */
struct object_read {
	struct dw_graph_op op;
	char *path;
	char id[128]; /* for messages */
};

/* What a collector made of its pages so far: the encoder and the files. */
struct collect_state {
	struct object_encoder enc;
	bool enc_ready;
	struct previous_index ix;
	struct previous_files prev;
	struct encoded_set set;
	struct object_read *reads; /* per object, in page order; NULL when expanded */
	size_t nreads, pending;
	int reads_rc;              /* an object whose assignments could not be asked for */
	struct dw_error reads_err; /* with reads_rc */
};

static int encode_page(struct tenant_run *tr, struct collect_state *cs,
                       const struct dw_graph_page *page, struct dw_error *err)
{
	const struct dw_collector *c = cs->enc.collector;
	const struct previous_files *prev = c->secrets.count ? &cs->prev : NULL;
	struct dw_buf path, content;
	size_t i, n = page->value ? page->count : 0;
	int r = 0;

	dw_buf_init(&path, 4096);
	dw_buf_init(&content, DW_OBJECT_FILE_MAX);
	for (i = 0; r == 0 && i < n; i++) {
		struct dw_json *obj = c->singleton ? page->value : dw_json_at(page->value, i);

		/* names first: encoding changes the object in place */
		r = dw_snapshot__names_object(tr, c, obj);
		r = r
		            ?: dw_snapshot__encoder_encode(&cs->enc, page->doc, obj, prev, &path,
		                                           &content, err);
		r = r ?: set_add(tr->tx, &cs->set, &path, &content, err);
		dw_buf_reset(&path);
		dw_buf_reset(&content);
	}
	dw_buf_release(&path);
	dw_buf_release(&content);
	return r;
}

/* An object's id as its file name holds it; a GUID compares without case, as Graph's do. */
struct file_id {
	const char *id;
	size_t len;
	bool guid;
	const char *path;
};

static bool guid_shaped(const char *id, size_t len)
{
	char copy[40];

	if (len != 36)
		return false;
	memcpy(copy, id, len);
	copy[len] = '\0';
	return dw_is_guid(copy);
}

static int by_folded_id(const void *a, const void *b)
{
	const struct file_id *x = a, *y = b;
	size_t i, n = x->len < y->len ? x->len : y->len;

	for (i = 0; i < n; i++) {
		int cx = x->guid ? tolower((unsigned char)x->id[i]) : (unsigned char)x->id[i];
		int cy = y->guid ? tolower((unsigned char)y->id[i]) : (unsigned char)y->id[i];

		if (cx != cy)
			return cx - cy;
	}
	return (x->len > y->len) - (x->len < y->len);
}

/*
 * One object, one file: an id read twice (Graph pages an object renamed
 * meanwhile twice, or sends a GUID in two letter cases) fails the collector
 * rather than storing two files for one object.
 */
static int check_ids(const struct encoded_set *set, struct dw_error *err)
{
	struct file_id *ids = calloc(set->count ? set->count : 1, sizeof(*ids));
	size_t i, n = 0;
	int r = 0;

	if (!ids)
		return -ENOMEM;
	for (i = 0; i < set->count; i++) {
		struct file_id *f = &ids[n];

		f->path = set->files[i].path;
		if (dw_object_path_id(f->path, &f->id, &f->len) == 0) {
			f->guid = guid_shaped(f->id, f->len);
			n++;
		}
	}
	qsort(ids, n, sizeof(*ids), by_folded_id);
	for (i = 1; r == 0 && i < n; i++)
		if (by_folded_id(&ids[i - 1], &ids[i]) == 0)
			r = dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
			                 "one object twice in the collection: %s and %s have the "
			                 "same id%s",
			                 ids[i - 1].path, ids[i].path,
			                 ids[i].guid ? " (GUIDs compare without case)" : "");
	free(ids);
	return r;
}

void dw_snapshot__collect_release(struct collector_run *cr)
{
	struct collect_state *cs = cr->collect;
	size_t i;

	if (!cs)
		return;
	if (cs->enc_ready)
		dw_snapshot__encoder_release(&cs->enc);
	index_release(&cs->ix);
	set_release(&cs->set);
	for (i = 0; i < cs->nreads; i++) {
		dw_graph_op_release(&cs->reads[i].op);
		free(cs->reads[i].path);
	}
	free(cs->reads);
	free(cs);
	cr->collect = NULL;
}

static int collect_begin(struct tenant_run *tr, struct collector_run *cr)
{
	struct collect_state *cs;
	int r;

	if (cr->collect)
		return 0;
	if (!(cs = cr->collect = calloc(1, sizeof(*cs))))
		return -ENOMEM;
	cs->ix.tx = tr->tx;
	dw_buf_init(&cs->ix.bytes, DW_STORE_FILE_MAX);
	cs->prev = (struct previous_files){ previous_lookup, &cs->ix };
	r = dw_snapshot__encoder_init(&cs->enc, tr->catalog, cr->collector, tr->recipients,
	                              tr->key);
	cs->enc_ready = r == 0;
	if (r == 0 && cr->collector->secrets.count)
		r = index_build(&cs->ix, cr->collector->name);
	return r;
}

int dw_snapshot__collect_page(struct dw_graph_op *op, const struct dw_graph_page *page, void *arg,
                              struct dw_error *err)
{
	struct collector_run *cr = arg;
	int r;

	(void)op;
	if (cr->tr->report->rc < 0)
		return 0; /* the tenant failed to start: its reads only run out */
	r = collect_begin(cr->tr, cr);
	r = r ?: encode_page(cr->tr, cr->collect, page, err);
	if (r == -ENOMEM && !dw_error_isset(err))
		dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	return r;
}

/* The object at @n of the collector's pages, in order. */
static struct dw_json *object_at(struct collector_run *cr, size_t n, struct dw_graph_page **page)
{
	size_t p;

	for (p = 0; p < cr->op.npages; p++) {
		if (n < cr->op.pages[p].count) {
			*page = &cr->op.pages[p];
			return dw_json_at(cr->op.pages[p].value, n);
		}
		n -= cr->op.pages[p].count;
	}
	return NULL;
}

/* Graph's ids are GUIDs, or GUIDs joined by '_': what goes into a URL path as it is. */
static bool url_safe(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-._~:", s[i]))
			return false;
	return len > 0;
}

static int read_prepare(struct collector_run *cr, struct object_read *rd, const struct dw_json *obj,
                        struct dw_error *err)
{
	const struct dw_collector *c = cr->collector;
	size_t len;
	const char *id = dw_json_string(dw_json_get(obj, c->key), &len);

	if (!id)
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
		                    "an object without its %s: its assignments can't be read",
		                    c->key);
	snprintf(rd->id, sizeof(rd->id), "%.*s", (int)(len < 100 ? len : 100), id);
	if (!url_safe(id, len))
		return dw_error_set(
		        err, -EBADMSG, DW_AREA_GRAPH, 0,
		        "the id %s can't be put in a URL: its assignments can't be read", rd->id);
	if (asprintf(&rd->path, "%s/%.*s/assignments", c->graph_path, (int)len, id) < 0) {
		rd->path = NULL;
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	}
	dw_graph_op_init(&rd->op, DW_GRAPH_LIST, c->api_version, rd->path, NULL);
	rd->op.permissions = &c->read_permissions;
	rd->op.done = dw_snapshot__collect_object_done;
	rd->op.arg = cr;
	return 0;
}

/*
 * Asks for every object's assignments; the collector is staged when the last
 * answer came (dw_snapshot__collect_object_done). Returns how many were asked
 * for; a failure to ask stays in the state and fails the collector then.
 */
static size_t submit_reads(struct tenant_run *tr, struct collector_run *cr)
{
	struct collect_state *cs = cr->collect;
	struct dw_graph_page *page = NULL;
	size_t i, n = cr->op.nobjects;
	int r = 0;

	if (!(cs->reads = calloc(n, sizeof(*cs->reads))))
		r = dw_error_set(&cs->reads_err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	for (i = 0; r == 0 && i < n; i++) {
		struct object_read *rd = &cs->reads[i];

		cs->nreads = i + 1;
		r = read_prepare(cr, rd, object_at(cr, i, &page), &cs->reads_err);
		if (r == 0 && (r = dw_graph_submit(tr->graph, &rd->op)) < 0)
			dw_error_set(&cs->reads_err, r, DW_AREA_GRAPH, 0,
			             "could not queue the read of %s", rd->path);
		cs->pending += r == 0;
	}
	cs->reads_rc = r;
	return cs->pending;
}

/* Each object gets the assignments its own read found, under "assignments". */
static int merge_reads(struct collector_run *cr, struct dw_error *err)
{
	struct collect_state *cs = cr->collect;
	struct dw_graph_page *page = NULL;
	size_t i, p, j;
	int r = 0;

	for (i = 0; r == 0 && i < cs->nreads; i++) {
		const struct dw_graph_op *op = &cs->reads[i].op;
		struct dw_json *obj = object_at(cr, i, &page), *list;

		if (!obj || !page)
			return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
			                    "an object went missing");
		list = dw_json_new_array(page->doc);
		for (p = 0; list && r == 0 && p < op->npages; p++)
			for (j = 0; r == 0 && j < op->pages[p].count; j++)
				r = dw_json_array_append(
				        page->doc, list,
				        dw_json_clone(page->doc,
				                      dw_json_at(op->pages[p].value, j)));
		r = r ?: dw_json_object_set(page->doc, obj, "assignments", list);
	}
	if (r < 0)
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not add the assignments: %s",
		             strerror(-r));
	return r;
}

/* A read of assignments that failed makes the collector fail as that read did. */
static bool reads_failed(struct collector_run *cr)
{
	struct collect_state *cs = cr->collect;
	char detail[sizeof(cr->report->detail) + 128];
	size_t i;

	for (i = 0; cs && i < cs->nreads; i++) {
		dw_snapshot__status_from_op(cr->report, &cs->reads[i].op);
		if (cr->report->status == DW_COLLECTOR_OK)
			continue;
		snprintf(detail, sizeof(detail), "assignments of %.100s: %s", cs->reads[i].id,
		         cr->report->detail);
		snprintf(cr->report->detail, sizeof(cr->report->detail), "%.*s",
		         (int)sizeof(cr->report->detail) - 1, detail);
		return true;
	}
	return false;
}

/* The pages the page callback did not take (singletons), then the checks over them all. */
static int encode_rest(struct tenant_run *tr, struct collector_run *cr, struct dw_error *err)
{
	struct encoded_set *set;
	size_t i;
	int r = collect_begin(tr, cr);

	for (i = 0; r == 0 && !cr->op.page && i < cr->op.npages; i++)
		r = encode_page(tr, cr->collect, &cr->op.pages[i], err);
	if (r < 0)
		return r;
	set = &cr->collect->set;
	if (set->count)
		qsort(set->files, set->count, sizeof(*set->files), by_path);
	for (i = 1; i < set->count; i++)
		if (strcmp(set->files[i - 1].path, set->files[i].path) == 0)
			return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
			                    "two objects share the file name %s",
			                    set->files[i].path);
	return check_ids(set, err);
}

/* An incomplete collector keeps what the previous snapshot had. */
static int keep_previous(struct tenant_run *tr, struct collector_run *cr, struct dw_error *err)
{
	/* what it staged as it read is taken back first */
	int kept = dw_store_tx_unstage(tr->tx, cr->collector->name, err);

	kept = kept ?: dw_store_tx_keep(tr->tx, cr->collector->name, err);
	if (kept < 0)
		return kept;
	cr->report->objects = (size_t)kept;
	return 0;
}

int dw_snapshot__collect_stage(struct tenant_run *tr, struct collector_run *cr,
                               struct dw_error *err)
{
	struct dw_error why;
	int r;

	cr->staged = true;
	if (cr->collect && cr->collect->set.stage_failed) {
		*err = cr->collect->set.stage_err;
		dw_snapshot__collect_release(cr);
		return -EIO;
	}
	dw_snapshot__status_from_op(cr->report, &cr->op);
	if (cr->report->status != DW_COLLECTOR_OK || reads_failed(cr)) {
		dw_snapshot__collect_release(cr);
		return keep_previous(tr, cr, err);
	}
	dw_error_clear(&why);
	r = cr->collect ? cr->collect->reads_rc : 0;
	if (r < 0)
		why = cr->collect->reads_err;
	else if (cr->collect && cr->collect->reads)
		r = merge_reads(cr, &why);
	r = r ?: encode_rest(tr, cr, &why);
	if (r == -EBADMSG || r == -EINVAL) {
		/* Graph sent something we can't store: a failure, not an empty collector */
		cr->report->status = DW_COLLECTOR_FAILED;
		snprintf(cr->report->detail, sizeof(cr->report->detail), "bad-response: %.230s",
		         why.msg);
		dw_snapshot__collect_release(cr);
		return keep_previous(tr, cr, err);
	}
	if (r < 0) {
		if (cr->collect && cr->collect->set.stage_failed)
			why = cr->collect->set.stage_err;
		dw_snapshot__collect_release(cr);
		return dw_error_set(err, r, why.area, why.code, "%s",
		                    dw_error_isset(&why) ? why.msg : strerror(-r));
	}
	cr->report->objects = cr->collect->set.count;
	dw_snapshot__collect_release(cr);
	return 0;
}

/* The collector's reads are all over: staged, its memory freed, the tenant told. */
static void collector_ended(struct collector_run *cr)
{
	struct tenant_run *tr = cr->tr;

	if (tr->report->rc == 0 && !cr->staged) {
		dw_error_clear(&cr->err);
		cr->rc = dw_snapshot__collect_stage(tr, cr, &cr->err);
	}
	dw_snapshot__collect_release(cr);
	dw_graph_op_drop_pages(&cr->op);
	/* the last read of the tenant: the names its objects refer to can be asked for */
	if (--tr->reads_pending == 0 && tr->report->rc == 0)
		dw_snapshot__names_lookup(tr);
}

void dw_snapshot__collect_done(struct dw_graph_op *op, void *arg)
{
	struct collector_run *cr = arg;
	struct tenant_run *tr = cr->tr;

	/* where Graph refuses $expand=assignments, each object's are read now */
	if (tr->report->rc == 0 && !cr->staged &&
	    cr->collector->assignments == DW_ASSIGNMENTS_PER_OBJECT && op->outcome == DW_GRAPH_OK &&
	    !op->truncated && op->nobjects > 0 && collect_begin(tr, cr) == 0 &&
	    submit_reads(tr, cr) > 0)
		return;
	collector_ended(cr);
}

void dw_snapshot__collect_object_done(struct dw_graph_op *op, void *arg)
{
	struct collector_run *cr = arg;

	(void)op;
	if (--cr->collect->pending == 0)
		collector_ended(cr);
}
