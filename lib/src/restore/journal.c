/*
 * The apply journal: before each write, which plan and which request is
 * about to be sent, on disk (fsynced) beside the repository. A write whose
 * answer never came may still take effect in Graph after the tenant was
 * read again, so an apply killed after it started sending is never resumed
 * from a re-read alone: the journal makes the next apply of that plan refuse
 * it (make a new plan), and nothing is sent twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driftward/file.h"
#include "restore/internal.h"

#define JOURNAL_MAX 4096

int dw_restore__journal_path(struct dw_store *store, const char *tenant, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/driftward-restore-%s.journal", dw_store_path(store),
	                     tenant) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int dw_restore__journal_check(const char *path, const char *plan_hash, struct dw_error *err)
{
	struct dw_buf b;
	int r;

	dw_buf_init(&b, JOURNAL_MAX);
	r = dw_buf_read_file(&b, path, NULL);
	if (r == -ENOENT) {
		r = 0;
	} else if (r == 0 && strstr(dw_buf_cstr(&b), plan_hash)) {
		r = dw_error_set(
		        err, -ESTALE, DW_AREA_USAGE, 0,
		        "an earlier apply of this plan stopped after it began sending (%s); "
		        "what it sent may have taken effect: make a new plan (stale)",
		        path);
	} else if (r == 0) {
		r = unlink(path) < 0 ? -errno : 0; /* another plan's: the state check covers it */
	}
	dw_buf_release(&b);
	return r;
}

int dw_restore__journal_write(const char *path, const char *plan_hash, size_t index,
                              const struct dw_restore_request *q, struct dw_error *err)
{
	char line[JOURNAL_MAX];
	int n = snprintf(line, sizeof(line), "plan %s\nsending %zu %s %s\n", plan_hash, index,
	                 q->method, q->path);

	if (n < 0 || (size_t)n >= sizeof(line))
		return -ENAMETOOLONG;
	return dw_file_write_atomic(path, 0600, 0, line, (size_t)n, err);
}

void dw_restore__journal_end(const char *path)
{
	unlink(path);
}
