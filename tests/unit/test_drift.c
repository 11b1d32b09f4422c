/*
 * The evaluator: statuses, the one-object rule of `expect: any`, the closest
 * candidate, applicability, waivers, desired state and first-seen dates,
 * judged on small snapshots built in memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "baseline/internal.h"
#include "driftward/baseline.h"

#define T0 1800000000 /* 2027-01-15T08:00:00Z */

static const char vars[] = "caExclusions: {users: [breakglass1], groups: []}\n";

static const char ca_rule[] =
        "schema: driftward/baseline/v1\n"
        "id: entra.ca.block-legacy-auth\n"
        "title: Legacy authentication is blocked\n"
        "severity: high\n"
        "references: [{framework: SCuBA, id: MS.AAD.1.1v1}]\n"
        "target: {collector: conditionalAccessPolicies, where: [{path: /state, equals: enabled}]}\n"
        "expect: any\n"
        "assert:\n"
        "  - {path: /conditions/users/includeUsers, contains: All}\n"
        "  - {path: /conditions/users/excludeUsers, subsetOf: \"${caExclusions.users}\"}\n"
        "  - {path: /conditions/clientAppTypes, containsAll: [exchangeActiveSync, other]}\n"
        "  - {path: /grantControls/builtInControls, contains: block}\n"
        "remediation: {allowed: false, guidance: Block legacy authentication.}\n";

