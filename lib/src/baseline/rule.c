/*
 * One rule file, or one waiver file: a YAML mapping read key by key through
 * a table, so that an unknown key is an error (a typo must never disable a
 * rule) and every mistake of a file is reported in one run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "baseline/internal.h"

struct rule_key {
	const char *key;
	int (*parse)(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r);
	bool required;
};

/* The index of @s in @words (NULL-terminated), or -1 after reporting. */
static int take_word(struct bl_ctx *ctx, const struct dw_yaml_node *n, const char *const *words,
                     const char *what)
{
	char *s = NULL;
	int i;

	if (dw_baseline__take_string(ctx, n, &s) < 0)
		return -1;
	for (i = 0; words[i]; i++)
		if (strcmp(words[i], s) == 0)
			break;
	if (!words[i])
		dw_baseline__report(ctx, n, "'%.40s' is not %s", s, what);
	free(s);
	return words[i] ? i : -1;
}

static int k_schema(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	static const char *const schemas[] = { DW_BASELINE_SCHEMA, NULL };

	(void)r;
	return take_word(ctx, n, schemas, "a known schema (" DW_BASELINE_SCHEMA ")") < 0 ? -EINVAL
	                                                                                 : 0;
}

static bool is_rule_id(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

static int k_id(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	int rc = dw_baseline__take_string(ctx, n, &r->id);

	if (rc == 0 && !is_rule_id(r->id)) {
		dw_baseline__report(ctx, n,
		                    "a rule id is lower-case letters, digits, '.', '-', '_'");
		rc = -EINVAL;
	}
	return rc;
}

static int k_title(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	return dw_baseline__take_string(ctx, n, &r->title);
}

static int k_severity(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	static const char *const words[] = { "critical", "high", "medium", "low", "info", NULL };
	int i = take_word(ctx, n, words, "a severity (critical, high, medium, low, info)");

	r->severity = (enum bl_severity)(i < 0 ? 0 : i);
	return i < 0 ? -EINVAL : 0;
}

static int k_expect(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	static const char *const words[] = { "any", "all", "none", "count", NULL };
	int i = take_word(ctx, n, words, "an expectation (any, all, none, count)");

	r->expect = (enum bl_expect)(i < 0 ? 0 : i);
	return i < 0 ? -EINVAL : 0;
}

static int k_count(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	static const char *const keys[] = { "eq", "gte", "lte" };
	int64_t *vals[] = { &r->count.eq, &r->count.gte, &r->count.lte };
	bool *has[] = { &r->count.has_eq, &r->count.has_gte, &r->count.has_lte };
	struct dw_error err;
	size_t i, k;

	if (n->type != DW_YAML_MAP || n->count == 0) {
		dw_baseline__report(ctx, n, "count takes a mapping of eq, gte and lte");
		return -EINVAL;
	}
	for (i = 0; i < n->count; i++) {
		for (k = 0; k < 3 && strcmp(n->keys[i]->text, keys[k]); k++)
			;
		dw_error_clear(&err);
		if (k == 3) {
			dw_baseline__report(ctx, n->keys[i], "unknown key '%.40s' (eq, gte, lte)",
			                    n->keys[i]->text);
			return -EINVAL;
		}
		if (dw_yaml_int(n->items[i], vals[k], &err) < 0) {
			dw_baseline__report_error(ctx, &err);
			return -EINVAL;
		}
		*has[k] = true;
	}
	return 0;
}

static int k_target(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	const struct dw_yaml_node *c = NULL, *w;
	struct dw_error err;
	size_t i;

	dw_error_clear(&err);
	if (dw_yaml_require(n, "collector", &c, &err) < 0) {
		dw_baseline__report_error(ctx, &err);
		return -EINVAL;
	}
	for (i = 0; i < n->count; i++)
		if (strcmp(n->keys[i]->text, "collector") && strcmp(n->keys[i]->text, "where")) {
			dw_baseline__report(ctx, n->keys[i],
			                    "unknown key '%.40s' (collector, where)",
			                    n->keys[i]->text);
			return -EINVAL;
		}
	if (dw_baseline__take_string(ctx, c, &r->collector) < 0)
		return -EINVAL;
	if (!(w = dw_yaml_get(n, "where")))
		return 0;
	return dw_baseline__asserts(ctx, w, &r->where, &r->nwhere);
}

static int k_assert(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	return dw_baseline__asserts(ctx, n, &r->asserts, &r->nasserts);
}

static int one_require(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_require *q)
{
	struct bl_rule tmp = { 0 };
	int rc = k_target(ctx, n, &tmp);

	q->collector = tmp.collector;
	q->where = tmp.where;
	q->nwhere = tmp.nwhere;
	return rc;
}

static int k_requires(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	size_t i;
	int rc = 0;

	if (n->type != DW_YAML_SEQ) {
		dw_baseline__report(ctx, n, "requires takes a list of {collector, where}");
		return -EINVAL;
	}
	if (n->count && !(r->requires = calloc(n->count, sizeof(*r->requires))))
		return -ENOMEM;
	r->nrequires = n->count;
	for (i = 0; rc == 0 && i < n->count; i++) {
		if (n->items[i]->type != DW_YAML_MAP) {
			dw_baseline__report(ctx, n->items[i], "expected {collector, where}");
			return -EINVAL;
		}
		rc = one_require(ctx, n->items[i], &r->requires[i]);
	}
	return rc;
}

static int k_tenants(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	size_t i;
	char *s = NULL;
	int rc = 0;

	if (n->type != DW_YAML_SEQ || n->count == 0) {
		dw_baseline__report(ctx, n, "tenants takes a non-empty list of tenant names");
		return -EINVAL;
	}
	for (i = 0; rc == 0 && i < n->count; i++)
		if ((rc = dw_baseline__take_string(ctx, n->items[i], &s)) == 0)
			rc = dw_strlist_add(&r->tenants, s, strlen(s));
	free(s);
	return rc;
}

/* A mapping with the given required and optional string keys, kept as JSON for the report. */
static int json_map(struct bl_ctx *ctx, const struct dw_yaml_node *n, const char *const *req,
                    const char *const *opt, struct dw_json **out)
{
	size_t i, k;
	bool known;

	if (n->type != DW_YAML_MAP) {
		dw_baseline__report(ctx, n, "expected a mapping");
		return -EINVAL;
	}
	for (k = 0; req[k]; k++)
		if (!dw_yaml_get(n, req[k])) {
			dw_baseline__report(ctx, n, "missing key '%s'", req[k]);
			return -EINVAL;
		}
	for (i = 0; i < n->count; i++) {
		for (known = false, k = 0; req[k] && !known; k++)
			known = !strcmp(req[k], n->keys[i]->text);
		for (k = 0; opt[k] && !known; k++)
			known = !strcmp(opt[k], n->keys[i]->text);
		if (!known) {
			dw_baseline__report(ctx, n->keys[i], "unknown key '%.40s'",
			                    n->keys[i]->text);
			return -EINVAL;
		}
	}
	return (*out = dw_baseline__value(ctx, n)) ? 0 : -EINVAL;
}

static int k_references(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	static const char *const req[] = { "framework", "id", NULL };
	static const char *const opt[] = { "version", "url", NULL };
	struct dw_json *ref;
	size_t i;
	int rc = 0;

	if (n->type != DW_YAML_SEQ) {
		dw_baseline__report(ctx, n,
		                    "references takes a list of {framework, id, version, url}");
		return -EINVAL;
	}
	if (!(r->references = dw_json_new_array(ctx->bl->args)))
		return -ENOMEM;
	for (i = 0; rc == 0 && i < n->count; i++)
		if ((rc = json_map(ctx, n->items[i], req, opt, &ref)) == 0)
			rc = dw_json_array_append(ctx->bl->args, r->references, ref);
	return rc;
}

static int k_remediation(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	static const char *const req[] = { "guidance", NULL };
	static const char *const opt[] = { "allowed", NULL };
	const struct dw_yaml_node *allowed = dw_yaml_get(n, "allowed");
	struct dw_error err;
	bool b;

	dw_error_clear(&err);
	if (allowed && dw_yaml_bool(allowed, &b, &err) < 0) {
		dw_baseline__report_error(ctx, &err);
		return -EINVAL;
	}
	return json_map(ctx, n, req, opt, &r->remediation);
}

static int k_text(struct bl_ctx *ctx, const struct dw_yaml_node *n, struct bl_rule *r)
{
	char *s = NULL;
	int rc = dw_baseline__take_string(ctx, n, &s);

	(void)r;
	free(s); /* documentation for people: checked, not kept */
	return rc;
}

/* clang-format off */
static const struct rule_key rule_keys[] = {
	{ "schema",      k_schema,      true },
	{ "id",          k_id,          true },
	{ "title",       k_title,       true },
	{ "severity",    k_severity,    true },
	{ "target",      k_target,      true },
	{ "expect",      k_expect,      true },
	{ "count",       k_count,       false },
	{ "assert",      k_assert,      false },
	{ "requires",    k_requires,    false },
	{ "tenants",     k_tenants,     false },
	{ "references",  k_references,  false },
	{ "remediation", k_remediation, false },
	{ "rationale",   k_text,        false },
	{ "notes",       k_text,        false },
	{ "description", k_text,        false },
};
/* clang-format on */

void dw_baseline__rule_release(struct bl_rule *r)
{
	size_t i;

	free(r->id);
	free(r->title);
	free(r->source);
	free(r->collector);
	dw_baseline__asserts_free(r->where, r->nwhere);
	dw_baseline__asserts_free(r->asserts, r->nasserts);
	for (i = 0; i < r->nrequires; i++) {
		free(r->requires[i].collector);
		dw_baseline__asserts_free(r->requires[i].where, r->requires[i].nwhere);
	}
	free(r->requires);
	dw_strlist_release(&r->tenants);
}

static int check_keys(struct bl_ctx *ctx, const struct dw_yaml_node *root, struct bl_rule *r)
{
	size_t i, k;
	int rc = 0, one;

	for (i = 0; i < root->count; i++) {
		for (k = 0; k < DW_ARRAY_SIZE(rule_keys); k++)
			if (!strcmp(root->keys[i]->text, rule_keys[k].key))
				break;
		if (k == DW_ARRAY_SIZE(rule_keys)) {
			dw_baseline__report(ctx, root->keys[i], "unknown key '%.40s'",
			                    root->keys[i]->text);
			rc = -EINVAL;
		} else if ((one = rule_keys[k].parse(ctx, root->items[i], r)) < 0 && rc == 0) {
			rc = one;
		}
	}
	for (k = 0; k < DW_ARRAY_SIZE(rule_keys); k++)
		if (rule_keys[k].required && !dw_yaml_get(root, rule_keys[k].key)) {
			dw_baseline__report(ctx, root, "missing key '%s'", rule_keys[k].key);
			rc = -EINVAL;
		}
	if (rc == 0 && (r->expect == BL_EXPECT_COUNT) != (dw_yaml_get(root, "count") != NULL)) {
		dw_baseline__report(ctx, root, "'count' goes with 'expect: count', and only there");
		rc = -EINVAL;
	}
	return rc;
}

static int add_rule(struct dw_baseline *bl, struct bl_rule *r)
{
	if (DW_ARRAY_GROW(bl->rules, bl->arules, bl->nrules + 1) < 0)
		return -ENOMEM;
	bl->rules[bl->nrules++] = *r;
	return 0;
}

int dw_baseline__rule(struct bl_ctx *ctx, const struct dw_yaml_node *root)
{
	struct bl_rule r = { 0 };
	size_t i;
	int rc;

	if (root->type != DW_YAML_MAP) {
		dw_baseline__report(ctx, root, "a baseline file holds one rule (a mapping)");
		return -EINVAL;
	}
	rc = check_keys(ctx, root, &r);
	for (i = 0; rc == 0 && i < ctx->bl->nrules; i++)
		if (!strcmp(ctx->bl->rules[i].id, r.id)) {
			dw_baseline__report(ctx, dw_yaml_get(root, "id"),
			                    "duplicate rule id '%s' (also in %s)", r.id,
			                    ctx->bl->rules[i].source);
			rc = -EINVAL;
		}
	if (rc == 0 && !(r.source = strdup(ctx->file)))
		rc = -ENOMEM;
	if (rc == 0)
		rc = add_rule(ctx->bl, &r);
	if (rc < 0)
		dw_baseline__rule_release(&r);
	return rc;
}
