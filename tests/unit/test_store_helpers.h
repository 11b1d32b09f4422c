/*
 * Helpers shared by the store's tests: a scratch bare repository and the git
 * command line as the judge of what the store wrote.
 */
#ifndef DW_TEST_STORE_HELPERS_H
#define DW_TEST_STORE_HELPERS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "driftward/buf.h"
#include "driftward/error.h"
#include "driftward/store.h"

/* Runs a shell command (printf-style) and returns its exit status; stdout goes to @out. */
static int sh(struct dw_buf *out, const char *fmt, ...) DW_PRINTF(2, 3);

static int sh(struct dw_buf *out, const char *fmt, ...)
{
	char cmd[8192], chunk[4096];
	va_list ap;
	FILE *p;
	size_t n;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "re");
	if (!p)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		if (out && dw_buf_put(out, chunk, n) < 0)
			break;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The number a shell command (printf-style) prints, -1 when it fails. */
static inline long count(const char *fmt, ...) DW_PRINTF(1, 2);

static inline long count(const char *fmt, ...)
{
	struct dw_buf out;
	char cmd[4096];
	va_list ap;
	long n = -1;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	dw_buf_init(&out, 1024);
	if (sh(&out, "%s", cmd) == 0)
		n = strtol(dw_buf_cstr(&out), NULL, 10);
	dw_buf_release(&out);
	return n;
}

/* The packs in @repo's pack directory. */
static inline long pack_count(const char *repo)
{
	return count("ls '%s/objects/pack' | grep -c '\\.idx$'", repo);
}

/* A temporary directory with a bare repository "state.git" in it. */
struct scratch {
	char dir[64];
	char repo[128];
};

static int scratch_make(struct scratch *s, int init_repo)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/dw-store-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->repo, sizeof(s->repo), "%s/state.git", s->dir);
	if (init_repo && sh(NULL,
	                    "git init -q --bare '%s' && git --git-dir='%s' config "
	                    "driftward.repositoryformat 1",
	                    s->repo, s->repo) != 0)
		return -1;
	return 0;
}

static void scratch_remove(struct scratch *s)
{
	if (s->dir[0])
		sh(NULL, "rm -rf '%s'", s->dir);
}

/* git fsck --strict over the repository: 0 when clean. */
static int fsck_clean(const char *repo)
{
	return sh(NULL, "git --git-dir='%s' fsck --strict --no-progress >/dev/null 2>&1", repo);
}

/* A cmocka fixture: a scratch repository made by init and a store open on it. */
struct store_fixture {
	struct scratch s;
	struct dw_store *store;
	struct dw_error err;
};

static inline int store_fixture_setup(void **state)
{
	struct store_fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || scratch_make(&fx->s, 1) < 0 ||
	    dw_store_open(fx->s.repo, NULL, &fx->store, &fx->err) < 0)
		return -1;
	*state = fx;
	return 0;
}

static inline int store_fixture_teardown(void **state)
{
	struct store_fixture *fx = *state;

	dw_store_free(fx->store);
	scratch_remove(&fx->s);
	free(fx);
	return 0;
}

#endif