struct fixture {
	struct dw_bl_files *files;
	struct dw_bl_snapshot *snap;
	struct dw_drift *d;
	int64_t now;
	const char *tenant;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->files = dw_bl_files_new();
	f->snap = dw_bl_snapshot_new();
	f->now = T0;
	f->tenant = "contoso";
	assert_int_equal(dw_bl_files_add(f->files, "vars/default.yaml", vars, strlen(vars)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dw_drift_free(f->d);
	dw_bl_snapshot_free(f->snap);
	dw_bl_files_free(f->files);
	free(f);
	return 0;
}

static void add_file(struct fixture *f, const char *path, const char *text)
{
	assert_int_equal(dw_bl_files_add(f->files, path, text, strlen(text)), 0);
}

static void add_object(struct fixture *f, const char *path, const char *json)
{
	struct dw_error err;

	dw_error_clear(&err);
	if (dw_bl_snapshot_add(f->snap, path, json, strlen(json), &err) < 0)
		fail_msg("%s: %s", path, err.msg);
}

static void status(struct fixture *f, const char *collectors)
{
	char json[2048];

	snprintf(json, sizeof(json),
	         "{\"schema\":\"driftward/status/v1\",\"tenant\":\"contoso\",\"collectors\":{%s}}",
	         collectors);
	add_object(f, "_status.json", json);
}

static void evaluate(struct fixture *f)
{
	struct dw_drift_context ctx = { f->tenant, f->now, "refs/heads/main", "abc" };
	struct dw_baseline *bl = NULL;
	struct dw_diags d;
	struct dw_error err;
	char msg[1024];

	dw_diags_init(&d);
	dw_error_clear(&err);
	if (dw_baseline_compile(f->files, f->tenant, &bl, &d) < 0)
		fail_msg("%s", d.count ? dw_diag_format(&d.items[0], msg, sizeof(msg)) : "compile");
	dw_drift_free(f->d);
	if (dw_drift_evaluate(bl, f->files, f->snap, &ctx, &f->d, &err) < 0)
		fail_msg("evaluate: %s", err.msg);
	dw_baseline_free(bl);
	dw_diags_release(&d);
}

static const struct dw_json *finding(struct fixture *f, size_t i)
{
	const struct dw_json *x = dw_json_at(f->d->findings, i);

	if (!x)
		fail_msg("no finding %zu", i);
	return x;
}

static const char *str(const struct dw_json *o, const char *pointer)
{
	const struct dw_json *v = dw_baseline__at(o, pointer);
	const char *s = v ? dw_json_cstr(v) : NULL;

	return s ? s : "(none)";
}

static char *compact(const struct dw_json *v)
{
	static char out[4096];
	struct dw_buf b;

	dw_buf_init(&b, sizeof(out) - 1);
	if (!v || dw_json_write(v, DW_JSON_COMPACT, &b, NULL) < 0)
		snprintf(out, sizeof(out), "(none)");
	else
		snprintf(out, sizeof(out), "%s", b.ptr);
	dw_buf_release(&b);
	return out;
}

#define POLICY(state, users, excl, apps, grant)                                                    \
	"{\"id\":\"%s\",\"displayName\":\"%s\",\"state\":\"" state "\",\"conditions\":{\"users\":" \
	"{\"includeUsers\":" users ",\"excludeUsers\":" excl "},\"clientAppTypes\":" apps "},"     \
	"\"grantControls\":{\"builtInControls\":" grant "}}"

static void add_policy_json(struct fixture *f, const char *id, const char *json)
{
	char path[256];

	snprintf(path, sizeof(path), "conditionalAccessPolicies/p--%s.json", id);
	add_object(f, path, json);
}

#define add_policy(f, id, name, fmt)                           \
	do {                                                   \
		char json_[2048];                              \
		snprintf(json_, sizeof(json_), fmt, id, name); \
		add_policy_json(f, id, json_);                 \
	} while (0)

static const char ca_ok[] = "\"conditionalAccessPolicies\":{\"status\":\"ok\",\"objects\":2}";

/* One object satisfies every assertion: pass, naming it. */
static void test_any_pass(void **state)
{
	struct fixture *f = *state;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_policy(f, "p1", "MFA",
	           POLICY("enabled", "[\"All\"]", "[]", "[\"browser\"]", "[\"mfa\"]"));
	add_policy(f, "p2", "Block legacy",
	           POLICY("enabled", "[\"All\"]", "[\"breakglass1\"]",
	                  "[\"exchangeActiveSync\",\"other\"]", "[\"block\"]"));
	evaluate(f);
	assert_int_equal(dw_json_count(f->d->findings), 1);
	assert_string_equal(str(finding(f, 0), "/status"), "pass");
	assert_string_equal(str(finding(f, 0), "/object/id"), "p2");
	assert_string_equal(str(finding(f, 0), "/object/path"),
	                    "conditionalAccessPolicies/p--p2.json");
}

/*
 * Assertions met by different objects together are no pass; the closest
 * object is named with exactly what it missed, expected and actual.
 */
static void test_any_one_object_and_closest(void **state)
{
	struct fixture *f = *state;
	const struct dw_json *x, *fl;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	/* p1 has the users and the block, p2 the client apps: together they would pass */
	add_policy(f, "p1", "Block all",
	           POLICY("enabled", "[\"All\"]", "[]", "[\"browser\"]", "[\"block\"]"));
	add_policy(
	        f, "p2", "Legacy MFA",
	        POLICY("enabled", "[]", "[]", "[\"exchangeActiveSync\",\"other\"]", "[\"mfa\"]"));
	evaluate(f);
	x = finding(f, 0);
	assert_string_equal(str(x, "/status"), "fail");
	assert_string_equal(str(x, "/object/id"), "p1");
	assert_non_null(strstr(str(x, "/reason"), "the closest is Block all"));
	fl = dw_json_get(x, "failures");
	assert_int_equal(dw_json_count(fl), 1);
	assert_string_equal(str(dw_json_at(fl, 0), "/path"), "/conditions/clientAppTypes");
	assert_string_equal(str(dw_json_at(fl, 0), "/operator"), "containsAll");
	assert_string_equal(compact(dw_json_get(dw_json_at(fl, 0), "expected")),
	                    "[\"exchangeActiveSync\",\"other\"]");
	assert_string_equal(compact(dw_json_get(dw_json_at(fl, 0), "actual")), "[\"browser\"]");
	assert_string_equal(str(dw_json_at(fl, 0), "/at"), "baselines/ca.yaml:11:5");
	assert_string_equal(str(x, "/firstSeen"), "2027-01-15T08:00:00Z");
}

/*
 * Ties on the number of conditions missed: the disabled policy comes first in
 * file order, but the report-only one is the rule's own policy switched off
 * enforcing (the demo's case): its /state begins with the wanted "enabled".
 */
static void test_closest_report_only_beats_disabled(void **state)
{
	struct fixture *f = *state;
	const struct dw_json *x, *fl;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_policy(f, "a-untrusted", "Block access from untrusted countries",
	           POLICY("disabled", "[\"All\"]", "[]", "[\"exchangeActiveSync\",\"other\"]",
	                  "[\"block\"]"));
	add_policy(f, "b-legacy", "Block legacy authentication",
	           POLICY("enabledForReportingButNotEnforced", "[\"All\"]", "[]",
	                  "[\"exchangeActiveSync\",\"other\"]", "[\"block\"]"));
	evaluate(f);
	x = finding(f, 0);
	assert_string_equal(str(x, "/status"), "fail");
	assert_string_equal(str(x, "/object/id"), "b-legacy");
	assert_non_null(strstr(str(x, "/reason"), "the closest is Block legacy authentication"));
	fl = dw_json_get(x, "failures");
	assert_int_equal(dw_json_count(fl), 1);
	assert_string_equal(str(dw_json_at(fl, 0), "/path"), "/state");
}

/*
 * Same number missed: a value of the right type beats one of another type,
 * which beats nothing at all; then the larger share of the wanted set.
 */
static void test_closest_weighs_missed_values(void **state)
{
	struct fixture *f = *state;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	/* each misses /conditions/clientAppTypes only, in its own way */
	add_policy(f, "a-nothing", "No client apps",
	           POLICY("enabled", "[\"All\"]", "[]", "null", "[\"block\"]"));
	add_policy(f, "b-string", "Client apps as a string",
	           POLICY("enabled", "[\"All\"]", "[]", "\"exchangeActiveSync\"", "[\"block\"]"));
	add_policy(f, "c-browser", "Browser only",
	           POLICY("enabled", "[\"All\"]", "[]", "[\"browser\"]", "[\"block\"]"));
	add_policy(f, "d-eas", "Exchange ActiveSync only",
	           POLICY("enabled", "[\"All\"]", "[]", "[\"exchangeActiveSync\"]", "[\"block\"]"));
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/object/id"), "d-eas");
	/* without it, the set with nothing wanted in it still beats a wrong type */
	dw_bl_snapshot_free(f->snap);
	f->snap = dw_bl_snapshot_new();
	status(f, ca_ok);
	add_policy(f, "a-nothing", "No client apps",
	           POLICY("enabled", "[\"All\"]", "[]", "null", "[\"block\"]"));
	add_policy(f, "b-string", "Client apps as a string",
	           POLICY("enabled", "[\"All\"]", "[]", "\"exchangeActiveSync\"", "[\"block\"]"));
	add_policy(f, "c-browser", "Browser only",
	           POLICY("enabled", "[\"All\"]", "[]", "[\"browser\"]", "[\"block\"]"));
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/object/id"), "c-browser");
	/* and a wrong type beats nothing */
	dw_bl_snapshot_free(f->snap);
	f->snap = dw_bl_snapshot_new();
	status(f, ca_ok);
	add_policy(f, "a-nothing", "No client apps",
	           POLICY("enabled", "[\"All\"]", "[]", "null", "[\"block\"]"));
	add_policy(f, "b-string", "Client apps as a string",
	           POLICY("enabled", "[\"All\"]", "[]", "\"exchangeActiveSync\"", "[\"block\"]"));
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/object/id"), "b-string");
}

/* A full tie goes to the first path, whatever order the objects came in. */
static void test_closest_tie_is_path_order(void **state)
{
	struct fixture *f = *state;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_policy(f, "b", "Second by path",
	           POLICY("disabled", "[\"All\"]", "[]", "[\"browser\"]", "[\"block\"]"));
	add_policy(f, "a", "First by path",
	           POLICY("disabled", "[\"All\"]", "[]", "[\"browser\"]", "[\"block\"]"));
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/object/id"), "a");
}

/* An exclusion the variable allows passes; one it does not allow fails. */
static void test_exclusions(void **state)
{
	struct fixture *f = *state;
	const struct dw_json *fl;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_policy(f, "p1", "Block legacy",
	           POLICY("enabled", "[\"All\"]", "[\"breakglass1\",\"someone\"]",
	                  "[\"exchangeActiveSync\",\"other\"]", "[\"block\"]"));
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "fail");
	fl = dw_json_get(finding(f, 0), "failures");
	assert_int_equal(dw_json_count(fl), 1);
	assert_string_equal(str(dw_json_at(fl, 0), "/path"), "/conditions/users/excludeUsers");
	assert_string_equal(compact(dw_json_get(dw_json_at(fl, 0), "expected")),
	                    "[\"breakglass1\"]");
	/* the tenant's own variables allow the second exclusion */
	add_file(f, "vars/contoso.yaml", "caExclusions: {users: [breakglass1, someone]}\n");
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "pass");
}

