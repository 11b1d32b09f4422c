#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/array.h"
#include "driftward/base64.h"
#include "driftward/naming.h"
#include "driftward/secret.h"
#include "snapshot/encode.h"

#define AGE_PREFIX      "age:"
#define AGE_JSON_PREFIX "age-json:" /* a secret that was not a string: its canonical JSON */
#define SECRET_MAX      (1u << 20)

int dw_snapshot__encoder_init(struct object_encoder *enc, const struct dw_catalog *catalog,
                              const struct dw_collector *collector,
                              const struct dw_age_recipients *recipients,
                              const struct dw_age_identities *key)
{
	size_t i;

	memset(enc, 0, sizeof(*enc));
	enc->collector = collector;
	enc->recipients = recipients;
	enc->key = key;
	enc->global.volatile_keys = (const char *const *)catalog->volatile_keys.items;
	enc->global.nvolatile = catalog->volatile_keys.count;
	enc->own.volatile_keys = (const char *const *)collector->volatile_keys.items;
	enc->own.nvolatile = collector->volatile_keys.count;
	if (collector->nsets) {
		enc->rules = calloc(collector->nsets, sizeof(*enc->rules));
		if (!enc->rules)
			return -ENOMEM;
	}
	for (i = 0; i < collector->nsets; i++) {
		enc->rules[i].pointer = collector->sets[i].pointer;
		enc->rules[i].sort_key = collector->sets[i].sort_key;
	}
	enc->own.sets = enc->rules;
	enc->own.nsets = collector->nsets;
	return 0;
}

void dw_snapshot__encoder_release(struct object_encoder *enc)
{
	free(enc->rules);
	enc->rules = NULL;
}

int dw_snapshot__encoder_object_id(const struct object_encoder *enc, const struct dw_json *obj,
                                   struct dw_buf *out, struct dw_error *err)
{
	const struct dw_json *id = dw_json_get(obj, enc->collector->key);
	const char *s = NULL;
	size_t len = 0;

	if (id && (s = dw_json_string(id, &len)) && len > DW_ID_MAX)
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
		                    "collector %s: an object's '%s' is %zu bytes long, more than "
		                    "the %d allowed",
		                    enc->collector->name, enc->collector->key, len, DW_ID_MAX);
	if (id && s && len > 0)
		return dw_buf_put(out, s, len);
	if (id && dw_json_type(id) == DW_JSON_NUMBER)
		return dw_json_write(id, DW_JSON_COMPACT, out, err);
	return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
	                    "collector %s: an object has no usable '%s' member",
	                    enc->collector->name, enc->collector->key);
}

/* A secret seen in the previous file: its plaintext and the string that stored it. */
struct known_secret {
	struct dw_secret *plain;
	char *stored;
	size_t stored_len;
};

struct known_secrets {
	struct known_secret *items;
	size_t count, alloc;
	const struct object_encoder *enc;
	struct dw_json_doc *doc; /* the document being encoded */
	struct dw_error *err;
};

static void known_release(struct known_secrets *k)
{
	size_t i;

	for (i = 0; i < k->count; i++) {
		dw_secret_free(k->items[i].plain);
		free(k->items[i].stored);
	}
	free(k->items);
	k->items = NULL;
	k->count = 0;
	k->alloc = 0;
}

/* Decrypts "age:<base64>" (after its prefix) into a secret. */
static int open_stored(const struct object_encoder *enc, const char *b64, size_t len,
                       struct dw_secret **out, struct dw_error *err)
{
	size_t cap = dw_base64_decoded_max(len), n;
	char *raw = malloc(cap ? cap : 1);
	int r;

	if (!raw)
		return -ENOMEM;
	r = dw_base64_decode(b64, len, DW_BASE64_PAD, raw, cap, &n);
	/*
	 * Sealed to another number of recipients than configured now (an
	 * extra_recipients key was added or removed): not reusable, so the next
	 * snapshot seals the secret again for the current recipients.
	 */
	if (r == 0 && dw_age_stanza_count(raw, n) != (int)dw_age_recipients_count(enc->recipients))
		r = -ESTALE;
	if (r == 0)
		r = dw_age_decrypt_mem(enc->key, raw, n, SECRET_MAX, out, err);
	free(raw);
	return r;
}

static int remember_previous(struct dw_json *value, void *ctx)
{
	struct known_secrets *k = ctx;
	struct known_secret *item;
	const char *s;
	size_t len, plen;

	s = dw_json_string(value, &len);
	if (!s)
		return 0;
	if (len > strlen(AGE_JSON_PREFIX) &&
	    memcmp(s, AGE_JSON_PREFIX, strlen(AGE_JSON_PREFIX)) == 0)
		plen = strlen(AGE_JSON_PREFIX);
	else if (len > strlen(AGE_PREFIX) && memcmp(s, AGE_PREFIX, strlen(AGE_PREFIX)) == 0)
		plen = strlen(AGE_PREFIX);
	else
		return 0;
	if (DW_ARRAY_GROW(k->items, k->alloc, k->count + 1) < 0)
		return -ENOMEM;
	item = &k->items[k->count];
	memset(item, 0, sizeof(*item));
	/* a previous value we can't open is simply not reused */
	if (open_stored(k->enc, s + plen, len - plen, &item->plain, NULL) < 0)
		return 0;
	item->stored = malloc(len + 1);
	if (!item->stored) {
		dw_secret_free(item->plain);
		return -ENOMEM;
	}
	memcpy(item->stored, s, len + 1);
	item->stored_len = len;
	k->count++;
	return 0;
}

