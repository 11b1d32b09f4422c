/*
 * driftward drift: evaluates the baselines of the approved ref against each
 * tenant's snapshot, offline, and prints or writes the reports. Exit 0 no
 * drift, 2 drift, 3 some rule unknown (a collector not read completely),
 * 1 an error (including a rule that could not be evaluated).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "driftward/baseline.h"
#include "driftward/config.h"
#include "driftward/file.h"
#include "driftward/store.h"

#define MAX_TENANT_ARGS 256

struct drift_args {
	const char *tenants[MAX_TENANT_ARGS];
	size_t ntenants;
	const char *at, *dir;
	unsigned formats; /* bit per enum dw_drift_format */
};

struct drift_run {
	const struct drift_args *a;
	struct dw_store *store;
	const struct dw_bl_files *files;
	struct dw_drift_run_options o;
	int quiet;
	int status;
};

static int parse_formats(const char *list, unsigned *formats)
{
	char word[16];
	enum dw_drift_format f;
	size_t n;

	while (*list) {
		n = strcspn(list, ",");
		if (n == 0 || n >= sizeof(word))
			return -EINVAL;
		memcpy(word, list, n);
		word[n] = '\0';
		if (dw_drift_format_parse(word, &f) < 0)
			return -EINVAL;
		*formats |= 1u << f;
		list += n + (list[n] == ',');
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct drift_args *a)
{
	static const struct option options[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "at", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:t:o:", options, NULL)) != -1) {
		if (c == 't' && a->ntenants == MAX_TENANT_ARGS)
			return usage_error("drift", "too many -t options");
		else if (c == 't')
			a->tenants[a->ntenants++] = optarg;
		else if (c == 'a')
			a->at = optarg;
		else if (c == 'o')
			a->dir = optarg;
		else if (c == 'f' && parse_formats(optarg, &a->formats) < 0)
			return usage_error("drift", "unknown format '%s' (md, json, junit, sarif)",
			                   optarg);
		else if (c == ':')
			return usage_error("drift", "option '%s' needs a value", argv[optind - 1]);
		else if (c == '?')
			return usage_error("drift", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return usage_error("drift", "unexpected argument '%s'", argv[optind]);
	if (a->at && a->ntenants > 1)
		return usage_error("drift", "--at goes with one tenant at most");
	if (!a->dir && a->formats & (a->formats - 1))
		return usage_error("drift", "one --format on standard output; several need -o DIR");
	if (!a->formats)
		a->formats =
		        a->dir ? (1u << DW_DRIFT_JSON) | (1u << DW_DRIFT_MD) : 1u << DW_DRIFT_MD;
	return 0;
}

/* DIR/<tenant>/, created when missing. */
static int tenant_dir(const char *dir, const char *tenant, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", dir, tenant);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * First-seen dates from the drift.json already in the output directory, for
 * runs whose history carries no report (the snapshot did not commit one).
 */
static void previous_from_dir(const char *dir, struct dw_drift *d)
{
	char path[4200];
	struct dw_buf b;

	snprintf(path, sizeof(path), "%s/drift.json", dir);
	dw_buf_init(&b, 64u << 20);
	if (dw_buf_read_file(&b, path, NULL) == 0)
		(void)dw_drift_previous(d, b.ptr, b.len, NULL);
	dw_buf_release(&b);
}

static int emit(struct drift_run *R, const struct dw_drift *d)
{
	char dir[4100], path[4200];
	struct dw_buf out;
	struct dw_error err;
	unsigned f;
	int r = 0;

	if (R->a->dir && (r = tenant_dir(R->a->dir, dw_drift_tenant(d), dir, sizeof(dir))) < 0) {
		fprintf(stderr, "driftward: could not create '%s/%s': %s\n", R->a->dir,
		        dw_drift_tenant(d), strerror(-r));
		return r;
	}
	dw_error_clear(&err);
	dw_buf_init(&out, 512u << 20);
	for (f = 0; r == 0 && f < 4; f++) {
		if (!(R->a->formats & (1u << f)))
			continue;
		dw_buf_reset(&out);
		if ((r = dw_drift_write(d, (enum dw_drift_format)f, &out, &err)) < 0) {
			print_error(&err);
			break;
		}
		if (!R->a->dir) {
			fwrite(out.ptr, 1, out.len, stdout);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir,
		         dw_drift_format_file((enum dw_drift_format)f));
		if ((r = dw_file_write_atomic(path, 0644, 0, dw_buf_cstr(&out), out.len, &err)) < 0)
			print_error(&err);
	}
	dw_buf_release(&out);
	return r;
}

/* Folds one tenant's outcome into the exit status: error, then drift, then unknown. */
static void account(struct drift_run *R, const struct dw_drift *d)
{
	struct dw_drift_summary s;
	int st = EXIT_DONE;

	dw_drift_summary(d, &s);
	if (s.status[DW_DRIFT_ERROR])
		st = EXIT_ERROR;
	else if (s.status[DW_DRIFT_FAIL])
		st = EXIT_DRIFT;
	else if (s.status[DW_DRIFT_UNKNOWN])
		st = EXIT_INCOMPLETE;
	if (st == EXIT_ERROR || (R->status != EXIT_ERROR && st > R->status))
		R->status = st;
	if (!R->quiet && R->a->dir)
		fprintf(stderr,
		        "%s: drift %zu (%zu high), %zu waived, %zu pass, %zu n/a, %zu unknown, "
		        "%zu error\n",
		        dw_drift_tenant(d), s.status[DW_DRIFT_FAIL],
		        s.fail_by_severity[0] + s.fail_by_severity[1], s.status[DW_DRIFT_WAIVED],
		        s.status[DW_DRIFT_PASS], s.status[DW_DRIFT_NA], s.status[DW_DRIFT_UNKNOWN],
		        s.status[DW_DRIFT_ERROR]);
}

static int one_tenant(const char *tenant, const char *commit, void *payload)
{
	struct drift_run *R = payload;
	struct dw_drift *d = NULL;
	struct dw_diags diags;
	struct dw_error err;
	char dir[4100];
	int r;

	(void)commit;
	dw_diags_init(&diags);
	dw_error_clear(&err);
	R->o.tenant = tenant;
	r = dw_drift_run(R->store, R->files, &R->o, &d, &diags, &err);
	print_diags(&diags);
	if (r < 0) {
		print_error(&err);
		R->status = EXIT_ERROR;
	} else {
		if (R->a->dir && !R->a->at) {
			snprintf(dir, sizeof(dir), "%s/%s", R->a->dir, dw_drift_tenant(d));
			previous_from_dir(dir, d);
		}
		if (emit(R, d) < 0)
			R->status = EXIT_ERROR;
		else
			account(R, d);
	}
	dw_drift_free(d);
	dw_diags_release(&diags);
	return 0; /* one tenant's failure does not stop the others */
}

static int run_tenants(struct drift_run *R)
{
	struct dw_error err;
	size_t i;

	if (R->a->ntenants == 0 && R->a->at)
		return one_tenant(NULL, NULL, R);
	for (i = 0; i < R->a->ntenants; i++)
		one_tenant(R->a->tenants[i], NULL, R);
	if (R->a->ntenants)
		return 0;
	dw_error_clear(&err);
	if (dw_store_foreach_tenant(R->store, one_tenant, R, &err) < 0) {
		print_error(&err);
		R->status = EXIT_ERROR;
	}
	return 0;
}

static int run_drift(struct cli *cli, int argc, char **argv)
{
	struct drift_args a = { 0 };
	struct drift_run R = { &a, NULL, NULL, { 0 }, cli->verbosity < 0, EXIT_DONE };
	struct dw_config *cfg = NULL;
	struct dw_bl_files *files = NULL;
	char approved[DW_STORE_ID_HEX];
	struct dw_error err;
	int r;

	if ((r = parse_args(argc, argv, &a)) != 0)
		return r;
	dw_error_clear(&err);
	if (cli_load_config(cli, DW_CONFIG_KEY_MAY_BE_MISSING | DW_CONFIG_SECRETS_MAY_BE_MISSING,
	                    &cfg) < 0)
		return EXIT_ERROR;
	/* --at reads the rules of the snapshot's day, for each tenant */
	if (dw_store_open(cfg->agent.state_repo, NULL, &R.store, &err) < 0 ||
	    (!a.at &&
	     dw_bl_files_read(R.store, cfg->agent.approved_ref, &files, approved, &err) < 0)) {
		print_error(&err);
		R.status = EXIT_ERROR;
		goto out;
	}
	R.files = files;
	R.o.approved_ref = cfg->agent.approved_ref;
	R.o.approved_commit = approved;
	R.o.at = a.at;
	run_tenants(&R);
out:
	dw_bl_files_free(files);
	dw_store_free(R.store);
	dw_config_free(cfg);
	return R.status;
}

const struct command cmd_drift = {
	.name = "drift",
	.run = run_drift,
	.summary = "evaluate the baselines against the snapshots",
	.usage =
	        "usage: driftward drift [-t TENANT]... [--at COMMIT] [--format FORMATS] [-o "
	        "DIR]\n\n"
	        "Evaluates the rules, waivers and desired state of the approved ref against\n"
	        "each tenant's snapshot, offline. Exit 0 no drift, 2 drift, 3 a collector was\n"
	        "not read completely, 1 an error.\n\n"
	        "  -t, --tenant NAME  only this tenant (repeatable; default: every tenant branch)\n"
	        "  --at COMMIT        the snapshot at this commit instead of the tenant's branch\n"
	        "                     (the tenant is read from its _status.json unless -t names "
	        "it)\n"
	        "  --format FORMATS   md, json, junit, sarif, comma-separated (default: md on\n"
	        "                     standard output; json,md with -o)\n"
	        "  -o, --output DIR   write DIR/<tenant>/drift.json, DRIFT.md, drift.junit.xml,\n"
	        "                     drift.sarif\n",
};
