/*
 * The metrics writer: the exposition text, its escapes, the atomic
 * replacement of the file (a run killed while writing leaves the previous
 * file whole), and the times read back from the previous file.
 *
 * "test_metrics --write-sample FILE" writes the sample run's file and exits:
 * tests/metrics checks it with a strict parser of the format.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/metrics.h"

static const struct dw_metrics_collector contoso_collectors[] = {
	{ "conditionalAccessPolicies", "ok", true, 12 },
	{ "namedLocations", "failed", false, 3 },
};

/* A collector name no catalog allows, to exercise every escape of a label value. */
static const struct dw_metrics_collector odd_collectors[] = {
	{ "a\"quote\\back\nline", "partial", false, 0 },
};

static struct dw_metrics_tenant sample_tenants[] = {
	{
	        .name = "contoso",
	        .result = DW_METRICS_INCOMPLETE,
	        .last_run = 1764750000.25,
	        .last_success = 1764750000.25,
	        .added = 2,
	        .changed = 1,
	        .collectors = contoso_collectors,
	        .ncollectors = 2,
	        .push = DW_METRICS_PUSH_OK,
	        .remediate_mode = "apply",
	        .remediate_result = DW_METRICS_REMEDIATE_FAILED,
	        .remediate_requests = 3,
	        .remediate_applied = 2,
	        .remediate_failed = 1,
	},
	{
	        .name = "fabrikam",
	        .result = DW_METRICS_ERROR,
	        .last_run = 1764750001,
	        .last_success = 1764000000,
	        .collectors = odd_collectors,
	        .ncollectors = 1,
	        .drift_evaluated = true,
	        .push = DW_METRICS_PUSH_FAILED,
	        .remediate_mode = "plan",
	        .remediate_result = DW_METRICS_REMEDIATE_PLANNED,
	        .remediate_requests = 5,
	},
};

static const struct dw_metrics_notify sample_channels[] = {
	{ "ops", 4, 1, 2 },
	{ "teams", 0, 0, 0 },
};

static struct dw_metrics_run sample_run(void)
{
	struct dw_metrics_run run = {
		.start = 1764750000.25,
		.duration = 12.5,
		.requests = 140,
		.throttled = 3,
		.retries = 4,
		.retry_wait = 7.25,
		.have_classes = true,
		.by_class = { 130, 0, 2, 3, 5 },
		.tenants = sample_tenants,
		.ntenants = 2,
		.notify = sample_channels,
		.nnotify = 2,
	};

	sample_tenants[1].findings[DW_METRICS_HIGH][DW_METRICS_FAIL] = 7;
	return run;
}

static char *format_sample(void)
{
	struct dw_metrics_run run = sample_run();
	struct dw_buf b;

	dw_buf_init(&b, 1 << 20);
	assert_int_equal(dw_metrics_format(&run, &b), 0);
	return dw_buf_detach(&b, NULL);
}

static void has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	for (; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("no line '%s' in:\n%s", line, text);
}

static void test_format_samples(void **state)
{
	char *text = format_sample();

	(void)state;
	has_line(text, "# HELP driftward_run_duration_seconds How long the last run took, in "
	               "seconds.");
	has_line(text, "# TYPE driftward_run_duration_seconds gauge");
	has_line(text, "driftward_run_duration_seconds 12.5");
	has_line(text, "driftward_run_graph_retry_wait_seconds 7.25");
	has_line(text, "driftward_run_start_timestamp_seconds 1764750000.25");
	has_line(text, "driftward_run_graph_answers{class=\"5xx\"} 3");
	has_line(text, "driftward_run_graph_answers{class=\"none\"} 5");
	has_line(text, "driftward_run_graph_throttled_requests 3");
	has_line(text, "driftward_tenant_last_success_timestamp_seconds{tenant=\"fabrikam\"} "
	               "1764000000");
	has_line(text, "driftward_tenant_result{tenant=\"contoso\",result=\"incomplete\"} 1");
	has_line(text, "driftward_tenant_result{tenant=\"contoso\",result=\"ok\"} 0");
	has_line(text, "driftward_tenant_objects_changed{tenant=\"contoso\",change=\"added\"} 2");
	has_line(text,
	         "driftward_collector_objects{tenant=\"contoso\",collector=\"namedLocations\"} "
	         "3");
	has_line(text,
	         "driftward_collector_complete{tenant=\"contoso\",collector=\"namedLocations\","
	         "status=\"failed\"} 0");
	has_line(text, "driftward_drift_findings{tenant=\"fabrikam\",severity=\"high\","
	               "status=\"fail\"} 7");
	has_line(text, "driftward_drift_evaluated{tenant=\"contoso\"} 0");
	has_line(text, "driftward_push_result{tenant=\"fabrikam\",result=\"failed\"} 1");
	free(text);
}

