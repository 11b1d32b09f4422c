/*
 * driftward check: validates the configuration, the collector catalog, the key
 * file and that every tenant's secret decrypts. Prints one line per problem
 * and exits 1 when there is any.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "driftward/baseline.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/diag.h"
#include "driftward/preflight.h"
#include "driftward/store.h"

/* "catalog: NAME (N collectors)" for each catalog file read, the built-in one first. */
static void print_catalog_files(const struct dw_catalog *catalog)
{
	size_t i, n;

	for (i = 0; i < catalog->nfiles; i++) {
		n = catalog->files[i].collectors;
		printf("catalog: %s (%zu collector%s)\n", catalog->files[i].name, n,
		       n == 1 ? "" : "s");
	}
}
#include "driftward/log.h"
#include "driftward/store.h"

/*
 * The built-in and extra collector catalogs, and each tenant's `collectors`
 * against them. The catalog is handed on in @out (NULL when it has problems).
 */
static int check_catalog(const struct cli *cli, const struct dw_config *cfg,
                         struct dw_catalog **out)
{
	struct dw_catalog *catalog = NULL;
	struct dw_diags diags;
	size_t i;
	int r;

	dw_diags_init(&diags);
	r = dw_catalog_load(cfg->agent.catalog, &cfg->agent.catalogs, &catalog, &diags);
	for (i = 0; r == 0 && i < cfg->ntenants; i++)
		if (dw_catalog_check_tenant(catalog, cfg->path, &cfg->tenants[i], &diags))
			r = -EINVAL;
	print_diags(&diags);
	if (r < 0)
		dw_log_print(DW_LOG_ERROR, "collector catalog: %zu problem%s found", diags.errors,
		             diags.errors == 1 ? "" : "s");
	else if (cli->verbosity >= 0)
		print_catalog_files(catalog);
	if (r < 0) {
		dw_catalog_free(catalog);
		catalog = NULL;
	}
	*out = catalog;
	dw_diags_release(&diags);
	return r;
}

/* Whoever can write the state repository can move the approved ref (docs/security.md). */
static int check_repository_private(const struct dw_config *cfg)
{
	struct dw_error err;

	dw_error_clear(&err);
	return dw_store_check_private(cfg->agent.state_repo, &err) < 0 ? print_error(&err), -1 : 0;
}

/*
 * The baselines, waivers and vars on the approved ref, each problem as
 * file:line:col. No repository or no approved ref yet is nothing to check.
 */
static int check_baselines(const struct cli *cli, const struct dw_config *cfg)
{
	struct dw_store *store = NULL;
	struct dw_bl_files *files = NULL;
	struct dw_diags diags;
	struct dw_error err;
	int r;

	dw_diags_init(&diags);
	dw_error_clear(&err);
	r = dw_store_open(cfg->agent.state_repo, NULL, &store, &err);
	r = r ?: dw_bl_files_read(store, cfg->agent.approved_ref, &files, NULL, &err);
	if (r == -ENOENT) {
		r = 0; /* before driftward init */
	} else if (r < 0) {
		print_error(&err);
	} else if ((r = dw_baseline_lint(files, &diags)) < 0) {
		print_diags(&diags);
		dw_log_print(DW_LOG_ERROR, "baselines on %s: %zu problem%s found",
		             cfg->agent.approved_ref, diags.errors, diags.errors == 1 ? "" : "s");
	} else if (cli->verbosity >= 0) {
		printf("baselines on %s: ok\n", cfg->agent.approved_ref);
	}
	dw_bl_files_free(files);
	dw_store_free(store);
	dw_diags_release(&diags);
	return r;
}

/* One tenant's preflight table; returns 1 when something must be fixed. */
static int print_preflight(const struct dw_preflight_tenant *t)
{
	size_t i;

	if (t->auth_failed)
		dw_log_print(DW_LOG_ERROR, "%s",
		             t->err.msg); /* the token service's answer, tenant named */
	else if (t->rc < 0)
		print_error(&t->err);
	if (t->rc < 0)
		return 1;
	printf("tenant %s (%s): token ok\n", t->tenant->name, t->tenant->tenant_id);
	printf("  %-44s %-13s %s\n", "COLLECTOR", "STATUS", "DETAIL");
	for (i = 0; i < t->nrows; i++)
		printf("  %-44s %-13s %s\n", t->rows[i].collector->name,
		       dw_collector_status_label(t->rows[i].status), t->rows[i].detail);
	return dw_preflight_tenant_bad(t);
}