/* A report-only policy does not count: the rule targets enabled ones. */
static void test_report_only(void **state)
{
	struct fixture *f = *state;
	const struct dw_json *fl;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_policy(f, "p1", "Block legacy (report-only)",
	           POLICY("enabledForReportingButNotEnforced", "[\"All\"]", "[]",
	                  "[\"exchangeActiveSync\",\"other\"]", "[\"block\"]"));
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "fail");
	/* it is still the closest, and the report says it is not enabled */
	fl = dw_json_get(finding(f, 0), "failures");
	assert_int_equal(dw_json_count(fl), 1);
	assert_string_equal(str(dw_json_at(fl, 0), "/path"), "/state");
	assert_string_equal(compact(dw_json_get(dw_json_at(fl, 0), "actual")),
	                    "\"enabledForReportingButNotEnforced\"");
}

/* A collector read partially makes the rule unknown, never pass or fail. */
static void test_unknown_and_na(void **state)
{
	struct fixture *f = *state;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, "\"conditionalAccessPolicies\":{\"status\":\"partial\",\"objects\":1,"
	          "\"detail\":\"stopped after 3 pages\"}");
	add_policy(f, "p2", "Block legacy",
	           POLICY("enabled", "[\"All\"]", "[]", "[\"exchangeActiveSync\",\"other\"]",
	                  "[\"block\"]"));
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "unknown");
	assert_non_null(strstr(str(finding(f, 0), "/reason"), "stopped after 3 pages"));
	status(f, "\"conditionalAccessPolicies\":{\"status\":\"unlicensed\",\"objects\":0}");
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "n/a");
	status(f, "\"conditionalAccessPolicies\":{\"status\":\"failed\",\"objects\":0}");
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "unknown");
}

