/*
 * UTF-8 validation, the RFC 8785 key order, and byte offsets to line:column.
 */
#include <stdbool.h>
#include <string.h>

#include "json/internal.h"

size_t dw_json__utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xC2) /* a continuation byte, or an overlong 2-byte lead */
		return 0;
	if (c < 0xE0)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0) /* overlong */
			return 0;
		if (c == 0xED && s[1] >= 0xA0) /* a surrogate, U+D800..U+DFFF */
			return 0;
		return 3;
	}
	if (c > 0xF4 || n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
	    (s[3] & 0xC0) != 0x80)
		return 0;
	if (c == 0xF0 && s[1] < 0x90) /* overlong */
		return 0;
	if (c == 0xF4 && s[1] >= 0x90) /* beyond U+10FFFF */
		return 0;
	return 4;
}

bool dw_json__utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n;

	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		n = dw_json__utf8_seq(p, (size_t)(end - p));
		if (!n)
			return false;
		p += n;
	}
	return true;
}

/*
 * UTF-8 byte order is code point order; UTF-16 code unit order differs only
 * in that characters above U+FFFF (surrogate pairs, D800..DFFF) sort before
 * U+E000..U+FFFF. So compare bytes, and where two different lead bytes meet,
 * rank 4-byte leads (F0..F4) between ED (up to U+D7FF) and EE/EF.
 */
static unsigned utf16_rank(unsigned char lead)
{
	if (lead >= 0xF0)
		return 0xEE + (lead - 0xF0u); /* EE..F2 */
	if (lead >= 0xEE)
		return 0xF3 + (lead - 0xEEu); /* F3..F4 */
	return lead;
}

int dw_json__utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	size_t n = alen < blen ? alen : blen, i;

	for (i = 0; i < n && x[i] == y[i]; i++)
		;
	if (i == n)
		return alen < blen ? -1 : alen > blen;
	/*
	 * The strings agree up to i, so both are at the same place of a
	 * character: either both at a lead byte, or both inside characters of
	 * the same length (where byte order is the order we want).
	 */
	if ((x[i] & 0xC0) != 0x80) {
		unsigned rx = utf16_rank(x[i]), ry = utf16_rank(y[i]);

		return rx < ry ? -1 : 1;
	}
	return x[i] < y[i] ? -1 : 1;
}

void dw_json__text_position(const char *text, size_t len, size_t off, unsigned *line, unsigned *col)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned l = 1, c = 1;
	size_t i;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (p[i] == '\n') {
			l++;
			c = 1;
		} else if ((p[i] & 0xC0) != 0x80) {
			c++; /* count characters, not continuation bytes */
		}
	}
	*line = l;
	*col = c;
}
