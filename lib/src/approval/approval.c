/*
 * Is a commit approved? Reachable from the approved ref (the remote's, when
 * there is one), and when signatures are required, signed as git
 * verify-commit with gpg.ssh.allowedSignersFile checks it: the key listed in
 * allowed_signers, valid at the committer time, for namespace "git", and the
 * signature matching the commit's content. The steps and their messages
 * follow ssh-keygen -Y find-principals / -Y verify, which git runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "approval/internal.h"
#include "driftward/approval.h"
#include "driftward/crypto.h"

const char *dw_approval_verdict_name(enum dw_approval_verdict v)
{
	static const char *const names[] = {
		[DW_APPROVAL_GOOD] = "good",
		[DW_APPROVAL_UNMERGED] = "unmerged",
		[DW_APPROVAL_UNSIGNED] = "unsigned",
		[DW_APPROVAL_UNKNOWN_KEY] = "unknown key",
		[DW_APPROVAL_WRONG_NAMESPACE] = "wrong namespace",
		[DW_APPROVAL_EXPIRED_KEY] = "expired key",
		[DW_APPROVAL_BAD_SIGNATURE] = "bad signature",
		[DW_APPROVAL_UNSUPPORTED] = "unsupported signature",
	};

	return (unsigned)v < DW_ARRAY_SIZE(names) ? names[v] : "unknown";
}

static void judge(struct dw_approval *out, enum dw_approval_verdict v, const char *fmt, ...)
        DW_PRINTF(3, 4);

static void judge(struct dw_approval *out, enum dw_approval_verdict v, const char *fmt, ...)
{
	va_list ap;

	out->verdict = v;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* The first of the line's principals that its own pattern list accepts, as git picks it. */
static int pick_principal(const struct approval_signer *s, char *out, size_t outlen)
{
	const char *p = s->principals;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len > 0 && len < outlen) {
			memcpy(out, p, len);
			out[len] = '\0';
			if (dw_approval__match_list(out, s->principals) == 1)
				return 0;
		}
		p += len + (p[len] == ',');
	}
	out[0] = '\0';
	return -ENOENT;
}

static int same_key(const struct approval_signer *s, const struct dw_sshsig *sig)
{
	size_t len;
	const unsigned char *key = dw_sshsig_key(sig, &len);

	return s->keylen == len && dw_crypto_memcmp(s->key, key, len) == 0;
}

static void utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "@%lld", (long long)t);
}

/* The key's validity does not cover @when, the committer date git judges it at. */
static void expired(struct dw_approval *out, const struct approval_signer *s, int64_t when,
                    const char *path)
{
	char at[32], limit[32];
	int early = when < s->valid_after;

	utc(when, at);
	utc(early ? s->valid_after : s->valid_before, limit);
	judge(out, DW_APPROVAL_EXPIRED_KEY, "%s:%u: %s: committer date %s %s %s %s", path, s->line,
	      early ? "the key is not yet valid" : "the key has expired", at, early ? "<" : ">",
	      early ? "valid-after" : "valid-before", limit);
}

/*
 * The allowed signer for @sig's key at time @when, as ssh-keygen looks it up:
 * the first line with the key that is valid then, lets "git" in and has a
 * principal. What the last refusing line said is left in @out.
 */
static const struct approval_signer *find_signer(const struct dw_approval__signers *signers,
                                                 const struct dw_sshsig *sig, int64_t when,
                                                 const char *path, struct dw_approval *out)
{
	size_t i;

	judge(out, DW_APPROVAL_UNKNOWN_KEY, "the signing key (%s %s) is not in %s",
	      dw_sshsig_key_kind(sig), out->fingerprint, path);
	for (i = 0; i < signers->n; i++) {
		const struct approval_signer *s = &signers->items[i];

		if (!same_key(s, sig))
			continue;
		if (when < s->valid_after || when > s->valid_before) {
			expired(out, s, when, path);
		} else if (s->namespaces && dw_approval__match_list("git", s->namespaces) != 1) {
			judge(out, DW_APPROVAL_WRONG_NAMESPACE,
			      "%s:%u: the key is not allowed to sign in namespace \"git\"", path,
			      s->line);
		} else if (pick_principal(s, out->principal, sizeof(out->principal)) < 0) {
			judge(out, DW_APPROVAL_UNKNOWN_KEY, "%s:%u: no principal matched", path,
			      s->line);
		} else {
			return s;
		}
	}
	return NULL;
}