static void test_not_read_at_all(void **state)
{
	struct fixture *f = *state;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, "\"other\":{\"status\":\"ok\",\"objects\":0}");
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "unknown");
	assert_non_null(strstr(str(finding(f, 0), "/reason"), "was not read"));
}

static const char sd_rule[] = "schema: driftward/baseline/v1\n"
                              "id: t.sd\n"
                              "title: Security defaults are on when CA is not used\n"
                              "severity: medium\n"
                              "tenants: [contoso]\n"
                              "requires: [{collector: securityDefaults, where: [{path: /isEnabled, "
                              "equals: false}]}]\n"
                              "target: {collector: conditionalAccessPolicies}\n"
                              "expect: count\n"
                              "count: {gte: 1}\n";

static void test_requires_and_tenants(void **state)
{
	struct fixture *f = *state;

	add_file(f, "baselines/sd.yaml", sd_rule);
	status(f, "\"conditionalAccessPolicies\":{\"status\":\"ok\",\"objects\":0},"
	          "\"securityDefaults\":{\"status\":\"ok\",\"objects\":1}");
	add_object(f, "securityDefaults/securityDefaults.json", "{\"isEnabled\":true}");
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "n/a");
	assert_non_null(
	        strstr(str(finding(f, 0), "/reason"), "requires an object of securityDefaults"));
	f->tenant = "fabrikam";
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "n/a");
	assert_non_null(strstr(str(finding(f, 0), "/reason"), "other tenants"));
}

static void test_count(void **state)
{
	struct fixture *f = *state;

	add_file(f, "baselines/sd.yaml", sd_rule);
	status(f, "\"conditionalAccessPolicies\":{\"status\":\"ok\",\"objects\":0},"
	          "\"securityDefaults\":{\"status\":\"ok\",\"objects\":1}");
	add_object(f, "securityDefaults/securityDefaults.json", "{\"isEnabled\":false}");
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "fail");
	assert_string_equal(str(finding(f, 0), "/reason"), "0 objects match, expected gte 1");
	add_policy(f, "p1", "x", POLICY("enabled", "[]", "[]", "[]", "[]"));
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "pass");
}

#define ALL_RULE                                                         \
	"schema: driftward/baseline/v1\n"                                \
	"id: t.all\n"                                                    \
	"title: Every enabled policy has a grant control\n"              \
	"severity: low\n"                                                \
	"target: {collector: conditionalAccessPolicies, where: [{path: " \
	"/state, equals: enabled}]}\n"                                   \
	"expect: %s\n"                                                   \
	"assert: [{path: /grantControls/builtInControls, empty: false}]\n"

