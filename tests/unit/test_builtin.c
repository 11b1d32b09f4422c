/*
 * The files compiled into driftward are exactly config/collectors.yaml and
 * every file under baselines/ (dot files aside), byte for byte as they are in
 * the source tree now: a build that did not regenerate them fails here.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "driftward/builtin.h"

static const char *source_dir(void)
{
	const char *src = getenv("DW_SOURCE_DIR");

	return src ? src : ".";
}

/* Asserts that built-in file @rel holds the bytes of the source tree's file. */
static void same_as_source(const char *rel)
{
	const struct dw_builtin_file *f = dw_builtin_find(rel);
	char path[PATH_MAX];
	unsigned char *data;
	FILE *fp;
	long n;

	if (!f)
		fail_msg("%s is not built in", rel);
	snprintf(path, sizeof(path), "%s/%s", source_dir(), rel);
	fp = fopen(path, "rbe");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	if (f->len != (size_t)n || memcmp(f->data, data, (size_t)n) != 0)
		fail_msg("built-in %s differs from the source tree's (%zu bytes, file %ld)", rel,
		         f->len, n);
	assert_int_equal(f->data[f->len], '\0');
	free(data);
}

/* Checks every regular file under @rel (a directory); returns how many. */
static size_t check_tree(const char *rel)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", source_dir(), rel);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		assert_true(snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name) <
		            (int)sizeof(sub));
		assert_true(snprintf(path, sizeof(path), "%s/%s", source_dir(), sub) <
		            (int)sizeof(path));
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			n += check_tree(sub);
		} else {
			same_as_source(sub);
			n++;
		}
	}
	closedir(d);
	return n;
}

static void builtin_files_are_the_source_trees(void **state)
{
	size_t count, i, baselines;
	const struct dw_builtin_file *files = dw_builtin_files(&count);

	(void)state;
	same_as_source(DW_BUILTIN_CATALOG);
	baselines = check_tree("baselines");
	assert_true(baselines >= 1);
	/* nothing else: the catalog and the baselines, each once */
	assert_int_equal(count, baselines + 1);
	for (i = 1; i < count; i++)
		assert_true(strcmp(files[i - 1].path, files[i].path) < 0);
}

static void unknown_paths_are_not_found(void **state)
{
	(void)state;
	assert_null(dw_builtin_find("config/driftward.ini"));
	assert_null(dw_builtin_find("baselines"));
	assert_null(dw_builtin_find(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_files_are_the_source_trees),
		cmocka_unit_test(unknown_paths_are_not_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
