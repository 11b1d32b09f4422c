/*
 * The object encoder: normalised, canonical, under a stable path, secrets
 * encrypted, and an unchanged secret keeping its ciphertext.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/age.h"
#include "driftward/secret.h"
#include "snapshot/encode.h"

/* -Wwrite-strings: the catalog's strings are not const, so keep writable copies */
static char s_context[] = "@odata.context", s_any_context[] = "*@odata.context",
            s_modified[] = "modifiedDateTime", s_users[] = "/conditions/users/includeUsers",
            s_ranges[] = "/ipRanges", s_cidr[] = "cidrAddress", s_psk[] = "/preSharedKey",
            s_name[] = "conditionalAccessPolicies", s_id[] = "id", s_display[] = "displayName";

struct fixture {
	struct dw_age_identities *key;
	struct dw_age_recipients *recipients;
	char *volatile_global[2];
	char *volatile_own[1];
	struct dw_set_array sets[2];
	char *secret_paths[1];
	struct dw_collector collector;
	struct dw_catalog catalog;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char recipient[DW_AGE_RECIPIENT_MAX];
	struct dw_secret *identity = NULL;

	assert_int_equal(dw_age_keygen(&identity, recipient), 0);
	assert_int_equal(dw_age_identities_new(&fx->key), 0);
	assert_int_equal(
	        dw_age_identities_add(fx->key, (const char *)dw_secret_data(identity), NULL), 0);
	dw_secret_free(identity);
	assert_int_equal(dw_age_recipients_new(&fx->recipients), 0);
	assert_int_equal(dw_age_recipients_add(fx->recipients, recipient, NULL), 0);

	fx->volatile_global[0] = s_context;
	fx->volatile_global[1] = s_any_context;
	fx->volatile_own[0] = s_modified;
	fx->sets[0] = (struct dw_set_array){ s_users, NULL };
	fx->sets[1] = (struct dw_set_array){ s_ranges, s_cidr };
	fx->secret_paths[0] = s_psk;
	fx->collector = (struct dw_collector){
		.name = s_name,
		.key = s_id,
		.name_field = s_display,
		.volatile_keys = { fx->volatile_own, 1 },
		.sets = fx->sets,
		.nsets = 2,
		.secrets = { fx->secret_paths, 1 },
	};
	fx->catalog = (struct dw_catalog){ .collectors = &fx->collector,
		                           .count = 1,
		                           .volatile_keys = { fx->volatile_global, 2 } };
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	dw_age_identities_free(fx->key);
	dw_age_recipients_free(fx->recipients);
	free(fx);
	return 0;
}

struct encoded {
	char *path;
	char *content;
};

static int no_previous(void *ctx, const char *id, size_t idlen, const char **data, size_t *len)
{
	(void)ctx, (void)id, (void)idlen, (void)data, (void)len;
	return -ENOENT;
}

static int previous_is(void *ctx, const char *id, size_t idlen, const char **data, size_t *len)
{
	(void)id, (void)idlen;
	*data = ctx;
	*len = strlen(ctx);
	return 0;
}

static struct encoded encode(struct fixture *fx, const char *json,
                             const struct previous_files *prev, int want)
{
	struct object_encoder enc;
	struct dw_json_doc *doc = NULL;
	struct dw_buf path, content;
	struct dw_error err;
	struct encoded out = { NULL, NULL };

	dw_error_clear(&err);
	dw_buf_init(&path, 4096);
	dw_buf_init(&content, 1 << 20);
	assert_int_equal(dw_json_parse(json, strlen(json), "test", &doc, &err), 0);
	assert_int_equal(dw_snapshot__encoder_init(&enc, &fx->catalog, &fx->collector,
	                                           fx->recipients, fx->key),
	                 0);
	assert_int_equal(dw_snapshot__encoder_encode(&enc, doc, dw_json_root(doc), prev, &path,
	                                             &content, &err),
	                 want);
	dw_snapshot__encoder_release(&enc);
	dw_json_doc_free(doc);
	out.path = dw_buf_detach(&path, NULL);
	out.content = dw_buf_detach(&content, NULL);
	return out;
}

