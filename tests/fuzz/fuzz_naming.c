/*
 * Fuzz target from a Graph page to the file names a snapshot stores: the
 * input is read as a page ({"value": [...]}, or one object), and every object
 * with an "id" gets the path dw_object_path gives it, with its "displayName"
 * as the name. For any page, else abort():
 *   - every path is "<collector>/<one component>.json": no empty, "." or ".."
 *     component, no control character, the component under 255 bytes and the
 *     path under 4096 (what every file system and git checkout accept);
 *   - the id part read back from the path is dw_escape_id's, and undoes to
 *     the id exactly, unless it was shortened (then it says so: -ERANGE);
 *   - distinct ids of one page never share a path's id part.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/json.h"
#include "driftward/naming.h"

#define COLLECTOR   "conditionalAccessPolicies"
#define OBJECTS_MAX 64 /* pairs compared per page: enough to find a collision */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_naming: %s\n", what);
		abort();
	}
}

static void check_path(const char *path, size_t len)
{
	const char *base = strchr(path, '/');
	size_t i, blen;

	check(len < 4096, "a path of 4096 bytes or more");
	check(base && strncmp(path, COLLECTOR "/", sizeof(COLLECTOR)) == 0,
	      "the path does not start with the collector");
	base++;
	blen = len - (size_t)(base - path);
	check(!strchr(base, '/'), "the file name has a '/'");
	check(blen < 255, "a file name of 255 bytes or more");
	check(blen > 5 && strcmp(base + blen - 5, ".json") == 0, "not a .json file");
	check(base[0] != '.' && base[0] != '-', "a file name starting with '.' or '-'");
	for (i = 0; i < len; i++)
		check((unsigned char)path[i] >= 0x20 && path[i] != 0x7f, "a control character");
}

/* Checks the object's path; keeps its id part in @part for the collision check. */
static void check_object(const char *id, size_t id_len, const struct dw_json *name,
                         struct dw_buf *part)
{
	struct dw_buf path, back;
	const char *s = NULL, *got;
	size_t len = 0, glen;
	int r;

	if (name)
		s = dw_json_string(name, &len);
	dw_buf_init(&path, 8192);
	dw_buf_init(&back, 8192);
	check(dw_escape_id(part, id, id_len) == 0, "escaping failed");
	check(dw_object_path(&path, COLLECTOR, s, len, id, id_len) == 0, "no path");
	check_path(dw_buf_cstr(&path), path.len);
	check(dw_object_path_id(dw_buf_cstr(&path), &got, &glen) == 0, "no id in the path");
	check(glen == part->len && memcmp(got, part->ptr, glen) == 0, "the id part differs");
	r = dw_unescape_id(&back, got, glen);
	if (memchr(got, DW_ID_HASH_MARK, glen))
		check(r == -ERANGE, "a shortened id unescaped");
	else
		check(r == 0 && back.len == id_len && memcmp(back.ptr, id, id_len) == 0,
		      "the id does not come back");
	dw_buf_release(&path);
	dw_buf_release(&back);
}

static void check_page(const struct dw_json *value)
{
	struct dw_buf parts[OBJECTS_MAX];
	const char *ids[OBJECTS_MAX];
	size_t lens[OBJECTS_MAX], n = 0, i, j;

	for (i = 0; i < dw_json_count(value) && n < OBJECTS_MAX; i++) {
		const struct dw_json *obj = dw_json_at(value, i);
		const struct dw_json *id = dw_json_get(obj, "id");

		if (!id || !(ids[n] = dw_json_string(id, &lens[n])) || lens[n] == 0 ||
		    lens[n] > DW_ID_MAX)
			continue;
		dw_buf_init(&parts[n], 8192);
		check_object(ids[n], lens[n], dw_json_get(obj, "displayName"), &parts[n]);
		n++;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			check(parts[i].len != parts[j].len ||
			              memcmp(parts[i].ptr, parts[j].ptr, parts[i].len) != 0 ||
			              (lens[i] == lens[j] && memcmp(ids[i], ids[j], lens[i]) == 0),
			      "two ids share a file name");
	for (i = 0; i < n; i++)
		dw_buf_release(&parts[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dw_json_doc *doc = NULL;
	struct dw_json *root, *value;

	if (dw_json_parse((const char *)data, size, "page", &doc, NULL) < 0)
		return 0;
	root = dw_json_root(doc);
	value = dw_json_type(root) == DW_JSON_OBJECT ? dw_json_get(root, "value") : NULL;
	if (value && dw_json_type(value) == DW_JSON_ARRAY)
		check_page(value);
	else if (dw_json_type(root) == DW_JSON_ARRAY)
		check_page(root);
	dw_json_doc_free(doc);
	return 0;
}
