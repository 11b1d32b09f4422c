/*
 * SSH public keys and signatures on OpenSSL 3: the three kinds git users sign
 * with (ed25519, ECDSA P-256, RSA with SHA-2). Every field is length-checked
 * by sshwire; a key whose shape is wrong is refused before OpenSSL sees it.
 */
#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto/sshsig.h"

#define ED25519_KEY_LEN 32
#define ED25519_SIG_LEN 64
#define P256_POINT_LEN  65 /* 0x04, X, Y: uncompressed, as OpenSSH writes it */
/* OpenSSH's bounds (SSH_RSA_MINIMUM_MODULUS_SIZE, SSHBUF_MAX_BIGNUM) */
#define RSA_MIN_BITS 1024
#define RSA_MAX_BITS 16384

static int bad(struct dw_error *err, const char *what)
{
	return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0, "malformed SSH signature: %s", what);
}

static int end_of(const struct sshwire *w, struct dw_error *err, const char *what)
{
	return w->n == 0 ? 0 : bad(err, what);
}

static int check_ed25519(struct sshwire *w, struct dw_error *err)
{
	struct sshwire pk;

	if (dw_crypto__ssh_string(w, &pk) < 0 || pk.n != ED25519_KEY_LEN)
		return bad(err, "an ed25519 key is 32 bytes");
	return end_of(w, err, "bytes after the ed25519 key");
}

static int check_p256(struct sshwire *w, struct dw_error *err)
{
	struct sshwire q;

	if (dw_crypto__ssh_expect(w, "nistp256") < 0)
		return bad(err, "the ECDSA key's curve is not nistp256");
	if (dw_crypto__ssh_string(w, &q) < 0 || q.n != P256_POINT_LEN || q.p[0] != 0x04)
		return bad(err, "the ECDSA key is not an uncompressed P-256 point");
	return end_of(w, err, "bytes after the ECDSA key");
}

static int rsa_bits(const struct sshwire *n)
{
	int top = 8;

	if (n->n == 0)
		return 0;
	while (top > 0 && !(n->p[0] & (1u << (top - 1))))
		top--;
	return (int)((n->n - 1) * 8) + top;
}

static int check_rsa(struct sshwire *w, struct dw_error *err)
{
	struct sshwire e, n;
	int bits;

	if (dw_crypto__ssh_mpint(w, &e) < 0 || dw_crypto__ssh_mpint(w, &n) < 0)
		return bad(err, "the RSA key's exponent or modulus");
	if (end_of(w, err, "bytes after the RSA key") < 0)
		return -EINVAL;
	bits = n.n > RSA_MAX_BITS / 8 ? RSA_MAX_BITS + 1 : rsa_bits(&n);
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return dw_error_set(err, -ENOTSUP, DW_AREA_CRYPTO, 0,
		                    "an RSA key of %d bits (%d to %d are accepted)", bits,
		                    RSA_MIN_BITS, RSA_MAX_BITS);
	return 0;
}

int dw_crypto__sshkey_check(const struct sshwire *key, const struct sshwire *sigtype,
                            enum sshkey_kind *kind, struct dw_error *err)
{
	struct sshwire w = *key, type;

	if (dw_crypto__ssh_string(&w, &type) < 0)
		return bad(err, "the key has no type");
	if (dw_crypto__ssh_eq(&type, "ssh-ed25519") && dw_crypto__ssh_eq(sigtype, "ssh-ed25519")) {
		*kind = SSHKEY_ED25519;
		return check_ed25519(&w, err);
	}
	if (dw_crypto__ssh_eq(&type, "ecdsa-sha2-nistp256") &&
	    dw_crypto__ssh_eq(sigtype, "ecdsa-sha2-nistp256")) {
		*kind = SSHKEY_ECDSA_P256;
		return check_p256(&w, err);
	}
	if (dw_crypto__ssh_eq(&type, "ssh-rsa") && dw_crypto__ssh_eq(sigtype, "ssh-rsa"))
		return dw_error_set(err, -ENOTSUP, DW_AREA_CRYPTO, 0,
		                    "an ssh-rsa (SHA-1) signature: only rsa-sha2-256 and "
		                    "rsa-sha2-512 are accepted");
	if (dw_crypto__ssh_eq(&type, "ssh-rsa") && (dw_crypto__ssh_eq(sigtype, "rsa-sha2-256") ||
	                                            dw_crypto__ssh_eq(sigtype, "rsa-sha2-512"))) {
		*kind = SSHKEY_RSA;
		return check_rsa(&w, err);
	}
	if (dw_crypto__ssh_eq(&type, "ssh-ed25519") ||
	    dw_crypto__ssh_eq(&type, "ecdsa-sha2-nistp256") || dw_crypto__ssh_eq(&type, "ssh-rsa"))
		return bad(err, "the signature's type does not belong to its key");
	return dw_error_set(err, -ENOTSUP, DW_AREA_CRYPTO, 0,
	                    "a key type this verifier does not take (ed25519, ecdsa-sha2-nistp256 "
	                    "and RSA are)");
}

static EVP_PKEY *pkey_from_params(const char *alg, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	EVP_PKEY *pkey = NULL;

	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static EVP_PKEY *pkey_p256(struct sshwire *w)
{
	char group[] = "prime256v1";
	unsigned char point[P256_POINT_LEN]; /* OSSL_PARAM wants it mutable */
	struct sshwire q;
	OSSL_PARAM params[3];

	dw_crypto__ssh_string(w, &q); /* the curve name, checked */
	dw_crypto__ssh_string(w, &q);
	memcpy(point, q.p, sizeof(point));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] =
	        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	return pkey_from_params("EC", params);
}

