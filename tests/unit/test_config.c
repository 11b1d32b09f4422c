/* The configuration reader: typed keys, every problem reported with its line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/config.h"
#include "driftward/diag.h"
#include "driftward/log.h"

#define TENANT_ID "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
#define CLIENT_ID "2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e"

struct fixture {
	char dir[64];
	char path[128];
	struct dw_diags diags;
	struct dw_config *cfg;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char p[128];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/dw-config-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/driftward.ini", fx->dir);
	snprintf(p, sizeof(p), "%s/key.txt", fx->dir);
	write_file(p, "AGE-SECRET-KEY-1...\n");
	snprintf(p, sizeof(p), "%s/contoso.age", fx->dir);
	write_file(p, "age-encryption.org/v1\n");
	dw_diags_init(&fx->diags);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	dw_config_free(fx->cfg);
	dw_diags_release(&fx->diags);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static int load(struct fixture *fx, const char *text, unsigned flags)
{
	write_file(fx->path, text);
	return dw_config_load(fx->path, flags, &fx->cfg, &fx->diags);
}

/* Asserts that problem @i is on @line and mentions @needle. */
static void expect_diag(struct fixture *fx, size_t i, unsigned line, const char *needle)
{
	char text[1024];

	assert_true(i < fx->diags.count);
	dw_diag_format(&fx->diags.items[i], text, sizeof(text));
	if (fx->diags.items[i].line != line || !strstr(text, needle))
		fail_msg("problem %zu: expected line %u and '%s', got '%s'", i, line, needle, text);
	assert_string_equal(fx->diags.items[i].file, fx->path);
}

static const char good[] = "; a comment\n"
                           "[agent]\n"
                           "state_repo = state.git\n"
                           "key_file = key.txt   ; inline comment\n"
                           "approved_ref = refs/heads/main\n"
                           "require_signed = false\n"
                           "concurrency = 8\n"
                           "tenant_concurrency = 2\n"
                           "graph_url = https://127.0.0.1:8443\n"
                           "login_url = https://127.0.0.1:8443\n"
                           "ca_file =\n"
                           "extra_recipients = age1aaaa, age1bbbb\n"
                           "  age1cccc\n"
                           "log_level = info\n"
                           "\n"
                           "[tenant contoso]\n"
                           "tenant_id = " TENANT_ID "\n"
                           "client_id = " CLIENT_ID "\n"
                           "secret_file = contoso.age\n"
                           "collectors = conditionalAccessPolicies, namedLocations\n"
                           "read_only = no\n"
                           "\n"
                           "[tenant fabrikam]\n"
                           "tenant_id = " CLIENT_ID "\n"
                           "client_id = " TENANT_ID "\n"
                           "secret_file = contoso.age\n";

static void a_valid_file_is_read_with_types_and_defaults(void **state)
{
	struct fixture *fx = *state;
	const struct dw_tenant_config *t;
	char expect[256];

	assert_int_equal(load(fx, good, 0), 0);
	assert_int_equal(fx->diags.count, 0);
	snprintf(expect, sizeof(expect), "%s/state.git", fx->dir);
	assert_string_equal(fx->cfg->agent.state_repo, expect);
	assert_int_equal(fx->cfg->agent.concurrency, 8);
	assert_int_equal(fx->cfg->agent.tenant_concurrency, 2);
	assert_int_equal(fx->cfg->agent.request_timeout, 60);
	assert_int_equal(fx->cfg->agent.max_collection_mib, 256);
	assert_int_equal(fx->cfg->agent.max_collection_objects, 100000);
	assert_int_equal(fx->cfg->agent.run_timeout, 14400);
	assert_null(fx->cfg->agent.ca_file);
	assert_null(fx->cfg->agent.remote);
	assert_int_equal(fx->cfg->agent.extra_recipients.count, 3);
	assert_string_equal(fx->cfg->agent.extra_recipients.items[2], "age1cccc");
	assert_int_equal(fx->cfg->agent.log_level, DW_LOG_INFO);
	assert_int_equal(fx->cfg->ntenants, 2);
	t = dw_config_tenant(fx->cfg, "contoso");
	assert_non_null(t);
	assert_string_equal(t->tenant_id, TENANT_ID);
	assert_false(t->read_only);
	assert_false(t->all_collectors);
	assert_int_equal(t->collectors.count, 2);
	assert_int_equal(t->line, 16);
	t = dw_config_tenant(fx->cfg, "fabrikam");
	assert_true(t->read_only);
	assert_true(t->all_collectors);
	assert_null(dw_config_tenant(fx->cfg, "nobody"));
}

