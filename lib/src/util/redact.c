/*
 * Redaction works on text of unknown shape (log messages, libcurl's debug
 * output, error strings from other libraries), so it recognises secrets by
 * their surroundings, errs on the side of hiding, and never needs to parse the
 * whole input: one left-to-right pass that tries its patterns at word starts
 * only, linear in the input.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/redact.h"
#include "driftward/array.h"

/*
 * The secrets this process holds right now (client secrets, tokens): text
 * that echoes one (a token endpoint's error_description quoting the secret)
 * has no surroundings to recognise it by, so its exact bytes are looked for.
 * The registry points at the secrets' own memory: it copies nothing.
 */
struct known_secret {
	const unsigned char *data;
	size_t len;
};

static pthread_mutex_t known_lock = PTHREAD_MUTEX_INITIALIZER;
static struct known_secret *known;
static size_t known_count, known_alloc;

int dw_redact_register(const void *data, size_t len)
{
	int r = 0;

	if (len < DW_REDACT_KNOWN_MIN)
		return 0;
	pthread_mutex_lock(&known_lock);
	r = DW_ARRAY_GROW(known, known_alloc, known_count + 1);
	if (r == 0)
		known[known_count++] = (struct known_secret){ data, len };
	pthread_mutex_unlock(&known_lock);
	return r;
}

void dw_redact_unregister(const void *data)
{
	size_t i;

	pthread_mutex_lock(&known_lock);
	for (i = known_count; i-- > 0;)
		if (known[i].data == data) {
			known[i] = known[--known_count];
			break;
		}
	if (known_count == 0) {
		free(known);
		known = NULL;
		known_alloc = 0;
	}
	pthread_mutex_unlock(&known_lock);
}

/* The length of the longest registered secret at s[0..len), or 0. Called with known_lock. */
static size_t known_len(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < known_count; i++)
		if (known[i].len <= len && known[i].len > n &&
		    (unsigned char)s[0] == known[i].data[0] &&
		    memcmp(s, known[i].data, known[i].len) == 0)
			n = known[i].len;
	return n;
}

static int is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

static int is_b64url(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static int is_token_char(char c)
{
	return isalnum((unsigned char)c) || strchr("-._~+/=", c) != NULL;
}

static int word_eq(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(w, lit, n) == 0;
}

static int word_in(const char *w, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (word_eq(w, n, *list))
			return 1;
	return 0;
}

/* Words that make a key secret wherever they stand in it. */
static const char *const secret_anywhere[] = { "secret", "password", "passwd", "passphrase", NULL };
/* Words that make a key secret when they end it ("access_token", "preSharedKey"). */
static const char *const secret_last[] = { "token",       "key", "assertion", "credential",
	                                   "credentials", "psk", "apikey",    "secret",
	                                   "password",    NULL };
/* A last word that says the value is about a secret, not the secret itself. */
static const char *const harmless_last[] = {
	"file",   "path",     "dir",    "directory", "type",    "id",        "ids",
	"name",   "url",      "uri",    "count",     "length",  "size",      "lifetime",
	"policy", "policies", "ref",    "hint",      "date",    "time",      "datetime",
	"format", "kind",     "expiry", "expires",   "version", "algorithm", NULL
};

/* Splits a key into words at '_', '-', '.' and lower-to-upper case changes. */
static size_t next_word(const char *key, size_t len, size_t pos, size_t *wlen)
{
	size_t start, end;

	while (pos < len && !isalnum((unsigned char)key[pos]))
		pos++;
	start = pos;
	end = pos + (pos < len);
	while (end < len && isalnum((unsigned char)key[end]) &&
	       !(isupper((unsigned char)key[end]) && islower((unsigned char)key[end - 1])))
		end++;
	*wlen = end - start;
	return start;
}

int dw_is_secret_key(const char *key, size_t len)
{
	size_t pos = 0, wlen = 0, start, last = 0, lastlen = 0;
	int anywhere = 0;

	while ((start = next_word(key, len, pos, &wlen)) < len) {
		if (word_in(key + start, wlen, secret_anywhere))
			anywhere = 1;
		last = start;
		lastlen = wlen;
		pos = start + wlen;
	}
	if (lastlen == 0 || word_in(key + last, lastlen, harmless_last))
		return 0;
	return anywhere || word_in(key + last, lastlen, secret_last);
}

/* Length of a JWT (three base64url segments, the first starting "eyJ") at s, or 0. */
static size_t jwt_len(const char *s, size_t len)
{
	size_t i = 0;
	int seg;

	if (len < 3 || memcmp(s, "eyJ", 3) != 0)
		return 0;
	for (seg = 0; seg < 3; seg++) {
		size_t start = i;

		while (i < len && is_b64url(s[i]))
			i++;
		if (i == start && seg < 2)
			return 0;
		if (seg < 2) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i;
}

static size_t age_identity_len(const char *s, size_t len)
{
	static const char prefix[] = "AGE-SECRET-KEY-";
	size_t i = sizeof(prefix) - 1;

	if (len < i || strncasecmp(s, prefix, i) != 0)
		return 0;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '-'))
		i++;
	return i;
}

