/* The planner's working state, shared by plan.c and objects.c. */
#ifndef DW_RESTORE_PLAN_H
#define DW_RESTORE_PLAN_H

#include "driftward/graph.h"
#include "driftward/restore.h"
#include "restore/internal.h"

/* One object the tenant has now. */
struct live {
	char *id;
	char *cmp;                 /* compact JSON as compared (body form, secrets hashed) */
	const struct dw_json *src; /* as read, in the collector's read op */
	bool matched;              /* desired state lists it */
};

/* One collector that desired state names. */
struct coll_plan {
	char *name;
	const struct dw_collector *c; /* NULL: not written (the diff says why) */
	size_t rank;                  /* its place in the write order */
	char **files;                 /* desired files in the commit */
	size_t nfiles, afiles;
	bool complete; /* _complete: what desired state does not list is deleted */
	struct dw_graph_op op;
	bool submitted;
	struct live *live; /* sorted by id */
	size_t nlive, alive;
};

struct planner {
	const struct dw_session_context *ctx;
	struct dw_session *s;
	struct dw_store *store;
	const struct dw_restore_options *o;
	struct dw_restore_plan *plan;
	struct coll_plan *colls;
	size_t ncolls, acolls;
	char prefix[512]; /* "desired/<tenant>" */
	struct dw_error *err;
};

/* plan.c */
struct live *dw_restore__live_find(struct coll_plan *cp, const char *id);
int dw_restore__object_id(const struct dw_collector *c, const struct dw_json *obj,
                          struct dw_buf *out, struct dw_error *err);

/* objects.c: the requests for one collector's desired files, and its deletes. */
int dw_restore__plan_collector(struct planner *p, struct coll_plan *cp);
int dw_restore__plan_deletes(struct planner *p, struct coll_plan *cp);

#endif
