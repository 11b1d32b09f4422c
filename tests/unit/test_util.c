/* Buffers, errors and diagnostics: the contracts every other area relies on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/array.h"
#include "driftward/strlist.h"
#include "driftward/buf.h"
#include "driftward/diag.h"
#include "driftward/error.h"
#include "driftward/list.h"
#include "driftward/names.h"
#include "driftward/secret.h"
#include "driftward/text.h"

static void buf_appends_and_stays_nul_terminated(void **state)
{
	struct dw_buf b;

	(void)state;
	dw_buf_init(&b, 1024);
	assert_string_equal(dw_buf_cstr(&b), "");
	assert_int_equal(dw_buf_puts(&b, "abc"), 0);
	assert_int_equal(dw_buf_putc(&b, 'd'), 0);
	assert_int_equal(dw_buf_printf(&b, "-%d-%s", 42, "x"), 0);
	assert_string_equal(dw_buf_cstr(&b), "abcd-42-x");
	assert_int_equal(b.len, 9);
	dw_buf_truncate(&b, 2);
	assert_string_equal(dw_buf_cstr(&b), "ab");
	dw_buf_release(&b);
}

static void buf_frees_itself_past_its_maximum(void **state)
{
	struct dw_buf b;
	char big[100];

	(void)state;
	memset(big, 'x', sizeof(big));
	dw_buf_init(&b, 64);
	assert_int_equal(dw_buf_put(&b, big, 64), 0);
	assert_int_equal(b.len, 64);
	assert_int_equal(dw_buf_putc(&b, 'y'), -E2BIG);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	/* still usable afterwards */
	assert_int_equal(dw_buf_puts(&b, "ok"), 0);
	assert_int_equal(dw_buf_printf(&b, "%0100d", 1), -E2BIG);
	assert_null(b.ptr);
	dw_buf_release(&b);
}

static void buf_grows_across_many_appends(void **state)
{
	struct dw_buf b;
	size_t i;

	(void)state;
	dw_buf_init(&b, 1u << 20);
	for (i = 0; i < 100000; i++)
		assert_int_equal(dw_buf_putc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.ptr[99999], 'a' + 99999 % 26);
	assert_int_equal(b.ptr[100000], '\0');
	dw_buf_release(&b);
}

static void buf_without_a_practical_maximum(void **state)
{
	struct dw_buf b;
	size_t i;

	(void)state;
	dw_buf_init(&b, SIZE_MAX);
	for (i = 0; i < 1000; i++)
		assert_int_equal(dw_buf_puts(&b, "0123456789"), 0);
	assert_int_equal(b.len, 10000);
	assert_true(b.alloc > b.len);
	assert_int_equal(b.ptr[b.len], '\0');
	dw_buf_release(&b);
}

static void secret_buf_detaches_and_resets(void **state)
{
	struct dw_buf b;
	size_t len;
	char *p;

	(void)state;
	dw_buf_init_secret(&b, 4096);
	assert_int_equal(dw_buf_puts(&b, "hunter2"), 0);
	dw_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(dw_buf_cstr(&b), "");
	assert_int_equal(dw_buf_puts(&b, "correct horse battery staple, and more to grow it"), 0);
	p = dw_buf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, strlen(p));
	assert_null(b.ptr);
	dw_wipe(p, len);
	free(p);
	dw_buf_release(&b);
}

static void write_temp(char *path, const char *text, size_t len)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void files_are_read_whole_up_to_the_maximum(void **state)
{
	char path[] = "/tmp/dw-read-XXXXXX";
	struct dw_error err;
	struct dw_buf b;

	(void)state;
	write_temp(path, "0123456789", 10);
	dw_buf_init(&b, 10); /* exactly the file's size fits */
	assert_int_equal(dw_buf_read_file(&b, path, NULL), 0);
	assert_string_equal(dw_buf_cstr(&b), "0123456789");
	dw_buf_release(&b);
	dw_buf_init(&b, 9);
	dw_error_clear(&err);
	assert_int_equal(dw_buf_read_file(&b, path, &err), -E2BIG);
	assert_null(b.ptr);
	assert_string_equal(err.msg, "larger than 9 bytes");
	assert_string_equal(err.file, path);
	dw_buf_release(&b);
	unlink(path);
	dw_error_clear(&err);
	assert_int_equal(dw_buf_read_file(&b, path, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "could not open"));
}

