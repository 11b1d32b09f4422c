/*
 * Whether one commit is in another's history: what makes a commit approved
 * (reachable from the approved ref), and what restore asks before it writes.
 */
#include <errno.h>
#include <git2.h>
#include <string.h>

#include "driftward/store.h"
#include "store/internal.h"

int dw_store_reachable(struct dw_store *store, const char *commit, const char *from,
                       struct dw_error *err)
{
	git_oid a, b;
	int rc;

	if (git_oid_fromstr(&a, commit) < 0 || git_oid_fromstr(&b, from) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_GIT, 0,
		                    "'%.64s' or '%.64s' is not a commit id", commit, from);
	if (git_oid_equal(&a, &b))
		return 1;
	rc = git_graph_descendant_of(store->repo, &b, &a);
	if (rc < 0)
		return store_git_error(err, rc, "could not walk the history of %.12s", from);
	return rc;
}
