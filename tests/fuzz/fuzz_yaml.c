/*
 * libFuzzer entry point for the strict YAML loader: any input must load or
 * fail with a positioned error, within the node and depth limits, without
 * leaks or undefined behaviour. A loaded tree is walked through the public
 * accessors so that every node the loader hands out is touched.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "driftward/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct dw_yaml_node *n, unsigned depth)
{
	size_t i, total = 1;
	const char *s;
	double d;

	if (depth > DW_YAML_DEFAULT_DEPTH + 1)
		__builtin_trap(); /* the depth limit did not hold */
	if (n->text && strlen(n->text) != n->len)
		__builtin_trap(); /* a scalar with a NUL inside escaped the check */
	(void)dw_yaml_string(n, &s, NULL);
	(void)dw_yaml_number(n, &d, NULL);
	for (i = 0; i < n->count; i++) {
		if (n->type == DW_YAML_MAP) {
			total += walk(n->keys[i], depth + 1);
			if (!dw_yaml_get(n, n->keys[i]->text))
				__builtin_trap();
		}
		/* stop early on shared subtrees: the budget bounds them, not this walk */
		if (total < DW_YAML_DEFAULT_NODES)
			total += walk(n->items[i], depth + 1);
	}
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dw_yaml_limits lim = { .max_nodes = 20000 };
	struct dw_yaml_doc *doc = NULL;
	struct dw_error err;
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];

	dw_error_clear(&err);
	if (dw_yaml_load("fuzz.yaml", data, size, &lim, &doc, &err) == 0) {
		walk(dw_yaml_root(doc), 1);
		dw_yaml_free(doc);
	} else if (strncmp(dw_error_format(&err, msg, sizeof(msg)), "fuzz.yaml", 9) != 0 &&
	           strstr(msg, "out of memory") == NULL) {
		__builtin_trap(); /* every refusal names the file */
	}
	return 0;
}
