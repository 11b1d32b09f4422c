/*
 * age v1 (age-encryption.org/v1, C2SP age.md): X25519 and scrypt recipients,
 * the STREAM payload, ASCII armor. Byte-compatible with the age tool: what
 * driftward writes, `age -d` reads, and the reverse.
 *
 * Everything streams: memory stays at a few 64 KiB buffers whatever the file
 * size. Decryption releases a 64 KiB chunk to the sink only after its tag has
 * verified, so a sink never sees forged plaintext; a failed decryption may
 * still have released the chunks before the bad one (write to a temporary file
 * and rename on success, as dw_age_decrypt_to_path does, when that matters).
 *
 * Errors: functions return 0 or a negative errno. Decryption tells the failure
 * classes apart (the CCTV test vectors' classes):
 *   -EILSEQ        the ASCII armor is malformed
 *   -EBADMSG       the header is malformed, or a stanza addressed to one of the
 *                  identities is (bad share, low-order point, wrong length)
 *   -ENOKEY        the header is fine but no identity unwraps the file key
 *   -EKEYREJECTED  the file key unwrapped but the header MAC does not match
 *   -EPROTO        the payload is damaged: a bad tag, truncation, trailing data
 * other codes are system errors (reading, writing, memory). @err gets a
 * message without secrets in it.
 *
 * Ownership: a dw_age_identities holds private keys and passphrases, wipes
 * them when freed, and copies whatever it is given. Nothing here keeps a
 * pointer to its arguments after returning.
 */
#ifndef DRIFTWARD_AGE_H
#define DRIFTWARD_AGE_H

#include <stddef.h>
#include <sys/types.h>

#include "driftward/buf.h"
#include "driftward/common.h"
#include "driftward/error.h"
#include "driftward/secret.h"

#define DW_AGE_RECIPIENT_MAX        128 /* room for an "age1..." string and its NUL */
#define DW_AGE_IDENTITY_MAX         128 /* room for an "AGE-SECRET-KEY-1..." and its NUL */
#define DW_AGE_SCRYPT_DEFAULT_LOG2N 18  /* age's default work factor */
#define DW_AGE_SCRYPT_MAX_LOG2N     22  /* the most a decryption accepts (4 GiB, minutes) */

enum dw_age_flags {
	DW_AGE_ARMOR = 1 << 0, /* encrypt: write the ASCII armor */
};

/* Where encrypted or decrypted bytes come from and go to. */
struct dw_age_source {
	/* Reads up to @len bytes; returns the count, 0 at the end, or a negative errno. */
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	void *ctx;
};

