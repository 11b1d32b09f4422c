/*
 * Pushing tenant branches to the remote. Two things libgit2 does not do for
 * us: it accepts any ssh host key unless told otherwise (there is no
 * known_hosts under DynamicUser), so the key is pinned by its SHA-256
 * fingerprint; and git_remote_push returns 0 when the server rejects a ref,
 * so every ref's status is checked.
 *
 * A run pushes all of its branches at once: one connection lists the
 * remote's branches, and every branch of ours that is ahead of the remote's
 * goes in one pack, so a push that failed last time is made up by the next
 * run. A branch the remote refused is tried again after a new listing (a
 * forge refuses a ref it could not lock while another shard pushes), unless
 * the listing shows the remote's branch moved to commits we lack: that is
 * another writer's, and never overwritten.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "driftward/base64.h"
#include "store/push.h"
#include "store/remote.h"

/* Rounds of a push: the first, and retries of branches the remote refused. */
#define STORE_PUSH_ROUNDS 3

/* One branch of a push, from the plan to its outcome. */
struct push_ref {
	const char *name;
	git_oid local, remote;
	int has_remote; /* the remote advertised the branch: @remote is its commit */
	int sending;    /* in the current round's refspecs */
	int retry;      /* refused by the remote: planned again in the next round */
	enum dw_store_push_state state;
	char reason[160];
};

/* The remote callbacks' payload: @base first, so they read it as theirs. */
struct push_ctx {
	struct store_remote_ctx base;
	struct push_ref *refs; /* sorted by name, for the remote's statuses and heads */
	size_t nrefs;
	size_t retries; /* refs the remote refused in this round */
};

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

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct push_ref *)a)->name, ((const struct push_ref *)b)->name);
}

static struct push_ref *find_ref(struct push_ctx *ctx, const char *name)
{
	struct push_ref key = { .name = name };

	return bsearch(&key, ctx->refs, ctx->nrefs, sizeof(*ctx->refs), cmp_ref);
}

