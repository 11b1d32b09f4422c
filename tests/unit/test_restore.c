/*
 * Restore's pieces without Graph: the restore_path template, the body a
 * write sends, the three forms of secret fields, the write order, and the
 * plan file's hash.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/age.h"
#include "driftward/base64.h"
#include "driftward/catalog.h"
#include "driftward/restore.h"
#include "driftward/secret.h"
#include "restore/internal.h"

static struct dw_catalog *catalog;

static int setup(void **state)
{
	const char *src = getenv("DW_SOURCE_DIR");
	char path[PATH_MAX];
	struct dw_diags diags;
	int r;

	(void)state;
	snprintf(path, sizeof(path), "%s/config/collectors.yaml", src ? src : ".");
	dw_diags_init(&diags);
	r = dw_catalog_load(path, NULL, &catalog, &diags);
	dw_diags_release(&diags);
	return r;
}

static int teardown(void **state)
{
	(void)state;
	dw_catalog_free(catalog);
	return 0;
}

static void expect_expand(const char *tmpl, const char *id, const char *want)
{
	struct dw_buf b;

	dw_buf_init(&b, 4096);
	assert_int_equal(
	        dw_restore_expand(tmpl, "/identity/conditionalAccess/policies", id, &b, NULL), 0);
	assert_string_equal(dw_buf_cstr(&b), want);
	dw_buf_release(&b);
}

/* {path}/{id} by default, the id one percent-encoded segment, other placeholders refused. */
static void test_expand(void **state)
{
	struct dw_buf b;

	(void)state;
	expect_expand(NULL, "abc-1", "/identity/conditionalAccess/policies/abc-1");
	expect_expand(NULL, NULL, "/identity/conditionalAccess/policies");
	expect_expand(NULL, "a/b c?d", "/identity/conditionalAccess/policies/a%2Fb%20c%3Fd");
	expect_expand("{path}/{id}/settings", "x_y.z~",
	              "/identity/conditionalAccess/policies/"
	              "x_y.z~/settings");
	expect_expand("/fixed/{id}", "7", "/fixed/7");
	dw_buf_init(&b, 4096);
	assert_int_equal(dw_restore_expand("{path}/{name}", "/p", "1", &b, NULL), -EINVAL);
	assert_int_equal(dw_restore_expand("{path}/}", "/p", "1", &b, NULL), -EINVAL);
	/* {id} in a singleton's template has no id to stand for */
	assert_int_equal(dw_restore_expand("{path}/{id}", "/p", NULL, &b, NULL), -EINVAL);
	dw_buf_release(&b);
}

static char *body_of(const char *collector, unsigned flags, const char *json)
{
	const struct dw_collector *c = dw_catalog_find(catalog, collector);
	struct dw_json_doc *doc = NULL;
	struct dw_buf b;
	char *out;

	assert_non_null(c);
	assert_int_equal(dw_json_parse(json, strlen(json), NULL, &doc, NULL), 0);
	assert_int_equal(dw_restore_body(catalog, c, flags, doc, dw_json_root(doc), NULL), 0);
	dw_buf_init(&b, 1 << 20);
	assert_int_equal(dw_json_write(dw_json_root(doc), DW_JSON_COMPACT, &b, NULL), 0);
	out = dw_buf_detach(&b, NULL);
	dw_json_doc_free(doc);
	return out;
}

static const char ca_policy[] =
        "{\"@odata.context\":\"x\",\"@odata.type\":\"#microsoft.graph.conditionalAccessPolicy\","
        "\"id\":\"p1\",\"templateId\":null,\"createdDateTime\":\"2025-01-01T00:00:00Z\","
        "\"modifiedDateTime\":\"2025-01-02T00:00:00Z\",\"displayName\":\"Block\","
        "\"state\":\"enabled\",\"conditions\":{\"clientAppTypes\":[\"other\","
        "\"exchangeActiveSync\"]}}";