static void test_all_and_none(void **state)
{
	struct fixture *f = *state;
	char text[1024];

	snprintf(text, sizeof(text), ALL_RULE, "all");
	add_file(f, "baselines/all.yaml", text);
	status(f, ca_ok);
	add_policy(f, "p1", "a", POLICY("enabled", "[]", "[]", "[]", "[\"mfa\"]"));
	add_policy(f, "p2", "b", POLICY("enabled", "[]", "[]", "[]", "[]"));
	add_policy(f, "p3", "c", POLICY("disabled", "[]", "[]", "[]", "[]"));
	evaluate(f);
	/* one finding per failing object, identified by it */
	assert_int_equal(dw_json_count(f->d->findings), 1);
	assert_string_equal(str(finding(f, 0), "/status"), "fail");
	assert_string_equal(str(finding(f, 0), "/object/id"), "p2");
	snprintf(text, sizeof(text), ALL_RULE, "none");
	dw_bl_files_free(f->files);
	f->files = dw_bl_files_new();
	add_file(f, "baselines/all.yaml", text);
	evaluate(f);
	assert_int_equal(dw_json_count(f->d->findings), 1);
	assert_string_equal(str(finding(f, 0), "/object/id"), "p1");
}

static void add_waiver(struct fixture *f, const char *object, const char *expires)
{
	char text[1024];

	snprintf(text, sizeof(text),
	         "schema: driftward/waiver/v1\nrule: entra.ca.block-legacy-auth\ntenant: contoso\n"
	         "%s%s%srationale: legacy scanner until migration\nowner: alice@example.com\n"
	         "expires: %s\n",
	         object ? "object: " : "", object ? object : "", object ? "\n" : "", expires);
	add_file(f, "waivers/w.yaml", text);
}

static void test_waived_then_expired(void **state)
{
	struct fixture *f = *state;
	const struct dw_json *x;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_waiver(f, NULL, "2027-01-15");
	evaluate(f);
	x = finding(f, 0);
	assert_string_equal(str(x, "/status"), "waived");
	assert_string_equal(str(x, "/waiver/owner"), "alice@example.com");
	/* the day after the expiry date: drift again, and it says so */
	f->now = T0 + 86400;
	evaluate(f);
	x = finding(f, 0);
	assert_string_equal(str(x, "/status"), "fail");
	assert_true(dw_json_bool(dw_baseline__at(x, "/waiver/expired")));
	assert_non_null(strstr(str(x, "/reason"), "expired on 2027-01-15"));
}

static void test_waiver_for_other_object(void **state)
{
	struct fixture *f = *state;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_policy(f, "p1", "a", POLICY("enabled", "[]", "[]", "[]", "[]"));
	add_waiver(f, "p9", "2099-01-01");
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "fail");
}

static void test_desired_state(void **state)
{
	struct fixture *f = *state;
	const struct dw_json *x, *fl;

	status(f, "\"authorizationPolicy\":{\"status\":\"ok\",\"objects\":1},"
	          "\"conditionalAccessPolicies\":{\"status\":\"ok\",\"objects\":0}");
	add_object(f, "authorizationPolicy/authorizationPolicy.json",
	           "{\"id\":\"authorizationPolicy\",\"allowInvitesFrom\":\"everyone\","
	           "\"defaultUserRolePermissions\":{\"allowedToCreateApps\":true},\"extra\":1}");
	add_file(f, "desired/contoso/authorizationPolicy/authorizationPolicy.json",
	         "{\"id\":\"authorizationPolicy\",\"allowInvitesFrom\":\"adminsAndGuestInviters\","
	         "\"defaultUserRolePermissions\":{\"allowedToCreateApps\":false}}");
	add_file(f, "desired/contoso/conditionalAccessPolicies/gone--p7.json", "{\"id\":\"p7\"}");
	add_file(f, "desired/contoso/conditionalAccessPolicies/_complete", "");
	add_file(f, "desired/fabrikam/authorizationPolicy/authorizationPolicy.json", "{}");
	evaluate(f);
	assert_int_equal(dw_json_count(f->d->findings), 2);
	x = finding(f, 0);
	assert_string_equal(str(x, "/kind"), "desired");
	assert_string_equal(str(x, "/status"), "fail");
	fl = dw_json_get(x, "failures");
	assert_int_equal(dw_json_count(fl), 3);
	assert_string_equal(str(dw_json_at(fl, 0), "/path"), "/allowInvitesFrom");
	assert_string_equal(str(dw_json_at(fl, 0), "/expected"), "adminsAndGuestInviters");
	assert_string_equal(str(dw_json_at(fl, 0), "/actual"), "everyone");
	assert_string_equal(str(dw_json_at(fl, 1), "/path"),
	                    "/defaultUserRolePermissions/allowedToCreateApps");
	assert_string_equal(str(dw_json_at(fl, 2), "/path"), "/extra");
	assert_true(dw_json_bool(dw_baseline__at(dw_json_at(fl, 2), "/unexpected")));
	x = finding(f, 1);
	assert_string_equal(str(x, "/status"), "fail");
	assert_string_equal(str(x, "/reason"), "the tenant has no such object");
}