/* A PEM private key block from "-----BEGIN" to the end of its END line (or of the input). */
static size_t pem_key_len(const char *s, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	/* "-----BEGIN ENCRYPTED PRIVATE KEY-----" and kin: the header line is short */
	size_t head = len < 64 ? len : 64;
	const char *eol, *end;
	size_t line;

	if (len < sizeof(begin) - 1 || memcmp(s, begin, sizeof(begin) - 1) != 0)
		return 0;
	eol = memchr(s, '\n', head);
	line = eol ? (size_t)(eol - s) : head;
	if (!memmem(s, line, "PRIVATE KEY", 11))
		return 0;
	end = memmem(s + line, len - line, "-----END ", 9);
	if (!end)
		return len;
	end += 9;
	while (end < s + len && *end != '\n')
		end++;
	return (size_t)(end - s);
}

/* After "bearer" (any case) and spaces: the token's extent, or 0. */
static size_t bearer_len(const char *s, size_t len, size_t *tok_start)
{
	size_t i = 6, j;

	if (len < 8 || strncasecmp(s, "bearer", 6) != 0 || (s[6] != ' ' && s[6] != '\t'))
		return 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	j = i;
	while (j < len && is_token_char(s[j]))
		j++;
	/* real tokens are long; "a bearer of news" is not one */
	if (j - i < 8)
		return 0;
	*tok_start = i;
	return j;
}

/*
 * At a key followed by '=' or ':' (JSON "key": too): where its value starts and
 * ends. Returns 0 when there is no such value.
 */
static int find_value(const char *s, size_t len, size_t keystart, size_t keyend, int whole_line,
                      size_t *vstart, size_t *vend)
{
	size_t i = keyend;
	int quoted = 0, line_start = keystart == 0 || s[keystart - 1] == '\n';

	if (i < len && (s[i] == '"' || s[i] == '\'')) {
		quoted = keystart > 0 && s[keystart - 1] == s[i];
		i++;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= len || (s[i] != '=' && s[i] != ':'))
		return 0;
	/*
	 * "name: value" is a JSON member, a header or a YAML line only when the
	 * name is quoted or starts a line; in prose ("could not read key: No such
	 * file") the colon ends a phrase.
	 */
	if (s[i] == ':' && !quoted && !line_start && !whole_line)
		return 0;
	if (s[i] == ':' && i + 1 < len && s[i + 1] == '/')
		return 0; /* a URL scheme, not a key */
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < len && s[i] == '"') {
		size_t j = ++i;

		while (j < len && s[j] != '"') {
			if (s[j] == '\\' && j + 1 < len)
				j++;
			j++;
		}
		*vstart = i;
		*vend = j;
		return j > i;
	}
	*vstart = i;
	while (i < len && s[i] != '\n' && s[i] != '\r') {
		if (!whole_line && (strchr("&,;}] \t", s[i]) || s[i] == '"'))
			break;
		i++;
	}
	*vend = i;
	return i > *vstart && !(s[*vstart] == '{' || s[*vstart] == '[');
}

/*
 * Whether a secret starts at s[i]: returns the bytes it spans (0: none) and in
 * @keep how many of them to keep as they are ("Bearer ", "client_secret=").
 */
static size_t match_at(const char *s, size_t len, size_t i, size_t *keep)
{
	size_t n, tok, vs, ve, k;

	*keep = 0;
	/*
	 * Secrets start where a word starts: trying only there keeps the pass
	 * linear (a scan that fails inside a word is not repeated at each of
	 * its characters).
	 */
	if (i > 0 && is_ident(s[i - 1]))
		return 0;
	if ((n = jwt_len(s + i, len - i)) || (n = age_identity_len(s + i, len - i)) ||
	    (n = pem_key_len(s + i, len - i)))
		return n;
	if ((n = bearer_len(s + i, len - i, &tok))) {
		*keep = tok;
		return n;
	}
	for (k = i; k < len && is_ident(s[k]); k++)
		;
	if (k == i)
		return 0;
	if (word_eq(s + i, k - i, "authorization") ||
	    word_eq(s + i, k - i, "proxy-authorization")) {
		if (!find_value(s, len, i, k, 1, &vs, &ve))
			return 0;
	} else if (!dw_is_secret_key(s + i, k - i) || !find_value(s, len, i, k, 0, &vs, &ve)) {
		return 0;
	}
	if (ve - vs == strlen(DW_REDACTED) && memcmp(s + vs, DW_REDACTED, ve - vs) == 0)
		return 0;
	*keep = vs - i;
	return ve - i;
}

int dw_redact(struct dw_buf *out, const char *s, size_t len)
{
	size_t i = 0, plain = 0, n, keep;
	int r = 0;

	pthread_mutex_lock(&known_lock);
	while (i < len && r == 0) {
		keep = 0;
		/* a known secret anywhere, even inside a word; then the patterns at word starts */
		if (!(n = known_len(s + i, len - i)))
			n = match_at(s, len, i, &keep);
		if (n == 0) {
			i++;
			continue;
		}
		r = dw_buf_put(out, s + plain, i + keep - plain);
		if (r == 0)
			r = dw_buf_puts(out, DW_REDACTED);
		i += n;
		plain = i;
	}
	pthread_mutex_unlock(&known_lock);
	if (r == 0)
		r = dw_buf_put(out, s + plain, len - plain);
	return r;
}

void dw_redact_inplace(char *s, size_t size)
{
	struct dw_buf b;
	size_t n;

	if (!s || size == 0)
		return;
	dw_buf_init(&b, 1u << 20);
	if (dw_redact(&b, s, strlen(s)) < 0) {
		/* when in doubt, hide everything */
		snprintf(s, size, "%s", DW_REDACTED);
		return;
	}
	n = b.len < size - 1 ? b.len : size - 1;
	memcpy(s, dw_buf_cstr(&b), n);
	s[n] = '\0';
	dw_buf_release(&b);
}
