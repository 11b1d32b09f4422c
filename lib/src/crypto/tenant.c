/*
 * Tenant credentials at rest: each tenant's secret_file is an age file
 * encrypted to the agent key's recipient and the configured extra recipients.
 * Secret files are small (a client secret, a PEM key), so they are handled
 * whole, in memory that is wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/internal.h"
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

/* Encrypts into a temporary file beside the secret file; its name goes to @tmp. */
static int write_temp(const struct dw_tenant_config *tenant, const struct dw_age_recipients *r,
                      const void *data, size_t len, char *tmp, size_t tmplen, struct dw_error *err)
{
	struct dw_buf enc;
	int fd, rc;

	if ((size_t)snprintf(tmp, tmplen, "%s.tmp-XXXXXX", tenant->secret_file) >= tmplen)
		return dw_error_at(err, -ENAMETOOLONG, DW_AREA_SYSTEM, tenant->secret_file, 0, 0,
		                   "path too long");
	dw_buf_init(&enc, SECRET_FILE_MAX);
	rc = dw_age_encrypt_mem(r, 0, data, len, &enc, err);
	if (rc < 0)
		goto out;
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		rc = dw_error_at(err, -errno, DW_AREA_SYSTEM, tmp, 0, 0, "could not create: %s",
		                 strerror(errno));
		goto out;
	}
	if (write(fd, enc.ptr, enc.len) != (ssize_t)enc.len || fsync(fd) < 0)
		rc = dw_error_at(err, -EIO, DW_AREA_SYSTEM, tmp, 0, 0, "could not write: %s",
		                 strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = dw_error_at(err, -EIO, DW_AREA_SYSTEM, tmp, 0, 0, "could not write");
	if (rc < 0)
		unlink(tmp);
out:
	dw_buf_release(&enc);
	return rc;
}

static int rename_into_place(const char *tmp, const char *path, struct dw_error *err)
{
	int e;

	if (rename(tmp, path) == 0)
		return 0;
	e = errno;
	unlink(tmp);
	return dw_error_at(err, -e, DW_AREA_SYSTEM, path, 0, 0, "could not replace: %s",
	                   strerror(e));
}

int dw_tenant_secret_store(const struct dw_tenant_config *tenant, const struct dw_age_recipients *r,
                           const void *data, size_t len, struct dw_error *err)
{
	char tmp[PATH_MAX];
	int rc;

	if (!tenant->secret_file)
		return dw_error_set(err, -ENOENT, DW_AREA_CONFIG, 0, "tenant %s has no secret_file",
		                    tenant->name);
	rc = write_temp(tenant, r, data, len, tmp, sizeof(tmp), err);
	if (rc == 0)
		rc = rename_into_place(tmp, tenant->secret_file, err);
	return rc;
}

/* One tenant's re-encryption into a temporary file. */
static int rekey_one(const struct dw_config *cfg, const struct dw_tenant_config *t,
                     const struct dw_age_identities *old_key,
                     const struct dw_age_identities *new_key, char *tmp, size_t tmplen,
                     struct dw_error *err)
{
	struct dw_age_recipients *r = NULL;
	struct dw_secret *secret = NULL;
	int rc = dw_tenant_secret_decrypt(t, old_key, &secret, err);

	if (rc == 0)
		rc = dw_tenant_recipients(cfg, t, new_key, &r, err);
	if (rc == 0)
		rc = write_temp(t, r, dw_secret_data(secret), dw_secret_len(secret), tmp, tmplen,
		                err);
	if (rc < 0)
		dw_error_prefix(err, "tenant %s: ", t->name);
	dw_age_recipients_free(r);
	dw_secret_free(secret);
	return rc;
}

int dw_tenant_secrets_rekey(const struct dw_config *cfg, const struct dw_age_identities *old_key,
                            const struct dw_age_identities *new_key, struct dw_error *err)
{
	char(*tmps)[PATH_MAX] = calloc(cfg->ntenants ? cfg->ntenants : 1, sizeof(*tmps));
	size_t i, done = 0;
	int rc = tmps ? 0 : -ENOMEM;

	if (!new_key)
		new_key = old_key;
	for (i = 0; rc == 0 && i < cfg->ntenants; i++, done++)
		rc = rekey_one(cfg, &cfg->tenants[i], old_key, new_key, tmps[i], PATH_MAX, err);
	if (rc < 0) {
		for (i = 0; i < done; i++)
			unlink(tmps[i]);
		goto out;
	}
	/* every new file is on disk: only now replace the old ones */
	for (i = 0; i < cfg->ntenants; i++) {
		if (rc == 0)
			rc = rename_into_place(tmps[i], cfg->tenants[i].secret_file, err);
		else
			unlink(tmps[i]);
		if (rc == 0)
			dw_log_info("tenant %s: secret re-encrypted", cfg->tenants[i].name);
	}
out:
	free(tmps);
	return rc;
}
