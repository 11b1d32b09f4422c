/*
 * libFuzzer entry point for the age parser: the armor detection and decoder,
 * the header (stanzas, MAC line), stanza unwrapping and the STREAM reader.
 * The CCTV vectors' X25519 identity and passphrase are offered (the seeds in
 * corpus/age are vectors), so mutations reach the payload (scrypt stanzas with a
 * work factor above 2^12 are cut short by the input filter below, so the
 * fuzzer doesn't spend its time in scrypt).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "driftward/age.h"
#include "driftward/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char identity[] =
        "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";

/* Skips inputs whose scrypt work factor would make one run take seconds. */
static int expensive(const uint8_t *data, size_t size)
{
	const char *p = memmem(data, size, "scrypt ", 7);

	while (p) {
		const char *sp = memchr(p + 7, ' ', size - (size_t)(p + 7 - (const char *)data));

		if (sp && (size_t)(sp + 3 - (const char *)data) <= size &&
		    ((sp[1] >= '2' && sp[1] <= '9' && sp[2] >= '0' && sp[2] <= '9') ||
		     (sp[1] == '1' && sp[2] >= '3' && sp[2] <= '9')))
			return 1;
		p = memmem(p + 1, size - (size_t)(p + 1 - (const char *)data), "scrypt ", 7);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dw_age_identities *ids;
	struct dw_secret *out = NULL;
	struct dw_error err = { 0 };

	if (!ids) {
		if (dw_age_identities_new(&ids) < 0 ||
		    dw_age_identities_add(ids, identity, NULL) < 0 ||
		    dw_age_identities_add_passphrase(ids, "password", 8) < 0)
			return 0;
	}
	if (expensive(data, size))
		return 0;
	if (dw_age_decrypt_mem(ids, data, size, 1 << 20, &out, &err) == 0)
		dw_secret_free(out);
	return 0;
}
