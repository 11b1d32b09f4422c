/*
 * Tenant sessions: the run reads the key file once and every tenant's
 * credential is decrypted with that key; a session opens what it is asked
 * for, all or nothing; its transaction holds the tenant's lock until it is
 * committed or the session freed; its collectors are the tenant's selection.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "driftward/diag.h"
#include "driftward/keyfile.h"
#include "driftward/session.h"
#include "test_store_helpers.h"

struct fixture {
	struct scratch s;
	char key_path[192];
	struct dw_config *cfg;
	struct dw_catalog catalog;
	struct dw_collector collectors[3];
	struct dw_error err;
};

static char alpha[] = "alpha", beta[] = "beta", gamma_[] = "gamma";

static void write_config(struct fixture *fx, const char *path, const char *rcpt)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fprintf(f,
	        "[agent]\nstate_repo = state.git\nkey_file = key.txt\n"
	        "graph_url = https://127.0.0.1:9\nlogin_url = https://127.0.0.1:9\n"
	        "concurrency = 7\nmax_retries = 2\n\n"
	        "[tenant a]\ntenant_id = 00000000-0000-0000-0000-000000000001\n"
	        "client_id = 11111111-1111-1111-1111-111111111111\nsecret_file = a.age\n\n"
	        "[tenant b]\ntenant_id = 00000000-0000-0000-0000-000000000002\n"
	        "client_id = 11111111-1111-1111-1111-111111111111\nsecret_file = b.age\n"
	        "collectors = beta\nextra_recipients = %s\n\n"
	        "[tenant c]\ntenant_id = 00000000-0000-0000-0000-000000000003\n"
	        "client_id = 11111111-1111-1111-1111-111111111111\nsecret_file = a.age\n"
	        "collectors = delta\n",
	        rcpt);
	fclose(f);
	(void)fx;
}

/* Each tenant's secret, sealed with the key the way `secret set` does. */
static void store_secrets(struct fixture *fx)
{
	struct dw_age_identities *key = NULL;
	struct dw_age_recipients *r = NULL;
	size_t i;

	assert_int_equal(dw_keyfile_load(fx->key_path, &key, &fx->err), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(
		        dw_tenant_recipients(fx->cfg, &fx->cfg->tenants[i], key, &r, &fx->err), 0);
		assert_int_equal(
		        dw_tenant_secret_store(&fx->cfg->tenants[i], r, "s3cret", 6, &fx->err), 0);
		dw_age_recipients_free(r);
	}
	dw_age_identities_free(key);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[192], rcpt[DW_AGE_RECIPIENT_MAX], rcpt2[DW_AGE_RECIPIENT_MAX];
	struct dw_diags diags;

	assert_non_null(fx);
	assert_int_equal(scratch_make(&fx->s, 1), 0);
	snprintf(fx->key_path, sizeof(fx->key_path), "%s/key.txt", fx->s.dir);
	assert_int_equal(dw_keyfile_create(fx->key_path, rcpt, &fx->err), 0);
	snprintf(path, sizeof(path), "%s/extra.txt", fx->s.dir);
	assert_int_equal(dw_keyfile_create(path, rcpt2, &fx->err), 0);
	snprintf(path, sizeof(path), "%s/driftward.ini", fx->s.dir);
	write_config(fx, path, rcpt2);
	dw_diags_init(&diags);
	assert_int_equal(dw_config_load(path, DW_CONFIG_SECRETS_MAY_BE_MISSING, &fx->cfg, &diags),
	                 0);
	dw_diags_release(&diags);
	store_secrets(fx);
	fx->collectors[0].name = alpha;
	fx->collectors[1].name = beta;
	fx->collectors[2].name = gamma_;
	fx->catalog.collectors = fx->collectors;
	fx->catalog.count = 3;
	dw_error_clear(&fx->err);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	dw_config_free(fx->cfg);
	scratch_remove(&fx->s);
	free(fx);
	return 0;
}

static void sessions_decrypt_with_the_runs_key_not_the_key_file(void **state)
{
	struct fixture *fx = *state;
	const unsigned need = DW_SESSION_GRAPH | DW_SESSION_RECIPIENTS;
	struct dw_session_context ctx;
	struct dw_session *a = NULL, *b = NULL;

	assert_int_equal(dw_session_context_init(&ctx, fx->cfg, &fx->catalog, need, &fx->err), 0);
	assert_non_null(ctx.key);
	assert_non_null(ctx.graph);
	/* the key file is read once per run: from here on, it is not needed */
	assert_int_equal(unlink(fx->key_path), 0);
	assert_int_equal(dw_session_open(&ctx, &fx->cfg->tenants[0], need, &a, &fx->err), 0);
	assert_int_equal(dw_session_open(&ctx, &fx->cfg->tenants[1], need, &b, &fx->err), 0);
	assert_non_null(dw_session_graph(a));
	assert_non_null(dw_session_graph(b));
	assert_int_equal(dw_age_recipients_count(dw_session_recipients(a)), 1);
	assert_int_equal(dw_age_recipients_count(dw_session_recipients(b)), 2);
	assert_null(dw_session_store(a));
	assert_null(dw_session_tx(a));
	assert_ptr_equal(dw_session_tenant(b), &fx->cfg->tenants[1]);
	dw_session_free(a);
	dw_session_free(b);
	dw_session_context_release(&ctx);
}

static void a_run_without_a_key_holds_nothing(void **state)
{
	struct fixture *fx = *state;
	struct dw_session_context ctx;

	assert_int_equal(unlink(fx->key_path), 0);
	assert_int_equal(dw_session_context_init(&ctx, fx->cfg, NULL, DW_SESSION_GRAPH, &fx->err),
	                 -ENOENT);
	assert_null(ctx.key);
	assert_null(ctx.graph);
	dw_session_context_release(&ctx);
	/* reading snapshots needs no key, so a run for the store alone does not read it */
	assert_int_equal(dw_session_context_init(&ctx, fx->cfg, NULL, 0, &fx->err), 0);
	assert_null(ctx.key);
	dw_session_context_release(&ctx);
}

