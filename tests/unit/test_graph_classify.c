/*
 * The Graph client's decisions that need no network: how an answer is
 * classified, how Retry-After is read, how long backoff waits, and what is
 * read out of error bodies (the shapes of Microsoft's published Graph error bodies).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/internal.h"

static void test_status_classes(void **state)
{
	(void)state;
	assert_int_equal(dw_http__classify(200, CURLE_OK, NULL, NULL), DW_GRAPH_OK);
	assert_int_equal(dw_http__classify(204, CURLE_OK, NULL, NULL), DW_GRAPH_OK);
	assert_int_equal(dw_http__classify(401, CURLE_OK, "InvalidAuthenticationToken", "x"),
	                 DW_GRAPH_AUTH);
	assert_int_equal(dw_http__classify(403, CURLE_OK, "Authorization_RequestDenied",
	                                   "Insufficient privileges to complete the operation."),
	                 DW_GRAPH_PERMISSION);
	assert_int_equal(dw_http__classify(404, CURLE_OK, "Request_ResourceNotFound", "gone"),
	                 DW_GRAPH_NOT_FOUND);
	assert_int_equal(dw_http__classify(429, CURLE_OK, "TooManyRequests", "later"),
	                 DW_GRAPH_THROTTLED);
	assert_int_equal(dw_http__classify(500, CURLE_OK, NULL, NULL), DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(503, CURLE_OK, NULL, NULL), DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(504, CURLE_OK, NULL, NULL), DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(408, CURLE_OK, NULL, NULL), DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(501, CURLE_OK, NULL, NULL), DW_GRAPH_REFUSED);
	assert_int_equal(dw_http__classify(400, CURLE_OK, "BadRequest", "Invalid filter clause"),
	                 DW_GRAPH_REFUSED);
	assert_int_equal(dw_http__classify(302, CURLE_OK, NULL, NULL), DW_GRAPH_BAD_RESPONSE);
}

/* The licence answers of real Graph: Entra premium, Intune, and wording of other services. */
static void test_licence_classes(void **state)
{
	(void)state;
	assert_int_equal(
	        dw_http__classify(403, CURLE_OK,
	                          "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
	                          "Neither tenant is B2C or tenant doesn't have premium license"),
	        DW_GRAPH_UNLICENSED);
	assert_int_equal(dw_http__classify(400, CURLE_OK, "BadRequest",
	                                   "Request not applicable to target tenant."),
	                 DW_GRAPH_UNLICENSED);
	assert_int_equal(dw_http__classify(403, CURLE_OK, "accessDenied",
	                                   "Tenant does not have a SPO license."),
	                 DW_GRAPH_UNLICENSED);
	/* an Intune permission error is not a licence error */
	assert_int_equal(dw_http__classify(403, CURLE_OK, "Forbidden",
	                                   "Application is not authorized to perform this "
	                                   "operation. Application must have one of the following "
	                                   "scopes: DeviceManagementConfiguration.Read.All"),
	                 DW_GRAPH_PERMISSION);
	/* the error code decides before any wording: a denial that mentions a licence */
	assert_int_equal(dw_http__classify(403, CURLE_OK, "Authorization_RequestDenied",
	                                   "Insufficient privileges; a premium license is also "
	                                   "required for some features."),
	                 DW_GRAPH_PERMISSION);
	assert_int_equal(dw_http__classify(403, CURLE_OK, "Forbidden",
	                                   "Application is not authorized: check its license"),
	                 DW_GRAPH_PERMISSION);
}

static void test_transport_classes(void **state)
{
	(void)state;
	assert_int_equal(dw_http__classify(0, CURLE_OPERATION_TIMEDOUT, NULL, NULL),
	                 DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(0, CURLE_PARTIAL_FILE, NULL, NULL), DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(0, CURLE_RECV_ERROR, NULL, NULL), DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(0, CURLE_GOT_NOTHING, NULL, NULL), DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(0, CURLE_COULDNT_CONNECT, NULL, NULL),
	                 DW_GRAPH_TRANSIENT);
	assert_int_equal(dw_http__classify(0, CURLE_PEER_FAILED_VERIFICATION, NULL, NULL),
	                 DW_GRAPH_TLS);
	assert_int_equal(dw_http__classify(0, CURLE_WRITE_ERROR, NULL, NULL),
	                 DW_GRAPH_BAD_RESPONSE);
	/* an answer over the size limit, announced or not, is a bad response, not retried */
	assert_int_equal(dw_http__classify(0, CURLE_FILESIZE_EXCEEDED, NULL, NULL),
	                 DW_GRAPH_BAD_RESPONSE);
	assert_true(dw_http__retryable(DW_GRAPH_THROTTLED));
	assert_true(dw_http__retryable(DW_GRAPH_TRANSIENT));
	assert_false(dw_http__retryable(DW_GRAPH_PERMISSION));
	assert_false(dw_http__retryable(DW_GRAPH_NOT_FOUND));
	assert_false(dw_http__retryable(DW_GRAPH_TLS));
	assert_string_equal(dw_graph_outcome_name(DW_GRAPH_UNLICENSED), "unlicensed");
	assert_string_equal(dw_graph_outcome_name((enum dw_graph_outcome)99), "unknown");
}

