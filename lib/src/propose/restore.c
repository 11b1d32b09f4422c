/*
 * propose --restore-to: the snapshot's objects of every collector a plan can
 * write (a catalog restore method, not a user's collector, selected for the
 * tenant, read completely in that snapshot) become desired/<tenant>/, whole
 * collectors with _complete: once merged, a plan made with --allow-create and
 * --allow-delete gives back exactly that snapshot. Files are copied as they
 * are: secret fields stay sealed (age:...), nothing is decrypted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/json.h"
#include "propose/internal.h"

#define COMPLETE_FILE "_complete"
/* Fixed, so that proposals made from different snapshots do not differ in it. */
static const char complete_text[] =
        "This collector is desired state as a whole: objects the tenant has and this\n"
        "directory does not list are deleted by a plan made with --allow-delete\n"
        "(docs/restore.md). Written by driftward propose --restore-to.\n";

struct copy {
	struct propose *P;
	const char *collector;
	char prefix[300]; /* desired/<tenant>/ */
	size_t files;
	struct dw_error *err;
};

static int drop_desired(const char *path, void *payload)
{
	struct copy *C = payload;

	return dw_store_tx_remove(C->P->tx, path, C->err);
}

static int copy_file(const char *path, const void *data, size_t len, void *payload)
{
	struct copy *C = payload;
	const char *name = path + strlen(C->collector) + 1;
	char dest[1400];

	/* <collector>/<object>.json only: markers and lists of names are the snapshot's */
	if (strchr(name, '/') || name[0] == '_' || strlen(name) < 6 ||
	    strcmp(name + strlen(name) - 5, ".json") != 0)
		return 0;
	if ((size_t)snprintf(dest, sizeof(dest), "%s%s", C->prefix, path) >= sizeof(dest))
		return dw_error_set(C->err, -ENAMETOOLONG, DW_AREA_USAGE, 0, "%s: path too long",
		                    path);
	C->files++;
	return dw_store_tx_stage(C->P->tx, dest, data, len, C->err);
}

static int copy_collector(struct copy *C)
{
	struct propose *P = C->P;
	char dir[300], complete[400];
	int r;

	snprintf(dir, sizeof(dir), "%s%s", C->prefix, C->collector);
	snprintf(complete, sizeof(complete), "%s/" COMPLETE_FILE, dir);
	C->files = 0;
	r = dw_store_tx_list(P->tx, dir, drop_desired, C);
	r = r ?: dw_store_read_files(P->store, P->p->source, C->collector, copy_file, C, C->err);
	r = r
	            ?: dw_store_tx_stage(P->tx, complete, complete_text, sizeof(complete_text) - 1,
	                                 C->err);
	if (r == 0 && dw_buf_printf(&P->p->done, "%s: %zu object%s, whole (_complete)\n",
	                            C->collector, C->files, C->files == 1 ? "" : "s") < 0)
		r = -ENOMEM;
	return r;
}

/* The collector's status in the snapshot's _status.json ("ok", "partial", ...), or NULL. */
static const char *collector_status(const struct dw_json *status, const char *collector)
{
	struct dw_json *c = dw_json_get(dw_json_get(status, "collectors"), collector);

	return c ? dw_json_cstr(dw_json_get(c, "status")) : NULL;
}

/* Whether @c goes into the proposal; when not, why, in P->p->skipped. */
static int wanted(struct propose *P, const struct dw_collector *c, const struct dw_json *status,
                  bool *yes)
{
	const char *st = collector_status(status, c->name);

	*yes = false;
	if (c->restore == DW_RESTORE_NONE || c->user_defined)
		return 0; /* plan never writes it: desired state of it would be drift only */
	if (!st)
		return dw_buf_printf(&P->p->skipped, "%s: not read in that snapshot\n", c->name);
	if (strcmp(st, "ok") != 0)
		return dw_buf_printf(&P->p->skipped,
		                     "%s: %s in that snapshot (its files may be older), left out\n",
		                     c->name, st);
	*yes = true;
	return 0;
}

static int read_status(struct propose *P, struct dw_json_doc **doc, struct dw_error *err)
{
	struct dw_buf buf;
	int r;

	dw_buf_init(&buf, DW_STORE_FILE_MAX);
	r = dw_store_read_file(P->store, P->p->source, "_status.json", &buf, err);
	if (r == -ENOENT)
		r = dw_error_set(err, r, DW_AREA_USAGE, 0,
		                 "commit %.12s has no _status.json: not a snapshot", P->p->source);
	r = r ?: dw_json_parse(buf.ptr, buf.len, "_status.json", doc, err);
	dw_buf_release(&buf);
	return r;
}

int dw_propose__restore(struct propose *P, struct dw_error *err)
{
	const struct dw_collector **colls = NULL;
	struct dw_json_doc *status = NULL;
	struct copy C = { P, NULL, "", 0, err };
	struct dw_diags diags;
	size_t n = 0, i;
	bool yes;
	int r;

	dw_diags_init(&diags);
	snprintf(C.prefix, sizeof(C.prefix), "desired/%s/", P->tenant->name);
	if ((r = read_status(P, &status, err)) < 0)
		goto out;
	if ((r = dw_catalog_select(P->catalog, P->tenant, &colls, &n, &diags)) < 0) {
		r = dw_error_set(err, r, DW_AREA_CONFIG, 0, "%s",
		                 diags.count ? diags.items[0].msg : "bad collectors");
		goto out;
	}
	for (i = 0; r == 0 && i < n; i++) {
		if ((r = wanted(P, colls[i], dw_json_root(status), &yes)) < 0 || !yes)
			continue;
		C.collector = colls[i]->name;
		r = copy_collector(&C);
	}
	if (r == -ENOMEM && !dw_error_isset(err))
		dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	r = r ?: dw_propose__trailer(P, "Restore-To", P->p->source);
out:
	free(colls);
	dw_json_doc_free(status);
	dw_diags_release(&diags);
	return r;
}
