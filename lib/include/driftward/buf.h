/*
 * A growable byte buffer with a mandatory maximum size, after curl's dynbuf.
 * The contents are always NUL-terminated (the NUL is not counted in len).
 * When an append would pass the maximum or memory runs out, the buffer frees
 * itself and the call returns -E2BIG or -ENOMEM: a caller never goes on with
 * half a value.
 *
 * A secret buffer (dw_buf_init_secret) wipes every byte it ever held: on
 * growth, reset and release. Use it for keys, tokens and client secrets.
 */
#ifndef DRIFTWARD_BUF_H
#define DRIFTWARD_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "driftward/common.h"

struct dw_buf {
	char *ptr; /* NULL until the first append */
	size_t len;
	size_t alloc;
	size_t max; /* the most bytes it may hold, not counting the NUL */
	unsigned secret : 1;
};

void dw_buf_init(struct dw_buf *b, size_t max);
void dw_buf_init_secret(struct dw_buf *b, size_t max);

/* Frees the memory (wiping it for a secret buffer); the buffer stays usable. */
void dw_buf_release(struct dw_buf *b);

/* Empties the buffer but keeps its memory (wiped for a secret buffer). */
void dw_buf_reset(struct dw_buf *b);

int dw_buf_put(struct dw_buf *b, const void *data, size_t len) DW_WARN_UNUSED;
int dw_buf_puts(struct dw_buf *b, const char *s) DW_WARN_UNUSED;
int dw_buf_putc(struct dw_buf *b, char c) DW_WARN_UNUSED;
int dw_buf_printf(struct dw_buf *b, const char *fmt, ...) DW_PRINTF(2, 3) DW_WARN_UNUSED;
int dw_buf_vprintf(struct dw_buf *b, const char *fmt, va_list ap) DW_PRINTF(2, 0) DW_WARN_UNUSED;

/*
 * Appends @s as a JSON string, quotes included, escaped as RFC 8785 does:
 * '"' and '\\', the short forms \b \t \n \f \r, other control characters as
 * \u00xx. For small JSON written by hand (log lines, JWT claims); documents
 * go through the JSON writer.
 */
int dw_buf_put_json_string(struct dw_buf *b, const char *s) DW_WARN_UNUSED;

/* Appends "%XX" (upper-case hex) for the byte @c: percent-encoding. */
int dw_buf_put_pct(struct dw_buf *b, unsigned char c) DW_WARN_UNUSED;

/* Makes room for @extra more bytes without changing len. */
int dw_buf_reserve(struct dw_buf *b, size_t extra) DW_WARN_UNUSED;

/* Drops bytes from the end (wiping them for a secret buffer). */
void dw_buf_truncate(struct dw_buf *b, size_t len);

/* The contents as a C string; "" for an empty buffer, never NULL. */
const char *dw_buf_cstr(const struct dw_buf *b);

/*
 * Hands the memory to the caller (who frees it with free(), or wipes it
 * first for a secret); the buffer is empty afterwards. Returns NULL when
 * nothing was appended.
 */
char *dw_buf_detach(struct dw_buf *b, size_t *len);

/*
 * Appends everything @fd has, to its end, reading straight into the buffer (a
 * regular file into one allocation of its size; nothing passes through other
 * memory, which matters for a secret buffer). Past the buffer's maximum it
 * fails with -E2BIG. When @err is given, it names @name: "could not read:
 * ...", "larger than N bytes". Returns 0 or a negative errno.
 */
struct dw_error;
int dw_buf_read_fd(struct dw_buf *b, int fd, const char *name, struct dw_error *err);

/* Opens @path (O_CLOEXEC, O_NOCTTY) and appends all of it, as dw_buf_read_fd. */
int dw_buf_read_file(struct dw_buf *b, const char *path, struct dw_error *err);

/* Wipes memory in a way the compiler may not remove. */
void dw_wipe(void *p, size_t len);

#endif
