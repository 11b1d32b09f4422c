/* Approval as driftward.ini configures it: the [agent] keys mapped onto the options. */
#include "driftward/approval.h"
#include "driftward/config.h"

int dw_approval_verify_agent(struct dw_store *store, const struct dw_agent_config *a,
                             const char *rev, struct dw_approval *out, struct dw_error *err)
{
	struct dw_store_remote remote = { a->remote, a->remote_host_key, a->remote_ssh_key };
	struct dw_approval_options opts = {
		.approved_ref = a->approved_ref,
		.remote = a->remote ? &remote : NULL,
		.require_signed = a->require_signed,
		.allowed_signers = a->allowed_signers,
	};

	return dw_approval_verify(store, &opts, rev, out, err);
}

int dw_approval_check(const struct dw_config *cfg, const char *rev, struct dw_approval *out,
                      struct dw_error *err)
{
	struct dw_store *store = NULL;
	int r;

	if ((r = dw_store_open(cfg->agent.state_repo, NULL, &store, err)) == 0)
		r = dw_approval_verify_agent(store, &cfg->agent, rev, out, err);
	dw_store_free(store);
	return r;
}
