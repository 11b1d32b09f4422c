/*
 * Committing a transaction: the new tree from the previous one with only the
 * changed paths touched, a commit only when the tree differs, the new objects
 * written to disk (fsynced) before the branch moves, and the branch moved by
 * compare-and-swap. New blobs wait in the mempack until the commit, or until
 * they pass its budget while staged (dw_store__put_blob): then they go to
 * disk as a pack of their own that nothing names until the commit does.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "store/internal.h"
#include "store/pack.h"
#include "store/tx.h"

/*
 * A run's new objects always go to disk in packs, never loose: loose
 * objects are a file each, and hourly runs over many tenants would leave
 * millions. From this many objects on (a first import) the pack is written
 * directly, without libgit2's delta search (store/pack.c).
 */
#define PACK_DIRECT 1000

int dw_store__ids_push(struct store_ids *l, const git_oid *id)
{
	if (DW_ARRAY_GROW(l->ids, l->alloc, l->n + 1) < 0)
		return -ENOMEM;
	git_oid_cpy(&l->ids[l->n++], id);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/* The same blob under two paths, or the same subtree twice, is one object in a pack. */
static void id_unique(struct store_ids *l)
{
	size_t i, n = 0;

	qsort(l->ids, l->n, sizeof(*l->ids), cmp_id);
	for (i = 0; i < l->n; i++)
		if (n == 0 || !git_oid_equal(&l->ids[n - 1], &l->ids[i]))
			git_oid_cpy(&l->ids[n++], &l->ids[i]);
	l->n = n;
}

static int in_mempack(struct dw_store *store, const git_oid *id)
{
	return store->mempack->exists(store->mempack, id);
}

/*
 * The new objects under tree @id, children before their parent. A tree that
 * is already on disk is complete (its children were written before it), so
 * the walk stops there.
 */
static int collect_tree(struct dw_store *store, const git_oid *id, struct store_ids *out)
{
	git_tree *tree = NULL;
	size_t i, n;
	int rc;

	if (!in_mempack(store, id))
		return 0;
	if ((rc = git_tree_lookup(&tree, store->repo, id)) < 0)
		return rc;
	n = git_tree_entrycount(tree);
	for (i = 0; i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const git_oid *eid = git_tree_entry_id(e);

		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			rc = collect_tree(store, eid, out);
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB && in_mempack(store, eid))
			rc = dw_store__ids_push(out, eid) < 0 ? GIT_ERROR : 0;
	}
	git_tree_free(tree);
	if (rc == 0 && dw_store__ids_push(out, id) < 0)
		rc = GIT_ERROR;
	return rc;
}

/*
 * Not through git_odb_write: on every miss that rescans the pack directory,
 * which made 50,000 new blobs take seconds of system time.
 */
int dw_store__put_blob(struct dw_store *store, const git_oid *id, const void *data, size_t len,
                       struct dw_error *err)
{
	int rc, r;

	if (git_odb_exists_ext(store->odb, id, GIT_ODB_LOOKUP_NO_REFRESH))
		return 0;
	if (store->npending && store->pending_bytes + len > STORE_MEMPACK_BUDGET &&
	    (r = dw_store__spill(store, err)) < 0)
		return r;
	if (DW_ARRAY_GROW(store->pending, store->pending_alloc, store->npending + 1) < 0)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	if ((rc = store->mempack->write(store->mempack, id, data, len, GIT_OBJECT_BLOB)) < 0)
		return dw_store__git_error(err, rc, "could not hold a new blob");
	git_oid_cpy(&store->pending[store->npending++], id);
	store->pending_bytes += len;
	return 0;
}

int dw_store__spill(struct dw_store *store, struct dw_error *err)
{
	int rc, r;

	if (store->npending == 0)
		return 0;
	if ((r = dw_store__pack_write_direct(store, store->pending, store->npending, err)) < 0)
		return r;
	store->spilled += store->npending;
	/* once per pack, not per object: the odb sees the new pack before the mempack lets go */
	if ((rc = git_odb_refresh(store->odb)) < 0)
		return dw_store__git_error(err, rc, "could not read the pack directory again");
	dw_store__mempack_reset(store);
	return 0;
}

