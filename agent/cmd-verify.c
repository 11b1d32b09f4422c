/*
 * driftward verify: is a commit approved (merged into the approved ref and,
 * when required, signed by an allowed signer)? The library judges; this
 * prints the verdict and its reason.
 */
#include <stdio.h>

#include "agent.h"
#include "driftward/approval.h"
#include "driftward/config.h"

static int run_verify(struct cli *cli, int argc, char **argv)
{
	struct dw_config *cfg = NULL;
	struct dw_approval verdict;
	struct dw_error err;
	const char *rev = NULL;
	int status = EXIT_ERROR;

	if (argc > 1 && argv[1][0] == '-' && argv[1][1])
		return usage_error("verify", "unknown option '%s'", argv[1]);
	if (argc > 2)
		return usage_error("verify", "unexpected argument '%s'", argv[2]);
	if (argc == 2)
		rev = argv[1];
	if (cli_load_config(cli, DW_CONFIG_KEY_MAY_BE_MISSING | DW_CONFIG_SECRETS_MAY_BE_MISSING,
	                    &cfg) < 0)
		goto out;
	dw_error_clear(&err);
	if (dw_approval_check(cfg, rev, &verdict, &err) < 0) {
		print_error(&err);
		fputs("driftward: not approved: the commit could not be judged\n", stderr);
		goto out;
	}
	printf("%s %s: %s: %s\n", verdict.commit,
	       verdict.verdict == DW_APPROVAL_GOOD ? "approved" : "not approved",
	       dw_approval_verdict_name(verdict.verdict), verdict.reason);
	status = verdict.verdict == DW_APPROVAL_GOOD ? EXIT_DONE : EXIT_ERROR;
out:
	dw_config_free(cfg);
	return status;
}

const struct command cmd_verify = {
	.name = "verify",
	.run = run_verify,
	.summary = "is a commit approved? merged, and signed by an allowed signer",
	.usage = "usage: driftward verify [COMMIT]\n\n"
	         "Says whether COMMIT (default: the tip of approved_ref) is approved, and why\n"
	         "or why not: it must be reachable from approved_ref (fetched first from the\n"
	         "remote, when one is configured) and, with require_signed = true, carry a git\n"
	         "SSH signature from a key in allowed_signers, valid at the commit's committer\n"
	         "date, for the namespace \"git\": what git verify-commit with\n"
	         "gpg.ssh.allowedSignersFile calls good.\n\n"
	         "Prints one line: COMMIT approved|not approved: VERDICT: REASON. Verdicts: good,\n"
	         "unmerged, unsigned, unknown key, wrong namespace, expired key, bad signature,\n"
	         "unsupported signature.\n\n"
	         "Exit status: 0 approved; 1 not approved, or it could not be judged.\n",
};
