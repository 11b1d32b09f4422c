/*
 * Redaction of secret-like text: what the logger and error messages run every
 * string through. It recognises
 *   - HTTP Authorization (and Proxy-Authorization) header values,
 *   - "Bearer <token>" anywhere,
 *   - form fields client_secret=, client_assertion=, password=, refresh_token=,
 *     access_token=, code=... (up to '&' or whitespace),
 *   - JSON members and key=value pairs whose key names a secret (secret, token,
 *     password, passwd, key, assertion, credential),
 *   - JWTs (three base64url segments starting "eyJ"),
 *   - age identities (AGE-SECRET-KEY-1...) and PEM private key blocks,
 *   - the exact bytes of every secret the process holds (each struct
 *     dw_secret registers itself while it lives), wherever they stand.
 * Each is replaced by "[REDACTED]".
 */
#ifndef DRIFTWARD_REDACT_H
#define DRIFTWARD_REDACT_H

#include <stddef.h>

#include "driftward/buf.h"

#define DW_REDACTED "[REDACTED]"

/* Registered secrets shorter than this are not looked for: they would mask ordinary words. */
#define DW_REDACT_KNOWN_MIN 8

/*
 * Adds the @len bytes at @data to the secrets redaction masks wherever they
 * appear, until dw_redact_unregister(@data). The bytes are not copied: they
 * must stay valid until then. Shorter than DW_REDACT_KNOWN_MIN: ignored.
 * Thread-safe. Returns 0 or -ENOMEM.
 */
int dw_redact_register(const void *data, size_t len);
void dw_redact_unregister(const void *data);

/* Appends the redacted form of @len bytes of @s to @out. */
int dw_redact(struct dw_buf *out, const char *s, size_t len);

/* Redacts a NUL-terminated string in place (the result is never longer than
 * the input plus the markers, so it is truncated to @size). */
void dw_redact_inplace(char *s, size_t size);

/* True when a key name (of a JSON member, an INI key, a log field) names a secret. */
int dw_is_secret_key(const char *key, size_t len);

#endif
