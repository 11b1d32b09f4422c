/* Reading the state repository: tenants, commits, files and history. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "driftward/array.h"
#include "store/internal.h"
#include "store/tx.h"

#define TENANT_PREFIX "refs/heads/tenants/"

static int lookup_commit(struct dw_store *store, const char *rev, git_commit **out,
                         struct dw_error *err)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc;

	*out = NULL;
	if ((rc = git_revparse_single(&obj, store->repo, rev)) < 0)
		return rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS
		               ? dw_error_set(err, -ENOENT, DW_AREA_GIT, 0,
		                              "'%s' names no commit in %s", rev, store->path)
		               : dw_store__git_error(err, rc, "could not resolve '%s'", rev);
	rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0)
		return dw_error_set(err, -ENOENT, DW_AREA_GIT, 0, "'%s' is not a commit", rev);
	*out = (git_commit *)peeled;
	return 0;
}

int dw_store_resolve(struct dw_store *store, const char *rev, char out[DW_STORE_ID_HEX],
                     struct dw_error *err)
{
	git_commit *c;
	int r = lookup_commit(store, rev, &c, err);

	if (r < 0)
		return r;
	git_oid_tostr(out, DW_STORE_ID_HEX, git_commit_id(c));
	git_commit_free(c);
	return 0;
}

int dw_store_read_file(struct dw_store *store, const char *rev, const char *path,
                       struct dw_buf *out, struct dw_error *err)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int r, rc;

	if ((r = lookup_commit(store, rev, &c, err)) < 0)
		return r;
	if ((rc = git_commit_tree(&tree, c)) < 0) {
		r = dw_store__git_error(err, rc, "could not read the tree of '%s'", rev);
		goto out;
	}
	rc = git_tree_entry_bypath(&e, tree, path);
	if (rc == GIT_ENOTFOUND || (rc == 0 && git_tree_entry_type(e) != GIT_OBJECT_BLOB)) {
		r = -ENOENT;
		goto out;
	}
	if (rc < 0) {
		r = dw_store__git_error(err, rc, "could not look up '%s' in '%s'", path, rev);
		goto out;
	}
	r = dw_store__read_blob(store->repo, git_tree_entry_id(e), out, path, err);
out:
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(c);
	return r;
}

struct walk_ctx {
	const char *prefix;
	int (*cb)(const char *path, void *payload);
	/* dw_store_read_files: the callback that takes the bytes, and where they go */
	int (*read_cb)(const char *path, const void *data, size_t len, void *payload);
	git_repository *repo;
	struct dw_buf buf;
	struct dw_error *err;
	void *payload;
	int stopped;
};

static int visit(struct walk_ctx *ctx, const char *path, const git_oid *id)
{
	int r;

	if (!ctx->read_cb)
		return ctx->cb(path, ctx->payload);
	dw_buf_reset(&ctx->buf);
	if ((r = dw_store__read_blob(ctx->repo, id, &ctx->buf, path, ctx->err)) < 0)
		return r;
	return ctx->read_cb(path, dw_buf_cstr(&ctx->buf), ctx->buf.len, ctx->payload);
}

static int walk_file(const char *root, const git_tree_entry *te, void *payload)
{
	struct walk_ctx *ctx = payload;
	char path[4200];
	int r;

	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB)
		return 0;
	snprintf(path, sizeof(path), "%s%s%s", ctx->prefix, root, git_tree_entry_name(te));
	r = visit(ctx, path, git_tree_entry_id(te));
	if (r != 0)
		ctx->stopped = r;
	return r != 0 ? -1 : 0;
}