/* The remote's verdict on one ref; a refusal is planned again after a new look. */
static int update_reference(const char *refname, const char *status, void *payload)
{
	struct push_ctx *ctx = payload;
	struct push_ref *ref = find_ref(ctx, refname);

	if (!ref || !ref->sending)
		return 0;
	ref->sending = 0;
	if (!status) {
		ref->state = DW_STORE_PUSH_PUSHED;
		return 0;
	}
	ref->state = DW_STORE_PUSH_REJECTED;
	ref->retry = 1;
	snprintf(ref->reason, sizeof(ref->reason), "%s", status);
	ctx->retries++;
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

/* "ref:ref" for every ref planned to be sent; no '+': the remote keeps what we lack. */
static int make_refspecs(struct push_ctx *ctx, git_strarray *out)
{
	size_t i;

	out->strings = calloc(ctx->nrefs ? ctx->nrefs : 1, sizeof(char *));
	if (!out->strings)
		return -ENOMEM;
	for (i = 0; i < ctx->nrefs; i++) {
		const char *name = ctx->refs[i].name;
		size_t len = 2 * strlen(name) + 2;
		char *spec;

		if (!ctx->refs[i].sending)
			continue;
		if (!(spec = malloc(len)))
			return -ENOMEM;
		snprintf(spec, len, "%s:%s", name, name);
		out->strings[out->count++] = spec;
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
/*
 * Up to date, sent, or refused here: a remote branch that is not an ancestor
 * of ours holds commits another writer made, and a push must never drop them.
 */
static void plan_ref(struct push_ref *ref, git_repository *repo)
{
	if (ref->has_remote && git_oid_equal(&ref->local, &ref->remote)) {
		ref->state = DW_STORE_PUSH_UPTODATE;
		return;
	}
	if (ref->has_remote && git_graph_descendant_of(repo, &ref->local, &ref->remote) != 1) {
		ref->state = DW_STORE_PUSH_REJECTED;
		snprintf(ref->reason, sizeof(ref->reason),
		         "the remote's branch has commits this one lacks: not a fast-forward");
		return;
	}
	ref->state = DW_STORE_PUSH_FAILED; /* until the remote says otherwise */
	ref->sending = 1;
}

/* Which refs this round sends, from what the remote just advertised. */
static int plan(struct push_ctx *ctx, git_repository *repo, const git_remote_head **heads,
                size_t nheads, struct dw_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < ctx->nrefs; i++)
		ctx->refs[i].has_remote = 0;
	for (i = 0; i < nheads; i++) {
		struct push_ref *ref = find_ref(ctx, heads[i]->name);

		if (ref) {
			git_oid_cpy(&ref->remote, &heads[i]->oid);
			ref->has_remote = 1;
		}
	}
	for (i = 0; i < ctx->nrefs; i++) {
		struct push_ref *ref = &ctx->refs[i];

		if (ref->state != DW_STORE_PUSH_FAILED && !ref->retry)
			continue;
		ref->retry = 0;
		ref->sending = 0;
		rc = git_reference_name_to_id(&ref->local, repo, ref->name);
		if (rc == GIT_ENOTFOUND) {
			ref->state = DW_STORE_PUSH_ABSENT;
			continue;
		}
		if (rc < 0)
			return dw_store__git_error(err, rc, "could not read %s", ref->name);
		plan_ref(ref, repo);
	}
	return 0;
}

static void set_callbacks(git_remote_callbacks *cb, struct push_ctx *ctx)
{
	cb->certificate_check = dw_store__remote_certificate;
	cb->credentials = dw_store__remote_credentials;
	cb->push_update_reference = update_reference;
	cb->payload = ctx;
}

/*
 * One connection: list the remote's branches (a new look at what moved since
 * the last round), then send every branch of ours that is ahead of the
 * remote's, in one pack and one ref update command list.
 */
static int push_round(struct push_ctx *ctx, git_repository *repo, struct dw_error *err)
{
	git_push_options opts = GIT_PUSH_OPTIONS_INIT;
	const git_remote_head **heads = NULL;
	git_strarray specs = { 0 };
	git_remote *r = NULL;
	size_t nheads = 0;
	int rc, ret = 0;

	set_callbacks(&opts.callbacks, ctx);
	ctx->retries = 0;
	ctx->base.credential_tries = 0; /* one try per connection, and each round connects */
	if ((rc = dw_store__remote_create(&r, repo, ctx->base.remote->url)) < 0 ||
	    (rc = git_remote_connect(r, GIT_DIRECTION_PUSH, &opts.callbacks, NULL, NULL)) < 0 ||
	    (rc = git_remote_ls(&heads, &nheads, r)) < 0)
		goto git_failed;
	if ((ret = plan(ctx, repo, heads, nheads, err)) < 0)
		goto out;
	if ((ret = make_refspecs(ctx, &specs)) < 0) {
		ret = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	if (specs.count > 0 && (rc = git_remote_upload(r, &specs, &opts)) < 0)
		goto git_failed;
	goto out;
git_failed:
	ret = ctx->base.host_key_refused
	              ? -EPERM
	              : dw_store__git_error(err, rc, "push to %s failed", ctx->base.remote->url);
out:
	if (r)
		git_remote_disconnect(r);
	git_remote_free(r);
	free_refspecs(&specs);
	return ret;
}

static int init_refs(struct push_ctx *ctx, const char *const *refs, size_t n)
{
	size_t i;

	ctx->refs = calloc(n ? n : 1, sizeof(*ctx->refs));
	if (!ctx->refs)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ctx->refs[i] = (struct push_ref){ .name = refs[i], .state = DW_STORE_PUSH_FAILED };
	ctx->nrefs = n;
	qsort(ctx->refs, n, sizeof(*ctx->refs), cmp_ref);
	return 0;
}

/* The first refused branch names the reason; the count says how many more. */
static int refusals(struct push_ctx *ctx, struct dw_error *err)
{
	const struct push_ref *first = NULL;
	size_t i, n = 0;

	for (i = 0; i < ctx->nrefs; i++) {
		if (ctx->refs[i].state != DW_STORE_PUSH_REJECTED)
			continue;
		first = first ? first : &ctx->refs[i];
		n++;
	}
	if (!first)
		return 0;
	if (n == 1)
		return dw_error_set(err, -EPERM, DW_AREA_GIT, 0, "%s rejected %s (%s)",
		                    ctx->base.remote->url, first->name, first->reason);
	return dw_error_set(err, -EPERM, DW_AREA_GIT, 0, "%s rejected %zu branches, %s (%s) first",
	                    ctx->base.remote->url, n, first->name, first->reason);
}

/* refs/remotes/driftward/<branch> for every branch the remote now has (status reads it). */
static int record_pushed(struct dw_store *store, const struct push_ctx *ctx, struct dw_error *err)
{
	const char **done = calloc(ctx->nrefs ? ctx->nrefs : 1, sizeof(*done));
	size_t i, n = 0;
	int r;

	if (!done)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	for (i = 0; i < ctx->nrefs; i++)
		if (ctx->refs[i].state == DW_STORE_PUSH_PUSHED ||
		    ctx->refs[i].state == DW_STORE_PUSH_UPTODATE)
			done[n++] = ctx->refs[i].name;
	r = dw_store__record_push(store, done, n, err);
	free(done);
	return r;
}

int dw_store_push_branches(struct dw_store *store, const struct dw_store_remote *remote,
                           const char *const *refs, size_t nrefs, enum dw_store_push_state *states,
                           struct dw_error *err)
{
	struct push_ctx ctx = { .base = { .remote = remote, .err = err } };
	size_t i;
	int round, ret;

	for (i = 0; i < nrefs; i++)
		states[i] = DW_STORE_PUSH_FAILED;
	if ((ret = check_args(remote, refs, nrefs, err)) < 0)
		return ret;
	if (init_refs(&ctx, refs, nrefs) < 0)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	/* a refusal is retried while the remote moved only other branches */
	for (round = 0; round < STORE_PUSH_ROUNDS; round++) {
		ret = push_round(&ctx, store->repo, err);
		if (ret < 0 || ctx.retries == 0)
			break;
	}
	for (i = 0; i < nrefs; i++)
		states[i] = find_ref(&ctx, refs[i])->state;
	if (ret == 0)
		ret = refusals(&ctx, err);
	if (ret == 0)
		ret = record_pushed(store, &ctx, err);
	free(ctx.refs);
	return ret;
}

int dw_store_push(struct dw_store *store, const struct dw_store_remote *remote,
                  const char *const *refs, size_t nrefs, struct dw_error *err)
{
	enum dw_store_push_state *states = calloc(nrefs ? nrefs : 1, sizeof(*states));
	int r;

	if (!states)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	r = dw_store_push_branches(store, remote, refs, nrefs, states, err);
	free(states);
	return r;
}
