/*
 * A secret value (client secret, private key, token): an opaque handle whose
 * bytes are wiped when freed. It has no print function on purpose; the only
 * way to the bytes is dw_secret_data(), which call sites are to use at the
 * moment of use.
 */
#ifndef DRIFTWARD_SECRET_H
#define DRIFTWARD_SECRET_H

#include <stddef.h>

struct dw_secret;

/* Copies @len bytes into a new secret (NUL-terminated as a convenience). */
int dw_secret_new(struct dw_secret **out, const void *data, size_t len);

/* Takes ownership of @data (malloc'd, @len bytes plus a NUL); wipes it on free. */
int dw_secret_adopt(struct dw_secret **out, char *data, size_t len);

const unsigned char *dw_secret_data(const struct dw_secret *s);
size_t dw_secret_len(const struct dw_secret *s);

/* Wipes and frees. Accepts NULL. */
void dw_secret_free(struct dw_secret *s);

#endif
