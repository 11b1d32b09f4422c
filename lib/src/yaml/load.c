/*
 * The YAML loader: libyaml's event API, our tree. libyaml's document API is
 * not used because it expands nothing safely (an alias cycle makes a cyclic
 * graph, a billion-laughs file has 114 events and 490 million expanded nodes)
 * and accepts duplicate keys; here every event is checked as it arrives, so a
 * hostile file costs at most max_nodes nodes and max_depth frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "driftward/array.h"
#include "driftward/buf.h"
#include "yaml/internal.h"

#define MAX_ANCHORS 1000

/* A node and what only the loader needs to know about it. */
struct ynode {
	struct dw_yaml_node n;
	size_t weight;            /* nodes in this subtree, counting each alias expansion */
	size_t alloc, keys_alloc; /* room in n.items and n.keys */
	char *text;               /* owns n.text */
};

struct dw_yaml_doc {
	char *name;
	struct dw_yaml_node *root;
	struct ynode **nodes; /* every node, to free them: aliases share nodes */
	size_t nnodes, anodes;
};

struct anchor {
	char *name;
	struct ynode *node;
	bool complete; /* false while its collection is open: an alias to it is recursive */
};

struct frame {
	struct ynode *node;
	struct ynode *key; /* a mapping's key waiting for its value */
	size_t anchor;     /* 1 + index in anchors of this node's anchor, 0: none */
};

struct loader {
	yaml_parser_t parser;
	const unsigned char *data;
	size_t len;
	struct dw_yaml_doc *doc;
	struct dw_yaml_limits lim;
	struct frame *stack;
	unsigned depth;
	struct anchor *anchors;
	size_t nanchors;
	size_t total; /* nodes so far, each alias counting its whole subtree */
	unsigned documents;
	struct dw_error *err;
};

static int fail(struct loader *l, int rc, unsigned line, unsigned col, const char *fmt, ...)
        DW_PRINTF(5, 6);

