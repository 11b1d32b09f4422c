/*
 * driftward check: validates the configuration (and, as the other parts land,
 * the catalog, baselines, key and secrets). Prints one line per problem and
 * exits 1 when there is any.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "agent.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/diag.h"

static void print_diags(const struct dw_diags *diags)
{
	char line[2048];
	size_t i;

	for (i = 0; i < diags->count; i++)
		fprintf(stderr, "%s\n", dw_diag_format(&diags->items[i], line, sizeof(line)));
}

/* The built-in and extra collector catalogs, and each tenant's `collectors` against them. */
static int check_catalog(const struct cli *cli, const struct dw_config *cfg)
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
		fprintf(stderr, "collector catalog: %zu problem%s found\n", diags.errors,
		        diags.errors == 1 ? "" : "s");
	else if (cli->verbosity >= 0)
		printf("%s: ok (%zu collectors)\n", cfg->agent.catalog, catalog->count);
	dw_catalog_free(catalog);
	dw_diags_release(&diags);
	return r;
}

static int run_check(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = { { NULL, 0, NULL, 0 } };
	struct dw_diags diags;
	struct dw_config *cfg = NULL;
	int c, r, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1)
		return usage_error("check", "unknown option '%s'", argv[optind - 1]);
	if (optind < argc)
		return usage_error("check", "unexpected argument '%s'", argv[optind]);

	dw_diags_init(&diags);
	r = dw_config_load(cli->config_path, 0, &cfg, &diags);
	print_diags(&diags);
	if (r < 0) {
		fprintf(stderr, "%s: %zu problem%s found\n", cli->config_path, diags.errors,
		        diags.errors == 1 ? "" : "s");
		status = EXIT_ERROR;
	} else {
		if (cli->verbosity >= 0)
			printf("%s: ok (%zu tenant%s)\n", cli->config_path, cfg->ntenants,
			       cfg->ntenants == 1 ? "" : "s");
		status = check_catalog(cli, cfg) < 0 ? EXIT_ERROR : EXIT_DONE;
	}
	dw_config_free(cfg);
	dw_diags_release(&diags);
	return status;
}

const struct command cmd_check = {
	.name = "check",
	.run = run_check,
	.summary = "validate the configuration",
	.usage = "usage: driftward check [--config FILE]\n\n"
	         "Reads the configuration and reports every problem as file:line: message.\n",
};