/*
 * A run's few new objects (a handful of blobs, their trees, the commit) go
 * through libgit2's pack builder, whose delta search over a dozen objects
 * costs nothing and whose zlib keeps them small.
 */
static int write_pack_small(struct dw_store *store, const struct store_ids *l, struct dw_error *err)
{
	git_packbuilder *pb = NULL;
	char dir[PATH_MAX];
	size_t i;
	int rc;

	if ((rc = dw_store__pack_dir(store, dir, sizeof(dir), err)) < 0)
		return rc;
	if ((rc = git_packbuilder_new(&pb, store->repo)) < 0)
		goto out;
	for (i = 0; i < l->n && rc == 0; i++)
		rc = git_packbuilder_insert(pb, &l->ids[i], NULL);
	if (rc == 0)
		rc = git_packbuilder_write(pb, dir, 0, NULL, NULL);
out:
	git_packbuilder_free(pb);
	return rc < 0 ? dw_store__git_error(err, rc, "could not write a pack") : 0;
}

int dw_store__persist(struct dw_store *store, const git_oid *commit_id, size_t *written,
                      struct dw_error *err)
{
	struct store_ids l = { 0 };
	git_commit *commit = NULL;
	int rc, r;

	*written = 0;
	if ((rc = git_commit_lookup(&commit, store->repo, commit_id)) < 0 ||
	    (rc = collect_tree(store, git_commit_tree_id(commit), &l)) < 0 ||
	    (rc = dw_store__ids_push(&l, commit_id) < 0 ? GIT_ERROR : 0) < 0) {
		r = dw_store__git_error(err, rc, "could not list the new objects");
		goto out;
	}
	id_unique(&l);
	r = l.n < PACK_DIRECT ? write_pack_small(store, &l, err)
	                      : dw_store__pack_write_direct(store, l.ids, l.n, err);
	if (r == 0)
		*written = store->spilled + l.n;
out:
	git_commit_free(commit);
	free(l.ids);
	dw_store__mempack_reset(store);
	return r;
}

