/*
 * A buffered reader over a dw_age_source: the header parser reads lines, the
 * payload reader fixed-size chunks, from the same buffer. Short reads of the
 * source (pipes, terminals) are retried until the request is met or the
 * source ends.
 */
#include <errno.h>
#include <string.h>

#include "crypto/internal.h"

void dw_crypto__in_init(struct in *in, const struct dw_age_source *src)
{
	in->src = *src;
	in->pos = in->end = 0;
	in->eof = 0;
	in->err = 0;
}

ssize_t dw_crypto__in_fill(struct in *in, size_t want)
{
	ssize_t n;

	if (want > sizeof(in->buf))
		want = sizeof(in->buf);
	if (in->pos > 0 && in->end - in->pos < want) {
		memmove(in->buf, in->buf + in->pos, in->end - in->pos);
		in->end -= in->pos;
		in->pos = 0;
	}
	while (in->end - in->pos < want && !in->eof) {
		if (in->err)
			return in->err;
		n = in->src.read(in->src.ctx, in->buf + in->end, sizeof(in->buf) - in->end);
		if (n < 0) {
			in->err = (int)n;
			return n;
		}
		if (n == 0)
			in->eof = 1;
		in->end += (size_t)n;
	}
	return (ssize_t)(in->end - in->pos);
}

ssize_t dw_crypto__in_read(struct in *in, void *dst, size_t len)
{
	unsigned char *d = dst;
	size_t done = 0, take;
	ssize_t avail;

	while (done < len) {
		avail = dw_crypto__in_fill(in, len - done);
		if (avail < 0)
			return avail;
		if (avail == 0)
			break;
		take = (size_t)avail < len - done ? (size_t)avail : len - done;
		memcpy(d + done, in->buf + in->pos, take);
		in->pos += take;
		done += take;
	}
	return (ssize_t)done;
}

ssize_t dw_crypto__in_line(struct in *in, char *line, size_t max)
{
	size_t n = 0;
	ssize_t avail;
	unsigned char c;

	for (;;) {
		if (in->pos == in->end) {
			avail = dw_crypto__in_fill(in, 1);
			if (avail < 0)
				return avail;
			if (avail == 0)
				return (ssize_t)n;
		}
		if (n == max)
			return -EMSGSIZE;
		c = in->buf[in->pos++];
		line[n++] = (char)c;
		if (c == '\n')
			return (ssize_t)n;
	}
}

ssize_t dw_crypto__in_source_read(void *ctx, void *buf, size_t len)
{
	return dw_crypto__in_read(ctx, buf, len);
}
