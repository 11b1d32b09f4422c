/*
 * The ES6 number form (RFC 8785 section 3.2.2.3): the vendored test files, the
 * published SHA-256 of the generated ES6 test file, the reader's conversion
 * of literals, and the kept digits of big integer literals.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "driftward/json.h"

static double from_bits(uint64_t bits)
{
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* The vendored reference data, tests/vectors in the source tree (DW_SOURCE_DIR, set by CTest). */
static const char *vectors(const char *rel, char *path, size_t size)
{
	const char *src = getenv("DW_SOURCE_DIR");

	snprintf(path, size, "%s/tests/vectors/%s", src ? src : ".", rel);
	return path;
}

/* Checks every "hex,expected" line of @f; returns the number of lines. */
static long check_lines(FILE *f, const char *what)
{
	char line[128], out[DW_JSON_NUMBER_MAX];
	long n = 0, bad = 0;

	while (fgets(line, sizeof(line), f)) {
		char *comma = strchr(line, ','), *want;

		assert_non_null(comma);
		*comma = '\0';
		want = comma + 1;
		want[strcspn(want, "\n")] = '\0';
		assert_true(dw_json_format_double(from_bits(strtoull(line, NULL, 16)), out) > 0);
		if (strcmp(out, want) != 0 && bad++ < 10)
			print_error("%s line %ld: %s gives %s, want %s\n", what, n + 1, line, out,
			            want);
		n++;
	}
	assert_int_equal(bad, 0);
	return n;
}

static void es6_first_100000_lines(void **state)
{
	char cmd[1100], path[1024];
	FILE *f;

	(void)state;
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'",
	         vectors("es6-numbers/es6testfile-first100000.txt.gz", path, sizeof(path)));
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(check_lines(f, "es6testfile"), 100000);
	assert_int_equal(pclose(f), 0);
}

static void es6_powers_of_two_and_subnormals(void **state)
{
	char path[1024];
	FILE *f;

	(void)state;
	f = fopen(vectors("es6-numbers/es6-pow2-and-subnormal-vectors.txt", path, sizeof(path)),
	          "re");
	assert_non_null(f);
	assert_int_equal(check_lines(f, "pow2-and-subnormal"), 8093);
	fclose(f);
}

