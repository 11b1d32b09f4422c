/*
 * driftward plan: the requests that would put a tenant back to the desired
 * state of an approved commit, shown as a diff and written as a plan file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "driftward/file.h"
#include "driftward/restore.h"

struct plan_args {
	const char *tenant;
	const char *output;
	struct dw_restore_options o;
};

static int parse_args(int argc, char **argv, struct plan_args *a)
{
	static const struct option options[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "at", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "allow-create", no_argument, NULL, 'C' },
		{ "allow-delete", no_argument, NULL, 'D' },
		{ "ca-report-only", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:t:o:", options, NULL)) != -1) {
		switch (c) {
		case 't':
			a->tenant = optarg;
			break;
		case 'a':
			a->o.at = optarg;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'C':
			a->o.flags |= DW_RESTORE_ALLOW_CREATE;
			break;
		case 'D':
			a->o.flags |= DW_RESTORE_ALLOW_DELETE;
			break;
		case 'R':
			a->o.flags |= DW_RESTORE_CA_REPORT_ONLY;
			break;
		case ':':
			return usage_error("plan", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("plan", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("plan", "unexpected argument '%s'", argv[optind]);
	if (!a->tenant)
		return usage_error("plan", "which tenant? (-t NAME)");
	return 0;
}

static int write_plan(const struct dw_restore_plan *plan, const char *path)
{
	struct dw_error err;
	struct dw_buf out;
	int r;

	dw_error_clear(&err);
	dw_buf_init(&out, DW_RESTORE_PLAN_MAX);
	r = dw_restore_plan_write(plan, &out, &err);
	r = r ?: dw_file_write_atomic(path, 0600, 0, out.ptr, out.len, &err);
	if (r < 0)
		print_error(&err);
	dw_buf_release(&out);
	return r;
}

static void summary(const struct dw_restore_plan *plan, const struct cli *cli)
{
	if (cli->verbosity >= 0)
		fwrite(plan->diff.ptr, 1, plan->diff.len, stdout);
	printf("%s: %zu request%s from commit %.12s against tenant state %.12s; plan %.12s\n",
	       plan->tenant, plan->count, plan->count == 1 ? "" : "s", plan->commit,
	       plan->tenant_state, plan->hash);
	if (plan->skipped_create || plan->skipped_delete)
		printf("%s: left out: %zu create%s (--allow-create), %zu delete%s "
		       "(--allow-delete)\n",
		       plan->tenant, plan->skipped_create, plan->skipped_create == 1 ? "" : "s",
		       plan->skipped_delete, plan->skipped_delete == 1 ? "" : "s");
}

static int run_plan(struct cli *cli, int argc, char **argv)
{
	struct plan_args args = { 0 };
	struct restore_session rs = { 0 };
	struct dw_restore_plan *plan = NULL;
	struct dw_error err;
	int status = EXIT_ERROR;

	if (parse_args(argc, argv, &args) != 0)
		return EXIT_ERROR;
	dw_error_clear(&err);
	if (restore_session_open(&rs, cli, args.tenant) < 0)
		goto out;
	if (dw_restore_plan_make(&rs.ctx, rs.s, &args.o, &plan, &err) < 0) {
		dw_error_prefix(&err, "tenant %s: ", args.tenant);
		print_error(&err);
		goto out;
	}
	summary(plan, cli);
	if (args.output && write_plan(plan, args.output) < 0)
		goto out;
	status = EXIT_DONE;
out:
	dw_restore_plan_free(plan);
	restore_session_close(&rs);
	return status;
}

const struct command cmd_plan = {
	.name = "plan",
	.run = run_plan,
	.summary = "list the requests that would restore a tenant's approved desired state",
	.usage =
	        "usage: driftward plan -t TENANT [--at COMMIT] [-o PLAN.json] [--allow-create]\n"
	        "                      [--allow-delete] [--ca-report-only]\n\n"
	        "Compares desired/TENANT/ in an approved commit with the tenant as it is now\n"
	        "(a fresh read) and prints, per object, what a restore would change, with\n"
	        "secrets masked. Nothing is sent to the tenant.\n\n"
	        "  -t, --tenant NAME   the tenant\n"
	        "  --at COMMIT         the approved commit (default: approved_ref's tip)\n"
	        "  -o, --output FILE   write the plan for 'driftward apply'\n"
	        "  --allow-create      create objects desired state has and the tenant lacks\n"
	        "  --allow-delete      delete objects a collector with _complete does not list\n"
	        "  --ca-report-only    restore Conditional Access policies in report-only state\n\n"
	        "Exit status: 0 done (with or without requests); 1 error.\n",
};
