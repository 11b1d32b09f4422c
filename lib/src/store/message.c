/*
 * Commit messages: a subject, a body and a trailer block as the last
 * paragraph, laid out so that git interpret-trailers --parse reads exactly
 * the trailers given (and libgit2's git_message_trailers too).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "driftward/text.h"
#include "store/internal.h"

static int key_valid(const char *key)
{
	const char *p;

	if (!key || !*key || *key == '-')
		return 0;
	for (p = key; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
	return 1;
}

/* One line, not blank (other control characters are written escaped). */
static int line_valid(const char *s)
{
	const char *p;
	int visible = 0;

	if (!s)
		return 0;
	for (p = s; *p; p++) {
		if (*p == '\n' || *p == '\r')
			return 0;
		if (!isspace((unsigned char)*p))
			visible = 1;
	}
	return visible;
}

/* @s without leading and trailing white space: start and length. */
static const char *trimmed(const char *s, size_t *len)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

static int check(const char *subject, const struct dw_trailer *t, size_t n, struct dw_error *err)
{
	size_t i;

	if (!line_valid(subject))
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "a commit subject must be one non-empty line");
	for (i = 0; i < n; i++) {
		if (!key_valid(t[i].key))
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
			                    "'%s' is not a trailer key (letters, digits, '-')",
			                    t[i].key ? t[i].key : "(null)");
		if (!line_valid(t[i].value))
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
			                    "trailer %s: the value must be one non-empty line",
			                    t[i].key);
	}
	return 0;
}

static int put_body(struct dw_buf *out, const char *body)
{
	const char *p;
	size_t len;

	p = trimmed(body, &len);
	/* keep the body's own indentation: only blank lines around it go */
	while (p > body && p[-1] != '\n')
		p--, len++;
	if (len == 0)
		return 0;
	/* Graph's error texts end up here: no ESC sequence reaches a terminal running git log */
	if (dw_buf_puts(out, "\n") < 0 ||
	    dw_buf_put_printable(out, p, len, DW_TEXT_KEEP_LINES) < 0 || dw_buf_puts(out, "\n") < 0)
		return -ENOMEM;
	return 0;
}

int dw_store_message(struct dw_buf *out, const char *subject, const char *body,
                     const struct dw_trailer *trailers, size_t ntrailers, struct dw_error *err)
{
	const char *s;
	size_t len, i;
	int r;

	if ((r = check(subject, trailers, ntrailers, err)) < 0)
		return r;
	s = trimmed(subject, &len);
	if (dw_buf_put_printable(out, s, len, 0) < 0 || dw_buf_puts(out, "\n") < 0 ||
	    (body && put_body(out, body) < 0))
		goto oom;
	if (ntrailers && dw_buf_puts(out, "\n") < 0)
		goto oom;
	for (i = 0; i < ntrailers; i++) {
		s = trimmed(trailers[i].value, &len);
		if (dw_buf_printf(out, "%s: ", trailers[i].key) < 0 ||
		    dw_buf_put_printable(out, s, len, 0) < 0 || dw_buf_puts(out, "\n") < 0)
			goto oom;
	}
	return 0;
oom:
	return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "commit message too long");
}