/* What remediation did, per tenant and mode; notifications, per channel. */
static void test_format_remediation_notify(void **state)
{
	char *text = format_sample();

	(void)state;
	has_line(text, "# HELP driftward_remediate_result What remediation (remediate = plan or "
	               "apply) did for the tenant in the last run: 1 for its result.");
	has_line(text, "# TYPE driftward_remediate_result gauge");
	has_line(text, "driftward_remediate_result{tenant=\"contoso\",mode=\"apply\","
	               "result=\"failed\"} 1");
	has_line(text, "driftward_remediate_result{tenant=\"contoso\",mode=\"apply\","
	               "result=\"applied\"} 0");
	has_line(text, "driftward_remediate_result{tenant=\"fabrikam\",mode=\"plan\","
	               "result=\"planned\"} 1");
	has_line(text, "driftward_remediate_requests{tenant=\"fabrikam\",mode=\"plan\"} 5");
	has_line(text, "driftward_remediate_writes{tenant=\"contoso\",status=\"applied\"} 2");
	has_line(text, "driftward_remediate_writes{tenant=\"contoso\",status=\"failed\"} 1");
	has_line(text, "# TYPE driftward_notify_sent gauge");
	has_line(text, "# HELP driftward_notify_failed Notifications the channel gave up on in the "
	               "last run (the next run tries them again).");
	has_line(text, "driftward_notify_sent{channel=\"ops\"} 4");
	has_line(text, "driftward_notify_failed{channel=\"ops\"} 1");
	has_line(text, "driftward_notify_retries{channel=\"ops\"} 2");
	has_line(text, "driftward_notify_sent{channel=\"teams\"} 0");
	free(text);
}

/* Without remediate = plan | apply or a [notify] channel, their families are left out. */
static void test_format_without_remediation_notify(void **state)
{
	struct dw_metrics_tenant plain[2];
	struct dw_metrics_run run = sample_run();
	struct dw_buf b;

	(void)state;
	memcpy(plain, sample_tenants, sizeof(plain));
	plain[0].remediate_mode = plain[1].remediate_mode = NULL;
	run.tenants = plain;
	run.nnotify = 0;
	dw_buf_init(&b, 1 << 20);
	assert_int_equal(dw_metrics_format(&run, &b), 0);
	assert_null(strstr(dw_buf_cstr(&b), "driftward_remediate_"));
	assert_null(strstr(dw_buf_cstr(&b), "driftward_notify_"));
	assert_non_null(strstr(dw_buf_cstr(&b), "driftward_push_result"));
	dw_buf_release(&b);
}

static void test_format_escapes(void **state)
{
	char *text = format_sample();

	(void)state;
	has_line(text, "driftward_collector_objects{tenant=\"fabrikam\","
	               "collector=\"a\\\"quote\\\\back\\nline\"} 0");
	free(text);
}

/* Families are never split: each HELP line's family has all its samples after it. */
static void test_format_families_whole(void **state)
{
	char *text = format_sample(), *line, *save = NULL;
	char current[128] = "";

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			snprintf(current, sizeof(current), "%.*s", (int)strcspn(line + 7, " "),
			         line + 7);
		} else if (line[0] != '#') {
			size_t n = strcspn(line, "{ ");

			assert_int_equal(n, strlen(current));
			assert_memory_equal(line, current, n);
		}
	}
	free(text);
}

static void test_http_class(void **state)
{
	(void)state;
	assert_int_equal(dw_metrics_http_class(200), DW_METRICS_HTTP_2XX);
	assert_int_equal(dw_metrics_http_class(204), DW_METRICS_HTTP_2XX);
	assert_int_equal(dw_metrics_http_class(302), DW_METRICS_HTTP_3XX);
	assert_int_equal(dw_metrics_http_class(429), DW_METRICS_HTTP_4XX);
	assert_int_equal(dw_metrics_http_class(503), DW_METRICS_HTTP_5XX);
	assert_int_equal(dw_metrics_http_class(0), DW_METRICS_HTTP_NONE);
}

struct dir_fixture {
	char dir[64];
	char path[128];
};

static int dir_setup(void **state)
{
	struct dir_fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/dw-metrics-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/driftward.prom", fx->dir);
	*state = fx;
	return 0;
}

static int dir_teardown(void **state)
{
	struct dir_fixture *fx = *state;
	struct dirent *e;
	char path[512];
	DIR *d = opendir(fx->dir);

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, e->d_name);
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static char *slurp(const char *path)
{
	struct dw_buf b;

	dw_buf_init(&b, 1u << 28); /* test_write_many's file is about 30 MiB */
	if (dw_buf_read_file(&b, path, NULL) < 0)
		return NULL;
	return b.ptr ? dw_buf_detach(&b, NULL) : strdup("");
}

