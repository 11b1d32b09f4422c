/*
 * JWT client assertions with OpenSSL. The header and claims are small fixed
 * shapes, so they are written here directly; the only variable strings are
 * the client id and the audience, which are escaped as JSON strings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "driftward/jwt.h"
#include "driftward/base64.h"

struct dw_jwt_signer {
	EVP_PKEY *key;
	enum dw_jwt_alg alg;
	char thumbprint[64]; /* base64url of SHA-256 (x5t#S256) or SHA-1 (x5t) of the DER cert */
};

/* Base64url without padding (RFC 7515 section 2). */
static int put_b64url(struct dw_buf *out, const unsigned char *data, size_t len)
{
	return dw_base64_put(out, data, len, DW_BASE64_URL | DW_BASE64_NOPAD);
}

static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	return reason ? reason : "unknown OpenSSL error";
}

static int load_certificate(const char *file, X509 **out, struct dw_error *err)
{
	FILE *f = fopen(file, "re");
	X509 *cert;

	if (!f)
		return dw_error_at(err, -errno, DW_AREA_SYSTEM, file, 0, 0,
		                   "could not open the certificate: %s", strerror(errno));
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!cert) {
		ERR_clear_error();
		return dw_error_at(err, -EINVAL, DW_AREA_CRYPTO, file, 0, 0,
		                   "not a PEM certificate (expected -----BEGIN CERTIFICATE-----)");
	}
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
		X509_free(cert);
		return dw_error_at(err, -EKEYEXPIRED, DW_AREA_CRYPTO, file, 0, 0,
		                   "the certificate has expired: Entra ID refuses assertions made "
		                   "with it; upload a new one");
	}
	*out = cert;
	return 0;
}

/* Refuses to prompt for a passphrase: an encrypted key is an error, not a question. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int load_key(const struct dw_secret *pem, EVP_PKEY **out, struct dw_error *err)
{
	BIO *bio = BIO_new_mem_buf(dw_secret_data(pem), (int)dw_secret_len(pem));
	EVP_PKEY *key;

	if (!bio)
		return dw_error_set(err, -ENOMEM, DW_AREA_CRYPTO, 0, "out of memory");
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (!key) {
		unsigned long e = ERR_peek_last_error();
		int encrypted = ERR_GET_REASON(e) == PEM_R_BAD_PASSWORD_READ ||
		                ERR_GET_REASON(e) == PEM_R_PROBLEMS_GETTING_PASSWORD;

		ERR_clear_error();
		return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, (long)e,
		                    encrypted
		                            ? "the private key is protected by a passphrase; store "
		                              "it without one (the age file protects it)"
		                            : "the secret is not a PEM private key");
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		EVP_PKEY_free(key);
		return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0,
		                    "the private key is not an RSA key (Entra ID certificate "
		                    "credentials need RSA)");
	}
	*out = key;
	return 0;
}

static int make_thumbprint(struct dw_jwt_signer *s, X509 *cert, struct dw_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct dw_buf b;
	int r;

	if (!X509_digest(cert, s->alg == DW_JWT_PS256 ? EVP_sha256() : EVP_sha1(), md, &mdlen))
		return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0,
		                    "could not hash the certificate: %s", ossl_reason());
	dw_buf_init(&b, sizeof(s->thumbprint) - 1);
	r = put_b64url(&b, md, mdlen);
	if (r == 0)
		memcpy(s->thumbprint, b.ptr, b.len + 1);
	dw_buf_release(&b);
	return r < 0 ? dw_error_set(err, r, DW_AREA_CRYPTO, 0, "out of memory") : 0;
}

int dw_jwt_signer_new(const char *cert_file, const struct dw_secret *key_pem, enum dw_jwt_alg alg,
                      struct dw_jwt_signer **out, struct dw_error *err)
{
	struct dw_jwt_signer *s = calloc(1, sizeof(*s));
	X509 *cert = NULL;
	int r = -ENOMEM;

	*out = NULL;
	if (!s) {
		dw_error_set(err, r, DW_AREA_CRYPTO, 0, "out of memory");
		goto out;
	}
	s->alg = alg;
	r = load_certificate(cert_file, &cert, err);
	if (r == 0)
		r = load_key(key_pem, &s->key, err);
	if (r == 0 && EVP_PKEY_eq(X509_get0_pubkey(cert), s->key) != 1) {
		ERR_clear_error();
		r = dw_error_at(err, -EKEYREJECTED, DW_AREA_CRYPTO, cert_file, 0, 0,
		                "the private key in the secret file does not belong to this "
		                "certificate (their public keys differ)");
	}
	if (r == 0)
		r = make_thumbprint(s, cert, err);
	if (r == 0) {
		*out = s;
		s = NULL;
	}
out:
	X509_free(cert);
	dw_jwt_signer_free(s);
	return r;
}

void dw_jwt_signer_free(struct dw_jwt_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	free(s);
}

const char *dw_jwt_signer_thumbprint(const struct dw_jwt_signer *s)
{
	return s->thumbprint;
}

static int make_jti(char out[37])
{
	unsigned char u[16];

	if (RAND_bytes(u, sizeof(u)) != 1)
		return -EIO;
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
	         u[13], u[14], u[15]);
	return 0;
}

/* The signing input: base64url(header) "." base64url(claims). */
static int signing_input(const struct dw_jwt_signer *s, const char *client_id, const char *audience,
                         time_t now, struct dw_buf *out)
{
	struct dw_buf json;
	char jti[37];
	int r = make_jti(jti);

	if (r < 0)
		return r;
	dw_buf_init(&json, 16384);
	r = dw_buf_printf(&json, "{\"alg\":\"%s\",\"typ\":\"JWT\",\"%s\":\"%s\"}",
	                  s->alg == DW_JWT_PS256 ? "PS256" : "RS256",
	                  s->alg == DW_JWT_PS256 ? "x5t#S256" : "x5t", s->thumbprint);
	r = r ?: put_b64url(out, (unsigned char *)json.ptr, json.len) ?: dw_buf_putc(out, '.');
	dw_buf_reset(&json);
	r = r ?: dw_buf_puts(&json, "{\"aud\":") ?: dw_buf_put_json_string(&json, audience);
	r = r ?: dw_buf_puts(&json, ",\"iss\":") ?: dw_buf_put_json_string(&json, client_id);
	r = r ?: dw_buf_puts(&json, ",\"sub\":") ?: dw_buf_put_json_string(&json, client_id);
	r = r
	            ?: dw_buf_printf(&json,
	                             ",\"jti\":\"%s\",\"nbf\":%lld,\"iat\":%lld,\"exp\":%lld}", jti,
	                             (long long)now, (long long)now,
	                             (long long)now + DW_JWT_LIFETIME);
	r = r ?: put_b64url(out, (unsigned char *)json.ptr, json.len);
	dw_buf_release(&json);
	return r;
}

