/* Host key pinning, apart so the tests can check it against ssh-keygen. */
#ifndef DW_STORE_PUSH_H
#define DW_STORE_PUSH_H

#define STORE_FINGERPRINT_MAX 64

/* "SHA256:<unpadded base64>" of a host key's SHA-256, as ssh-keygen -l prints it. */
void dw_store__ssh_fingerprint(const unsigned char sha256[32], char out[STORE_FINGERPRINT_MAX]);

/* 1 when @sha256 is the key pinned as @pinned ("SHA256:..."); 0 for a NULL pin. */
int dw_store__host_key_matches(const unsigned char sha256[32], const char *pinned);

#endif