static int check_signature(const struct dw_store_signed *c, const char *signers_path,
                           struct dw_approval *out, struct dw_error *err)
{
	struct dw_approval__signers signers = { 0 };
	struct dw_sshsig *sig = NULL;
	struct dw_error why;
	int r;

	dw_error_clear(&why);
	if ((r = dw_approval__signers_load(signers_path, &signers, err)) < 0)
		return r;
	if (c->signature.len == 0) {
		judge(out, DW_APPROVAL_UNSIGNED, "the commit is not signed");
	} else if (dw_sshsig_parse(dw_buf_cstr(&c->signature), c->signature.len, &sig, &why) < 0) {
		judge(out, DW_APPROVAL_UNSUPPORTED, "%s", why.msg);
	} else {
		snprintf(out->key_kind, sizeof(out->key_kind), "%s", dw_sshsig_key_kind(sig));
		dw_sshsig_fingerprint(sig, out->fingerprint);
		if (strcmp(dw_sshsig_namespace(sig), "git") != 0)
			judge(out, DW_APPROVAL_WRONG_NAMESPACE,
			      "signed for namespace \"%s\", not \"git\"", dw_sshsig_namespace(sig));
		else if (!find_signer(&signers, sig, c->committer_time, signers_path, out))
			; /* judged there */
		else if (dw_sshsig_verify(sig, c->payload.ptr, c->payload.len, &why) < 0)
			judge(out, DW_APPROVAL_BAD_SIGNATURE, "%s", why.msg);
		else
			judge(out, DW_APPROVAL_GOOD, "good \"git\" signature for %s with %s key %s",
			      out->principal, out->key_kind, out->fingerprint);
	}
	dw_sshsig_free(sig);
	dw_approval__signers_release(&signers);
	return 0;
}

/* The ref approval is judged against: fetched from the remote into our own ref, or local. */
static int approved_ref(struct dw_store *store, const struct dw_approval_options *opts,
                        struct dw_approval *out, struct dw_error *err)
{
	int r;

	out->approved_ref = opts->approved_ref;
	if (opts->remote) {
		r = dw_store_fetch(store, opts->remote, opts->approved_ref, DW_APPROVAL_FETCHED_REF,
		                   err);
		if (r < 0)
			return r;
		out->approved_ref = DW_APPROVAL_FETCHED_REF;
	}
	return dw_store_resolve(store, out->approved_ref, out->approved_tip, err);
}

static int check_options(const struct dw_approval_options *opts, struct dw_error *err)
{
	if (!opts->approved_ref || strncmp(opts->approved_ref, "refs/", 5) != 0)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "approved_ref must be a full ref name (refs/heads/main)");
	if (opts->require_signed && !opts->allowed_signers)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "require_signed = true needs allowed_signers");
	return 0;
}

int dw_approval_verify(struct dw_store *store, const struct dw_approval_options *opts,
                       const char *rev, struct dw_approval *out, struct dw_error *err)
{
	struct dw_store_signed c;
	int reachable = 0, r;

	memset(out, 0, sizeof(*out));
	dw_store_signed_init(&c);
	if ((r = check_options(opts, err)) < 0 || (r = approved_ref(store, opts, out, err)) < 0 ||
	    (r = dw_store_commit_signed(store, rev ? rev : out->approved_ref, &c, err)) < 0 ||
	    (r = dw_store_reachable(store, c.id, out->approved_ref, &reachable, err)) < 0)
		goto out;
	memcpy(out->commit, c.id, sizeof(out->commit));
	if (!reachable) {
		/* the remote's URL stays out: it may carry a token */
		judge(out, DW_APPROVAL_UNMERGED, "not merged: not reachable from %s%s (at %.12s)",
		      opts->approved_ref, opts->remote ? " on the remote" : "", out->approved_tip);
	} else if (!opts->require_signed) {
		judge(out, DW_APPROVAL_GOOD, "merged into %s; signatures not required",
		      opts->approved_ref);
	} else {
		out->signature_checked = 1;
		r = check_signature(&c, opts->allowed_signers, out, err);
	}
out:
	dw_store_signed_release(&c);
	return r;
}