/* Read-only and volatile members left out, @odata.type kept, sets sorted as stored. */
static void test_body(void **state)
{
	char *body;

	(void)state;
	body = body_of("conditionalAccessPolicies", 0, ca_policy);
	assert_string_equal(
	        body, "{\"@odata.type\":\"#microsoft.graph.conditionalAccessPolicy\","
	              "\"conditions\":{\"clientAppTypes\":[\"exchangeActiveSync\",\"other\"]},"
	              "\"displayName\":\"Block\",\"state\":\"enabled\"}");
	free(body);
}

/* --ca-report-only: Conditional Access policies only, whatever their state was. */
static void test_ca_report_only(void **state)
{
	char *body;

	(void)state;
	body = body_of("conditionalAccessPolicies", DW_RESTORE_CA_REPORT_ONLY, ca_policy);
	assert_non_null(strstr(body, "\"state\":\"enabledForReportingButNotEnforced\""));
	free(body);
	body = body_of("namedLocations", DW_RESTORE_CA_REPORT_ONLY,
	               "{\"id\":\"n1\",\"displayName\":\"x\",\"state\":\"enabled\"}");
	assert_string_equal(body, "{\"displayName\":\"x\",\"state\":\"enabled\"}");
	free(body);
}

static char *sealed(const struct dw_age_recipients *r, const char *prefix, const char *plain)
{
	struct dw_buf cipher, out;
	char *s;

	dw_buf_init(&cipher, 1 << 20);
	dw_buf_init(&out, 1 << 20);
	assert_int_equal(dw_age_encrypt_mem(r, 0, plain, strlen(plain), &cipher, NULL), 0);
	assert_int_equal(dw_buf_puts(&out, prefix), 0);
	assert_int_equal(dw_base64_put(&out, cipher.ptr, cipher.len, DW_BASE64_PAD), 0);
	s = dw_buf_detach(&out, NULL);
	dw_buf_release(&cipher);
	return s;
}

static char *form_of(const char *json, const struct dw_age_identities *key,
                     enum dw_restore__secret_form form)
{
	const struct dw_collector *c = dw_catalog_find(catalog, "deviceConfigurations");
	struct dw_json_doc *doc = NULL;
	struct dw_buf b;
	char *out;

	assert_int_equal(dw_json_parse(json, strlen(json), NULL, &doc, NULL), 0);
	dw_buf_init_secret(&b, 1 << 20);
	assert_int_equal(
	        dw_restore__form(catalog, c, 0, dw_json_root(doc), key, form, true, &b, NULL), 0);
	out = strdup(dw_buf_cstr(&b));
	dw_buf_release(&b);
	dw_json_doc_free(doc);
	return out;
}

/*
 * Secret fields: sealed values open to their plaintext in the body sent (a
 * string as a string, a sealed number as the number), masked to show, and
 * hashed with their type to compare with the tenant's plaintext.
 */