static void test_desired_bad_json_is_error(void **state)
{
	struct fixture *f = *state;

	status(f, ca_ok);
	add_file(f, "desired/contoso/conditionalAccessPolicies/x--p1.json", "{\"id\":");
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/status"), "error");
	assert_non_null(strstr(str(finding(f, 0), "/reason"),
	                       "desired/contoso/conditionalAccessPolicies/x--p1.json:1:"));
}

/*
 * A snapshot with a bit of everything the evaluator judges across collectors,
 * in path order, as a tree walk gives it: rules that require a collector
 * read before and after their own, a waiver, desired files found by id, by
 * path and not at all, a collector read partly and one not read.
 */
static const char *const tree[][2] = {
	{ "_status.json",
	  "{\"schema\":\"driftward/status/v1\",\"tenant\":\"contoso\",\"collectors\":{"
	  "\"authorizationPolicy\":{\"status\":\"ok\",\"objects\":1},"
	  "\"conditionalAccessPolicies\":{\"status\":\"ok\",\"objects\":3},"
	  "\"securityDefaults\":{\"status\":\"ok\",\"objects\":1},"
	  "\"zPartial\":{\"status\":\"partial\",\"detail\":\"throttled\",\"objects\":1}}}" },
	{ "authorizationPolicy/authorizationPolicy.json",
	  "{\"id\":\"authorizationPolicy\",\"allowInvitesFrom\":\"everyone\"}" },
	{ "conditionalAccessPolicies/p--p1.json",
	  "{\"id\":\"p1\",\"displayName\":\"Report-only block\",\"state\":"
	  "\"enabledForReportingButNotEnforced\",\"conditions\":{\"users\":{\"includeUsers\":"
	  "[\"All\"],\"excludeUsers\":[]},\"clientAppTypes\":[\"exchangeActiveSync\",\"other\"]},"
	  "\"grantControls\":{\"builtInControls\":[\"block\"]}}" },
	{ "conditionalAccessPolicies/p--p2.json",
	  "{\"id\":\"p2\",\"displayName\":\"MFA\",\"state\":\"enabled\",\"grantControls\":"
	  "{\"builtInControls\":[]}}" },
	{ "conditionalAccessPolicies/p--p3.json",
	  "{\"id\":\"p3\",\"displayName\":\"Off\",\"state\":\"enabled\",\"grantControls\":"
	  "{\"builtInControls\":[]}}" },
	{ "securityDefaults/securityDefaults.json", "{\"isEnabled\":false}" },
	{ "zPartial/x--x1.json", "{\"id\":\"x1\"}" },
};

static const char sd_after_rule[] = "schema: driftward/baseline/v1\n"
                                    "id: t.sd-requires-ca\n"
                                    "title: Security defaults off only with an enabled policy\n"
                                    "severity: medium\n"
                                    "requires: [{collector: conditionalAccessPolicies, where: "
                                    "[{path: /state, equals: enabled}]}]\n"
                                    "target: {collector: securityDefaults}\n"
                                    "expect: all\n"
                                    "assert: [{path: /isEnabled, equals: true}]\n";

static const char partial_rule[] = "schema: driftward/baseline/v1\n"
                                   "id: t.partial\ntitle: Partly read\nseverity: low\n"
                                   "target: {collector: zPartial}\nexpect: count\n"
                                   "count: {eq: 0}\n";

static const char unread_rule[] = "schema: driftward/baseline/v1\n"
                                  "id: t.unread\ntitle: Not read\nseverity: low\n"
                                  "target: {collector: notRead}\nexpect: count\n"
                                  "count: {eq: 0}\n";

static void add_tree_rules(struct fixture *f)
{
	char text[1024];

	add_file(f, "baselines/ca.yaml", ca_rule);
	snprintf(text, sizeof(text), ALL_RULE, "all");
	add_file(f, "baselines/all.yaml", text);
	add_file(f, "baselines/sd.yaml", sd_rule);
	add_file(f, "baselines/sd-after.yaml", sd_after_rule);
	add_file(f, "baselines/partial.yaml", partial_rule);
	add_file(f, "baselines/unread.yaml", unread_rule);
	add_file(f, "waivers/w.yaml",
	         "schema: driftward/waiver/v1\nrule: t.all\ntenant: contoso\nobject: p3\n"
	         "rationale: being rebuilt\nowner: alice@example.com\nexpires: 2099-01-01\n");
	add_file(
	        f, "desired/contoso/authorizationPolicy/authorizationPolicy.json",
	        "{\"id\":\"authorizationPolicy\",\"allowInvitesFrom\":\"adminsAndGuestInviters\"}");
	add_file(f, "desired/contoso/conditionalAccessPolicies/renamed--p2.json",
	         "{\"id\":\"p2\",\"displayName\":\"MFA\",\"state\":\"enabled\",\"grantControls\":"
	         "{\"builtInControls\":[]}}");
	add_file(f, "desired/contoso/conditionalAccessPolicies/gone--p7.json", "{\"id\":\"p7\"}");
	add_file(f, "desired/contoso/notRead/a--a.json", "{\"id\":\"a\"}");
}

