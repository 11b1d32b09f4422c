/*
 * Restore (DESIGN.md section 7): put back what the approved desired state
 * says, and nothing else.
 *
 * A plan compares desired/<tenant>/<collector>/<object>.json in an approved
 * commit with the tenant as it is now (a fresh read through the tenant
 * session) and lists the exact requests that would make them equal. The
 * plan file shows every secret masked; the bodies that go to Graph, with the
 * secrets decrypted, exist only in memory, so apply makes the plan again
 * from the same commit against a fresh read and sends only when that gives
 * the same plan (same tenant state, same requests, same hash).
 *
 * Ownership: a plan owns all its strings; dw_restore_plan_free wipes the
 * bodies that hold secrets.
 */
#ifndef DRIFTWARD_RESTORE_H
#define DRIFTWARD_RESTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "driftward/buf.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/error.h"
#include "driftward/json.h"
#include "driftward/session.h"
#include "driftward/snapshot.h"
#include "driftward/store.h"

/* The masked stand-in for a secret value in plan files, diffs and audit records. */
#define DW_RESTORE_MASK "<secret>"

/* The largest plan file apply reads. */
#define DW_RESTORE_PLAN_MAX (256u << 20)

/* sha256 in lower-case hex, with the NUL */
#define DW_RESTORE_HASH_HEX 65

enum dw_restore_flags {
	DW_RESTORE_ALLOW_CREATE = 1 << 0, /* POST objects desired state has and the tenant lacks */
	DW_RESTORE_ALLOW_DELETE = 1 << 1, /* DELETE what a collector with _complete does not list */
	DW_RESTORE_CA_REPORT_ONLY = 1 << 2, /* restored CA policies: enabledForReporting... */
};

enum dw_restore_action {
	DW_RESTORE_UPDATE = 0,
	DW_RESTORE_CREATE,
	DW_RESTORE_DELETE,
};

/* "update", "create", "delete" */
const char *dw_restore_action_name(enum dw_restore_action action);

struct dw_restore_request {
	char *collector;
	char *id;                      /* the object's key; the collector's name for a singleton */
	enum dw_restore_action action; /* what it does */
	const char *method;            /* "PATCH", "PUT", "POST", "DELETE" (static) */
	char *api_version;
	char *path;         /* the URL path below the version, from the restore_path template */
	char *body;         /* canonical JSON with secrets masked; NULL for a delete */
	char *old;          /* the tenant's value now, masked; NULL for a create */
	struct dw_buf send; /* the body sent, secrets in plaintext (wiping buffer); empty when
	                     * the plan was read from a file */
	char *intent;       /* canonical JSON the object must read back as after the write (with
	                     * secrets as their sha256), for the re-read; NULL for a delete */
	size_t diff_lines;
};

struct dw_restore_plan {
	char *tenant;
	char commit[DW_STORE_ID_HEX];           /* the approved commit it was made from */
	char tenant_state[DW_RESTORE_HASH_HEX]; /* what the tenant looked like, hashed */
	char hash[DW_RESTORE_HASH_HEX];         /* over the plan's canonical content */
	unsigned flags;                         /* enum dw_restore_flags */
	struct dw_restore_request *requests;
	size_t count, alloc;
	size_t skipped_create, skipped_delete; /* what the flags kept out */
	struct dw_buf diff;                    /* a readable per-object diff, secrets masked */
};

void dw_restore_plan_free(struct dw_restore_plan *plan);

/*
 * Expands a restore_path template: "{path}" is the collector's Graph path,
 * "{id}" the object's key, percent-encoded as a path segment. NULL: the
 * default, "{path}/{id}" (or "{path}" for a singleton). Any other "{...}" or
 * a lone brace is -EINVAL.
 */
int dw_restore_expand(const char *tmpl, const char *path, const char *id, struct dw_buf *out,
                      struct dw_error *err);

/*
 * Turns a desired object (a value of @doc, changed in place) into the body a
 * write sends: the catalog's and the collector's volatile keys and the
 * collector's read_only properties left out, @odata.type kept, and with
 * DW_RESTORE_CA_REPORT_ONLY a Conditional Access policy's state set to
 * enabledForReportingButNotEnforced.
 */
int dw_restore_body(const struct dw_catalog *catalog, const struct dw_collector *c, unsigned flags,
                    struct dw_json_doc *doc, struct dw_json *obj, struct dw_error *err);

/* The order collectors are written in: each after those its restore_after names. */
int dw_restore_order(const struct dw_collector **collectors, size_t n, struct dw_error *err);

struct dw_restore_options {
	const char *at; /* the approved commit (any revision); NULL: approved_ref's tip */
	unsigned flags; /* enum dw_restore_flags */
};

/*
 * Makes the plan for the session's tenant. The session must have been
 * opened with DW_SESSION_GRAPH | DW_SESSION_STORE from a context that has
 * the agent key (secret fields are decrypted in memory). Runs the context's
 * Graph loop.
 */
int dw_restore_plan_make(const struct dw_session_context *ctx, struct dw_session *s,
                         const struct dw_restore_options *o, struct dw_restore_plan **out,
                         struct dw_error *err);

/* The plan file: canonical JSON, secrets masked, with its own hash. */
int dw_restore_plan_write(const struct dw_restore_plan *plan, struct dw_buf *out,
                          struct dw_error *err);

/*
 * Reads a plan file; -EBADMSG when its hash does not match its content or a
 * member is missing or wrong (@err says which).
 */
int dw_restore_plan_read(const char *data, size_t len, struct dw_restore_plan **out,
                         struct dw_error *err);

/*
 * The approval verdict on @commit (driftward/approval.h): 0 when approved,
 * -EPERM with the verdict and its reason when not: reachable from
 * approved_ref (fetched fresh from the remote when there is one) and, with
 * require_signed, signed by a key in allowed_signers.
 */
