/*
 * ASCII armor: strict PEM (RFC 7468 figure 3) with the label "AGE ENCRYPTED
 * FILE", 64 columns, padded canonical base64, LF or CRLF line ends, and only
 * whitespace allowed around the block. Both directions stream a line at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/internal.h"
#include "driftward/base64.h"

#define ARMOR_COLS      64
#define ARMOR_LINE_DATA 48 /* bytes one full line decodes to */
#define ARMOR_LINE_MAX  80 /* longest line read: 64 columns, the END line, CRLF */

struct armor_reader {
	struct in *raw;
	struct dw_error *err;
	unsigned char data[ARMOR_LINE_DATA];
	size_t pos, len;
	unsigned line; /* of the armor, for messages */
	int done;      /* the END line and what follows were checked */
	int rc;        /* a sticky error */
};

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int armor_fail(struct armor_reader *a, const char *what)
{
	a->rc = dw_error_set(a->err, -EILSEQ, DW_AREA_CRYPTO, 0, "invalid armor at line %u: %s",
	                     a->line, what);
	return a->rc;
}

/* Reads one line without its LF or CRLF; -EILSEQ for a line too long or no line. */
static int read_line(struct armor_reader *a, char *line, size_t *len)
{
	ssize_t n = dw_crypto__in_line(a->raw, line, ARMOR_LINE_MAX);

	a->line++;
	if (n == -EMSGSIZE)
		return armor_fail(a, "line too long");
	if (n < 0)
		return a->rc = (int)n;
	if (n == 0)
		return armor_fail(a, "unexpected end of file");
	if (line[n - 1] == '\n')
		n--;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	*len = (size_t)n;
	return 0;
}

static int line_is(const char *line, size_t len, const char *what)
{
	return len == strlen(what) && memcmp(line, what, len) == 0;
}

/* After the END line: nothing but whitespace to the end of the input. */
static int check_trailer(struct armor_reader *a)
{
	ssize_t n;

	for (;;) {
		n = dw_crypto__in_fill(a->raw, 1);
		if (n < 0)
			return a->rc = (int)n;
		if (n == 0)
			break;
		if (!is_space(a->raw->buf[a->raw->pos]))
			return armor_fail(a, "data after the end line");
		a->raw->pos++;
	}
	a->done = 1;
	return 0;
}

static int expect_end(struct armor_reader *a)
{
	char line[ARMOR_LINE_MAX];
	size_t len;
	int r = read_line(a, line, &len);

	if (r < 0)
		return r;
	if (!line_is(line, len, ARMOR_END))
		return armor_fail(a, "expected the end line after a short line");
	return check_trailer(a);
}

/* Decodes the next body line into a->data, or sees the END line. */
static int next_line(struct armor_reader *a)
{
	char line[ARMOR_LINE_MAX];
	size_t len;
	int r = read_line(a, line, &len);

	if (r < 0)
		return r;
	if (line_is(line, len, ARMOR_END))
		return check_trailer(a);
	if (len == 0 || len > ARMOR_COLS)
		return armor_fail(a, len ? "line longer than 64 columns" : "empty line");
	if (dw_base64_decode(line, len, DW_BASE64_PAD, a->data, sizeof(a->data), &a->len) < 0)
		return armor_fail(a, "not canonical padded base64");
	a->pos = 0;
	/* only the last line may be short, and the END line must follow it */
	if (a->len < ARMOR_LINE_DATA)
		return expect_end(a);
	return 0;
}

ssize_t dw_crypto__armor_read(void *ctx, void *buf, size_t len)
{
	struct armor_reader *a = ctx;
	size_t n;
	int r;

	if (a->rc)
		return a->rc;
	while (a->pos == a->len) {
		if (a->done)
			return 0;
		r = next_line(a);
		if (r < 0)
			return r;
	}
	n = a->len - a->pos < len ? a->len - a->pos : len;
	memcpy(buf, a->data + a->pos, n);
	a->pos += n;
	return (ssize_t)n;
}

/* Skips whitespace before the block and checks the BEGIN line. */
static int read_begin(struct armor_reader *a)
{
	char line[ARMOR_LINE_MAX];
	size_t len;
	ssize_t n;
	int r;

	for (;;) {
		n = dw_crypto__in_fill(a->raw, 1);
		if (n < 0)
			return a->rc = (int)n;
		if (n == 0 || !is_space(a->raw->buf[a->raw->pos]))
			break;
		if (a->raw->buf[a->raw->pos] == '\n')
			a->line++;
		a->raw->pos++;
	}
	r = read_line(a, line, &len);
	if (r < 0)
		return r;
	if (!line_is(line, len, ARMOR_BEGIN))
		return armor_fail(a, "not an age file: expected '" ARMOR_BEGIN "'");
	return 0;
}

int dw_crypto__armor_reader_new(struct armor_reader **out, struct in *raw, struct dw_error *err)
{
	struct armor_reader *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	a->raw = raw;
	a->err = err;
	r = read_begin(a);
	if (r < 0) {
		dw_crypto__armor_reader_free(a);
		return r;
	}
	*out = a;
	return 0;
}

void dw_crypto__armor_reader_free(struct armor_reader *a)
{
	free(a);
}

struct armor_writer {
	struct dw_age_sink dst;
	unsigned char pending[ARMOR_LINE_DATA];
	size_t npending;
	int started;
};

int dw_crypto__armor_writer_new(struct armor_writer **out, const struct dw_age_sink *dst)
{
	struct armor_writer *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->dst = *dst;
	*out = a;
	return 0;
}

void dw_crypto__armor_writer_free(struct armor_writer *a)
{
	free(a);
}

static int write_line(struct armor_writer *a)
{
	char line[ARMOR_COLS + 2];
	size_t n = dw_base64_encode(a->pending, a->npending, DW_BASE64_PAD, line);

	line[n++] = '\n';
	a->npending = 0;
	return a->dst.write(a->dst.ctx, line, n);
}

static int write_begin(struct armor_writer *a)
{
	if (a->started)
		return 0;
	a->started = 1;
	return a->dst.write(a->dst.ctx, ARMOR_BEGIN "\n", strlen(ARMOR_BEGIN) + 1);
}

int dw_crypto__armor_write(void *ctx, const void *buf, size_t len)
{
	struct armor_writer *a = ctx;
	const unsigned char *p = buf;
	size_t take;
	int r = write_begin(a);

	while (r == 0 && len > 0) {
		/* a full line is written only once more data follows: the last line,
		 * full or not, is written by close */
		if (a->npending == ARMOR_LINE_DATA && (r = write_line(a)) < 0)
			break;
		take = ARMOR_LINE_DATA - a->npending < len ? ARMOR_LINE_DATA - a->npending : len;
		memcpy(a->pending + a->npending, p, take);
		a->npending += take;
		p += take;
		len -= take;
	}
	return r;
}

int dw_crypto__armor_writer_close(struct armor_writer *a)
{
	int r = write_begin(a);

	if (r == 0 && a->npending > 0)
		r = write_line(a);
	if (r == 0)
		r = a->dst.write(a->dst.ctx, ARMOR_END "\n", strlen(ARMOR_END) + 1);
	return r;
}
