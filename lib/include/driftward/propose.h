/*
 * Proposals (DESIGN.md sections 2 and 7; docs/approvals.md, docs/restore.md):
 * a branch proposals/<tenant>/<topic> made on top of the approved ref, for
 * people to open a pull request from. It never touches the approved ref.
 *
 * - restore: copies a snapshot of the tenant (any commit of its branch) into
 *   desired/<tenant>/, whole collectors with a _complete file each, so that
 *   once merged `driftward plan` puts the tenant back to that snapshot;
 * - accept drift: makes the tenant's current drift approved: a failing rule
 *   gets a waiver, a desired-state difference becomes the tenant's object as
 *   it is now (or the removal of a desired object the tenant no longer has).
 *
 * The branch is made in the state repository with the identity snapshots
 * use; dw_propose_push sends it to the configured remote.
 */
#ifndef DRIFTWARD_PROPOSE_H
#define DRIFTWARD_PROPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "driftward/buf.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/diag.h"
#include "driftward/error.h"
#include "driftward/store.h"

/* A waiver written without --expires holds this many days from today. */
#define DW_PROPOSE_EXPIRY_DAYS 90

/* The longest topic: one ref component of [A-Za-z0-9._-]. */
#define DW_PROPOSE_TOPIC_MAX 100

struct dw_propose_options {
	const char *tenant;
	/* restore: a commit or ref of the tenant's branch; NULL: accept drift */
	const char *restore_to;
	/* accept drift: only the findings of these rules ("desired-state" for
	 * desired objects); none: every failing finding */
	const char *const *rules;
	size_t nrules;
	const char *owner;   /* the waivers' owner; required when a waiver is written */
	const char *reason;  /* the waivers' rationale; NULL: one naming the proposal */
	const char *expires; /* YYYY-MM-DD; NULL: DW_PROPOSE_EXPIRY_DAYS after @now */
	const char *topic;   /* NULL: restore-<commit> or accept-<snapshot commit> */
	int64_t now;         /* seconds since the epoch: today, for the default expiry */
};

struct dw_proposal {
	/* "proposals/<tenant>/<topic>"; empty when there was nothing to propose */
	char branch[300];
	char commit[DW_STORE_ID_HEX]; /* the branch's commit */
	char base[DW_STORE_ID_HEX];   /* the approved commit it is made on */
	char source[DW_STORE_ID_HEX]; /* the snapshot restored to, or whose drift is accepted */
	char base_ref[128];           /* the ref @base was read from */
	char expires[11];             /* the waivers' expiry, when any was written */
	struct dw_store_changes changes;
	/* for people, one line each: what the proposal does and what it left out */
	struct dw_buf done;    /* "waiver waivers/contoso/x.yaml for rule x (until 2027-03-01)" */
	struct dw_buf skipped; /* "collector x: partial in that snapshot, left out" */
	struct dw_buf files; /* "A desired/contoso/x/y.json": the branch's changes, git's letters */
	size_t accepted;     /* findings accepted */
	size_t open_after;   /* accept: failing findings the tenant would still have once merged */
};

/*
 * Makes the proposal @o asks for. Returns 0 with *@out set (its branch empty
 * when there was nothing to propose: no drift to accept, or desired state
 * already equal to the snapshot), or a negative errno with @err naming what
 * was wrong (no such tenant, commit or open finding; an existing branch:
 * -EEXIST). Rule problems on the approved ref go to @diags.
 */
int dw_propose_make(const struct dw_config *cfg, const struct dw_catalog *catalog,
                    const struct dw_propose_options *o, struct dw_proposal **out,
                    struct dw_diags *diags, struct dw_error *err);

/* Pushes the proposal's branch to agent.remote (which must be set). */
int dw_propose_push(const struct dw_config *cfg, const struct dw_proposal *p, struct dw_error *err);

void dw_proposal_free(struct dw_proposal *p);

/* 0 when @topic can be the last part of a proposal branch's name; -EINVAL otherwise. */
int dw_propose_topic_valid(const char *topic);

/* "YYYY-MM-DD" of @days after @now (UTC) into @out[11]. */
void dw_propose_date(int64_t now, int days, char out[11]);

#endif
