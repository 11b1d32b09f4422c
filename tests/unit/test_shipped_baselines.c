/*
 * The shipped baselines (baselines/, with their variables in baselines/_vars.yaml), judged by test
 * tenants written as data: tests/baselines/<rule id>.json holds a base
 * snapshot and cases, each a JSON merge patch (RFC 7396) of it with the
 * status the rule must give ("objects" replaces a base object whole, where a
 * JSON null must be a value, not a removal). Every shipped rule must have a case that
 * passes and one that fails, and every case file must name a shipped rule.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "baseline/internal.h"
#include "driftward/baseline.h"

static struct dw_bl_files *shipped;
static char source_dir[1024];

static void add_file(struct dw_bl_files *files, const char *rel, const char *path)
{
	struct dw_buf b;

	dw_buf_init(&b, 1u << 20);
	if (dw_buf_read_file(&b, path, NULL) < 0)
		fail_msg("could not read %s", path);
	assert_int_equal(dw_bl_files_add(files, rel, dw_buf_cstr(&b), b.len), 0);
	dw_buf_release(&b);
}

static int add_baseline(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (type == FTW_F && n > 5 && strcmp(path + n - 5, ".yaml") == 0)
		add_file(shipped, path + strlen(source_dir) + 1, path);
	return 0;
}

static int load_shipped(void **state)
{
	const char *dir = getenv("DW_SOURCE_DIR");
	char path[1200];

	(void)state;
	snprintf(source_dir, sizeof(source_dir), "%s", dir ? dir : "..");
	shipped = dw_bl_files_new();
	snprintf(path, sizeof(path), "%s/baselines", source_dir);
	if (nftw(path, add_baseline, 16, FTW_PHYS) != 0)
		return -1;
	return 0;
}

static int free_shipped(void **state)
{
	(void)state;
	dw_bl_files_free(shipped);
	return 0;
}

/* Every shipped rule compiles, for the defaults. */
static void test_shipped_compile(void **state)
{
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	char msg[1024];
	size_t i;

	(void)state;
	dw_diags_init(&d);
	if (dw_baseline_lint(shipped, &d) < 0) {
		for (i = 0; i < d.count; i++)
			print_error("%s\n", dw_diag_format(&d.items[i], msg, sizeof(msg)));
		fail_msg("the shipped baselines have problems");
	}
	assert_int_equal(dw_baseline_compile(shipped, NULL, &bl, &d), 0);
	assert_true(dw_baseline_count(bl) >= 50); /* issue 11: at least 50 shipped rules */
	dw_baseline_free(bl);
	dw_diags_release(&d);
}

/* Merge patch @patch into the value at @pointer of @doc (RFC 7396). */
static void merge(struct dw_json_doc *doc, const char *pointer, const struct dw_json *patch)
{
	struct dw_json *target = NULL;
	const char *key;
	char child[2048];
	size_t i;

	if (dw_json_type(patch) != DW_JSON_OBJECT ||
	    dw_json_pointer_get(dw_json_root(doc), pointer, &target, NULL) < 0 ||
	    dw_json_type(target) != DW_JSON_OBJECT) {
		assert_int_equal(dw_json_pointer_set(doc, pointer, dw_json_clone(doc, patch), NULL),
		                 0);
		return;
	}
	for (i = 0; i < dw_json_count(patch); i++) {
		const struct dw_json *v = dw_json_member(patch, i, &key, NULL);

		assert_null(strpbrk(key, "/~")); /* test data keeps keys plain */
		snprintf(child, sizeof(child), "%s/%s", pointer, key);
		if (dw_json_type(v) == DW_JSON_NULL)
			(void)dw_json_pointer_remove(doc, child, NULL);
		else
			merge(doc, child, v);
	}
}

/* One file's object: the base (may be NULL) with @patch merged, written compact into @out. */
static void patched(const struct dw_json *base, const struct dw_json *patch, struct dw_buf *out)
{
	struct dw_json_doc *doc = dw_json_doc_new();

	assert_int_equal(dw_json_set_root(doc, dw_json_clone(doc, base ? base : patch)), 0);
	if (base && patch)
		merge(doc, "", patch);
	dw_buf_reset(out);
	assert_int_equal(dw_json_write(dw_json_root(doc), DW_JSON_COMPACT, out, NULL), 0);
	dw_json_doc_free(doc);
}