/* The issue's own example: five problems, five lines, in file order. */
static void every_problem_is_reported_with_its_line(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
	                      "[agent]\n"
	                      "key_file = key.txt\n"
	                      "concurrency = lots\n"
	                      "colour = blue\n"
	                      "[tenant contoso]\n"
	                      "tenant_id = 6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5\n"
	                      "client_id = " CLIENT_ID "\n"
	                      "secret_file = missing.age\n"
	                      "[tenant contoso]\n"
	                      "tenant_id = " TENANT_ID "\n",
	                      0),
	                 -EINVAL);
	assert_null(fx->cfg);
	assert_int_equal(fx->diags.errors, 5);
	expect_diag(fx, 0, 3, "concurrency: 'lots' is not a number");
	expect_diag(fx, 1, 4, "unknown key 'colour'");
	expect_diag(fx, 2, 6, "tenant_id: '6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5' is not a GUID");
	expect_diag(fx, 3, 8, "secret_file");
	expect_diag(fx, 4, 9, "duplicate tenant 'contoso' (first defined at line 5)");
}

static void values_are_checked_by_type(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
	                      "[agent]\n"
	                      "key_file = key.txt\n"
	                      "concurrency = 0\n"
	                      "require_signed = maybe\n"
	                      "graph_url = http://graph.example\n"
	                      "approved_ref = main\n"
	                      "log_level = loud\n"
	                      "extra_recipients = age1ok, AGE-SECRET-KEY-1X\n"
	                      "metrics_dir = key.txt\n"
	                      "max_retries = 99999999999999999999\n"
	                      "run_timeout = 10\n",
	                      0),
	                 -EINVAL);
	expect_diag(fx, 0, 3, "0 is out of range (1 to 256)");
	expect_diag(fx, 1, 4, "'maybe' is not a boolean");
	expect_diag(fx, 2, 5, "graph_url: not a usable https:// URL: not https://");
	expect_diag(fx, 3, 6, "not a git ref name");
	expect_diag(fx, 4, 7, "'loud' is not one of");
	expect_diag(fx, 5, 8, "is not an age recipient");
	expect_diag(fx, 6, 9, "is not a directory");
	expect_diag(fx, 7, 10, "is not a number");
	expect_diag(fx, 8, 11, "10 is out of range (60 to 604800)");
	assert_int_equal(fx->diags.errors, 9);
}

static void reset(struct fixture *fx)
{
	dw_config_free(fx->cfg);
	fx->cfg = NULL;
	dw_diags_release(&fx->diags);
	dw_diags_init(&fx->diags);
}

