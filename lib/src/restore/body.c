/*
 * What a write sends: the desired object without what Graph won't take, and
 * its secret fields in three forms (decrypted to send, masked to show,
 * hashed to compare with what the tenant answers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/base64.h"
#include "driftward/crypto.h"
#include "driftward/restore.h"
#include "restore/internal.h"

#define AGE_PREFIX      "age:"
#define AGE_JSON_PREFIX "age-json:"
#define SECRET_MAX      (1u << 20)
#define CA_COLLECTOR    "conditionalAccessPolicies"
#define CA_REPORT_ONLY  "enabledForReportingButNotEnforced"

static int drop_member(struct dw_json_doc *doc, const char *name, struct dw_error *err)
{
	char pointer[256];
	int r;

	/* read-only names are plain member names: no '~' or '/' to escape */
	if ((size_t)snprintf(pointer, sizeof(pointer), "/%s", name) >= sizeof(pointer) ||
	    strpbrk(name, "~/"))
		return dw_error_set(err, -EINVAL, DW_AREA_CONFIG, 0,
		                    "read-only property '%.64s' is not a plain member name", name);
	r = dw_json_pointer_remove(doc, pointer, NULL);
	return r == -ENOENT ? 0 : r;
}

int dw_restore__normalise(const struct dw_catalog *catalog, const struct dw_collector *c,
                          struct dw_json_doc *doc, struct dw_json *obj, struct dw_error *err)
{
	struct dw_json_set_rule *rules = NULL;
	struct dw_json_profile global = { 0 }, own = { 0 };
	const struct dw_json_profile *profiles[] = { &global, &own };
	size_t i;
	int r;

	if (c->nsets && !(rules = calloc(c->nsets, sizeof(*rules))))
		return -ENOMEM;
	for (i = 0; i < c->nsets; i++)
		rules[i] = (struct dw_json_set_rule){ c->sets[i].pointer, c->sets[i].sort_key };
	global.volatile_keys = (const char *const *)catalog->volatile_keys.items;
	global.nvolatile = catalog->volatile_keys.count;
	own.volatile_keys = (const char *const *)c->volatile_keys.items;
	own.nvolatile = c->volatile_keys.count;
	own.sets = rules;
	own.nsets = c->nsets;
	r = dw_json_normalise(doc, obj, profiles, DW_ARRAY_SIZE(profiles), err);
	free(rules);
	return r;
}

int dw_restore_body(const struct dw_catalog *catalog, const struct dw_collector *c, unsigned flags,
                    struct dw_json_doc *doc, struct dw_json *obj, struct dw_error *err)
{
	struct dw_json *state;
	size_t i;
	int r;

	if (dw_json_type(obj) != DW_JSON_OBJECT || obj != dw_json_root(doc))
		return dw_error_set(err, -EINVAL, DW_AREA_JSON, 0, "collector %s: not an object",
		                    c->name);
	r = dw_restore__normalise(catalog, c, doc, obj, err);
	for (i = 0; r == 0 && i < c->read_only.count; i++)
		r = drop_member(doc, c->read_only.items[i], err);
	/* report-only first, so a restored policy can't lock the admins out */
	if (r == 0 && (flags & DW_RESTORE_CA_REPORT_ONLY) && strcmp(c->name, CA_COLLECTOR) == 0 &&
	    (state = dw_json_get(obj, "state")))
		r = dw_json_set_string(doc, state, CA_REPORT_ONLY, strlen(CA_REPORT_ONLY));
	return r;
}

static int hex_sha256(const void *data, size_t len, char out[DW_RESTORE_HASH_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[DW_SHA256_LEN];
	size_t i;
	int r = dw_sha256(data, len, md);

	for (i = 0; r == 0 && i < DW_SHA256_LEN; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * DW_SHA256_LEN] = '\0';
	return r;
}

int dw_restore__hash(const void *data, size_t len, char out[DW_RESTORE_HASH_HEX])
{
	return hex_sha256(data, len, out);
}

struct secret_walk {
	const struct dw_age_identities *key; /* decrypt "age:" values; NULL: they are plaintext */
	enum dw_restore__secret_form form;
	struct dw_json_doc *doc;
	const char *collector;
	struct dw_error *err;
};

static int open_sealed(const struct secret_walk *w, const char *s, size_t len,
                       struct dw_secret **out)
{
	size_t n, cap;
	char *raw;
	int r;

	if (len > strlen(AGE_JSON_PREFIX) &&
	    memcmp(s, AGE_JSON_PREFIX, strlen(AGE_JSON_PREFIX)) == 0)
		return dw_error_set(w->err, -ENOTSUP, DW_AREA_CRYPTO, 0,
		                    "collector %s: a secret that is not a string can't be restored",
		                    w->collector);
	if (len <= strlen(AGE_PREFIX) || memcmp(s, AGE_PREFIX, strlen(AGE_PREFIX)) != 0)
		return dw_error_set(w->err, -EBADMSG, DW_AREA_CRYPTO, 0,
		                    "collector %s: a secret field of desired state is not sealed "
		                    "(age:...): plaintext secrets are refused",
		                    w->collector);
	s += strlen(AGE_PREFIX);
	len -= strlen(AGE_PREFIX);
	cap = dw_base64_decoded_max(len);
	if (!(raw = malloc(cap ? cap : 1)))
		return -ENOMEM;
	r = dw_base64_decode(s, len, DW_BASE64_PAD, raw, cap, &n);
	if (r < 0)
		dw_error_set(w->err, r, DW_AREA_CRYPTO, 0,
		             "collector %s: a sealed secret is not base64", w->collector);
	r = r ?: dw_age_decrypt_mem(w->key, raw, n, SECRET_MAX, out, w->err);
	free(raw);
	return r;
}

static int secret_value(struct dw_json *v, void *ctx)
{
	struct secret_walk *w = ctx;
	struct dw_secret *plain = NULL;
	char hex[DW_RESTORE_HASH_HEX + 7] = "sha256:";
	const char *s;
	size_t len;
	int r = 0;

	if (dw_json_type(v) == DW_JSON_NULL)
		return 0;
	if (w->form == DW_RESTORE__MASK)
		return dw_json_set_string(w->doc, v, DW_RESTORE_MASK, strlen(DW_RESTORE_MASK));
	if (!(s = dw_json_string(v, &len)))
		return dw_error_set(w->err, -ENOTSUP, DW_AREA_JSON, 0,
		                    "collector %s: a secret that is not a string can't be compared",
		                    w->collector);
	if (w->key && (r = open_sealed(w, s, len, &plain)) < 0)
		return r;
	if (plain) {
		s = (const char *)dw_secret_data(plain);
		len = dw_secret_len(plain);
	}
	if (w->form == DW_RESTORE__HASH)
		r = hex_sha256(s, len, hex + 7) ?: dw_json_set_string(w->doc, v, hex, strlen(hex));
	else
		r = dw_json_set_string(w->doc, v, s, len);
	dw_secret_free(plain);
	return r;
}

int dw_restore__secrets(const struct dw_collector *c, const struct dw_age_identities *key,
                        enum dw_restore__secret_form form, struct dw_json_doc *doc,
                        struct dw_error *err)
{
	struct secret_walk w = { key, form, doc, c->name, err };
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < c->secrets.count; i++)
		r = dw_json_pointer_each(dw_json_root(doc), c->secrets.items[i], secret_value, &w,
		                         err);
	return r;
}
