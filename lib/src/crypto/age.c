/*
 * age v1 encryption and decryption: the header (wrapped file key and MAC),
 * then the STREAM payload, optionally inside the ASCII armor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "crypto/internal.h"
#include "driftward/base64.h"
#include "driftward/crypto.h"
#include "driftward/file.h"

#define VERSION_LINE      "age-encryption.org/v1\n"
#define PAYLOAD_NONCE_LEN 16

const char *dw_age_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "success";
	case -EILSEQ:
		return "armor failure";
	case -EBADMSG:
		return "header failure";
	case -ENOKEY:
		return "no match";
	case -EKEYREJECTED:
		return "HMAC failure";
	case -EPROTO:
		return "payload failure";
	default:
		return "system error";
	}
}

static int header_mac(const unsigned char file_key[16], const void *hdr, size_t len,
                      unsigned char mac[32])
{
	unsigned char key[32];
	int r = dw_crypto__hkdf_sha256(file_key, FILE_KEY_LEN, NULL, 0, "header", key);

	if (r == 0)
		r = dw_crypto__hmac_sha256(key, hdr, len, mac);
	OPENSSL_cleanse(key, sizeof(key));
	return r;
}

static int payload_key(const unsigned char file_key[16], const unsigned char nonce[16],
                       unsigned char key[32])
{
	return dw_crypto__hkdf_sha256(file_key, FILE_KEY_LEN, nonce, PAYLOAD_NONCE_LEN, "payload",
	                              key);
}

/* Builds the header and the payload nonce into @hdr; the file key stays in @file_key. */
static int build_header(const struct dw_age_recipients *r, const unsigned char file_key[16],
                        struct dw_buf *hdr, unsigned char pkey[32], struct dw_error *err)
{
	unsigned char mac[32], nonce[PAYLOAD_NONCE_LEN];
	char mac64[48];
	int rc = dw_buf_puts(hdr, VERSION_LINE);

	if (rc == 0)
		rc = dw_crypto__recipients_wrap(r, file_key, hdr, err);
	if (rc == 0)
		rc = dw_buf_puts(hdr, "---");
	if (rc == 0)
		rc = header_mac(file_key, hdr->ptr, hdr->len, mac);
	if (rc == 0) {
		dw_base64_encode(mac, sizeof(mac), DW_BASE64_NOPAD, mac64);
		rc = dw_buf_printf(hdr, " %s\n", mac64);
	}
	if (rc == 0)
		rc = dw_crypto_random(nonce, sizeof(nonce));
	if (rc == 0)
		rc = dw_buf_put(hdr, nonce, sizeof(nonce));
	if (rc == 0)
		rc = payload_key(file_key, nonce, pkey);
	if (rc < 0)
		dw_error_set(err, rc, DW_AREA_CRYPTO, 0, "could not build the age header");
	return rc;
}

int dw_age_encrypt(const struct dw_age_recipients *r, unsigned flags,
                   const struct dw_age_source *src, const struct dw_age_sink *dst,
                   struct dw_error *err)
{
	unsigned char file_key[FILE_KEY_LEN], pkey[32];
	struct armor_writer *aw = NULL;
	struct dw_age_sink out = *dst;
	struct dw_buf hdr;
	int rc;

	dw_buf_init(&hdr, 16 * 1024 * 1024);
	rc = dw_crypto_random(file_key, sizeof(file_key));
	if (rc == 0)
		rc = build_header(r, file_key, &hdr, pkey, err);
	if (rc < 0)
		goto out;
	if (flags & DW_AGE_ARMOR) {
		rc = dw_crypto__armor_writer_new(&aw, dst);
		if (rc < 0)
			goto out;
		out.write = dw_crypto__armor_write;
		out.ctx = aw;
	}
	rc = out.write(out.ctx, hdr.ptr, hdr.len);
	if (rc < 0) {
		dw_error_set(err, rc, DW_AREA_SYSTEM, -rc, "could not write the output");
		goto out;
	}
	rc = dw_crypto__stream_encrypt(pkey, src, &out, err);
	if (rc == 0 && aw && (rc = dw_crypto__armor_writer_close(aw)) < 0)
		dw_error_set(err, rc, DW_AREA_SYSTEM, -rc, "could not write the output");
out:
	OPENSSL_cleanse(file_key, sizeof(file_key));
	OPENSSL_cleanse(pkey, sizeof(pkey));
	dw_crypto__armor_writer_free(aw);
	dw_buf_release(&hdr);
	return rc;
}

/* Unwraps the file key, checks the MAC, reads the nonce: the payload key. */
static int open_header(const struct dw_age_identities *ids, struct in *in, unsigned char pkey[32],
                       struct dw_error *err)
{
	unsigned char file_key[FILE_KEY_LEN], mac[32], nonce[PAYLOAD_NONCE_LEN];
	struct header h;
	ssize_t n;
	int r = dw_crypto__header_parse(in, &h, err);

	if (r < 0)
		return r;
	r = dw_crypto__identities_unwrap(ids, &h, file_key, err);
	if (r == 0)
		r = header_mac(file_key, h.raw, h.rawlen, mac);
	if (r == 0 && CRYPTO_memcmp(mac, h.mac, sizeof(mac)) != 0)
		r = dw_error_set(err, -EKEYREJECTED, DW_AREA_CRYPTO, 0,
		                 "the header MAC does not match (the header was altered)");
	if (r == 0) {
		n = dw_crypto__in_read(in, nonce, sizeof(nonce));
		if (n < 0)
			r = dw_error_set(err, (int)n, DW_AREA_SYSTEM, -n,
			                 "could not read the input");
		else if (n != sizeof(nonce))
			r = dw_error_set(err, -EBADMSG, DW_AREA_CRYPTO, 0,
			                 "invalid age file: the payload nonce is missing or short");
	}
	if (r == 0)
		r = payload_key(file_key, nonce, pkey);
	OPENSSL_cleanse(file_key, sizeof(file_key));
	dw_crypto__header_release(&h);
	return r;
}

