/*
 * Strict base64 (RFC 4648 section 4, standard alphabet), for formats that
 * must not be malleable (age headers and armor, signatures): the decoder
 * rejects every character outside the alphabet (whitespace included), a
 * length that cannot be base64, and non-canonical encodings (unused bits of
 * the last character set). Padding is either required or forbidden, never
 * optional. No dependency: usable from any area.
 */
#ifndef DRIFTWARD_BASE64_H
#define DRIFTWARD_BASE64_H

#include <stddef.h>

enum dw_base64_flags {
	DW_BASE64_NOPAD = 0,    /* no '=' written; any '=' rejected (age headers) */
	DW_BASE64_PAD = 1 << 0, /* '=' written and required (armor, PEM) */
	DW_BASE64_URL = 1 << 1, /* the URL alphabet, '-' and '_' for '+' and '/' (JWTs) */
};

/* The length of the encoding of @len bytes, not counting a NUL. */
size_t dw_base64_encoded_len(size_t len, unsigned flags);

/* The most bytes @len characters can decode to. */
size_t dw_base64_decoded_max(size_t len);

/*
 * Encodes @len bytes of @in into @out, which must hold
 * dw_base64_encoded_len() + 1 bytes; NUL-terminates. Returns the length written.
 */
size_t dw_base64_encode(const void *in, size_t len, unsigned flags, char *out);

/* Appends the encoding of @len bytes of @in to @out. Returns 0, -E2BIG or -ENOMEM. */
struct dw_buf;
int dw_base64_put(struct dw_buf *out, const void *in, size_t len, unsigned flags);

/*
 * Decodes @len characters of @in into @out (room for @outcap bytes) and sets
 * *@outlen. Returns 0, -EINVAL for anything that is not canonical base64 in the
 * form @flags asks for, or -E2BIG when @out is too small.
 */
int dw_base64_decode(const char *in, size_t len, unsigned flags, void *out, size_t outcap,
                     size_t *outlen);

#endif