/* Names in @dir other than "." and "..", one a line. */
static void list_dir(const char *dir, char *out, size_t outlen)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t len = 0;

	out[0] = '\0';
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			len += (size_t)snprintf(out + len, outlen - len, "%s\n", e->d_name);
	closedir(d);
}

static void test_write_file(void **state)
{
	struct dir_fixture *fx = *state;
	struct dw_metrics_run run = sample_run();
	char *text, *expected = format_sample(), names[256];
	struct stat st;

	assert_int_equal(dw_metrics_write(fx->dir, "driftward", &run, NULL), 0);
	text = slurp(fx->path);
	assert_non_null(text);
	assert_string_equal(text, expected);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	list_dir(fx->dir, names, sizeof(names));
	assert_string_equal(names, "driftward.prom\n");
	free(text);
	free(expected);
}

/*
 * A run over many tenants: made one tenant at a time (tenant_at), written a
 * piece at a time. The file is the text dw_metrics_format makes of the same
 * tenants in an array, and it is larger than the writer ever holds at once
 * (16 MiB), so a writer that formatted the whole file first would fail.
 */
#define MANY_TENANTS 10000

static const struct dw_metrics_collector many_collectors[] = {
	{ "conditionalAccessPolicies", "ok", true, 12 },
	{ "namedLocations", "failed", false, 3 },
	{ "deviceCompliancePolicies", "ok", true, 40 },
	{ "authenticationMethodsPolicy", "unlicensed", false, 0 },
};

static void many_tenant(size_t i, char *name, size_t namelen, struct dw_metrics_tenant *out)
{
	snprintf(name, namelen, "tenant-with-a-long-name-%05zu", i);
	*out = (struct dw_metrics_tenant){
		.name = name,
		.result = (enum dw_metrics_result)(i % DW_METRICS_RESULTS),
		.last_run = 1764750000.25 + (double)i,
		.last_success = 1764000000,
		.added = i,
		.changed = i % 7,
		.collectors = many_collectors,
		.ncollectors = 1 + i % DW_ARRAY_SIZE(many_collectors),
		.drift_evaluated = i % 2,
		.push = (enum dw_metrics_push)(i % DW_METRICS_PUSHES),
	};
	out->findings[i % DW_METRICS_SEVERITIES][i % DW_METRICS_FINDINGS] = i;
}

static char many_name[64];

static void many_tenant_at(const struct dw_metrics_run *run, size_t i,
                           struct dw_metrics_tenant *out)
{
	assert_ptr_equal(run->arg, many_name);
	many_tenant(i, many_name, sizeof(many_name), out);
}

static void test_write_many(void **state)
{
	struct dir_fixture *fx = *state;
	struct dw_metrics_run run = sample_run();
	struct dw_metrics_tenant *tenants = calloc(MANY_TENANTS, sizeof(*tenants));
	char(*names)[64] = calloc(MANY_TENANTS, sizeof(*names));
	char *text;
	struct dw_buf expected;
	size_t i;

	assert_non_null(tenants);
	assert_non_null(names);
	for (i = 0; i < MANY_TENANTS; i++)
		many_tenant(i, names[i], sizeof(names[i]), &tenants[i]);
	run.tenants = tenants;
	run.ntenants = MANY_TENANTS;
	dw_buf_init(&expected, 256u << 20);
	assert_int_equal(dw_metrics_format(&run, &expected), 0);
	assert_true(expected.len > 16u << 20);

	run.tenants = NULL;
	run.tenant_at = many_tenant_at;
	run.arg = many_name;
	assert_int_equal(dw_metrics_write(fx->dir, "driftward", &run, NULL), 0);
	text = slurp(fx->path);
	assert_non_null(text);
	assert_int_equal(strlen(text), expected.len);
	assert_true(strcmp(text, dw_buf_cstr(&expected)) == 0);
	free(text);
	dw_buf_release(&expected);
	free(names);
	free(tenants);
}

