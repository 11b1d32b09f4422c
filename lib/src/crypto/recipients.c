/*
 * Recipients and identities: X25519 (Bech32 "age1..." / "AGE-SECRET-KEY-1...")
 * and scrypt passphrases. Wrapping puts the file key in a stanza per
 * recipient; unwrapping tries each identity on each stanza, ignoring the
 * stanzas that are not its kind, as the specification asks.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/internal.h"
#include "driftward/array.h"
#include "driftward/base64.h"
#include "driftward/crypto.h"

#define HRP_RECIPIENT   "age"
#define HRP_IDENTITY    "AGE-SECRET-KEY-"
#define X25519_INFO     "age-encryption.org/v1/X25519"
#define SCRYPT_LABEL    "age-encryption.org/v1/scrypt"
#define SCRYPT_SALT_LEN 16

enum kind { KIND_X25519, KIND_SCRYPT };

struct recipient {
	enum kind kind;
	unsigned char pub[X25519_LEN];
	unsigned char *pass; /* scrypt */
	size_t passlen;
	unsigned log2n;
};

struct dw_age_recipients {
	struct recipient *items; /* public keys only: realloc may move them */
	size_t count, alloc;
};

struct identity {
	enum kind kind;
	unsigned char priv[X25519_LEN];
	unsigned char pub[X25519_LEN];
	unsigned char *pass;
	size_t passlen;
};

struct dw_age_identities {
	struct identity *items;
	size_t count;
	dw_age_passphrase_fn pass_fn;
	void *pass_ctx;
};

int dw_age_recipients_new(struct dw_age_recipients **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void dw_age_recipients_free(struct dw_age_recipients *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->count; i++) {
		if (r->items[i].pass)
			OPENSSL_cleanse(r->items[i].pass, r->items[i].passlen);
		free(r->items[i].pass);
	}
	free(r->items);
	free(r);
}

size_t dw_age_recipients_count(const struct dw_age_recipients *r)
{
	return r->count;
}

static struct recipient *recipient_push(struct dw_age_recipients *r)
{
	if (DW_ARRAY_GROW(r->items, r->alloc, r->count + 1) < 0)
		return NULL;
	memset(&r->items[r->count], 0, sizeof(*r->items));
	return &r->items[r->count++];
}

int dw_age_recipients_add(struct dw_age_recipients *r, const char *recipient, struct dw_error *err)
{
	unsigned char pub[64];
	struct recipient *rc;
	size_t len = 0;

	if (dw_crypto__bech32_decode(recipient, HRP_RECIPIENT, pub, sizeof(pub), &len) < 0 ||
	    len != X25519_LEN)
		return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0,
		                    "'%.80s' is not an age X25519 recipient (age1...)", recipient);
	rc = recipient_push(r);
	if (!rc)
		return -ENOMEM;
	rc->kind = KIND_X25519;
	memcpy(rc->pub, pub, X25519_LEN);
	return 0;
}

int dw_age_recipients_add_passphrase(struct dw_age_recipients *r, const void *pass, size_t len,
                                     unsigned log2n, struct dw_error *err)
{
	struct recipient *rc;

	if (len == 0)
		return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0, "the passphrase is empty");
	if (log2n < 1 || log2n > DW_AGE_SCRYPT_MAX_LOG2N)
		return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0,
		                    "scrypt work factor 2^%u is out of range", log2n);
	rc = recipient_push(r);
	if (!rc || !(rc->pass = malloc(len))) {
		if (rc)
			r->count--;
		return -ENOMEM;
	}
	rc->kind = KIND_SCRYPT;
	memcpy(rc->pass, pass, len);
	rc->passlen = len;
	rc->log2n = log2n;
	return 0;
}

