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

/*
 * A secret that was not a string ("age-json:") goes into the body as JSON:
 * the walk leaves a placeholder string, named after the ciphertext, which
 * dw_restore__form swaps for the plaintext in the body's text.
 */
struct json_secret {
	char placeholder[48];
	struct dw_secret *plain;
};

struct secret_walk {
	const struct dw_age_identities *key; /* decrypt sealed values; NULL: they are plaintext */
	enum dw_restore__secret_form form;
	struct dw_json_doc *doc;
	const char *collector;
	struct json_secret *json; /* PLAIN: the non-string secrets to swap in */
	size_t njson, ajson;
	struct dw_error *err;
};

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	return len > strlen(prefix) && memcmp(s, prefix, strlen(prefix)) == 0;
}

/* Opens a sealed value's base64 (after its prefix). */
static int open_sealed(const struct secret_walk *w, const char *b64, size_t len,
                       struct dw_secret **out)
{
	size_t n, cap = dw_base64_decoded_max(len);
	char *raw = malloc(cap ? cap : 1);
	int r;

	if (!raw)
		return -ENOMEM;
	r = dw_base64_decode(b64, len, DW_BASE64_PAD, raw, cap, &n);
	if (r < 0)
		dw_error_set(w->err, r, DW_AREA_CRYPTO, 0,
		             "collector %s: a sealed secret is not base64", w->collector);
	r = r ?: dw_age_decrypt_mem(w->key, raw, n, SECRET_MAX, out, w->err);
	free(raw);
	return r;
}

/*
 * The plaintext of a secret value into *@plain, and whether it is JSON text
 * (a secret that was not a string). Desired state's values are sealed; the
 * tenant's (no key) are plaintext: a string as it is, anything else as JSON.
 */
static int plaintext(struct secret_walk *w, const struct dw_json *v, struct dw_secret **plain,
                     bool *is_json)
{
	struct dw_buf b;
	const char *s;
	size_t len;
	int r;

	s = dw_json_string(v, &len);
	if (w->key && s && has_prefix(s, len, AGE_JSON_PREFIX)) {
		*is_json = true;
		return open_sealed(w, s + strlen(AGE_JSON_PREFIX), len - strlen(AGE_JSON_PREFIX),
		                   plain);
	}
	if (w->key && s && has_prefix(s, len, AGE_PREFIX))
		return open_sealed(w, s + strlen(AGE_PREFIX), len - strlen(AGE_PREFIX), plain);
	if (w->key)
		return dw_error_set(w->err, -EBADMSG, DW_AREA_CRYPTO, 0,
		                    "collector %s: a secret field of desired state is not sealed "
		                    "(age:...): plaintext secrets are refused",
		                    w->collector);
	if (s)
		return dw_secret_new(plain, s, len);
	*is_json = true;
	dw_buf_init_secret(&b, SECRET_MAX);
	r = dw_json_write(v, DW_JSON_COMPACT, &b, w->err);
	r = r ?: dw_secret_new(plain, b.ptr, b.len);
	dw_buf_release(&b);
	return r;
}

/* Compared as the hash of the plaintext, typed, so "1" and 1 differ as they do in Graph. */
static int set_hash(struct secret_walk *w, struct dw_json *v, const struct dw_secret *plain,
                    bool is_json)
{
	char hex[DW_RESTORE_HASH_HEX + 16];
	struct dw_buf b;
	int r;

	dw_buf_init_secret(&b, SECRET_MAX + 2);
	r = dw_buf_puts(&b, is_json ? "j:" : "s:");
	r = r ?: dw_buf_put(&b, dw_secret_data(plain), dw_secret_len(plain));
	snprintf(hex, sizeof(hex), "sha256:");
	r = r ?: hex_sha256(b.ptr, b.len, hex + 7);
	r = r ?: dw_json_set_string(w->doc, v, hex, strlen(hex));
	dw_buf_release(&b);
	return r;
}

