/*
 * libFuzzer entry point for the SSH signature parser: any bytes, read both as
 * an armored signature and as a bare blob, must parse or fail with a message,
 * without leaks or undefined behaviour; what parses must verify (or not)
 * without crashing, and say "git"-comparable things: a printable namespace, a
 * known hash, a fingerprint of the right shape.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "driftward/sshsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(struct dw_sshsig *sig)
{
	static const char msg[] = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nfuzz\n";
	char fp[DW_SSHSIG_FINGERPRINT_MAX];
	struct dw_error err = { 0 };
	const char *hash = dw_sshsig_hash(sig);
	size_t keylen;

	if (!*dw_sshsig_namespace(sig) || (strcmp(hash, "sha512") && strcmp(hash, "sha256")))
		__builtin_trap();
	if (!dw_sshsig_key(sig, &keylen) || keylen == 0)
		__builtin_trap();
	dw_sshsig_fingerprint(sig, fp);
	if (strncmp(fp, "SHA256:", 7) || strlen(fp) != 50)
		__builtin_trap();
	if (dw_sshsig_verify(sig, msg, sizeof(msg) - 1, &err) < 0 && !err.msg[0])
		__builtin_trap(); /* a failure that says nothing */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dw_sshsig *sig = NULL;
	struct dw_error err = { 0 };

	if (dw_sshsig_parse((const char *)data, size, &sig, &err) == 0)
		check(sig);
	else if (sig || !err.msg[0])
		__builtin_trap();
	dw_sshsig_free(sig);
	sig = NULL;
	memset(&err, 0, sizeof(err));
	if (dw_sshsig_parse_blob(data, size, &sig, &err) == 0)
		check(sig);
	else if (sig || !err.msg[0])
		__builtin_trap();
	dw_sshsig_free(sig);
	return 0;
}
