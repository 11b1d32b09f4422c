/*
 * Strict base64. A decoder that accepts several spellings of the same bytes
 * makes a format malleable (two files that differ but decrypt and verify the
 * same), so every spelling but the canonical one is an error.
 */
#include <errno.h>
#include <stdint.h>

#include "driftward/base64.h"
#include "driftward/buf.h"

static const char standard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t dw_base64_encoded_len(size_t len, unsigned flags)
{
	if (flags & DW_BASE64_PAD)
		return (len + 2) / 3 * 4;
	return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

size_t dw_base64_decoded_max(size_t len)
{
	return len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
}

size_t dw_base64_encode(const void *in, size_t len, unsigned flags, char *out)
{
	const char *alphabet = flags & DW_BASE64_URL ? url : standard;
	const unsigned char *p = in;
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		out[o++] = alphabet[p[i] >> 2];
		out[o++] = alphabet[(p[i] & 3) << 4];
		if (flags & DW_BASE64_PAD) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];

		out[o++] = alphabet[v >> 10];
		out[o++] = alphabet[(v >> 4) & 63];
		out[o++] = alphabet[(v & 15) << 2];
		if (flags & DW_BASE64_PAD)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

int dw_base64_put(struct dw_buf *out, const void *in, size_t len, unsigned flags)
{
	int r = dw_buf_reserve(out, dw_base64_encoded_len(len, flags));

	if (r == 0)
		out->len += dw_base64_encode(in, len, flags, out->ptr + out->len);
	return r;
}

static int value_of(char c, unsigned flags)
{
	const char *alphabet = flags & DW_BASE64_URL ? url : standard;

	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == alphabet[62])
		return 62;
	if (c == alphabet[63])
		return 63;
	return -1;
}

/* Strips the padding @flags requires; returns the data length or -EINVAL. */
static int strip_padding(const char *in, size_t *len, unsigned flags)
{
	size_t pad = 0;

	if (!(flags & DW_BASE64_PAD))
		return *len % 4 == 1 ? -EINVAL : 0;
	if (*len % 4 != 0)
		return -EINVAL;
	while (pad < 2 && *len > pad && in[*len - 1 - pad] == '=')
		pad++;
	*len -= pad;
	return 0;
}

int dw_base64_decode(const char *in, size_t len, unsigned flags, void *out, size_t outcap,
                     size_t *outlen)
{
	unsigned char *o = out;
	uint32_t acc = 0;
	size_t i, n = 0, bits = 0;
	int v;

	if (strip_padding(in, &len, flags) < 0 || len % 4 == 1)
		return -EINVAL;
	if (dw_base64_decoded_max(len) > outcap)
		return -E2BIG;
	for (i = 0; i < len; i++) {
		v = value_of(in[i], flags);
		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* canonical: the bits left over in the last character are zero */
	if (acc != 0)
		return -EINVAL;
	*outlen = n;
	return 0;
}