static void objects_are_normalised_and_named(void **state)
{
	struct fixture *fx = *state;
	struct previous_files none = { no_previous, NULL };
	struct encoded e;

	e = encode(
	        fx,
	        "{\"id\":\"5f1e-01\",\"displayName\":\"Block legacy auth\","
	        "\"@odata.context\":\"x\",\"modifiedDateTime\":\"2026-01-01T00:00:00Z\","
	        "\"conditions\":{\"users\":{\"includeUsers\":[\"b\",\"a\"],"
	        "\"includeUsers@odata.context\":\"y\"}},"
	        "\"ipRanges\":[{\"cidrAddress\":\"10.0.0.0/8\"},{\"cidrAddress\":\"1.0.0.0/8\"}],"
	        "\"order\":[2,1],\"preSharedKey\":null}",
	        &none, 0);
	assert_string_equal(e.path, "conditionalAccessPolicies/block-legacy-auth--5f1e-01.json");
	assert_string_equal(e.content, "{\n"
	                               "  \"conditions\": {\n"
	                               "    \"users\": {\n"
	                               "      \"includeUsers\": [\n"
	                               "        \"a\",\n"
	                               "        \"b\"\n"
	                               "      ]\n"
	                               "    }\n"
	                               "  },\n"
	                               "  \"displayName\": \"Block legacy auth\",\n"
	                               "  \"id\": \"5f1e-01\",\n"
	                               "  \"ipRanges\": [\n"
	                               "    {\n"
	                               "      \"cidrAddress\": \"1.0.0.0/8\"\n"
	                               "    },\n"
	                               "    {\n"
	                               "      \"cidrAddress\": \"10.0.0.0/8\"\n"
	                               "    }\n"
	                               "  ],\n"
	                               "  \"order\": [\n"
	                               "    2,\n"
	                               "    1\n"
	                               "  ],\n"
	                               "  \"preSharedKey\": null\n"
	                               "}\n");
	free(e.path);
	free(e.content);
}

static void an_object_without_its_key_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct encoded e = encode(fx, "{\"displayName\":\"x\"}", NULL, -EBADMSG);

	free(e.path);
	free(e.content);
	e = encode(fx, "[1]", NULL, -EBADMSG);
	free(e.path);
	free(e.content);
}

static const char *secret_value(const char *content)
{
	const char *p = strstr(content, "\"preSharedKey\": \"");

	assert_non_null(p);
	return p + strlen("\"preSharedKey\": \"");
}

static void secrets_are_encrypted_and_kept_while_unchanged(void **state)
{
	struct fixture *fx = *state;
	struct previous_files none = { no_previous, NULL }, prev;
	struct encoded first, again, changed;
	const char *obj =
	        "{\"id\":\"v1\",\"displayName\":\"VPN\",\"preSharedKey\":\"CANARY-psk-1\"}";

	first = encode(fx, obj, &none, 0);
	assert_null(strstr(first.content, "CANARY"));
	assert_int_equal(strncmp(secret_value(first.content), "age:", 4), 0);

	/* the same secret again: byte-identical file */
	prev = (struct previous_files){ previous_is, first.content };
	again = encode(fx, obj, &prev, 0);
	assert_string_equal(again.content, first.content);

	/* without the previous file, age's randomness makes a new ciphertext */
	free(again.content);
	free(again.path);
	again = encode(fx, obj, &none, 0);
	assert_string_not_equal(again.content, first.content);

	/* a changed secret: a new ciphertext, still no plaintext */
	changed =
	        encode(fx, "{\"id\":\"v1\",\"displayName\":\"VPN\",\"preSharedKey\":\"CANARY-2\"}",
	               &prev, 0);
	assert_string_not_equal(changed.content, first.content);
	assert_null(strstr(changed.content, "CANARY"));

	free(first.path);
	free(first.content);
	free(again.path);
	free(again.content);
	free(changed.path);
	free(changed.content);
}

/* An added extra recipient (a break-glass key) must reach secrets stored before it. */
static void secrets_are_sealed_again_when_recipients_change(void **state)
{
	struct fixture *fx = *state;
	struct previous_files none = { no_previous, NULL }, prev;
	struct encoded first, again;
	char recipient[DW_AGE_RECIPIENT_MAX];
	struct dw_secret *identity = NULL;
	const char *obj = "{\"id\":\"v1\",\"preSharedKey\":\"CANARY-psk-1\"}";

	first = encode(fx, obj, &none, 0);
	assert_int_equal(dw_age_keygen(&identity, recipient), 0);
	dw_secret_free(identity);
	assert_int_equal(dw_age_recipients_add(fx->recipients, recipient, NULL), 0);
	prev = (struct previous_files){ previous_is, first.content };
	again = encode(fx, obj, &prev, 0);
	assert_string_not_equal(again.content, first.content);
	assert_null(strstr(again.content, "CANARY"));
	free(first.path);
	free(first.content);
	free(again.path);
	free(again.content);
}

static void stored_secrets_decrypt_to_the_plaintext(void **state)
{
	struct fixture *fx = *state;
	struct encoded e = encode(fx, "{\"id\":\"v\",\"preSharedKey\":{\"k\":[1,2]}}", NULL, 0);
	const char *v = secret_value(e.content);

	/* a non-string secret is stored as its canonical JSON, marked so */
	assert_int_equal(strncmp(v, "age-json:", 9), 0);
	assert_null(strstr(e.content, "\"k\""));
	free(e.path);
	free(e.content);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(objects_are_normalised_and_named, setup, teardown),
		cmocka_unit_test_setup_teardown(an_object_without_its_key_is_refused, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(secrets_are_encrypted_and_kept_while_unchanged,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(secrets_are_sealed_again_when_recipients_change,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(stored_secrets_decrypt_to_the_plaintext, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