/*
 * check --online: a token per tenant, then the first page of each of its
 * collectors (dw_preflight_run). Exit 1 when a token can't be had, a
 * permission is missing or a read fails; a missing licence is reported but
 * is the tenant's choice, not an error.
 */
static int check_online(const struct dw_config *cfg, const struct dw_catalog *catalog,
                        const char *only)
{
	struct dw_preflight_options opts = { .tenants = &only, .ntenants = only ? 1 : 0 };
	struct dw_preflight_report *report = NULL;
	struct dw_error err;
	int bad = 1;
	size_t i;

	dw_error_clear(&err);
	if (dw_preflight_run(cfg, catalog, &opts, &report, &err) < 0) {
		print_error(&err);
		goto out;
	}
	bad = report->rc < 0;
	if (report->rc < 0)
		print_error(&report->err);
	for (i = 0; i < report->ntenants; i++)
		if (print_preflight(&report->tenants[i]))
			bad = 1;
out:
	dw_preflight_report_free(report);
	return bad ? EXIT_ERROR : EXIT_DONE;
}

static int run_check(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = { { "online", no_argument, NULL, 'o' },
		                                 { "tenant", required_argument, NULL, 't' },
		                                 { NULL, 0, NULL, 0 } };
	struct dw_diags diags;
	struct dw_config *cfg = NULL;
	struct dw_catalog *catalog = NULL;
	const char *only = NULL;
	int c, r, status, online = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:t:", options, NULL)) != -1) {
		if (c == 'o')
			online = 1;
		else if (c == 't')
			only = optarg;
		else if (c == ':')
			return usage_error("check", "option '%s' needs a value", argv[optind - 1]);
		else
			return usage_error("check", "unknown option '%s'", argv[optind - 1]);
	}
	if (only && !online)
		return usage_error("check", "-t/--tenant goes with --online");
	if (optind < argc)
		return usage_error("check", "unexpected argument '%s'", argv[optind]);

	dw_diags_init(&diags);
	r = dw_config_load(cli->config_path, 0, &cfg, &diags);
	print_diags(&diags);
	if (r < 0) {
		dw_log_print(DW_LOG_ERROR, "%s: %zu problem%s found", cli->config_path,
		             diags.errors, diags.errors == 1 ? "" : "s");
		status = EXIT_ERROR;
	} else {
		if (cli->verbosity >= 0)
			printf("%s: ok (%zu tenant%s)\n", cli->config_path, cfg->ntenants,
			       cfg->ntenants == 1 ? "" : "s");
		status = EXIT_DONE;
		if (check_catalog(cli, cfg, &catalog) < 0)
			status = EXIT_ERROR;
		if (check_baselines(cli, cfg) < 0)
			status = EXIT_ERROR;
		/* the key file (mode, contents) and every tenant's secret */
		if (check_secrets(cfg, cli->verbosity < 0) < 0)
			status = EXIT_ERROR;
		if (check_repository_private(cfg) < 0)
			status = EXIT_ERROR;
		if (online && status == EXIT_DONE)
			status = check_online(cfg, catalog, only);
	}
	dw_catalog_free(catalog);
	dw_config_free(cfg);
	dw_diags_release(&diags);
	return status;
}

const struct command cmd_check = {
	.name = "check",
	.run = run_check,
	.summary = "validate the configuration",
	.usage = "usage: driftward check [--config FILE] [--online [-t TENANT]]\n\n"
	         "Reads the configuration and the collector catalogs (the built-in one and any\n"
	         "extra files, each named with its number of collectors) and reports every\n"
	         "problem as file:line: message, then checks the key file and that every\n"
	         "tenant's secret decrypts.\n\n"
	         "  --online           also get a token for each tenant and read each of its\n"
	         "                     collectors once: readable, forbidden (naming the Graph\n"
	         "                     permission to grant), not licensed, or error\n"
	         "  -t, --tenant NAME  only this tenant (with --online)\n",
};