/* The report as bytes (drift.json). */
static char *report_bytes(const struct dw_drift *d)
{
	struct dw_buf b;
	char *s;

	dw_buf_init(&b, 1u << 20);
	assert_int_equal(dw_drift_write(d, DW_DRIFT_JSON, &b, NULL), 0);
	s = strdup(dw_buf_cstr(&b));
	dw_buf_release(&b);
	return s;
}

/* Streams tree[] in the order of @order (indexes), checking that judged collectors are freed. */
static char *streamed(struct fixture *f, const size_t *order, size_t n)
{
	struct dw_drift_context ctx = { f->tenant, f->now, "refs/heads/main", "abc" };
	struct dw_drift_stream *s = NULL;
	struct dw_baseline *bl = NULL;
	struct dw_drift *d = NULL;
	struct dw_diags diags;
	struct dw_error err;
	size_t i, k;
	char *out;

	dw_diags_init(&diags);
	dw_error_clear(&err);
	assert_int_equal(dw_baseline_compile(f->files, f->tenant, &bl, &diags), 0);
	assert_int_equal(dw_drift_stream_new(bl, f->files, &ctx, &s), 0);
	for (i = 0; i < n; i++) {
		const char *path = tree[order[i]][0], *json = tree[order[i]][1];

		if (dw_drift_stream_add(s, path, json, strlen(json), &err) < 0)
			fail_msg("%s: %s", path, err.msg);
		/* once the statuses are known, only the collector being read holds objects */
		for (k = 0; s->snap->has_status && k < s->snap->count; k++)
			if (k != s->current)
				assert_int_equal(s->snap->collectors[k].count, 0);
	}
	assert_int_equal(dw_drift_stream_finish(s, &d, &err), 0);
	out = report_bytes(d);
	dw_drift_free(d);
	dw_drift_stream_free(s);
	dw_baseline_free(bl);
	dw_diags_release(&diags);
	return out;
}

/*
 * Judging each collector as the next one's files begin, then freeing it,
 * gives the report of the whole snapshot held at once, byte for byte, with
 * _status.json first (path order) or last.
 */
static void test_stream_is_the_same_report(void **state)
{
	struct fixture *f = *state;
	static const size_t in_order[] = { 0, 1, 2, 3, 4, 5, 6 };
	static const size_t status_last[] = { 1, 2, 3, 4, 5, 6, 0 };
	char *held, *a, *b;
	size_t i;

	add_tree_rules(f);
	for (i = 0; i < DW_ARRAY_SIZE(tree); i++)
		add_object(f, tree[i][0], tree[i][1]);
	evaluate(f);
	held = report_bytes(f->d);
	/* every kind of finding is there: the comparison means something */
	assert_int_equal(dw_json_count(f->d->findings), 11);
	assert_non_null(strstr(held, "\"status\": \"waived\""));
	/* t.sd requires securityDefaults, read after its own collector */
	assert_non_null(strstr(held, "3 objects match, expected gte 1"));
	assert_non_null(strstr(held, "the object is as desired"));
	assert_non_null(strstr(held, "\"unknown\""));
	assert_non_null(strstr(held, "the closest is Report-only block"));
	a = streamed(f, in_order, DW_ARRAY_SIZE(in_order));
	b = streamed(f, status_last, DW_ARRAY_SIZE(status_last));
	assert_string_equal(a, held);
	assert_string_equal(b, held);
	free(held);
	free(a);
	free(b);
}