static void add_status(struct dw_bl_snapshot *snap, const struct dw_json *file,
                       const struct dw_json *c)
{
	const struct dw_json *over = dw_json_get(c, "status"), *base = dw_json_get(file, "status");
	struct dw_buf b;
	const char *key;
	size_t i;
	int r;

	dw_buf_init(&b, 1u << 16);
	r = dw_buf_puts(
	        &b, "{\"schema\":\"driftward/status/v1\",\"tenant\":\"contoso\",\"collectors\":{");
	for (i = 0; r == 0 && i < dw_json_count(base); i++) {
		const struct dw_json *v = dw_json_member(base, i, &key, NULL);

		if (dw_json_get(over, key))
			v = dw_json_get(over, key);
		r = dw_buf_printf(&b, "%s\"%s\":{\"status\":\"%s\",\"objects\":0}", i ? "," : "",
		                  key, dw_json_cstr(v));
	}
	r = r ?: dw_buf_puts(&b, "}}");
	assert_int_equal(r, 0);
	assert_int_equal(dw_bl_snapshot_add(snap, "_status.json", b.ptr, b.len, NULL), 0);
	dw_buf_release(&b);
}

/* The snapshot of case @c of case file @file. */
static struct dw_bl_snapshot *case_snapshot(const struct dw_json *file, const struct dw_json *c)
{
	const struct dw_json *base = dw_json_get(file, "base"), *patch = dw_json_get(c, "patch");
	struct dw_bl_snapshot *snap = dw_bl_snapshot_new();
	struct dw_buf b;
	const char *key;
	size_t i;

	dw_buf_init(&b, 1u << 20);
	add_status(snap, file, c);
	for (i = 0; i < dw_json_count(base); i++) {
		const struct dw_json *o = dw_json_member(base, i, &key, NULL);
		const struct dw_json *p = dw_json_get(patch, key);

		/* "objects" replaces a base object whole: JSON null is a value there */
		if (dw_json_get(dw_json_get(c, "objects"), key)) {
			o = dw_json_get(dw_json_get(c, "objects"), key);
			p = NULL;
		}

		if (p && dw_json_type(p) == DW_JSON_NULL)
			continue; /* the case removes this object */
		patched(o, p, &b);
		assert_int_equal(dw_bl_snapshot_add(snap, key, b.ptr, b.len, NULL), 0);
	}
	for (i = 0; i < dw_json_count(patch); i++) {
		const struct dw_json *p = dw_json_member(patch, i, &key, NULL);

		if (dw_json_get(base, key) || dw_json_type(p) == DW_JSON_NULL)
			continue;
		patched(NULL, p, &b); /* a new object */
		assert_int_equal(dw_bl_snapshot_add(snap, key, b.ptr, b.len, NULL), 0);
	}
	dw_buf_release(&b);
	return snap;
}

/* The status @rule gets: fail when any of its findings fails, else its first finding's. */
static const char *rule_status(const struct dw_drift *d, const char *rule)
{
	const char *st = NULL;
	size_t i;

	for (i = 0; i < dw_json_count(d->findings); i++) {
		const struct dw_json *f = dw_json_at(d->findings, i);
		const char *s = dw_json_cstr(dw_json_get(f, "status"));

		if (strcmp(dw_json_cstr(dw_json_get(f, "rule")), rule) != 0)
			continue;
		if (!st || !strcmp(s, "fail"))
			st = s;
	}
	return st ? st : "(no finding)";
}

