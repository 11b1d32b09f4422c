/*
 * driftward init: creates the state repository (bare, main seeded with the
 * shipped baselines, compiled into driftward) and the key file when there is none. Running it again
 * is harmless: an existing driftward repository and an existing key file are left as they are.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "driftward/age.h"
#include "driftward/config.h"
#include "driftward/diag.h"
#include "driftward/error.h"
#include "driftward/keyfile.h"
#include "driftward/store.h"

static int init_repo(struct cli *cli, const struct dw_config *cfg, const char *baselines, int adopt)
{
	enum dw_store_init_result result;
	struct dw_error err = { 0 };

	if (adopt && dw_store_adopt(cfg->agent.state_repo, &err) < 0)
		return print_error(&err);
	if (dw_store_init(cfg->agent.state_repo, baselines, NULL, &result, &err) < 0)
		return print_error(&err);
	if (cli->verbosity >= 0 && result == DW_STORE_CREATED)
		printf("%s: state repository created, main seeded from %s\n", cfg->agent.state_repo,
		       baselines ? baselines : "the built-in baselines");
	else if (cli->verbosity >= 0)
		printf("%s: already initialised\n", cfg->agent.state_repo);
	return EXIT_DONE;
}

static int init_key(struct cli *cli, const struct dw_config *cfg)
{
	const char *path = dw_config_key_file(cfg);
	char recipient[DW_AGE_RECIPIENT_MAX];
	struct dw_error err = { 0 };
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (cli->verbosity >= 0)
			printf("%s: key file exists, kept\n", path);
		return EXIT_DONE;
	}
	if (dw_keyfile_create(path, recipient, &err) < 0)
		return print_error(&err);
	if (cli->verbosity >= 0)
		printf("%s: key file written; its recipient is %s\n", path, recipient);
	return EXIT_DONE;
}

static int run_init(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = { { "baselines", required_argument, NULL, 'b' },
		                                 { "adopt", no_argument, NULL, 'a' },
		                                 { NULL, 0, NULL, 0 } };
	const char *baselines = NULL; /* the ones compiled in */
	struct dw_config *cfg = NULL;
	int c, status, adopt = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c == 'a')
			adopt = 1;
		else if (c == 'b')
			baselines = optarg;
		else
			return usage_error("init", "unknown option or missing value '%s'",
			                   argv[optind - 1]);
	}
	if (optind < argc)
		return usage_error("init", "unexpected argument '%s'", argv[optind]);
	/* the key file is what init makes; tenant secrets come later (secret set) */
	if (cli_load_config(cli, DW_CONFIG_KEY_MAY_BE_MISSING | DW_CONFIG_SECRETS_MAY_BE_MISSING,
	                    &cfg) < 0)
		return EXIT_ERROR;
	status = init_repo(cli, cfg, baselines, adopt);
	if (status == EXIT_DONE)
		status = init_key(cli, cfg);
	dw_config_free(cfg);
	return status;
}

const struct command cmd_init = {
	.name = "init",
	.run = run_init,
	.summary = "create the state repository and a key file",
	.usage =
	        "usage: driftward init [--config FILE] [--baselines DIR] [--adopt]\n\n"
	        "Creates the bare state repository at state_repo, with main holding the shipped\n"
	        "baselines, and writes a new key file at key_file (mode 0600) when there is none.\n"
	        "An existing driftward repository and an existing key file are left as they are;\n"
	        "any other non-empty state_repo is refused.\n\n"
	        "  --baselines DIR      the baselines to seed main with (default: the shipped\n"
	        "                       ones, compiled into driftward)\n"
	        "  --adopt              take over the existing bare repository at state_repo\n"
	        "                       (marking it as driftward's), seeding main if it has none\n",
};