/* The value sequence of the RFC 8785 number generator (jcs/README.md). */
static const uint64_t static_values[] = {
	0x0000000000000000u, 0x8000000000000000u, 0x0000000000000001u, 0x8000000000000001u,
	0xc46696695dbd1cc3u, 0xc43211ede4974a35u, 0xc3fce97ca0f21056u, 0xc3c7213080c1a6acu,
	0xc39280f39a348556u, 0xc35d9b1f5d20d557u, 0xc327af4c4a80aaacu, 0xc2f2f2a36ecd5556u,
	0xc2be51057e155558u, 0xc28840d131aaaaacu, 0xc253670dc1555557u, 0xc21f0b4935555557u,
	0xc1e8d5d42aaaaaacu, 0xc1b3de4355555556u, 0xc17fca0555555556u, 0xc1496e6aaaaaaaabu,
	0xc114585555555555u, 0xc0e046aaaaaaaaabu, 0xc0aa0aaaaaaaaaaau, 0xc074d55555555555u,
	0xc040aaaaaaaaaaabu, 0xc00aaaaaaaaaaaabu, 0xbfd5555555555555u, 0xbfa1111111111111u,
	0xbf6b4e81b4e81b4fu, 0xbf35d867c3ece2a5u, 0xbf0179ec9cbd821eu, 0xbecbf647612f3696u,
	0xbe965e9f80f29212u, 0xbe61e54c672874dbu, 0xbe2ca213d840baf8u, 0xbdf6e80fe033c8c6u,
	0xbdc2533fe68fd3d2u, 0xbd8d51ffd74c861cu, 0xbd5774ccac3d3817u, 0xbd22c3d6f030f9acu,
	0xbcee0624b3818f79u, 0xbcb804ea293472c7u, 0xbc833721ba905bd3u, 0xbc4ebe9c5db3c61eu,
	0xbc18987d17c304e5u, 0xbbe3ad30dfcf371du, 0xbbaf7b816618582fu, 0xbb792f9ab81379bfu,
	0xbb442615600f9499u, 0xbb101e77800c76e1u, 0xbad9ca58cce0be35u, 0xbaa4a1e0a3e6fe90u,
	0xba708180831f320du, 0xba3a68cd9e985016u, 0x446696695dbd1cc3u, 0x443211ede4974a35u,
	0x43fce97ca0f21056u, 0x43c7213080c1a6acu, 0x439280f39a348556u, 0x435d9b1f5d20d557u,
	0x4327af4c4a80aaacu, 0x42f2f2a36ecd5556u, 0x42be51057e155558u, 0x428840d131aaaaacu,
	0x4253670dc1555557u, 0x421f0b4935555557u, 0x41e8d5d42aaaaaacu, 0x41b3de4355555556u,
	0x417fca0555555556u, 0x41496e6aaaaaaaabu, 0x4114585555555555u, 0x40e046aaaaaaaaabu,
	0x40aa0aaaaaaaaaaau, 0x4074d55555555555u, 0x4040aaaaaaaaaaabu, 0x400aaaaaaaaaaaabu,
	0x3fd5555555555555u, 0x3fa1111111111111u, 0x3f6b4e81b4e81b4fu, 0x3f35d867c3ece2a5u,
	0x3f0179ec9cbd821eu, 0x3ecbf647612f3696u, 0x3e965e9f80f29212u, 0x3e61e54c672874dbu,
	0x3e2ca213d840baf8u, 0x3df6e80fe033c8c6u, 0x3dc2533fe68fd3d2u, 0x3d8d51ffd74c861cu,
	0x3d5774ccac3d3817u, 0x3d22c3d6f030f9acu, 0x3cee0624b3818f79u, 0x3cb804ea293472c7u,
	0x3c833721ba905bd3u, 0x3c4ebe9c5db3c61eu, 0x3c18987d17c304e5u, 0x3be3ad30dfcf371du,
	0x3baf7b816618582fu, 0x3b792f9ab81379bfu, 0x3b442615600f9499u, 0x3b101e77800c76e1u,
	0x3ad9ca58cce0be35u, 0x3aa4a1e0a3e6fe90u, 0x3a708180831f320du, 0x3a3a68cd9e985016u,
	0x4024000000000000u, 0x4014000000000000u, 0x3fe0000000000000u, 0x3fa999999999999au,
	0x3f747ae147ae147bu, 0x3f40624dd2f1a9fcu, 0x3f0a36e2eb1c432du, 0x3ed4f8b588e368f1u,
	0x3ea0c6f7a0b5ed8du, 0x3e6ad7f29abcaf48u, 0x3e35798ee2308c3au, 0x3ed539223589fa95u,
	0x3ed4ff26cd5a7781u, 0x3ed4f95a762283ffu, 0x3ed4f8c60703520cu, 0x3ed4f8b72f19cd0du,
	0x3ed4f8b5b31c0c8du, 0x3ed4f8b58d1c461au, 0x3ed4f8b5894f7f0eu, 0x3ed4f8b588ee37f3u,
	0x3ed4f8b588e47da4u, 0x3ed4f8b588e3849cu, 0x3ed4f8b588e36bb5u, 0x3ed4f8b588e36937u,
	0x3ed4f8b588e368f8u, 0x3ed4f8b588e368f1u, 0x3ff0000000000000u, 0xbff0000000000000u,
	0xbfeffffffffffffau, 0xbfeffffffffffffbu, 0x3feffffffffffffau, 0x3feffffffffffffbu,
	0x3feffffffffffffcu, 0x3feffffffffffffeu, 0xbfefffffffffffffu, 0xbfefffffffffffffu,
	0x3fefffffffffffffu, 0x3fefffffffffffffu, 0x3fd3333333333332u, 0x3fd3333333333333u,
	0x3fd3333333333334u, 0x0010000000000000u, 0x000ffffffffffffdu, 0x000fffffffffffffu,
	0x7fefffffffffffffu, 0xffefffffffffffffu, 0x4340000000000000u, 0xc340000000000000u,
	0x4430000000000000u, 0x44b52d02c7e14af5u, 0x44b52d02c7e14af6u, 0x44b52d02c7e14af7u,
	0x444b1ae4d6e2ef4eu, 0x444b1ae4d6e2ef4fu, 0x444b1ae4d6e2ef50u, 0x3eb0c6f7a0b5ed8cu,
	0x3eb0c6f7a0b5ed8du, 0x41b3de4355555553u, 0x41b3de4355555554u, 0x41b3de4355555555u,
	0x41b3de4355555556u, 0x41b3de4355555557u, 0xbecbf647612f3696u, 0x43143ff3c1cb0959u,
};

