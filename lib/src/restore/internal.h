/* Shared by the parts of restore. */
#ifndef DW_RESTORE_INTERNAL_H
#define DW_RESTORE_INTERNAL_H

#include "driftward/age.h"
#include "driftward/restore.h"

/* What a secret field of a body becomes. */
enum dw_restore__secret_form {
	DW_RESTORE__PLAIN, /* decrypted: the body sent */
	DW_RESTORE__MASK,  /* DW_RESTORE_MASK: plan files, diffs, audit records */
	DW_RESTORE__HASH,  /* "sha256:<hex>" of the plaintext: compared with the tenant's */
};

/* body.c */
int dw_restore__normalise(const struct dw_catalog *catalog, const struct dw_collector *c,
                          struct dw_json_doc *doc, struct dw_json *obj, struct dw_error *err);
/*
 * One object as it is compared, shown or sent: normalised (with @body, as a
 * write would send it: read-only properties left out), secret fields in
 * @form (@key opens desired state's sealed values; NULL: the tenant's,
 * plaintext). Compact JSON appended to @out.
 */
int dw_restore__form(const struct dw_catalog *catalog, const struct dw_collector *c, unsigned flags,
                     const struct dw_json *src, const struct dw_age_identities *key,
                     enum dw_restore__secret_form form, bool body, struct dw_buf *out,
                     struct dw_error *err);
int dw_restore__hash(const void *data, size_t len, char out[DW_RESTORE_HASH_HEX]);

/* plan.c: the members of @intent (compact JSON) that @live (compact JSON) lacks or has
 * otherwise; with @diff, one "    name: old -> new" line each (values from the masked forms). */
int dw_restore__differs(const char *intent, const char *live, const char *masked_new,
                        const char *masked_old, struct dw_buf *diff, size_t *ndiff,
                        struct dw_error *err);

/* planfile.c: the plan's canonical content without its hash, compact. */
int dw_restore__canonical(const struct dw_restore_plan *plan, struct dw_buf *out,
                          struct dw_error *err);
int dw_restore__request_add(struct dw_restore_plan *plan, struct dw_restore_request **out);

/* audit.c: commits @rep's outcome to the tenant's branch (DW_RESTORE_AUDIT_FILE). */
int dw_restore__audit(struct dw_session *s, const struct dw_restore_plan *plan,
                      struct dw_restore_report *rep, const char *who, struct dw_error *err);

/* audit.c: keeps every file of the previous commit (the session's transaction replaces). */
int dw_restore__keep_all(struct dw_store_tx *tx);

/* journal.c: which request of which plan was about to be sent, on disk. */
int dw_restore__journal_path(struct dw_store *store, const char *tenant, char *out, size_t len);
/* -ESTALE when an earlier apply of @plan_hash began sending; removes another plan's journal. */
int dw_restore__journal_check(const char *path, const char *plan_hash, struct dw_error *err);
int dw_restore__journal_write(const char *path, const char *plan_hash, size_t index,
                              const struct dw_restore_request *q, struct dw_error *err);
/* After the audit commit: the apply is complete. */
void dw_restore__journal_end(const char *path);

#endif
