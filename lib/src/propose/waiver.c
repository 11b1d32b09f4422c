/*
 * The text a proposal writes by hand: waiver files, which the strict YAML
 * loader reads back (docs/baselines.md), topic names and dates. Every string
 * that came from a person or a report is written double-quoted, so that no
 * value can be read as another type ("yes", "0755") or end the document.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "propose/internal.h"

/* What a file name part or a topic is made of: safe in a ref, a path and a URL. */
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

/* The code point at @s (at most @len bytes) into @cp; its length, or 0 when not UTF-8. */
static size_t utf8_next(const unsigned char *s, size_t len, unsigned long *cp)
{
	static const unsigned long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n = s[0] < 0x80                   ? 1
	           : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
	           : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
	           : s[0] >= 0xf0 && s[0] < 0xf5 ? 4
	                                         : 0;
	size_t i;

	if (n == 0 || n > len)
		return 0;
	*cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* What YAML will not take unescaped in a double-quoted scalar (YAML 1.2, 5.1). */
static int needs_escape(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfeff || cp == 0xfffe ||
	       cp == 0xffff;
}

int dw_propose__yaml_quote(struct dw_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;
	unsigned long cp;
	int r = dw_buf_putc(out, '"');

	while (r == 0 && len > 0) {
		if ((n = utf8_next(p, len, &cp)) == 0)
			return -EINVAL;
		if (cp == '"' || cp == '\\')
			r = dw_buf_printf(out, "\\%c", (char)cp);
		else if (needs_escape(cp))
			r = dw_buf_printf(out, "\\u%04lx", cp);
		else
			r = dw_buf_put(out, p, n);
		p += n;
		len -= n;
	}
	return r ?: dw_buf_putc(out, '"');
}

static int key(struct dw_buf *out, const char *k, const char *v)
{
	int r = dw_buf_printf(out, "%s: ", k);

	r = r ?: dw_propose__yaml_quote(out, v);
	return r ?: dw_buf_putc(out, '\n');
}

int dw_propose__waiver_yaml(struct dw_buf *out, const struct propose_waiver *w)
{
	int r = dw_buf_puts(out, "# Written by driftward propose --accept-drift "
	                         "(docs/approvals.md).\nschema: driftward/waiver/v1\n");

	r = r ?: key(out, "rule", w->rule);
	r = r ?: key(out, "tenant", w->tenant);
	if (w->object)
		r = r ?: key(out, "object", w->object);
	r = r ?: key(out, "rationale", w->rationale);
	r = r ?: key(out, "owner", w->owner);
	return r ?: key(out, "expires", w->expires);
}

void dw_propose__file_part(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = strchr(NAME_CHARS, in[i]) ? in[i] : '_';
	if (len)
		out[i] = '\0';
}

int dw_propose_topic_valid(const char *topic)
{
	size_t len = strlen(topic), i;

	if (len == 0 || len > DW_PROPOSE_TOPIC_MAX || topic[0] == '.' || topic[0] == '-' ||
	    topic[len - 1] == '.' || strstr(topic, "..") ||
	    (len >= 5 && strcmp(topic + len - 5, ".lock") == 0))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!strchr(NAME_CHARS, topic[i]))
			return -EINVAL;
	return 0;
}

int dw_propose__date_valid(const char *s, int64_t now)
{
	char today[11], back[11];
	struct tm tm = { 0 };
	time_t t;
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' ||
	    s[7] != '-')
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	/* a day that does not exist (02-30) comes back as another one */
	dw_propose_date((int64_t)t, 0, back);
	dw_propose_date(now, 0, today);
	if (strcmp(back, s) != 0)
		return -EINVAL;
	return strcmp(s, today) < 0 ? -ERANGE : 0;
}

void dw_propose_date(int64_t now, int days, char out[11])
{
	time_t t = (time_t)(now + (int64_t)days * 86400);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		out[0] = '\0';
}
