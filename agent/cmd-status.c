/*
 * driftward status: per tenant the last run, its result, open findings with
 * their age, incomplete collectors and the last push, read from the state
 * repository alone. --repo reads any copy of it (a git clone --mirror on a
 * laptop) without a configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "driftward/config.h"
#include "driftward/json.h"
#include "driftward/status.h"
#include "driftward/store.h"

#define MAX_TENANT_ARGS 256
#define STATUS_OUT_MAX  (256u << 20)

struct status_args {
	const char *tenants[MAX_TENANT_ARGS];
	size_t ntenants;
	const char *repo;
	int json;
};

static int parse_args(int argc, char **argv, struct status_args *a)
{
	static const struct option options[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "repo", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:t:", options, NULL)) != -1) {
		if (c == 't' && a->ntenants == MAX_TENANT_ARGS)
			return usage_error("status", "too many -t options");
		else if (c == 't')
			a->tenants[a->ntenants++] = optarg;
		else if (c == 'r')
			a->repo = optarg;
		else if (c == 'f' && strcmp(optarg, "json") && strcmp(optarg, "text"))
			return usage_error("status", "unknown format '%s' (text, json)", optarg);
		else if (c == 'f')
			a->json = strcmp(optarg, "json") == 0;
		else if (c == ':')
			return usage_error("status", "option '%s' needs a value", argv[optind - 1]);
		else
			return usage_error("status", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return usage_error("status", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int print_status(const struct dw_json_doc *doc, int json, struct dw_error *err)
{
	struct dw_buf out;
	int r;

	dw_buf_init(&out, STATUS_OUT_MAX);
	r = json ? dw_json_write(dw_json_root(doc), DW_JSON_PRETTY, &out, err)
	         : dw_status_write_text(dw_json_root(doc), &out);
	if (r < 0 && !dw_error_isset(err))
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not write the status: %s",
		             strerror(-r));
	if (r == 0 && out.len && fwrite(out.ptr, 1, out.len, stdout) != out.len)
		r = dw_error_set(err, -EIO, DW_AREA_SYSTEM, EIO, "could not write to stdout");
	dw_buf_release(&out);
	return r;
}

static int run_status(struct cli *cli, int argc, char **argv)
{
	struct status_args a = { 0 };
	struct dw_store_options so = { .read_only = true };
	struct dw_status_options o = { 0 };
	struct dw_config *cfg = NULL;
	struct dw_store *store = NULL;
	struct dw_json_doc *doc = NULL;
	struct dw_error err;
	int status = EXIT_ERROR;

	if (parse_args(argc, argv, &a) != 0)
		return EXIT_ERROR;
	dw_error_clear(&err);
	if (!a.repo &&
	    cli_load_config(cli, DW_CONFIG_KEY_MAY_BE_MISSING | DW_CONFIG_SECRETS_MAY_BE_MISSING,
	                    &cfg) < 0)
		return EXIT_ERROR;
	o.tenants = a.tenants;
	o.ntenants = a.ntenants;
	o.now = (int64_t)time(NULL);
	if (dw_store_open(a.repo ? a.repo : cfg->agent.state_repo, &so, &store, &err) < 0 ||
	    dw_status_read(store, &o, &doc, &err) < 0 || print_status(doc, a.json, &err) < 0) {
		print_error(&err);
		goto out;
	}
	status = EXIT_DONE;
out:
	dw_json_doc_free(doc);
	dw_store_free(store);
	dw_config_free(cfg);
	return status;
}

const struct command cmd_status = {
	.name = "status",
	.run = run_status,
	.summary = "where each tenant stands, from the state repository alone",
	.usage = "usage: driftward status [-t TENANT]... [--format text|json] [--repo PATH]\n\n"
	         "Per tenant: the last run that committed (time, commit, run id), its result,\n"
	         "the open findings by severity with their age, the collectors not read\n"
	         "completely and the last push. Read from the state repository only: no\n"
	         "network, no key, so it works as well on a copy of the repository.\n\n"
	         "  -t, --tenant NAME  only this tenant (repeatable)\n"
	         "  --format FORMAT    text (default) or json (docs/operating.md)\n"
	         "  --repo PATH        read this bare repository (a git clone --mirror of the\n"
	         "                     state repository) instead of the configured one\n",
};