static void test_write_bad_name(void **state)
{
	struct dir_fixture *fx = *state;
	struct dw_metrics_run run = sample_run();
	struct dw_error err;
	char names[256];

	dw_error_clear(&err);
	assert_int_equal(dw_metrics_write(fx->dir, "../escape", &run, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'../escape' is not a metrics file name"));
	assert_int_equal(dw_metrics_write(fx->dir, ".hidden", &run, NULL), -EINVAL);
	assert_int_equal(dw_metrics_write(fx->dir, "", &run, NULL), -EINVAL);
	list_dir(fx->dir, names, sizeof(names));
	assert_string_equal(names, "");
}

static void test_write_missing_dir(void **state)
{
	struct dir_fixture *fx = *state;
	struct dw_metrics_run run = sample_run();
	struct dw_error err;
	char dir[160];

	snprintf(dir, sizeof(dir), "%s/nowhere", fx->dir);
	dw_error_clear(&err);
	assert_int_equal(dw_metrics_write(dir, "driftward", &run, &err), -ENOENT);
	assert_non_null(strstr(err.file, "/nowhere/driftward.prom"));
	assert_non_null(strstr(err.msg, "could not write the metrics"));
}

/*
 * A run killed in the middle of writing (here by SIGXFSZ, once the file
 * passes RLIMIT_FSIZE, which binds root too) leaves the previous file as it
 * was; what it leaves besides does not end in ".prom".
 */
static void test_write_killed(void **state)
{
	struct dir_fixture *fx = *state;
	struct dw_metrics_run run = sample_run();
	const char previous[] = "# HELP old Old.\n# TYPE old gauge\nold 1\n";
	char *text, names[256], *name, *save = NULL;
	int status;
	pid_t pid;
	FILE *f = fopen(fx->path, "we");

	assert_non_null(f);
	fputs(previous, f);
	fclose(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit lim = { 256, 256 };

		signal(SIGXFSZ, SIG_DFL);
		setrlimit(RLIMIT_FSIZE, &lim);
		dw_metrics_write(fx->dir, "driftward", &run, NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
	text = slurp(fx->path);
	assert_non_null(text);
	assert_string_equal(text, previous);
	list_dir(fx->dir, names, sizeof(names));
	for (name = strtok_r(names, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(name);

		if (strcmp(name, "driftward.prom") != 0)
			assert_false(n >= 5 && strcmp(name + n - 5, ".prom") == 0);
	}
	free(text);
}

/* A tenant that failed keeps its last success; one skipped also its last run. */
static void test_carry_over(void **state)
{
	struct dir_fixture *fx = *state;
	struct dw_metrics_run run = sample_run();
	struct dw_metrics_tenant now[] = {
		{ .name = "contoso", .result = DW_METRICS_SKIPPED },
		{ .name = "fabrikam-eu",
		  .result = DW_METRICS_SKIPPED }, /* fabrikam is its prefix */
		{ .name = "fabrikam", .result = DW_METRICS_ERROR, .last_run = 1764800000 },
		{ .name = "contos", .result = DW_METRICS_SKIPPED },  /* a prefix of contoso */
		{ .name = "northwind", .result = DW_METRICS_ERROR }, /* not in the file */
	};

	assert_int_equal(dw_metrics_carry_over(fx->dir, "driftward", now, 5), 0);
	assert_true(now[0].last_run == 0 && now[0].last_success == 0); /* no file yet */
	assert_int_equal(dw_metrics_write(fx->dir, "driftward", &run, NULL), 0);
	assert_int_equal(dw_metrics_carry_over(fx->dir, "driftward", now, 5), 0);
	assert_true(now[0].last_run == 1764750000.25 && now[0].last_success == 1764750000.25);
	assert_true(now[1].last_run == 0 && now[1].last_success == 0);
	assert_true(now[2].last_run == 1764800000);
	assert_true(now[2].last_success == 1764000000);
	assert_true(now[3].last_run == 0 && now[3].last_success == 0);
	assert_true(now[4].last_run == 0 && now[4].last_success == 0);
	/* a tenant that was done keeps this run's times */
	now[0] = (struct dw_metrics_tenant){ .name = "contoso",
		                             .result = DW_METRICS_OK,
		                             .last_run = 1764800000,
		                             .last_success = 1764800000 };
	assert_int_equal(dw_metrics_carry_over(fx->dir, "driftward", now, 1), 0);
	assert_true(now[0].last_run == 1764800000 && now[0].last_success == 1764800000);
}

static int write_sample(const char *path)
{
	char *text = format_sample();
	FILE *f = fopen(path, "we");
	int r = 1;

	if (f && fputs(text, f) >= 0)
		r = 0;
	if (f && fclose(f) != 0)
		r = 1;
	free(text);
	return r;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_samples),
		cmocka_unit_test(test_format_remediation_notify),
		cmocka_unit_test(test_format_without_remediation_notify),
		cmocka_unit_test(test_format_escapes),
		cmocka_unit_test(test_format_families_whole),
		cmocka_unit_test(test_http_class),
		cmocka_unit_test_setup_teardown(test_write_file, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_write_many, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_write_bad_name, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_write_missing_dir, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_write_killed, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_carry_over, dir_setup, dir_teardown),
	};

	if (argc == 3 && strcmp(argv[1], "--write-sample") == 0)
		return write_sample(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
