/* Reading a loaded tree: member look-up and typed getters with positioned errors. */
#include <errno.h>
#include <string.h>

#include "driftward/yaml.h"

const char *dw_yaml_type_name(enum dw_yaml_type type)
{
	static const char *const names[] = {
		[DW_YAML_NULL] = "null",       [DW_YAML_BOOL] = "a boolean",
		[DW_YAML_INT] = "an integer",  [DW_YAML_FLOAT] = "a number",
		[DW_YAML_STRING] = "a string", [DW_YAML_SEQ] = "a list",
		[DW_YAML_MAP] = "a mapping",
	};

	if ((unsigned)type >= DW_ARRAY_SIZE(names))
		return "unknown";
	return names[type];
}

const struct dw_yaml_node *dw_yaml_get(const struct dw_yaml_node *map, const char *key)
{
	size_t i, len = strlen(key);

	if (!map || map->type != DW_YAML_MAP)
		return NULL;
	for (i = 0; i < map->count; i++)
		if (map->keys[i]->len == len && memcmp(map->keys[i]->text, key, len) == 0)
			return map->items[i];
	return NULL;
}

int dw_yaml_expect(const struct dw_yaml_node *node, enum dw_yaml_type type, struct dw_error *err)
{
	const char *hint = "";

	if (node->type == type)
		return 0;
	/* a plain scalar that was typed as something else is usually meant as text */
	if (type == DW_YAML_STRING && node->text && node->type != DW_YAML_NULL)
		hint = " (quote it if it is text)";
	return dw_error_at(err, -EINVAL, DW_AREA_YAML, node->file, node->line, node->col,
	                   "expected %s, found %s%s", dw_yaml_type_name(type),
	                   dw_yaml_type_name(node->type), hint);
}

int dw_yaml_string(const struct dw_yaml_node *node, const char **out, struct dw_error *err)
{
	int r = dw_yaml_expect(node, DW_YAML_STRING, err);

	if (r == 0)
		*out = node->text;
	return r;
}

int dw_yaml_bool(const struct dw_yaml_node *node, bool *out, struct dw_error *err)
{
	int r = dw_yaml_expect(node, DW_YAML_BOOL, err);

	if (r == 0)
		*out = node->as.boolean;
	return r;
}

int dw_yaml_int(const struct dw_yaml_node *node, int64_t *out, struct dw_error *err)
{
	int r = dw_yaml_expect(node, DW_YAML_INT, err);

	if (r == 0)
		*out = node->as.integer;
	return r;
}

int dw_yaml_number(const struct dw_yaml_node *node, double *out, struct dw_error *err)
{
	if (node->type == DW_YAML_INT) {
		*out = (double)node->as.integer;
		return 0;
	}
	if (node->type == DW_YAML_FLOAT) {
		*out = node->as.number;
		return 0;
	}
	return dw_error_at(err, -EINVAL, DW_AREA_YAML, node->file, node->line, node->col,
	                   "expected a number, found %s", dw_yaml_type_name(node->type));
}

int dw_yaml_require(const struct dw_yaml_node *map, const char *key,
                    const struct dw_yaml_node **out, struct dw_error *err)
{
	int r = dw_yaml_expect(map, DW_YAML_MAP, err);

	if (r < 0)
		return r;
	*out = dw_yaml_get(map, key);
	if (*out)
		return 0;
	return dw_error_at(err, -ENOENT, DW_AREA_YAML, map->file, map->line, map->col,
	                   "missing key '%s'", key);
}