int dw_age_identities_new(struct dw_age_identities **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void dw_age_identities_free(struct dw_age_identities *ids)
{
	size_t i;

	if (!ids)
		return;
	for (i = 0; i < ids->count; i++) {
		if (ids->items[i].pass)
			OPENSSL_cleanse(ids->items[i].pass, ids->items[i].passlen);
		free(ids->items[i].pass);
	}
	if (ids->items)
		OPENSSL_cleanse(ids->items, ids->count * sizeof(*ids->items));
	free(ids->items);
	free(ids);
}

size_t dw_age_identities_count(const struct dw_age_identities *ids)
{
	return ids->count;
}

/* Grows without realloc, which could leave private keys behind in freed memory. */
static struct identity *identity_push(struct dw_age_identities *ids)
{
	struct identity *items = calloc(ids->count + 1, sizeof(*items));

	if (!items)
		return NULL;
	if (ids->count) {
		memcpy(items, ids->items, ids->count * sizeof(*items));
		OPENSSL_cleanse(ids->items, ids->count * sizeof(*items));
	}
	free(ids->items);
	ids->items = items;
	return &items[ids->count++];
}

int dw_age_identities_add(struct dw_age_identities *ids, const char *identity, struct dw_error *err)
{
	unsigned char priv[64];
	struct identity *id;
	size_t len = 0;
	int r = -EINVAL;

	if (dw_crypto__bech32_decode(identity, HRP_IDENTITY, priv, sizeof(priv), &len) < 0 ||
	    len != X25519_LEN) {
		dw_error_set(err, r, DW_AREA_CRYPTO, 0,
		             "not an age X25519 identity (AGE-SECRET-KEY-1...)");
		goto out;
	}
	r = -ENOMEM;
	id = identity_push(ids);
	if (!id)
		goto out;
	id->kind = KIND_X25519;
	memcpy(id->priv, priv, X25519_LEN);
	r = dw_crypto__x25519_public(id->priv, id->pub);
	if (r < 0) {
		OPENSSL_cleanse(id, sizeof(*id));
		ids->count--;
	}
out:
	OPENSSL_cleanse(priv, sizeof(priv));
	return r;
}

int dw_age_identities_add_passphrase(struct dw_age_identities *ids, const void *pass, size_t len)
{
	struct identity *id;
	unsigned char *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	id = identity_push(ids);
	if (!id) {
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, pass, len);
	id->kind = KIND_SCRYPT;
	id->pass = copy;
	id->passlen = len;
	return 0;
}

void dw_age_identities_set_passphrase_fn(struct dw_age_identities *ids, dw_age_passphrase_fn fn,
                                         void *ctx)
{
	ids->pass_fn = fn;
	ids->pass_ctx = ctx;
}

int dw_age_recipients_add_identities(struct dw_age_recipients *r,
                                     const struct dw_age_identities *ids)
{
	struct recipient *rc;
	size_t i;

	for (i = 0; i < ids->count; i++) {
		if (ids->items[i].kind != KIND_X25519)
			continue;
		rc = recipient_push(r);
		if (!rc)
			return -ENOMEM;
		rc->kind = KIND_X25519;
		memcpy(rc->pub, ids->items[i].pub, X25519_LEN);
	}
	return 0;
}

int dw_age_identities_recipient(const struct dw_age_identities *ids, size_t index, char *out,
                                size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < ids->count; i++) {
		if (ids->items[i].kind != KIND_X25519)
			continue;
		if (n++ == index)
			return dw_crypto__bech32_encode(HRP_RECIPIENT, ids->items[i].pub,
			                                X25519_LEN, out, outlen);
	}
	return -ENOENT;
}

int dw_age_keygen(struct dw_secret **identity, char recipient[DW_AGE_RECIPIENT_MAX])
{
	unsigned char priv[X25519_LEN], pub[X25519_LEN];
	char enc[DW_AGE_IDENTITY_MAX];
	int r = dw_crypto_random(priv, sizeof(priv));

	if (r == 0)
		r = dw_crypto__x25519_public(priv, pub);
	if (r == 0)
		r = dw_crypto__bech32_encode(HRP_IDENTITY, priv, X25519_LEN, enc, sizeof(enc));
	if (r == 0)
		r = dw_crypto__bech32_encode(HRP_RECIPIENT, pub, X25519_LEN, recipient,
		                             DW_AGE_RECIPIENT_MAX);
	if (r == 0)
		r = dw_secret_new(identity, enc, strlen(enc));
	OPENSSL_cleanse(priv, sizeof(priv));
	OPENSSL_cleanse(enc, sizeof(enc));
	return r;
}

/* --- wrapping --- */

static int wrap_x25519(const struct recipient *rc, const unsigned char file_key[16],
                       struct dw_buf *hdr)
{
	unsigned char eph[X25519_LEN], share[X25519_LEN], shared[X25519_LEN], salt[64], key[32];
	unsigned char body[FILE_KEY_LEN + AEAD_TAG_LEN];
	char share64[64];
	const char *args[2] = { "X25519", share64 };
	int r = dw_crypto_random(eph, sizeof(eph));

