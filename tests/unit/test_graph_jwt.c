/*
 * JWT client assertions: the header names the certificate by thumbprint, the
 * claims are what Entra ID checks, the signature verifies with the
 * certificate's public key (checked here with OpenSSL directly), and a key
 * that is not the certificate's is refused locally with a clear message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "driftward/jwt.h"
#include "driftward/json.h"

struct fixture {
	char dir[64];
	char cert[128];
	EVP_PKEY *key;
	struct dw_secret *key_pem;
};

static X509 *self_signed(EVP_PKEY *key, long valid_days)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);

	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), valid_days * 86400L);
	X509_set_pubkey(x, key);
	static const unsigned char cn[] = "driftward-test";

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static void write_cert(const char *path, X509 *x)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
}

static struct dw_secret *key_to_pem(EVP_PKEY *key, const EVP_CIPHER *enc)
{
	static unsigned char pw[] = "pw";
	BIO *bio = BIO_new(BIO_s_mem());
	struct dw_secret *s = NULL;
	char *data;
	long len;

	assert_int_equal(PEM_write_bio_PrivateKey(bio, key, enc, pw, enc ? 2 : 0, NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &data);
	assert_int_equal(dw_secret_new(&s, data, (size_t)len), 0);
	BIO_free(bio);
	return s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	X509 *x;

	snprintf(f->dir, sizeof(f->dir), "/tmp/dw-jwt-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
	f->key = EVP_RSA_gen(2048);
	assert_non_null(f->key);
	x = self_signed(f->key, 365);
	write_cert(f->cert, x);
	X509_free(x);
	f->key_pem = key_to_pem(f->key, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->cert);
	rmdir(f->dir);
	EVP_PKEY_free(f->key);
	dw_secret_free(f->key_pem);
	free(f);
	return 0;
}

/* Decodes base64url (no padding) into a malloc'd buffer. */
static unsigned char *b64url_decode(const char *s, size_t n, size_t *outlen)
{
	size_t padded = (n + 3) / 4 * 4, i;
	char *tmp = calloc(1, padded + 1);
	unsigned char *out = calloc(1, padded);
	int len;

	for (i = 0; i < n; i++)
		tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	for (; i < padded; i++)
		tmp[i] = '=';
	len = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)padded);
	assert_true(len >= 0);
	*outlen = (size_t)len - (padded - n);
	free(tmp);
	return out;
}

static struct dw_json_doc *segment_json(const char *s, size_t n)
{
	struct dw_json_doc *doc = NULL;
	size_t len;
	unsigned char *raw = b64url_decode(s, n, &len);

	assert_int_equal(dw_json_parse((char *)raw, len, "segment", &doc, NULL), 0);
	free(raw);
	return doc;
}

static void check_assertion(struct fixture *f, enum dw_jwt_alg alg)
{
	struct dw_jwt_signer *s = NULL;
	struct dw_json_doc *hdr, *claims;
	const char *jwt, *dot1, *dot2;
	struct dw_json *h, *c;
	struct dw_buf out;
	int64_t nbf = 0, exp = 0;
	unsigned char *sig;
	size_t siglen;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	assert_int_equal(dw_jwt_signer_new(f->cert, f->key_pem, alg, &s, NULL), 0);
	dw_buf_init_secret(&out, 65536);
	assert_int_equal(dw_jwt_client_assertion(s, "11111111-1111-1111-1111-111111111111",
	                                         "https://login.example/t/oauth2/v2.0/token",
	                                         1700000000, &out, NULL),
	                 0);
	jwt = dw_buf_cstr(&out);
	dot1 = strchr(jwt, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	assert_non_null(dot2);
	assert_null(strchr(dot2 + 1, '.'));
	assert_null(strchr(jwt, '=')); /* base64url without padding */

	hdr = segment_json(jwt, (size_t)(dot1 - jwt));
	h = dw_json_root(hdr);
	assert_string_equal(dw_json_cstr(dw_json_get(h, "typ")), "JWT");
	assert_string_equal(dw_json_cstr(dw_json_get(h, "alg")),
	                    alg == DW_JWT_PS256 ? "PS256" : "RS256");
	assert_string_equal(dw_json_cstr(dw_json_get(h, alg == DW_JWT_PS256 ? "x5t#S256" : "x5t")),
	                    dw_jwt_signer_thumbprint(s));
	assert_int_equal(strlen(dw_jwt_signer_thumbprint(s)), alg == DW_JWT_PS256 ? 43 : 27);

	claims = segment_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	c = dw_json_root(claims);
	assert_string_equal(dw_json_cstr(dw_json_get(c, "aud")),
	                    "https://login.example/t/oauth2/v2.0/token");
	assert_string_equal(dw_json_cstr(dw_json_get(c, "iss")),
	                    "11111111-1111-1111-1111-111111111111");
	assert_string_equal(dw_json_cstr(dw_json_get(c, "sub")),
	                    "11111111-1111-1111-1111-111111111111");
	assert_int_equal(strlen(dw_json_cstr(dw_json_get(c, "jti"))), 36);
	assert_int_equal(dw_json_int64(dw_json_get(c, "nbf"), &nbf), 0);
	assert_int_equal(dw_json_int64(dw_json_get(c, "exp"), &exp), 0);
	assert_int_equal(nbf, 1700000000);
	assert_int_equal(exp - nbf, DW_JWT_LIFETIME);

	/* the signature verifies over "header.claims" with the certificate's key */
	sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &siglen);
	assert_int_equal(siglen, 256);
	assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, f->key), 1);
	if (alg == DW_JWT_PS256) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
	}
	assert_int_equal(
	        EVP_DigestVerify(md, sig, siglen, (const unsigned char *)jwt, (size_t)(dot2 - jwt)),
	        1);
	EVP_MD_CTX_free(md);
	free(sig);
	dw_json_doc_free(hdr);
	dw_json_doc_free(claims);
	dw_buf_release(&out);
	dw_jwt_signer_free(s);
}

