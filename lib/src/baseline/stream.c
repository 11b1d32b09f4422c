/*
 * Evaluating while the snapshot is read. A tree walked in path order hands
 * over each collector's files together; when the next collector's begin, the
 * evaluator judges the finished one (its rules, the requires naming it, its
 * desired files) and frees its objects. Memory then holds one collector's
 * objects and the findings, not the tenant: 1,000,000 objects were 1.7 GB
 * held at once (tests/bench/drift).
 *
 * Judging needs _status.json (a collector read partly judges nothing). It
 * comes before the collectors in path order; until it has come, finished
 * collectors wait in memory, as they would without streaming.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/internal.h"
#include "driftward/store.h"

int dw_drift_stream_new(const struct dw_baseline *bl, const struct dw_bl_files *files,
                        const struct dw_drift_context *ctx, struct dw_drift_stream **out)
{
	struct dw_drift_stream *s = calloc(1, sizeof(*s));
	int r;

	*out = NULL;
	if (!s || !(s->snap = dw_bl_snapshot_new())) {
		free(s);
		return -ENOMEM;
	}
	s->current = SIZE_MAX;
	r = dw_baseline__eval_new(bl, files, s->snap, ctx, &s->E);
	if (r < 0) {
		dw_drift_stream_free(s);
		return r;
	}
	*out = s;
	return 0;
}

void dw_drift_stream_free(struct dw_drift_stream *s)
{
	if (!s)
		return;
	dw_baseline__eval_free(s->E);
	dw_bl_snapshot_free(s->snap);
	free(s);
}

/* Judges collector @k and frees its objects, once the statuses are known (or @force). */
static int settle(struct dw_drift_stream *s, size_t k, bool force)
{
	struct bl_collector *c = &s->snap->collectors[k];
	int r;

	if (c->judged || (!s->snap->has_status && !force))
		return 0;
	r = dw_baseline__eval_collector(s->E, c);
	dw_baseline__collector_drop(c);
	c->judged = true;
	return r;
}

/* _status.json came: the collectors that finished before it are judged now. */
static int settle_waiting(struct dw_drift_stream *s)
{
	size_t k;
	int r = 0;

	for (k = 0; r == 0 && k < s->snap->count; k++)
		if (k != s->current && s->snap->collectors[k].count)
			r = settle(s, k, false);
	return r;
}

int dw_drift_stream_add(struct dw_drift_stream *s, const char *path, const void *data, size_t len,
                        struct dw_error *err)
{
	size_t k;
	int r = dw_baseline__snapshot_add(s->snap, path, data, len, &k, err);

	if (r < 0)
		return r;
	if (k == SIZE_MAX)
		return s->snap->has_status ? settle_waiting(s) : 0;
	if (s->snap->collectors[k].judged)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "%s: the files of collector %s must come together, in path "
		                    "order, and another collector's came between them",
		                    path, s->snap->collectors[k].name);
	if (s->current != SIZE_MAX && s->current != k)
		r = settle(s, s->current, false);
	s->current = k;
	return r;
}

static int add_read(const char *path, const void *data, size_t len, void *payload)
{
	void **p = payload;

	return dw_drift_stream_add(p[0], path, data, len, p[1]);
}

int dw_drift_stream_read(struct dw_drift_stream *s, struct dw_store *store, const char *rev,
                         struct dw_error *err)
{
	void *p[2] = { s, err };
	int r = dw_store_read_files(store, rev, "", add_read, p, err);

	return r < 0 ? r : 0;
}

int dw_drift_stream_finish(struct dw_drift_stream *s, struct dw_drift **out, struct dw_error *err)
{
	size_t k;
	int r = 0;

	*out = NULL;
	for (k = 0; r == 0 && k < s->snap->count; k++)
		r = settle(s, k, true);
	r = r ?: dw_baseline__eval_end(s->E, out);
	if (r < 0)
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not build the drift report: %s",
		             strerror(-r));
	return r;
}
