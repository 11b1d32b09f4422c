/*
 * Pushing tenant branches to the remote. Two things libgit2 does not do for
 * us: it accepts any ssh host key unless told otherwise (there is no
 * known_hosts under DynamicUser), so the key is pinned by its SHA-256
 * fingerprint; and git_remote_push returns 0 when the server rejects a ref,
 * so every ref's status is checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "driftward/base64.h"
#include "store/push.h"
#include "store/remote.h"

/* "SHA256:" + unpadded base64 of @sha256, as ssh-keygen -l prints it. */
void dw_store__ssh_fingerprint(const unsigned char sha256[32], char out[STORE_FINGERPRINT_MAX])
{
	memcpy(out, "SHA256:", 7);
	dw_base64_encode(sha256, 32, DW_BASE64_NOPAD, out + 7);
}

int dw_store__host_key_matches(const unsigned char sha256[32], const char *pinned)
{
	char fp[STORE_FINGERPRINT_MAX];
	size_t len;

	if (!pinned)
		return 0;
	dw_store__ssh_fingerprint(sha256, fp);
	/* ssh-keygen prints no padding; accept a pasted "=" anyway */
	len = strlen(pinned);
	while (len > 0 && pinned[len - 1] == '=')
		len--;
	return len == strlen(fp) && memcmp(fp, pinned, len) == 0;
}

int dw_store__remote_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	struct store_remote_ctx *ctx = payload;
	git_cert_hostkey *hk;
	char seen[STORE_FINGERPRINT_MAX] = "(no SHA-256 fingerprint)";

	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return valid ? 0 : -1; /* TLS: the system's verification decides */
	hk = (git_cert_hostkey *)cert;
	if ((hk->type & GIT_CERT_SSH_SHA256) &&
	    dw_store__host_key_matches(hk->hash_sha256, ctx->remote->host_key))
		return 0;
	if (hk->type & GIT_CERT_SSH_SHA256)
		dw_store__ssh_fingerprint(hk->hash_sha256, seen);
	ctx->host_key_refused = 1;
	dw_error_set(ctx->err, -EPERM, DW_AREA_GIT, 0,
	             "%s: ssh host key %s is not the pinned remote_host_key %s", host, seen,
	             ctx->remote->host_key ? ctx->remote->host_key : "(none)");
	return GIT_ECERTIFICATE;
}

int dw_store__remote_credentials(git_credential **out, const char *url, const char *user_from_url,
                                 unsigned int allowed, void *payload)
{
	struct store_remote_ctx *ctx = payload;

	(void)url;
	/* libgit2 asks again after a refusal: one try, then fail */
	if (ctx->credential_tries++ > 0 || !(allowed & GIT_CREDENTIAL_SSH_KEY) ||
	    !ctx->remote->ssh_key)
		return GIT_PASSTHROUGH;
	return git_credential_ssh_key_new(out, user_from_url ? user_from_url : "git", NULL,
	                                  ctx->remote->ssh_key, NULL);
}

static int update_reference(const char *refname, const char *status, void *payload)
{
	struct store_remote_ctx *ctx = payload;

	if (status && !ctx->rejected[0])
		snprintf(ctx->rejected, sizeof(ctx->rejected), "%s (%s)", refname, status);
	return 0;
}

static int is_ssh(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');

	if (!strncmp(url, "ssh://", 6) || !strncmp(url, "git+ssh://", 10) ||
	    !strncmp(url, "ssh+git://", 10))
		return 1;
	/* scp-like user@host:path */
	return colon && strstr(url, "://") == NULL && (!slash || colon < slash) && colon != url;
}

static int make_refspecs(const char *const *refs, size_t n, git_strarray *out)
{
	size_t i;

	out->strings = calloc(n ? n : 1, sizeof(char *));
	if (!out->strings)
		return -ENOMEM;
	out->count = n;
	for (i = 0; i < n; i++) {
		size_t len = 2 * strlen(refs[i]) + 2;

		out->strings[i] = malloc(len);
		if (!out->strings[i])
			return -ENOMEM;
		/* no '+': the remote keeps anything our branch does not descend from */
		snprintf(out->strings[i], len, "%s:%s", refs[i], refs[i]);
	}
	return 0;
}

static void free_refspecs(git_strarray *a)
{
	size_t i;

	for (i = 0; a->strings && i < a->count; i++)
		free(a->strings[i]);
	free(a->strings);
}

int dw_store__remote_check(const struct dw_store_remote *remote, const char *what,
                           struct dw_error *err)
{
	if (!remote->url || !*remote->url)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "no remote to %s", what);
	if (is_ssh(remote->url) && (!remote->host_key || strncmp(remote->host_key, "SHA256:", 7)))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "%s: an ssh remote needs remote_host_key (SHA256:..., as "
		                    "ssh-keygen -lf prints it)",
		                    remote->url);
	return 0;
}

static int check_args(const struct dw_store_remote *remote, const char *const *refs, size_t n,
                      struct dw_error *err)
{
	size_t i;
	int r;

	if ((r = dw_store__remote_check(remote, "push to", err)) < 0)
		return r;
	for (i = 0; i < n; i++)
		if (strncmp(refs[i], "refs/heads/", 11) || !git_reference_is_valid_name(refs[i]))
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
			                    "'%s' is not a branch to push", refs[i]);
	return 0;
}

/*
 * The remote exactly as configured: no url.<base>.insteadOf rewriting from
 * the repository's config (we never write one, and the lookup leaks pcre2
 * match data in Debian's libgit2 1.5, which ASan rightly reports), and no
 * default fetch refspec (pushes and fetches name their refspecs).
 */
int dw_store__remote_create(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options opts = GIT_REMOTE_CREATE_OPTIONS_INIT;

	opts.repository = repo;
	opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &opts);
}
int dw_store_push(struct dw_store *store, const struct dw_store_remote *remote,
                  const char *const *refs, size_t nrefs, struct dw_error *err)
{
	git_push_options opts = GIT_PUSH_OPTIONS_INIT;
	struct store_remote_ctx ctx = { .remote = remote, .err = err };
	git_strarray specs = { 0 };
	git_remote *r = NULL;
	int rc, ret;

	if ((ret = check_args(remote, refs, nrefs, err)) < 0)
		return ret;
	if (make_refspecs(refs, nrefs, &specs) < 0) {
		ret = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	opts.callbacks.certificate_check = dw_store__remote_certificate;
	opts.callbacks.credentials = dw_store__remote_credentials;
	opts.callbacks.push_update_reference = update_reference;
	opts.callbacks.payload = &ctx;
	if ((rc = dw_store__remote_create(&r, store->repo, remote->url)) < 0 ||
	    (rc = git_remote_push(r, &specs, &opts)) < 0) {
		ret = ctx.host_key_refused
		              ? -EPERM
		              : dw_store__git_error(err, rc, "push to %s failed", remote->url);
		goto out;
	}
	ret = ctx.rejected[0] ? dw_error_set(err, -EPERM, DW_AREA_GIT, 0, "%s rejected %s",
	                                     remote->url, ctx.rejected)
	                      : dw_store__record_push(store, refs, nrefs, err);
out:
	git_remote_free(r);
	free_refspecs(&specs);
	return ret;
}
