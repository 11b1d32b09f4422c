/*
 * Runs a fuzz target over saved inputs without libFuzzer: every file named
 * on the command line, and every file in every directory named, is passed to
 * LLVMFuzzerTestOneInput once. A crash or an abort() in the target fails the
 * run; so does finding no input at all (a corpus that went missing).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "re");
	unsigned char *data = NULL;
	size_t len = 0, n;
	char chunk[65536];

	if (!f) {
		fprintf(stderr, "replay: could not open '%s'\n", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		unsigned char *p = realloc(data, len + n);

		if (!p) {
			free(data);
			fclose(f);
			return -1;
		}
		data = p;
		memcpy(data + len, chunk, n);
		len += n;
	}
	fclose(f);
	/* an exact-size copy, so ASan sees any read past the end */
	LLVMFuzzerTestOneInput(data ? data : (const uint8_t *)"", len);
	free(data);
	return 0;
}

static int run_dir(const char *dir, long *count)
{
	struct dirent **names;
	char path[4096];
	int n, i, r = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: could not read '%s'\n", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (r == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			r = run_file(path);
			++*count;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	long count = 0;
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) < 0)
				return 1;
		} else if (run_file(argv[i]) < 0) {
			return 1;
		} else {
			count++;
		}
	}
	if (count == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	printf("replay: %ld inputs ok\n", count);
	return 0;
}
