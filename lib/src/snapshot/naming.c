#include <errno.h>
#include <string.h>

#include "driftward/crypto.h"
#include "driftward/naming.h"

/*
 * The base letter of each of U+00C0..U+017F (Latin-1 Supplement letters and
 * Latin Extended-A), or 0 for a character that is not a letter. Generated from
 * Unicode's decompositions (NFKD), with the letters that have none (æ, ð, ø,
 * þ, ß, đ, ł, œ, ...) mapped by hand.
 */
static const char latin_base[0x180 - 0xc0] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
                                             "aaaaaaaceeeeiiiidnooooo\0ouuuuyty"
                                             "aaaaaaccccccccddddeeeeeeeeeegggg"
                                             "gggghhhhiiiiiiiiiiiijjkkklllllll"
                                             "lllnnnnnnnnnoooooooorrrrrrssssss"
                                             "ssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

static char fold_two_byte(unsigned char lead, unsigned char cont)
{
	unsigned cp = ((unsigned)(lead & 0x1f) << 6) | (cont & 0x3f);

	if ((cont & 0xc0) != 0x80 || cp < 0xc0 || cp >= 0x180)
		return 0;
	return latin_base[cp - 0xc0];
}

/* Length of the UTF-8 sequence that starts with @c (1 for bytes that start none). */
static size_t utf8_len(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8)
		return 4;
	if (c >= 0xe0)
		return c < 0xf0 ? 3 : 1;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* The slug character for the character at @name (of @n bytes there), or 0 for a separator. */
static char slug_char(const char *name, size_t avail, size_t *n)
{
	unsigned char c = (unsigned char)name[0];

	*n = utf8_len(c);
	if (*n > avail)
		*n = avail;
	if (c < 0x80) {
		char ch = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);

		return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : 0;
	}
	return *n == 2 ? fold_two_byte(c, (unsigned char)name[1]) : 0;
}

/*
 * Words of the name joined by single '-'; past DW_SLUG_MAX, cut after the
 * last whole word that fits (or at DW_SLUG_MAX when the first word is longer).
 */
int dw_slug(struct dw_buf *out, const char *name, size_t len)
{
	char slug[DW_SLUG_MAX + 1];
	size_t i = 0, n, used = 0, cut = 0;
	int pending_dash = 0;

	while (i < len) {
		char ch = slug_char(name + i, len - i, &n);

		i += n;
		if (!ch) {
			pending_dash = used > 0;
			continue;
		}
		if (pending_dash) {
			cut = used; /* a word ends here */
			if (used == DW_SLUG_MAX)
				break;
			slug[used++] = '-';
			pending_dash = 0;
		}
		if (used == DW_SLUG_MAX) {
			used = cut ? cut : used; /* the word does not fit: drop it */
			break;
		}
		slug[used++] = ch;
	}
	return dw_buf_put(out, slug, used);
}

/* Does the byte at @i of @id stay as it is in a file name? */
static int id_byte_plain(const char *id, size_t len, size_t i)
{
	unsigned char c = (unsigned char)id[i];

	/* no leading '.' or '-', and never "--", which separates the slug from the id */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || (c == '.' && i > 0) ||
	       (c == '-' && i > 0 && !(i + 1 < len && id[i + 1] == '-'));
}

static size_t escaped_len(const char *id, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += id_byte_plain(id, len, i) ? 1 : 3;
	return n;
}

/* Escapes the bytes of @id from the start while they fit in @room bytes. */
static int escape_prefix(struct dw_buf *out, const char *id, size_t len, size_t room)
{
	size_t i, used = 0;
	int r = 0;

	for (i = 0; i < len && r == 0; i++) {
		int plain = id_byte_plain(id, len, i);

		if (used + (plain ? 1 : 3) > room)
			break;
		used += plain ? 1 : 3;
		r = plain ? dw_buf_putc(out, id[i]) : dw_buf_put_pct(out, (unsigned char)id[i]);
	}
	return r;
}

/* The stable short form: the start of the id, '~', and hex of the id's SHA-256. */
static int escape_shortened(struct dw_buf *out, const char *id, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[DW_SHA256_LEN];
	size_t i;
	int r;

	r = escape_prefix(out, id, len, DW_ID_PREFIX_MAX) ?: dw_sha256(id, len, digest);
	r = r ?: dw_buf_putc(out, DW_ID_HASH_MARK);
	for (i = 0; r == 0 && i < DW_ID_HASH_HEX / 2; i++)
		r = dw_buf_putc(out, hex[digest[i] >> 4]) ?: dw_buf_putc(out, hex[digest[i] & 15]);
	return r;
}

int dw_escape_id(struct dw_buf *out, const char *id, size_t len)
{
	if (escaped_len(id, len) > DW_ID_PART_MAX)
		return escape_shortened(out, id, len);
	return escape_prefix(out, id, len, DW_ID_PART_MAX);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dw_unescape_id(struct dw_buf *out, const char *escaped, size_t len)
{
	size_t i;
	int r = 0;

	for (i = 0; i < len && r == 0; i++) {
		int hi, lo;

		if (escaped[i] == DW_ID_HASH_MARK)
			return -ERANGE; /* a shortened id: only its hash is left */
		if (escaped[i] != '%') {
			r = dw_buf_putc(out, escaped[i]);
			continue;
		}
		if (len - i < 3)
			return -EINVAL;
		hi = hex_digit(escaped[i + 1]);
		lo = hex_digit(escaped[i + 2]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		r = dw_buf_putc(out, (char)(hi << 4 | lo));
		i += 2;
	}
	return r;
}

int dw_object_path(struct dw_buf *out, const char *collector, const char *name, size_t name_len,
                   const char *id, size_t id_len)
{
	size_t before;
	int r;

	r = dw_buf_puts(out, collector) ?: dw_buf_putc(out, '/');
	before = out->len;
	if (r == 0 && name)
		r = dw_slug(out, name, name_len);
	if (r == 0 && out->len > before)
		r = dw_buf_puts(out, "--");
	return r ?: dw_escape_id(out, id, id_len) ?: dw_buf_puts(out, ".json");
}

int dw_singleton_path(struct dw_buf *out, const char *collector)
{
	return dw_buf_printf(out, "%s/%s.json", collector, collector);
}

int dw_object_path_id(const char *path, const char **id, size_t *len)
{
	const char *base = strrchr(path, '/'), *end, *sep, *p;

	base = base ? base + 1 : path;
	end = base + strlen(base);
	if (end - base < 6 || strcmp(end - 5, ".json") != 0)
		return -EINVAL;
	end -= 5;
	sep = NULL;
	for (p = base; p + 1 < end; p++)
		if (p[0] == '-' && p[1] == '-')
			sep = p;
	*id = sep ? sep + 2 : base;
	*len = (size_t)(end - *id);
	return *len ? 0 : -EINVAL;
}