static void pipes_are_read_to_their_end(void **state)
{
	struct dw_buf b;
	char chunk[1000];
	size_t i;
	int fds[2];

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	assert_int_equal(pipe(fds), 0);
	for (i = 0; i < 50; i++) /* 50,000 bytes: under the pipe's buffer */
		assert_int_equal(write(fds[1], chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	close(fds[1]);
	dw_buf_init_secret(&b, 1 << 20);
	assert_int_equal(dw_buf_read_fd(&b, fds[0], NULL, NULL), 0);
	assert_int_equal(b.len, 50000);
	assert_int_equal(b.ptr[b.len], '\0');
	close(fds[0]);
	dw_buf_release(&b);
}

static void json_strings_and_percent_escapes(void **state)
{
	struct dw_buf b;

	(void)state;
	dw_buf_init(&b, 256);
	assert_int_equal(dw_buf_put_json_string(&b, "a\"b\\c\b\t\n\f\r\x01\x1f\x7f\xc3\xa4"), 0);
	assert_string_equal(dw_buf_cstr(&b),
	                    "\"a\\\"b\\\\c\\b\\t\\n\\f\\r\\u0001\\u001f\x7f\xc3\xa4\"");
	dw_buf_reset(&b);
	assert_int_equal(dw_buf_put_pct(&b, ' '), 0);
	assert_int_equal(dw_buf_put_pct(&b, 0xfe), 0);
	assert_string_equal(dw_buf_cstr(&b), "%20%FE");
	dw_buf_release(&b);
}

static void secret_holds_bytes_with_nul(void **state)
{
	struct dw_secret *s = NULL;

	(void)state;
	assert_int_equal(dw_secret_new(&s, "a\0b", 3), 0);
	assert_int_equal(dw_secret_len(s), 3);
	assert_memory_equal(dw_secret_data(s), "a\0b", 3);
	dw_secret_free(s);
	dw_secret_free(NULL);
}

static void error_keeps_the_innermost_cause(void **state)
{
	struct dw_error err;
	char out[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];

	(void)state;
	dw_error_clear(&err);
	assert_false(dw_error_isset(&err));
	assert_int_equal(
	        dw_error_set(&err, -ENOENT, DW_AREA_SYSTEM, ENOENT, "could not open '%s'", "x.ini"),
	        -ENOENT);
	assert_int_equal(dw_error_set(&err, -EIO, DW_AREA_HTTP, 7, "outer"), -EIO);
	assert_string_equal(err.msg, "could not open 'x.ini'");
	dw_error_prefix(&err, "tenant %s: ", "contoso");
	assert_string_equal(dw_error_format(&err, out, sizeof(out)),
	                    "tenant contoso: could not open 'x.ini'");
	assert_int_equal(dw_error_set(NULL, -EINVAL, DW_AREA_CONFIG, 0, "nobody listens"), -EINVAL);
}

static void error_formats_positions(void **state)
{
	struct dw_error err;
	char out[1024];

	(void)state;
	dw_error_clear(&err);
	dw_error_at(&err, -EINVAL, DW_AREA_JSON, "a.json", 3, 14, "duplicate key \"id\"");
	assert_string_equal(dw_error_format(&err, out, sizeof(out)),
	                    "a.json:3:14: duplicate key \"id\"");
	assert_string_equal(dw_error_area_name(err.area), "json");
	dw_error_clear(&err);
	dw_error_at(&err, -EINVAL, DW_AREA_CONFIG, "d.ini", 7, 0, "bad");
	assert_string_equal(dw_error_format(&err, out, sizeof(out)), "d.ini:7: bad");
	dw_error_clear(&err);
	dw_error_at(&err, -EINVAL, DW_AREA_CONFIG, "d.ini", 0, 0, "bad");
	assert_string_equal(dw_error_format(&err, out, sizeof(out)), "d.ini: bad");
}

static void error_messages_are_redacted(void **state)
{
	struct dw_error err;

	(void)state;
	dw_error_clear(&err);
	dw_error_set(&err, -EACCES, DW_AREA_HTTP, 401, "token request failed: client_secret=%s&x=1",
	             "CANARY-5ecret");
	assert_null(strstr(err.msg, "CANARY"));
	assert_non_null(strstr(err.msg, "client_secret=[REDACTED]&x=1"));
	dw_error_prefix(&err, "Authorization: Bearer %s: ", "CANARY-tok");
	assert_null(strstr(err.msg, "CANARY"));
}

static void error_prefix_truncates_the_message_not_the_context(void **state)
{
	struct dw_error err;
	char longmsg[DW_ERROR_MSG_MAX + 50];

	(void)state;
	memset(longmsg, 'm', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	dw_error_clear(&err);
	dw_error_set(&err, -EIO, DW_AREA_SYSTEM, 0, "%s", longmsg);
	dw_error_prefix(&err, "ctx: ");
	assert_int_equal(strncmp(err.msg, "ctx: mmm", 8), 0);
	assert_int_equal(strlen(err.msg), DW_ERROR_MSG_MAX - 1);
}

static void diags_collect_every_problem(void **state)
{
	struct dw_diags d;
	char line[256];

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_diags_add(&d, DW_DIAG_ERROR, "c.ini", 4, 0, "bad %s", "x"), 0);
	assert_int_equal(dw_diags_add(&d, DW_DIAG_WARNING, "c.ini", 9, 2, "meh"), 0);
	assert_int_equal(dw_diags_add(&d, DW_DIAG_ERROR, NULL, 0, 0, "password=%s", "CANARY"), 0);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.errors, 2);
	assert_string_equal(dw_diag_format(&d.items[0], line, sizeof(line)),
	                    "c.ini:4: error: bad x");
	assert_string_equal(dw_diag_format(&d.items[1], line, sizeof(line)),
	                    "c.ini:9:2: warning: meh");
	assert_null(strstr(d.items[2].msg, "CANARY"));
	dw_diags_release(&d);
}

static void array_grows_and_keeps_its_contents(void **state)
{
	size_t *a = NULL, alloc = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(DW_ARRAY_GROW(a, alloc, i + 1), 0);
		assert_true(alloc >= i + 1);
		a[i] = i * 7;
	}
	for (i = 0; i < 1000; i++)
		assert_int_equal(a[i], i * 7);
	/* room that is already there moves nothing */
	assert_int_equal(DW_ARRAY_GROW(a, alloc, 10), 0);
	assert_true(alloc >= 1000);
	free(a);
}

