/*
 * What approval asks of the repository: a commit's SSH signature and the
 * bytes it signs (git_commit_extract_signature splits them as git
 * verify-commit does), and whether a commit was merged into a ref.
 */
#include <errno.h>
#include <string.h>

#include "store/internal.h"

void dw_store_signed_init(struct dw_store_signed *s)
{
	memset(s, 0, sizeof(*s));
	dw_buf_init(&s->signature, DW_STORE_FILE_MAX);
	dw_buf_init(&s->payload, DW_STORE_FILE_MAX);
}

void dw_store_signed_release(struct dw_store_signed *s)
{
	dw_buf_release(&s->signature);
	dw_buf_release(&s->payload);
}

static int resolve(struct dw_store *store, const char *rev, git_commit **out, struct dw_error *err)
{
	git_object *obj = NULL;
	int rc = git_revparse_single(&obj, store->repo, rev);

	*out = NULL;
	if (rc == 0) {
		rc = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT);
		git_object_free(obj);
	}
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS ||
	    rc == GIT_EINVALID || rc == GIT_EPEEL)
		return dw_error_set(err, -ENOENT, DW_AREA_GIT, 0, "'%s' names no commit in %s", rev,
		                    store->path);
	return rc < 0 ? dw_store__git_error(err, rc, "could not resolve '%s'", rev) : 0;
}

int dw_store_commit_signed(struct dw_store *store, const char *rev, struct dw_store_signed *out,
                           struct dw_error *err)
{
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	git_commit *c = NULL;
	git_oid id;
	int r, rc;

	if ((r = resolve(store, rev, &c, err)) < 0)
		return r;
	git_oid_cpy(&id, git_commit_id(c)); /* libgit2 1.5 takes a mutable oid */
	git_oid_tostr(out->id, sizeof(out->id), &id);
	out->committer_time = (int64_t)git_commit_committer(c)->when.time;
	rc = git_commit_extract_signature(&sig, &data, store->repo, &id, NULL);
	if (rc == GIT_ENOTFOUND) {
		r = 0; /* unsigned: an empty signature */
	} else if (rc < 0) {
		r = dw_store__git_error(err, rc, "could not read the signature of %s", out->id);
	} else if (dw_buf_put(&out->signature, sig.ptr, sig.size) < 0 ||
	           dw_buf_put(&out->payload, data.ptr, data.size) < 0) {
		r = dw_error_set(err, -E2BIG, DW_AREA_GIT, 0, "commit %s is too large", out->id);
	}
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	git_commit_free(c);
	return r;
}

int dw_store_reachable(struct dw_store *store, const char *id, const char *ref, int *reachable,
                       struct dw_error *err)
{
	git_oid commit, tip;
	int rc;

	*reachable = 0;
	if (git_oid_fromstr(&commit, id) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_GIT, 0, "'%s' is not a commit id", id);
	rc = git_reference_name_to_id(&tip, store->repo, ref);
	if (rc == GIT_ENOTFOUND)
		return dw_error_set(err, -ENOENT, DW_AREA_GIT, 0, "%s has no %s", store->path, ref);
	if (rc < 0)
		return dw_store__git_error(err, rc, "could not read %s", ref);
	if (git_oid_equal(&commit, &tip)) {
		*reachable = 1;
		return 0;
	}
	rc = git_graph_descendant_of(store->repo, &tip, &commit);
	if (rc < 0)
		return dw_store__git_error(err, rc, "could not walk the history of %s", ref);
	*reachable = rc;
	return 0;
}
