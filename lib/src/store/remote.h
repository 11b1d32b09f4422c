/* Talking to the remote, shared by push.c and fetch.c. */
#ifndef DW_STORE_REMOTE_H
#define DW_STORE_REMOTE_H

#include "store/internal.h"

struct store_remote_ctx {
	const struct dw_store_remote *remote;
	struct dw_error *err;
	int credential_tries;
	int host_key_refused;
	char rejected[512]; /* push: the first rejected ref and its reason */
};

/* The remote's URL is set, and an ssh one has a pinned host key; @what: "push to", "fetch from". */
int dw_store__remote_check(const struct dw_store_remote *remote, const char *what,
                           struct dw_error *err);
/* An anonymous remote exactly as configured (no insteadOf, no default refspec). */
int dw_store__remote_create(git_remote **out, git_repository *repo, const char *url);
/* libgit2 callbacks; the payload is a struct store_remote_ctx. */
int dw_store__remote_certificate(git_cert *cert, int valid, const char *host, void *payload);
int dw_store__remote_credentials(git_credential **out, const char *url, const char *user_from_url,
                                 unsigned int allowed, void *payload);

#endif