static int build_updates(struct dw_store_tx *tx, git_tree_update **out, size_t *n)
{
	git_tree_update *u;
	size_t i, count = 0;

	u = calloc(tx->nentries ? tx->nentries : 1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	for (i = 0; i < tx->nentries; i++) {
		const struct tx_entry *e = &tx->entries[i];

		switch (dw_store__tx_entry_change(tx, e)) {
		case TX_ADD:
		case TX_CHANGE:
			u[count].action = GIT_TREE_UPDATE_UPSERT;
			git_oid_cpy(&u[count].id, &e->cur);
			u[count].filemode = GIT_FILEMODE_BLOB;
			u[count++].path = e->path;
			break;
		case TX_DELETE:
			u[count].action = GIT_TREE_UPDATE_REMOVE;
			u[count++].path = e->path;
			break;
		default:
			break;
		}
	}
	*out = u;
	*n = count;
	return 0;
}

static int make_tree(struct dw_store_tx *tx, git_oid *tree_id, struct dw_error *err)
{
	git_tree_update *updates = NULL;
	size_t n = 0;
	int rc, r = 0;

	if (build_updates(tx, &updates, &n) < 0)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	if (n == 0 && tx->prev_tree)
		git_oid_cpy(tree_id, git_tree_id(tx->prev_tree));
	else if ((rc = git_tree_create_updated(tree_id, tx->store->repo, tx->prev_tree, n,
	                                       updates)) < 0)
		r = dw_store__git_error(err, rc, "%s: could not build the new tree", tx->ref);
	free(updates);
	return r;
}

static int make_commit(struct dw_store_tx *tx, const git_oid *tree_id, const char *message,
                       git_oid *out, struct dw_error *err)
{
	git_signature *sig = NULL;
	git_commit *parent = NULL;
	const git_commit *parents[1];
	git_tree *tree = NULL;
	char *msg = NULL;
	size_t len = strlen(message);
	int rc, r = 0;

	msg = malloc(len + 2);
	if (!msg)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	memcpy(msg, message, len + 1);
	if (len == 0 || message[len - 1] != '\n')
		memcpy(msg + len, "\n", 2);
	if ((r = dw_store__signature(tx->store, &sig, err)) < 0)
		goto out;
	/* a report staged in this commit already names its time: the commit must agree */
	if (tx->time)
		sig->when.time = tx->time;
	if ((rc = git_tree_lookup(&tree, tx->store->repo, tree_id)) < 0 ||
	    (tx->has_parent && (rc = git_commit_lookup(&parent, tx->store->repo, &tx->parent)) < 0))
		goto fail;
	parents[0] = parent;
	if ((rc = git_commit_create(out, tx->store->repo, NULL, sig, sig, NULL, msg, tree,
	                            tx->has_parent ? 1 : 0, parents)) < 0)
		goto fail;
	goto out;
fail:
	r = dw_store__git_error(err, rc, "%s: could not create the commit", tx->ref);
out:
	git_signature_free(sig);
	git_commit_free(parent);
	git_tree_free(tree);
	free(msg);
	return r;
}

static int move_ref(struct dw_store_tx *tx, const git_oid *commit, struct dw_error *err)
{
	git_reference *ref = NULL;
	char new_hex[DW_STORE_ID_HEX];
	/* a new branch made from a base commit is created only where none exists */
	int cas = tx->has_parent && !tx->new_branch;
	int rc;

	rc = git_reference_create_matching(&ref, tx->store->repo, tx->ref, commit, cas,
	                                   cas ? &tx->parent : NULL, "driftward: snapshot");
	git_reference_free(ref);
	if (rc == 0)
		return 0;
	git_oid_tostr(new_hex, sizeof(new_hex), commit);
	if (tx->new_branch && rc == GIT_EEXISTS)
		return dw_error_set(err, -EEXIST, DW_AREA_GIT, 0,
		                    "branch %s was made by another writer meanwhile; commit %s "
		                    "is left unreferenced",
		                    tx->ref + 11, new_hex);
	if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS) {
		return dw_error_set(err, -ESTALE, DW_AREA_GIT, 0,
		                    "concurrent update of %s: it moved from %s while this run "
		                    "wrote commit %s; the branch keeps the other writer's commit",
		                    tx->ref, tx->has_parent ? tx->parent_hex : "(none)", new_hex);
	}
	return dw_store__git_error(err, rc, "could not move %s to %s", tx->ref, new_hex);
}

int dw_store_tx_commit(struct dw_store_tx *tx, const char *message,
                       struct dw_store_commit_result *out, struct dw_error *err)
{
	git_oid tree_id, commit_id;
	int r;

	memset(out, 0, sizeof(*out));
	if (tx->done)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "%s: the transaction is over",
		                    tx->ref);
	tx->done = 1;
	dw_store_tx_changes(tx, &out->changes);
	if ((r = make_tree(tx, &tree_id, err)) < 0)
		goto out;
	git_oid_tostr(out->tree, sizeof(out->tree), &tree_id);
	if (tx->has_parent && git_oid_equal(&tree_id, git_tree_id(tx->prev_tree))) {
		/* the same tree: no commit, and nothing to write but what the cache learnt */
		memcpy(out->commit, tx->parent_hex, sizeof(out->commit));
		dw_store__cache_save(tx);
		goto out;
	}
	if ((r = make_commit(tx, &tree_id, message, &commit_id, err)) < 0 ||
	    (r = dw_store__persist(tx->store, &commit_id, &out->objects_written, err)) < 0)
		goto out;
	git_oid_tostr(out->commit, sizeof(out->commit), &commit_id);
	if ((r = move_ref(tx, &commit_id, err)) < 0)
		goto out;
	out->committed = 1;
	dw_store__cache_save(tx);
out:
	dw_store__mempack_reset(tx->store);
	return r;
}
