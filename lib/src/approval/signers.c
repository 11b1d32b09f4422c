/*
 * git's allowed signers file, as ssh-keygen(1) ALLOWED SIGNERS defines it:
 *	principals [options] keytype base64-key [comment]
 * principals and options may be double-quoted; options are cert-authority,
 * namespaces="list", valid-after="time" and valid-before="time". Lines that
 * are empty or start with '#' are skipped. Anything else that does not parse
 * is an error naming the file and line: a signer list that half-loads would
 * let the wrong people approve, or lock the right ones out without saying.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approval/internal.h"
#include "driftward/array.h"
#include "driftward/base64.h"
#include "driftward/buf.h"

#define SIGNERS_FILE_MAX (4u << 20)
#define KEY_BLOB_MAX     (16u << 10)

/* The key types OpenSSH writes; others on a line make it no key line at all. */
static const char *const key_types[] = {
	"ssh-ed25519",
	"ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521",
	"ssh-rsa",
	"ssh-dss",
	"sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com",
};

struct line_ctx {
	const char *path;
	unsigned line;
	struct dw_error *err;
};

static int line_error(const struct line_ctx *c, const char *what)
{
	return dw_error_at(c->err, -EINVAL, DW_AREA_CONFIG, c->path, c->line, 0, "%s", what);
}

static void skip_space(char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* The next field, which may be "quoted" (quotes kept when @keep_quotes); NULs its end. */
static char *next_field(char **p, int keep_quotes)
{
	char *start = *p, *q = *p;
	int quoted = 0;

	for (; *q && (quoted || (*q != ' ' && *q != '\t')); q++)
		if (*q == '"')
			quoted = !quoted;
	if (quoted || q == start)
		return NULL;
	if (*q)
		*q++ = '\0';
	*p = q;
	if (!keep_quotes && *start == '"' && q - start >= 2 && start[strlen(start) - 1] == '"') {
		start[strlen(start) - 1] = '\0';
		start++;
	}
	return start;
}

static int is_key_type(const char *s)
{
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(key_types); i++)
		if (strcmp(s, key_types[i]) == 0)
			return 1;
	return 0;
}

/* The value of name="value" (quotes required, as OpenSSH's opt_dequote wants). */
static char *quoted_value(char *opt, size_t namelen)
{
	char *v = opt + namelen;
	size_t len = strlen(v);

	if (len < 2 || v[0] != '"' || v[len - 1] != '"' || memchr(v + 1, '"', len - 2))
		return NULL;
	v[len - 1] = '\0';
	return v + 1;
}

static int set_time(const struct line_ctx *c, char *opt, size_t namelen, int64_t *out)
{
	char *v = quoted_value(opt, namelen);

	if (!v || dw_approval__parse_time(v, out) < 0)
		return line_error(c, "valid-after/valid-before want \"YYYYMMDD[HHMM[SS]][Z]\"");
	return 0;
}

static int one_option(const struct line_ctx *c, char *opt, struct approval_signer *s)
{
	char *v;

	if (strcmp(opt, "cert-authority") == 0)
		return line_error(c, "cert-authority is not supported: list each signer's own key");
	if (strncmp(opt, "namespaces=", 11) == 0) {
		if (s->namespaces || !(v = quoted_value(opt, 11)) || !*v)
			return line_error(c, "namespaces= wants one quoted list, e.g. "
			                     "namespaces=\"git\"");
		return (s->namespaces = strdup(v)) ? 0 : -ENOMEM;
	}
	if (strncmp(opt, "valid-after=", 12) == 0)
		return set_time(c, opt, 12, &s->valid_after);
	if (strncmp(opt, "valid-before=", 13) == 0)
		return set_time(c, opt, 13, &s->valid_before);
	return line_error(c, "unknown option (cert-authority, namespaces, valid-after and "
	                     "valid-before are the ones there are)");
}

/* Comma-separated options; commas inside quotes belong to the value. */
static int parse_options(const struct line_ctx *c, char *opts, struct approval_signer *s)
{
	char *p = opts, *start = opts;
	int quoted = 0, r;

	for (;; p++) {
		char sep = *p;

		if (sep == '"')
			quoted = !quoted;
		if (sep && (quoted || sep != ','))
			continue;
		if (p == start)
			return line_error(c, "an empty option");
		*p = '\0';
		if ((r = one_option(c, start, s)) < 0 || !sep)
			return r;
		start = p + 1;
	}
}

static int parse_key(const struct line_ctx *c, char *type, char **rest, struct approval_signer *s)
{
	char *b64;
	size_t max;
	int r;

	skip_space(rest);
	if (!(b64 = next_field(rest, 1)))
		return line_error(c, "the key's base64 is missing");
	if (strlen(type) >= sizeof(s->key_type))
		return line_error(c, "the key type is too long");
	memcpy(s->key_type, type, strlen(type) + 1);
	max = dw_base64_decoded_max(strlen(b64));
	if (max > KEY_BLOB_MAX || !(s->key = malloc(max + 1)))
		return line_error(c, "the key is too long");
	r = dw_base64_decode(b64, strlen(b64), DW_BASE64_PAD, s->key, max + 1, &s->keylen);
	if (r < 0 || s->keylen < 4 + strlen(type) || memcmp(s->key + 4, type, strlen(type)) != 0 ||
	    ((uint32_t)s->key[0] << 24 | (uint32_t)s->key[1] << 16 | (uint32_t)s->key[2] << 8 |
	     s->key[3]) != strlen(type))
		return line_error(c, "the key is not valid base64 of a key of its type");
	return 0;
}

