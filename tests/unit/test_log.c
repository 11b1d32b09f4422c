/*
 * The logger and redaction: a planted secret must never reach a log line, in
 * any format, whatever shape it arrives in; ordinary text must pass unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/buf.h"
#include "driftward/log.h"
#include "driftward/redact.h"
#include "driftward/secret.h"

#define CANARY "CANARY7f3a9c"

static const enum dw_log_format formats[] = { DW_LOG_FORMAT_TEXT, DW_LOG_FORMAT_JOURNAL,
	                                      DW_LOG_FORMAT_JSON };

/* Messages that each carry the canary in a different disguise. */
static const char *const secret_messages[] = {
	"GET /v1.0/x\r\nAuthorization: Bearer " CANARY "\r\nAccept: */*",
	"authorization: Basic " CANARY,
	"> Authorization: Basic " CANARY "\r\n",
	"sending token request grant_type=client_credentials&client_secret=" CANARY "&scope=x",
	"client_assertion_type=urn:x&client_assertion=" CANARY,
	"{\"token_type\":\"Bearer\",\"access_token\":\"" CANARY "\",\"expires_in\":3599}",
	"{\"password\": \"" CANARY "\"}",
	"refresh_token=" CANARY,
	"header: bearer " CANARY,
	"jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0." CANARY " in text",
	"identity AGE-SECRET-KEY-1" CANARY "XYZ",
	"-----BEGIN PRIVATE KEY-----\nMIIE" CANARY "\n-----END PRIVATE KEY-----",
	"{\"preSharedKey\":\"" CANARY "\"}",
	"wifi secret=" CANARY,
	"x-client-secret: " CANARY,
	"{\"secretText\": \"" CANARY "\\\"still\"}",
};

static char *capture(enum dw_log_format fmt, const char *msg, const struct dw_log_field *fields,
                     size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	dw_log_setup(DW_LOG_DEBUG, fmt, f);
	if (fields)
		dw_log_fields(DW_LOG_INFO, fields, n, "%s", msg);
	else
		dw_log(DW_LOG_INFO, "%s", msg);
	fclose(f);
	dw_log_setup(DW_LOG_NOTICE, DW_LOG_FORMAT_TEXT, NULL);
	return out;
}

static void planted_secrets_never_reach_any_format(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(secret_messages); i++) {
		for (j = 0; j < DW_ARRAY_SIZE(formats); j++) {
			char *out = capture(formats[j], secret_messages[i], NULL, 0);

			if (strstr(out, CANARY))
				fail_msg("format %zu leaked message %zu: %s", j, i, out);
			assert_non_null(strstr(out, DW_REDACTED));
			free(out);
		}
	}
}

static void secret_fields_are_hidden_by_their_key(void **state)
{
	const struct dw_log_field fields[] = {
		{ "tenant", "contoso" },
		{ "client_secret", CANARY },
		{ "accessToken", CANARY },
		{ "note", "password=" CANARY },
	};
	size_t j;

	(void)state;
	for (j = 0; j < DW_ARRAY_SIZE(formats); j++) {
		char *out = capture(formats[j], "token acquired", fields, DW_ARRAY_SIZE(fields));

		assert_null(strstr(out, CANARY));
		assert_non_null(strstr(out, "contoso"));
		free(out);
	}
}

static void formats_have_their_shapes(void **state)
{
	const struct dw_log_field fields[] = { { "tenant", "contoso" } };
	char *out;

	(void)state;
	out = capture(DW_LOG_FORMAT_TEXT, "two\nlines", fields, 1);
	assert_string_equal(out, "info: two lines tenant=contoso\n");
	free(out);
	out = capture(DW_LOG_FORMAT_JOURNAL, "snapshot done", fields, 1);
	assert_string_equal(out, "<6>snapshot done tenant=contoso\n");
	free(out);
	out = capture(DW_LOG_FORMAT_JSON, "quote \" and \\ and \x01", fields, 1);
	assert_non_null(strstr(out, "\"level\":\"info\",\"msg\":\"quote \\\" and \\\\ and "
	                            "\\u0001\",\"tenant\":\"contoso\"}\n"));
	assert_int_equal(strncmp(out, "{\"time\":\"", 9), 0);
	free(out);
}

static void threshold_filters_levels(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	dw_log_setup(DW_LOG_WARNING, DW_LOG_FORMAT_TEXT, f);
	dw_log_info("hidden");
	dw_log_error("shown");
	fclose(f);
	dw_log_setup(DW_LOG_NOTICE, DW_LOG_FORMAT_TEXT, NULL);
	assert_string_equal(out, "error: shown\n");
	free(out);
}

