/*
 * The age v1 header: the version line, one or more recipient stanzas, the MAC
 * line. Parsing is strict where the specification is (LF only, single spaces,
 * VCHAR arguments, canonical unpadded base64, 64-column bodies ending with a
 * short line) and bounded (line length, stanza count, header size), so a
 * hostile file costs little memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/internal.h"
#include "driftward/array.h"
#include "driftward/base64.h"
#include "driftward/buf.h"

#define VERSION_LINE   "age-encryption.org/v1\n"
#define VERSION_PREFIX "age-encryption.org/"
#define LINE_MAX_LEN   (16 * 1024) /* an argument line (post-quantum shares are 1.5 KiB) */
#define HEADER_MAX     (4 * 1024 * 1024)
#define STANZAS_MAX    4096
#define BODY_COLS      64

struct parser {
	struct in *in;
	struct dw_error *err;
	struct dw_buf raw; /* everything read so far */
	char *line;        /* the current line, without its LF */
	size_t len;
	unsigned lineno;
};

static int bad(struct parser *p, const char *what)
{
	return dw_error_set(p->err, -EBADMSG, DW_AREA_CRYPTO, 0, "invalid age header, line %u: %s",
	                    p->lineno, what);
}

/* Reads the next line (it must end with LF) and appends it to the raw header. */
static int next_line(struct parser *p)
{
	ssize_t n;
	int r;

	p->lineno++;
	r = dw_buf_reserve(&p->raw, LINE_MAX_LEN);
	if (r < 0)
		return r == -E2BIG ? bad(p, "header too large") : r;
	n = dw_crypto__in_line(p->in, p->raw.ptr + p->raw.len, LINE_MAX_LEN);
	if (n == -EMSGSIZE)
		return bad(p, "line too long");
	if (n < 0)
		return (int)n; /* a read or armor error keeps its own class */
	if (n == 0 || p->raw.ptr[p->raw.len + (size_t)n - 1] != '\n')
		return bad(p, "unexpected end of file");
	p->line = p->raw.ptr + p->raw.len;
	p->len = (size_t)n - 1;
	p->raw.len += (size_t)n;
	p->raw.ptr[p->raw.len] = '\0';
	return 0;
}

static int starts(const struct parser *p, const char *prefix)
{
	size_t n = strlen(prefix);

	return p->len >= n && memcmp(p->line, prefix, n) == 0;
}

/* Splits "-> a b c" into arguments: one or more, VCHAR only, single spaces. */
static int parse_args(struct parser *p, struct stanza *s)
{
	size_t i, start = 3, n = 0;

	for (i = 3; i <= p->len; i++) {
		if (i < p->len && p->line[i] != ' ') {
			if ((unsigned char)p->line[i] < 33 || (unsigned char)p->line[i] > 126)
				return bad(p, "invalid character in a stanza argument");
			continue;
		}
		if (i == start)
			return bad(p, "empty stanza argument");
		if (DW_ARRAY_GROW(s->args, s->args_alloc, n + 1) < 0)
			return -ENOMEM;
		s->args[n] = strndup(p->line + start, i - start);
		if (!s->args[n])
			return -ENOMEM;
		s->nargs = ++n;
		start = i + 1;
	}
	return 0;
}

/* Decodes @len bytes of body lines (LFs between them) as one base64 string. */
static int decode_body(const char *lines, size_t len, struct stanza *s)
{
	char *joined = malloc(len + 1);
	size_t i, j = 0;
	int r = -ENOMEM;

	if (!joined)
		return r;
	for (i = 0; i < len; i++)
		if (lines[i] != '\n')
			joined[j++] = lines[i];
	s->body = malloc(dw_base64_decoded_max(j) + 1);
	if (s->body)
		r = dw_base64_decode(joined, j, DW_BASE64_NOPAD, s->body, dw_base64_decoded_max(j),
		                     &s->bodylen);
	free(joined);
	return r;
}

