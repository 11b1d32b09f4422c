#ifndef DRIFTWARD_PREFLIGHT_H
#define DRIFTWARD_PREFLIGHT_H

#include <stddef.h>

#include "driftward/catalog.h"
#include "driftward/graph.h"

/*
 * The permission preflight (driftward check --online): the first page of
 * each collector, read once, and what that says about access.
 */
enum dw_preflight_status {
	DW_PREFLIGHT_READABLE = 0,
	DW_PREFLIGHT_FORBIDDEN,  /* a Graph permission is missing (named in detail) */
	DW_PREFLIGHT_UNLICENSED, /* the tenant lacks the licence the endpoint needs */
	DW_PREFLIGHT_ERROR,      /* anything else: auth, throttled, not found, ... */
};

struct dw_preflight_row {
	const struct dw_collector *collector;
	enum dw_preflight_status status;
	enum dw_graph_outcome outcome;
	long http_status;
	size_t objects; /* on the first page */
	char detail[DW_ERROR_MSG_MAX + 32];
};

struct dw_preflight;

/* Queues a first-page read of each of @n collectors for @t; run the loop, then read the rows. */
int dw_preflight_submit(struct dw_graph_tenant *t, const struct dw_collector *const *collectors,
                        size_t n, struct dw_preflight **out);

/* The rows, in the order given, once dw_graph_run returned. */
const struct dw_preflight_row *dw_preflight_rows(const struct dw_preflight *p, size_t *n);

/* "readable", "forbidden", "not licensed", "error". */
const char *dw_preflight_status_name(enum dw_preflight_status status);

/* Frees the rows; only once the loop has finished the reads. Accepts NULL. */
void dw_preflight_free(struct dw_preflight *p);

#endif