/* What libcurl would connect to is what is checked: user@host, queries, fragments, bad hosts. */
static void service_urls_are_parsed_not_pattern_matched(void **state)
{
	static const struct {
		const char *url, *why;
	} bad[] = {
		{ "https://login.microsoftonline.com@127.0.0.1:8443", "user information" },
		{ "https://user:pw@login.microsoftonline.com", "user information" },
		{ "https://login.microsoftonline.com?x=1", "a query" },
		{ "https://login.microsoftonline.com/#frag", "a fragment" },
		{ "https://[::1", "can't parse" },
		{ "https://exa mple.com", "space" },
		{ "https://", "can't parse" },
		{ "https://host:99999", "can't parse" },
		{ "ftp://login.microsoftonline.com", "not https://" },
		{ "login.microsoftonline.com", "can't parse" },
	};
	static const char *const fine[] = { "https://login.microsoftonline.com",
		                            "https://graph.microsoft.us/", "https://127.0.0.1:8443",
		                            "https://[::1]:8443/base" };
	struct fixture *fx = *state;
	char text[256];
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "[agent]\nkey_file = key.txt\nlogin_url = %s\n",
		         bad[i].url);
		reset(fx);
		if (load(fx, text, DW_CONFIG_KEY_MAY_BE_MISSING) != -EINVAL)
			fail_msg("accepted %s", bad[i].url);
		expect_diag(fx, 0, 3, "login_url: not a usable https:// URL");
		expect_diag(fx, 0, 3, bad[i].why);
	}
	for (i = 0; i < DW_ARRAY_SIZE(fine); i++) {
		snprintf(text, sizeof(text), "[agent]\nkey_file = key.txt\nlogin_url = %s\n",
		         fine[i]);
		reset(fx);
		if (load(fx, text, DW_CONFIG_KEY_MAY_BE_MISSING) != 0)
			fail_msg("refused %s", fine[i]);
	}
}

/* What is not a configuration file is refused as such, before any key is read. */
static void only_regular_files_are_read(void **state)
{
	static const struct {
		const char *path, *why;
	} bad[] = { { "/dev/zero", "is not a regular file" }, { "/tmp", "is a directory" } };
	struct fixture *fx = *state;
	char text[512];
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(bad); i++) {
		reset(fx);
		assert_int_equal(dw_config_load(bad[i].path, 0, &fx->cfg, &fx->diags), -EINVAL);
		assert_int_equal(fx->diags.errors, 1);
		dw_diag_format(&fx->diags.items[0], text, sizeof(text));
		if (!strstr(text, bad[i].why) || strncmp(text, bad[i].path, strlen(bad[i].path)))
			fail_msg("%s: got '%s'", bad[i].path, text);
	}
}

static void a_huge_file_or_line_costs_no_memory(void **state)
{
	struct fixture *fx = *state;
	size_t n = (1u << 20) - 64;
	char *text = malloc(n + 64);

	assert_non_null(text);
	/* one line of almost 1 MiB: reported, and read through a fixed buffer */
	snprintf(text, 64, "[agent]\nkey_file = key.txt\nx = ");
	memset(text + strlen(text), 'a', n - strlen(text));
	text[n] = '\0';
	reset(fx);
	assert_int_equal(load(fx, text, DW_CONFIG_KEY_MAY_BE_MISSING), -EINVAL);
	expect_diag(fx, 0, 3, "line longer than 198 characters");
	assert_int_equal(fx->diags.errors, 1);
	/* a file past 16 MiB is no configuration */
	free(text);
	text = malloc((16u << 20) + 2);
	assert_non_null(text);
	memset(text, '\n', (16u << 20) + 1);
	text[(16u << 20) + 1] = '\0';
	reset(fx);
	assert_int_equal(load(fx, text, 0), -EINVAL);
	expect_diag(fx, 0, 0, "larger than 16 MiB");
	free(text);
}

static void a_byte_order_mark_is_accepted(void **state)
{
	struct fixture *fx = *state;

	reset(fx);
	assert_int_equal(
	        load(fx, "\xef\xbb\xbf[agent]\nkey_file = key.txt\n", DW_CONFIG_KEY_MAY_BE_MISSING),
	        0);
	assert_int_equal(fx->diags.count, 0);
	assert_string_equal(fx->cfg->agent.key_file + strlen(fx->cfg->agent.key_file) - 7,
	                    "key.txt");
}

