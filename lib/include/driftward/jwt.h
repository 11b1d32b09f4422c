/*
 * Signed JWT client assertions for the OAuth 2.0 client-credentials grant
 * with a certificate (Microsoft identity platform, "certificate credentials"):
 * a header naming the certificate by its thumbprint, claims aud/iss/sub/jti/
 * nbf/exp, an RSA signature made with the private key that belongs to the
 * certificate.
 */
#ifndef DRIFTWARD_JWT_H
#define DRIFTWARD_JWT_H

#include <time.h>

#include "driftward/buf.h"
#include "driftward/error.h"
#include "driftward/secret.h"

enum dw_jwt_alg {
	DW_JWT_PS256 = 0, /* RSASSA-PSS, SHA-256, header x5t#S256 */
	DW_JWT_RS256,     /* RSASSA-PKCS1-v1_5, SHA-256, header x5t (SHA-1 thumbprint) */
};

/* How long an assertion is valid: Microsoft accepts 5 to 10 minutes. */
#define DW_JWT_LIFETIME 600

struct dw_jwt_signer;

/*
 * Loads the certificate from the PEM file @cert_file and the private key
 * from @key_pem (PEM text, e.g. decrypted from the tenant's secret_file),
 * and checks that the key is the certificate's. A key that is not RSA, is
 * protected by a passphrase, or does not match is a clear error; the key's
 * bytes never appear in a message.
 */
int dw_jwt_signer_new(const char *cert_file, const struct dw_secret *key_pem, enum dw_jwt_alg alg,
                      struct dw_jwt_signer **out, struct dw_error *err);

void dw_jwt_signer_free(struct dw_jwt_signer *s);

/*
 * Appends a compact JWS to @out (use a secret buffer): the client assertion
 * of @client_id for the token endpoint @audience, valid from @now for
 * DW_JWT_LIFETIME seconds.
 */
int dw_jwt_client_assertion(const struct dw_jwt_signer *s, const char *client_id,
                            const char *audience, time_t now, struct dw_buf *out,
                            struct dw_error *err);

/* The certificate's thumbprint as it goes into the header (base64url), for messages and tests. */
const char *dw_jwt_signer_thumbprint(const struct dw_jwt_signer *s);

#endif