static void test_secret_forms(void **state)
{
	char recipient[DW_AGE_RECIPIENT_MAX], desired[4096], *psk, *num, *out, *live_hash;
	struct dw_age_identities *key = NULL;
	struct dw_age_recipients *rcpt = NULL;
	struct dw_secret *identity = NULL;
	static const char live[] = "{\"id\":\"d1\",\"omaSettings\":[{\"value\":\"psk-1\"},"
	                           "{\"value\":1}]}";

	(void)state;
	assert_int_equal(dw_age_keygen(&identity, recipient), 0);
	assert_int_equal(dw_age_identities_new(&key), 0);
	assert_int_equal(dw_age_identities_add(key, (const char *)dw_secret_data(identity), NULL),
	                 0);
	assert_int_equal(dw_age_recipients_new(&rcpt), 0);
	assert_int_equal(dw_age_recipients_add(rcpt, recipient, NULL), 0);
	psk = sealed(rcpt, "age:", "psk-1");
	num = sealed(rcpt, "age-json:", "1");
	snprintf(desired, sizeof(desired),
	         "{\"id\":\"d1\",\"omaSettings\":[{\"value\":\"%s\"},{\"value\":\"%s\"}]}", psk,
	         num);

	out = form_of(desired, key, DW_RESTORE__PLAIN);
	assert_string_equal(out, "{\"omaSettings\":[{\"value\":\"psk-1\"},{\"value\":1}]}");
	free(out);
	out = form_of(desired, key, DW_RESTORE__MASK);
	assert_string_equal(
	        out, "{\"omaSettings\":[{\"value\":\"<secret>\"},{\"value\":\"<secret>\"}]}");
	free(out);
	out = form_of(desired, key, DW_RESTORE__HASH);
	live_hash = form_of(live, NULL, DW_RESTORE__HASH);
	assert_string_equal(out, live_hash);
	assert_null(strstr(out, "psk-1"));
	free(live_hash);
	/* the string "1" is not the number 1 */
	live_hash = form_of("{\"omaSettings\":[{\"value\":\"psk-1\"},{\"value\":\"1\"}]}", NULL,
	                    DW_RESTORE__HASH);
	assert_string_not_equal(out, live_hash);
	free(live_hash);
	free(out);
	free(psk);
	free(num);
	dw_secret_free(identity);
	dw_age_identities_free(key);
	dw_age_recipients_free(rcpt);
}

/* Each collector after those its restore "after" names; a cycle is an error. */
static void test_order(void **state)
{
	const struct dw_collector *c[3];
	static char na[] = "a", nb[] = "b";
	struct dw_collector a = { .name = na }, b = { .name = nb };
	char *after_a[] = { nb }, *after_b[] = { na };

	(void)state;
	c[0] = dw_catalog_find(catalog, "conditionalAccessPolicies");
	c[1] = dw_catalog_find(catalog, "deviceConfigurations");
	c[2] = dw_catalog_find(catalog, "namedLocations");
	assert_int_equal(dw_restore_order(c, 3, NULL), 0);
	assert_string_equal(c[0]->name, "deviceConfigurations");
	assert_string_equal(c[1]->name, "namedLocations");
	assert_string_equal(c[2]->name, "conditionalAccessPolicies");
	a.restore_after = (struct dw_strlist){ after_a, 1, 0 };
	b.restore_after = (struct dw_strlist){ after_b, 1, 0 };
	c[0] = &a;
	c[1] = &b;
	assert_int_equal(dw_restore_order(c, 2, NULL), -ELOOP);
}

static struct dw_restore_plan *sample_plan(void)
{
	struct dw_restore_plan *plan = calloc(1, sizeof(*plan));
	struct dw_restore_request *q;
	struct dw_buf canon;

	assert_non_null(plan);
	dw_buf_init(&plan->diff, 1);
	plan->tenant = strdup("contoso");
	snprintf(plan->commit, sizeof(plan->commit), "%040d", 7);
	snprintf(plan->tenant_state, sizeof(plan->tenant_state), "%064d", 9);
	plan->flags = DW_RESTORE_CA_REPORT_ONLY;
	assert_int_equal(dw_restore__request_add(plan, &q), 0);
	q->collector = strdup("conditionalAccessPolicies");
	q->id = strdup("p1");
	q->method = "PATCH";
	q->api_version = strdup("beta");
	q->path = strdup("/identity/conditionalAccess/policies/p1");
	q->body = strdup("{\"state\":\"enabled\"}");
	q->old = strdup("{\"state\":\"disabled\"}");
	dw_buf_init(&canon, 1 << 20);
	assert_int_equal(dw_restore__canonical(plan, &canon, NULL), 0);
	assert_int_equal(dw_restore__hash(canon.ptr, canon.len, plan->hash), 0);
	dw_buf_release(&canon);
	return plan;
}

static int read_text(const char *text, struct dw_restore_plan **out)
{
	return dw_restore_plan_read(text, strlen(text), out, NULL);
}