/* remediate: off by default, plan or apply; apply only for a tenant that may be written. */
static void remediate_is_off_plan_or_apply(void **state)
{
	struct fixture *fx = *state;
	static const char agent[] = "[agent]\nkey_file = key.txt\n";
	char text[1024];

	snprintf(text, sizeof(text),
	         "%s[tenant a]\ntenant_id = " TENANT_ID "\nclient_id = " CLIENT_ID
	         "\nsecret_file = contoso.age\nremediate = plan\n"
	         "[tenant b]\ntenant_id = " TENANT_ID "\nclient_id = " CLIENT_ID
	         "\nsecret_file = contoso.age\nremediate = apply\nread_only = false\n"
	         "[tenant c]\ntenant_id = " TENANT_ID "\nclient_id = " CLIENT_ID
	         "\nsecret_file = contoso.age\n",
	         agent);
	assert_int_equal(load(fx, text, 0), 0);
	assert_int_equal(dw_config_tenant(fx->cfg, "a")->remediate, DW_REMEDIATE_PLAN);
	assert_int_equal(dw_config_tenant(fx->cfg, "b")->remediate, DW_REMEDIATE_APPLY);
	assert_int_equal(dw_config_tenant(fx->cfg, "c")->remediate, DW_REMEDIATE_OFF);
	dw_config_free(fx->cfg);
	fx->cfg = NULL;
	dw_diags_release(&fx->diags);
	dw_diags_init(&fx->diags);

	snprintf(text, sizeof(text),
	         "%s[tenant a]\ntenant_id = " TENANT_ID "\nclient_id = " CLIENT_ID
	         "\nsecret_file = contoso.age\nremediate = always\n"
	         "[tenant b]\ntenant_id = " TENANT_ID "\nclient_id = " CLIENT_ID
	         "\nsecret_file = contoso.age\nremediate = apply\n",
	         agent);
	assert_int_equal(load(fx, text, 0), -EINVAL);
	assert_int_equal(fx->diags.errors, 2);
	expect_diag(fx, 0, 7, "remediate: 'always' is not one of off, plan, apply");
	expect_diag(fx, 1, 8, "remediate = apply needs read_only = false");
}

static void structure_problems_are_reported(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
	                      "stray = 1\n"
	                      "[agent]\n"
	                      "key_file = key.txt\n"
	                      "key_file = key.txt\n"
	                      "this line has no equals sign\n"
	                      "[agent]\n"
	                      "[weird]\n"
	                      "x = 1\n"
	                      "[tenant Bad_Name]\n"
	                      "[tenant ok]\n"
	                      "tenant_id = " TENANT_ID "\n"
	                      "[broken\n",
	                      0),
	                 -EINVAL);
	expect_diag(fx, 0, 1, "key 'stray' outside a section");
	expect_diag(fx, 1, 4, "duplicate key 'key_file' (first set at line 3)");
	expect_diag(fx, 2, 5, "expected 'name = value'");
	expect_diag(fx, 3, 6, "duplicate section [agent]");
	expect_diag(fx, 4, 7, "unknown section [weird]");
	expect_diag(fx, 5, 9, "bad tenant name 'Bad_Name'");
	/* the tenant's missing keys are reported at its header */
	expect_diag(fx, 6, 10, "missing required key 'client_id'");
	expect_diag(fx, 7, 10, "missing required key 'secret_file'");
	expect_diag(fx, 8, 12, "section header without ']'");
	assert_int_equal(fx->diags.errors, 9);
}

static void all_takes_no_other_collectors(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
	                      "[tenant a]\ntenant_id = " TENANT_ID "\nclient_id = " CLIENT_ID
	                      "\nsecret_file = contoso.age\ncollectors = all\n  namedLocations\n",
	                      DW_CONFIG_KEY_MAY_BE_MISSING),
	                 -EINVAL);
	expect_diag(fx, 0, 6, "'all' takes no other collector names");
}