int dw_restore_approved(struct dw_store *store, const struct dw_agent_config *agent,
                        const char *commit, struct dw_error *err);

enum dw_restore_status {
	DW_RESTORE_PENDING = 0, /* not sent */
	DW_RESTORE_APPLIED,     /* sent, and the re-read shows the intended value */
	DW_RESTORE_FAILED,      /* refused by Graph, or the re-read differs */
};

struct dw_restore_result {
	enum dw_restore_status status;
	long http_status;
	char detail[256]; /* why it failed; no secrets */
	char *new_value;  /* the re-read value, masked; NULL when not read */
};

struct dw_restore_report {
	char commit[DW_STORE_ID_HEX]; /* the audit commit ("" none) */
	size_t applied, failed;
	struct dw_restore_result *results; /* one per request of the plan */
	size_t count;
};

void dw_restore_report_free(struct dw_restore_report *report);

/*
 * Applies @plan (as read from its file) to the session's tenant, which must
 * be the plan's: refuses (-EPERM) a read_only tenant or a commit that is not
 * approved, and (-ESTALE) a plan whose tenant changed since it was made or
 * that the commit no longer gives; then sends the requests in order, each
 * once, re-reads every object written, stops at the first failure unless
 * @keep_going, and commits the outcome to the tenant's branch
 * (DW_RESTORE_AUDIT_FILE and the commit's trailers). Returns 0 when every
 * request applied, -EIO when one failed (*@out says which), another negative
 * code when it refused or broke.
 */
int dw_restore_apply(const struct dw_session_context *ctx, struct dw_session *s,
                     const struct dw_restore_plan *plan, bool keep_going, const char *who,
                     struct dw_restore_report **out, struct dw_error *err);

/* --- Remediation by the timer agent (remediate = plan | apply) --- */

/* What remediation did for a tenant in a run (a label value: dw_restore_outcome_name). */
enum dw_restore_outcome {
	DW_REMEDIATE_NOT_RUN =
	        0,            /* remediate = off, or the tenant's snapshot failed or was skipped */
	DW_REMEDIATE_NOTHING, /* no failing finding, or a plan with no request */
	DW_REMEDIATE_PLANNED, /* remediate = plan: a plan with requests, on the branch */
	DW_REMEDIATE_APPLIED, /* remediate = apply: every request applied */
	DW_REMEDIATE_REFUSED, /* not approved, read_only, stale: nothing was sent */
	DW_REMEDIATE_FAILED,  /* a request failed, or the plan or apply could not be done */
	DW_REMEDIATE_OUTCOMES
};

/* "none", "nothing", "planned", "applied", "refused", "failed". */
const char *dw_restore_outcome_name(enum dw_restore_outcome outcome);

struct dw_restore_remediation {
	const char *tenant; /* borrowed from the configuration */
	int mode;           /* enum dw_remediate */
	enum dw_restore_outcome outcome;
	size_t requests;                       /* in the plan */
	size_t applied, failed;                /* apply: requests sent that held, that failed */
	size_t skipped_create, skipped_delete; /* what the plan left out (no flags for them) */
	char approved[DW_STORE_ID_HEX];        /* the approved commit planned from ("" none) */
	char commit[DW_STORE_ID_HEX];          /* the plan's or the audit's commit ("" none) */
	bool committed;                        /* remediation committed to the branch: push it */
	bool snapshot_committed;               /* apply: the snapshot after it changed the branch */
	bool plan_dropped;                     /* a plan left from before was removed (a commit) */
	size_t drift_after; /* apply: failing findings the snapshot after found */
	int rc;             /* 0, or why it was refused or failed (@err) */
	struct dw_error err;
};

/* One line for the run's summary, e.g. "plan: 3 requests" or "applied 3 of 3". */
const char *dw_restore_remediation_describe(const struct dw_restore_remediation *rm, char *out,
                                            size_t outlen);

struct dw_restore_remediator;

/*
 * What a run needs to remediate its tenants after their snapshots: the key
 * and a Graph loop, made when the first tenant needs them. @who goes to the
 * audit commits, which only compact the store's packs (the run's snapshots
 * had their turn to roll up, and gc --auto has the next). Borrows @cfg and
 * @catalog.
 */
int dw_restore_remediator_new(const struct dw_config *cfg, const struct dw_catalog *catalog,
                              const char *who, struct dw_restore_remediator **out,
                              struct dw_error *err);
void dw_restore_remediator_free(struct dw_restore_remediator *m);

/*
 * Remediates one tenant after its snapshot @t (as dw_snapshot_run reported
 * it) by its remediate mode. Nothing happens with remediate = off, when the
 * snapshot failed, or when its drift report has no failing finding (plan
 * mode then removes a plan left from before). Otherwise a plan is made from
 * the approved ref's tip against a fresh read of the collectors desired
 * state names: plan mode commits it as DW_RESTORE_PLAN_FILE and
 * DW_RESTORE_PLAN_MD (a commit only when it changed); apply mode applies it
 * as dw_restore_apply does (approval checked, read_only refused, audit
 * commit), takes a fresh snapshot of the tenant and removes a plan left by
 * remediate = plan. Nothing is pushed: see
 * dw_restore_remediate_push. The outcome, and why it was refused or failed,
 * is in @out; the return is @out->rc.
 */
int dw_restore_remediate(struct dw_restore_remediator *m, const struct dw_snapshot_tenant *t,
                         struct dw_restore_remediation *out);

/*
 * Pushes, in one push, the branches of the tenants remediation committed
 * to (none: nothing is sent). Needs agent.remote.
 */
int dw_restore_remediate_push(struct dw_restore_remediator *m, struct dw_error *err);

#endif
