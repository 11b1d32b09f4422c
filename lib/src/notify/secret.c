/*
 * A channel whose webhook URL is kept encrypted (secret_file): the URL is
 * decrypted with the agent's key once per run, checked as a configured URL
 * would be, and held as a secret (wiped when freed, never printed).
 */
#include <errno.h>
#include <string.h>

#include "driftward/age.h"
#include "driftward/buf.h"
#include "driftward/keyfile.h"
#include "driftward/secret.h"
#include "driftward/url.h"
#include "notify/internal.h"

#define URL_FILE_MAX (64u * 1024)
#define URL_MAX      2048

/* One line of printable ASCII (a final newline is allowed), https, no fragment. */
static int check_url(const char *name, const unsigned char *p, size_t len, struct dw_error *err)
{
	char base[URL_MAX + 1], why[128];
	size_t i, n;

	for (i = 0; i < len; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return dw_error_set(err, -EINVAL, DW_AREA_CONFIG, 0,
			                    "notify %s: secret_file does not hold one URL", name);
	n = strcspn((const char *)p, "?#");
	if (len > URL_MAX || p[n] == '#')
		return dw_error_set(err, -EINVAL, DW_AREA_CONFIG, 0,
		                    "notify %s: secret_file: not a usable webhook URL", name);
	memcpy(base, p, n);
	base[n] = '\0';
	if (dw_url_check_service(base, why, sizeof(why)) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_CONFIG, 0,
		                    "notify %s: secret_file: not a usable https:// URL: %s", name,
		                    why);
	return 0;
}

int dw_notify__load_url(const struct dw_notify_config *c, const struct dw_age_identities *key,
                        struct dw_secret **out, struct dw_error *err)
{
	struct dw_secret *plain = NULL;
	struct dw_buf file, url;
	size_t len;
	int r;

	*out = NULL;
	dw_buf_init(&file, URL_FILE_MAX);
	dw_buf_init_secret(&url, URL_MAX + 1);
	if ((r = dw_buf_read_file(&file, c->secret_file, err)) < 0 ||
	    (r = dw_age_decrypt_mem(key, file.ptr, file.len, URL_FILE_MAX, &plain, err)) < 0) {
		dw_error_prefix(err, "notify %s: secret_file: ", c->name);
		goto out;
	}
	len = dw_secret_len(plain);
	while (len &&
	       (dw_secret_data(plain)[len - 1] == '\n' || dw_secret_data(plain)[len - 1] == '\r'))
		len--;
	if ((r = dw_buf_put(&url, dw_secret_data(plain), len)) < 0) {
		r = dw_error_set(err, -EINVAL, DW_AREA_CONFIG, 0,
		                 "notify %s: secret_file: not a usable webhook URL", c->name);
		goto out;
	}
	if ((r = check_url(c->name, (const unsigned char *)dw_buf_cstr(&url), len, err)) < 0)
		goto out;
	/* with its NUL: the URL is handed to libcurl as a C string */
	r = dw_secret_new(out, dw_buf_cstr(&url), len + 1);
out:
	dw_secret_free(plain);
	dw_buf_release(&url);
	dw_buf_release(&file);
	return r;
}
