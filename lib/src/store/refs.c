/*
 * Remote-tracking refs: what a push left on the remote, as far as this
 * repository knows without asking it. driftward's own push records
 * refs/remotes/driftward/<branch>; a clone of the repository (git clone
 * --mirror) copies those refs, so a copy on a laptop knows the last push too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/internal.h"

#define TRACKING_PREFIX "refs/remotes/driftward/"
#define HEADS_PREFIX    "refs/heads/"

int dw_store__record_push(struct dw_store *store, const char *const *refs, size_t nrefs,
                          struct dw_error *err)
{
	char name[1024];
	git_reference *local, *tracking;
	size_t i;
	int rc;

	for (i = 0; i < nrefs; i++) {
		if (strncmp(refs[i], HEADS_PREFIX, strlen(HEADS_PREFIX)) != 0 ||
		    (size_t)snprintf(name, sizeof(name), TRACKING_PREFIX "%s",
		                     refs[i] + strlen(HEADS_PREFIX)) >= sizeof(name))
			continue;
		if ((rc = git_reference_lookup(&local, store->repo, refs[i])) < 0)
			return dw_store__git_error(err, rc, "could not read %s after the push",
			                           refs[i]);
		rc = git_reference_create(&tracking, store->repo, name, git_reference_target(local),
		                          1, "driftward: pushed");
		git_reference_free(local);
		if (rc < 0)
			return dw_store__git_error(err, rc, "pushed, but could not record it in %s",
			                           name);
		git_reference_free(tracking);
	}
	return 0;
}

struct tracking_find {
	const char *suffix; /* "/tenants/<tenant>" */
	char *ref;
	size_t reflen;
	int found;
};

/* Keeps the first name (in name order) that ends in the tenant's branch. */
static int tracking_each(const char *name, void *payload)
{
	struct tracking_find *f = payload;
	size_t n = strlen(name), m = strlen(f->suffix);
	const char *rest = name + strlen("refs/remotes/");

	/* refs/remotes/<remote>/tenants/<tenant>: the remote's name has no '/' */
	if (n <= m || strcmp(name + n - m, f->suffix) != 0 || strchr(rest, '/') != name + n - m)
		return 0;
	if (f->found && strcmp(name, f->ref) >= 0)
		return 0;
	if ((size_t)snprintf(f->ref, f->reflen, "%s", name) >= f->reflen)
		return -ENAMETOOLONG;
	f->found = 1;
	return 0;
}

int dw_store_tracking(struct dw_store *store, const char *tenant, char *ref_out, size_t reflen,
                      char commit_out[DW_STORE_ID_HEX], struct dw_error *err)
{
	char suffix[512];
	struct tracking_find f = { suffix, ref_out, reflen, 0 };
	int rc;

	if ((size_t)snprintf(suffix, sizeof(suffix), "/tenants/%s", tenant) >= sizeof(suffix))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "tenant name too long");
	rc = git_reference_foreach_glob(store->repo, "refs/remotes/*", tracking_each, &f);
	if (rc == -ENAMETOOLONG)
		return dw_error_set(err, rc, DW_AREA_GIT, 0,
		                    "a remote-tracking ref name is too long");
	if (rc < 0)
		return dw_store__git_error(err, rc, "could not list the remote-tracking refs");
	if (!f.found)
		return -ENOENT;
	return dw_store_resolve(store, ref_out, commit_out, err);
}
