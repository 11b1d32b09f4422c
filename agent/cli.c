/*
 * What several commands do the same way: read the configuration and the
 * catalog, open the input, print errors and problems.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
		fprintf(stderr, "%s\n", dw_diag_format(&diags->items[i], line, sizeof(line)));
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
		fprintf(stderr,
		        "driftward: %s: the configuration has errors (see 'driftward check')\n",
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
		fprintf(stderr, "driftward: the collector catalog has errors\n");
	return r;
}

int print_error(const struct dw_error *err)
{
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];

	fprintf(stderr, "driftward: %s\n", dw_error_format(err, msg, sizeof(msg)));
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
		fprintf(stderr, "driftward: could not open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