static void array_growth_is_amortised(void **state)
{
	size_t *a = NULL, alloc = 0, last = 0, i;
	unsigned reallocs = 0;

	(void)state;
	for (i = 0; i < 100000; i++) {
		assert_int_equal(DW_ARRAY_GROW(a, alloc, i + 1), 0);
		if (alloc != last)
			reallocs++, last = alloc;
		a[i] = i;
	}
	/* by half each time from 8: log(100000 / 8) / log(1.5) is 23.3 */
	assert_in_range(reallocs, 20, 26);
	assert_int_equal(a[99999], 99999);
	free(a);
}

static void array_refuses_an_overflowing_size(void **state)
{
	uint64_t *a = NULL;
	size_t alloc = 0;

	(void)state;
	assert_int_equal(DW_ARRAY_GROW(a, alloc, 3), 0);
	a[0] = 1, a[1] = 2, a[2] = 3;
	assert_int_equal(DW_ARRAY_GROW(a, alloc, SIZE_MAX / sizeof(*a) + 1), -ENOMEM);
	assert_int_equal(DW_ARRAY_GROW(a, alloc, SIZE_MAX), -ENOMEM);
	assert_int_equal(alloc, DW_ARRAY_MIN);
	assert_non_null(a);
	assert_int_equal(a[2], 3);
	assert_int_equal(dw_array_grow(&a, &alloc, 100, 0), -EINVAL);
	free(a);
}

struct node {
	int value;
	struct dw_link link;
};

/* The values in @head's list, in order, as digits. */
static void assert_list_holds(struct dw_link *head, const char *want)
{
	char got[16] = "";
	size_t n = 0;
	struct dw_link *l;

	for (l = head->next; l != head && n < sizeof(got) - 1; l = l->next)
		got[n++] = (char)('0' + DW_CONTAINER(l, struct node, link)->value);
	assert_string_equal(got, want);
}

static void list_links_and_unlinks_in_place(void **state)
{
	struct node a = { 1 }, b = { 2 }, c = { 3 };
	struct dw_link head;

	(void)state;
	dw_list_init(&head);
	assert_true(dw_list_empty(&head));
	dw_list_add_tail(&head, &a.link);
	dw_list_add_tail(&head, &b.link);
	dw_list_add_tail(&head, &c.link);
	assert_false(dw_list_empty(&head));
	assert_list_holds(&head, "123");
	dw_list_del(&b.link);
	assert_list_holds(&head, "13");
	assert_true(dw_list_empty(&b.link)); /* a list of its own now */
	dw_list_del(&b.link);                /* so deleting it again is harmless */
	assert_list_holds(&head, "13");
	dw_list_del(&a.link);
	dw_list_add_tail(&head, &a.link);
	assert_list_holds(&head, "31");
	dw_list_del(&a.link);
	dw_list_del(&c.link);
	assert_true(dw_list_empty(&head));
}

