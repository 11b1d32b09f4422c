/*
 * The allowed signers file as ssh-keygen(1) defines it (principals, quoted
 * or not; namespaces=, valid-after=, valid-before=; comments), with
 * file:line errors for what does not parse and cert-authority refused;
 * OpenSSH's pattern lists (*, ?, negation with !); and the time format.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "approval/internal.h"

/* ssh-keygen -t ed25519 / -t ecdsa -b 256 public keys */
#define ED            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtRHagy85JAOxsMaeXrVPyB66tHkiNGYoVpfflg6sY7"
#define ED_OTHER_TYPE "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJtRHagy85JAOxsMaeXrVPyB66tHkiNGYoVpfflg6sY7"
#define EC                                                                       \
	"ecdsa-sha2-nistp256 "                                                   \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFbMEuqoaxPTdhNd8C" \
	"eBOTvUpKPWnRZvyq3jnm+Bg7R7RKNgEdvMYOCzAkjb4rlvYQEl8YaIQAX4t3T7SU7lGaE="

static void patterns_match_as_openssh_does(void **state)
{
	char aaa[200];

	(void)state;
	assert_int_equal(dw_approval__match("anything", "*"), 1);
	assert_int_equal(dw_approval__match("", "*"), 1);
	assert_int_equal(dw_approval__match("abc", "a?c"), 1);
	assert_int_equal(dw_approval__match("ac", "a?c"), 0);
	assert_int_equal(dw_approval__match("alice@example.com", "*@example.com"), 1);
	assert_int_equal(dw_approval__match("alice@example.com.evil", "*@example.com"), 0);
	assert_int_equal(dw_approval__match("Alice@x", "alice@x"), 0); /* case counts */
	assert_int_equal(dw_approval__match("a*b", "a*b"), 1);
	assert_int_equal(dw_approval__match("axxbyyb", "a*b"), 1);
	assert_int_equal(dw_approval__match("axxbyyc", "a*b"), 0);
	/* many stars against a long near-miss: linear backtracking, not exponential */
	memset(aaa, 'a', sizeof(aaa) - 1);
	aaa[sizeof(aaa) - 1] = '\0';
	assert_int_equal(dw_approval__match(aaa, "*a*a*a*a*a*a*a*a*a*a*a*b"), 0);
}

static void pattern_lists_negate_with_a_bang(void **state)
{
	(void)state;
	assert_int_equal(dw_approval__match_list("git", "git"), 1);
	assert_int_equal(dw_approval__match_list("git", "file,git"), 1);
	assert_int_equal(dw_approval__match_list("git", "file"), 0);
	assert_int_equal(dw_approval__match_list("git", "g?t"), 1);
	assert_int_equal(dw_approval__match_list("ok@x", "!bad@x,*@x"), 1);
	assert_int_equal(dw_approval__match_list("bad@x", "!bad@x,*@x"), -1);
	assert_int_equal(dw_approval__match_list("bad@x", "*@x,!bad@x"), -1);
	assert_int_equal(dw_approval__match_list("ok@y", "!bad@x,*@x"), 0);
	/* git asks with the first principal of the line: "!*" never lets anyone in */
	assert_int_equal(dw_approval__match_list("!*", "!*"), -1);
	assert_int_equal(dw_approval__match_list("!a@x", "!a@x,*@x"), 1);
}

static void times_read_as_ssh_keygen_reads_them(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(dw_approval__parse_time("20200101Z", &t), 0);
	assert_int_equal(t, 1577836800);
	assert_int_equal(dw_approval__parse_time("202001011230Z", &t), 0);
	assert_int_equal(t, 1577836800 + 12 * 3600 + 30 * 60);
	assert_int_equal(dw_approval__parse_time("20200101123045Z", &t), 0);
	assert_int_equal(t, 1577836800 + 12 * 3600 + 30 * 60 + 45);
	assert_int_equal(dw_approval__parse_time("20240229Z", &t), 0);
	/* without Z it is local time */
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(dw_approval__parse_time("20200101", &t), 0);
	assert_int_equal(t, 1577836800);
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(dw_approval__parse_time("20200101", &t), 0);
	assert_int_equal(t, 1577836800 - 3600);
	unsetenv("TZ");
	tzset();
	t = 7;
	assert_int_equal(dw_approval__parse_time("2020010", &t), -EINVAL);
	assert_int_equal(dw_approval__parse_time("202001011Z", &t), -EINVAL);
	assert_int_equal(dw_approval__parse_time("20201301Z", &t), -EINVAL);
	assert_int_equal(dw_approval__parse_time("20230229Z", &t), -EINVAL);
	assert_int_equal(dw_approval__parse_time("20200101246000Z", &t), -EINVAL);
	assert_int_equal(dw_approval__parse_time("2020-1-01Z", &t), -EINVAL);
	assert_int_equal(dw_approval__parse_time("20200101z", &t), -EINVAL);
	assert_int_equal(dw_approval__parse_time("", &t), -EINVAL);
	assert_int_equal(t, 7);
}

