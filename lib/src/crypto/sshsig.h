/*
 * Internals of the SSH signature verifier: a bounded reader of the SSH wire
 * format (RFC 4251 section 5) shared by the blob parser (sshsig.c) and the
 * key and signature decoders on OpenSSL (sshkey.c).
 */
#ifndef DW_CRYPTO_SSHSIG_H
#define DW_CRYPTO_SSHSIG_H

#include <stddef.h>
#include <stdint.h>

#include "driftward/error.h"

/* A view of bytes not yet read; reading moves p and shrinks n, never past the end. */
struct sshwire {
	const unsigned char *p;
	size_t n;
};

/* -EINVAL when fewer than four bytes are left. */
int dw_crypto__ssh_u32(struct sshwire *w, uint32_t *out);
/* A uint32 length and that many bytes, as a view into the same memory. */
int dw_crypto__ssh_string(struct sshwire *w, struct sshwire *out);
/* A string that must equal @want. */
int dw_crypto__ssh_expect(struct sshwire *w, const char *want);
/* An mpint that must be positive and minimally encoded; its magnitude without a leading 0. */
int dw_crypto__ssh_mpint(struct sshwire *w, struct sshwire *out);
/* 1 when @s holds exactly the characters of @want. */
int dw_crypto__ssh_eq(const struct sshwire *s, const char *want);

enum sshkey_kind {
	SSHKEY_ED25519,
	SSHKEY_ECDSA_P256,
	SSHKEY_RSA,
};

/*
 * Checks a public key blob (the type is known to the caller from the blob's
 * first string) and that @sigtype may sign with it. @kind is set.
 */
int dw_crypto__sshkey_check(const struct sshwire *key, const struct sshwire *sigtype,
                            enum sshkey_kind *kind, struct dw_error *err);

/* Verifies the signature blob @sig (string type, string bytes) by @key over @data. */
int dw_crypto__sshkey_verify(const struct sshwire *key, enum sshkey_kind kind,
                             const struct sshwire *sig, const unsigned char *data, size_t len,
                             struct dw_error *err);

#endif