static void names_follow_their_rules(void **state)
{
	char longest[65];

	(void)state;
	assert_true(dw_is_guid("6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"));
	assert_true(dw_is_guid("6F0E1C2A-3B4D-4E5F-8A9B-0C1D2E3F4A5B"));
	assert_false(dw_is_guid("6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5"));
	assert_false(dw_is_guid("6f0e1c2a03b4d-4e5f-8a9b-0c1d2e3f4a5b"));
	assert_false(dw_is_guid("{6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b}"));
	assert_false(dw_is_guid("6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5g"));
	assert_true(dw_is_tenant_name("contoso"));
	assert_true(dw_is_tenant_name("contoso-eu_2"));
	assert_false(dw_is_tenant_name("Contoso"));
	assert_false(dw_is_tenant_name("-x"));
	assert_false(dw_is_tenant_name("x-"));
	assert_false(dw_is_tenant_name("a/b"));
	assert_false(dw_is_tenant_name(""));
	memset(longest, 'a', sizeof(longest));
	assert_true(dw_is_collector_name("conditionalAccessPolicies", 25));
	assert_true(dw_is_collector_name("named_locations-v2", 18));
	assert_true(dw_is_collector_name("x/evil", 1)); /* only the @len bytes count */
	assert_true(dw_is_collector_name(longest, 64));
	assert_false(dw_is_collector_name(longest, 65));
	assert_false(dw_is_collector_name("2fa", 3));
	assert_false(dw_is_collector_name("a/b", 3));
	assert_false(dw_is_collector_name("..", 2));
	assert_false(dw_is_collector_name("", 0));
}

static void control_characters_are_escaped(void **state)
{
	static const char in[] = "code \x1b[31mred\x1b]0;title\x07 \xc2\x9b"
	                         "1m \x7f ok\tx\ny \xc3\xa9";
	struct dw_buf b;

	(void)state;
	dw_buf_init(&b, 1024);
	assert_int_equal(dw_buf_put_printable(&b, in, strlen(in), 0), 0);
	assert_string_equal(dw_buf_cstr(&b), "code \\x1b[31mred\\x1b]0;title\\x07 \\xc2\\x9b1m "
	                                     "\\x7f ok\\x09x\\x0ay \xc3\xa9");
	dw_buf_reset(&b);
	assert_int_equal(dw_buf_put_printable(&b, in, strlen(in), DW_TEXT_KEEP_LINES), 0);
	assert_non_null(strstr(dw_buf_cstr(&b), "ok\tx\ny"));
	assert_null(strchr(dw_buf_cstr(&b), 0x1b));
	dw_buf_reset(&b);
	assert_int_equal(dw_buf_put_printable(&b, in, strlen(in), DW_TEXT_LINES_AS_SPACES), 0);
	assert_non_null(strstr(dw_buf_cstr(&b), "ok x y"));
	dw_buf_release(&b);
}

static void strlists_join_with_a_separator_and_fit(void **state)
{
	char a[] = "Policy.Read.All", b[] = "Directory.Read.All";
	char *items[] = { a, b };
	struct dw_strlist l = { .items = items, .count = 2 };
	char out[64], small[10];

	(void)state;
	dw_strlist_join(&l, " or ", out, sizeof(out));
	assert_string_equal(out, "Policy.Read.All or Directory.Read.All");
	dw_strlist_join(&l, " or ", small, sizeof(small));
	assert_string_equal(small, "Policy.Re"); /* cut, and terminated */
	dw_strlist_join(NULL, " or ", out, sizeof(out));
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_appends_and_stays_nul_terminated),
		cmocka_unit_test(buf_frees_itself_past_its_maximum),
		cmocka_unit_test(buf_grows_across_many_appends),
		cmocka_unit_test(buf_without_a_practical_maximum),
		cmocka_unit_test(secret_buf_detaches_and_resets),
		cmocka_unit_test(files_are_read_whole_up_to_the_maximum),
		cmocka_unit_test(pipes_are_read_to_their_end),
		cmocka_unit_test(json_strings_and_percent_escapes),
		cmocka_unit_test(secret_holds_bytes_with_nul),
		cmocka_unit_test(error_keeps_the_innermost_cause),
		cmocka_unit_test(error_formats_positions),
		cmocka_unit_test(error_messages_are_redacted),
		cmocka_unit_test(error_prefix_truncates_the_message_not_the_context),
		cmocka_unit_test(diags_collect_every_problem),
		cmocka_unit_test(strlists_join_with_a_separator_and_fit),
		cmocka_unit_test(array_grows_and_keeps_its_contents),
		cmocka_unit_test(array_growth_is_amortised),
		cmocka_unit_test(array_refuses_an_overflowing_size),
		cmocka_unit_test(list_links_and_unlinks_in_place),
		cmocka_unit_test(names_follow_their_rules),
		cmocka_unit_test(control_characters_are_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
