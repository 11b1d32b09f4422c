/* What the files of lib/src/propose share: the proposal being built. */
#ifndef DW_PROPOSE_INTERNAL_H
#define DW_PROPOSE_INTERNAL_H

#include "driftward/json.h"
#include "driftward/propose.h"

struct propose {
	const struct dw_config *cfg;
	const struct dw_catalog *catalog;
	const struct dw_tenant_config *tenant;
	const struct dw_propose_options *o;
	struct dw_store *store;
	struct dw_store_tx *tx;
	struct dw_proposal *p;
	struct dw_diags *diags;
	struct dw_buf trailers;     /* "Key: value\n" lines, added to the commit message */
	struct dw_json_doc *report; /* accept: the drift report being accepted */
};

/* Stages the snapshot o->restore_to as desired state (lib/src/propose/restore.c). */
int dw_propose__restore(struct propose *P, struct dw_error *err);

/*
 * Judges the tenant's snapshot into P->report (accept.c) and counts the
 * failing findings selected in *@n, before any branch is begun.
 */
int dw_propose__judge(struct propose *P, size_t *n, struct dw_error *err);

/* Stages waivers and desired objects for the findings of P->report (accept.c). */
int dw_propose__accept(struct propose *P, struct dw_error *err);

/* The topic when none was given: restore-<commit> / accept-<commit>. */
void dw_propose__default_topic(const struct propose *P, char *out, size_t len);

/* Appends a waiver document (docs/baselines.md) to @out; strings are quoted. */
struct propose_waiver {
	const char *rule, *tenant, *object, *rationale, *owner, *expires;
};
int dw_propose__waiver_yaml(struct dw_buf *out, const struct propose_waiver *w);

/* Appends @s as a YAML double-quoted scalar; -EINVAL for a string that is not UTF-8. */
int dw_propose__yaml_quote(struct dw_buf *out, const char *s);

/* @in with every byte outside [A-Za-z0-9._-] as '_', for a file name part. */
void dw_propose__file_part(const char *in, char *out, size_t len);

/* 0 for a real date YYYY-MM-DD not before @now's day; -EINVAL, or -ERANGE when past. */
int dw_propose__date_valid(const char *s, int64_t now);

/* A trailer line for the commit message. */
int dw_propose__trailer(struct propose *P, const char *key, const char *value);

#endif
