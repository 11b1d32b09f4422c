/*
 * The building blocks: strict base64 (canonical only, padding as asked) and
 * Bech32 (age's recipient and identity encodings), SHA-256.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/internal.h"
#include "driftward/base64.h"
#include "driftward/buf.h"
#include "driftward/crypto.h"

static void base64_encodes_rfc4648_vectors(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const padded[] = { "",         "Zg==",     "Zm8=",    "Zm9v",
		                              "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const raw[] = {
		"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"
	};
	char out[32];
	unsigned char dec[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < 7; i++) {
		dw_base64_encode(plain[i], strlen(plain[i]), DW_BASE64_PAD, out);
		assert_string_equal(out, padded[i]);
		dw_base64_encode(plain[i], strlen(plain[i]), DW_BASE64_NOPAD, out);
		assert_string_equal(out, raw[i]);
		assert_int_equal(dw_base64_decode(padded[i], strlen(padded[i]), DW_BASE64_PAD, dec,
		                                  sizeof(dec), &n),
		                 0);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(dec, plain[i], n);
		assert_int_equal(dw_base64_decode(raw[i], strlen(raw[i]), DW_BASE64_NOPAD, dec,
		                                  sizeof(dec), &n),
		                 0);
		assert_int_equal(n, strlen(plain[i]));
		assert_int_equal(dw_base64_encoded_len(strlen(plain[i]), DW_BASE64_PAD),
		                 strlen(padded[i]));
	}
}

/* The URL alphabet (JWTs): '-' and '_' for '+' and '/', each refused in the other. */
static void base64_url_alphabet(void **state)
{
	static const unsigned char bytes[] = { 0xfb, 0xff, 0xbf };
	unsigned char back[3];
	struct dw_buf b;
	size_t n;

	(void)state;
	dw_buf_init(&b, 64);
	assert_int_equal(dw_base64_put(&b, bytes, 3, DW_BASE64_URL | DW_BASE64_NOPAD), 0);
	assert_string_equal(dw_buf_cstr(&b), "-_-_");
	assert_int_equal(dw_base64_put(&b, bytes, 3, DW_BASE64_NOPAD), 0);
	assert_string_equal(dw_buf_cstr(&b), "-_-_+/+/");
	assert_int_equal(dw_base64_decode("-_-_", 4, DW_BASE64_URL, back, 3, &n), 0);
	assert_memory_equal(back, bytes, 3);
	assert_int_equal(dw_base64_decode("-_-_", 4, DW_BASE64_NOPAD, back, 3, &n), -EINVAL);
	assert_int_equal(dw_base64_decode("+/+/", 4, DW_BASE64_URL, back, 3, &n), -EINVAL);
	dw_buf_release(&b);
}

static void base64_rejects_what_is_not_canonical(void **state)
{
	static const char *const bad_raw[] = {
		"Zh",             /* unused bits set: not canonical */
		"Zm9=",           /* padding where none is allowed */
		"Zg==",           /* idem */
		"Z",              /* a length base64 can't have */
		"Zm 9v",          /* whitespace */
		"Zm9v\n", "Zm-v", /* URL alphabet */
	};
	static const char *const bad_padded[] = { "Zg",   "Zg=",      "Zh==", "Zm9=",
		                                  "Z===", "Zg==Zg==", "=Zg=" };
	unsigned char dec[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad_raw) / sizeof(bad_raw[0]); i++)
		assert_int_equal(dw_base64_decode(bad_raw[i], strlen(bad_raw[i]), DW_BASE64_NOPAD,
		                                  dec, sizeof(dec), &n),
		                 -EINVAL);
	for (i = 0; i < sizeof(bad_padded) / sizeof(bad_padded[0]); i++)
		assert_int_equal(dw_base64_decode(bad_padded[i], strlen(bad_padded[i]),
		                                  DW_BASE64_PAD, dec, sizeof(dec), &n),
		                 -EINVAL);
	assert_int_equal(dw_base64_decode("Zm9vYmFy", 8, DW_BASE64_NOPAD, dec, 5, &n), -E2BIG);
}

/* The example identity and recipient of the age specification. */
static const char spec_identity[] =
        "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
static const char spec_recipient[] =
        "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

static void bech32_round_trips_the_spec_example(void **state)
{
	unsigned char priv[64], pub[32];
	char enc[128];
	size_t n = 0;

	(void)state;
	assert_int_equal(
	        dw_crypto__bech32_decode(spec_identity, "AGE-SECRET-KEY-", priv, sizeof(priv), &n),
	        0);
	assert_int_equal(n, 32);
	assert_int_equal(dw_crypto__bech32_encode("AGE-SECRET-KEY-", priv, 32, enc, sizeof(enc)),
	                 0);
	assert_string_equal(enc, spec_identity);
	assert_int_equal(dw_crypto__x25519_public(priv, pub), 0);
	assert_int_equal(dw_crypto__bech32_encode("age", pub, 32, enc, sizeof(enc)), 0);
	assert_string_equal(enc, spec_recipient);
}

static void bech32_rejects_mixed_case_bad_checksum_and_wrong_hrp(void **state)
{
	unsigned char out[64];
	char s[128];
	size_t n;

	(void)state;
	assert_int_equal(dw_crypto__bech32_decode(spec_recipient, "age", out, sizeof(out), &n), 0);
	/* mixed case */
	snprintf(s, sizeof(s), "%s", spec_recipient);
	s[5] = (char)(s[5] - 32);
	assert_int_equal(dw_crypto__bech32_decode(s, "age", out, sizeof(out), &n), -EINVAL);
	/* a changed character breaks the checksum */
	snprintf(s, sizeof(s), "%s", spec_recipient);
	s[10] = s[10] == 'q' ? 'p' : 'q';
	assert_int_equal(dw_crypto__bech32_decode(s, "age", out, sizeof(out), &n), -EINVAL);
	/* the HRP is case-sensitive: an upper-case recipient is not one */
	assert_int_equal(dw_crypto__bech32_decode(spec_recipient, "AGE", out, sizeof(out), &n),
	                 -EINVAL);
	assert_int_equal(dw_crypto__bech32_decode("age1", "age", out, sizeof(out), &n), -EINVAL);
	assert_int_equal(dw_crypto__bech32_decode("", "age", out, sizeof(out), &n), -EINVAL);
}

static void x25519_rejects_low_order_points(void **state)
{
	unsigned char priv[32] = { 1, 2, 3 }, zero[32] = { 0 }, one[32] = { 1 }, out[32];

	(void)state;
	assert_int_equal(dw_crypto__x25519(priv, zero, out), -EKEYREJECTED);
	assert_int_equal(dw_crypto__x25519(priv, one, out), -EKEYREJECTED);
}

static void sha256_matches_a_known_digest(void **state)
{
	unsigned char d[32];
	static const unsigned char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};

	(void)state;
	assert_int_equal(dw_sha256("abc", 3, d), 0);
	assert_memory_equal(d, abc, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base64_encodes_rfc4648_vectors),
		cmocka_unit_test(base64_rejects_what_is_not_canonical),
		cmocka_unit_test(base64_url_alphabet),
		cmocka_unit_test(bech32_round_trips_the_spec_example),
		cmocka_unit_test(bech32_rejects_mixed_case_bad_checksum_and_wrong_hrp),
		cmocka_unit_test(x25519_rejects_low_order_points),
		cmocka_unit_test(sha256_matches_a_known_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