static int parse_line(const struct line_ctx *c, char *p, struct approval_signer *s)
{
	char *principals, *field;
	int r;

	if (!(principals = next_field(&p, 0)) || !*principals)
		return line_error(c, "the principals are missing or their quotes do not close");
	skip_space(&p);
	if (!(field = next_field(&p, 1)))
		return line_error(c, "the key is missing");
	if (!is_key_type(field)) {
		if ((r = parse_options(c, field, s)) < 0)
			return r;
		skip_space(&p);
		if (!(field = next_field(&p, 1)) || !is_key_type(field))
			return line_error(c, "the key is missing or of an unknown type");
	}
	if ((r = parse_key(c, field, &p, s)) < 0)
		return r;
	/* whatever follows the key is a comment */
	return (s->principals = strdup(principals)) ? 0 : -ENOMEM;
}

static void signer_release(struct approval_signer *s)
{
	free(s->principals);
	free(s->namespaces);
	free(s->key);
	memset(s, 0, sizeof(*s));
}

/* Parses one line (NUL-terminated, mutable) and adds its signer, if it is one. */
static int add_line(struct dw_approval__signers *out, const struct line_ctx *c, char *p)
{
	struct approval_signer s = { .line = c->line };
	int r;

	skip_space(&p);
	if (!*p || *p == '#')
		return 0;
	s.valid_after = INT64_MIN;
	s.valid_before = INT64_MAX;
	if ((r = parse_line(c, p, &s)) < 0 ||
	    (r = DW_ARRAY_GROW(out->items, out->alloc, out->n + 1)) < 0) {
		signer_release(&s);
		return r == -ENOMEM
		               ? dw_error_set(c->err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory")
		               : r;
	}
	out->items[out->n++] = s;
	return 0;
}

int dw_approval__signers_parse(const char *text, size_t len, const char *path,
                               struct dw_approval__signers *out, struct dw_error *err)
{
	struct line_ctx c = { path, 0, err };
	const char *p = text, *end = text + len;
	struct dw_buf line;
	int r = 0;

	memset(out, 0, sizeof(*out));
	dw_buf_init(&line, SIGNERS_FILE_MAX);
	while (r == 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		size_t n = (size_t)((nl ? nl : end) - p);

		c.line++;
		dw_buf_reset(&line);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n))
			r = line_error(&c, "a NUL byte");
		else if ((r = dw_buf_put(&line, p, n)) < 0)
			r = dw_error_set(err, r, DW_AREA_SYSTEM, 0, "out of memory");
		else if (line.ptr)
			r = add_line(out, &c, line.ptr);
		p = next;
	}
	dw_buf_release(&line);
	if (r < 0)
		dw_approval__signers_release(out);
	return r;
}

int dw_approval__signers_load(const char *path, struct dw_approval__signers *out,
                              struct dw_error *err)
{
	struct dw_buf b;
	int r;

	memset(out, 0, sizeof(*out));
	dw_buf_init(&b, SIGNERS_FILE_MAX);
	if ((r = dw_buf_read_file(&b, path, err)) == 0)
		r = dw_approval__signers_parse(dw_buf_cstr(&b), b.len, path, out, err);
	dw_buf_release(&b);
	return r;
}

void dw_approval__signers_release(struct dw_approval__signers *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		signer_release(&s->items[i]);
	free(s->items);
	memset(s, 0, sizeof(*s));
}

static int digits(const char *s, size_t n, int *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

int dw_approval__parse_time(const char *s, int64_t *out)
{
	size_t len = strlen(s);
	int utc = len > 0 && s[len - 1] == 'Z', y, mo, d, h = 0, mi = 0, sec = 0;
	struct tm tm = { 0 }, back;
	time_t t;

	len -= (size_t)utc;
	if ((len != 8 && len != 12 && len != 14) || digits(s, 4, &y) < 0 ||
	    digits(s + 4, 2, &mo) < 0 || digits(s + 6, 2, &d) < 0 ||
	    (len >= 12 && (digits(s + 8, 2, &h) < 0 || digits(s + 10, 2, &mi) < 0)) ||
	    (len == 14 && digits(s + 12, 2, &sec) < 0))
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	back = tm;
	t = utc ? timegm(&tm) : mktime(&tm);
	/* a date that does not exist (20230231, 2400) comes back normalised: refuse it */
	if (t == (time_t)-1 || tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon ||
	    tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min || sec > 59)
		return -EINVAL;
	*out = (int64_t)t;
	return 0;
}
