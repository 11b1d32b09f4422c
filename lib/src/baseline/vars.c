/*
 * Variables and YAML values. A rule's operator arguments are turned into
 * JSON (the snapshot's language) once, when the rule is compiled for a
 * tenant, with every "${name}" replaced by that tenant's value: from
 * vars/<tenant>.yaml, else vars/default.yaml, else baselines/_vars.yaml (the
 * defaults that come with the rules, seeded with them by driftward init).
 * Mappings merge key by key, so an override names only what changes. A name defined in neither is
 * an error, never an empty value: an empty exclusion list must be written down.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "baseline/internal.h"

#define VAR_NAME_MAX 128

static struct dw_json *json_of(struct bl_ctx *ctx, const struct dw_yaml_node *n, bool subst);

/* "${a.b}" → "a.b" into @name; false when @s is not one whole variable. */
static bool var_name(const char *s, size_t len, char *name)
{
	size_t i;

	if (len < 4 || strncmp(s, "${", 2) != 0 || s[len - 1] != '}' || len - 3 >= VAR_NAME_MAX)
		return false;
	for (i = 2; i < len - 1; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	memcpy(name, s + 2, len - 3);
	name[len - 3] = '\0';
	return name[0] != '.' && name[len - 4] != '.' && !strstr(name, "..");
}

/* The variable @name ("a.b": member b of variable a), or NULL. */
static const struct dw_json *var_lookup(const struct dw_json *vars, const char *name)
{
	const struct dw_json *v = vars;
	const char *dot;

	while (v && dw_json_type(v) == DW_JSON_OBJECT) {
		dot = strchr(name, '.');
		v = dw_json_getn(v, name, dot ? (size_t)(dot - name) : strlen(name));
		if (!dot)
			return v;
		name = dot + 1;
	}
	return NULL;
}

static struct dw_json *string_value(struct bl_ctx *ctx, const struct dw_yaml_node *n, bool subst)
{
	struct dw_json_doc *doc = ctx->bl->args;
	const struct dw_json *v;
	char name[VAR_NAME_MAX];

	if (!subst || !strstr(n->text, "${"))
		return dw_json_new_string(doc, n->text, n->len);
	if (!var_name(n->text, n->len, name)) {
		dw_baseline__report(ctx, n,
		                    "'%.80s': a variable is a whole value, written \"${name}\" "
		                    "(letters, digits, '_', '-', '.')",
		                    n->text);
		return NULL;
	}
	if (!(v = var_lookup(ctx->bl->vars, name))) {
		dw_baseline__report(
		        ctx, n, "undefined variable '%s' (define it in vars/default.yaml)", name);
		return NULL;
	}
	return dw_json_clone(doc, v);
}

static struct dw_json *collection(struct bl_ctx *ctx, const struct dw_yaml_node *n, bool subst)
{
	struct dw_json_doc *doc = ctx->bl->args;
	bool map = n->type == DW_YAML_MAP;
	struct dw_json *c = map ? dw_json_new_object(doc) : dw_json_new_array(doc), *v;
	size_t i;
	int r = c ? 0 : -ENOMEM;

	for (i = 0; r == 0 && i < n->count; i++) {
		if (!(v = json_of(ctx, n->items[i], subst)))
			return NULL;
		if (map && n->keys[i]->type != DW_YAML_STRING) {
			dw_baseline__report(ctx, n->keys[i], "a key must be a string");
			return NULL;
		}
		r = map ? dw_json_object_setn(doc, c, n->keys[i]->text, n->keys[i]->len, v)
		        : dw_json_array_append(doc, c, v);
	}
	if (r < 0)
		dw_baseline__report(ctx, n, "could not hold this value (%s)", strerror(-r));
	return r < 0 ? NULL : c;
}

static struct dw_json *json_of(struct bl_ctx *ctx, const struct dw_yaml_node *n, bool subst)
{
	struct dw_json_doc *doc = ctx->bl->args;
	struct dw_json *v = NULL;

	switch (n->type) {
	case DW_YAML_NULL:
		v = dw_json_new_null(doc);
		break;
	case DW_YAML_BOOL:
		v = dw_json_new_bool(doc, n->as.boolean);
		break;
	case DW_YAML_INT:
		v = dw_json_new_int64(doc, n->as.integer);
		break;
	case DW_YAML_FLOAT:
		v = dw_json_new_number(doc, n->as.number);
		if (!v) {
			dw_baseline__report(ctx, n, "'%s' is not a number JSON can hold", n->text);
			return NULL;
		}
		break;
	case DW_YAML_STRING:
		return string_value(ctx, n, subst);
	default:
		return collection(ctx, n, subst);
	}
	if (!v)
		dw_baseline__report(ctx, n, "out of memory");
	return v;
}

struct dw_json *dw_baseline__value(struct bl_ctx *ctx, const struct dw_yaml_node *n)
{
	return json_of(ctx, n, true);
}

/*
 * Sets member @key of @dst to @v; where both are mappings, member by member, so
 * that vars/<tenant>.yaml overrides just the values it names.
 */
static int set_var(struct dw_json_doc *doc, struct dw_json *dst, const char *key, size_t len,
                   struct dw_json *v)
{
	struct dw_json *old = dw_json_getn(dst, key, len);
	const char *k;
	size_t i, klen;
	int r = 0;

	if (!old || dw_json_type(old) != DW_JSON_OBJECT || dw_json_type(v) != DW_JSON_OBJECT)
		return dw_json_object_setn(doc, dst, key, len, v);
	for (i = 0; r == 0 && i < dw_json_count(v); i++) {
		struct dw_json *m = dw_json_member(v, i, &k, &klen);

		r = set_var(doc, old, k, klen, dw_json_clone(doc, m));
	}
	return r;
}

/* Adds the members of vars file @path (when it exists) to bl->vars, replacing earlier ones. */
static int vars_file(struct bl_ctx *ctx, const struct dw_bl_files *files, const char *path)
{
	const struct bl_file *f = dw_baseline__find_file(files, path);
	const struct dw_yaml_node *root;
	struct dw_yaml_doc *doc = NULL;
	struct dw_json *v;
	size_t i;
	int r;

	if (!f)
		return 0;
	if ((r = dw_baseline__load_yaml(ctx, f, &doc)) < 0)
		return r;
	root = dw_yaml_root(doc);
	r = -EINVAL;
	if (root->type == DW_YAML_NULL) {
		r = 0; /* an empty file defines nothing */
	} else if (root->type != DW_YAML_MAP) {
		dw_baseline__report(ctx, root, "expected a mapping of variable names to values");
	} else {
		for (r = 0, i = 0; r == 0 && i < root->count; i++) {
			v = json_of(ctx, root->items[i], false);
			r = v ? set_var(ctx->bl->args, ctx->bl->vars, root->keys[i]->text,
			                root->keys[i]->len, v)
			      : -EINVAL;
		}
	}
	dw_yaml_free(doc);
	return r;
}

int dw_baseline__vars(struct bl_ctx *ctx, const struct dw_bl_files *files, const char *tenant)
{
	char path[300];
	int r;

	ctx->bl->vars = dw_json_new_object(ctx->bl->args);
	if (!ctx->bl->vars)
		return -ENOMEM;
	/* the defaults shipped with the rules, the deployment's, the tenant's */
	r = vars_file(ctx, files, "baselines/_vars.yaml");
	r = r ?: vars_file(ctx, files, "vars/default.yaml");
	if (r == 0 && tenant) {
		snprintf(path, sizeof(path), "vars/%s.yaml", tenant);
		r = vars_file(ctx, files, path);
	}
	return r;
}