/* Runs case @c; returns its want. */
static const char *run_case(const char *rule, const struct dw_json *file, const struct dw_json *c)
{
	struct dw_drift_context ctx = { "contoso", 1800000000, "refs/heads/main", "shipped" };
	const struct dw_json *vars = dw_json_get(c, "vars");
	const char *want = dw_json_cstr(dw_json_get(c, "want"));
	struct dw_bl_files *files = dw_bl_files_new();
	struct dw_bl_snapshot *snap = case_snapshot(file, c);
	struct dw_baseline *bl = NULL;
	struct dw_drift *d = NULL;
	struct dw_diags diags;
	struct dw_buf b;
	size_t i;

	dw_diags_init(&diags);
	for (i = 0; i < shipped->count; i++)
		assert_int_equal(dw_bl_files_add(files, shipped->items[i].path,
		                                 shipped->items[i].data, shipped->items[i].len),
		                 0);
	if (vars) {
		/* JSON is YAML: the case's variables are vars/contoso.yaml */
		dw_buf_init(&b, 1u << 16);
		assert_int_equal(dw_json_write(vars, DW_JSON_COMPACT, &b, NULL), 0);
		assert_int_equal(dw_bl_files_add(files, "vars/contoso.yaml", b.ptr, b.len), 0);
		dw_buf_release(&b);
	}
	assert_int_equal(dw_baseline_compile(files, "contoso", &bl, &diags), 0);
	assert_int_equal(dw_drift_evaluate(bl, NULL, snap, &ctx, &d, NULL), 0);
	if (strcmp(rule_status(d, rule), want) != 0)
		fail_msg("%s, case '%s': expected %s, got %s", rule,
		         dw_json_cstr(dw_json_get(c, "name")), want, rule_status(d, rule));
	dw_drift_free(d);
	dw_baseline_free(bl);
	dw_bl_snapshot_free(snap);
	dw_bl_files_free(files);
	dw_diags_release(&diags);
	return want;
}

static bool rule_shipped(const char *rule)
{
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	bool found = false;
	size_t i;

	dw_diags_init(&d);
	assert_int_equal(dw_baseline_compile(shipped, NULL, &bl, &d), 0);
	for (i = 0; i < bl->nrules && !found; i++)
		found = !strcmp(bl->rules[i].id, rule);
	dw_baseline_free(bl);
	dw_diags_release(&d);
	return found;
}

/* One case file: every case, and at least one pass and one fail among them. */
static void run_file(const char *path, const char *expect_rule)
{
	struct dw_json_doc *doc = NULL;
	const struct dw_json *root, *cases;
	struct dw_error err;
	struct dw_buf b;
	const char *rule, *want;
	int pass = 0, fail = 0;
	size_t i;

	dw_error_clear(&err);
	dw_buf_init(&b, 1u << 22);
	assert_int_equal(dw_buf_read_file(&b, path, NULL), 0);
	if (dw_json_parse(b.ptr, b.len, path, &doc, &err) < 0)
		fail_msg("%s:%u:%u: %s", path, err.line, err.col, err.msg);
	root = dw_json_root(doc);
	rule = dw_json_cstr(dw_json_get(root, "rule"));
	assert_non_null(rule);
	assert_string_equal(rule, expect_rule);
	if (!rule_shipped(rule))
		fail_msg("%s: no shipped rule '%s'", path, rule);
	cases = dw_json_get(root, "cases");
	for (i = 0; i < dw_json_count(cases); i++) {
		want = run_case(rule, root, dw_json_at(cases, i));
		pass += !strcmp(want, "pass");
		fail += !strcmp(want, "fail");
	}
	if (!pass || !fail)
		fail_msg("%s: needs a passing and a failing case", path);
	dw_json_doc_free(doc);
	dw_buf_release(&b);
}

/* Every shipped rule has its case file, and every case file runs. */
static void test_shipped_cases(void **state)
{
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	char path[2048];
	size_t i;

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_baseline_compile(shipped, NULL, &bl, &d), 0);
	for (i = 0; i < bl->nrules; i++) {
		snprintf(path, sizeof(path), "%s/tests/baselines/%s.json", source_dir,
		         bl->rules[i].id);
		run_file(path, bl->rules[i].id);
	}
	dw_baseline_free(bl);
	dw_diags_release(&d);
}

/* No case file for a rule that is not shipped (a renamed rule would leave its cases unrun). */
static void test_no_stray_cases(void **state)
{
	char path[1200], id[256];
	struct dirent *e;
	DIR *dir;
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/baselines", source_dir);
	assert_non_null(dir = opendir(path));
	while ((e = readdir(dir))) {
		n = strlen(e->d_name);
		if (n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0 || n - 5 >= sizeof(id))
			continue;
		memcpy(id, e->d_name, n - 5);
		id[n - 5] = '\0';
		if (!rule_shipped(id))
			fail_msg("tests/baselines/%s: no shipped rule '%s'", e->d_name, id);
	}
	closedir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_compile),
		cmocka_unit_test(test_shipped_cases),
		cmocka_unit_test(test_no_stray_cases),
	};

	return cmocka_run_group_tests(tests, load_shipped, free_shipped);
}