static void a_signers_file_parses(void **state)
{
	static const char text[] =
	        "# approvers\n"
	        "\n"
	        "   \t# indented comment\n"
	        "alice@example.com " ED " alice's laptop\n"
	        "\"bob@example.com,*@ops.example.com\" " EC "\n"
	        "carol@example.com namespaces=\"git,file\",valid-after=\"20200101Z\","
	        "valid-before=\"20300101Z\" " ED "\r\n"
	        "dave@example.com valid-before=\"20250101\" " EC;
	struct dw_approval__signers s;
	struct dw_error err = { 0 };

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	if (dw_approval__signers_parse(text, strlen(text), "allowed", &s, &err) < 0)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.items[0].principals, "alice@example.com");
	assert_int_equal(s.items[0].line, 4);
	assert_string_equal(s.items[0].key_type, "ssh-ed25519");
	assert_int_equal(s.items[0].keylen, 4 + 11 + 4 + 32);
	assert_null(s.items[0].namespaces);
	assert_true(s.items[0].valid_after == INT64_MIN && s.items[0].valid_before == INT64_MAX);
	assert_string_equal(s.items[1].principals, "bob@example.com,*@ops.example.com");
	assert_string_equal(s.items[1].key_type, "ecdsa-sha2-nistp256");
	assert_string_equal(s.items[2].namespaces, "git,file");
	assert_int_equal(s.items[2].valid_after, 1577836800);
	assert_int_equal(s.items[2].valid_before, 1893456000);
	assert_memory_equal(s.items[2].key, s.items[0].key, s.items[0].keylen);
	assert_int_equal(s.items[3].line, 7);
	assert_int_equal(s.items[3].valid_before, 1735689600);
	dw_approval__signers_release(&s);
	unsetenv("TZ");
	tzset();
}

/* Each bad line is refused with the file, its line, and what is wrong. */
static void bad_lines_name_file_and_line(void **state)
{
	static const struct {
		const char *line, *says;
	} bad[] = {
		{ "ca@example.com cert-authority " ED, "cert-authority is not supported" },
		{ "a@x namespaces=git " ED, "namespaces= wants one quoted list" },
		{ "a@x namespaces=\"git\",namespaces=\"file\" " ED, "namespaces= wants one" },
		{ "a@x no-touch-required " ED, "unknown option" },
		{ "a@x valid-before=\"2030\" " ED, "valid-after/valid-before want" },
		{ "a@x valid-after=20300101 " ED, "valid-after/valid-before want" },
		{ "a@x", "the key is missing" },
		{ "a@x ssh-ed25519", "the key's base64 is missing" },
		{ "a@x ssh-ed25519 AAAA!!!!", "not valid base64" },
		{ ED_OTHER_TYPE, "unknown option" }, /* "ssh-rsa" taken as the principal */
		{ "a@x " ED_OTHER_TYPE, "not valid base64 of a key of its type" },
		{ "\"a@x " ED, "quotes do not close" },
		{ "a@x ,, " ED, "an empty option" },
	};
	char text[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dw_approval__signers s;
		struct dw_error err = { 0 };

		snprintf(text, sizeof(text), "# ok\nalice@x %s\n%s\n", ED, bad[i].line);
		assert_int_equal(
		        dw_approval__signers_parse(text, strlen(text), "/etc/allowed", &s, &err),
		        -EINVAL);
		assert_string_equal(err.file, "/etc/allowed");
		assert_int_equal(err.line, 3);
		if (!strstr(err.msg, bad[i].says))
			fail_msg("'%s': said '%s', expected '%s'", bad[i].line, err.msg,
			         bad[i].says);
		assert_null(s.items);
		assert_int_equal(s.n, 0);
	}
}

static void a_nul_byte_is_refused(void **state)
{
	static const char text[] = "a@x " ED "\n\0\n";
	struct dw_approval__signers s;
	struct dw_error err = { 0 };

	(void)state;
	assert_int_equal(dw_approval__signers_parse(text, sizeof(text) - 1, "f", &s, &err),
	                 -EINVAL);
	assert_int_equal(err.line, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(patterns_match_as_openssh_does),
		cmocka_unit_test(pattern_lists_negate_with_a_bang),
		cmocka_unit_test(times_read_as_ssh_keygen_reads_them),
		cmocka_unit_test(a_signers_file_parses),
		cmocka_unit_test(bad_lines_name_file_and_line),
		cmocka_unit_test(a_nul_byte_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
