/*
 * Small cryptographic helpers for the rest of driftward (OpenSSL stays inside
 * lib/src/crypto). Every function returns 0 or a negative errno.
 */
#ifndef DRIFTWARD_CRYPTO_H
#define DRIFTWARD_CRYPTO_H

#include <stddef.h>

#define DW_SHA256_LEN 32

/* Fills @buf with @len bytes from the system CSPRNG. */
int dw_crypto_random(void *buf, size_t len);

/* SHA-256 of @len bytes of @data into @out (32 bytes). */
int dw_sha256(const void *data, size_t len, unsigned char out[DW_SHA256_LEN]);

/* Compares in time independent of the contents; 0 when equal. */
int dw_crypto_memcmp(const void *a, const void *b, size_t len);

#endif
