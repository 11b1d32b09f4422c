/*
 * The canonical writer: RFC 8785 compact, or the pretty form that is those
 * same bytes with whitespace added between tokens only (2-space indent, one
 * member or element per line, empty containers inline, a final newline).
 *
 * Members are already in canonical order (the tree keeps them sorted), so
 * writing is one pass. Strings escape only what RFC 8785 says: '"', '\\' and
 * the controls below U+0020 (\b \t \n \f \r short, the rest \u00xx).
 */
#include <errno.h>
#include <string.h>

#include "json/internal.h"

/* Past this depth a builder's tree must hold a cycle (the reader stops at 256). */
#define WRITE_MAX_DEPTH 4096
/* The streaming writer hands over its buffer when it holds this much. */
#define STREAM_CHUNK (64 * 1024)

struct writer {
	struct dw_buf *out;
	bool pretty;
	int (*sink)(void *ctx, const char *data, size_t len);
	void *ctx;
	struct dw_error *err;
};

/* 1 for the bytes a string must escape: the controls, '"' and '\\' */
static const unsigned char needs_escape[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

static int flush(struct writer *W, bool force)
{
	int r;

	if (!W->sink || (!force && W->out->len < STREAM_CHUNK))
		return 0;
	r = W->out->len ? W->sink(W->ctx, W->out->ptr, W->out->len) : 0;
	dw_buf_reset(W->out);
	if (r < 0)
		return dw_error_set(W->err, r, DW_AREA_SYSTEM, -r, "could not write the output");
	return 0;
}

static int room_slow(struct writer *W, size_t n)
{
	int r = dw_buf_reserve(W->out, n);

	if (r == -E2BIG)
		return dw_error_set(W->err, r, DW_AREA_JSON, 0, "canonical JSON too large");
	if (r < 0)
		return dw_error_set(W->err, r, DW_AREA_JSON, ENOMEM, "out of memory");
	return 0;
}

/* Most calls find room already: keep them out of dw_buf_reserve. */
static inline int room(struct writer *W, size_t n)
{
	if (W->out->ptr && W->out->len + n < W->out->alloc)
		return 0;
	return room_slow(W, n);
}

static int put(struct writer *W, const char *s, size_t n)
{
	int r;

	if ((r = room(W, n)) < 0)
		return r;
	memcpy(W->out->ptr + W->out->len, s, n);
	W->out->len += n;
	W->out->ptr[W->out->len] = '\0';
	return 0;
}

static int newline(struct writer *W, unsigned depth)
{
	size_t n = 1 + 2 * (size_t)depth;
	int r;

	if ((r = room(W, n)) < 0)
		return r;
	W->out->ptr[W->out->len] = '\n';
	memset(W->out->ptr + W->out->len + 1, ' ', n - 1);
	W->out->len += n;
	W->out->ptr[W->out->len] = '\0';
	return 0;
}

/* Escapes up to 4096 bytes at a time: the reservation stays small. */
static int put_string(struct writer *W, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *stop, *run;
	char *o;
	int r;

	if ((r = put(W, "\"", 1)) < 0)
		return r;
	while (p < end) {
		stop = end - p > 4096 ? p + 4096 : end;
		if ((r = room(W, (size_t)(stop - p) * 6)) < 0)
			return r;
		o = W->out->ptr + W->out->len;
		while (p < stop) {
			for (run = p; p < stop && !needs_escape[*p]; p++)
				;
			memcpy(o, run, (size_t)(p - run));
			o += p - run;
			if (p == stop)
				break;
			*o++ = '\\';
			switch (*p) {
			case '"':
				*o++ = '"';
				break;
			case '\\':
				*o++ = '\\';
				break;
			case '\b':
				*o++ = 'b';
				break;
			case '\t':
				*o++ = 't';
				break;
			case '\n':
				*o++ = 'n';
				break;
			case '\f':
				*o++ = 'f';
				break;
			case '\r':
				*o++ = 'r';
				break;
			default:
				memcpy(o, "u00", 3);
				o[3] = hex[*p >> 4];
				o[4] = hex[*p & 15];
				o += 5;
			}
			p++;
		}
		W->out->len = (size_t)(o - W->out->ptr);
		W->out->ptr[W->out->len] = '\0';
	}
	return put(W, "\"", 1);
}

static int put_number(struct writer *W, const struct dw_json *v)
{
	char num[DW_JSON_NUMBER_MAX];
	int n;

	if (v->flags & DW_JSON_F_TEXT)
		return put(W, v->u.big->text, v->len);
	n = dw_json_format_double(v->u.num, num);
	if (n < 0)
		return dw_error_set(W->err, -EINVAL, DW_AREA_JSON, 0, "a number is not finite");
	return put(W, num, (size_t)n);
}

static int put_value(struct writer *W, const struct dw_json *v, unsigned depth);

static int put_container(struct writer *W, const struct dw_json *v, unsigned depth)
{
	bool object = v->type == DW_JSON_OBJECT;
	size_t i;
	int r;

	if (!v->len)
		return put(W, object ? "{}" : "[]", 2);
	if (depth >= WRITE_MAX_DEPTH)
		return dw_error_set(W->err, -ELOOP, DW_AREA_JSON, 0,
		                    "nesting deeper than %d (a value inside itself?)",
		                    WRITE_MAX_DEPTH);
	if ((r = put(W, object ? "{" : "[", 1)) < 0)
		return r;
	for (i = 0; i < v->len; i++) {
		if (i && (r = put(W, ",", 1)) < 0)
			return r;
		if (W->pretty && (r = newline(W, depth + 1)) < 0)
			return r;
		if (object) {
			const struct dw_json_member *m = &v->u.members[i];

			if ((r = put_string(W, m->key, m->keylen)) < 0 ||
			    (r = put(W, ": ", W->pretty ? 2 : 1)) < 0 ||
			    (r = put_value(W, m->value, depth + 1)) < 0)
				return r;
		} else if ((r = put_value(W, v->u.items[i], depth + 1)) < 0) {
			return r;
		}
		if ((r = flush(W, false)) < 0)
			return r;
	}
	if (W->pretty && (r = newline(W, depth)) < 0)
		return r;
	return put(W, object ? "}" : "]", 1);
}

static int put_value(struct writer *W, const struct dw_json *v, unsigned depth)
{
	switch (v->type) {
	case DW_JSON_NULL:
		return put(W, "null", 4);
	case DW_JSON_FALSE:
		return put(W, "false", 5);
	case DW_JSON_TRUE:
		return put(W, "true", 4);
	case DW_JSON_NUMBER:
		return put_number(W, v);
	case DW_JSON_STRING:
		return put_string(W, v->u.str, v->len);
	default:
		return put_container(W, v, depth);
	}
}

static int write_all(struct writer *W, const struct dw_json *v)
{
	int r;

	if (!v)
		return dw_error_set(W->err, -EINVAL, DW_AREA_JSON, 0, "no value to write");
	if ((r = put_value(W, v, 0)) < 0)
		return r;
	if (W->pretty && (r = put(W, "\n", 1)) < 0)
		return r;
	return flush(W, true);
}

int dw_json_write(const struct dw_json *v, unsigned flags, struct dw_buf *out, struct dw_error *err)
{
	struct writer W = { .out = out, .pretty = !(flags & DW_JSON_COMPACT), .err = err };

	return write_all(&W, v);
}

int dw_json_write_stream(const struct dw_json *v, unsigned flags,
                         int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
                         struct dw_error *err)
{
	struct dw_buf buf;
	struct writer W = { .out = &buf,
		            .pretty = !(flags & DW_JSON_COMPACT),
		            .sink = sink,
		            .ctx = ctx,
		            .err = err };
	int r;

	dw_buf_init(&buf, SIZE_MAX / 4);
	r = write_all(&W, v);
	dw_buf_release(&buf);
	return r;
}