static void test_retry_after(void **state)
{
	(void)state;
	assert_true(dw_http__parse_retry_after("10", 0) == 10.0);
	assert_true(dw_http__parse_retry_after(" 2.128 ", 0) == 2.128);
	assert_true(dw_http__parse_retry_after("0", 0) == 0.0);
	assert_true(dw_http__parse_retry_after("0.5\r\n", 0) == 0.5);
	assert_true(dw_http__parse_retry_after(NULL, 0) < 0);
	assert_true(dw_http__parse_retry_after("", 0) < 0);
	assert_true(dw_http__parse_retry_after("-3", 0) < 0);
	assert_true(dw_http__parse_retry_after("3s", 0) < 0);
	assert_true(dw_http__parse_retry_after("nan", 0) < 0);
	/* RFC 9110 HTTP-date: 1994-11-06 08:49:37 UTC is 784111777 */
	assert_true(dw_http__parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770) == 7.0);
	assert_true(dw_http__parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111800) == 0.0);
}

static void test_backoff_full_jitter(void **state)
{
	unsigned attempt, i, max_seen = 0;

	(void)state;
	/* uniform in [0, min(max, base * 2^attempt)] */
	assert_int_equal(dw_http__backoff_ms(0, 1000, 32000, 1000), 1000);
	assert_int_equal(dw_http__backoff_ms(0, 1000, 32000, 1001), 0);
	assert_int_equal(dw_http__backoff_ms(3, 1000, 32000, 8000), 8000);
	assert_int_equal(dw_http__backoff_ms(3, 1000, 32000, 8001), 0);
	assert_int_equal(dw_http__backoff_ms(30, 1000, 32000, 32000), 32000);
	assert_int_equal(dw_http__backoff_ms(30, 1000, 32000, UINT64_MAX), UINT64_MAX % 32001);
	for (attempt = 0; attempt < 8; attempt++)
		for (i = 0; i < 1000; i++) {
			unsigned v =
			        dw_http__backoff_ms(attempt, 100, 5000, (uint64_t)rand() * 7919u);

			assert_true(v <= 5000);
			assert_true(v <= (100u << attempt));
			max_seen = v > max_seen ? v : max_seen;
		}
	assert_true(max_seen > 2500); /* the spread reaches the cap */
}

static void test_error_bodies(void **state)
{
	static const char graph[] =
	        "{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient "
	        "privileges to complete the "
	        "operation.\",\"innerError\":{\"date\":\"2024-01-01\"}}}";
	static const char sts[] =
	        "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
	        "client "
	        "secret is provided.\\r\\nTrace ID: b179b7db\",\"error_codes\":[7000215]}";
	static const char intune[] =
	        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"{\\\"_version\\\": 3, "
	        "\\\"Message\\\": \\\"Application is not authorized - Operation ID: 1\\\"}\"}}";
	struct dw_http_error_body eb;

	(void)state;
	dw_http__parse_error(graph, strlen(graph), &eb);
	assert_string_equal(eb.code, "Authorization_RequestDenied");
	assert_string_equal(eb.message, "Insufficient privileges to complete the operation.");
	dw_http__parse_error(sts, strlen(sts), &eb);
	assert_string_equal(eb.code, "invalid_client");
	assert_string_equal(eb.message, "AADSTS7000215: Invalid client secret is provided.");
	dw_http__parse_error(intune, strlen(intune), &eb);
	assert_string_equal(eb.code, "Forbidden");
	assert_string_equal(eb.message, "Application is not authorized - Operation ID: 1");
	dw_http__parse_error("<html>Bad gateway</html>", 24, &eb);
	assert_string_equal(eb.code, "");
	assert_string_equal(eb.message, "");
	dw_http__parse_error(NULL, 0, &eb);
	assert_string_equal(eb.code, "");
}

static int parse_token_text(const char *text, struct dw_secret **tok, long *exp,
                            struct dw_error *err)
{
	struct dw_buf b;

	dw_buf_init_secret(&b, 4096);
	assert_int_equal(dw_buf_puts(&b, text), 0);
	return dw_http__parse_token(&b, tok, exp, err); /* takes the buffer */
}