/* Reads body lines up to the first one shorter than 64 columns, and decodes them. */
static int parse_body(struct parser *p, struct stanza *s)
{
	size_t start = 0;
	int r;

	for (;;) {
		r = next_line(p);
		if (r < 0)
			return r;
		if (start == 0)
			start = (size_t)(p->line - p->raw.ptr);
		if (p->len > BODY_COLS)
			return bad(p, "stanza body line longer than 64 columns");
		if (p->len < BODY_COLS)
			break;
	}
	/* raw may have moved while reading: work from offsets */
	r = decode_body(p->raw.ptr + start, (size_t)(p->line + p->len - p->raw.ptr) - start, s);
	if (r == -EINVAL)
		return bad(p, "stanza body is not canonical base64");
	return r;
}

static int parse_stanza(struct parser *p, struct header *h)
{
	struct stanza *s;
	int r;

	if (h->count == STANZAS_MAX)
		return bad(p, "too many stanzas");
	if (DW_ARRAY_GROW(h->stanzas, h->alloc, h->count + 1) < 0)
		return -ENOMEM;
	s = &h->stanzas[h->count++];
	memset(s, 0, sizeof(*s));
	r = parse_args(p, s);
	if (r == 0)
		r = parse_body(p, s);
	return r;
}

static int parse_mac(struct parser *p, struct header *h)
{
	size_t maclen = 0;

	if (h->count == 0)
		return bad(p, "no recipient stanza");
	if (p->len != 4 + 43 || p->line[3] != ' ')
		return bad(p, "malformed MAC line");
	if (dw_base64_decode(p->line + 4, 43, DW_BASE64_NOPAD, h->mac, sizeof(h->mac), &maclen) <
	            0 ||
	    maclen != sizeof(h->mac))
		return bad(p, "MAC is not canonical base64");
	/* the MAC covers the header up to and including "---" */
	h->rawlen = (size_t)(p->line - p->raw.ptr) + 3;
	return 0;
}

static int parse_version(struct parser *p)
{
	int r = next_line(p);

	if (r < 0)
		return r;
	if (p->raw.len == strlen(VERSION_LINE) && memcmp(p->line, VERSION_LINE, p->raw.len) == 0)
		return 0;
	if (starts(p, VERSION_PREFIX))
		return bad(p, "unsupported age version");
	return bad(p, "not an age file");
}

int dw_crypto__header_parse(struct in *in, struct header *h, struct dw_error *err)
{
	struct parser p = { .in = in, .err = err };
	int r;

	memset(h, 0, sizeof(*h));
	dw_buf_init(&p.raw, HEADER_MAX);
	r = parse_version(&p);
	while (r == 0) {
		r = next_line(&p);
		if (r < 0)
			break;
		if (starts(&p, "-> ")) {
			r = parse_stanza(&p, h);
		} else if (starts(&p, "---")) {
			r = parse_mac(&p, h);
			break;
		} else {
			r = bad(&p, "expected a stanza or the MAC line");
		}
	}
	if (r == 0) {
		h->raw = (unsigned char *)dw_buf_detach(&p.raw, NULL);
		if (!h->raw)
			r = -ENOMEM;
	}
	dw_buf_release(&p.raw);
	if (r < 0)
		dw_crypto__header_release(h);
	return r;
}

void dw_crypto__header_release(struct header *h)
{
	size_t i, j;

	for (i = 0; i < h->count; i++) {
		for (j = 0; j < h->stanzas[i].nargs; j++)
			free(h->stanzas[i].args[j]);
		free(h->stanzas[i].args);
		free(h->stanzas[i].body);
	}
	free(h->stanzas);
	free(h->raw);
	memset(h, 0, sizeof(*h));
}

int dw_crypto__stanza_encode(struct dw_buf *b, const char *const *args, size_t nargs,
                             const unsigned char *body, size_t bodylen)
{
	char enc[BODY_COLS * 4 + 1];
	size_t i, off, n;
	int r = dw_buf_puts(b, "->");

	for (i = 0; r == 0 && i < nargs; i++)
		r = dw_buf_printf(b, " %s", args[i]);
	if (r == 0)
		r = dw_buf_putc(b, '\n');
	/* 48 bytes are exactly one 64-column line; the body always ends with a
	 * short line, an empty one when the last line is full */
	for (off = 0; r == 0; off += 48) {
		n = bodylen - off < 48 ? bodylen - off : 48;
		dw_base64_encode(body + off, n, DW_BASE64_NOPAD, enc);
		r = dw_buf_printf(b, "%s\n", enc);
		if (n < 48)
			break;
	}
	return r;
}
