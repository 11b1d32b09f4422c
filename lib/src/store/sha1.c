/*
 * SHA-1 (FIPS 180-4) for the trailers of the packs and indexes the store
 * writes itself. It is a checksum of a file, not an object id: a first
 * import's pack goes through libgit2's indexer, which hashes every object
 * again (with its collision-detecting SHA-1) to name it; a merge copies
 * objects named by their packs' indexes. libgit2 keeps
 * its hash functions private and the store may not use OpenSSL (crypto's
 * library), hence these few lines.
 */
#include <string.h>

#include "store/pack.h"

static uint32_t rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t round_f(unsigned t, uint32_t b, uint32_t c, uint32_t d)
{
	if (t < 20)
		return (b & c) | (~b & d);
	if (t < 40 || t >= 60)
		return b ^ c ^ d;
	return (b & c) | (b & d) | (c & d);
}

static void block(struct store_sha1 *s, const unsigned char *p)
{
	static const uint32_t k[4] = { 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6 };
	uint32_t w[80], v[5], tmp;
	unsigned t;

	for (t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		       (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
	for (; t < 80; t++)
		w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	memcpy(v, s->h, sizeof(v));
	for (t = 0; t < 80; t++) {
		tmp = rol(v[0], 5) + round_f(t, v[1], v[2], v[3]) + v[4] + k[t / 20] + w[t];
		v[4] = v[3];
		v[3] = v[2];
		v[2] = rol(v[1], 30);
		v[1] = v[0];
		v[0] = tmp;
	}
	for (t = 0; t < 5; t++)
		s->h[t] += v[t];
}

void dw_store__sha1_init(struct store_sha1 *s)
{
	static const uint32_t h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
		                        0xc3d2e1f0 };

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
}

void dw_store__sha1_update(struct store_sha1 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t used = (size_t)(s->len % 64), take;

	s->len += len;
	if (used) {
		take = len < 64 - used ? len : 64 - used;
		memcpy(s->buf + used, p, take);
		p += take;
		len -= take;
		if (used + take < 64)
			return;
		block(s, s->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		block(s, p);
	memcpy(s->buf, p, len);
}

void dw_store__sha1_final(struct store_sha1 *s, unsigned char out[20])
{
	uint64_t bits = s->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = 64 - (size_t)((s->len + 8) % 64); /* 1..64: the length ends a block */
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
	dw_store__sha1_update(s, pad, padlen + 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}