static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	assert_non_null(at);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

/* The plan file reads back as written; any edit of what it says breaks its hash. */
static void test_plan_file(void **state)
{
	struct dw_restore_plan *plan = sample_plan(), *back = NULL;
	struct dw_buf file;
	char *edited;

	(void)state;
	dw_buf_init(&file, 1 << 20);
	assert_int_equal(dw_restore_plan_write(plan, &file, NULL), 0);
	assert_int_equal(read_text(dw_buf_cstr(&file), &back), 0);
	assert_string_equal(back->hash, plan->hash);
	assert_string_equal(back->commit, plan->commit);
	assert_int_equal(back->flags, DW_RESTORE_CA_REPORT_ONLY);
	assert_int_equal(back->count, 1);
	assert_string_equal(back->requests[0].method, "PATCH");
	assert_string_equal(back->requests[0].body, "{\"state\":\"enabled\"}");
	dw_restore_plan_free(back);

	edited = replace(dw_buf_cstr(&file), "\"enabled\"", "\"disabled\"");
	assert_int_equal(read_text(edited, &back), -EBADMSG);
	free(edited);
	edited = replace(dw_buf_cstr(&file), "\"caReportOnly\": true", "\"caReportOnly\": false");
	assert_int_equal(read_text(edited, &back), -EBADMSG);
	free(edited);
	edited = replace(dw_buf_cstr(&file), "\"PATCH\"", "\"PUT\"");
	assert_int_equal(read_text(edited, &back), -EBADMSG);
	free(edited);
	edited = replace(dw_buf_cstr(&file), "driftward/plan/v1", "driftward/plan/v0");
	assert_int_equal(read_text(edited, &back), -EBADMSG);
	free(edited);
	assert_null(back);
	dw_buf_release(&file);
	dw_restore_plan_free(plan);
}

/* The hash covers the options: the same requests under other flags are another plan. */
static void test_plan_hash_covers_flags(void **state)
{
	struct dw_restore_plan *a = sample_plan(), *b;
	char first[DW_RESTORE_HASH_HEX];
	struct dw_buf canon;

	(void)state;
	memcpy(first, a->hash, sizeof(first));
	dw_restore_plan_free(a);
	b = sample_plan();
	assert_string_equal(b->hash, first); /* deterministic */
	b->flags |= DW_RESTORE_ALLOW_DELETE;
	dw_buf_init(&canon, 1 << 20);
	assert_int_equal(dw_restore__canonical(b, &canon, NULL), 0);
	assert_int_equal(dw_restore__hash(canon.ptr, canon.len, b->hash), 0);
	assert_string_not_equal(b->hash, first);
	dw_buf_release(&canon);
	dw_restore_plan_free(b);
}

/* Members the body sets are compared; what the tenant has besides them is left alone. */
static void test_differs(void **state)
{
	struct dw_buf diff;
	size_t n;

	(void)state;
	dw_buf_init(&diff, 4096);
	assert_int_equal(dw_restore__differs("{\"a\":1,\"b\":[1,2]}",
	                                     "{\"a\":1,\"b\":[1,2],\"c\":3}", NULL, NULL, NULL, &n,
	                                     NULL),
	                 0);
	assert_int_equal(n, 0);
	assert_int_equal(dw_restore__differs("{\"a\":1,\"b\":2}", "{\"a\":2}", "{\"a\":1,\"b\":2}",
	                                     "{\"a\":2}", &diff, &n, NULL),
	                 0);
	assert_int_equal(n, 2);
	assert_string_equal(dw_buf_cstr(&diff), "    a: 2 -> 1\n    b: (absent) -> 2\n");
	dw_buf_release(&diff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_ca_report_only),
		cmocka_unit_test(test_secret_forms),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_plan_file),
		cmocka_unit_test(test_plan_hash_covers_flags),
		cmocka_unit_test(test_differs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
