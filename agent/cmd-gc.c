/*
 * driftward gc: repacks the state repository into one pack and drops what no
 * ref reaches once it is older than the grace period. Runs roll up their
 * recent packs on their own when packs or loose objects pile up
 * (dw_store_gc_auto, also --auto); this is the command for a timer or an
 * operator.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "driftward/config.h"
#include "driftward/error.h"
#include "driftward/store.h"

/* "now", or a number with a unit: 30m, 12h, 14d, 2w. */
static int parse_age(const char *s, long long *out)
{
	static const struct {
		char unit;
		long long seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	char *end;
	long long n;
	size_t i;

	if (!strcmp(s, "now")) {
		*out = DW_STORE_PRUNE_NOW;
		return 0;
	}
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || n <= 0 || end[0] == '\0' || end[1] != '\0')
		return -EINVAL;
	for (i = 0; i < DW_ARRAY_SIZE(units); i++)
		if (*end == units[i].unit && n <= (1LL << 40) / units[i].seconds) {
			*out = n * units[i].seconds;
			return 0;
		}
	return -EINVAL;
}

static void print_result(const struct cli *cli, const char *repo,
                         const struct dw_store_gc_result *res)
{
	if (cli->verbosity < 0)
		return;
	if (!res->ran) {
		printf("%s: nothing to do\n", repo);
		return;
	}
	if (!res->full) {
		printf("%s: %zu recent packs and the loose objects rolled up into one pack of %zu "
		       "objects; packs %zu -> %zu, loose objects %zu -> %zu\n",
		       repo, res->rolled, res->objects, res->packs_before, res->packs_after,
		       res->loose_before, res->loose_after);
		return;
	}
	printf("%s: %zu objects in one pack; packs %zu -> %zu, loose objects %zu -> %zu, "
	       "%zu unreachable dropped\n",
	       repo, res->objects, res->packs_before, res->packs_after, res->loose_before,
	       res->loose_after, res->pruned);
}

static int run_gc(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = { { "prune", required_argument, NULL, 'p' },
		                                 { "auto", no_argument, NULL, 'a' },
		                                 { NULL, 0, NULL, 0 } };
	struct dw_store_gc_options opts = { 0 };
	struct dw_store_gc_result res;
	struct dw_store *store = NULL;
	struct dw_config *cfg = NULL;
	struct dw_error err = { 0 };
	int c, automatic = 0, r, status = EXIT_ERROR;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c == 'a')
			automatic = 1;
		else if (c != 'p' || parse_age(optarg, &opts.prune_expire) < 0)
			return usage_error("gc", "unknown option or bad value '%s'",
			                   argv[optind - 1]);
	}
	if (optind < argc)
		return usage_error("gc", "unexpected argument '%s'", argv[optind]);
	/* gc needs the repository only: no key, no tenant secrets */
	if (cli_load_config(cli, DW_CONFIG_KEY_MAY_BE_MISSING | DW_CONFIG_SECRETS_MAY_BE_MISSING,
	                    &cfg) < 0)
		return EXIT_ERROR;
	r = dw_store_open(cfg->agent.state_repo, NULL, &store, &err);
	if (r == 0)
		r = automatic ? dw_store_gc_auto(store, &opts, &res, &err)
		              : dw_store_gc(store, &opts, &res, &err);
	if (r < 0)
		print_error(&err);
	else
		print_result(cli, cfg->agent.state_repo, &res), status = EXIT_DONE;
	dw_store_free(store);
	dw_config_free(cfg);
	return status;
}

const struct command cmd_gc = {
	.name = "gc",
	.run = run_gc,
	.summary = "repack the state repository and drop unreachable objects",
	.usage = "usage: driftward gc [--config FILE] [--prune AGE] [--auto]\n\n"
	         "Packs every object a branch reaches into one pack, removes the packs and loose\n"
	         "objects that makes redundant, and drops objects no branch reaches once they are\n"
	         "older than AGE. Fails while a run is using the repository (runs wait for gc).\n"
	         "Safe to interrupt at any moment: git reads the repository throughout.\n\n"
	         "  --prune AGE   grace period of unreachable objects: now, or a number with a\n"
	         "                unit s, m, h, d or w (default 2w, like git's gc.pruneExpire)\n"
	         "  --auto        only when there are more than 50 packs or about 6,700 loose\n"
	         "                objects, and then roll the small recent packs and the loose\n"
	         "                objects up into one, leaving the big old packs (what a run\n"
	         "                does after each commit); a full gc only if the packs are\n"
	         "                still too many\n",
};