struct numgen {
	size_t idx;
	unsigned char block[32];
	int left; /* doubles left in block */
};

static double numgen_next(struct numgen *g)
{
	size_t nstatic = sizeof(static_values) / sizeof(static_values[0]);
	double f = 0.0;

	if (g->idx < nstatic)
		f = from_bits(static_values[g->idx]);
	else if (g->idx < nstatic + 2000)
		f = from_bits(0x0010000000000000u + (g->idx - nstatic));
	else {
		while (f == 0.0 || !isfinite(f)) {
			if (g->left == 0) {
				unsigned int n = 32;

				assert_true(
				        EVP_Digest(g->block, 32, g->block, &n, EVP_sha256(), NULL));
				g->left = 4;
			}
			memcpy(&f, g->block + 8 * (4 - g->left), 8); /* little-endian, as in JS */
			g->left--;
		}
	}
	g->idx++;
	return f;
}

/* SHA-256 of the first @lines lines of the generated file, as hex. */
static void numgen_hash(long lines, char hex[65])
{
	struct numgen g = { 0 };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[32];
	char line[64], num[DW_JSON_NUMBER_MAX];
	unsigned int dlen = 32;
	long i;
	int n;

	assert_non_null(md);
	assert_true(EVP_DigestInit_ex(md, EVP_sha256(), NULL));
	for (i = 0; i < lines; i++) {
		double d = numgen_next(&g);
		uint64_t bits;

		memcpy(&bits, &d, sizeof(bits));
		assert_true(dw_json_format_double(d, num) > 0);
		n = snprintf(line, sizeof(line), "%llx,%s\n", (unsigned long long)bits, num);
		assert_true(EVP_DigestUpdate(md, line, (size_t)n));
	}
	assert_true(EVP_DigestFinal_ex(md, digest, &dlen));
	EVP_MD_CTX_free(md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

static void es6_generator_matches_published_hashes(void **state)
{
	char hex[65];

	(void)state;
	numgen_hash(1000, hex);
	assert_string_equal(hex,
	                    "be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687");
	numgen_hash(1000000, hex);
	assert_string_equal(hex,
	                    "49415fee2c56c77864931bd3624faad425c3c577d6d74e89a83bc725506dad16");
}

/* Shortest round trip, checked on random doubles against strtod. */
static void random_doubles_round_trip(void **state)
{
	char out[DW_JSON_NUMBER_MAX];
	uint64_t x = 0x9E3779B97F4A7C15u;
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		double d, back;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d = from_bits(x);
		if (!isfinite(d))
			continue;
		assert_true(dw_json_format_double(d, out) > 0);
		back = strtod(out, NULL);
		if (d == 0)
			assert_true(back == 0);
		else
			assert_memory_equal(&back, &d, sizeof(d));
	}
}

static void special_values(void **state)
{
	char out[DW_JSON_NUMBER_MAX];

	(void)state;
	assert_int_equal(dw_json_format_double(NAN, out), -EINVAL);
	assert_int_equal(dw_json_format_double(INFINITY, out), -EINVAL);
	dw_json_format_double(-0.0, out);
	assert_string_equal(out, "0");
	dw_json_format_double(1e21, out);
	assert_string_equal(out, "1e+21");
	dw_json_format_double(1e-7, out);
	assert_string_equal(out, "1e-7");
	dw_json_format_double(0.000001, out);
	assert_string_equal(out, "0.000001");
	dw_json_format_double(123456789012345680000.0, out);
	assert_string_equal(out, "123456789012345680000");
	dw_json_format_double(5e-324, out);
	assert_string_equal(out, "5e-324");
	dw_json_format_double(-1.7976931348623157e308, out);
	assert_string_equal(out, "-1.7976931348623157e+308");
	dw_json_format_double(0.30000000000000004, out);
	assert_string_equal(out, "0.30000000000000004");
}

/* What the reader makes of a literal, printed back compactly. */
static void assert_canon(const char *in, const char *want)
{
	struct dw_error err = { 0 };
	struct dw_json_doc *doc;
	struct dw_buf out;

	dw_buf_init(&out, 1 << 20);
	if (dw_json_parse(in, strlen(in), "t", &doc, &err) < 0)
		fail_msg("%s: %s", in, err.msg);
	assert_int_equal(dw_json_write(dw_json_root(doc), DW_JSON_COMPACT, &out, &err), 0);
	if (strcmp(dw_buf_cstr(&out), want) != 0)
		fail_msg("%s gives %s, want %s", in, dw_buf_cstr(&out), want);
	dw_buf_release(&out);
	dw_json_doc_free(doc);
}

static void literals_convert_exactly(void **state)
{
	(void)state;
	assert_canon("0.1", "0.1");
	assert_canon("-0", "0");
	assert_canon("-0.0e5", "0");
	assert_canon("387.0", "387");
	assert_canon("1E30", "1e+30");
	assert_canon("4.50", "4.5");
	assert_canon("2e-3", "0.002");
	assert_canon("0.000000000000000000000000001", "1e-27");
	assert_canon("333333333.33333329", "333333333.3333333");
	assert_canon("1e-400", "0");
	assert_canon("2.2250738585072011e-308", "2.225073858507201e-308");
	assert_canon("1.7976931348623157e308", "1.7976931348623157e+308");
	assert_canon("0.30000000000000004", "0.30000000000000004");
	assert_canon("123456789.123456789e-5", "1234.567891234568");
	/* a long mantissa with many digits beyond the 17 that matter */
	assert_canon("3.14159265358979323846264338327950288419716939937510", "3.141592653589793");
}

static void big_integer_literals_keep_their_digits(void **state)
{
	(void)state;
	assert_canon("9007199254740993", "9007199254740993");
	assert_canon("-9007199254740993", "-9007199254740993");
	assert_canon("9007199254740992", "9007199254740992");
	assert_canon("12345678901234567890123", "12345678901234567890123");
	/* exactly a double: the RFC 8785 form */
	assert_canon("18446744073709551616", "18446744073709552000");
	assert_canon("1000000000000000000000", "1e+21");
	/* not an integer literal: rounded, as RFC 8785 says */
	assert_canon("9007199254740993.0", "9007199254740992");
	assert_canon("[9007199254740993]", "[9007199254740993]");
}

static void int64_accessor(void **state)
{
	struct dw_json_doc *doc;
	int64_t v;

	(void)state;
	assert_int_equal(dw_json_parse("[9007199254740993, 1.5, -42, 1e19]", 34, NULL, &doc, NULL),
	                 0);
	assert_int_equal(dw_json_int64(dw_json_at(dw_json_root(doc), 0), &v), 0);
	assert_true(v == 9007199254740993LL);
	assert_int_equal(dw_json_int64(dw_json_at(dw_json_root(doc), 1), &v), -ERANGE);
	assert_int_equal(dw_json_int64(dw_json_at(dw_json_root(doc), 2), &v), 0);
	assert_true(v == -42);
	assert_int_equal(dw_json_int64(dw_json_at(dw_json_root(doc), 3), &v), -ERANGE);
	assert_int_equal(dw_json_int64(dw_json_root(doc), &v), -EINVAL);
	dw_json_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(es6_first_100000_lines),
		cmocka_unit_test(es6_powers_of_two_and_subnormals),
		cmocka_unit_test(es6_generator_matches_published_hashes),
		cmocka_unit_test(random_doubles_round_trip),
		cmocka_unit_test(special_values),
		cmocka_unit_test(literals_convert_exactly),
		cmocka_unit_test(big_integer_literals_keep_their_digits),
		cmocka_unit_test(int64_accessor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