/* Reads the previous file's ciphertexts, so unchanged secrets can keep them. */
static int load_previous(struct known_secrets *k, const char *data, size_t len)
{
	struct dw_json_doc *prev = NULL;
	size_t i;
	int r;

	if (dw_json_parse(data, len, NULL, &prev, NULL) < 0)
		return 0; /* a previous file we can't read: nothing to reuse */
	r = 0;
	for (i = 0; r == 0 && i < k->enc->collector->secrets.count; i++)
		r = dw_json_pointer_each(dw_json_root(prev), k->enc->collector->secrets.items[i],
		                         remember_previous, k, NULL);
	dw_json_doc_free(prev);
	return r;
}

static int seal(const struct object_encoder *enc, const char *prefix, const void *plain, size_t len,
                struct dw_buf *out, struct dw_error *err)
{
	struct dw_buf cipher;
	int r;

	dw_buf_init(&cipher, SECRET_MAX + 4096);
	r = dw_age_encrypt_mem(enc->recipients, 0, plain, len, &cipher, err);
	r = r ?: dw_buf_puts(out, prefix) ?: dw_base64_put(out, cipher.ptr, cipher.len, DW_BASE64_PAD);
	dw_buf_release(&cipher);
	return r;
}

/* The plaintext of a secret value: a string as it is, anything else as canonical JSON. */
static int plaintext_of(const struct dw_json *value, struct dw_buf *plain, const char **prefix,
                        struct dw_error *err)
{
	const char *s;
	size_t len;

	if ((s = dw_json_string(value, &len))) {
		*prefix = AGE_PREFIX;
		return dw_buf_put(plain, s, len);
	}
	*prefix = AGE_JSON_PREFIX;
	return dw_json_write(value, DW_JSON_COMPACT, plain, err);
}

static int seal_value(struct dw_json *value, void *ctx)
{
	struct known_secrets *k = ctx;
	struct dw_buf plain, stored;
	const char *prefix;
	size_t i;
	int r;

	if (dw_json_type(value) == DW_JSON_NULL)
		return 0; /* Graph does not return the secret: nothing to hide */
	dw_buf_init_secret(&plain, SECRET_MAX);
	dw_buf_init(&stored, 4 * SECRET_MAX);
	r = plaintext_of(value, &plain, &prefix, k->err);
	for (i = 0; r == 0 && i < k->count; i++) {
		const struct known_secret *ks = &k->items[i];

		if (dw_secret_len(ks->plain) == plain.len &&
		    memcmp(dw_secret_data(ks->plain), plain.ptr, plain.len) == 0 &&
		    strncmp(ks->stored, prefix, strlen(prefix)) == 0)
			break;
	}
	if (r == 0 && i < k->count)
		r = dw_json_set_string(k->doc, value, k->items[i].stored, k->items[i].stored_len);
	else if (r == 0)
		r = seal(k->enc, prefix, plain.ptr, plain.len, &stored, k->err)
		            ?: dw_json_set_string(k->doc, value, stored.ptr, stored.len);
	dw_buf_release(&plain);
	dw_buf_release(&stored);
	return r;
}

static int seal_secrets(const struct object_encoder *enc, struct dw_json_doc *doc,
                        struct dw_json *obj, const char *prev, size_t prev_len,
                        struct dw_error *err)
{
	struct known_secrets k = { .enc = enc, .doc = doc, .err = err };
	const struct dw_strlist *secrets = &enc->collector->secrets;
	size_t i;
	int r = 0;

	if (secrets->count == 0)
		return 0;
	if (!enc->recipients)
		return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0,
		                    "collector %s has secret fields but no recipients were given",
		                    enc->collector->name);
	if (prev && enc->key)
		r = load_previous(&k, prev, prev_len);
	for (i = 0; r == 0 && i < secrets->count; i++)
		r = dw_json_pointer_each(obj, secrets->items[i], seal_value, &k, err);
	known_release(&k);
	return r;
}

static int object_path(const struct object_encoder *enc, const struct dw_json *obj,
                       const struct dw_buf *id, struct dw_buf *path)
{
	const struct dw_json *name = NULL;
	const char *s = NULL;
	size_t len = 0;

	if (enc->collector->singleton)
		return dw_singleton_path(path, enc->collector->name);
	if (enc->collector->name_field)
		name = dw_json_get(obj, enc->collector->name_field);
	if (name)
		s = dw_json_string(name, &len);
	return dw_object_path(path, enc->collector->name, s, len, dw_buf_cstr(id), id->len);
}

int dw_snapshot__encoder_encode(const struct object_encoder *enc, struct dw_json_doc *doc,
                                struct dw_json *obj, const struct previous_files *previous,
                                struct dw_buf *path, struct dw_buf *content, struct dw_error *err)
{
	const struct dw_json_profile *profiles[] = { &enc->global, &enc->own };
	const char *prev = NULL;
	size_t prev_len = 0;
	struct dw_buf id;
	int r;

	if (dw_json_type(obj) != DW_JSON_OBJECT)
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
		                    "collector %s: expected objects, got %s", enc->collector->name,
		                    dw_json_type_name(dw_json_type(obj)));
	dw_buf_init(&id, 4096);
	r = enc->collector->singleton ? dw_buf_puts(&id, enc->collector->name)
	                              : dw_snapshot__encoder_object_id(enc, obj, &id, err);
	r = r ?: object_path(enc, obj, &id, path);
	r = r ?: dw_json_normalise(doc, obj, profiles, DW_ARRAY_SIZE(profiles), err);
	if (r == 0 && previous &&
	    previous->lookup(previous->ctx, dw_buf_cstr(&id), id.len, &prev, &prev_len) < 0)
		prev = NULL;
	r = r ?: seal_secrets(enc, doc, obj, prev, prev_len, err);
	r = r ?: dw_json_write(obj, DW_JSON_PRETTY, content, err);
	dw_buf_release(&id);
	return r;
}
