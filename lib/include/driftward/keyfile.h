/*
 * The agent's key file and the tenants' encrypted credentials (DESIGN.md
 * section 6).
 *
 * The key file is an age X25519 identity file, as age-keygen writes it. It is
 * refused when group or others may read it. Under systemd the configuration
 * already points key_file at $CREDENTIALS_DIRECTORY/driftward.key when that
 * file exists (dw_config_key_file).
 *
 * A tenant's secret_file is an age file encrypted to the key's recipient and
 * to the configured extra_recipients (agent-wide and the tenant's own). What
 * it holds (a client secret, or a PEM private key) comes back as a struct
 * dw_secret, wiped when freed. Nothing here logs a secret or puts one in an
 * error message.
 */
#ifndef DRIFTWARD_KEYFILE_H
#define DRIFTWARD_KEYFILE_H

#include <stddef.h>

#include "driftward/age.h"
#include "driftward/config.h"
#include "driftward/error.h"
#include "driftward/secret.h"

#define DW_KEYFILE_MAX       (64 * 1024)   /* the largest identity file read */
#define DW_TENANT_SECRET_MAX (1024 * 1024) /* the largest tenant secret (a PEM key and chain) */

/*
 * Reads the identity file @path into a new dw_age_identities in *@out (the
 * caller frees it). -EPERM when group or others have any access to the file
 * (the message says how to fix it), -ENOENT when it does not exist, -EINVAL
 * when it holds no valid identity. The file's bytes are wiped after parsing.
 */
int dw_keyfile_load(const char *path, struct dw_age_identities **out, struct dw_error *err);

/* Like dw_keyfile_load, adding the file's identities to @ids (decrypt -i). */
int dw_keyfile_add(struct dw_age_identities *ids, const char *path, struct dw_error *err);

/*
 * Formats an identity file exactly as age-keygen does: "# created: <RFC 3339
 * local time>", "# public key: age1...", the identity. @out should be a
 * secret buffer (dw_buf_init_secret).
 */
int dw_keyfile_format(struct dw_buf *out, const struct dw_secret *identity, const char *recipient);

/*
 * Generates a key and writes it to @path with mode 0600, never overwriting:
 * -EEXIST when @path exists. The file appears complete or not at all. The
 * recipient goes to @recipient.
 */
int dw_keyfile_create(const char *path, char recipient[DW_AGE_RECIPIENT_MAX], struct dw_error *err);

/*
 * The recipients a tenant's secret is encrypted to: every identity of @key,
 * the agent's extra_recipients and the tenant's. The caller frees *@out.
 */
int dw_tenant_recipients(const struct dw_config *cfg, const struct dw_tenant_config *tenant,
                         const struct dw_age_identities *key, struct dw_age_recipients **out,
                         struct dw_error *err);

/*
 * Decrypts @tenant's secret_file with @key into a new secret in *@out (the
 * caller frees it with dw_secret_free). A run reads the key once
 * (dw_session_context_init) and decrypts each tenant's secret with it.
 */
int dw_tenant_secret_decrypt(const struct dw_tenant_config *tenant,
                             const struct dw_age_identities *key, struct dw_secret **out,
                             struct dw_error *err);

/* Encrypts @len bytes to @r and writes @tenant's secret_file atomically (mode 0600). */
int dw_tenant_secret_store(const struct dw_tenant_config *tenant, const struct dw_age_recipients *r,
                           const void *data, size_t len, struct dw_error *err);

/*
 * Re-encrypts every tenant's secret: decrypted with @old_key, encrypted to
 * the recipients of @new_key (or @old_key when NULL) and the configured extra
 * recipients. All or nothing: every secret is decrypted and every new file
 * written beside its old one before the first is renamed into place; any
 * failure before that leaves every secret file as it was.
 */
int dw_tenant_secrets_rekey(const struct dw_config *cfg, const struct dw_age_identities *old_key,
                            const struct dw_age_identities *new_key, struct dw_error *err);

#endif
