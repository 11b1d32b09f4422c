#include <errno.h>

#include "driftward/text.h"

static int put_hex(struct dw_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	return dw_buf_put(b, esc, sizeof(esc));
}

int dw_buf_put_printable(struct dw_buf *b, const char *s, size_t len, unsigned flags)
{
	size_t i, plain = 0;
	int r = 0;

	for (i = 0; i < len && r == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		int c1 = c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
		         (unsigned char)s[i + 1] <= 0x9f;

		int space = c == '\n' || c == '\r' || c == '\t';

		if ((flags & DW_TEXT_KEEP_LINES) && (c == '\n' || c == '\t'))
			continue;
		if (c >= 0x20 && c != 0x7f && !c1)
			continue;
		r = dw_buf_put(b, s + plain, i - plain);
		if (space && (flags & DW_TEXT_LINES_AS_SPACES))
			r = r ?: dw_buf_putc(b, ' ');
		else if (c1) /* both bytes of the C1 character */
			r = r ?: put_hex(b, c) ?: put_hex(b, (unsigned char)s[++i]);
		else
			r = r ?: put_hex(b, c);
		plain = i + 1;
	}
	return r ?: dw_buf_put(b, s + plain, len - plain);
}