static EVP_PKEY *pkey_rsa(struct sshwire *w)
{
	struct sshwire e, n;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	BIGNUM *be = NULL, *bn = NULL;
	EVP_PKEY *pkey = NULL;

	dw_crypto__ssh_mpint(w, &e);
	dw_crypto__ssh_mpint(w, &n);
	be = BN_bin2bn(e.p, (int)e.n, NULL);
	bn = BN_bin2bn(n.p, (int)n.n, NULL);
	if (bld && be && bn && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)))
		pkey = pkey_from_params("RSA", params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(be);
	BN_free(bn);
	return pkey;
}

/* The key as OpenSSL's; its blob was accepted by sshkey_check, so its fields are there. */
static EVP_PKEY *pkey_from_blob(const struct sshwire *key, enum sshkey_kind kind)
{
	struct sshwire w = *key, field;

	dw_crypto__ssh_string(&w, &field); /* the type */
	if (kind == SSHKEY_ED25519) {
		dw_crypto__ssh_string(&w, &field);
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, field.p, field.n);
	}
	return kind == SSHKEY_ECDSA_P256 ? pkey_p256(&w) : pkey_rsa(&w);
}

/* OpenSSH's ECDSA signature (mpint r, mpint s) as the DER OpenSSL verifies. */
static int ecdsa_der(const struct sshwire *raw, unsigned char **der, size_t *len)
{
	struct sshwire w = *raw, r, s;
	ECDSA_SIG *sig = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	int n, ret = -EINVAL;

	if (dw_crypto__ssh_mpint(&w, &r) < 0 || dw_crypto__ssh_mpint(&w, &s) < 0 || w.n != 0 ||
	    r.n > 32 || s.n > 32)
		return -EINVAL;
	br = BN_bin2bn(r.p, (int)r.n, NULL);
	bs = BN_bin2bn(s.p, (int)s.n, NULL);
	if (!br || !bs || !(sig = ECDSA_SIG_new()) || ECDSA_SIG_set0(sig, br, bs) != 1)
		goto out;
	br = bs = NULL; /* the signature owns them */
	*der = NULL;
	if ((n = i2d_ECDSA_SIG(sig, der)) <= 0)
		goto out;
	*len = (size_t)n;
	ret = 0;
out:
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	return ret;
}

/* RSA: OpenSSH takes a signature shorter than the modulus and pads it on the left. */
static int rsa_padded(EVP_PKEY *pkey, const struct sshwire *raw, unsigned char **out, size_t *len)
{
	size_t modlen = (size_t)EVP_PKEY_get_size(pkey);

	if (raw->n == 0 || raw->n > modlen || !(*out = OPENSSL_zalloc(modlen)))
		return -EINVAL;
	memcpy(*out + (modlen - raw->n), raw->p, raw->n);
	*len = modlen;
	return 0;
}

static const EVP_MD *digest_for(enum sshkey_kind kind, const struct sshwire *type)
{
	if (kind == SSHKEY_ED25519)
		return NULL; /* Ed25519 hashes internally: one-shot with no digest */
	if (kind == SSHKEY_ECDSA_P256 || dw_crypto__ssh_eq(type, "rsa-sha2-256"))
		return EVP_sha256();
	return EVP_sha512();
}

/* The raw signature in the form OpenSSL verifies (a copy in *@owned when converted). */
static int signature_bytes(EVP_PKEY *pkey, enum sshkey_kind kind, const struct sshwire *raw,
                           unsigned char **owned, const unsigned char **bytes, size_t *len)
{
	*owned = NULL;
	if (kind == SSHKEY_ED25519) {
		*bytes = raw->p;
		*len = raw->n;
		return raw->n == ED25519_SIG_LEN ? 0 : -EINVAL;
	}
	if ((kind == SSHKEY_ECDSA_P256 ? ecdsa_der(raw, owned, len)
	                               : rsa_padded(pkey, raw, owned, len)) < 0)
		return -EINVAL;
	*bytes = *owned;
	return 0;
}

static int verify_with(EVP_PKEY *pkey, const EVP_MD *md, const unsigned char *sig, size_t siglen,
                       const unsigned char *data, size_t len, struct dw_error *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = -1;

	if (ctx && EVP_DigestVerifyInit_ex(ctx, NULL, md ? EVP_MD_get0_name(md) : NULL, NULL, NULL,
	                                   pkey, NULL) == 1)
		ok = EVP_DigestVerify(ctx, sig, siglen, data, len);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (ok == 1)
		return 0;
	return dw_error_set(err, -EBADMSG, DW_AREA_CRYPTO, 0,
	                    "the signature does not match the signed content");
}

int dw_crypto__sshkey_verify(const struct sshwire *key, enum sshkey_kind kind,
                             const struct sshwire *sig, const unsigned char *data, size_t len,
                             struct dw_error *err)
{
	struct sshwire w = *sig, type, raw;
	unsigned char *owned = NULL;
	const unsigned char *bytes;
	size_t n;
	EVP_PKEY *pkey = NULL;
	int r;

	if (dw_crypto__ssh_string(&w, &type) < 0 || dw_crypto__ssh_string(&w, &raw) < 0 || w.n != 0)
		return bad(err, "the signature's type and bytes");
	if (!(pkey = pkey_from_blob(key, kind))) {
		ERR_clear_error();
		r = dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0, "the signer's key is not valid");
		goto out;
	}
	if ((r = signature_bytes(pkey, kind, &raw, &owned, &bytes, &n)) < 0) {
		r = bad(err, "the signature bytes have the wrong length or shape");
		goto out;
	}
	r = verify_with(pkey, digest_for(kind, &type), bytes, n, data, len, err);
out:
	if (owned)
		OPENSSL_free(owned);
	EVP_PKEY_free(pkey);
	return r;
}
