/*
 * driftward propose: a branch proposals/<tenant>/<topic> on top of the
 * approved ref, to open a pull request from: restore the tenant to one of its
 * snapshots, or accept its current drift.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/config.h"
#include "driftward/propose.h"
#include "driftward/text.h"

#define MAX_RULES 64
/* Lines of what was done, and files, listed without -v. */
#define LINES_SHOWN 10

struct propose_args {
	struct dw_propose_options o;
	const char *rules[MAX_RULES];
	int accept;
};

static int take_rule(struct propose_args *a, const char *rule)
{
	if (a->o.nrules == MAX_RULES)
		return usage_error("propose", "at most %d --rule options", MAX_RULES);
	a->rules[a->o.nrules++] = rule;
	return 0;
}

static int check_args(int argc, char **argv, struct propose_args *a)
{
	if (optind < argc)
		return usage_error("propose", "unexpected argument '%s'", argv[optind]);
	if (!a->o.tenant)
		return usage_error("propose", "which tenant? (-t NAME)");
	if (a->accept == !!a->o.restore_to)
		return usage_error("propose", "say what to propose: --accept-drift or --restore-to "
		                              "COMMIT (one of them)");
	if (a->o.restore_to && (a->o.nrules || a->o.owner || a->o.reason || a->o.expires))
		return usage_error("propose", "--rule, --owner, --reason and --expires go with "
		                              "--accept-drift");
	return 0;
}

static int parse_args(int argc, char **argv, struct propose_args *a)
{
	static const struct option options[] = {
		{ "tenant", required_argument, NULL, 't' },
		{ "accept-drift", no_argument, NULL, 'A' },
		{ "restore-to", required_argument, NULL, 'R' },
		{ "rule", required_argument, NULL, 'r' },
		{ "owner", required_argument, NULL, 'O' },
		{ "reason", required_argument, NULL, 'm' },
		{ "expires", required_argument, NULL, 'E' },
		{ "topic", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:t:m:", options, NULL)) != -1) {
		switch (c) {
		case 't':
			a->o.tenant = optarg;
			break;
		case 'A':
			a->accept = 1;
			break;
		case 'R':
			a->o.restore_to = optarg;
			break;
		case 'r':
			if (take_rule(a, optarg) != 0)
				return EXIT_ERROR;
			break;
		case 'O':
			a->o.owner = optarg;
			break;
		case 'm':
			a->o.reason = optarg;
			break;
		case 'E':
			a->o.expires = optarg;
			break;
		case 'T':
			a->o.topic = optarg;
			break;
		case ':':
			return usage_error("propose", "option '%s' needs a value",
			                   argv[optind - 1]);
		default:
			return usage_error("propose", "unknown option '%s'", argv[optind - 1]);
		}
	}
	return check_args(argc, argv, a);
}

/* Who owns a waiver when --owner is not given: git's author e-mail, else the login name. */
static const char *default_owner(void)
{
	const char *s = getenv("GIT_AUTHOR_EMAIL");
	const struct passwd *pw;

	if (s && *s)
		return s;
	if ((s = getenv("EMAIL")) && *s)
		return s;
	if ((s = getenv("USER")) && *s)
		return s;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : NULL;
}

static void print_lines(const struct dw_buf *b, const char *indent)
{
	const char *p = dw_buf_cstr(b), *nl;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		printf("%s%.*s\n", indent, (int)(nl - p), p);
		if (!*nl)
			break;
	}
}

/*
 * The lines of @b, indented: all of them with -v (@all), else the first
 * @shown, as a restore names dozens of collectors and hundreds of files.
 */
static void print_some(const struct dw_buf *b, int all, size_t shown, const char *branch)
{
	const char *s = dw_buf_cstr(b), *nl;
	size_t n = 0, total = 0;
	struct dw_buf line;

	for (nl = s; (nl = strchr(nl, '\n')); nl++)
		total++;
	dw_buf_init(&line, 1u << 16);
	for (; n < total && (all || n < shown); s = nl + 1, n++) {
		nl = strchr(s, '\n');
		dw_buf_reset(&line);
		/* ids and names come from Graph: shown with control characters escaped */
		if (dw_buf_put_printable(&line, s, (size_t)(nl - s), 0) == 0)
			printf("  %s\n", dw_buf_cstr(&line));
	}
	dw_buf_release(&line);
	if (n < total)
		printf("  ... and %zu more (-v lists them; git show --stat %s in the state "
		       "repository)\n",
		       total - n, branch);
}

