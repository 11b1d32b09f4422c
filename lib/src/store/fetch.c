/*
 * Fetching the approved ref: the remote, where pull requests are merged, is
 * what says which commits are approved, so its ref is fetched into a ref of
 * our own (never refs/heads/: a local branch is not approval) and forced to
 * whatever the remote has, even backwards.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/remote.h"

static int check_refs(const char *ref, const char *local, struct dw_error *err)
{
	if (strncmp(ref, "refs/", 5) != 0 || !git_reference_is_valid_name(ref))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "'%s' is not a ref to fetch",
		                    ref);
	if (strncmp(local, "refs/", 5) != 0 || strncmp(local, "refs/heads/", 11) == 0 ||
	    !git_reference_is_valid_name(local))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "'%s' is not a ref to fetch into", local);
	return 0;
}

int dw_store_fetch(struct dw_store *store, const struct dw_store_remote *remote, const char *ref,
                   const char *local, struct dw_error *err)
{
	git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
	struct store_remote_ctx ctx = { .remote = remote, .err = err };
	char spec[1024];
	char *specs[] = { spec };
	git_strarray arr = { specs, 1 };
	git_remote *r = NULL;
	git_oid id;
	int ret, rc;

	if ((ret = dw_store__remote_check(remote, "fetch from", err)) < 0 ||
	    (ret = check_refs(ref, local, err)) < 0)
		return ret;
	snprintf(spec, sizeof(spec), "+%s:%s", ref, local);
	opts.callbacks.certificate_check = dw_store__remote_certificate;
	opts.callbacks.credentials = dw_store__remote_credentials;
	opts.callbacks.payload = &ctx;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.update_fetchhead = 0;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	/* a ref left by an earlier fetch must not stand in for one the remote lacks now */
	git_reference_remove(store->repo, local);
	if ((rc = dw_store__remote_create(&r, store->repo, remote->url)) < 0 ||
	    (rc = git_remote_fetch(r, &arr, &opts, NULL)) < 0) {
		ret = ctx.host_key_refused
		              ? -EPERM
		              : dw_store__git_error(err, rc, "fetch from %s failed", remote->url);
		goto out;
	}
	if (git_reference_name_to_id(&id, store->repo, local) < 0) {
		ret = dw_error_set(err, -ENOENT, DW_AREA_GIT, 0, "%s has no %s", remote->url, ref);
		goto out;
	}
	ret = 0;
out:
	git_remote_free(r);
	return ret;
}