static void test_ps256_assertion(void **state)
{
	check_assertion(*state, DW_JWT_PS256);
}

static void test_rs256_assertion(void **state)
{
	check_assertion(*state, DW_JWT_RS256);
}

static void test_wrong_key_refused(void **state)
{
	struct fixture *f = *state;
	EVP_PKEY *other = EVP_RSA_gen(2048);
	struct dw_secret *pem = key_to_pem(other, NULL);
	struct dw_jwt_signer *s = NULL;
	struct dw_error err;

	dw_error_clear(&err);
	assert_int_equal(dw_jwt_signer_new(f->cert, pem, DW_JWT_PS256, &s, &err), -EKEYREJECTED);
	assert_null(s);
	assert_string_equal(err.file, f->cert);
	assert_non_null(strstr(err.msg, "does not belong to this certificate"));
	assert_null(strstr(err.msg, "PRIVATE KEY"));
	dw_secret_free(pem);
	EVP_PKEY_free(other);
}

static void test_bad_keys_refused(void **state)
{
	struct fixture *f = *state;
	struct dw_secret *enc = key_to_pem(f->key, EVP_aes_256_cbc()), *junk = NULL;
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	struct dw_secret *ecpem = key_to_pem(ec, NULL);
	struct dw_jwt_signer *s = NULL;
	struct dw_error err;

	dw_error_clear(&err);
	assert_int_equal(dw_jwt_signer_new(f->cert, enc, DW_JWT_PS256, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "passphrase"));
	dw_error_clear(&err);
	assert_int_equal(dw_jwt_signer_new(f->cert, ecpem, DW_JWT_PS256, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not an RSA key"));
	assert_int_equal(dw_secret_new(&junk, "hunter2", 7), 0);
	dw_error_clear(&err);
	assert_int_equal(dw_jwt_signer_new(f->cert, junk, DW_JWT_PS256, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a PEM private key"));
	assert_null(strstr(err.msg, "hunter2"));
	dw_error_clear(&err);
	assert_true(dw_jwt_signer_new("/nonexistent/cert.pem", f->key_pem, DW_JWT_PS256, &s, &err) <
	            0);
	assert_string_equal(err.file, "/nonexistent/cert.pem");
	dw_secret_free(enc);
	dw_secret_free(ecpem);
	dw_secret_free(junk);
	EVP_PKEY_free(ec);
}

static void test_expired_certificate_refused(void **state)
{
	struct fixture *f = *state;
	char path[160];
	X509 *x = self_signed(f->key, -2);
	struct dw_jwt_signer *s = NULL;
	struct dw_error err;

	snprintf(path, sizeof(path), "%s/old.pem", f->dir);
	write_cert(path, x);
	X509_free(x);
	dw_error_clear(&err);
	assert_int_equal(dw_jwt_signer_new(path, f->key_pem, DW_JWT_PS256, &s, &err), -EKEYEXPIRED);
	assert_non_null(strstr(err.msg, "expired"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ps256_assertion),
		cmocka_unit_test(test_rs256_assertion),
		cmocka_unit_test(test_wrong_key_refused),
		cmocka_unit_test(test_bad_keys_refused),
		cmocka_unit_test(test_expired_certificate_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
