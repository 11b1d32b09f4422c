/*
 * Compiling the approved files into rules for one tenant. Each file goes
 * through the strict YAML loader; every problem of every file is reported,
 * and a single one fails the whole compile: a baseline with a broken rule is
 * not evaluated with that rule quietly left out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/internal.h"

/* Baseline files are small; these limits stop hostile ones early (DESIGN.md section 5). */
static const struct dw_yaml_limits limits = {
	.max_depth = 32,
	.max_nodes = 20000,
	.max_bytes = 1u << 20,
};

void dw_baseline__report(struct bl_ctx *ctx, const struct dw_yaml_node *n, const char *fmt, ...)
{
	char msg[DW_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->failed = true;
	(void)dw_diags_add(ctx->diags, DW_DIAG_ERROR, n ? n->file : ctx->file, n ? n->line : 0,
	                   n ? n->col : 0, "%s", msg);
}

void dw_baseline__report_error(struct bl_ctx *ctx, const struct dw_error *err)
{
	ctx->failed = true;
	(void)dw_diags_add(ctx->diags, DW_DIAG_ERROR, err->file[0] ? err->file : ctx->file,
	                   err->line, err->col, "%s", err->msg);
}

int dw_baseline__take_string(struct bl_ctx *ctx, const struct dw_yaml_node *n, char **out)
{
	struct dw_error err;
	const char *s;

	dw_error_clear(&err);
	if (dw_yaml_string(n, &s, &err) < 0) {
		dw_baseline__report_error(ctx, &err);
		return -EINVAL;
	}
	if (!*s) {
		dw_baseline__report(ctx, n, "must not be empty");
		return -EINVAL;
	}
	free(*out);
	return (*out = strdup(s)) ? 0 : -ENOMEM;
}

int dw_baseline__load_yaml(struct bl_ctx *ctx, const struct bl_file *f, struct dw_yaml_doc **out)
{
	struct dw_error err;
	int r;

	dw_error_clear(&err);
	r = dw_yaml_load(f->path, f->data, f->len, &limits, out, &err);
	if (r < 0)
		dw_baseline__report_error(ctx, &err);
	return r;
}

/* The file name, kept for as long as the assertions that point at it. */
static int own_name(struct dw_baseline *bl, const char *path, const char **out)
{
	if (dw_strlist_add(&bl->names, path, strlen(path)) < 0)
		return -ENOMEM;
	*out = bl->names.items[bl->names.count - 1];
	return 0;
}

struct each {
	struct bl_ctx *ctx;
	int (*parse)(struct bl_ctx *ctx, const struct dw_yaml_node *root);
	int rc;
};

static int one_file(const struct bl_file *f, void *payload)
{
	struct each *e = payload;
	struct dw_yaml_doc *doc = NULL;
	int r;

	if ((r = own_name(e->ctx->bl, f->path, &e->ctx->file)) < 0)
		return r; /* out of memory stops everything */
	if ((r = dw_baseline__load_yaml(e->ctx, f, &doc)) == 0)
		r = e->parse(e->ctx, dw_yaml_root(doc));
	dw_yaml_free(doc);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		e->rc = r;
	return 0;
}

void dw_baseline_free(struct dw_baseline *bl)
{
	size_t i;

	if (!bl)
		return;
	for (i = 0; i < bl->nrules; i++)
		dw_baseline__rule_release(&bl->rules[i]);
	free(bl->rules);
	dw_baseline__waivers_free(bl->waivers, bl->nwaivers);
	dw_json_doc_free(bl->args);
	dw_strlist_release(&bl->names);
	free(bl);
}

size_t dw_baseline_count(const struct dw_baseline *bl)
{
	return bl->nrules;
}

/* A waiver must name a rule that exists: a typo would otherwise waive nothing, silently. */
static void check_waivers(struct bl_ctx *ctx)
{
	struct dw_baseline *bl = ctx->bl;
	size_t i, k;

	for (i = 0; i < bl->nwaivers; i++) {
		for (k = 0; k < bl->nrules && strcmp(bl->rules[k].id, bl->waivers[i].rule); k++)
			;
		if (k == bl->nrules) {
			ctx->failed = true;
			(void)dw_diags_add(ctx->diags, DW_DIAG_ERROR, bl->waivers[i].source, 0, 0,
			                   "waiver for unknown rule '%s'", bl->waivers[i].rule);
		}
	}
}

static int cmp_rule(const void *a, const void *b)
{
	const struct bl_rule *x = a, *y = b;
	int c = strcmp(x->collector, y->collector);

	return c ? c : strcmp(x->source, y->source);
}

static int compile(const struct dw_bl_files *files, const char *tenant, struct dw_baseline *bl,
                   struct dw_diags *diags)
{
	struct bl_ctx ctx = { bl, diags, "vars/default.yaml", false };
	struct each rules = { &ctx, dw_baseline__rule, 0 };
	struct each waivers = { &ctx, dw_baseline__waiver, 0 };
	int r;

	if (!(bl->args = dw_json_doc_new()))
		return -ENOMEM;
	if ((r = dw_baseline__vars(&ctx, files, tenant)) < 0)
		return r;
	r = dw_baseline__each_file(files, "baselines/", ".yaml", one_file, &rules);
	r = r ?: dw_baseline__each_file(files, "waivers/", ".yaml", one_file, &waivers);
	if (r == 0)
		check_waivers(&ctx);
	/*
	 * Evaluated, and reported, by collector: the rules of one collector walk the
	 * same objects one after the other while they are in the cache (twice as
	 * fast over 100,000 objects as file order, tests/bench/drift).
	 */
	if (r == 0 && !ctx.failed && bl->nrules > 1)
		qsort(bl->rules, bl->nrules, sizeof(*bl->rules), cmp_rule);
	return r ?: ctx.failed ? -EINVAL : 0;
}

int dw_baseline_compile(const struct dw_bl_files *files, const char *tenant,
                        struct dw_baseline **out, struct dw_diags *diags)
{
	struct dw_baseline *bl = calloc(1, sizeof(*bl));
	int r;

	*out = NULL;
	if (!bl)
		return -ENOMEM;
	r = compile(files, tenant, bl, diags);
	if (r < 0) {
		dw_baseline_free(bl);
		return r;
	}
	*out = bl;
	return 0;
}

/* vars/<tenant>.yaml → "<tenant>" into @out; false for default.yaml and other files. */
static bool vars_tenant(const char *path, char *out, size_t outlen)
{
	size_t n;

	if (strncmp(path, "vars/", 5) != 0 || strchr(path + 5, '/'))
		return false;
	n = strlen(path + 5);
	if (n <= 5 || strcmp(path + 5 + n - 5, ".yaml") != 0 || n - 5 >= outlen)
		return false;
	memcpy(out, path + 5, n - 5);
	out[n - 5] = '\0';
	return strcmp(out, "default") != 0;
}

/* Adds the problems of @more that @diags does not hold yet. */
static void merge_new(struct dw_diags *diags, const struct dw_diags *more)
{
	size_t i, k;

	for (i = 0; i < more->count; i++) {
		const struct dw_diag *m = &more->items[i];

		for (k = 0; k < diags->count; k++)
			if (!strcmp(diags->items[k].msg, m->msg) &&
			    !strcmp(diags->items[k].file ? diags->items[k].file : "",
			            m->file ? m->file : "") &&
			    diags->items[k].line == m->line && diags->items[k].col == m->col)
				break;
		if (k == diags->count)
			(void)dw_diags_add(diags, m->severity, m->file, m->line, m->col, "%s",
			                   m->msg);
	}
}

int dw_baseline_lint(const struct dw_bl_files *files, struct dw_diags *diags)
{
	struct dw_baseline *bl = NULL;
	struct dw_diags one;
	char tenant[256];
	size_t i;
	int r, rc;

	r = dw_baseline_compile(files, NULL, &bl, diags);
	dw_baseline_free(bl);
	for (i = 0; r != -ENOMEM && i < files->count; i++) {
		if (!vars_tenant(files->items[i].path, tenant, sizeof(tenant)))
			continue;
		dw_diags_init(&one);
		rc = dw_baseline_compile(files, tenant, &bl, &one);
		dw_baseline_free(bl);
		merge_new(diags, &one);
		dw_diags_release(&one);
		if (rc < 0)
			r = rc;
	}
	return r;
}
