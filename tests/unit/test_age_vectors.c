/*
 * The C2SP CCTV age vectors (tests/vectors/age/vectors): every vector is
 * decrypted and must end in exactly its expected class (success, armor,
 * header, HMAC, payload failure, no match), and the plaintext released must
 * hash to the vector's payload hash, including the part released before a
 * payload failure. ML-KEM vectors need ML-KEM, which OpenSSL 3.0 lacks: they
 * are reported as skipped, by count, never as passed.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/age.h"
#include "driftward/buf.h"
#include "driftward/crypto.h"

#define EXPECTED_TOTAL 143
#define EXPECTED_MLKEM 19

struct vector {
	char name[256];
	char path[4096 + 256 + 2];
};

static char vector_dir[4096];
static size_t nmlkem, nrun;

static int expect_code(const char *expect)
{
	static const struct {
		const char *name;
		int code;
	} classes[] = {
		{ "success", 0 },
		{ "armor failure", -EILSEQ },
		{ "header failure", -EBADMSG },
		{ "no match", -ENOKEY },
		{ "HMAC failure", -EKEYREJECTED },
		{ "payload failure", -EPROTO },
	};
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(classes[i].name, expect) == 0)
			return classes[i].code;
	fail_msg("unknown expect value '%s'", expect);
	return 1;
}

static int sink(void *ctx, const void *buf, size_t len)
{
	return dw_buf_put(ctx, buf, len);
}

struct mem {
	const unsigned char *p;
	size_t len, pos;
};

/* Hands out the file in small uneven pieces, as a pipe would. */
static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	if (n > len)
		n = len;
	if (n > 7919)
		n = 7919;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static void hex(const unsigned char *in, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

struct parsed {
	char expect[64];
	char payload[80];
	int mlkem;
	struct dw_age_identities *ids;
	const unsigned char *body;
	size_t bodylen;
};

static void parse_header(char *text, struct parsed *p)
{
	char *line = text, *next, *val;
	struct dw_error err = { 0 };

	for (; *line; line = next) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		val = strstr(line, ": ");
		assert_non_null(val);
		*val = '\0';
		val += 2;
		if (strcmp(line, "expect") == 0)
			snprintf(p->expect, sizeof(p->expect), "%s", val);
		else if (strcmp(line, "payload") == 0)
			snprintf(p->payload, sizeof(p->payload), "%s", val);
		else if (strcmp(line, "identity") == 0 &&
		         strncmp(val, "AGE-SECRET-KEY-PQ-", 18) == 0)
			p->mlkem = 1;
		else if (strcmp(line, "identity") == 0)
			assert_int_equal(dw_age_identities_add(p->ids, val, &err), 0);
		else if (strcmp(line, "passphrase") == 0)
			assert_int_equal(dw_age_identities_add_passphrase(p->ids, val, strlen(val)),
			                 0);
	}
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	unsigned char *data;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
	data[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return data;
}

static void run_vector(void **state)
{
	const struct vector *v = *state;
	struct parsed p = { 0 };
	struct dw_buf out;
	struct dw_error err = { 0 };
	unsigned char *data, digest[32];
	char digest_hex[65], *sep;
	size_t len;
	int r, want;

	data = slurp(v->path, &len);
	sep = strstr((char *)data, "\n\n");
	assert_non_null(sep);
	p.body = (unsigned char *)sep + 2;
	p.bodylen = len - (size_t)(p.body - data);
	sep[1] = '\0';
	assert_int_equal(dw_age_identities_new(&p.ids), 0);
	parse_header((char *)data, &p);
	if (p.mlkem) {
		nmlkem++;
		dw_age_identities_free(p.ids);
		free(data);
		skip();
	}
	nrun++;
	want = expect_code(p.expect);
	dw_buf_init(&out, 64 * 1024 * 1024);
	{
		struct mem m = { p.body, p.bodylen, 0 };
		struct dw_age_source src = { mem_read, &m };
		struct dw_age_sink dst = { sink, &out };

		r = dw_age_decrypt(p.ids, &src, &dst, &err);
	}
	if (r != want)
		fail_msg("%s: expected %s, got %s (%d): %s", v->name, p.expect, dw_age_strerror(r),
		         r, err.msg);
	if (p.payload[0]) {
		assert_int_equal(dw_sha256(out.ptr ? out.ptr : "", out.len, digest), 0);
		hex(digest, sizeof(digest), digest_hex);
		if (strcmp(digest_hex, p.payload) != 0)
			fail_msg("%s: released plaintext (%zu bytes) hashes to %s, expected %s",
			         v->name, out.len, digest_hex, p.payload);
	}
	dw_buf_release(&out);
	dw_age_identities_free(p.ids);
	free(data);
}

/* Decompresses the vectors into the build directory (zlib only in the test helper). */
static void prepare(void)
{
	const char *src = getenv("DW_SOURCE_DIR"), *build = getenv("DW_BUILD_DIR");
	char cmd[16384];

	if (!src || !build) {
		fprintf(stderr, "DW_SOURCE_DIR and DW_BUILD_DIR must be set\n");
		exit(1);
	}
	snprintf(vector_dir, sizeof(vector_dir), "%s/age-vectors", build);
	snprintf(cmd, sizeof(cmd),
	         "python3 '%s/tests/unit/test_age_vectors.py' '%s/tests/vectors/age/vectors' '%s'",
	         src, src, vector_dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not prepare the vectors: %s\n", cmd);
		exit(1);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct vector *)a)->name, ((const struct vector *)b)->name);
}

static size_t list_vectors(struct vector **out)
{
	struct vector *v = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(vector_dir);

	if (!d) {
		fprintf(stderr, "%s: cannot open\n", vector_dir);
		exit(1);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp"))
			continue;
		v = realloc(v, (n + 1) * sizeof(*v));
		if (!v)
			exit(1);
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		snprintf(v[n].path, sizeof(v[n].path), "%s/%s", vector_dir, de->d_name);
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), by_name);
	*out = v;
	return n;
}

int main(void)
{
	struct CMUnitTest *tests;
	struct vector *v = NULL;
	size_t n, i;
	int failed;

	prepare();
	n = list_vectors(&v);
	tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < n; i++) {
		tests[i].name = v[i].name;
		tests[i].test_func = run_vector;
		tests[i].initial_state = &v[i];
	}
	failed = _cmocka_run_group_tests("age_vectors", tests, n, NULL, NULL);
	printf("CCTV age vectors: %zu total, %zu run, %zu skipped (ML-KEM, unsupported by OpenSSL "
	       "3.0)\n",
	       n, nrun, nmlkem);
	if (n != EXPECTED_TOTAL || nmlkem != EXPECTED_MLKEM) {
		printf("expected %d vectors of which %d ML-KEM\n", EXPECTED_TOTAL, EXPECTED_MLKEM);
		failed++;
	}
	free(tests);
	free(v);
	return failed ? 1 : 0;
}
