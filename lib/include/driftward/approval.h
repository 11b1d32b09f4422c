/*
 * Approval (DESIGN.md section 7): a commit is approved when it is reachable
 * from the approved ref (fetched fresh from the remote when there is one, so
 * that a local branch nobody merged cannot approve itself) and, when
 * signatures are required, carries a git SSH signature that git verify-commit
 * with gpg.ssh.allowedSignersFile would call good.
 *
 * restore's apply and `driftward verify` both ask dw_approval_verify; the
 * caller prints the verdict and its reason.
 */
#ifndef DRIFTWARD_APPROVAL_H
#define DRIFTWARD_APPROVAL_H

#include "driftward/error.h"
#include "driftward/sshsig.h"
#include "driftward/store.h"

/* Where a fetched approved ref is kept: outside refs/heads/, so no one commits to it. */
#define DW_APPROVAL_FETCHED_REF "refs/driftward/approved"

struct dw_approval_options {
	const char *approved_ref;             /* "refs/heads/main" */
	const struct dw_store_remote *remote; /* NULL: judge the local ref */
	int require_signed;
	const char *allowed_signers; /* path; needed when require_signed */
};

enum dw_approval_verdict {
	DW_APPROVAL_GOOD,            /* approved */
	DW_APPROVAL_UNMERGED,        /* not reachable from the approved ref */
	DW_APPROVAL_UNSIGNED,        /* no signature, and one is required */
	DW_APPROVAL_UNKNOWN_KEY,     /* signed by a key allowed_signers does not list */
	DW_APPROVAL_WRONG_NAMESPACE, /* signed for another namespace than "git", or the key's
	                                namespaces= leaves git out */
	DW_APPROVAL_EXPIRED_KEY,     /* the key is listed, but not valid at the commit's time */
	DW_APPROVAL_BAD_SIGNATURE,   /* the signature does not match the content (tampered) */
	DW_APPROVAL_UNSUPPORTED,     /* a signature that is malformed or of a refused kind */
};

struct dw_approval {
	enum dw_approval_verdict verdict;
	char commit[DW_STORE_ID_HEX];
	char approved_tip[DW_STORE_ID_HEX]; /* the approved ref's commit it was judged against */
	const char *approved_ref;           /* the ref that was read (the fetched one, or local) */
	int signature_checked;              /* 0 when require_signed is false */
	char principal[256];                /* the allowed signer, when the key was found */
	char key_kind[8];                   /* "ED25519", "ECDSA", "RSA"; empty when unsigned */
	char fingerprint[DW_SSHSIG_FINGERPRINT_MAX];
	char reason[512]; /* one line, for people */
};

/*
 * Judges @rev (NULL: the approved ref's tip) in @store. Returns 0 with the
 * verdict in @out (DW_APPROVAL_GOOD or why not), or a negative errno when it
 * could not be judged at all (no such commit, the remote unreachable, the
 * allowed signers file malformed), with @err set: never approved then.
 */
int dw_approval_verify(struct dw_store *store, const struct dw_approval_options *opts,
                       const char *rev, struct dw_approval *out, struct dw_error *err);

/*
 * The same for the deployment @cfg describes: opens its state repository and
 * takes approved_ref, remote (with its host key and ssh key), require_signed
 * and allowed_signers from the [agent] section.
 */
struct dw_agent_config;
/* dw_approval_verify with the [agent] section's approved_ref, remote and signing rules. */
int dw_approval_verify_agent(struct dw_store *store, const struct dw_agent_config *agent,
                             const char *rev, struct dw_approval *out, struct dw_error *err);

struct dw_config;
int dw_approval_check(const struct dw_config *cfg, const char *rev, struct dw_approval *out,
                      struct dw_error *err);

/* "good", "unmerged", "unsigned", "unknown key", "wrong namespace", ... */
const char *dw_approval_verdict_name(enum dw_approval_verdict v);

#endif
