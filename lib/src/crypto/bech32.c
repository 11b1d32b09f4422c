/*
 * Bech32 (BIP 173) as age uses it: no length limit, the HRP compared exactly
 * (recipients are lower case "age", identities upper case "AGE-SECRET-KEY-"),
 * mixed case rejected, the checksum computed over the lower-case string, and
 * the 5-to-8-bit conversion strict about padding.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "crypto/internal.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t pre)
{
	uint32_t b = pre >> 25;

	return ((pre & 0x1ffffff) << 5) ^ (-((b >> 0) & 1) & 0x3b6a57b2UL) ^
	       (-((b >> 1) & 1) & 0x26508e6dUL) ^ (-((b >> 2) & 1) & 0x1ea119faUL) ^
	       (-((b >> 3) & 1) & 0x3d4233ddUL) ^ (-((b >> 4) & 1) & 0x2a1462b3UL);
}

static uint32_t hrp_checksum(const char *hrp, size_t hrplen)
{
	uint32_t chk = 1;
	size_t i;

	for (i = 0; i < hrplen; i++)
		chk = polymod_step(chk) ^ ((unsigned)tolower((unsigned char)hrp[i]) >> 5);
	chk = polymod_step(chk);
	for (i = 0; i < hrplen; i++)
		chk = polymod_step(chk) ^ ((unsigned)tolower((unsigned char)hrp[i]) & 0x1f);
	return chk;
}

int dw_crypto__bech32_encode(const char *hrp, const unsigned char *data, size_t len, char *out,
                             size_t outlen)
{
	size_t hrplen = strlen(hrp), ngroups = (len * 8 + 4) / 5, o = 0, i;
	int upper = hrplen && isupper((unsigned char)hrp[0]);
	uint32_t chk = hrp_checksum(hrp, hrplen), acc = 0;
	unsigned bits = 0, v;

	if (hrplen + 1 + ngroups + 6 + 1 > outlen)
		return -E2BIG;
	memcpy(out, hrp, hrplen);
	o = hrplen;
	out[o++] = '1';
	for (i = 0; i < len || bits > 0;) {
		if (bits < 5 && i < len) {
			acc = acc << 8 | data[i++];
			bits += 8;
		}
		if (bits >= 5) {
			v = (acc >> (bits - 5)) & 31;
			bits -= 5;
		} else {
			v = (acc << (5 - bits)) & 31;
			bits = 0;
		}
		chk = polymod_step(chk) ^ v;
		out[o++] = charset[v];
	}
	for (i = 0; i < 6; i++)
		chk = polymod_step(chk);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
	out[o] = '\0';
	if (upper)
		for (i = hrplen; i < o; i++)
			out[i] = (char)toupper((unsigned char)out[i]);
	return 0;
}

static int char_value(char c)
{
	const char *p = strchr(charset, tolower((unsigned char)c));

	return c && p ? (int)(p - charset) : -1;
}

static int check_case(const char *s, size_t len)
{
	int lower = 0, upper = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c > 126)
			return -EINVAL;
		lower |= islower(c) != 0;
		upper |= isupper(c) != 0;
	}
	return lower && upper ? -EINVAL : 0;
}

int dw_crypto__bech32_decode(const char *s, const char *hrp, unsigned char *out, size_t outcap,
                             size_t *outlen)
{
	size_t len = strlen(s), hrplen = strlen(hrp), i, n = 0;
	uint32_t chk, acc = 0;
	unsigned bits = 0;
	int v;

	if (check_case(s, len) < 0 || len < hrplen + 1 + 6 || memcmp(s, hrp, hrplen) != 0 ||
	    s[hrplen] != '1' || strrchr(s, '1') != s + hrplen)
		return -EINVAL;
	chk = hrp_checksum(hrp, hrplen);
	for (i = hrplen + 1; i < len; i++) {
		v = char_value(s[i]);
		if (v < 0)
			return -EINVAL;
		chk = polymod_step(chk) ^ (uint32_t)v;
		if (i + 6 >= len)
			continue; /* the checksum characters carry no data */
		acc = acc << 5 | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n == outcap)
				return -E2BIG;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* leftover bits: fewer than 5, all zero */
	if (chk != 1 || bits >= 5 || acc != 0)
		return -EINVAL;
	*outlen = n;
	return 0;
}
