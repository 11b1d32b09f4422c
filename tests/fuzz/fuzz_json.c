/*
 * Fuzz target for the JSON reader and the canonical writer. For any input:
 * the reader either refuses it with a line:col error, or the canonical forms
 * obey their contract, else abort():
 *   - the pretty form minus whitespace outside strings is the compact form;
 *   - both forms read back, and give the same compact bytes (idempotence);
 *   - the value read back compares equal to the original;
 *   - normalising with a profile, then canonicalising, is stable too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json: %s\n", what);
		abort();
	}
}

static void write_to(const struct dw_json *v, unsigned flags, struct dw_buf *out)
{
	dw_buf_init(out, (size_t)1 << 30);
	check(dw_json_write(v, flags, out, NULL) == 0, "the writer failed");
	check(out->ptr != NULL, "the writer wrote nothing");
}

/* Removes whitespace outside strings, in place. */
static void strip(struct dw_buf *b)
{
	char *p = b->ptr, *o = b->ptr, *end = b->ptr + b->len;
	int in_string = 0;

	for (; p < end; p++) {
		if (in_string && *p == '\\') {
			*o++ = *p++;
		} else if (*p == '"') {
			in_string = !in_string;
		} else if (!in_string && (*p == ' ' || *p == '\n')) {
			continue;
		}
		*o++ = *p;
	}
	dw_buf_truncate(b, (size_t)(o - b->ptr));
}

static struct dw_json_doc *reread(const struct dw_buf *b)
{
	struct dw_json_doc *doc = NULL;

	check(dw_json_parse(b->ptr, b->len, "canonical", &doc, NULL) == 0,
	      "the canonical form does not read back");
	return doc;
}

static int same(const struct dw_buf *a, const struct dw_buf *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

static void check_canonical(const struct dw_json *root)
{
	struct dw_buf compact, pretty, again;
	struct dw_json_doc *back;

	write_to(root, DW_JSON_COMPACT, &compact);
	write_to(root, DW_JSON_PRETTY, &pretty);
	check(pretty.ptr[pretty.len - 1] == '\n', "the pretty form has no final newline");

	back = reread(&pretty);
	check(dw_json_compare(dw_json_root(back), root) == 0, "pretty reads back different");
	write_to(dw_json_root(back), DW_JSON_COMPACT, &again);
	check(same(&again, &compact), "pretty reads back to other compact bytes");
	dw_buf_release(&again);
	dw_json_doc_free(back);

	back = reread(&compact);
	write_to(dw_json_root(back), DW_JSON_COMPACT, &again);
	check(same(&again, &compact), "compact is not idempotent");
	dw_buf_release(&again);
	dw_json_doc_free(back);

	strip(&pretty);
	check(same(&pretty, &compact), "pretty minus whitespace is not compact");
	dw_buf_release(&pretty);
	dw_buf_release(&compact);
}

static void check_normalised(struct dw_json_doc *doc)
{
	static const char *const volatile_keys[] = { "*@odata.context", "version", "/a/*/b" };
	static const struct dw_json_set_rule sets[] = {
		{ "", NULL },
		{ "/*", NULL },
		{ "/value", "id" },
		{ "/value/*/*", NULL },
	};
	const struct dw_json_profile profile = { volatile_keys, 3, sets, 4 };
	const struct dw_json_profile *profiles[] = { &profile };
	struct dw_buf once, twice;
	struct dw_json_doc *back;

	check(dw_json_normalise(doc, dw_json_root(doc), profiles, 1, NULL) == 0,
	      "normalising failed");
	check_canonical(dw_json_root(doc));
	write_to(dw_json_root(doc), DW_JSON_COMPACT, &once);
	back = reread(&once);
	check(dw_json_normalise(back, dw_json_root(back), profiles, 1, NULL) == 0,
	      "normalising again failed");
	write_to(dw_json_root(back), DW_JSON_COMPACT, &twice);
	check(same(&once, &twice), "normalising is not idempotent");
	dw_buf_release(&once);
	dw_buf_release(&twice);
	dw_json_doc_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dw_error err = { 0 };
	struct dw_json_doc *doc = NULL;

	if (dw_json_parse((const char *)data, size, "fuzz", &doc, &err) < 0) {
		check(doc == NULL, "a failed parse left a document");
		check(err.area == DW_AREA_JSON && err.msg[0], "an error without a message");
		check(err.line >= 1 && err.col >= 1 && err.col <= size + 1,
		      "an error without a position");
		return 0;
	}
	check_canonical(dw_json_root(doc));
	check_normalised(doc);
	dw_json_doc_free(doc);
	return 0;
}
