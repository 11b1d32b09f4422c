/*
 * SSH signatures (OpenSSH's PROTOCOL.sshsig), as git writes them into a
 * commit's gpgsig header with gpg.format=ssh. Verified with OpenSSL in
 * lib/src/crypto. Keys: ssh-ed25519, ecdsa-sha2-nistp256, and ssh-rsa keys
 * with rsa-sha2-256 or rsa-sha2-512 signatures (SHA-1 "ssh-rsa" signatures
 * are refused). Message hashes: sha256 or sha512.
 *
 * Parsing is strict: every length is checked against what is left, nothing
 * may follow the last field, and the signature's type must belong to its key.
 */
#ifndef DRIFTWARD_SSHSIG_H
#define DRIFTWARD_SSHSIG_H

#include <stddef.h>

#include "driftward/error.h"

/* "SHA256:" + 43 characters of unpadded base64, as ssh-keygen -l prints it. */
#define DW_SSHSIG_FINGERPRINT_MAX 52

/* The most bytes an armored signature may have (an RSA-16384 one is ~6 KiB). */
#define DW_SSHSIG_ARMOR_MAX (16u << 10)

struct dw_sshsig;

/*
 * Parses the armored signature ("-----BEGIN SSH SIGNATURE-----", base64
 * lines, "-----END SSH SIGNATURE-----", an optional final newline) of @len
 * bytes at @armored. -EINVAL for anything malformed, -ENOTSUP for a key or
 * hash algorithm this verifier does not take; @err says which.
 */
int dw_sshsig_parse(const char *armored, size_t len, struct dw_sshsig **out, struct dw_error *err);

/* The same for the binary blob (the base64 inside the armor, decoded). */
int dw_sshsig_parse_blob(const unsigned char *blob, size_t len, struct dw_sshsig **out,
                         struct dw_error *err);

/* Accepts NULL. */
void dw_sshsig_free(struct dw_sshsig *sig);

/* The namespace the signer signed for ("git" for commits). */
const char *dw_sshsig_namespace(const struct dw_sshsig *sig);

/* The hash algorithm of the message ("sha512" or "sha256"). */
const char *dw_sshsig_hash(const struct dw_sshsig *sig);

/* The signer's key in the SSH wire format: the bytes an authorized key's base64 holds. */
const unsigned char *dw_sshsig_key(const struct dw_sshsig *sig, size_t *len);

/* The key's type as it is written before the base64 ("ssh-ed25519"). */
const char *dw_sshsig_key_type(const struct dw_sshsig *sig);

/* The key's kind as ssh-keygen names it in messages ("ED25519", "ECDSA", "RSA"). */
const char *dw_sshsig_key_kind(const struct dw_sshsig *sig);

/* "SHA256:..." of the key, as ssh-keygen -l and git print it. */
void dw_sshsig_fingerprint(const struct dw_sshsig *sig, char out[DW_SSHSIG_FINGERPRINT_MAX]);

/*
 * Checks that @sig signs the @len bytes at @msg (under the namespace in the
 * signature: compare it first). 0 when it does, -EBADMSG when it does not
 * (the content or the signature was changed), another negative errno when it
 * could not be checked.
 */
int dw_sshsig_verify(const struct dw_sshsig *sig, const void *msg, size_t len,
                     struct dw_error *err);

#endif