static void report(const struct dw_config *cfg, const struct dw_proposal *p,
                   const struct propose_args *a, int pushed, int cli_verbose)
{
	const struct dw_store_changes *c = &p->changes;
	const char *target = cfg->agent.approved_ref;

	if (!strncmp(target, "refs/heads/", 11))
		target += 11;

	if (a->o.restore_to)
		printf("%s: restores %s to snapshot %.12s, on top of %s (%.12s)\n", p->branch,
		       a->o.tenant, p->source, cfg->agent.approved_ref, p->base);
	else
		printf("%s: accepts %zu finding%s of %s (snapshot %.12s), on top of %s (%.12s)\n",
		       p->branch, p->accepted, p->accepted == 1 ? "" : "s", a->o.tenant, p->source,
		       cfg->agent.approved_ref, p->base);
	print_some(&p->done, cli_verbose, LINES_SHOWN, p->branch);
	if (p->skipped.len) {
		printf("left out:\n");
		print_lines(&p->skipped, "  ");
	}
	printf("files: %zu added, %zu changed, %zu removed (commit %.12s)\n", c->added, c->changed,
	       c->removed, p->commit);
	print_some(&p->files, cli_verbose, LINES_SHOWN, p->branch);
	if (!a->o.restore_to)
		printf("once merged, the next drift report of %s has %zu failing finding%s\n",
		       a->o.tenant, p->open_after, p->open_after == 1 ? "" : "s");
	if (pushed)
		printf("pushed %s to the remote\n", p->branch);
	printf("next: open a pull request from %s into %s%s\n", p->branch, target,
	       cfg->agent.remote ? "" : " (no remote: merge it in the state repository)");
	printf("      once it is merged%s, ",
	       cfg->agent.require_signed ? " (a signed merge: require_signed is on)" : "");
	if (a->o.restore_to)
		printf("'driftward plan -t %s' lists the requests that restore it\n", a->o.tenant);
	else
		printf("the next drift report of %s shows the findings accepted\n", a->o.tenant);
}

static int run_propose(struct cli *cli, int argc, char **argv)
{
	struct propose_args args = { 0 };
	struct dw_config *cfg = NULL;
	struct dw_catalog *catalog = NULL;
	struct dw_proposal *p = NULL;
	struct dw_diags diags;
	struct dw_error err;
	int status = EXIT_ERROR, pushed = 0;

	if (parse_args(argc, argv, &args) != 0)
		return EXIT_ERROR;
	args.o.rules = args.rules;
	args.o.now = (int64_t)time(NULL);
	if (args.accept && !args.o.owner)
		args.o.owner = default_owner();
	dw_diags_init(&diags);
	dw_error_clear(&err);
	if (cli_load_config(cli, 0, &cfg) < 0 || cli_load_catalog(cfg, &catalog) < 0)
		goto out;
	if (dw_propose_make(cfg, catalog, &args.o, &p, &diags, &err) < 0) {
		print_diags(&diags);
		dw_error_prefix(&err, "tenant %s: ", args.o.tenant);
		print_error(&err);
		goto out;
	}
	if (!p->branch[0]) {
		printf("%s: nothing to propose: %s\n", args.o.tenant,
		       args.o.restore_to
		               ? "desired state on the approved ref is that snapshot already"
		               : "no failing finding to accept");
		status = EXIT_DONE;
		goto out;
	}
	if (cfg->agent.remote && dw_propose_push(cfg, p, &err) < 0) {
		dw_error_prefix(&err, "%s was made here, but not pushed: ", p->branch);
		print_error(&err);
	} else {
		pushed = cfg->agent.remote != NULL;
		status = EXIT_DONE;
	}
	report(cfg, p, &args, pushed, cli->verbosity > 0);
out:
	dw_proposal_free(p);
	dw_diags_release(&diags);
	dw_catalog_free(catalog);
	dw_config_free(cfg);
	return status;
}

const struct command cmd_propose = {
	.name = "propose",
	.run = run_propose,
	.summary = "make a branch to open a pull request from: restore a snapshot, accept drift",
	.usage =
	        "usage: driftward propose -t TENANT --restore-to COMMIT [--topic NAME]\n"
	        "       driftward propose -t TENANT --accept-drift [--rule ID]... -m REASON\n"
	        "                         [--owner WHO] [--expires YYYY-MM-DD] [--topic NAME]\n\n"
	        "Makes the branch proposals/TENANT/TOPIC on top of the approved ref (fetched\n"
	        "from the remote when there is one), pushes it when a remote is configured,\n"
	        "and never touches the approved ref itself.\n\n"
	        "  -t, --tenant NAME     the tenant\n"
	        "  --restore-to COMMIT   copy that snapshot (a commit of tenants/TENANT, or a\n"
	        "                        ref) into desired/TENANT/, every collector a restore\n"
	        "                        writes, whole (with _complete)\n"
	        "  --accept-drift        make the tenant's failing findings approved: a waiver\n"
	        "                        per failing rule, desired state as the tenant is now\n"
	        "  --rule ID             only this rule's findings (repeat it; 'desired-state'\n"
	        "                        for desired objects)\n"
	        "  -m, --reason TEXT     the waivers' rationale (needed when a waiver is written)\n"
	        "  --owner WHO           the waivers' owner (default: $GIT_AUTHOR_EMAIL, $EMAIL\n"
	        "                        or the login name)\n"
	        "  --expires DATE        the waivers' last day (default: 90 days from today)\n"
	        "  --topic NAME          the branch's last part (default: restore-COMMIT or\n"
	        "                        accept-COMMIT); an existing branch is never replaced\n\n"
	        "Exit status: 0 made, or nothing to propose; 1 error.\n",
};
