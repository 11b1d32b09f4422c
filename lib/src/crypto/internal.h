/*
 * The crypto area's internal interface: the primitives age v1 is built from
 * (all OpenSSL 3, all here), Bech32, and the buffered byte sources the age
 * parser reads from. Nothing outside lib/src/crypto includes this.
 */
#ifndef DW_CRYPTO_INTERNAL_H
#define DW_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "driftward/age.h"
#include "driftward/error.h"

#define X25519_LEN     32
#define FILE_KEY_LEN   16
#define AEAD_TAG_LEN   16
#define AEAD_KEY_LEN   32
#define AEAD_NONCE_LEN 12

/* --- primitives.c --- */
int dw_crypto__hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
                           const char *info, unsigned char out[32]);
int dw_crypto__hmac_sha256(const unsigned char key[32], const void *data, size_t len,
                           unsigned char out[32]);
/* Derives the public key of an X25519 private key. */
int dw_crypto__x25519_public(const unsigned char priv[X25519_LEN], unsigned char pub[X25519_LEN]);
/* X25519(priv, peer). -EKEYREJECTED when the result is all zero (a low-order point). */
int dw_crypto__x25519(const unsigned char priv[X25519_LEN], const unsigned char peer[X25519_LEN],
                      unsigned char out[X25519_LEN]);
/* One-shot ChaCha20-Poly1305 with a zero nonce (stanza bodies). @out gets len + 16 bytes. */
int dw_crypto__seal_zero_nonce(const unsigned char key[32], const void *in, size_t len,
                               unsigned char *out);
/* The reverse; -EBADMSG when the tag does not verify (nothing written to @out then). */
int dw_crypto__open_zero_nonce(const unsigned char key[32], const unsigned char *in, size_t len,
                               unsigned char *out);
int dw_crypto__scrypt(const void *pass, size_t passlen, const void *salt, size_t saltlen,
                      unsigned log2n, unsigned char out[32]);

/* A ChaCha20-Poly1305 context for STREAM: the key is set once, the nonce per chunk. */
struct aead;
int dw_crypto__aead_new(struct aead **out, const unsigned char key[32]);
void dw_crypto__aead_free(struct aead *a);
/* Encrypts @len bytes (may be 0) into @out, which gets len + 16 bytes. */
int dw_crypto__aead_seal(struct aead *a, const unsigned char nonce[12], const unsigned char *in,
                         size_t len, unsigned char *out);
/* Decrypts @len bytes (tag included) into @out, in place allowed; -EBADMSG on a bad tag,
 * and then @out is wiped. */
int dw_crypto__aead_open(struct aead *a, const unsigned char nonce[12], const unsigned char *in,
                         size_t len, unsigned char *out);

/* --- bech32.c --- */
/* Encodes @data under @hrp (case of @hrp kept: upper-case HRP gives an upper-case string). */
int dw_crypto__bech32_encode(const char *hrp, const unsigned char *data, size_t len, char *out,
                             size_t outlen);
/* Decodes @s; the HRP must equal @hrp exactly (age's are case-sensitive). */
int dw_crypto__bech32_decode(const char *s, const char *hrp, unsigned char *out, size_t outcap,
                             size_t *outlen);

/* --- input.c: a buffered reader over a dw_age_source --- */
#define IN_BUF_SIZE (64 * 1024)

struct in {
	struct dw_age_source src;
	unsigned char buf[IN_BUF_SIZE];
	size_t pos, end;
	int eof;
	int err; /* a sticky read error */
};

void dw_crypto__in_init(struct in *in, const struct dw_age_source *src);
/* Makes at least @want bytes available unless EOF comes first; returns how many are. */
ssize_t dw_crypto__in_fill(struct in *in, size_t want);
/* Reads up to @len bytes, short only at EOF. Returns the count or a negative errno. */
ssize_t dw_crypto__in_read(struct in *in, void *dst, size_t len);
/* Reads one line including its '\n' into @line (at most @max bytes); -EMSGSIZE when longer,
 * 0 at EOF with nothing read; a last line without '\n' is returned as is. */
ssize_t dw_crypto__in_line(struct in *in, char *line, size_t max);
/* The dw_age_source reading through the buffer (for the armor layer). */
ssize_t dw_crypto__in_source_read(void *ctx, void *buf, size_t len);

/* --- armor.c --- */
#define ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define ARMOR_END   "-----END AGE ENCRYPTED FILE-----"

struct armor_reader;
int dw_crypto__armor_reader_new(struct armor_reader **out, struct in *raw, struct dw_error *err);
void dw_crypto__armor_reader_free(struct armor_reader *a);
/* A dw_age_source reading the decoded bytes; errors are -EILSEQ, set in @err of _new. */
ssize_t dw_crypto__armor_read(void *ctx, void *buf, size_t len);

struct armor_writer;
int dw_crypto__armor_writer_new(struct armor_writer **out, const struct dw_age_sink *dst);
int dw_crypto__armor_writer_close(struct armor_writer *a);
void dw_crypto__armor_writer_free(struct armor_writer *a);
int dw_crypto__armor_write(void *ctx, const void *buf, size_t len);

/* --- header.c --- */
struct stanza {
	char **args;
	size_t nargs, args_alloc;
	unsigned char *body;
	size_t bodylen;
};

struct header {
	struct stanza *stanzas;
	size_t count, alloc;
	unsigned char mac[32];
	unsigned char *raw; /* the header up to and including "---": what the MAC covers */
	size_t rawlen;
};

/* Parses a header; -EBADMSG (with a message) when malformed; read errors as they are. */
int dw_crypto__header_parse(struct in *in, struct header *h, struct dw_error *err);
void dw_crypto__header_release(struct header *h);

/* Appends a stanza's encoding to @b. */
int dw_crypto__stanza_encode(struct dw_buf *b, const char *const *args, size_t nargs,
                             const unsigned char *body, size_t bodylen);

/* --- stream.c --- */
#define CHUNK_SIZE     (64 * 1024)
#define ENC_CHUNK_SIZE (CHUNK_SIZE + AEAD_TAG_LEN)

int dw_crypto__stream_encrypt(const unsigned char key[32], const struct dw_age_source *src,
                              const struct dw_age_sink *dst, struct dw_error *err);
int dw_crypto__stream_decrypt(const unsigned char key[32], struct in *in,
                              const struct dw_age_sink *dst, struct dw_error *err);

/* --- recipients.c --- */
int dw_crypto__recipients_wrap(const struct dw_age_recipients *r, const unsigned char file_key[16],
                               struct dw_buf *header, struct dw_error *err);
int dw_crypto__identities_unwrap(const struct dw_age_identities *ids, const struct header *h,
                                 unsigned char file_key[16], struct dw_error *err);

#endif