static int fail(struct loader *l, int rc, unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[DW_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dw_error_at(l->err, rc, DW_AREA_YAML, l->doc->name, line, col, "%s", msg);
}

#define fail_mark(l, rc, mark, ...) \
	fail(l, rc, (unsigned)(mark).line + 1, (unsigned)(mark).column + 1, __VA_ARGS__)

static int out_of_memory(struct loader *l)
{
	return dw_error_set(l->err, -ENOMEM, DW_AREA_YAML, 0, "%s: out of memory", l->doc->name);
}

/* Line and column (1-based, in characters) of byte @offset: libyaml's reader errors lack them. */
static void offset_position(const unsigned char *data, size_t len, size_t offset, unsigned *line,
                            unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	if (offset > len)
		offset = len;
	for (i = 0; i < offset; i++) {
		if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n'))) {
			(*line)++;
			*col = 1;
		} else if (data[i] != '\r' && (data[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

/* Is the character at @mark (0-based line and column, in characters) a tab? */
static bool tab_at(const struct loader *l, yaml_mark_t mark)
{
	size_t i = 0, line = 0, col = 0;

	for (; i < l->len && line < mark.line; i++)
		line += l->data[i] == '\n';
	for (; i < l->len && col < mark.column; i++)
		col += (l->data[i] & 0xC0) != 0x80;
	return i < l->len && l->data[i] == '\t';
}

static int parser_error(struct loader *l)
{
	yaml_parser_t *p = &l->parser;
	const char *problem = p->problem ? p->problem : "parse error";
	unsigned line, col;

	if (p->error == YAML_MEMORY_ERROR)
		return out_of_memory(l);
	/* libyaml's "cannot start any token" says nothing of the usual cause */
	if (p->error == YAML_SCANNER_ERROR && tab_at(l, p->problem_mark))
		return fail_mark(l, -EINVAL, p->problem_mark,
		                 "a tab character: YAML indents with spaces only");
	if (p->error == YAML_READER_ERROR) {
		offset_position(l->data, l->len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return fail(l, -EINVAL, line, col, "%s (byte 0x%02X)", problem,
			            (unsigned)p->problem_value & 0xFF);
		return fail(l, -EINVAL, line, col, "%s", problem);
	}
	if (p->context)
		return fail_mark(l, -EINVAL, p->problem_mark, "%s (%s at line %u, column %u)",
		                 problem, p->context, (unsigned)p->context_mark.line + 1,
		                 (unsigned)p->context_mark.column + 1);
	return fail_mark(l, -EINVAL, p->problem_mark, "%s", problem);
}

static struct ynode *node_new(struct loader *l, enum dw_yaml_type type, yaml_mark_t mark)
{
	struct dw_yaml_doc *doc = l->doc;
	struct ynode *y;

	if (DW_ARRAY_GROW(doc->nodes, doc->anodes, doc->nnodes + 1) < 0)
		return NULL;
	y = calloc(1, sizeof(*y));
	if (!y)
		return NULL;
	doc->nodes[doc->nnodes++] = y;
	y->n.type = type;
	y->n.file = doc->name;
	y->n.line = (unsigned)mark.line + 1;
	y->n.col = (unsigned)mark.column + 1;
	y->weight = 1;
	return y;
}

static void node_free(struct ynode *y)
{
	free(y->text);
	free(y->n.items);
	free(y->n.keys);
	free(y);
}

/* Counts @weight more nodes against the budget. */
static int spend(struct loader *l, size_t weight, yaml_mark_t mark)
{
	if (weight > l->lim.max_nodes - l->total) {
		l->total = l->lim.max_nodes;
		return fail_mark(l, -E2BIG, mark,
		                 "the document has more than %zu nodes (counting every use of an "
		                 "alias)",
		                 l->lim.max_nodes);
	}
	l->total += weight;
	return 0;
}

static int append(struct ynode *parent, struct ynode *key, struct ynode *value)
{
	struct dw_yaml_node *p = &parent->n;

	if (DW_ARRAY_GROW(p->items, parent->alloc, p->count + 1) < 0 ||
	    (p->type == DW_YAML_MAP &&
	     DW_ARRAY_GROW(p->keys, parent->keys_alloc, p->count + 1) < 0))
		return -ENOMEM;
	if (key)
		p->keys[p->count] = &key->n;
	p->items[p->count++] = &value->n;
	return 0;
}

/* Puts a finished (or just opened) node where it belongs: root, item, key or value. */
static int attach(struct loader *l, struct ynode *y, yaml_mark_t mark)
{
	struct frame *top;

	if (l->depth == 0) {
		l->doc->root = &y->n;
		return 0;
	}
	top = &l->stack[l->depth - 1];
	if (top->node->n.type == DW_YAML_SEQ)
		return append(top->node, NULL, y) < 0 ? out_of_memory(l) : 0;
	if (!top->key) {
		if (y->n.type == DW_YAML_SEQ || y->n.type == DW_YAML_MAP)
			return fail_mark(l, -EINVAL, mark, "a mapping key must be a scalar");
		top->key = y;
		return 0;
	}
	if (append(top->node, top->key, y) < 0)
		return out_of_memory(l);
	top->key = NULL;
	return 0;
}

static int in_key_position(const struct loader *l)
{
	const struct frame *top = l->depth ? &l->stack[l->depth - 1] : NULL;

	return top && top->node->n.type == DW_YAML_MAP && !top->key;
}

static struct anchor *find_anchor(struct loader *l, const char *name)
{
	size_t i;

	for (i = l->nanchors; i > 0; i--)
		if (strcmp(l->anchors[i - 1].name, name) == 0)
			return &l->anchors[i - 1];
	return NULL;
}

/* Records an anchor; a later anchor of the same name hides the earlier one (YAML 1.2). */
static int add_anchor(struct loader *l, const yaml_char_t *name, struct ynode *y, bool complete,
                      yaml_mark_t mark, size_t *index)
{
	struct anchor *a;

	if (!name)
		return 0;
	if (l->nanchors == MAX_ANCHORS)
		return fail_mark(l, -E2BIG, mark, "more than %d anchors", MAX_ANCHORS);
	if (!l->anchors) {
		l->anchors = calloc(MAX_ANCHORS, sizeof(*l->anchors));
		if (!l->anchors)
			return out_of_memory(l);
	}
	a = &l->anchors[l->nanchors];
	a->name = strdup((const char *)name);
	if (!a->name)
		return out_of_memory(l);
	a->node = y;
	a->complete = complete;
	l->nanchors++;
	if (index)
		*index = l->nanchors;
	return 0;
}

static int on_alias(struct loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct anchor *a = find_anchor(l, name);
	int r;

	if (!a)
		return fail_mark(l, -EINVAL, ev->start_mark, "alias '*%s' names no anchor", name);
	if (!a->complete)
		return fail_mark(l, -EINVAL, ev->start_mark,
		                 "recursive alias '*%s' (used inside its own anchor)", name);
	r = spend(l, a->node->weight, ev->start_mark);
	if (r < 0)
		return r;
	if (l->depth)
		l->stack[l->depth - 1].node->weight += a->node->weight;
	return attach(l, a->node, ev->start_mark);
}

static int on_scalar(struct loader *l, const yaml_event_t *ev)
{
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	const char *tag = (const char *)ev->data.scalar.tag;
	char msg[DW_ERROR_MSG_MAX];
	struct ynode *y;
	char *text;
	int r;

	r = spend(l, 1, ev->start_mark);
	if (r < 0)
		return r;
	y = node_new(l, DW_YAML_STRING, ev->start_mark);
	text = y ? malloc(ev->data.scalar.length + 1) : NULL;
	if (!text)
		return out_of_memory(l);
	memcpy(text, ev->data.scalar.value, ev->data.scalar.length);
	text[ev->data.scalar.length] = '\0';
	y->text = text;
	y->n.text = text;
	y->n.len = ev->data.scalar.length;
	y->n.quoted = !plain;
	if (dw_yaml__resolve_scalar(&y->n, tag, plain, msg, sizeof(msg)) < 0)
		return fail_mark(l, -EINVAL, ev->start_mark, "%s", msg);
	if (plain && !tag && strcmp(text, "<<") == 0 && in_key_position(l))
		return fail_mark(l, -EINVAL, ev->start_mark,
		                 "merge keys ('<<') are not supported: write the keys out");
	if (l->depth)
		l->stack[l->depth - 1].node->weight++;
	r = add_anchor(l, ev->data.scalar.anchor, y, true, ev->start_mark, NULL);
	return r < 0 ? r : attach(l, y, ev->start_mark);
}

static int check_collection_tag(struct loader *l, const yaml_char_t *tag, const char *want,
                                yaml_mark_t mark)
{
	size_t plen = strlen(YAML_TAG_PREFIX);
	const char *t = (const char *)tag;

	if (!t || strcmp(t, "!") == 0 ||
	    (strncmp(t, YAML_TAG_PREFIX, plen) == 0 && strcmp(t + plen, want) == 0))
		return 0;
	return fail_mark(l, -EINVAL, mark, "tag '%.60s' is not allowed here (only !!%s)", t, want);
}

static int on_collection_start(struct loader *l, const yaml_event_t *ev)
{
	bool map = ev->type == YAML_MAPPING_START_EVENT;
	const yaml_char_t *tag = map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	const yaml_char_t *anchor =
	        map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	struct frame *f;
	struct ynode *y;
	int r;

	r = check_collection_tag(l, tag, map ? "map" : "seq", ev->start_mark);
	if (r < 0)
		return r;
	if (l->depth >= l->lim.max_depth)
		return fail_mark(l, -E2BIG, ev->start_mark, "nesting deeper than %u levels",
		                 l->lim.max_depth);
	r = spend(l, 1, ev->start_mark);
	if (r < 0)
		return r;
	y = node_new(l, map ? DW_YAML_MAP : DW_YAML_SEQ, ev->start_mark);
	if (!y)
		return out_of_memory(l);
	r = attach(l, y, ev->start_mark);
	if (r < 0)
		return r;
	f = &l->stack[l->depth++];
	memset(f, 0, sizeof(*f));
	f->node = y;
	return add_anchor(l, anchor, y, false, ev->start_mark, &f->anchor);
}

struct key_ref {
	const struct dw_yaml_node *key;
	size_t index;
};

static int compare_keys(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
	int c = memcmp(x->key->text, y->key->text, n);

	if (c)
		return c;
	if (x->key->len != y->key->len)
		return x->key->len < y->key->len ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Sorting finds duplicates in n log n: a mapping may have 100,000 keys. */
static int check_duplicates(struct loader *l, const struct dw_yaml_node *map)
{
	struct key_ref *refs, *dup = NULL;
	size_t i;
	int r = 0;

	if (map->count < 2)
		return 0;
	refs = malloc(map->count * sizeof(*refs));
	if (!refs)
		return out_of_memory(l);
	for (i = 0; i < map->count; i++) {
		refs[i].key = map->keys[i];
		refs[i].index = i;
	}
	qsort(refs, map->count, sizeof(*refs), compare_keys);
	for (i = 1; i < map->count; i++) {
		if (refs[i].key->len != refs[i - 1].key->len ||
		    memcmp(refs[i].key->text, refs[i - 1].key->text, refs[i].key->len) != 0)
			continue;
		if (!dup || refs[i].index < dup[1].index)
			dup = &refs[i - 1];
	}
	if (dup)
		r = fail(l, -EINVAL, dup[1].key->line, dup[1].key->col,
		         "duplicate key '%.80s' (first at line %u, column %u)", dup[1].key->text,
		         dup[0].key->line, dup[0].key->col);
	free(refs);
	return r;
}

static int on_collection_end(struct loader *l)
{
	struct frame *f = &l->stack[--l->depth];
	int r = 0;

	if (f->node->n.type == DW_YAML_MAP)
		r = check_duplicates(l, &f->node->n);
	if (f->anchor)
		l->anchors[f->anchor - 1].complete = true;
	if (l->depth)
		l->stack[l->depth - 1].node->weight += f->node->weight;
	return r;
}

static int on_document_start(struct loader *l, const yaml_event_t *ev)
{
	const yaml_version_directive_t *v = ev->data.document_start.version_directive;

	if (l->documents++)
		return fail_mark(l, -EINVAL, ev->start_mark,
		                 "a second document is not allowed (one document per file)");
	if (v && (v->major != 1 || v->minor != 2))
		return fail_mark(l, -EINVAL, ev->start_mark,
		                 "only YAML 1.2 is read; remove the %%YAML %d.%d directive",
		                 v->major, v->minor);
	return 0;
}

static int on_event(struct loader *l, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		return on_document_start(l, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(l, ev);
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return on_collection_start(l, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_collection_end(l);
	case YAML_STREAM_END_EVENT:
		if (!l->documents)
			return fail_mark(l, -EINVAL, ev->start_mark,
			                 "no YAML document (the file is empty)");
		return 0;
	default:
		return 0;
	}
}

static int run(struct loader *l)
{
	yaml_event_type_t type;
	yaml_event_t ev;
	int r;

	do {
		if (!yaml_parser_parse(&l->parser, &ev))
			return parser_error(l);
		r = on_event(l, &ev);
		type = ev.type;
		yaml_event_delete(&ev);
		if (r < 0)
			return r;
	} while (type != YAML_STREAM_END_EVENT);
	return 0;
}

void dw_yaml_free(struct dw_yaml_doc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->nnodes; i++)
		node_free(doc->nodes[i]);
	free(doc->nodes);
	free(doc->name);
	free(doc);
}

static void set_limits(struct dw_yaml_limits *out, const struct dw_yaml_limits *in)
{
	out->max_depth = in && in->max_depth ? in->max_depth : DW_YAML_DEFAULT_DEPTH;
	out->max_nodes = in && in->max_nodes ? in->max_nodes : DW_YAML_DEFAULT_NODES;
	out->max_bytes = in && in->max_bytes ? in->max_bytes : DW_YAML_DEFAULT_BYTES;
}

static void loader_release(struct loader *l)
{
	size_t i;

	for (i = 0; i < l->nanchors; i++)
		free(l->anchors[i].name);
	free(l->anchors);
	free(l->stack);
	yaml_parser_delete(&l->parser);
}

int dw_yaml_load(const char *name, const void *data, size_t len,
                 const struct dw_yaml_limits *limits, struct dw_yaml_doc **out,
                 struct dw_error *err)
{
	struct loader l = { .data = data, .len = len, .err = err };
	int r = -ENOMEM;

	*out = NULL;
	set_limits(&l.lim, limits);
	if (!yaml_parser_initialize(&l.parser))
		return dw_error_set(err, -ENOMEM, DW_AREA_YAML, 0, "out of memory");
	l.doc = calloc(1, sizeof(*l.doc));
	if (!l.doc || !(l.doc->name = strdup(name ? name : "-")) ||
	    !(l.stack = calloc(l.lim.max_depth, sizeof(*l.stack)))) {
		dw_error_set(err, r, DW_AREA_YAML, 0, "out of memory");
		goto out;
	}
	if (len > l.lim.max_bytes) {
		r = fail(&l, -E2BIG, 0, 0, "larger than %zu bytes", l.lim.max_bytes);
		goto out;
	}
	yaml_parser_set_input_string(&l.parser, data, len);
	yaml_parser_set_encoding(&l.parser, YAML_UTF8_ENCODING);
	r = run(&l);
	if (r == 0) {
		*out = l.doc;
		l.doc = NULL;
	}
out:
	dw_yaml_free(l.doc);
	loader_release(&l);
	return r;
}

int dw_yaml_load_file(const char *path, const struct dw_yaml_limits *limits,
                      struct dw_yaml_doc **out, struct dw_error *err)
{
	struct dw_yaml_limits lim;
	struct dw_buf data;
	struct stat st;
	int fd, r;

	*out = NULL;
	set_limits(&lim, limits);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return dw_error_at(err, -errno, DW_AREA_SYSTEM, path, 0, 0, "cannot open: %s",
		                   strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = dw_error_at(err, -EINVAL, DW_AREA_SYSTEM, path, 0, 0, "not a regular file");
		goto out;
	}
	dw_buf_init(&data, lim.max_bytes);
	r = dw_buf_read_fd(&data, fd, path, err);
	if (r == 0)
		r = dw_yaml_load(path, dw_buf_cstr(&data), data.len, &lim, out, err);
	dw_buf_release(&data);
out:
	close(fd);
	return r;
}

const struct dw_yaml_node *dw_yaml_root(const struct dw_yaml_doc *doc)
{
	return doc->root;
}

const char *dw_yaml_name(const struct dw_yaml_doc *doc)
{
	return doc->name;
}
