/* Shared by the catalog loader (catalog.c) and the parser of one entry (entry.c). */
#ifndef DW_CATALOG_INTERNAL_H
#define DW_CATALOG_INTERNAL_H

#include <stdbool.h>

#include "driftward/catalog.h"
#include "driftward/common.h"
#include "driftward/yaml.h"

/* One catalog file being read: where problems go, and what kind of file it is. */
struct cat_ctx {
	struct dw_diags *diags;
	bool user; /* an extra catalog: its collectors are read-only */
	int oom;
	/* of the collector being read: its restore mapping and restore.after, for checks made
	 * after the whole entry (or every file) is read */
	const struct dw_yaml_node *restore;
	const struct dw_yaml_node *after;
	const struct dw_yaml_node *assignments; /* the entry's assignments key, NULL when absent */
};

void dw_catalog__report(struct cat_ctx *ctx, const struct dw_yaml_node *at, const char *fmt, ...)
        DW_PRINTF(3, 4);
/* Reports an error the YAML accessors set. */
void dw_catalog__report_error(struct cat_ctx *ctx, const struct dw_error *err);

/* A list of strings each checked by @valid (NULL: any non-empty string), named @what. */
void dw_catalog__strlist(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_strlist *out,
                         bool (*valid)(const char *), const char *what);

/* JSON Pointer, non-empty segments, '*' allowed as a whole segment. */
bool dw_catalog__is_pointer(const char *s);
bool dw_catalog__is_collector_name(const char *s);

/*
 * Fills @c from mapping @n (name, graph, sets, ...). Problems go to @ctx; the
 * caller keeps @c (and frees it with dw_catalog__collector_release) either way.
 * ctx->after is left pointing at restore.after (or NULL).
 */
void dw_catalog__parse_collector(struct cat_ctx *ctx, const struct dw_yaml_node *n,
                                 struct dw_collector *c);

void dw_catalog__collector_release(struct dw_collector *c);

#endif