static void a_session_gets_only_what_its_run_prepared(void **state)
{
	struct fixture *fx = *state;
	struct dw_session_context ctx;
	struct dw_session *s = (struct dw_session *)fx;

	assert_int_equal(dw_session_context_init(&ctx, fx->cfg, NULL, 0, &fx->err), 0);
	assert_int_equal(
	        dw_session_open(&ctx, &fx->cfg->tenants[0], DW_SESSION_GRAPH, &s, &fx->err),
	        -EINVAL);
	assert_null(s);
	dw_session_context_release(&ctx);
}

static void the_transaction_holds_the_tenants_lock_until_commit(void **state)
{
	struct fixture *fx = *state;
	struct dw_store_commit_result result;
	struct dw_session_context ctx;
	struct dw_session *a = NULL, *again = NULL, *b = NULL;

	assert_int_equal(dw_session_context_init(&ctx, fx->cfg, NULL, 0, &fx->err), 0);
	assert_int_equal(
	        dw_session_open(&ctx, &fx->cfg->tenants[0], DW_SESSION_STORE, &a, &fx->err), 0);
	assert_non_null(dw_session_store(a));
	assert_non_null(dw_session_tx(a));
	assert_int_equal(
	        dw_session_open(&ctx, &fx->cfg->tenants[0], DW_SESSION_STORE, &again, &fx->err),
	        -EBUSY);
	assert_null(again);
	/* another tenant has its own lock */
	assert_int_equal(
	        dw_session_open(&ctx, &fx->cfg->tenants[1], DW_SESSION_STORE, &b, &fx->err), 0);
	assert_int_equal(dw_store_tx_stage(dw_session_tx(a), "x/y.json", "{}\n", 3, &fx->err), 0);
	assert_int_equal(
	        dw_session_commit(a, "a: 0 changed, 1 added, 0 removed", &result, &fx->err), 0);
	assert_true(result.committed);
	assert_int_equal(fsck_clean(fx->s.repo), 0);
	assert_null(dw_session_tx(a));
	assert_int_equal(dw_session_commit(a, "again", &result, &fx->err), -EINVAL);
	/* committed: the lock is gone while the session (and its repository) stays */
	assert_int_equal(
	        dw_session_open(&ctx, &fx->cfg->tenants[0], DW_SESSION_STORE, &again, &fx->err), 0);
	assert_string_equal(dw_store_tx_parent(dw_session_tx(again)), result.commit);
	dw_session_free(again);
	dw_session_free(a);
	dw_session_free(b);
	dw_session_context_release(&ctx);
}

static void collectors_are_the_tenants_selection(void **state)
{
	struct fixture *fx = *state;
	const struct dw_collector *const *list;
	struct dw_session_context ctx;
	struct dw_session *s = NULL;
	size_t n;

	assert_int_equal(dw_session_context_init(&ctx, fx->cfg, &fx->catalog, 0, &fx->err), 0);
	assert_int_equal(dw_session_open(&ctx, &fx->cfg->tenants[0], 0, &s, &fx->err), 0);
	list = dw_session_collectors(s, &n);
	assert_int_equal(n, 3);
	assert_ptr_equal(list[2], &fx->collectors[2]);
	dw_session_free(s);
	assert_int_equal(dw_session_open(&ctx, &fx->cfg->tenants[1], 0, &s, &fx->err), 0);
	list = dw_session_collectors(s, &n);
	assert_int_equal(n, 1);
	assert_string_equal(list[0]->name, "beta");
	dw_session_free(s);
	dw_session_context_release(&ctx);
}

static void a_failed_open_leaves_nothing_open(void **state)
{
	struct fixture *fx = *state;
	struct dw_session_context ctx;
	struct dw_session *s = NULL;

	assert_int_equal(dw_session_context_init(&ctx, fx->cfg, &fx->catalog, 0, &fx->err), 0);
	/* tenant c names a collector the catalog lacks: said, and its lock not kept */
	assert_int_equal(
	        dw_session_open(&ctx, &fx->cfg->tenants[2], DW_SESSION_STORE, &s, &fx->err),
	        -EINVAL);
	assert_null(s);
	assert_non_null(strstr(fx->err.msg, "unknown collector 'delta'"));
	ctx.catalog = NULL;
	assert_int_equal(
	        dw_session_open(&ctx, &fx->cfg->tenants[2], DW_SESSION_STORE, &s, &fx->err), 0);
	dw_session_free(s);
	dw_session_context_release(&ctx);
}

static void graph_options_come_from_the_agent_section(void **state)
{
	struct fixture *fx = *state;
	struct dw_graph_options o;

	dw_session_graph_options(&o, &fx->cfg->agent);
	assert_string_equal(o.graph_url, "https://127.0.0.1:9");
	assert_string_equal(o.login_url, "https://127.0.0.1:9");
	assert_int_equal(o.concurrency, 7);
	assert_int_equal(o.max_retries, 2);
	assert_int_equal(o.tenant_concurrency, 4); /* not configured: the client's default */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sessions_decrypt_with_the_runs_key_not_the_key_file,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(a_run_without_a_key_holds_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(a_session_gets_only_what_its_run_prepared, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(the_transaction_holds_the_tenants_lock_until_commit,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(collectors_are_the_tenants_selection, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(a_failed_open_leaves_nothing_open, setup, teardown),
		cmocka_unit_test_setup_teardown(graph_options_come_from_the_agent_section, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