	if (r == 0)
		r = dw_crypto__x25519_public(eph, share);
	if (r == 0)
		r = dw_crypto__x25519(eph, rc->pub, shared);
	if (r == 0) {
		memcpy(salt, share, X25519_LEN);
		memcpy(salt + X25519_LEN, rc->pub, X25519_LEN);
		r = dw_crypto__hkdf_sha256(shared, X25519_LEN, salt, sizeof(salt), X25519_INFO,
		                           key);
	}
	if (r == 0)
		r = dw_crypto__seal_zero_nonce(key, file_key, FILE_KEY_LEN, body);
	if (r == 0) {
		dw_base64_encode(share, X25519_LEN, DW_BASE64_NOPAD, share64);
		r = dw_crypto__stanza_encode(hdr, args, 2, body, sizeof(body));
	}
	OPENSSL_cleanse(eph, sizeof(eph));
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

static int scrypt_key(const unsigned char *pass, size_t passlen, const unsigned char *salt,
                      unsigned log2n, unsigned char key[32])
{
	unsigned char label_salt[sizeof(SCRYPT_LABEL) - 1 + SCRYPT_SALT_LEN];

	memcpy(label_salt, SCRYPT_LABEL, sizeof(SCRYPT_LABEL) - 1);
	memcpy(label_salt + sizeof(SCRYPT_LABEL) - 1, salt, SCRYPT_SALT_LEN);
	return dw_crypto__scrypt(pass, passlen, label_salt, sizeof(label_salt), log2n, key);
}

static int wrap_scrypt(const struct recipient *rc, const unsigned char file_key[16],
                       struct dw_buf *hdr)
{
	unsigned char salt[SCRYPT_SALT_LEN], key[32], body[FILE_KEY_LEN + AEAD_TAG_LEN];
	char salt64[32], logn[16];
	const char *args[3] = { "scrypt", salt64, logn };
	int r = dw_crypto_random(salt, sizeof(salt));

	if (r == 0)
		r = scrypt_key(rc->pass, rc->passlen, salt, rc->log2n, key);
	if (r == 0)
		r = dw_crypto__seal_zero_nonce(key, file_key, FILE_KEY_LEN, body);
	if (r == 0) {
		dw_base64_encode(salt, sizeof(salt), DW_BASE64_NOPAD, salt64);
		snprintf(logn, sizeof(logn), "%u", rc->log2n);
		r = dw_crypto__stanza_encode(hdr, args, 3, body, sizeof(body));
	}
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

int dw_crypto__recipients_wrap(const struct dw_age_recipients *r, const unsigned char file_key[16],
                               struct dw_buf *header, struct dw_error *err)
{
	size_t i;
	int rc = 0;

	if (r->count == 0)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "no recipient to encrypt to");
	for (i = 0; i < r->count; i++)
		if (r->items[i].kind == KIND_SCRYPT && r->count > 1)
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
			                    "a passphrase can't be combined with other recipients");
	for (i = 0; rc == 0 && i < r->count; i++)
		rc = r->items[i].kind == KIND_X25519 ? wrap_x25519(&r->items[i], file_key, header)
		                                     : wrap_scrypt(&r->items[i], file_key, header);
	if (rc < 0)
		dw_error_set(err, rc, DW_AREA_CRYPTO, 0, "could not wrap the file key");
	return rc;
}

/* --- unwrapping --- */

static int stanza_fail(struct dw_error *err, const char *type, const char *what)
{
	return dw_error_set(err, -EBADMSG, DW_AREA_CRYPTO, 0, "invalid %s stanza: %s", type, what);
}

/* Decodes a canonical unpadded base64 argument of exactly @len bytes. */
static int arg_bytes(const char *arg, unsigned char *out, size_t len)
{
	size_t got = 0;

	if (dw_base64_decode(arg, strlen(arg), DW_BASE64_NOPAD, out, len, &got) < 0 || got != len)
		return -EINVAL;
	return 0;
}

/* Returns 0 with the file key, -ENOKEY when the stanza is not for this identity,
 * -EBADMSG when it is malformed. */
static int unwrap_x25519(const struct identity *id, const struct stanza *s,
                         unsigned char file_key[16], struct dw_error *err)
{
	unsigned char share[X25519_LEN], shared[X25519_LEN], salt[64], key[32];
	int r;

	if (s->nargs != 2 || arg_bytes(s->args[1], share, X25519_LEN) < 0)
		return stanza_fail(err, "X25519", "the share is not 32 bytes of canonical base64");
	if (s->bodylen != FILE_KEY_LEN + AEAD_TAG_LEN)
		return stanza_fail(err, "X25519", "the body is not 32 bytes");
	r = dw_crypto__x25519(id->priv, share, shared);
	if (r == -EKEYREJECTED)
		return stanza_fail(err, "X25519", "the share is a low-order point");
	if (r == 0) {
		memcpy(salt, share, X25519_LEN);
		memcpy(salt + X25519_LEN, id->pub, X25519_LEN);
		r = dw_crypto__hkdf_sha256(shared, X25519_LEN, salt, sizeof(salt), X25519_INFO,
		                           key);
	}
	if (r == 0)
		r = dw_crypto__open_zero_nonce(key, s->body, s->bodylen, file_key);
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(key, sizeof(key));
	return r == -EBADMSG ? -ENOKEY : r;
}

