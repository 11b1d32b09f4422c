/*
 * One catalog entry: a YAML mapping checked key by key into a struct
 * dw_collector. Every problem is reported at its node and reading goes on, so
 * a user sees all the mistakes of a file in one `driftward check`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/internal.h"
#include "driftward/array.h"
#include "driftward/names.h"

typedef void (*field_fn)(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c);

struct field {
	const char *key;
	field_fn parse;
};

static bool all_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

bool dw_catalog__is_collector_name(const char *s)
{
	return dw_is_collector_name(s, strlen(s));
}

static bool is_area(const char *s)
{
	return islower((unsigned char)s[0]) && all_chars(s, "-");
}

/* "/identity/conditionalAccess/policies": segments of URL-safe characters. */
static bool is_graph_path(const char *s)
{
	return s[0] == '/' && s[1] && all_chars(s, "/._-") && !strstr(s, "//") &&
	       !strstr(s, "/./") && !strstr(s, "/../") && s[strlen(s) - 1] != '/';
}

bool dw_catalog__is_pointer(const char *s)
{
	if (s[0] != '/')
		return false;
	for (; *s; s++) {
		if (*s == '/' && (s[1] == '/' || s[1] == '\0'))
			return false; /* an empty segment is legal JSON Pointer, but never meant */
		if (*s == '~' && s[1] != '0' && s[1] != '1')
			return false;
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

static bool is_property(const char *s)
{
	return !isdigit((unsigned char)s[0]) && all_chars(s, "@._#$-");
}

static bool is_member_glob(const char *s)
{
	return all_chars(s, "@._#$*-");
}

/* "Policy.Read.All", "DeviceManagementRBAC.ReadWrite.All" */
static bool is_permission(const char *s)
{
	const char *dot = strchr(s, '.');

	return isupper((unsigned char)s[0]) && dot && dot[1] && all_chars(s, ".") &&
	       !strstr(s, "..") && s[strlen(s) - 1] != '.';
}

static bool is_query(const char *s)
{
	if (strlen(s) > 1024)
		return false; /* a URL has to stay within what servers take */
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '?' || *s == '#' || *s == 0x7f)
			return false;
	return true;
}

/* "{path}" followed by literal segments and "{id}" placeholders. */
static bool is_restore_path(const char *s)
{
	if (strncmp(s, "{path}", 6) != 0)
		return false;
	for (s += 6; *s; s++) {
		if (strncmp(s, "{id}", 4) == 0)
			s += 3;
		else if (!isalnum((unsigned char)*s) && !strchr("/._-", *s))
			return false;
	}
	return true;
}

static char *take_string(struct cat_ctx *ctx, const struct dw_yaml_node *n,
                         bool (*valid)(const char *), const char *what)
{
	struct dw_error err;
	const char *s;
	char *copy;

	dw_error_clear(&err);
	if (dw_yaml_string(n, &s, &err) < 0) {
		dw_catalog__report_error(ctx, &err);
		return NULL;
	}
	if (!*s || (valid && !valid(s))) {
		dw_catalog__report(ctx, n, "'%.80s' is not %s", s, what);
		return NULL;
	}
	copy = strdup(s);
	if (!copy)
		ctx->oom = 1;
	return copy;
}

static void set_string(struct cat_ctx *ctx, const struct dw_yaml_node *n, char **field,
                       bool (*valid)(const char *), const char *what)
{
	char *s = take_string(ctx, n, valid, what);

	if (s) {
		free(*field);
		*field = s;
	}
}

/* The index of @n's string in @names, or -1 (reported). */
static int take_enum(struct cat_ctx *ctx, const struct dw_yaml_node *n, const char *const *names,
                     size_t count, const char *choices)
{
	struct dw_error err;
	const char *s;
	size_t i;

	dw_error_clear(&err);
	if (dw_yaml_string(n, &s, &err) < 0) {
		dw_catalog__report_error(ctx, &err);
		return -1;
	}
	for (i = 0; i < count; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	dw_catalog__report(ctx, n, "'%.80s' is not one of %s", s, choices);
	return -1;
}

void dw_catalog__strlist(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_strlist *out,
                         bool (*valid)(const char *), const char *what)
{
	struct dw_error err;
	const char *s;
	size_t i;

	dw_error_clear(&err);
	if (dw_yaml_expect(n, DW_YAML_SEQ, &err) < 0) {
		dw_catalog__report_error(ctx, &err);
		return;
	}
	dw_strlist_release(out);
	for (i = 0; i < n->count; i++) {
		dw_error_clear(&err);
		if (dw_yaml_string(n->items[i], &s, &err) < 0)
			dw_catalog__report_error(ctx, &err);
		else if (!*s || (valid && !valid(s)))
			dw_catalog__report(ctx, n->items[i], "'%.80s' is not %s", s, what);
		else if (dw_strlist_add(out, s, strlen(s)) < 0)
			ctx->oom = 1;
	}
}

/* Calls the parser of each key of mapping @n; an unknown key is an error. */
static void dispatch(struct cat_ctx *ctx, const struct dw_yaml_node *n, const struct field *fields,
                     size_t nfields, const char *where, struct dw_collector *c)
{
	struct dw_error err;
	size_t i, j;

	dw_error_clear(&err);
	if (dw_yaml_expect(n, DW_YAML_MAP, &err) < 0) {
		dw_catalog__report_error(ctx, &err);
		return;
	}
	for (i = 0; i < n->count; i++) {
		for (j = 0; j < nfields; j++)
			if (strcmp(n->keys[i]->text, fields[j].key) == 0)
				break;
		if (j == nfields)
			dw_catalog__report(ctx, n->keys[i], "unknown key '%.80s' in %s",
			                   n->keys[i]->text, where);
		else
			fields[j].parse(ctx, n->items[i], c);
	}
}

static void f_name(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	set_string(ctx, n, &c->name, dw_catalog__is_collector_name,
	           "a collector name (a letter, then letters, digits, '_' or '-')");
}

static void f_title(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	set_string(ctx, n, &c->title, NULL, "a title");
}

static void f_area(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	set_string(ctx, n, &c->area, is_area, "an area (lower-case letters, digits and '-')");
}

static void f_graph(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	set_string(ctx, n, &c->graph_path, is_graph_path,
	           "a Graph path (/segment/segment, no query)");
}

static void f_api(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	static const char *const versions[] = { "v1.0", "beta" };
	int v = take_enum(ctx, n, versions, DW_ARRAY_SIZE(versions), "v1.0, beta");
	char *s = v < 0 ? NULL : strdup(versions[v]);

	if (v >= 0 && !s)
		ctx->oom = 1;
	if (s) {
		free(c->api_version);
		c->api_version = s;
	}
}

static void f_singleton(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	struct dw_error err;

	dw_error_clear(&err);
	if (dw_yaml_bool(n, &c->singleton, &err) < 0)
		dw_catalog__report_error(ctx, &err);
}

static void f_query(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	set_string(ctx, n, &c->query, is_query,
	           "a query string (no '?', no spaces, at most 1024 characters)");
}

static void f_assignments(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	static const char *const ways[] = {
		[DW_ASSIGNMENTS_NONE] = "none",
		[DW_ASSIGNMENTS_EXPAND] = "expand",
		[DW_ASSIGNMENTS_PER_OBJECT] = "per_object",
	};
	int v = take_enum(ctx, n, ways, DW_ARRAY_SIZE(ways), "expand, per_object, none");

	if (v >= 0)
		c->assignments = (enum dw_assignments_read)v;
	ctx->assignments = n;
}

/* Does the query's $expand name assignments (at its top level, where a list expands it)? */
static bool expands_assignments(const char *query)
{
	const char *p = query ? strstr(query, "$expand=") : NULL;
	size_t depth = 0, len;

	for (p = p ? p + 8 : NULL; p && *p && *p != '&'; p += len ? len : 1) {
		len = strcspn(p, ",()&");
		if (depth == 0 && len == 11 && strncmp(p, "assignments", 11) == 0)
			return true;
		if (!len && *p == '(')
			depth++;
		else if (!len && *p == ')' && depth)
			depth--;
	}
	return false;
}

static void check_assignments(struct cat_ctx *ctx, const struct dw_yaml_node *n,
                              struct dw_collector *c)
{
	bool expanded = expands_assignments(c->query);

	if (!ctx->assignments)
		c->assignments = expanded ? DW_ASSIGNMENTS_EXPAND : DW_ASSIGNMENTS_NONE;
	else if (c->assignments == DW_ASSIGNMENTS_EXPAND && !expanded)
		dw_catalog__report(ctx, ctx->assignments,
		                   "assignments: expand needs $expand=assignments in the query");
	else if (c->assignments != DW_ASSIGNMENTS_EXPAND && expanded)
		dw_catalog__report(ctx, ctx->assignments,
		                   "the query expands assignments: assignments must be expand");
	else if (c->assignments == DW_ASSIGNMENTS_PER_OBJECT && c->singleton)
		dw_catalog__report(ctx, n,
		                   "assignments: per_object is for collections, not a "
		                   "singleton");
}

static void f_key(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	set_string(ctx, n, &c->key, is_property, "a property name");
}

static void f_name_field(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	set_string(ctx, n, &c->name_field, is_property, "a property name");
}

static void f_volatile(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	dw_catalog__strlist(ctx, n, &c->volatile_keys, is_member_glob,
	                    "a member name ('*' matches any text; no '/')");
}

static void f_secret(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	dw_catalog__strlist(ctx, n, &c->secrets, dw_catalog__is_pointer,
	                    "a JSON Pointer (/a/b, '*' for every element)");
}

static int add_set(struct dw_collector *c, const char *pointer, const char *sort_key)
{
	struct dw_set_array *sets;

	if (DW_ARRAY_GROW(c->sets, c->sets_alloc, c->nsets + 1) < 0)
		return -ENOMEM;
	sets = c->sets;
	sets[c->nsets].pointer = strdup(pointer);
	sets[c->nsets].sort_key = sort_key ? strdup(sort_key) : NULL;
	c->nsets++;
	if (!sets[c->nsets - 1].pointer || (sort_key && !sets[c->nsets - 1].sort_key))
		return -ENOMEM;
	return 0;
}

/* One entry of `sets`: "/pointer" or {path: /pointer, sortKey: member}. */
static void parse_set(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	const char *what = "a JSON Pointer (/a/b, '*' for every element)";
	char *path = NULL, *sort_key = NULL;
	size_t i;

	if (n->type != DW_YAML_MAP) {
		path = take_string(ctx, n, dw_catalog__is_pointer, what);
		goto out;
	}
	for (i = 0; i < n->count; i++) {
		const char *k = n->keys[i]->text;

		if (strcmp(k, "path") == 0 && !path)
			path = take_string(ctx, n->items[i], dw_catalog__is_pointer, what);
		else if (strcmp(k, "sortKey") == 0 && !sort_key)
			sort_key = take_string(ctx, n->items[i], is_property, "a property name");
		else
			dw_catalog__report(ctx, n->keys[i],
			                   "unknown key '%.80s' in a set (path, sortKey)", k);
	}
	if (!dw_yaml_get(n, "path"))
		dw_catalog__report(ctx, n, "a set needs a path");
out:
	if (path && add_set(c, path, sort_key) < 0)
		ctx->oom = 1;
	free(path);
	free(sort_key);
}

static void f_sets(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	struct dw_error err;
	size_t i;

	dw_error_clear(&err);
	if (dw_yaml_expect(n, DW_YAML_SEQ, &err) < 0) {
		dw_catalog__report_error(ctx, &err);
		return;
	}
	for (i = 0; i < n->count; i++)
		parse_set(ctx, n->items[i], c);
}

static void f_read(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	dw_catalog__strlist(ctx, n, &c->read_permissions, is_permission,
	                    "a Graph permission (Policy.Read.All)");
	if (n->type == DW_YAML_SEQ && n->count == 0)
		dw_catalog__report(ctx, n, "permissions.read must name at least one permission");
}

static void f_write(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	dw_catalog__strlist(ctx, n, &c->write_permissions, is_permission,
	                    "a Graph permission (Policy.ReadWrite.ConditionalAccess)");
}

static void f_permissions(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	static const struct field fields[] = { { "read", f_read }, { "write", f_write } };

	dispatch(ctx, n, fields, DW_ARRAY_SIZE(fields), "permissions (read, write)", c);
}

static void f_licence(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	static const char *const licences[] = { "none", "intune", "aadp1", "aadp2" };
	int v = take_enum(ctx, n, licences, DW_ARRAY_SIZE(licences), "none, intune, aadp1, aadp2");

	free(c->licence);
	c->licence = NULL;
	if (v > 0 && !(c->licence = strdup(licences[v])))
		ctx->oom = 1;
}

static void f_method(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	static const char *const methods[] = {
		[DW_RESTORE_NONE] = "none",
		[DW_RESTORE_PATCH] = "PATCH",
		[DW_RESTORE_PUT] = "PUT",
	};
	int v = take_enum(ctx, n, methods, DW_ARRAY_SIZE(methods), "PATCH, PUT, none");

	if (v >= 0)
		c->restore = (enum dw_restore_method)v;
}

static void f_restore_path(struct cat_ctx *ctx, const struct dw_yaml_node *n,
                           struct dw_collector *c)
{
	set_string(ctx, n, &c->restore_path, is_restore_path,
	           "a URL template ({path}, then segments and {id})");
}

static void f_read_only(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	dw_catalog__strlist(ctx, n, &c->read_only, is_property, "a property name");
}

static void f_after(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	dw_catalog__strlist(ctx, n, &c->restore_after, dw_catalog__is_collector_name,
	                    "a collector name");
	ctx->after = n;
}

static void f_restore(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	static const struct field fields[] = {
		{ "method", f_method },
		{ "path", f_restore_path },
		{ "readOnly", f_read_only },
		{ "after", f_after },
	};

	ctx->restore = n;
	dispatch(ctx, n, fields, DW_ARRAY_SIZE(fields), "restore (method, path, readOnly, after)",
	         c);
	if (n->type == DW_YAML_MAP && !dw_yaml_get(n, "method"))
		dw_catalog__report(ctx, n, "restore needs a method (PATCH, PUT or none)");
}

static int set_default(char **field, const char *value)
{
	if (*field)
		return 0;
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

/* What can only be checked once the whole entry is read. */
static void check_entry(struct cat_ctx *ctx, const struct dw_yaml_node *n, struct dw_collector *c)
{
	static const char *const required[] = { "name", "title", "area", "graph", "permissions" };
	const struct dw_yaml_node *perms = dw_yaml_get(n, "permissions");
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(required); i++)
		if (!dw_yaml_get(n, required[i]))
			dw_catalog__report(ctx, n, "collector%s%s: missing key '%s'",
			                   c->name ? " " : "", c->name ? c->name : "", required[i]);
	if (perms && perms->type == DW_YAML_MAP && !dw_yaml_get(perms, "read"))
		dw_catalog__report(ctx, perms, "permissions: missing key 'read'");
	if (ctx->user && c->restore != DW_RESTORE_NONE) {
		/* the design's promise: only built-in collectors are ever written */
		dw_catalog__report(
		        ctx, ctx->restore,
		        "collectors of an extra catalog are read-only: restore.method must be "
		        "none");
		c->restore = DW_RESTORE_NONE;
	}
	if (c->restore != DW_RESTORE_NONE && c->write_permissions.count == 0)
		dw_catalog__report(ctx, ctx->restore, "a restore method needs permissions.write");
	if (c->restore == DW_RESTORE_NONE && ctx->restore &&
	    (dw_yaml_get(ctx->restore, "path") || dw_yaml_get(ctx->restore, "readOnly")))
		dw_catalog__report(ctx, ctx->restore,
		                   "restore.path and restore.readOnly need a method");
	if (c->singleton && c->restore_path && strstr(c->restore_path, "{id}"))
		dw_catalog__report(ctx, ctx->restore, "a singleton's restore path has no {id}");
	check_assignments(ctx, n, c);
	if (set_default(&c->api_version, "v1.0") < 0 || set_default(&c->key, "id") < 0)
		ctx->oom = 1;
}

void dw_catalog__parse_collector(struct cat_ctx *ctx, const struct dw_yaml_node *n,
                                 struct dw_collector *c)
{
	static const struct field fields[] = {
		{ "name", f_name },         { "title", f_title },
		{ "area", f_area },         { "graph", f_graph },
		{ "api", f_api },           { "singleton", f_singleton },
		{ "query", f_query },       { "assignments", f_assignments },
		{ "key", f_key },           { "nameField", f_name_field },
		{ "volatile", f_volatile }, { "sets", f_sets },
		{ "secret", f_secret },     { "permissions", f_permissions },
		{ "licence", f_licence },   { "restore", f_restore },
	};

	ctx->restore = NULL;
	ctx->after = NULL;
	ctx->assignments = NULL;
	c->source_line = n->line;
	if (!(c->source_file = strdup(n->file)))
		ctx->oom = 1;
	c->user_defined = ctx->user;
	dispatch(ctx, n, fields, DW_ARRAY_SIZE(fields), "a collector", c);
	if (n->type == DW_YAML_MAP)
		check_entry(ctx, n, c);
}

void dw_catalog__collector_release(struct dw_collector *c)
{
	size_t i;

	free(c->name);
	free(c->title);
	free(c->area);
	free(c->api_version);
	free(c->graph_path);
	free(c->query);
	free(c->key);
	free(c->name_field);
	dw_strlist_release(&c->volatile_keys);
	for (i = 0; i < c->nsets; i++) {
		free(c->sets[i].pointer);
		free(c->sets[i].sort_key);
	}
	free(c->sets);
	dw_strlist_release(&c->secrets);
	dw_strlist_release(&c->read_permissions);
	dw_strlist_release(&c->write_permissions);
	free(c->licence);
	free(c->restore_path);
	dw_strlist_release(&c->read_only);
	dw_strlist_release(&c->restore_after);
	free(c->source_file);
	memset(c, 0, sizeof(*c));
}
