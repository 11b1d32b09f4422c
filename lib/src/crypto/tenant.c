/*
 * Tenant credentials at rest: each tenant's secret_file is an age file
 * encrypted to the agent key's recipient and the configured extra recipients.
 * Secret files are small (a client secret, a PEM key), so they are handled
 * whole, in memory that is wiped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/internal.h"
#include "driftward/file.h"
#include "driftward/keyfile.h"
#include "driftward/log.h"

#define SECRET_FILE_MODE 0600
/* an age file of the largest secret, armored, with a few recipients */
#define SECRET_FILE_MAX (2 * DW_TENANT_SECRET_MAX + 64 * 1024)

static int add_list(struct dw_age_recipients *r, const struct dw_strlist *list,
                    struct dw_error *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < list->count; i++)
		rc = dw_age_recipients_add(r, list->items[i], err);
	return rc;
}

int dw_tenant_recipients(const struct dw_config *cfg, const struct dw_tenant_config *tenant,
                         const struct dw_age_identities *key, struct dw_age_recipients **out,
                         struct dw_error *err)
{
	struct dw_age_recipients *r = NULL;
	int rc = dw_age_recipients_new(&r);

	if (rc == 0)
		rc = dw_age_recipients_add_identities(r, key);
	if (rc == 0 && dw_age_recipients_count(r) == 0)
		rc = dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0,
		                  "the key file holds no X25519 key");
	if (rc == 0)
		rc = add_list(r, &cfg->agent.extra_recipients, err);
	if (rc == 0)
		rc = add_list(r, &tenant->extra_recipients, err);
	if (rc < 0) {
		dw_error_prefix(err, "tenant %s: ", tenant->name);
		dw_age_recipients_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int dw_tenant_secret_decrypt(const struct dw_tenant_config *tenant,
                             const struct dw_age_identities *key, struct dw_secret **out,
                             struct dw_error *err)
{
	struct dw_buf file;
	int r;

	*out = NULL;
	if (!tenant->secret_file)
		return dw_error_set(err, -ENOENT, DW_AREA_CONFIG, 0, "tenant %s has no secret_file",
		                    tenant->name);
	dw_buf_init(&file, SECRET_FILE_MAX);
	r = dw_buf_read_file(&file, tenant->secret_file, err);
	if (r == 0) {
		r = dw_age_decrypt_mem(key, file.ptr, file.len, DW_TENANT_SECRET_MAX, out, err);
		if (r < 0 && !err->file[0] && dw_error_isset(err))
			snprintf(err->file, sizeof(err->file), "%s", tenant->secret_file);
	}
	dw_buf_release(&file);
	return r;
}

/* Encrypts into a temporary file beside the secret file, closed and waiting for its commit. */
static int write_temp(const struct dw_tenant_config *tenant, const struct dw_age_recipients *r,
                      const void *data, size_t len, struct dw_atomic_file *f, struct dw_error *err)
{
	struct dw_buf enc;
	int rc;

	dw_buf_init(&enc, SECRET_FILE_MAX);
	rc = dw_age_encrypt_mem(r, 0, data, len, &enc, err);
	if (rc == 0)
		rc = dw_atomic_file_begin(f, tenant->secret_file, 0600, 0, err);
	if (rc == 0)
		rc = dw_atomic_file_write(f, enc.ptr, enc.len, err);
	if (rc == 0)
		rc = dw_atomic_file_close(f, err);
	dw_buf_release(&enc);
	return rc;
}

int dw_tenant_secret_store(const struct dw_tenant_config *tenant, const struct dw_age_recipients *r,
                           const void *data, size_t len, struct dw_error *err)
{
	struct dw_atomic_file f = DW_ATOMIC_FILE_INIT;
	int rc;

	if (!tenant->secret_file)
		return dw_error_set(err, -ENOENT, DW_AREA_CONFIG, 0, "tenant %s has no secret_file",
		                    tenant->name);
	rc = write_temp(tenant, r, data, len, &f, err);
	if (rc == 0)
		rc = dw_atomic_file_commit(&f, err);
	dw_atomic_file_abort(&f);
	return rc;
}

/* One tenant's re-encryption into a temporary file. */
static int rekey_one(const struct dw_config *cfg, const struct dw_tenant_config *t,
                     const struct dw_age_identities *old_key,
                     const struct dw_age_identities *new_key, struct dw_atomic_file *f,
                     struct dw_error *err)
{
	struct dw_age_recipients *r = NULL;
	struct dw_secret *secret = NULL;
	int rc = dw_tenant_secret_decrypt(t, old_key, &secret, err);

	if (rc == 0)
		rc = dw_tenant_recipients(cfg, t, new_key, &r, err);
	if (rc == 0)
		rc = write_temp(t, r, dw_secret_data(secret), dw_secret_len(secret), f, err);
	if (rc < 0)
		dw_error_prefix(err, "tenant %s: ", t->name);
	dw_age_recipients_free(r);
	dw_secret_free(secret);
	return rc;
}

int dw_tenant_secrets_rekey(const struct dw_config *cfg, const struct dw_age_identities *old_key,
                            const struct dw_age_identities *new_key, struct dw_error *err)
{
	struct dw_atomic_file *files = calloc(cfg->ntenants ? cfg->ntenants : 1, sizeof(*files));
	size_t i;
	int rc = files ? 0 : -ENOMEM;

	if (!new_key)
		new_key = old_key;
	for (i = 0; files && i < cfg->ntenants; i++)
		files[i] = (struct dw_atomic_file)DW_ATOMIC_FILE_INIT;
	for (i = 0; rc == 0 && i < cfg->ntenants; i++)
		rc = rekey_one(cfg, &cfg->tenants[i], old_key, new_key, &files[i], err);
	/* every new file is on disk: only now replace the old ones */
	for (i = 0; rc == 0 && i < cfg->ntenants; i++) {
		rc = dw_atomic_file_commit(&files[i], err);
		if (rc == 0)
			dw_log_info("tenant %s: secret re-encrypted", cfg->tenants[i].name);
	}
	/* what is left was not committed: its temporary file goes */
	for (i = 0; files && i < cfg->ntenants; i++)
		dw_atomic_file_abort(&files[i]);
	free(files);
	return rc;
}