/* The work factor: decimal, no sign, no leading zero, at most the limit. */
static int parse_log2n(const char *s, unsigned *out)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 2 || s[0] == '0')
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
	*out = (unsigned)strtoul(s, NULL, 10);
	return *out <= DW_AGE_SCRYPT_MAX_LOG2N ? 0 : -ERANGE;
}

static int unwrap_scrypt(const unsigned char *pass, size_t passlen, const struct stanza *s,
                         unsigned char file_key[16], struct dw_error *err)
{
	unsigned char salt[SCRYPT_SALT_LEN], key[32];
	unsigned log2n = 0;
	int r;

	if (s->nargs != 3 || arg_bytes(s->args[1], salt, sizeof(salt)) < 0)
		return stanza_fail(err, "scrypt", "the salt is not 16 bytes of canonical base64");
	r = parse_log2n(s->args[2], &log2n);
	if (r == -ERANGE)
		return stanza_fail(err, "scrypt", "the work factor is above 2^22");
	if (r < 0)
		return stanza_fail(err, "scrypt", "malformed work factor");
	if (s->bodylen != FILE_KEY_LEN + AEAD_TAG_LEN)
		return stanza_fail(err, "scrypt", "the body is not 32 bytes");
	r = scrypt_key(pass, passlen, salt, log2n, key);
	if (r < 0)
		return dw_error_set(err, r, DW_AREA_CRYPTO, 0, "scrypt failed (work factor 2^%u)",
		                    log2n);
	r = dw_crypto__open_zero_nonce(key, s->body, s->bodylen, file_key);
	OPENSSL_cleanse(key, sizeof(key));
	return r == -EBADMSG ? -ENOKEY : r;
}

static int is_type(const struct stanza *s, const char *type)
{
	return s->nargs >= 1 && strcmp(s->args[0], type) == 0;
}

static int try_passphrase(const struct dw_age_identities *ids, const struct stanza *s,
                          unsigned char file_key[16], struct dw_error *err)
{
	struct dw_secret *pass = NULL;
	int r;

	if (!ids->pass_fn)
		return -ENOKEY;
	r = ids->pass_fn(ids->pass_ctx, &pass);
	if (r < 0)
		return dw_error_set(err, r, DW_AREA_USAGE, 0, "could not read the passphrase");
	r = unwrap_scrypt(dw_secret_data(pass), dw_secret_len(pass), s, file_key, err);
	dw_secret_free(pass);
	return r;
}

/* One identity against every stanza: the first that is its kind and opens wins. */
static int unwrap_one(const struct identity *id, const struct header *h, unsigned char file_key[16],
                      struct dw_error *err)
{
	size_t i;
	int r;

	for (i = 0; i < h->count; i++) {
		const struct stanza *s = &h->stanzas[i];

		if (id->kind == KIND_X25519 && is_type(s, "X25519"))
			r = unwrap_x25519(id, s, file_key, err);
		else if (id->kind == KIND_SCRYPT && is_type(s, "scrypt"))
			r = unwrap_scrypt(id->pass, id->passlen, s, file_key, err);
		else
			continue;
		if (r != -ENOKEY)
			return r;
	}
	return -ENOKEY;
}

static int check_scrypt_alone(const struct header *h, struct dw_error *err)
{
	size_t i;

	for (i = 0; i < h->count; i++)
		if (is_type(&h->stanzas[i], "scrypt") && h->count > 1)
			return stanza_fail(err, "scrypt",
			                   "an scrypt stanza must be alone in the header");
	return 0;
}

int dw_crypto__identities_unwrap(const struct dw_age_identities *ids, const struct header *h,
                                 unsigned char file_key[16], struct dw_error *err)
{
	int r = check_scrypt_alone(h, err), has_pass = 0;
	size_t i;

	for (i = 0; r == 0 && i < ids->count; i++) {
		has_pass |= ids->items[i].kind == KIND_SCRYPT;
		r = unwrap_one(&ids->items[i], h, file_key, err);
		if (r == 0)
			return 0;
		if (r == -ENOKEY)
			r = 0;
	}
	if (r == 0 && !has_pass && h->count == 1 && is_type(&h->stanzas[0], "scrypt"))
		r = try_passphrase(ids, &h->stanzas[0], file_key, err);
	else if (r == 0)
		r = -ENOKEY;
	if (r == -ENOKEY)
		dw_error_set(err, r, DW_AREA_CRYPTO, 0,
		             "no identity matched any of the file's %zu recipient%s", h->count,
		             h->count == 1 ? "" : "s");
	return r;
}