static int set_plain(struct secret_walk *w, struct dw_json *v, struct dw_secret **plain,
                     bool is_json)
{
	struct json_secret *js;
	char hex[DW_RESTORE_HASH_HEX];
	const char *s;
	size_t len;
	int r;

	if (!is_json)
		return dw_json_set_string(w->doc, v, (const char *)dw_secret_data(*plain),
		                          dw_secret_len(*plain));
	if (DW_ARRAY_GROW(w->json, w->ajson, w->njson + 1) < 0)
		return -ENOMEM;
	s = dw_json_string(v, &len);
	r = hex_sha256(s, len, hex);
	js = &w->json[w->njson++];
	snprintf(js->placeholder, sizeof(js->placeholder), "dw-secret-json:%.32s", hex);
	js->plain = *plain;
	*plain = NULL;
	return r ?: dw_json_set_string(w->doc, v, js->placeholder, strlen(js->placeholder));
}

static int secret_value(struct dw_json *v, void *ctx)
{
	struct secret_walk *w = ctx;
	struct dw_secret *plain = NULL;
	bool is_json = false;
	int r;

	if (dw_json_type(v) == DW_JSON_NULL)
		return 0;
	if (w->form == DW_RESTORE__MASK)
		return dw_json_set_string(w->doc, v, DW_RESTORE_MASK, strlen(DW_RESTORE_MASK));
	r = plaintext(w, v, &plain, &is_json);
	if (r == 0 && w->form == DW_RESTORE__HASH)
		r = set_hash(w, v, plain, is_json);
	else if (r == 0)
		r = set_plain(w, v, &plain, is_json);
	dw_secret_free(plain);
	return r;
}

static void walk_release(struct secret_walk *w)
{
	size_t i;

	for (i = 0; i < w->njson; i++)
		dw_secret_free(w->json[i].plain);
	free(w->json);
}

/* The body's text with each placeholder string replaced by its secret's JSON. */
static int swap_in(const struct secret_walk *w, struct dw_buf *out, size_t from)
{
	struct dw_buf tmp;
	size_t i, pos;
	int r = 0;

	for (i = 0; r == 0 && i < w->njson; i++) {
		const struct json_secret *js = &w->json[i];
		size_t plen = strlen(js->placeholder) + 2;
		const char *hit;

		dw_buf_init_secret(&tmp, out->len + dw_secret_len(js->plain) + 1);
		for (pos = from;
		     r == 0 && (hit = strstr(dw_buf_cstr(out) + pos, js->placeholder));) {
			size_t at = (size_t)(hit - out->ptr) - 1; /* the opening quote */

			r = dw_buf_put(&tmp, out->ptr + pos, at - pos);
			r = r
			            ?: dw_buf_put(&tmp, dw_secret_data(js->plain),
			                          dw_secret_len(js->plain));
			pos = at + plen;
		}
		r = r ?: dw_buf_put(&tmp, out->ptr + pos, out->len - pos);
		if (r == 0) {
			dw_buf_truncate(out, from);
			r = dw_buf_put(out, tmp.ptr, tmp.len);
		}
		dw_buf_release(&tmp);
	}
	return r;
}

int dw_restore__form(const struct dw_catalog *catalog, const struct dw_collector *c, unsigned flags,
                     const struct dw_json *src, const struct dw_age_identities *key,
                     enum dw_restore__secret_form form, bool body, struct dw_buf *out,
                     struct dw_error *err)
{
	struct dw_json_doc *doc = dw_json_doc_new();
	struct dw_json *v = doc ? dw_json_clone(doc, src) : NULL;
	struct secret_walk w = { key, form, doc, c->name, NULL, 0, 0, err };
	size_t i, from = out->len;
	int r = v ? dw_json_set_root(doc, v) : -ENOMEM;

	if (r == 0 && body)
		r = dw_restore_body(catalog, c, flags, doc, v, err);
	else if (r == 0)
		r = dw_restore__normalise(catalog, c, doc, v, err);
	for (i = 0; r == 0 && i < c->secrets.count; i++)
		r = dw_json_pointer_each(v, c->secrets.items[i], secret_value, &w, err);
	r = r ?: dw_json_write(v, DW_JSON_COMPACT, out, err);
	r = r ?: swap_in(&w, out, from);
	walk_release(&w);
	dw_json_doc_free(doc);
	return r;
}
