#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/buf.h"

#define DW_BUF_MIN_ALLOC 64

void dw_wipe(void *p, size_t len)
{
	if (p && len)
		explicit_bzero(p, len);
}

void dw_buf_init(struct dw_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void dw_buf_init_secret(struct dw_buf *b, size_t max)
{
	dw_buf_init(b, max);
	b->secret = 1;
}

void dw_buf_release(struct dw_buf *b)
{
	if (!b)
		return;
	if (b->secret)
		dw_wipe(b->ptr, b->alloc);
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
}

void dw_buf_reset(struct dw_buf *b)
{
	if (b->secret)
		dw_wipe(b->ptr, b->alloc);
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void dw_buf_truncate(struct dw_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	if (b->secret)
		dw_wipe(b->ptr + len, b->len - len);
	b->len = len;
	b->ptr[len] = '\0';
}

/* Grows to hold @need bytes plus the NUL. A secret buffer never uses realloc,
 * which could leave a copy behind in freed memory. */
static int grow(struct dw_buf *b, size_t need)
{
	size_t alloc = b->alloc ? b->alloc : DW_BUF_MIN_ALLOC;
	char *p;

	size_t limit = b->max < SIZE_MAX ? b->max + 1 : SIZE_MAX;

	while (alloc < need + 1)
		alloc = alloc > SIZE_MAX / 2 ? need + 1 : alloc * 2;
	if (alloc > limit)
		alloc = limit;
	if (b->secret) {
		p = malloc(alloc);
		if (p && b->ptr) {
			memcpy(p, b->ptr, b->len + 1);
			dw_wipe(b->ptr, b->alloc);
			free(b->ptr);
		}
	} else {
		p = realloc(b->ptr, alloc);
	}
	if (!p) {
		dw_buf_release(b);
		return -ENOMEM;
	}
	b->ptr = p;
	b->alloc = alloc;
	return 0;
}

int dw_buf_reserve(struct dw_buf *b, size_t extra)
{
	/* the NUL needs a byte past len + extra, so a max of SIZE_MAX is one less */
	if (extra > b->max || b->len > b->max - extra || b->len + extra == SIZE_MAX) {
		dw_buf_release(b);
		return -E2BIG;
	}
	if (b->len + extra + 1 <= b->alloc)
		return 0;
	return grow(b, b->len + extra);
}

int dw_buf_put(struct dw_buf *b, const void *data, size_t len)
{
	int r = dw_buf_reserve(b, len);

	if (r < 0)
		return r;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int dw_buf_puts(struct dw_buf *b, const char *s)
{
	return dw_buf_put(b, s, strlen(s));
}

int dw_buf_putc(struct dw_buf *b, char c)
{
	return dw_buf_put(b, &c, 1);
}

int dw_buf_vprintf(struct dw_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n, r;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0) {
		dw_buf_release(b);
		return -EINVAL;
	}
	r = dw_buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int dw_buf_printf(struct dw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dw_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

/* The two-character escape of @c in a JSON string, or NULL. */
static const char *json_short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\t':
		return "\\t";
	case '\n':
		return "\\n";
	case '\f':
		return "\\f";
	case '\r':
		return "\\r";
	default:
		return NULL;
	}
}

int dw_buf_put_json_string(struct dw_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int r = dw_buf_putc(b, '"');

	for (; r == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = json_short_escape(c);

		if (esc)
			r = dw_buf_puts(b, esc);
		else if (c < 0x20)
			r = dw_buf_puts(b, "\\u00") ?: dw_buf_putc(b, hex[c >> 4])
							  ?: dw_buf_putc(b, hex[c & 15]);
		else
			r = dw_buf_putc(b, (char)c);
	}
	return r ?: dw_buf_putc(b, '"');
}

int dw_buf_put_pct(struct dw_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

	return dw_buf_put(b, esc, sizeof(esc));
}

const char *dw_buf_cstr(const struct dw_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *dw_buf_detach(struct dw_buf *b, size_t *len)
{
	char *p = b->ptr;

	if (len)
		*len = b->len;
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}
