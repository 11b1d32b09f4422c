/*
 * A tenant: its credential (kept as a secret, or turned into a JWT signer at
 * once so that the PEM text of the key is wiped early), its token and limit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"

static int take_credential(struct dw_graph_tenant *t, struct dw_graph_credential *cred,
                           struct dw_error *err)
{
	enum dw_jwt_alg alg = cred->alg == DW_GRAPH_RS256 ? DW_JWT_RS256 : DW_JWT_PS256;
	int r;

	if (!cred->secret || dw_secret_len(cred->secret) == 0)
		return dw_error_set(err, -EINVAL, DW_AREA_CONFIG, 0, "the credential is empty");
	if (!cred->certificate) {
		t->client_secret = cred->secret;
		cred->secret = NULL;
		return 0;
	}
	r = dw_jwt_signer_new(cred->certificate, cred->secret, alg, &t->signer, err);
	dw_secret_free(cred->secret);
	cred->secret = NULL;
	return r;
}

static int copy_strings(struct dw_graph_tenant *t, const struct dw_graph_credential *cred)
{
	struct dw_buf url;
	int r;

	t->name = strdup(cred->name ? cred->name : cred->tenant_id);
	t->tenant_id = strdup(cred->tenant_id);
	t->client_id = strdup(cred->client_id);
	if (!t->name || !t->tenant_id || !t->client_id)
		return -ENOMEM;
	dw_buf_init(&url, DW_HTTP_MAX_URL);
	r = dw_buf_printf(&url, "%s/%s/oauth2/v2.0/token", t->g->login_url, t->tenant_id);
	if (r == 0)
		t->token_url = dw_buf_detach(&url, NULL);
	return r;
}

int dw_graph_tenant_new(struct dw_graph *g, struct dw_graph_credential *cred,
                        struct dw_graph_tenant **out, struct dw_error *err)
{
	struct dw_graph_tenant *t = calloc(1, sizeof(*t));
	int r = -ENOMEM;

	*out = NULL;
	if (!t) {
		dw_secret_free(cred->secret);
		cred->secret = NULL;
		return dw_error_set(err, r, DW_AREA_HTTP, 0, "out of memory");
	}
	t->g = g;
	dw_list_init(&t->link);
	dw_list_init(&t->waiting);
	t->limit = cred->concurrency ? cred->concurrency : g->opt.tenant_concurrency;
	t->retry_budget = g->opt.retry_budget;
	r = take_credential(t, cred, err);
	if (r == 0 && !cred->tenant_id[0])
		r = dw_error_set(err, -EINVAL, DW_AREA_CONFIG, 0, "no tenant id");
	if (r == 0 && (r = copy_strings(t, cred)) < 0)
		dw_error_set(err, r, DW_AREA_HTTP, 0, "out of memory");
	if (r < 0) {
		dw_graph_tenant_free(t);
		return r;
	}
	dw_list_add_tail(&g->tenants, &t->link);
	*out = t;
	return 0;
}

void dw_graph_tenant_free(struct dw_graph_tenant *t)
{
	if (!t)
		return;
	dw_list_del(&t->link);
	dw_secret_free(t->client_secret);
	dw_secret_free(t->token);
	dw_jwt_signer_free(t->signer);
	free(t->name);
	free(t->tenant_id);
	free(t->client_id);
	free(t->token_url);
	free(t);
}

const struct dw_error *dw_graph_tenant_auth_error(const struct dw_graph_tenant *t)
{
	return t->auth_failed ? &t->auth_error : NULL;
}