static void test_token_answers(void **state)
{
	static const char ok[] = "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
	                         "\"ext_expires_in\":3599,\"access_token\":\"abc.def.ghi\"}";
	static const char v1[] = "{\"token_type\":\"Bearer\",\"expires_in\":\"3599\","
	                         "\"access_token\":\"xyz\"}";
	static const char no_token[] = "{\"token_type\":\"Bearer\",\"expires_in\":3599}";
	static const char bad_type[] =
	        "{\"token_type\":\"pop\",\"expires_in\":5,\"access_token\":\"x\"}";
	struct dw_secret *tok = NULL;
	struct dw_error err;
	long exp = 0;

	(void)state;
	assert_int_equal(parse_token_text(ok, &tok, &exp, NULL), 0);
	assert_string_equal((const char *)dw_secret_data(tok), "abc.def.ghi");
	assert_int_equal(exp, 3599);
	dw_secret_free(tok);
	assert_int_equal(parse_token_text(v1, &tok, &exp, NULL), 0);
	assert_int_equal(exp, 3599);
	dw_secret_free(tok);
	dw_error_clear(&err);
	assert_int_equal(parse_token_text(no_token, &tok, &exp, &err), -EBADMSG);
	assert_null(tok);
	assert_non_null(strstr(err.msg, "no access_token"));
	assert_int_equal(parse_token_text(bad_type, &tok, &exp, NULL), -EBADMSG);
	/* only RFC 6750 token characters: a CR LF would inject a header */
	dw_error_clear(&err);
	assert_int_equal(parse_token_text("{\"token_type\":\"Bearer\",\"expires_in\":9,"
	                                  "\"access_token\":\"abc\\r\\nX-Injected: 1\"}",
	                                  &tok, &exp, &err),
	                 -EBADMSG);
	assert_null(tok);
	assert_non_null(strstr(err.msg, "RFC 6750"));
	assert_null(strstr(err.msg, "Injected"));
	assert_int_equal(
	        parse_token_text("{\"expires_in\":9,\"access_token\":\"a b\"}", &tok, &exp, NULL),
	        -EBADMSG);
	assert_int_equal(
	        parse_token_text("{\"expires_in\":9,\"access_token\":\"a=b\"}", &tok, &exp, NULL),
	        -EBADMSG);
	assert_int_equal(
	        parse_token_text("{\"expires_in\":9,\"access_token\":\"==\"}", &tok, &exp, NULL),
	        -EBADMSG);
	assert_int_equal(parse_token_text("{\"expires_in\":9,\"access_token\":\"a\\u0000b\"}", &tok,
	                                  &exp, NULL),
	                 -EBADMSG);
	assert_int_equal(parse_token_text("{\"expires_in\":9,\"access_token\":"
	                                  "\"aZ09-._~+/b==\"}",
	                                  &tok, &exp, NULL),
	                 0);
	dw_secret_free(tok);
	assert_int_equal(parse_token_text("{", &tok, &exp, NULL), -EBADMSG);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* The data segment the process has now, in bytes (VmData of /proc/self/status). */
static size_t data_size(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t kb = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmData: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* In a child with little memory left: the page's parse must fail with -ENOMEM. */
static int parse_page_short_of_memory(void)
{
	struct dw_graph_page page;
	struct rlimit lim;
	struct dw_error err;
	struct dw_buf body;
	char *next = NULL;
	size_t i;
	int r;

	dw_buf_init(&body, 64u << 20);
	r = dw_buf_puts(&body, "{\"value\":[0");
	for (i = 0; r == 0 && i < 2000000; i++)
		r = dw_buf_puts(&body, ",0");
	r = r ?: dw_buf_puts(&body, "]}");
	if (r < 0)
		return 2;
	/* the text is there; the values' 32 MB can't be had */
	lim.rlim_cur = lim.rlim_max = data_size() + (8u << 20);
	if (setrlimit(RLIMIT_DATA, &lim) < 0)
		return 3;
	memset(&page, 0, sizeof(page));
	dw_error_clear(&err);
	r = dw_http__parse_page(&body, &page, &next, &err);
	if (r != -ENOMEM || !strstr(err.msg, "out of memory"))
		return 1;
	return 0;
}

/* Running out of memory while parsing a page is said as such, not as a bad response. */
static void test_page_out_of_memory(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
#ifdef UNDER_ASAN
	skip(); /* ASan's allocator reserves far more than any data limit */
#endif
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(parse_page_short_of_memory());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_classes),
		cmocka_unit_test(test_licence_classes),
		cmocka_unit_test(test_transport_classes),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_backoff_full_jitter),
		cmocka_unit_test(test_error_bodies),
		cmocka_unit_test(test_token_answers),
		cmocka_unit_test(test_page_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
