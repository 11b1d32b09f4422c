/*
 * driftward apply: sends a plan's requests to its tenant, once each, reads
 * back what it wrote, commits the outcome and takes a fresh snapshot.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/restore.h"
#include "driftward/snapshot.h"

struct apply_args {
	const char *file;
	bool keep_going;
};

static int parse_args(int argc, char **argv, struct apply_args *a)
{
	static const struct option options[] = {
		{ "keep-going", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", options, NULL)) != -1) {
		if (c != 'k')
			return usage_error("apply", "unknown option '%s'", argv[optind - 1]);
		a->keep_going = true;
	}
	if (optind + 1 != argc)
		return usage_error("apply", "one plan file, please");
	a->file = argv[optind];
	return 0;
}

static int read_plan(const char *path, struct dw_restore_plan **plan)
{
	struct dw_error err;
	struct dw_buf data;
	int r;

	dw_error_clear(&err);
	dw_buf_init(&data, DW_RESTORE_PLAN_MAX);
	r = dw_buf_read_file(&data, path, &err);
	r = r ?: dw_restore_plan_read(data.ptr, data.len, plan, &err);
	if (r < 0) {
		dw_error_prefix(&err, "%s: ", path);
		print_error(&err);
	}
	dw_buf_release(&data);
	return r;
}

/* Who ran it, for the audit commit: the user name and uid. */
static void whoami(char *out, size_t outlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	uid_t uid = getuid();

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, outlen, "%s (uid %u)", res->pw_name, (unsigned)uid);
	else
		snprintf(out, outlen, "uid %u", (unsigned)uid);
}

static void print_results(const struct dw_restore_plan *plan, const struct dw_restore_report *rep)
{
	static const char *const labels[] = { "not sent", "applied", "FAILED" };
	size_t i;

	for (i = 0; i < rep->count && i < plan->count; i++) {
		const struct dw_restore_request *q = &plan->requests[i];
		const struct dw_restore_result *res = &rep->results[i];

		printf("%s %s/%s: %s%s%s\n", q->method, q->collector, q->id, labels[res->status],
		       res->detail[0] ? ": " : "", res->detail);
	}
	if (rep->commit[0])
		printf("%s: %zu applied, %zu failed; audit commit %.12s\n", plan->tenant,
		       rep->applied, rep->failed, rep->commit);
	else
		printf("%s: nothing to apply\n", plan->tenant);
}

/* The snapshot that follows a restore: the tenant as it is now, on its branch. */
static int snapshot_after(struct restore_session *rs, const char *tenant)
{
	const char *tenants[] = { tenant };
	struct dw_snapshot_options o = { .tenants = tenants, .ntenants = 1, .push = true };
	struct dw_snapshot_report *report = NULL;
	struct dw_error err;
	int r;

	dw_error_clear(&err);
	r = dw_snapshot_run(rs->cfg, rs->catalog, &o, &report, &err);
	if (r == 0 && report->ntenants == 1 && report->tenants[0].rc < 0) {
		err = report->tenants[0].err;
		r = report->tenants[0].rc;
	}
	if (r < 0)
		print_error(&err);
	else
		printf("%s: snapshot %s %.12s\n", tenant,
		       report->tenants[0].committed ? "committed" : "unchanged",
		       report->tenants[0].commit);
	dw_snapshot_report_free(report);
	return r;
}

static int run_apply(struct cli *cli, int argc, char **argv)
{
	struct apply_args args = { 0 };
	struct restore_session rs = { 0 };
	struct dw_restore_plan *plan = NULL;
	struct dw_restore_report *rep = NULL;
	struct dw_error err;
	char who[512];
	int r, status = EXIT_ERROR;

	if (parse_args(argc, argv, &args) != 0 || read_plan(args.file, &plan) < 0)
		goto out;
	whoami(who, sizeof(who));
	dw_error_clear(&err);
	if (restore_session_open(&rs, cli, plan->tenant) < 0)
		goto out;
	r = dw_restore_apply(&rs.ctx, rs.s, plan, args.keep_going, who, &rep, &err);
	/* the tenant's lock goes before the snapshot takes it again */
	dw_session_free(rs.s);
	rs.s = NULL;
	if (rep)
		print_results(plan, rep);
	if (r < 0 && r != -EIO) {
		dw_error_prefix(&err, "tenant %s: ", plan->tenant);
		print_error(&err);
	}
	if (rep && rep->applied && snapshot_after(&rs, plan->tenant) < 0)
		r = r ?: -EIO;
	status = r == 0 ? EXIT_DONE : EXIT_ERROR;
out:
	dw_restore_report_free(rep);
	dw_restore_plan_free(plan);
	restore_session_close(&rs);
	return status;
}

const struct command cmd_apply = {
	.name = "apply",
	.run = run_apply,
	.summary = "send a plan's requests to its tenant and record the outcome",
	.usage = "usage: driftward apply [--keep-going] PLAN.json\n\n"
	         "Refuses a plan that was edited, whose commit is not approved, whose tenant\n"
	         "changed since it was made (stale), or whose tenant is read_only. Otherwise\n"
	         "sends its requests in order, each once, reads back every object written,\n"
	         "stops at the first failure, commits the outcome to the tenant's branch\n"
	         "(_restore.json, secrets masked) and takes a fresh snapshot.\n\n"
	         "  --keep-going   go on after a failed request\n\n"
	         "Exit status: 0 every request applied; 1 refused or failed.\n",
};