/* The subtree at @dir ("" for the root), or a file there (then *file is set). */
static int subtree(git_tree *root, const char *dir, git_tree **out, git_tree_entry **file)
{
	git_tree_entry *e = NULL;
	git_object *obj = NULL;
	int rc;

	*out = NULL;
	*file = NULL;
	if (!*dir)
		return git_tree_dup(out, root);
	if ((rc = git_tree_entry_bypath(&e, root, dir)) < 0)
		return rc;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		*file = e;
		return 0;
	}
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		rc = git_tree_entry_to_object(&obj, git_tree_owner(root), e);
	else
		rc = GIT_ENOTFOUND;
	git_tree_entry_free(e);
	*out = (git_tree *)obj;
	return rc;
}

static int walk_files(struct dw_store *store, const char *rev, const char *dir,
                      struct walk_ctx *ctx, struct dw_error *err)
{
	git_commit *c = NULL;
	git_tree *root = NULL, *tree = NULL;
	git_tree_entry *file = NULL;
	int r, rc;

	if ((r = lookup_commit(store, rev, &c, err)) < 0)
		return r;
	if ((rc = git_commit_tree(&root, c)) == 0)
		rc = subtree(root, dir, &tree, &file);
	if (rc == GIT_ENOTFOUND) {
		r = 0; /* an absent directory holds no files */
	} else if (rc < 0) {
		r = dw_store__git_error(err, rc, "could not read '%s' in '%s'", dir, rev);
	} else if (file) {
		r = visit(ctx, dir, git_tree_entry_id(file));
	} else {
		rc = git_tree_walk(tree, GIT_TREEWALK_PRE, walk_file, ctx);
		r = ctx->stopped ? ctx->stopped
		    : rc < 0     ? dw_store__git_error(err, rc, "could not walk '%s'", rev)
		                 : 0;
	}
	git_tree_entry_free(file);
	git_tree_free(tree);
	git_tree_free(root);
	git_commit_free(c);
	return r;
}

int dw_store_list_files(struct dw_store *store, const char *rev, const char *dir,
                        int (*cb)(const char *path, void *payload), void *payload,
                        struct dw_error *err)
{
	char prefix[4100];
	struct walk_ctx ctx = { .prefix = prefix, .cb = cb, .payload = payload };

	snprintf(prefix, sizeof(prefix), "%s%s", dir, *dir ? "/" : "");
	return walk_files(store, rev, dir, &ctx, err);
}

int dw_store_read_files(struct dw_store *store, const char *rev, const char *dir,
                        int (*cb)(const char *path, const void *data, size_t len, void *payload),
                        void *payload, struct dw_error *err)
{
	char prefix[4100];
	struct walk_ctx ctx = {
		.prefix = prefix, .read_cb = cb, .repo = store->repo, .err = err, .payload = payload
	};
	int r;

	snprintf(prefix, sizeof(prefix), "%s%s", dir, *dir ? "/" : "");
	dw_buf_init(&ctx.buf, DW_STORE_FILE_MAX);
	r = walk_files(store, rev, dir, &ctx, err);
	dw_buf_release(&ctx.buf);
	return r;
}

struct tenant_ref {
	char *name;
	char id[DW_STORE_ID_HEX];
};

static int cmp_tenant(const void *a, const void *b)
{
	return strcmp(((const struct tenant_ref *)a)->name, ((const struct tenant_ref *)b)->name);
}