static char *redacted(const char *s)
{
	struct dw_buf b;

	dw_buf_init(&b, 1u << 16);
	assert_int_equal(dw_redact(&b, s, strlen(s)), 0);
	return dw_buf_detach(&b, NULL);
}

static void ordinary_text_passes_unchanged(void **state)
{
	static const char *const plain[] = {
		"could not open '/etc/driftward/secrets/contoso.age': No such file or directory",
		"secret_file = /etc/driftward/secrets/contoso.age",
		"key_file=/etc/driftward/key.txt",
		"{\"token_type\":\"Bearer\",\"expires_in\":3599}",
		"GET https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies 200",
		"tokenLifetimePolicies: 3 objects",
		"the keyboard is fine",
		"a bearer of news",
		"could not read key: No such file or directory",
		"key_file: cannot use '/etc/driftward/key.txt': No such file or directory",
	};
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(plain); i++) {
		char *out = redacted(plain[i]);

		assert_string_equal(out, plain[i]);
		free(out);
	}
}

static void redaction_keeps_structure_around_the_secret(void **state)
{
	char *out;

	(void)state;
	out = redacted("a=1&client_secret=abc&b=2");
	assert_string_equal(out, "a=1&client_secret=[REDACTED]&b=2");
	free(out);
	out = redacted("{\"access_token\":\"abc\",\"x\":1}");
	assert_string_equal(out, "{\"access_token\":\"[REDACTED]\",\"x\":1}");
	free(out);
	out = redacted("Authorization: Bearer abc.def\nHost: x");
	assert_string_equal(out, "Authorization: [REDACTED]\nHost: x");
	free(out);
}

static void secret_key_names(void **state)
{
	static const char *const secret[] = {
		"secret",           "client_secret",   "access_token", "refreshToken",
		"password",         "preSharedKey",    "key",          "assertion",
		"client_assertion", "sharedSecretKey", "passphrase",   "secretText"
	};
	static const char *const harmless[] = { "secret_file",
		                                "key_file",
		                                "token_type",
		                                "keyId",
		                                "tenant",
		                                "tokenLifetimePolicies",
		                                "client_assertion_type",
		                                "keyboard",
		                                "monkey" };
	size_t i;

	(void)state;
	for (i = 0; i < DW_ARRAY_SIZE(secret); i++)
		if (!dw_is_secret_key(secret[i], strlen(secret[i])))
			fail_msg("'%s' should be secret", secret[i]);
	for (i = 0; i < DW_ARRAY_SIZE(harmless); i++)
		if (dw_is_secret_key(harmless[i], strlen(harmless[i])))
			fail_msg("'%s' should not be secret", harmless[i]);
}

/*
 * Near-misses must not take quadratic time. 1 MiB of them: linear is a few
 * milliseconds, quadratic would be minutes, so a 2-second CPU bound can't flake.
 */
static void redaction_stays_linear_on_near_misses(void **state)
{
	static const char *const units[] = { "eyJ", "-----BEGIN ", "AGE-SECRET-KEY-", "eyJa.b" };
	struct dw_buf in, out;
	size_t u, i;

	(void)state;
	for (u = 0; u < DW_ARRAY_SIZE(units); u++) {
		clock_t start;

		dw_buf_init(&in, 2 << 20);
		dw_buf_init(&out, 4 << 20);
		for (i = 0; in.len < (1 << 20); i++)
			assert_int_equal(dw_buf_puts(&in, units[u]), 0);
		start = clock();
		assert_int_equal(dw_redact(&out, in.ptr, in.len), 0);
		assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 2.0);
		dw_buf_release(&in);
		dw_buf_release(&out);
	}
}

static void inplace_redaction_truncates_safely(void **state)
{
	char s[16];

	(void)state;
	snprintf(s, sizeof(s), "password=%s", "abcdef");
	dw_redact_inplace(s, sizeof(s));
	assert_null(strstr(s, "abcdef"));
	assert_int_equal(strncmp(s, "password=[REDAC", 15), 0);
}

