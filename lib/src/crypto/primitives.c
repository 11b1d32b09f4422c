/*
 * The primitives age v1 is built from, on OpenSSL 3: HKDF-SHA-256,
 * HMAC-SHA-256, X25519, ChaCha20-Poly1305 and scrypt. Every key and
 * intermediate secret is cleansed before its memory goes back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto/internal.h"
#include "driftward/crypto.h"

/* OSSL_PARAM wants a mutable string */
static char sha256_name[] = "SHA256";

int dw_crypto_random(void *buf, size_t len)
{
	if (len > (size_t)INT32_MAX || RAND_bytes(buf, (int)len) != 1)
		return -EIO;
	return 0;
}

int dw_sha256(const void *data, size_t len, unsigned char out[DW_SHA256_LEN])
{
	return EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
}

int dw_crypto_memcmp(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len);
}

int dw_crypto__hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
                           const char *info, unsigned char out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	int r = -EIO;

	if (!ctx)
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, sha256_name, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)ikm,
	                                         ikmlen);
	/* an omitted salt is HKDF's zero salt, which equals the empty one */
	if (saltlen)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		                                         (void *)(uintptr_t)salt, saltlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info,
	                                         strlen(info));
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, 32, params) == 1)
		r = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}

int dw_crypto__hmac_sha256(const unsigned char key[32], const void *data, size_t len,
                           unsigned char out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0;
	int r = -EIO;

	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256_name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, 32, params) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
	    EVP_MAC_final(ctx, out, &outlen, 32) == 1 && outlen == 32)
		r = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

int dw_crypto__x25519_public(const unsigned char priv[X25519_LEN], unsigned char pub[X25519_LEN])
{
	EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, X25519_LEN);
	size_t len = X25519_LEN;
	int r = -EIO;

	if (key && EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 && len == X25519_LEN)
		r = 0;
	EVP_PKEY_free(key);
	return r;
}

int dw_crypto__x25519(const unsigned char priv[X25519_LEN], const unsigned char peer[X25519_LEN],
                      unsigned char out[X25519_LEN])
{
	static const unsigned char zero[X25519_LEN];
	EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, X25519_LEN);
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, X25519_LEN);
	EVP_PKEY_CTX *ctx = key ? EVP_PKEY_CTX_new(key, NULL) : NULL;
	size_t len = X25519_LEN;
	int r = -EIO;

	if (!ctx || !pkey || EVP_PKEY_derive_init(ctx) != 1)
		goto out;
	/* OpenSSL already refuses an all-zero result (low-order points): that is the
	 * only way a derivation with valid keys fails, so report it as such */
	if (EVP_PKEY_derive_set_peer(ctx, pkey) != 1 || EVP_PKEY_derive(ctx, out, &len) != 1 ||
	    len != X25519_LEN || CRYPTO_memcmp(out, zero, X25519_LEN) == 0) {
		OPENSSL_cleanse(out, X25519_LEN);
		r = -EKEYREJECTED;
		goto out;
	}
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	EVP_PKEY_free(key);
	return r;
}

struct aead {
	EVP_CIPHER_CTX *enc, *dec;
};

int dw_crypto__aead_new(struct aead **out, const unsigned char key[32])
{
	struct aead *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->enc = EVP_CIPHER_CTX_new();
	a->dec = EVP_CIPHER_CTX_new();
	if (!a->enc || !a->dec ||
	    EVP_EncryptInit_ex(a->enc, EVP_chacha20_poly1305(), NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(a->dec, EVP_chacha20_poly1305(), NULL, key, NULL) != 1) {
		dw_crypto__aead_free(a);
		return -EIO;
	}
	*out = a;
	return 0;
}

void dw_crypto__aead_free(struct aead *a)
{
	if (!a)
		return;
	/* EVP_CIPHER_CTX_free cleanses the key schedule */
	EVP_CIPHER_CTX_free(a->enc);
	EVP_CIPHER_CTX_free(a->dec);
	free(a);
}

int dw_crypto__aead_seal(struct aead *a, const unsigned char nonce[12], const unsigned char *in,
                         size_t len, unsigned char *out)
{
	int n = 0, fin = 0;

	if (len > INT32_MAX || EVP_EncryptInit_ex(a->enc, NULL, NULL, NULL, nonce) != 1)
		return -EIO;
	if (len && EVP_EncryptUpdate(a->enc, out, &n, in, (int)len) != 1)
		return -EIO;
	if (EVP_EncryptFinal_ex(a->enc, out + n, &fin) != 1 || (size_t)(n + fin) != len)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(a->enc, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LEN, out + len) != 1)
		return -EIO;
	return 0;
}

int dw_crypto__aead_open(struct aead *a, const unsigned char nonce[12], const unsigned char *in,
                         size_t len, unsigned char *out)
{
	unsigned char tag[AEAD_TAG_LEN];
	size_t plen;
	int n = 0, fin = 0;

	if (len < AEAD_TAG_LEN || len > INT32_MAX)
		return -EBADMSG;
	plen = len - AEAD_TAG_LEN;
	/* copy the tag first: decrypting in place overwrites nothing past plen, but
	 * keep it independent of that */
	memcpy(tag, in + plen, AEAD_TAG_LEN);
	if (EVP_DecryptInit_ex(a->dec, NULL, NULL, NULL, nonce) != 1)
		return -EIO;
	/* the empty final chunk is a tag alone: no Update for length 0 */
	if (plen && EVP_DecryptUpdate(a->dec, out, &n, in, (int)plen) != 1)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(a->dec, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN, tag) != 1)
		return -EIO;
	/* Update wrote plaintext before the tag was checked: wipe it on failure */
	if (EVP_DecryptFinal_ex(a->dec, out + n, &fin) != 1) {
		OPENSSL_cleanse(out, plen);
		return -EBADMSG;
	}
	return 0;
}

int dw_crypto__seal_zero_nonce(const unsigned char key[32], const void *in, size_t len,
                               unsigned char *out)
{
	static const unsigned char nonce[AEAD_NONCE_LEN];
	struct aead *a = NULL;
	int r = dw_crypto__aead_new(&a, key);

	if (r == 0)
		r = dw_crypto__aead_seal(a, nonce, in, len, out);
	dw_crypto__aead_free(a);
	return r;
}

int dw_crypto__open_zero_nonce(const unsigned char key[32], const unsigned char *in, size_t len,
                               unsigned char *out)
{
	static const unsigned char nonce[AEAD_NONCE_LEN];
	struct aead *a = NULL;
	int r = dw_crypto__aead_new(&a, key);

	if (r == 0)
		r = dw_crypto__aead_open(a, nonce, in, len, out);
	dw_crypto__aead_free(a);
	return r;
}

int dw_crypto__scrypt(const void *pass, size_t passlen, const void *salt, size_t saltlen,
                      unsigned log2n, unsigned char out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	uint64_t n = (uint64_t)1 << log2n, r8 = 8, p1 = 1;
	/* OpenSSL's default cap (32 MiB) is below age's default work factor: allow what
	 * scrypt needs for this N, r = 8, p = 1 (128 r (N + p + 2) bytes), and a margin */
	uint64_t maxmem = 1024 * (n + 3) + (1 << 20);
	OSSL_PARAM params[7], *p = params;
	int r = -EIO;

	if (!ctx || log2n == 0 || log2n > 30)
		goto out;
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)(uintptr_t)pass,
	                                         passlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt,
	                                         saltlen);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_R, &r8);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_P, &p1);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, 32, params) == 1)
		r = 0;
	else
		r = -ENOMEM;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}
