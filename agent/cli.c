/*
 * What several commands do the same way: read the configuration and the
 * catalog, open the input, print errors and problems.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/diag.h"
#include "driftward/error.h"

void print_diags(const struct dw_diags *diags)
{
	char line[2048];
	size_t i;

	for (i = 0; i < diags->count; i++)
		dw_log_print(DW_LOG_ERROR, "%s",
		             dw_diag_format(&diags->items[i], line, sizeof(line)));
}

int cli_load_config(const struct cli *cli, unsigned flags, struct dw_config **cfg)
{
	struct dw_diags diags;
	int r;

	dw_diags_init(&diags);
	r = dw_config_load(cli->config_path, flags, cfg, &diags);
	print_diags(&diags);
	dw_diags_release(&diags);
	if (r < 0)
		dw_log_print(DW_LOG_ERROR,
		             "driftward: %s: the configuration has errors (see 'driftward check')",
		             cli->config_path);
	return r;
}

int cli_load_catalog(const struct dw_config *cfg, struct dw_catalog **catalog)
{
	struct dw_diags diags;
	int r;

	dw_diags_init(&diags);
	r = dw_catalog_load(cfg->agent.catalog, &cfg->agent.catalogs, catalog, &diags);
	print_diags(&diags);
	dw_diags_release(&diags);
	if (r < 0)
		dw_log_print(DW_LOG_ERROR, "driftward: the collector catalog has errors");
	return r;
}

int print_error(const struct dw_error *err)
{
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];

	dw_log_print(DW_LOG_ERROR, "driftward: %s", dw_error_format(err, msg, sizeof(msg)));
	return EXIT_ERROR;
}

int open_input(const char *path, int *fd)
{
	if (!path || strcmp(path, "-") == 0) {
		*fd = STDIN_FILENO;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0) {
		dw_log_print(DW_LOG_ERROR, "driftward: could not open '%s': %s", path,
		             strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The index of "auto/N": a Kubernetes Indexed Job gives each pod its own in
 * JOB_COMPLETION_INDEX, so one pod template serves every shard.
 */
static int shard_index_from_env(const char *cmd, unsigned long count, unsigned long *index)
{
	const char *v = getenv("JOB_COMPLETION_INDEX");
	char *end;

	if (!v || !*v) {
		usage_error(cmd, "--shard auto/N: JOB_COMPLETION_INDEX is not set "
		                 "(a Kubernetes Indexed Job sets it in each pod)");
		return -EINVAL;
	}
	errno = 0;
	*index = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || *index >= count) {
		usage_error(cmd,
		            "--shard auto/%lu: JOB_COMPLETION_INDEX '%.20s' is not a number from 0 "
		            "to %lu",
		            count, v, count - 1);
		return -EINVAL;
	}
	return 0;
}

/*
 * "I/N": shard I of N, I from 0 to N-1; "auto/N": I from the environment
 * (above). Prints what is wrong.
 */
int cli_parse_shard(const char *cmd, const char *arg, unsigned *index, unsigned *count)
{
	const char *s = arg;
	char *end;
	unsigned long i = 0, n;
	int from_env = strncmp(s, "auto/", 5) == 0;

	if (from_env) {
		s += 5;
	} else {
		i = strtoul(s, &end, 10);
		if (end == s || *s < '0' || *s > '9' || *end != '/')
			goto bad;
		s = end + 1;
	}
	n = strtoul(s, &end, 10);
	if (end == s || *s < '0' || *s > '9' || *end || n == 0 || n > 100000)
		goto bad;
	if (from_env && shard_index_from_env(cmd, n, &i) < 0)
		return -EINVAL;
	if (i >= n)
		goto bad;
	*index = (unsigned)i;
	*count = (unsigned)n;
	return 0;
bad:
	usage_error(cmd, "--shard: '%s' is not I/N with 0 <= I < N, or auto/N", arg);
	return -EINVAL;
}

int cli_parse_tenants(const char *cmd, int argc, char **argv, struct cli_tenants *a)
{
	static const struct option options[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "shard", required_argument, NULL, 's' },
		{ "no-push", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->push = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:t:", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (a->ntenants == CLI_TENANTS_MAX)
				return usage_error(cmd, "too many -t options");
			a->tenants[a->ntenants++] = optarg;
			break;
		case 's':
			if (cli_parse_shard(cmd, optarg, &a->shard_index, &a->shard_count) < 0)
				return EXIT_ERROR;
			break;
		case 'P':
			a->push = 0;
			break;
		case ':':
			return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}