struct dw_age_sink {
	/* Writes all @len bytes; returns 0 or a negative errno. */
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

/* --- recipients (who a file is encrypted to) --- */
struct dw_age_recipients;

int dw_age_recipients_new(struct dw_age_recipients **out);
void dw_age_recipients_free(struct dw_age_recipients *r);
size_t dw_age_recipients_count(const struct dw_age_recipients *r);

/* Adds an "age1..." recipient; -EINVAL with a message when it is not one. */
int dw_age_recipients_add(struct dw_age_recipients *r, const char *recipient, struct dw_error *err);

/* Adds every recipient of a recipients file (age -R: one per line, '#' comments). */
int dw_age_recipients_add_file(struct dw_age_recipients *r, const char *path, struct dw_error *err);

/*
 * Adds a passphrase (copied) with the scrypt work factor 2^@log2n. An scrypt
 * recipient must be alone in a file: encryption refuses a mix.
 */
int dw_age_recipients_add_passphrase(struct dw_age_recipients *r, const void *pass, size_t len,
                                     unsigned log2n, struct dw_error *err);

/* --- identities (what decrypts) --- */
struct dw_age_identities;

/*
 * Called when a file is passphrase-encrypted and no passphrase was added: puts
 * a passphrase in *@out (a new secret the caller of the callback frees) or
 * returns a negative errno. Lets the command line prompt only when needed.
 */
typedef int (*dw_age_passphrase_fn)(void *ctx, struct dw_secret **out);

int dw_age_identities_new(struct dw_age_identities **out);
void dw_age_identities_free(struct dw_age_identities *ids);
size_t dw_age_identities_count(const struct dw_age_identities *ids);

/* Adds an "AGE-SECRET-KEY-1..." identity. The message in @err never shows the key. */
int dw_age_identities_add(struct dw_age_identities *ids, const char *identity,
                          struct dw_error *err);

/*
 * Adds every identity of an identity file's contents (age-keygen's format:
 * '#' comments, blank lines, one AGE-SECRET-KEY-1 per line). @name is used in
 * messages (file:line).
 */
int dw_age_identities_add_text(struct dw_age_identities *ids, const char *text, size_t len,
                               const char *name, struct dw_error *err);

/* Adds a passphrase for scrypt files (copied, wiped on free). */
int dw_age_identities_add_passphrase(struct dw_age_identities *ids, const void *pass, size_t len);

void dw_age_identities_set_passphrase_fn(struct dw_age_identities *ids, dw_age_passphrase_fn fn,
                                         void *ctx);

/* Adds the recipient of every X25519 identity in @ids to @r. */
int dw_age_recipients_add_identities(struct dw_age_recipients *r,
                                     const struct dw_age_identities *ids);

/* Writes the recipient ("age1...") of the @index-th X25519 identity into @out. */
int dw_age_identities_recipient(const struct dw_age_identities *ids, size_t index, char *out,
                                size_t outlen);

/*
 * Generates a new X25519 identity: the "AGE-SECRET-KEY-1..." string as a new
 * secret in *@identity (the caller frees it) and its recipient in @recipient.
 */
int dw_age_keygen(struct dw_secret **identity, char recipient[DW_AGE_RECIPIENT_MAX]);

/* --- encryption and decryption --- */

int dw_age_encrypt(const struct dw_age_recipients *r, unsigned flags,
                   const struct dw_age_source *src, const struct dw_age_sink *dst,
                   struct dw_error *err);

/* Decrypts, detecting the armor: armored unless the input starts "age-encryption.org/". */
int dw_age_decrypt(const struct dw_age_identities *ids, const struct dw_age_source *src,
                   const struct dw_age_sink *dst, struct dw_error *err);

/* Between file descriptors (neither is closed). */
int dw_age_encrypt_fd(const struct dw_age_recipients *r, unsigned flags, int in, int out,
                      struct dw_error *err);
int dw_age_decrypt_fd(const struct dw_age_identities *ids, int in, int out, struct dw_error *err);

/*
 * To a file, atomically: a temporary file beside @path (mode @mode), fsync'd
 * and renamed over @path only on success; on failure nothing is left behind,
 * so a failed decryption never leaves plaintext under @path.
 */
int dw_age_encrypt_to_path(const struct dw_age_recipients *r, unsigned flags, int in,
                           const char *path, mode_t mode, struct dw_error *err);
int dw_age_decrypt_to_path(const struct dw_age_identities *ids, int in, const char *path,
                           mode_t mode, struct dw_error *err);

/*
 * In memory, for small values (secret fields in snapshots: "age:<base64>").
 * @out must be initialised by the caller (dw_buf_init with a maximum); the age
 * file is appended to it.
 */
int dw_age_encrypt_mem(const struct dw_age_recipients *r, unsigned flags, const void *in,
                       size_t len, struct dw_buf *out, struct dw_error *err);

/*
 * Decrypts an age file (binary or armored) of @len bytes into a new secret in
 * *@out (the caller frees it), at most @max bytes of plaintext (-E2BIG beyond).
 * On failure *@out is NULL and no plaintext is left in memory.
 */
int dw_age_decrypt_mem(const struct dw_age_identities *ids, const void *in, size_t len, size_t max,
                       struct dw_secret **out, struct dw_error *err);

/*
 * The number of recipient stanzas in the header of the binary age file at
 * @file (without decrypting anything): how many recipients it was sealed to.
 * -EINVAL when it is not a binary age file with a complete header.
 */
int dw_age_stanza_count(const void *file, size_t len);

/* A short name for a decryption failure class ("header failure", ...), for messages. */
const char *dw_age_strerror(int rc);

#endif