static void long_lines_are_errors_not_truncations(void **state)
{
	struct fixture *fx = *state;
	char text[1024];
	char pad[400];

	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(text, sizeof(text), "[agent]\nkey_file = key.txt\nremote = %s\nconcurrency = 4\n",
	         pad);
	assert_int_equal(load(fx, text, 0), -EINVAL);
	assert_int_equal(fx->diags.errors, 1);
	expect_diag(fx, 0, 3, "line longer than");
}

/* A NUL byte must not split a line in two: every later line number would be off. */
static void nul_bytes_are_errors_on_their_own_line(void **state)
{
	struct fixture *fx = *state;
	static const char text[] = "[agent]\nremote = a\0b\nconcurrency = x\n";

	write_file(fx->path, "");
	{
		FILE *f = fopen(fx->path, "we");

		assert_non_null(f);
		assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
		fclose(f);
	}
	assert_int_equal(
	        dw_config_load(fx->path, DW_CONFIG_KEY_MAY_BE_MISSING, &fx->cfg, &fx->diags),
	        -EINVAL);
	expect_diag(fx, 0, 2, "NUL byte");
	expect_diag(fx, 1, 3, "'x' is not a number");
	assert_int_equal(fx->diags.errors, 2);
}

static void signatures_need_allowed_signers(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "[agent]\nkey_file = key.txt\nrequire_signed = true\n", 0),
	                 -EINVAL);
	expect_diag(fx, 0, 1, "require_signed = true needs allowed_signers");
}

static void missing_files_and_flags(void **state)
{
	struct fixture *fx = *state;
	static const char text[] = "[agent]\nkey_file = new-key.txt\n"
	                           "[tenant a]\ntenant_id = " TENANT_ID "\nclient_id = " CLIENT_ID
	                           "\nsecret_file = new.age\n";

	assert_int_equal(load(fx, text, 0), -EINVAL);
	expect_diag(fx, 0, 2, "key_file: cannot use");
	expect_diag(fx, 1, 6, "secret_file: cannot use");
	dw_diags_release(&fx->diags);
	assert_int_equal(
	        load(fx, text, DW_CONFIG_KEY_MAY_BE_MISSING | DW_CONFIG_SECRETS_MAY_BE_MISSING), 0);
	assert_int_equal(fx->diags.count, 0);
}

static void a_missing_config_file_is_reported(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(dw_config_load("/nonexistent/driftward.ini", 0, &fx->cfg, &fx->diags),
	                 -ENOENT);
	assert_int_equal(fx->diags.errors, 1);
	assert_non_null(strstr(fx->diags.items[0].msg, "could not open"));
}

static void credentials_directory_supplies_the_key(void **state)
{
	struct fixture *fx = *state;
	char p[160];

	snprintf(p, sizeof(p), "%s/driftward.key", fx->dir);
	write_file(p, "AGE-SECRET-KEY-1...\n");
	setenv("CREDENTIALS_DIRECTORY", fx->dir, 1);
	/* the credential replaces key_file, which then need not exist */
	assert_int_equal(load(fx, "[agent]\nkey_file = /nonexistent/key.txt\n", 0), 0);
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_string_equal(dw_config_key_file(fx->cfg), p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_valid_file_is_read_with_types_and_defaults, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(every_problem_is_reported_with_its_line, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(service_urls_are_parsed_not_pattern_matched, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(only_regular_files_are_read, setup, teardown),
		cmocka_unit_test_setup_teardown(a_huge_file_or_line_costs_no_memory, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(a_byte_order_mark_is_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(remediate_is_off_plan_or_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(values_are_checked_by_type, setup, teardown),
		cmocka_unit_test_setup_teardown(structure_problems_are_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(all_takes_no_other_collectors, setup, teardown),
		cmocka_unit_test_setup_teardown(long_lines_are_errors_not_truncations, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(nul_bytes_are_errors_on_their_own_line, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(signatures_need_allowed_signers, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_files_and_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_config_file_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(credentials_directory_supplies_the_key, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
