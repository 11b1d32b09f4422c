/*
 * What plan and apply share: the tenant's session with Graph, the
 * repository and the agent key, opened the same way for both.
 */
#include <stdio.h>

#include "agent.h"
#include "driftward/catalog.h"
#include "driftward/config.h"
#include "driftward/session.h"

int restore_session_open(struct restore_session *rs, const struct cli *cli, const char *tenant)
{
	const struct dw_tenant_config *t;
	struct dw_error err;

	dw_error_clear(&err);
	if (cli_load_config(cli, 0, &rs->cfg) < 0 || cli_load_catalog(rs->cfg, &rs->catalog) < 0)
		return -1;
	if (!(t = dw_config_tenant(rs->cfg, tenant))) {
		fprintf(stderr, "driftward: no tenant '%s' in %s\n", tenant, rs->cfg->path);
		return -1;
	}
	if (dw_session_context_init(&rs->ctx, rs->cfg, rs->catalog, DW_SESSION_GRAPH, &err) < 0 ||
	    dw_session_open(&rs->ctx, t, DW_SESSION_GRAPH | DW_SESSION_STORE, &rs->s, &err) < 0) {
		dw_error_prefix(&err, "tenant %s: ", tenant);
		print_error(&err);
		return -1;
	}
	return 0;
}

void restore_session_close(struct restore_session *rs)
{
	dw_session_free(rs->s);
	rs->s = NULL;
	if (rs->cfg)
		dw_session_context_release(&rs->ctx);
	dw_catalog_free(rs->catalog);
	dw_config_free(rs->cfg);
	rs->catalog = NULL;
	rs->cfg = NULL;
}