/* A collector whose files come back after another's began can't be judged whole: an error. */
static void test_stream_needs_collectors_together(void **state)
{
	struct fixture *f = *state;
	struct dw_drift_context ctx = { f->tenant, f->now, "refs/heads/main", "abc" };
	struct dw_drift_stream *s = NULL;
	struct dw_baseline *bl = NULL;
	struct dw_diags diags;
	struct dw_error err;
	static const size_t order[] = { 0, 2, 5, 3 };
	size_t i;
	int r = 0;

	dw_diags_init(&diags);
	dw_error_clear(&err);
	add_tree_rules(f);
	assert_int_equal(dw_baseline_compile(f->files, f->tenant, &bl, &diags), 0);
	assert_int_equal(dw_drift_stream_new(bl, f->files, &ctx, &s), 0);
	for (i = 0; r == 0 && i < DW_ARRAY_SIZE(order); i++)
		r = dw_drift_stream_add(s, tree[order[i]][0], tree[order[i]][1],
		                        strlen(tree[order[i]][1]), &err);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(i, DW_ARRAY_SIZE(order));
	assert_non_null(strstr(err.msg, "conditionalAccessPolicies/p--p2.json: the files of "
	                                "collector conditionalAccessPolicies must come together"));
	dw_drift_stream_free(s);
	dw_baseline_free(bl);
	dw_diags_release(&diags);
}

/* First-seen dates carry over from the previous report for the same finding, earlier only. */
static void test_first_seen(void **state)
{
	struct fixture *f = *state;
	struct dw_buf b;
	char *prev;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	f->now = T0 - 86400 * 10;
	evaluate(f);
	dw_buf_init(&b, 1u << 20);
	assert_int_equal(dw_drift_write(f->d, DW_DRIFT_JSON, &b, NULL), 0);
	prev = dw_buf_detach(&b, NULL);
	f->now = T0;
	evaluate(f);
	assert_string_equal(str(finding(f, 0), "/firstSeen"), "2027-01-15T08:00:00Z");
	assert_int_equal(dw_drift_previous(f->d, prev, strlen(prev), NULL), 0);
	assert_string_equal(str(finding(f, 0), "/firstSeen"), "2027-01-05T08:00:00Z");
	/* a different closest object is the same finding: the fingerprint ignores it */
	add_policy(f, "p1", "a", POLICY("enabled", "[]", "[]", "[]", "[]"));
	evaluate(f);
	assert_int_equal(dw_drift_previous(f->d, prev, strlen(prev), NULL), 0);
	assert_string_equal(str(finding(f, 0), "/firstSeen"), "2027-01-05T08:00:00Z");
	assert_int_equal(dw_drift_previous(f->d, "{}", 2, NULL), -EINVAL);
	free(prev);
}

/* The same inputs give the same bytes, in every format. */
static void test_reports_deterministic(void **state)
{
	struct fixture *f = *state;
	struct dw_buf a, b;
	int fmt;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_policy(f, "p1", "a|b", POLICY("enabled", "[]", "[]", "[]", "[]"));
	for (fmt = DW_DRIFT_JSON; fmt <= DW_DRIFT_SARIF; fmt++) {
		dw_buf_init(&a, 1u << 20);
		dw_buf_init(&b, 1u << 20);
		evaluate(f);
		assert_int_equal(dw_drift_write(f->d, (enum dw_drift_format)fmt, &a, NULL), 0);
		evaluate(f);
		assert_int_equal(dw_drift_write(f->d, (enum dw_drift_format)fmt, &b, NULL), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.ptr, b.ptr, a.len);
		dw_buf_release(&a);
		dw_buf_release(&b);
	}
}

static void test_markdown(void **state)
{
	struct fixture *f = *state;
	struct dw_buf b;

	add_file(f, "baselines/ca.yaml", ca_rule);
	status(f, ca_ok);
	add_policy(f, "p1", "a|b", POLICY("enabled", "[]", "[]", "[]", "[]"));
	evaluate(f);
	dw_buf_init(&b, 1u << 20);
	assert_int_equal(dw_drift_write(f->d, DW_DRIFT_MD, &b, NULL), 0);
	assert_non_null(strstr(b.ptr, "| high | 1 |"));
	assert_non_null(strstr(b.ptr, "- Object: [a\\|b](conditionalAccessPolicies/p--p1.json)"));
	assert_non_null(strstr(b.ptr,
	                       "| `/grantControls/builtInControls` | contains | `\"block\"` | "
	                       "`[]` |"));
	assert_non_null(strstr(b.ptr, "First seen: 2027-01-15T08:00:00Z"));
	dw_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_any_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_one_object_and_closest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_is_the_same_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_needs_collectors_together, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_closest_report_only_beats_disabled, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_closest_weighs_missed_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closest_tie_is_path_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclusions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_na, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_read_at_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requires_and_tenants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_and_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waived_then_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiver_for_other_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desired_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desired_bad_json_is_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reports_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_markdown, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