static int sign(const struct dw_jwt_signer *s, const char *data, size_t len, unsigned char **sig,
                size_t *siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int r = -EIO;

	*sig = NULL;
	if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, s->key) != 1)
		goto out;
	if (s->alg == DW_JWT_PS256 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto out;
	if (EVP_DigestSign(md, NULL, siglen, (const unsigned char *)data, len) != 1)
		goto out;
	*sig = malloc(*siglen);
	if (!*sig) {
		r = -ENOMEM;
		goto out;
	}
	if (EVP_DigestSign(md, *sig, siglen, (const unsigned char *)data, len) != 1)
		goto out;
	r = 0;
out:
	if (r < 0) {
		free(*sig);
		*sig = NULL;
	}
	EVP_MD_CTX_free(md);
	return r;
}

int dw_jwt_client_assertion(const struct dw_jwt_signer *s, const char *client_id,
                            const char *audience, time_t now, struct dw_buf *out,
                            struct dw_error *err)
{
	size_t start = out->len, siglen = 0;
	unsigned char *sig = NULL;
	int r = signing_input(s, client_id, audience, now, out);

	if (r < 0)
		return dw_error_set(err, r, DW_AREA_CRYPTO, 0, "could not build the assertion: %s",
		                    strerror(-r));
	r = sign(s, out->ptr + start, out->len - start, &sig, &siglen);
	if (r < 0) {
		r = dw_error_set(err, r, DW_AREA_CRYPTO, (long)ERR_peek_last_error(),
		                 "could not sign the assertion: %s", ossl_reason());
		ERR_clear_error();
		return r;
	}
	r = dw_buf_putc(out, '.') ?: put_b64url(out, sig, siglen);
	free(sig);
	if (r < 0)
		return dw_error_set(err, r, DW_AREA_CRYPTO, 0, "out of memory");
	return 0;
}
