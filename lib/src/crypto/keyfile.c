/*
 * Identity and recipient files, and the agent's key file: age-keygen's
 * format, read strictly, never readable by group or others, wiped after use.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "crypto/internal.h"
#include "driftward/file.h"
#include "driftward/keyfile.h"

/* Each non-comment line: "trimmed" of a final CR, handed to @fn. */
static int for_each_line(const char *text, size_t len, const char *name,
                         int (*fn)(void *ctx, const char *line, struct dw_error *err), void *ctx,
                         struct dw_error *err)
{
	char line[DW_AGE_IDENTITY_MAX * 2];
	size_t pos = 0, end, n;
	unsigned lineno = 0;
	int r = 0, found = 0;

	while (r == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		end = nl ? (size_t)(nl - text) : len;
		n = end - pos;
		lineno++;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > 0 && text[pos] != '#') {
			if (n >= sizeof(line)) {
				r = dw_error_at(err, -EINVAL, DW_AREA_CRYPTO, name, lineno, 0,
				                "line too long");
				break;
			}
			memcpy(line, text + pos, n);
			line[n] = '\0';
			r = fn(ctx, line, err);
			if (r < 0 && dw_error_isset(err) && !err->file[0]) {
				snprintf(err->file, sizeof(err->file), "%s", name);
				err->line = lineno;
			}
			found++;
		}
		pos = end + 1;
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (r == 0 && !found)
		r = dw_error_at(err, -EINVAL, DW_AREA_CRYPTO, name, 0, 0, "no key in the file");
	return r;
}

static int add_identity_line(void *ctx, const char *line, struct dw_error *err)
{
	return dw_age_identities_add(ctx, line, err);
}

int dw_age_identities_add_text(struct dw_age_identities *ids, const char *text, size_t len,
                               const char *name, struct dw_error *err)
{
	return for_each_line(text, len, name, add_identity_line, ids, err);
}

static int add_recipient_line(void *ctx, const char *line, struct dw_error *err)
{
	return dw_age_recipients_add(ctx, line, err);
}

int dw_age_recipients_add_file(struct dw_age_recipients *r, const char *path, struct dw_error *err)
{
	struct dw_buf text;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return dw_error_at(err, -errno, DW_AREA_SYSTEM, path, 0, 0, "could not open: %s",
		                   strerror(errno));
	dw_buf_init(&text, DW_KEYFILE_MAX);
	rc = dw_buf_read_fd(&text, fd, path, err);
	close(fd);
	if (rc == 0)
		rc = for_each_line(dw_buf_cstr(&text), text.len, path, add_recipient_line, r, err);
	dw_buf_release(&text);
	return rc;
}

/* The key must be the caller's alone: no access at all for group or others. */
static int check_mode(const char *path, const struct stat *st, struct dw_error *err)
{
	if (!S_ISREG(st->st_mode))
		return dw_error_at(err, -EINVAL, DW_AREA_CRYPTO, path, 0, 0, "not a regular file");
	if (st->st_mode & (S_IRWXG | S_IRWXO))
		return dw_error_at(err, -EPERM, DW_AREA_CRYPTO, path, 0, 0,
		                   "key file is accessible by group or others (mode %04o); "
		                   "fix it with: chmod 600 '%s'",
		                   (unsigned)(st->st_mode & 07777), path);
	return 0;
}

int dw_keyfile_add(struct dw_age_identities *ids, const char *path, struct dw_error *err)
{
	struct dw_buf text;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;

	if (fd < 0)
		return dw_error_at(err, -errno, DW_AREA_SYSTEM, path, 0, 0,
		                   "could not open the key file: %s", strerror(errno));
	dw_buf_init_secret(&text, DW_KEYFILE_MAX);
	r = fstat(fd, &st) < 0 ? dw_error_at(err, -errno, DW_AREA_SYSTEM, path, 0, 0,
	                                     "could not stat: %s", strerror(errno))
	                       : check_mode(path, &st, err);
	if (r == 0)
		r = dw_buf_read_fd(&text, fd, path, err);
	if (r == 0)
		r = dw_age_identities_add_text(ids, dw_buf_cstr(&text), text.len, path, err);
	close(fd);
	dw_buf_release(&text);
	return r;
}

int dw_keyfile_load(const char *path, struct dw_age_identities **out, struct dw_error *err)
{
	struct dw_age_identities *ids = NULL;
	int r = dw_age_identities_new(&ids);

	*out = NULL;
	if (r == 0)
		r = dw_keyfile_add(ids, path, err);
	if (r < 0) {
		dw_age_identities_free(ids);
		return r;
	}
	*out = ids;
	return 0;
}

int dw_keyfile_format(struct dw_buf *out, const struct dw_secret *identity, const char *recipient)
{
	char created[64];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	if (!localtime_r(&now, &tm))
		return -EIO;
	n = strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* RFC 3339 wants "+01:00" (or "Z" for UTC, as Go prints it), strftime gives "+0100" */
	if (n < 5)
		return -EIO;
	if (tm.tm_gmtoff == 0) {
		memcpy(created + n - 5, "Z", 2);
	} else {
		memmove(created + n - 1, created + n - 2, 3);
		created[n - 2] = ':';
	}
	return dw_buf_printf(out, "# created: %s\n# public key: %s\n%s\n", created, recipient,
	                     (const char *)dw_secret_data(identity));
}

int dw_keyfile_create(const char *path, char recipient[DW_AGE_RECIPIENT_MAX], struct dw_error *err)
{
	struct dw_secret *identity = NULL;
	struct dw_buf text;
	int r;

	dw_buf_init_secret(&text, DW_KEYFILE_MAX);
	r = dw_age_keygen(&identity, recipient);
	if (r == 0)
		r = dw_keyfile_format(&text, identity, recipient);
	if (r < 0)
		dw_error_set(err, r, DW_AREA_CRYPTO, 0, "could not generate a key");
	else
		r = dw_file_write_atomic(path, 0600, DW_FILE_EXCLUSIVE, text.ptr, text.len, err);
	dw_secret_free(identity);
	dw_buf_release(&text);
	return r;
}