/* Armored unless the input starts like a binary age file (or is empty). */
static int is_armored(struct in *raw)
{
	static const char prefix[] = "age-encryption.org/";
	ssize_t n = dw_crypto__in_fill(raw, sizeof(prefix) - 1);

	if (n <= 0)
		return n < 0 ? (int)n : 0;
	if ((size_t)n > sizeof(prefix) - 1)
		n = sizeof(prefix) - 1;
	return memcmp(raw->buf + raw->pos, prefix, (size_t)n) != 0;
}

int dw_age_decrypt(const struct dw_age_identities *ids, const struct dw_age_source *src,
                   const struct dw_age_sink *dst, struct dw_error *err)
{
	struct in *raw = malloc(sizeof(*raw)), *in = NULL;
	struct armor_reader *ar = NULL;
	struct dw_age_source armored;
	unsigned char pkey[32];
	int r = -ENOMEM;

	if (!raw)
		goto out;
	dw_crypto__in_init(raw, src);
	r = is_armored(raw);
	if (r < 0) {
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not read the input");
		goto out;
	}
	if (r == 1) {
		r = dw_crypto__armor_reader_new(&ar, raw, err);
		in = malloc(sizeof(*in));
		if (r < 0 || !in) {
			r = r < 0 ? r : -ENOMEM;
			goto out;
		}
		armored.read = dw_crypto__armor_read;
		armored.ctx = ar;
		dw_crypto__in_init(in, &armored);
	}
	r = open_header(ids, in ? in : raw, pkey, err);
	if (r == 0)
		r = dw_crypto__stream_decrypt(pkey, in ? in : raw, dst, err);
	OPENSSL_cleanse(pkey, sizeof(pkey));
out:
	dw_crypto__armor_reader_free(ar);
	free(in);
	free(raw);
	return r;
}

/* --- file descriptors --- */

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(*(int *)ctx, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int fd_write(void *ctx, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(*(int *)ctx, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int dw_age_encrypt_fd(const struct dw_age_recipients *r, unsigned flags, int in, int out,
                      struct dw_error *err)
{
	struct dw_age_source src = { fd_read, &in };
	struct dw_age_sink dst = { fd_write, &out };

	return dw_age_encrypt(r, flags, &src, &dst, err);
}

int dw_age_decrypt_fd(const struct dw_age_identities *ids, int in, int out, struct dw_error *err)
{
	struct dw_age_source src = { fd_read, &in };
	struct dw_age_sink dst = { fd_write, &out };

	return dw_age_decrypt(ids, &src, &dst, err);
}

int dw_age_encrypt_to_path(const struct dw_age_recipients *r, unsigned flags, int in,
                           const char *path, mode_t mode, struct dw_error *err)
{
	struct dw_atomic_file f;
	int rc = dw_atomic_file_begin(&f, path, mode, 0, err);

	if (rc == 0)
		rc = dw_age_encrypt_fd(r, flags, in, f.fd, err);
	if (rc == 0)
		rc = dw_atomic_file_commit(&f, err);
	dw_atomic_file_abort(&f);
	return rc;
}

int dw_age_decrypt_to_path(const struct dw_age_identities *ids, int in, const char *path,
                           mode_t mode, struct dw_error *err)
{
	struct dw_atomic_file f;
	int rc = dw_atomic_file_begin(&f, path, mode, 0, err);

	if (rc == 0)
		rc = dw_age_decrypt_fd(ids, in, f.fd, err);
	if (rc == 0)
		rc = dw_atomic_file_commit(&f, err);
	dw_atomic_file_abort(&f);
	return rc;
}

/* --- memory --- */

struct mem_src {
	const unsigned char *p;
	size_t len, pos;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem_src *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static int buf_write(void *ctx, const void *buf, size_t len)
{
	return dw_buf_put(ctx, buf, len);
}

int dw_age_encrypt_mem(const struct dw_age_recipients *r, unsigned flags, const void *in,
                       size_t len, struct dw_buf *out, struct dw_error *err)
{
	struct mem_src m = { in, len, 0 };
	struct dw_age_source src = { mem_read, &m };
	struct dw_age_sink dst = { buf_write, out };

	return dw_age_encrypt(r, flags, &src, &dst, err);
}

int dw_age_decrypt_mem(const struct dw_age_identities *ids, const void *in, size_t len, size_t max,
                       struct dw_secret **out, struct dw_error *err)
{
	struct mem_src m = { in, len, 0 };
	struct dw_age_source src = { mem_read, &m };
	struct dw_buf plain;
	struct dw_age_sink dst = { buf_write, &plain };
	size_t n = 0;
	char *data;
	int r;

	*out = NULL;
	dw_buf_init_secret(&plain, max);
	r = dw_age_decrypt(ids, &src, &dst, err);
	if (r == -E2BIG)
		dw_error_set(err, r, DW_AREA_CRYPTO, 0, "decrypted value larger than %zu bytes",
		             max);
	if (r == 0) {
		data = dw_buf_detach(&plain, &n);
		if (!data)
			data = calloc(1, 1);
		r = data ? dw_secret_adopt(out, data, n) : -ENOMEM;
		if (r < 0 && data) {
			OPENSSL_cleanse(data, n);
			free(data);
		}
	}
	dw_buf_release(&plain);
	return r;
}
