/*
 * SSHSIG (OpenSSH PROTOCOL.sshsig): the armored blob git keeps in a commit's
 * gpgsig header. The blob is
 *	"SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved)
 *	string(hash_algorithm) string(signature)
 * and the key signs
 *	"SSHSIG" string(namespace) string(reserved) string(hash_algorithm) string(H(message))
 * (no version there). Every length is checked against what is left.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/sshsig.h"
#include "driftward/base64.h"
#include "driftward/buf.h"
#include "driftward/sshsig.h"

#define MAGIC       "SSHSIG"
#define MAGIC_LEN   6
#define ARMOR_BEGIN "-----BEGIN SSH SIGNATURE-----\n"
#define ARMOR_END   "-----END SSH SIGNATURE-----"
#define PGP_BEGIN   "-----BEGIN PGP SIGNATURE-----"
#define NAME_MAX_   256 /* a namespace or type longer than this is no real one */

struct dw_sshsig {
	unsigned char *blob; /* owns the bytes the views below point into */
	struct sshwire key, signature;
	struct sshwire ns, reserved, hash;
	enum sshkey_kind kind;
	char namespace_[NAME_MAX_ + 1];
	char hash_name[8];
	char key_type[32];
};

int dw_crypto__ssh_u32(struct sshwire *w, uint32_t *out)
{
	if (w->n < 4)
		return -EINVAL;
	*out = (uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 | (uint32_t)w->p[2] << 8 |
	       (uint32_t)w->p[3];
	w->p += 4;
	w->n -= 4;
	return 0;
}

int dw_crypto__ssh_string(struct sshwire *w, struct sshwire *out)
{
	struct sshwire t = *w;
	uint32_t len;

	if (dw_crypto__ssh_u32(&t, &len) < 0 || len > t.n)
		return -EINVAL;
	out->p = t.p;
	out->n = len;
	w->p = t.p + len;
	w->n = t.n - len;
	return 0;
}

int dw_crypto__ssh_eq(const struct sshwire *s, const char *want)
{
	size_t n = strlen(want);

	return s->n == n && memcmp(s->p, want, n) == 0;
}

int dw_crypto__ssh_expect(struct sshwire *w, const char *want)
{
	struct sshwire s;

	if (dw_crypto__ssh_string(w, &s) < 0 || !dw_crypto__ssh_eq(&s, want))
		return -EINVAL;
	return 0;
}

int dw_crypto__ssh_mpint(struct sshwire *w, struct sshwire *out)
{
	struct sshwire s;

	if (dw_crypto__ssh_string(w, &s) < 0)
		return -EINVAL;
	if (s.n > 0 && (s.p[0] & 0x80))
		return -EINVAL; /* negative */
	if (s.n > 0 && s.p[0] == 0) {
		/* a leading zero only where the next byte's top bit needs it */
		if (s.n == 1 || !(s.p[1] & 0x80))
			return -EINVAL;
		s.p++;
		s.n--;
	}
	*out = s;
	return 0;
}

static int malformed(struct dw_error *err, const char *what)
{
	return dw_error_set(err, -EINVAL, DW_AREA_CRYPTO, 0, "malformed SSH signature: %s", what);
}

/* A short printable name into @out (a namespace, a type), or -EINVAL. */
static int copy_name(const struct sshwire *s, char *out, size_t outlen)
{
	size_t i;

	if (s->n >= outlen)
		return -EINVAL;
	for (i = 0; i < s->n; i++)
		if (s->p[i] < 0x21 || s->p[i] > 0x7e)
			return -EINVAL;
	memcpy(out, s->p, s->n);
	out[s->n] = '\0';
	return 0;
}

static int read_header(struct sshwire *w, struct dw_error *err)
{
	uint32_t version;

	if (w->n < MAGIC_LEN || memcmp(w->p, MAGIC, MAGIC_LEN) != 0)
		return malformed(err, "it does not start with SSHSIG");
	w->p += MAGIC_LEN;
	w->n -= MAGIC_LEN;
	if (dw_crypto__ssh_u32(w, &version) < 0)
		return malformed(err, "truncated before the version");
	if (version != 1)
		return dw_error_set(err, -ENOTSUP, DW_AREA_CRYPTO, 0,
		                    "SSH signature version %u (only 1 is known)", version);
	return 0;
}

static int read_fields(struct dw_sshsig *sig, struct sshwire *w, struct dw_error *err)
{
	struct sshwire rest, type;

	if (dw_crypto__ssh_string(w, &sig->key) < 0 || dw_crypto__ssh_string(w, &sig->ns) < 0 ||
	    dw_crypto__ssh_string(w, &sig->reserved) < 0 ||
	    dw_crypto__ssh_string(w, &sig->hash) < 0 ||
	    dw_crypto__ssh_string(w, &sig->signature) < 0)
		return malformed(err, "a length runs past the end");
	if (w->n != 0)
		return malformed(err, "bytes after the signature");
	rest = sig->key;
	if (dw_crypto__ssh_string(&rest, &type) < 0 ||
	    copy_name(&type, sig->key_type, sizeof(sig->key_type)) < 0)
		return malformed(err, "the key type");
	if (copy_name(&sig->ns, sig->namespace_, sizeof(sig->namespace_)) < 0)
		return malformed(err, "the namespace is empty, too long or not printable");
	if (!dw_crypto__ssh_eq(&sig->hash, "sha512") && !dw_crypto__ssh_eq(&sig->hash, "sha256"))
		return dw_error_set(err, -ENOTSUP, DW_AREA_CRYPTO, 0,
		                    "SSH signature hash is not sha512 or sha256");
	memcpy(sig->hash_name, sig->hash.p, sig->hash.n);
	sig->hash_name[sig->hash.n] = '\0';
	return 0;
}

static int check_key(struct dw_sshsig *sig, struct dw_error *err)
{
	struct sshwire w = sig->signature, sigtype;

	if (dw_crypto__ssh_string(&w, &sigtype) < 0)
		return malformed(err, "the signature has no type");
	return dw_crypto__sshkey_check(&sig->key, &sigtype, &sig->kind, err);
}

int dw_sshsig_parse_blob(const unsigned char *blob, size_t len, struct dw_sshsig **out,
                         struct dw_error *err)
{
	struct dw_sshsig *sig = calloc(1, sizeof(*sig));
	struct sshwire w;
	int r;

	*out = NULL;
	if (!sig || !(sig->blob = malloc(len ? len : 1))) {
		r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(sig->blob, blob, len);
	w.p = sig->blob;
	w.n = len;
	if ((r = read_header(&w, err)) < 0 || (r = read_fields(sig, &w, err)) < 0 ||
	    (r = check_key(sig, err)) < 0)
		goto out;
	*out = sig;
	sig = NULL;
out:
	dw_sshsig_free(sig);
	return r;
}

/* The base64 between the armor lines, without the newlines, into @b64. */
static int dearmor(const char *text, size_t len, struct dw_buf *b64, struct dw_error *err)
{
	size_t blen = strlen(ARMOR_BEGIN), elen = strlen(ARMOR_END), i;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len >= strlen(PGP_BEGIN) && memcmp(text, PGP_BEGIN, strlen(PGP_BEGIN)) == 0)
		return dw_error_set(
		        err, -ENOTSUP, DW_AREA_CRYPTO, 0,
		        "an OpenPGP signature (GitHub signs its web-UI merges so): only "
		        "SSH signatures (gpg.format=ssh) are verified");
	if (len < blen + elen || memcmp(text, ARMOR_BEGIN, blen) != 0)
		return malformed(err, "no -----BEGIN SSH SIGNATURE----- line");
	if (memcmp(text + len - elen, ARMOR_END, elen) != 0 || text[len - elen - 1] != '\n')
		return malformed(err, "no -----END SSH SIGNATURE----- line");
	for (i = blen; i < len - elen - 1; i++) {
		if (text[i] == '\n' && text[i - 1] == '\n')
			return malformed(err, "an empty line inside the armor");
		if (text[i] != '\n' && dw_buf_putc(b64, text[i]) < 0)
			return malformed(err, "too long");
	}
	return 0;
}

int dw_sshsig_parse(const char *armored, size_t len, struct dw_sshsig **out, struct dw_error *err)
{
	struct dw_buf b64;
	unsigned char *blob = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	dw_buf_init(&b64, DW_SSHSIG_ARMOR_MAX);
	if (len > DW_SSHSIG_ARMOR_MAX) {
		r = malformed(err, "too long");
		goto out;
	}
	if ((r = dearmor(armored, len, &b64, err)) < 0)
		goto out;
	if (!(blob = malloc(dw_base64_decoded_max(b64.len) + 1))) {
		r = dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	if (dw_base64_decode(dw_buf_cstr(&b64), b64.len, DW_BASE64_PAD, blob,
	                     dw_base64_decoded_max(b64.len) + 1, &n) < 0) {
		r = malformed(err, "the armor is not canonical base64");
		goto out;
	}
	r = dw_sshsig_parse_blob(blob, n, out, err);
out:
	free(blob);
	dw_buf_release(&b64);
	return r;
}

void dw_sshsig_free(struct dw_sshsig *sig)
{
	if (!sig)
		return;
	free(sig->blob);
	free(sig);
}

const char *dw_sshsig_namespace(const struct dw_sshsig *sig)
{
	return sig->namespace_;
}

const char *dw_sshsig_hash(const struct dw_sshsig *sig)
{
	return sig->hash_name;
}

const unsigned char *dw_sshsig_key(const struct dw_sshsig *sig, size_t *len)
{
	*len = sig->key.n;
	return sig->key.p;
}

const char *dw_sshsig_key_type(const struct dw_sshsig *sig)
{
	return sig->key_type;
}

const char *dw_sshsig_key_kind(const struct dw_sshsig *sig)
{
	static const char *const names[] = { "ED25519", "ECDSA", "RSA" };

	return names[sig->kind];
}

void dw_sshsig_fingerprint(const struct dw_sshsig *sig, char out[DW_SSHSIG_FINGERPRINT_MAX])
{
	unsigned char md[32];

	EVP_Digest(sig->key.p, sig->key.n, md, NULL, EVP_sha256(), NULL);
	memcpy(out, "SHA256:", 7);
	dw_base64_encode(md, sizeof(md), DW_BASE64_NOPAD, out + 7);
}

static int put_string(struct dw_buf *b, const void *p, size_t n)
{
	unsigned char len[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
		                 (unsigned char)(n >> 8), (unsigned char)n };

	return dw_buf_put(b, len, 4) < 0 || dw_buf_put(b, p, n) < 0 ? -ENOMEM : 0;
}

/* What the key signed: the magic, the namespace, reserved, the hash name and H(message). */
static int signed_data(const struct dw_sshsig *sig, const void *msg, size_t len, struct dw_buf *out)
{
	const EVP_MD *md = dw_crypto__ssh_eq(&sig->hash, "sha512") ? EVP_sha512() : EVP_sha256();
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;

	if (EVP_Digest(msg, len, h, &hlen, md, NULL) != 1)
		return -EIO;
	if (dw_buf_put(out, MAGIC, MAGIC_LEN) < 0 || put_string(out, sig->ns.p, sig->ns.n) < 0 ||
	    put_string(out, sig->reserved.p, sig->reserved.n) < 0 ||
	    put_string(out, sig->hash.p, sig->hash.n) < 0 || put_string(out, h, hlen) < 0)
		return -ENOMEM;
	return 0;
}

int dw_sshsig_verify(const struct dw_sshsig *sig, const void *msg, size_t len, struct dw_error *err)
{
	struct dw_buf data;
	int r;

	dw_buf_init(&data, 4096);
	if ((r = signed_data(sig, msg, len, &data)) < 0) {
		r = dw_error_set(err, r, DW_AREA_CRYPTO, 0, "could not hash the signed content");
		goto out;
	}
	r = dw_crypto__sshkey_verify(&sig->key, sig->kind, &sig->signature,
	                             (const unsigned char *)data.ptr, data.len, err);
out:
	dw_buf_release(&data);
	return r;
}
