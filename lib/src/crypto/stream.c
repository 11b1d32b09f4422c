/*
 * The STREAM payload: 64 KiB chunks of ChaCha20-Poly1305 under the payload
 * key, the nonce an 11-byte big-endian counter and a last-chunk flag byte.
 * One chunk of lookahead (a byte) tells whether a chunk is the last, so memory
 * stays at two chunk buffers whatever the size of the file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto/internal.h"

static void nonce_next(unsigned char nonce[AEAD_NONCE_LEN])
{
	int i;

	for (i = AEAD_NONCE_LEN - 2; i >= 0; i--)
		if (++nonce[i] != 0)
			break;
}

/* Reads until @len bytes or the end of the source. */
static ssize_t read_full(const struct dw_age_source *src, unsigned char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = src->read(src->ctx, buf + done, len - done);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

struct enc_state {
	unsigned char *in;  /* CHUNK_SIZE + 1: a byte of lookahead */
	unsigned char *out; /* ENC_CHUNK_SIZE */
	struct aead *aead;
};

int dw_crypto__stream_encrypt(const unsigned char key[32], const struct dw_age_source *src,
                              const struct dw_age_sink *dst, struct dw_error *err)
{
	struct enc_state s = { .in = malloc(CHUNK_SIZE + 1), .out = malloc(ENC_CHUNK_SIZE) };
	unsigned char nonce[AEAD_NONCE_LEN] = { 0 };
	size_t have = 0;
	ssize_t n;
	int r = -ENOMEM, last = 0;

	if (!s.in || !s.out || (r = dw_crypto__aead_new(&s.aead, key)) < 0)
		goto out;
	while (!last) {
		n = read_full(src, s.in + have, CHUNK_SIZE + 1 - have);
		if (n < 0) {
			r = dw_error_set(err, (int)n, DW_AREA_SYSTEM, -n,
			                 "could not read the input");
			goto out;
		}
		have += (size_t)n;
		last = have <= CHUNK_SIZE;
		if (last)
			nonce[AEAD_NONCE_LEN - 1] = 1;
		n = last ? (ssize_t)have : CHUNK_SIZE;
		r = dw_crypto__aead_seal(s.aead, nonce, s.in, (size_t)n, s.out);
		if (r == 0)
			r = dst->write(dst->ctx, s.out, (size_t)n + AEAD_TAG_LEN);
		if (r < 0) {
			dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not write the output");
			goto out;
		}
		nonce_next(nonce);
		if (!last) {
			s.in[0] = s.in[CHUNK_SIZE];
			have = 1;
		}
	}
	r = 0;
out:
	if (s.in)
		OPENSSL_cleanse(s.in, CHUNK_SIZE + 1);
	free(s.in);
	free(s.out);
	dw_crypto__aead_free(s.aead);
	return r;
}

static int payload_fail(struct dw_error *err, unsigned long long chunk, const char *what)
{
	return dw_error_set(err, -EPROTO, DW_AREA_CRYPTO, 0,
	                    "damaged age payload at chunk %llu: %s", chunk, what);
}

struct dec_state {
	unsigned char *buf; /* ENC_CHUNK_SIZE + 1: a byte of lookahead */
	unsigned char *out;
	struct aead *aead;
	unsigned char nonce[AEAD_NONCE_LEN];
	unsigned long long index;
};

/*
 * Opens one chunk of @len bytes. A full
 * chunk is tried as a middle chunk first, then as the last (a file may end
 * with a full chunk); a short one can only be the last.
 */
static int open_chunk(struct dec_state *s, size_t len, int *last, struct dw_error *err)
{
	int r = -EBADMSG;

	*last = 0;
	if (len == ENC_CHUNK_SIZE)
		r = dw_crypto__aead_open(s->aead, s->nonce, s->buf, len, s->out);
	if (r == -EBADMSG) {
		s->nonce[AEAD_NONCE_LEN - 1] = 1;
		r = dw_crypto__aead_open(s->aead, s->nonce, s->buf, len, s->out);
		*last = 1;
	}
	if (r == -EBADMSG)
		return payload_fail(err, s->index,
		                    len < AEAD_TAG_LEN ? "truncated chunk"
		                                       : "authentication failed");
	if (r < 0)
		return dw_error_set(err, r, DW_AREA_CRYPTO, 0, "ChaCha20-Poly1305 failed");
	if (*last && len == AEAD_TAG_LEN && s->index > 0)
		return payload_fail(err, s->index, "empty last chunk");
	return 0;
}

int dw_crypto__stream_decrypt(const unsigned char key[32], struct in *in,
                              const struct dw_age_sink *dst, struct dw_error *err)
{
	struct dec_state s = { .buf = malloc(ENC_CHUNK_SIZE + 1), .out = malloc(CHUNK_SIZE) };
	size_t have = 0;
	ssize_t n;
	int r = -ENOMEM, last = 0;

	if (!s.buf || !s.out || (r = dw_crypto__aead_new(&s.aead, key)) < 0)
		goto out;
	while (!last) {
		n = dw_crypto__in_read(in, s.buf + have, ENC_CHUNK_SIZE + 1 - have);
		if (n < 0) {
			r = dw_error_set(err, (int)n, DW_AREA_SYSTEM, -n,
			                 "could not read the input");
			goto out;
		}
		have += (size_t)n;
		if (have == 0) {
			r = payload_fail(err, s.index,
			                 s.index ? "no last chunk (truncated file)"
			                         : "no chunk at all");
			goto out;
		}
		r = open_chunk(&s, have > ENC_CHUNK_SIZE ? ENC_CHUNK_SIZE : have, &last, err);
		if (r < 0)
			goto out;
		n = (ssize_t)((have > ENC_CHUNK_SIZE ? ENC_CHUNK_SIZE : have) - AEAD_TAG_LEN);
		/* released only now that its tag verified */
		r = n ? dst->write(dst->ctx, s.out, (size_t)n) : 0;
		OPENSSL_cleanse(s.out, (size_t)n);
		if (r < 0) {
			dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not write the output");
			goto out;
		}
		/* a last chunk that authenticated is genuine and released (as age and the
		 * CCTV vectors do), but nothing may follow it */
		if (last && have > ENC_CHUNK_SIZE) {
			r = payload_fail(err, s.index, "data after the last chunk");
			goto out;
		}
		nonce_next(s.nonce);
		s.index++;
		have = have > ENC_CHUNK_SIZE ? 1 : 0;
		if (have)
			s.buf[0] = s.buf[ENC_CHUNK_SIZE];
	}
	r = 0;
out:
	if (s.out)
		OPENSSL_cleanse(s.out, CHUNK_SIZE);
	free(s.buf);
	free(s.out);
	dw_crypto__aead_free(s.aead);
	return r;
}