/* Under journald, stderr is the journal's socket and JOURNAL_STREAM names it. */
static void journal_prefixes_only_when_stderr_is_the_journal(void **state)
{
	char path[] = "/tmp/dw-journal-XXXXXX", js[64], text[256];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat st;
	ssize_t n;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	dup2(fd, STDERR_FILENO);
	setenv("JOURNAL_STREAM", js, 1);
	dw_log_setup(DW_LOG_INFO, DW_LOG_FORMAT_AUTO, NULL);
	dw_log_error("to the journal");
	setenv("JOURNAL_STREAM", "1:1", 1); /* inherited, but stderr is elsewhere */
	dw_log_setup(DW_LOG_INFO, DW_LOG_FORMAT_AUTO, NULL);
	dw_log_error("to a file");
	unsetenv("JOURNAL_STREAM");
	dup2(saved, STDERR_FILENO);
	close(saved);
	dw_log_setup(DW_LOG_NOTICE, DW_LOG_FORMAT_TEXT, NULL);
	n = pread(fd, text, sizeof(text) - 1, 0);
	assert_true(n > 0);
	text[n] = '\0';
	assert_string_equal(text, "<3>to the journal\nerror: to a file\n");
	close(fd);
	unlink(path);
}

/* A secret with no telltale surroundings: masked because the process holds it. */
static void held_secrets_are_masked_wherever_they_appear(void **state)
{
	static const char held[] = "Qx8~uT.m_2zP-kd9";
	static const char *const messages[] = {
		"AADSTS7000215: Invalid client secret provided: Qx8~uT.m_2zP-kd9. Trace ID: 1",
		"{\"error_description\":\"bad Qx8~uT.m_2zP-kd9\"}",
		"glued:prefixQx8~uT.m_2zP-kd9suffix",
	};
	struct dw_secret *secret = NULL, *tiny = NULL;
	size_t i, j;
	char *out;

	(void)state;
	assert_int_equal(dw_secret_new(&secret, held, strlen(held)), 0);
	assert_int_equal(dw_secret_new(&tiny, "abc", 3), 0); /* too short to look for */
	for (i = 0; i < DW_ARRAY_SIZE(messages); i++)
		for (j = 0; j < DW_ARRAY_SIZE(formats); j++) {
			out = capture(formats[j], messages[i], NULL, 0);
			if (strstr(out, held) || !strstr(out, DW_REDACTED))
				fail_msg("format %zu leaked message %zu: %s", j, i, out);
			free(out);
		}
	out = capture(DW_LOG_FORMAT_TEXT, "a label abc", NULL, 0);
	assert_non_null(strstr(out, "a label abc"));
	free(out);
	dw_secret_free(tiny);
	dw_secret_free(secret);
	/* once freed, the bytes are ordinary text again */
	out = capture(DW_LOG_FORMAT_TEXT, messages[0], NULL, 0);
	assert_non_null(strstr(out, held));
	free(out);
}

/* What the agent prints: bare in text, one JSON object in JSON, controls escaped in both. */
static void printed_lines_follow_the_format(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&out, &len);
	assert_non_null(f);
	dw_log_setup(DW_LOG_ERROR, DW_LOG_FORMAT_TEXT, f);
	dw_log_print(DW_LOG_WARNING, "driftward: t: c: failed (\x1b[31mX\x1b[0m)");
	fclose(f);
	assert_string_equal(out, "driftward: t: c: failed (\\x1b[31mX\\x1b[0m)\n");
	free(out);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	dw_log_setup(DW_LOG_ERROR, DW_LOG_FORMAT_JSON, f);
	dw_log_print(DW_LOG_ERROR, "driftward: \x1b[2J");
	fclose(f);
	dw_log_setup(DW_LOG_NOTICE, DW_LOG_FORMAT_TEXT, NULL);
	assert_non_null(strstr(out, "\"level\":\"error\",\"msg\":\"driftward: \\u001b[2J\"}\n"));
	assert_int_equal(out[0], '{');
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(planted_secrets_never_reach_any_format),
		cmocka_unit_test(secret_fields_are_hidden_by_their_key),
		cmocka_unit_test(formats_have_their_shapes),
		cmocka_unit_test(threshold_filters_levels),
		cmocka_unit_test(ordinary_text_passes_unchanged),
		cmocka_unit_test(redaction_keeps_structure_around_the_secret),
		cmocka_unit_test(secret_key_names),
		cmocka_unit_test(inplace_redaction_truncates_safely),
		cmocka_unit_test(redaction_stays_linear_on_near_misses),
		cmocka_unit_test(journal_prefixes_only_when_stderr_is_the_journal),
		cmocka_unit_test(held_secrets_are_masked_wherever_they_appear),
		cmocka_unit_test(printed_lines_follow_the_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
