/*
 * driftward notify: the notification step of run on its own: each channel
 * hears what opened and cleared in the tenants' drift reports since it was
 * last told. For after a webhook was fixed (what failed is sent now, not at
 * the next timer run), and to try a new channel.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "driftward/config.h"
#include "driftward/notify.h"
#include "driftward/store.h"

#define MAX_TENANT_ARGS 256

struct notify_args {
	const char *tenants[MAX_TENANT_ARGS];
	size_t ntenants;
};

static int parse_args(int argc, char **argv, struct notify_args *a)
{
	static const struct option options[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:t:", options, NULL)) != -1) {
		if (c == 't' && a->ntenants == MAX_TENANT_ARGS)
			return usage_error("notify", "too many -t options");
		else if (c == 't')
			a->tenants[a->ntenants++] = optarg;
		else if (c == ':')
			return usage_error("notify", "option '%s' needs a value", argv[optind - 1]);
		else
			return usage_error("notify", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return usage_error("notify", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static bool wanted(const struct notify_args *a, const char *tenant)
{
	size_t i;

	for (i = 0; i < a->ntenants; i++)
		if (strcmp(a->tenants[i], tenant) == 0)
			return true;
	return a->ntenants == 0;
}

static int notify_all(const struct dw_config *cfg, const struct notify_args *a, struct dw_notify *n,
                      struct dw_store *store)
{
	struct dw_error err;
	size_t i;
	int status = EXIT_DONE;

	for (i = 0; i < cfg->ntenants; i++) {
		if (!wanted(a, cfg->tenants[i].name))
			continue;
		dw_error_clear(&err);
		if (dw_notify_tenant(n, store, cfg->tenants[i].name, &err) < 0) {
			fprintf(stderr, "driftward: tenant %s: notifications: %s\n",
			        cfg->tenants[i].name, err.msg);
			status = EXIT_ERROR;
		}
	}
	return status;
}

static int run_notify(struct cli *cli, int argc, char **argv)
{
	struct notify_args a = { 0 };
	struct dw_notify_counts counts;
	struct dw_config *cfg = NULL;
	struct dw_store *store = NULL;
	struct dw_notify *n = NULL;
	struct dw_error err;
	int status = EXIT_ERROR;

	if (parse_args(argc, argv, &a) != 0)
		return EXIT_ERROR;
	dw_error_clear(&err);
	if (cli_load_config(cli, DW_CONFIG_KEY_MAY_BE_MISSING | DW_CONFIG_SECRETS_MAY_BE_MISSING,
	                    &cfg) < 0)
		return EXIT_ERROR;
	if (dw_notify_new(cfg, &n, &err) < 0 ||
	    dw_store_open(cfg->agent.state_repo, NULL, &store, &err) < 0) {
		print_error(&err);
		goto out;
	}
	status = notify_all(cfg, &a, n, store);
	dw_notify_counts(n, &counts);
	if (cli->verbosity >= 0)
		printf("notifications: %lu sent, %lu not sent, %lu retries\n", counts.sent,
		       counts.failed, counts.retries);
	if (counts.failed)
		status = EXIT_ERROR;
out:
	dw_store_free(store);
	dw_notify_free(n);
	dw_config_free(cfg);
	return status;
}

const struct command cmd_notify = {
	.name = "notify",
	.run = run_notify,
	.summary = "announce findings that opened or cleared (run's last step, alone)",
	.usage = "usage: driftward notify [-t TENANT]...\n\n"
	         "Tells each [notify NAME] channel what opened and cleared in the tenants'\n"
	         "drift reports since it was last told, as 'driftward run' does after drift.\n"
	         "Exit 1 when some notification could not be sent (the next run tries again).\n\n"
	         "  -t, --tenant NAME  only this tenant (repeatable)\n",
};