static int collect_tenants(struct dw_store *store, struct tenant_ref **out, size_t *n,
                           struct dw_error *err)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	struct tenant_ref *list = NULL;
	size_t alloc = 0;
	int rc;

	*n = 0;
	if ((rc = git_reference_iterator_glob_new(&it, store->repo, TENANT_PREFIX "*")) < 0)
		return dw_store__git_error(err, rc, "could not list tenant branches");
	while ((rc = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref) + strlen(TENANT_PREFIX);
		const git_oid *id = git_reference_target(ref);

		if (id && !strchr(name, '/')) {
			if (DW_ARRAY_GROW(list, alloc, *n + 1) < 0 ||
			    !(list[*n].name = strdup(name))) {
				rc = GIT_ERROR;
				git_reference_free(ref);
				break;
			}
			git_oid_tostr(list[(*n)++].id, DW_STORE_ID_HEX, id);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	*out = list;
	if (rc != GIT_ITEROVER)
		return dw_store__git_error(err, rc, "could not list tenant branches");
	if (*n > 1) /* no qsort on an empty (NULL) list: UBSan rightly objects */
		qsort(list, *n, sizeof(*list), cmp_tenant);
	return 0;
}

int dw_store_foreach_tenant(struct dw_store *store,
                            int (*cb)(const char *tenant, const char *commit, void *payload),
                            void *payload, struct dw_error *err)
{
	struct tenant_ref *list = NULL;
	size_t n = 0, i;
	int r = collect_tenants(store, &list, &n, err);

	for (i = 0; r == 0 && i < n; i++)
		r = cb(list[i].name, list[i].id, payload);
	for (i = 0; i < n; i++)
		free(list[i].name);
	free(list);
	return r;
}

const char *dw_store_commit_trailer(const struct dw_store_commit *c, const char *key)
{
	size_t i;

	for (i = c->ntrailers; i-- > 0;)
		if (strcasecmp(c->trailers[i].key, key) == 0)
			return c->trailers[i].value;
	return NULL;
}

static int report_commit(git_commit *commit,
                         int (*cb)(const struct dw_store_commit *c, void *payload), void *payload)
{
	git_message_trailer_array arr = { 0 };
	struct dw_trailer *t = NULL;
	struct dw_store_commit c;
	const git_signature *a = git_commit_author(commit);
	char author[600];
	size_t i;
	int r;

	memset(&c, 0, sizeof(c));
	git_oid_tostr(c.id, sizeof(c.id), git_commit_id(commit));
	git_oid_tostr(c.tree, sizeof(c.tree), git_commit_tree_id(commit));
	c.time = (int64_t)git_commit_time(commit);
	snprintf(author, sizeof(author), "%s <%s>", a->name, a->email);
	c.author = author;
	c.message = git_commit_message(commit);
	if (git_message_trailers(&arr, c.message) == 0 && arr.count) {
		t = calloc(arr.count, sizeof(*t));
		if (!t) {
			git_message_trailer_array_free(&arr);
			return -ENOMEM;
		}
		for (i = 0; i < arr.count; i++) {
			t[i].key = arr.trailers[i].key;
			t[i].value = arr.trailers[i].value;
		}
		c.trailers = t;
		c.ntrailers = arr.count;
	}
	r = cb(&c, payload);
	free(t);
	git_message_trailer_array_free(&arr);
	return r;
}

int dw_store_log(struct dw_store *store, const char *rev, size_t max,
                 int (*cb)(const struct dw_store_commit *c, void *payload), void *payload,
                 struct dw_error *err)
{
	git_revwalk *walk = NULL;
	git_commit *start = NULL, *commit = NULL;
	git_oid id;
	size_t seen = 0;
	int r, rc;

	if ((r = lookup_commit(store, rev, &start, err)) < 0)
		return r;
	if ((rc = git_revwalk_new(&walk, store->repo)) < 0 ||
	    (rc = git_revwalk_simplify_first_parent(walk)) < 0 ||
	    (rc = git_revwalk_push(walk, git_commit_id(start))) < 0) {
		r = dw_store__git_error(err, rc, "could not walk the history of '%s'", rev);
		goto out;
	}
	while (r == 0 && (max == 0 || seen < max) && (rc = git_revwalk_next(&id, walk)) == 0) {
		if ((rc = git_commit_lookup(&commit, store->repo, &id)) < 0)
			break;
		r = report_commit(commit, cb, payload);
		git_commit_free(commit);
		seen++;
	}
	if (r == 0 && rc < 0 && rc != GIT_ITEROVER)
		r = dw_store__git_error(err, rc, "could not walk the history of '%s'", rev);
out:
	git_revwalk_free(walk);
	git_commit_free(start);
	return r;
}
