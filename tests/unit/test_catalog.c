/* The collector catalog: the shipped file, user catalogs, and every validation with its position.
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
#include <unistd.h>

#include <cmocka.h>

#include "driftward/catalog.h"

static char dir[] = "/tmp/dw-catalog-XXXXXX";
static char shipped[PATH_MAX];

static int setup(void **state)
{
	const char *src = getenv("DW_SOURCE_DIR");

	(void)state;
	snprintf(shipped, sizeof(shipped), "%s/config/collectors.yaml", src ? src : ".");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes @text to <dir>/@name and returns the path (static buffer per slot). */
static char *write_file(const char *name, const char *text)
{
	static char paths[4][PATH_MAX];
	static unsigned slot;
	char *path = paths[slot++ % 4];
	FILE *f;

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void dump(const struct dw_diags *diags)
{
	char line[1024];
	size_t i;

	for (i = 0; i < diags->count; i++)
		print_message("  %s\n", dw_diag_format(&diags->items[i], line, sizeof(line)));
}

/* Asserts that some problem reads exactly "<file>:<where> <msg...>" (msg: a prefix). */
static void has_problem(const struct dw_diags *diags, const char *file, const char *where,
                        const char *msg)
{
	char line[1024], want[1024];
	size_t i;

	snprintf(want, sizeof(want), "%s:%s %s", file, where, msg);
	for (i = 0; i < diags->count; i++)
		if (strncmp(dw_diag_format(&diags->items[i], line, sizeof(line)), want,
		            strlen(want)) == 0)
			return;
	dump(diags);
	fail_msg("no problem '%s'", want);
}

static struct dw_catalog *load_shipped(void)
{
	struct dw_catalog *cat = NULL;
	struct dw_diags diags;
	int r;

	dw_diags_init(&diags);
	r = dw_catalog_load(shipped, NULL, &cat, &diags);
	if (r != 0 || diags.count != 0)
		dump(&diags);
	assert_int_equal(r, 0);
	assert_int_equal(diags.count, 0);
	dw_diags_release(&diags);
	return cat;
}

struct route {
	const char *name, *path, *api;
	bool singleton;
	enum dw_restore_method restore;
};

/* The routes the Graph emulator serves: the catalog must name exactly these. */
static const struct route routes[] = {
	{ "conditionalAccessPolicies", "/identity/conditionalAccess/policies", "beta", false,
	  DW_RESTORE_PATCH },
	{ "namedLocations", "/identity/conditionalAccess/namedLocations", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "authenticationStrengthPolicies", "/policies/authenticationStrengthPolicies", "v1.0",
	  false, DW_RESTORE_PATCH },
	{ "authenticationContextClassReferences",
	  "/identity/conditionalAccess/authenticationContextClassReferences", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "authenticationMethodsPolicy", "/policies/authenticationMethodsPolicy", "beta", true,
	  DW_RESTORE_PATCH },
	{ "authenticationMethodConfigurations",
	  "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "authorizationPolicy", "/policies/authorizationPolicy", "v1.0", true, DW_RESTORE_PATCH },
	{ "identitySecurityDefaultsEnforcementPolicy",
	  "/policies/identitySecurityDefaultsEnforcementPolicy", "v1.0", true, DW_RESTORE_PATCH },
	{ "crossTenantAccessPolicy", "/policies/crossTenantAccessPolicy", "v1.0", true,
	  DW_RESTORE_PATCH },
	{ "crossTenantAccessPolicyDefault", "/policies/crossTenantAccessPolicy/default", "v1.0",
	  true, DW_RESTORE_PATCH },
	{ "crossTenantAccessPolicyPartners", "/policies/crossTenantAccessPolicy/partners", "v1.0",
	  false, DW_RESTORE_PATCH },
	{ "adminConsentRequestPolicy", "/policies/adminConsentRequestPolicy", "v1.0", true,
	  DW_RESTORE_PUT },
	{ "authenticationFlowsPolicy", "/policies/authenticationFlowsPolicy", "v1.0", true,
	  DW_RESTORE_PATCH },
	{ "permissionGrantPolicies", "/policies/permissionGrantPolicies", "v1.0", false,
	  DW_RESTORE_NONE },
	{ "tokenLifetimePolicies", "/policies/tokenLifetimePolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "tokenIssuancePolicies", "/policies/tokenIssuancePolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "homeRealmDiscoveryPolicies", "/policies/homeRealmDiscoveryPolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "activityBasedTimeoutPolicies", "/policies/activityBasedTimeoutPolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "claimsMappingPolicies", "/policies/claimsMappingPolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "groupSettings", "/groupSettings", "v1.0", false, DW_RESTORE_PATCH },
	{ "organization", "/organization", "v1.0", false, DW_RESTORE_NONE },
	{ "domains", "/domains", "v1.0", false, DW_RESTORE_NONE },
	{ "roleDefinitions", "/roleManagement/directory/roleDefinitions", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "deviceRegistrationPolicy", "/policies/deviceRegistrationPolicy", "beta", true,
	  DW_RESTORE_PUT },
	{ "deviceCompliancePolicies", "/deviceManagement/deviceCompliancePolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "deviceConfigurations", "/deviceManagement/deviceConfigurations", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "configurationPolicies", "/deviceManagement/configurationPolicies", "beta", false,
	  DW_RESTORE_PUT },
	{ "deviceEnrollmentConfigurations", "/deviceManagement/deviceEnrollmentConfigurations",
	  "v1.0", false, DW_RESTORE_PATCH },
	{ "iosManagedAppProtections", "/deviceAppManagement/iosManagedAppProtections", "v1.0",
	  false, DW_RESTORE_PATCH },
	{ "androidManagedAppProtections", "/deviceAppManagement/androidManagedAppProtections",
	  "v1.0", false, DW_RESTORE_PATCH },
	{ "assignmentFilters", "/deviceManagement/assignmentFilters", "beta", false,
	  DW_RESTORE_PATCH },
	{ "roleScopeTags", "/deviceManagement/roleScopeTags", "beta", false, DW_RESTORE_PATCH },
	{ "windowsAutopilotDeploymentProfiles",
	  "/deviceManagement/windowsAutopilotDeploymentProfiles", "v1.0", false, DW_RESTORE_PATCH },
	{ "deviceManagementScripts", "/deviceManagement/deviceManagementScripts", "beta", false,
	  DW_RESTORE_PATCH },
	{ "sharepointSettings", "/admin/sharepoint/settings", "v1.0", true, DW_RESTORE_PATCH },
	{ "featureRolloutPolicies", "/policies/featureRolloutPolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "onPremisesSynchronization", "/directory/onPremisesSynchronization", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "mdmWindowsInformationProtectionPolicies",
	  "/deviceAppManagement/mdmWindowsInformationProtectionPolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "reusablePolicySettings", "/deviceManagement/reusablePolicySettings", "beta", false,
	  DW_RESTORE_PUT },
	{ "appManagementPolicies", "/policies/appManagementPolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "defaultAppManagementPolicy", "/policies/defaultAppManagementPolicy", "v1.0", true,
	  DW_RESTORE_PATCH },
	{ "directoryRoleAssignments", "/roleManagement/directory/roleAssignments", "v1.0", false,
	  DW_RESTORE_NONE },
	{ "roleAssignmentSchedules", "/roleManagement/directory/roleAssignmentSchedules", "v1.0",
	  false, DW_RESTORE_NONE },
	{ "roleEligibilitySchedules", "/roleManagement/directory/roleEligibilitySchedules", "v1.0",
	  false, DW_RESTORE_NONE },
	{ "roleManagementPolicies", "/policies/roleManagementPolicies", "v1.0", false,
	  DW_RESTORE_NONE },
	{ "roleManagementPolicyAssignments", "/policies/roleManagementPolicyAssignments", "v1.0",
	  false, DW_RESTORE_NONE },
	{ "roleAssignableGroups", "/groups", "v1.0", false, DW_RESTORE_NONE },
	{ "servicePrincipalPermissionClassifications", "/servicePrincipals", "v1.0", false,
	  DW_RESTORE_NONE },
	{ "termsOfUseAgreements", "/identityGovernance/termsOfUse/agreements", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "administrativeUnits", "/directory/administrativeUnits", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "mobileApps", "/deviceAppManagement/mobileApps", "v1.0", false, DW_RESTORE_PATCH },
	{ "mobileAppCategories", "/deviceAppManagement/mobileAppCategories", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "mobileAppConfigurations", "/deviceAppManagement/mobileAppConfigurations", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "targetedManagedAppConfigurations",
	  "/deviceAppManagement/targetedManagedAppConfigurations", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "windowsManagedAppProtections", "/deviceAppManagement/windowsManagedAppProtections",
	  "beta", false, DW_RESTORE_PATCH },
	{ "windowsInformationProtectionPolicies",
	  "/deviceAppManagement/windowsInformationProtectionPolicies", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "vppTokens", "/deviceAppManagement/vppTokens", "v1.0", false, DW_RESTORE_NONE },
	{ "windowsFeatureUpdateProfiles", "/deviceManagement/windowsFeatureUpdateProfiles", "beta",
	  false, DW_RESTORE_PATCH },
	{ "windowsQualityUpdateProfiles", "/deviceManagement/windowsQualityUpdateProfiles", "beta",
	  false, DW_RESTORE_PATCH },
	{ "windowsDriverUpdateProfiles", "/deviceManagement/windowsDriverUpdateProfiles", "beta",
	  false, DW_RESTORE_PATCH },
	{ "deviceHealthScripts", "/deviceManagement/deviceHealthScripts", "beta", false,
	  DW_RESTORE_PATCH },
	{ "deviceShellScripts", "/deviceManagement/deviceShellScripts", "beta", false,
	  DW_RESTORE_PATCH },
	{ "deviceCustomAttributeShellScripts",
	  "/deviceManagement/deviceCustomAttributeShellScripts", "beta", false, DW_RESTORE_PATCH },
	{ "deviceComplianceScripts", "/deviceManagement/deviceComplianceScripts", "beta", false,
	  DW_RESTORE_PATCH },
	{ "groupPolicyConfigurations", "/deviceManagement/groupPolicyConfigurations", "beta", false,
	  DW_RESTORE_PATCH },
	{ "intents", "/deviceManagement/intents", "beta", false, DW_RESTORE_PATCH },
	{ "termsAndConditions", "/deviceManagement/termsAndConditions", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "notificationMessageTemplates", "/deviceManagement/notificationMessageTemplates", "v1.0",
	  false, DW_RESTORE_PATCH },
	{ "intuneRoleDefinitions", "/deviceManagement/roleDefinitions", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "intuneRoleAssignments", "/deviceManagement/roleAssignments", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "deviceCategories", "/deviceManagement/deviceCategories", "v1.0", false,
	  DW_RESTORE_PATCH },
	{ "applePushNotificationCertificate", "/deviceManagement/applePushNotificationCertificate",
	  "v1.0", true, DW_RESTORE_NONE },
	{ "depOnboardingSettings", "/deviceManagement/depOnboardingSettings", "beta", false,
	  DW_RESTORE_NONE },
	{ "deviceManagementSettings", "/deviceManagement/settings", "v1.0", true, DW_RESTORE_NONE },
};

static void test_shipped_catalog_routes(void **state)
{
	struct dw_catalog *cat = load_shipped();
	size_t i;

	(void)state;
	assert_true(cat->count >= 30);
	assert_int_equal(cat->count, DW_ARRAY_SIZE(routes));
	for (i = 0; i < DW_ARRAY_SIZE(routes); i++) {
		const struct dw_collector *c = dw_catalog_find(cat, routes[i].name);

		if (!c)
			fail_msg("no collector '%s'", routes[i].name);
		assert_string_equal(c->graph_path, routes[i].path);
		assert_string_equal(c->api_version, routes[i].api);
		if (c->singleton != routes[i].singleton || c->restore != routes[i].restore)
			fail_msg("'%s': singleton %d restore %d", c->name, c->singleton,
			         c->restore);
	}
	dw_catalog_free(cat);
}

static bool in_list(const struct dw_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

static void test_shipped_catalog_is_complete(void **state)
{
	struct dw_catalog *cat = load_shipped();
	size_t i;

	(void)state;
	for (i = 0; i < cat->count; i++) {
		const struct dw_collector *c = &cat->collectors[i];

		assert_false(c->user_defined);
		assert_true(c->read_permissions.count > 0);
		assert_non_null(c->title);
		assert_non_null(c->key);
		assert_non_null(strstr(c->source_file, "collectors.yaml"));
		assert_true(c->source_line > 0);
		if (c->restore != DW_RESTORE_NONE && c->write_permissions.count == 0)
			fail_msg("'%s' restores without a write permission", c->name);
		if (c->restore != DW_RESTORE_NONE && !c->singleton &&
		    !in_list(&c->read_only, c->key))
			fail_msg("'%s' would send its key '%s'", c->name, c->key);
		if (strcmp(c->area, "intune") == 0 && (!c->licence || strcmp(c->licence, "intune")))
			fail_msg("'%s' is Intune without the intune licence", c->name);
	}
	assert_true(in_list(&cat->volatile_keys, "@odata.context"));
	assert_true(in_list(&cat->volatile_keys, "*@odata.context"));
	assert_true(in_list(&cat->volatile_keys, "@microsoft.graph.tips"));
	dw_catalog_free(cat);
}

static void test_shipped_catalog_details(void **state)
{
	struct dw_catalog *cat = load_shipped();
	const struct dw_collector *ca = dw_catalog_find(cat, "conditionalAccessPolicies");
	const struct dw_collector *nl = dw_catalog_find(cat, "namedLocations");
	const struct dw_collector *sc = dw_catalog_find(cat, "configurationPolicies");
	const struct dw_collector *pt = dw_catalog_find(cat, "crossTenantAccessPolicyPartners");
	const struct dw_collector *dc = dw_catalog_find(cat, "deviceConfigurations");
	size_t i;
	bool found = false;

	(void)state;
	assert_true(in_list(&ca->restore_after, "namedLocations"));
	assert_true(in_list(&ca->restore_after, "authenticationStrengthPolicies"));
	assert_true(in_list(&ca->read_only, "templateId"));
	assert_true(in_list(&ca->read_permissions, "Policy.Read.All"));
	assert_true(in_list(&ca->write_permissions, "Policy.ReadWrite.ConditionalAccess"));
	assert_string_equal(ca->licence, "aadp1");
	assert_string_equal(ca->name_field, "displayName");
	for (i = 0; i < ca->nsets; i++)
		found |= strcmp(ca->sets[i].pointer, "/conditions/users/includeUsers") == 0 &&
		         !ca->sets[i].sort_key;
	assert_true(found);
	found = false;
	for (i = 0; i < nl->nsets; i++)
		found |= strcmp(nl->sets[i].pointer, "/ipRanges") == 0 && nl->sets[i].sort_key &&
		         strcmp(nl->sets[i].sort_key, "cidrAddress") == 0;
	assert_true(found);
	assert_string_equal(sc->query, "$expand=settings,assignments");
	assert_string_equal(dw_catalog_find(cat, "deviceCompliancePolicies")->query,
	                    "$expand=assignments,scheduledActionsForRule($expand="
	                    "scheduledActionConfigurations)");
	assert_string_equal(pt->key, "tenantId");
	assert_true(in_list(&dc->secrets, "/preSharedKey"));
	assert_true(in_list(&dc->secrets, "/omaSettings/*/value"));
	assert_null(dw_catalog_find(cat, "exchangeTransportRules"));
	dw_catalog_free(cat);
}

static const char user_ok[] = "schema: driftward/catalog/v1\n"
                              "collectors:\n"
                              "  - name: myApps\n"
                              "    title: App registrations\n"
                              "    area: custom\n"
                              "    graph: /applications\n"
                              "    nameField: displayName\n"
                              "    volatile: [createdDateTime]\n"
                              "    sets: [/tags, {path: /keyCredentials, sortKey: keyId}]\n"
                              "    permissions: {read: [Application.Read.All]}\n";

static void test_user_catalog_is_read_only(void **state)
{
	char *user = write_file("user.yaml", user_ok);
	struct dw_strlist extra = { &user, 1 };
	struct dw_catalog *cat = NULL;
	const struct dw_collector *c;
	struct dw_diags diags;

	(void)state;
	dw_diags_init(&diags);
	assert_int_equal(dw_catalog_load(shipped, &extra, &cat, &diags), 0);
	assert_int_equal(diags.count, 0);
	c = dw_catalog_find(cat, "myApps");
	assert_non_null(c);
	assert_true(c->user_defined);
	assert_int_equal(c->restore, DW_RESTORE_NONE);
	assert_string_equal(c->api_version, "v1.0");
	assert_string_equal(c->key, "id");
	assert_int_equal(c->nsets, 2);
	assert_string_equal(c->sets[1].sort_key, "keyId");
	assert_null(c->licence);
	assert_int_equal(c->source_line, 3);
	assert_string_equal(c->source_file, user);
	assert_int_equal(cat->count, DW_ARRAY_SIZE(routes) + 1);
	dw_catalog_free(cat);
	dw_diags_release(&diags);
}

/* Loads @builtin_text as the built-in catalog (and @user_text as an extra one) expecting errors. */
static void load_bad(const char *builtin_text, const char *user_text, struct dw_diags *diags,
                     const char **bpath, const char **upath)
{
	struct dw_catalog *cat = NULL;
	struct dw_strlist extra = { 0 };
	char *u = NULL;

	*bpath = builtin_text ? write_file("builtin.yaml", builtin_text) : shipped;
	if (user_text) {
		u = write_file("extra.yaml", user_text);
		extra.items = &u;
		extra.count = 1;
	}
	*upath = u;
	dw_diags_init(diags);
	assert_int_equal(dw_catalog_load(*bpath, &extra, &cat, diags), -EINVAL);
	assert_null(cat);
	assert_true(diags->errors > 0);
}

static void test_user_restore_is_an_error(void **state)
{
	struct dw_diags d;
	const char *b, *u;

	(void)state;
	load_bad(NULL,
	         "schema: driftward/catalog/v1\n"
	         "collectors:\n"
	         "  - name: myApps\n"
	         "    title: Apps\n"
	         "    area: custom\n"
	         "    graph: /applications\n"
	         "    permissions: {read: [Application.Read.All], write: "
	         "[Application.ReadWrite.All]}\n"
	         "    restore: {method: PATCH}\n",
	         &d, &b, &u);
	has_problem(&d, u, "8:14: error:", "collectors of an extra catalog are read-only");
	assert_int_equal(d.errors, 1);
	dw_diags_release(&d);
}

/* How objects get their assignments: from the query's $expand, or per object where Graph
 * refuses it; a catalog that says one and queries the other is an error at the key. */
static void test_assignments_read(void **state)
{
	static const char head[] =
	        "schema: driftward/catalog/v1\n"
	        "collectors:\n"
	        "  - name: myPolicies\n"
	        "    title: Policies\n"
	        "    area: custom\n"
	        "    graph: /deviceManagement/myPolicies\n"
	        "    permissions: {read: [DeviceManagementConfiguration.Read.All]}\n";
	static const struct {
		const char *tail, *where, *what;
	} bad[] = {
		{ "    assignments: expand\n",
		  "8:18: error:", "assignments: expand needs $expand=assignments" },
		{ "    query: $expand=settings,assignments\n    assignments: per_object\n",
		  "9:18: error:", "the query expands assignments" },
		{ "    assignments: sometimes\n",
		  "8:18: error:", "'sometimes' is not one of expand, per_object, none" },
		{ "    singleton: true\n    assignments: per_object\n",
		  "3:5: error:", "assignments: per_object is for collections" },
	};
	struct dw_catalog *cat = NULL;
	struct dw_strlist extra = { NULL, 1, 0 };
	struct dw_diags d;
	char text[1024], *u_copy;
	const char *b, *u;
	size_t i;

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_catalog_load(shipped, NULL, &cat, &d), 0);
	assert_int_equal(dw_catalog_find(cat, "groupPolicyConfigurations")->assignments,
	                 DW_ASSIGNMENTS_PER_OBJECT);
	assert_null(
	        strstr(dw_catalog_find(cat, "groupPolicyConfigurations")->query, "assignments"));
	assert_int_equal(dw_catalog_find(cat, "deviceConfigurations")->assignments,
	                 DW_ASSIGNMENTS_EXPAND);
	assert_int_equal(dw_catalog_find(cat, "deviceCompliancePolicies")->assignments,
	                 DW_ASSIGNMENTS_EXPAND);
	assert_int_equal(dw_catalog_find(cat, "namedLocations")->assignments, DW_ASSIGNMENTS_NONE);
	dw_catalog_free(cat);
	dw_diags_release(&d);
	/* the assignments of a nested navigation are not the objects': none, no error */
	snprintf(text, sizeof(text), "%s%s", head,
	         "    query: $expand=definitionValues($expand=definition,assignments)\n");
	u_copy = write_file("extra.yaml", text);
	extra.items = &u_copy;
	dw_diags_init(&d);
	assert_int_equal(dw_catalog_load(shipped, &extra, &cat, &d), 0);
	assert_int_equal(dw_catalog_find(cat, "myPolicies")->assignments, DW_ASSIGNMENTS_NONE);
	dw_catalog_free(cat);
	dw_diags_release(&d);
	for (i = 0; i < DW_ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "%s%s", head, bad[i].tail);
		load_bad(NULL, text, &d, &b, &u);
		has_problem(&d, u, bad[i].where, bad[i].what);
		assert_int_equal(d.errors, 1);
		dw_diags_release(&d);
	}
}

static void test_problems_have_positions(void **state)
{
	static const char text[] = "schema: driftward/catalog/v1\n"                      /* 1 */
	                           "colour: blue\n"                                      /* 2 */
	                           "collectors:\n"                                       /* 3 */
	                           "  - name: a\n"                                       /* 4 */
	                           "    title: A\n"                                      /* 5 */
	                           "    area: entra\n"                                   /* 6 */
	                           "    graph: /a\n"                                     /* 7 */
	                           "    sets: [/ok, bad, /x/~2, {path: /y, by: z}]\n"    /* 8 */
	                           "    secret: [/x//y]\n"                               /* 9 */
	                           "    licence: e5\n"                                   /* 10 */
	                           "    api: v2\n"                                       /* 11 */
	                           "    singleton: \"true\"\n"                           /* 12 */
	                           "    permissions: {read: [policy.read], write: []}\n" /* 13 */
	                           "    restore: {method: patch, readOnly: [id]}\n"      /* 14 */
	                           "    colour: red\n"                                   /* 15 */
	                           "  - name: a\n"                                       /* 16 */
	                           "    title: Again\n"                                  /* 17 */
	                           "  - name: b c\n"                                     /* 18 */
	                           "    graph: relative/path\n"                          /* 19 */
	                           "    title: 12\n"                                     /* 20 */
	                           "    permissions: {read: []}\n"                       /* 21 */
	                           "  - name: c\n"                                       /* 22 */
	                           "    title: C\n"                                      /* 23 */
	                           "    area: entra\n"                                   /* 24 */
	                           "    graph: /c\n"                                     /* 25 */
	                           "    permissions: {write: [X.Y]}\n"                   /* 26 */
	                           "    restore: {method: PUT, after: [nothing, c]}\n";  /* 27 */
	struct dw_diags d;
	const char *b, *u;

	(void)state;
	load_bad(text, NULL, &d, &b, &u);
	has_problem(&d, b, "2:1: error:", "unknown key 'colour' (schema, volatile, collectors)");
	has_problem(&d, b, "8:17: error:", "'bad' is not a JSON Pointer");
	has_problem(&d, b, "8:22: error:", "'/x/~2' is not a JSON Pointer");
	has_problem(&d, b, "8:40: error:", "unknown key 'by' in a set");
	has_problem(&d, b, "9:14: error:", "'/x//y' is not a JSON Pointer");
	has_problem(&d, b, "10:14: error:", "'e5' is not one of none, intune, aadp1, aadp2");
	has_problem(&d, b, "11:10: error:", "'v2' is not one of v1.0, beta");
	has_problem(&d, b, "12:16: error:", "expected a boolean, found a string");
	has_problem(&d, b, "13:26: error:", "'policy.read' is not a Graph permission");
	has_problem(&d, b, "14:23: error:", "'patch' is not one of PATCH, PUT, none");
	has_problem(&d, b, "14:14: error:", "restore.path and restore.readOnly need a method");
	has_problem(&d, b, "15:5: error:", "unknown key 'colour' in a collector");
	has_problem(&d, b, "16:11: error:", "duplicate collector 'a' (first defined at");
	has_problem(&d, b, "16:5: error:", "collector a: missing key 'area'");
	has_problem(&d, b, "18:11: error:", "'b c' is not a collector name");
	has_problem(&d, b, "19:12: error:", "'relative/path' is not a Graph path");
	has_problem(&d, b, "20:12: error:", "expected a string, found an integer (quote it");
	has_problem(&d, b, "21:25: error:", "permissions.read must name at least one permission");
	has_problem(&d, b, "26:18: error:", "permissions: missing key 'read'");
	has_problem(&d, b, "27:36: error:", "restore.after: unknown collector 'nothing'");
	has_problem(&d, b, "27:45: error:", "restore.after: 'c' names itself");
	assert_int_equal(d.errors, 24);
	dw_diags_release(&d);
}

static void test_restore_cycle(void **state)
{
	static const char text[] = "schema: driftward/catalog/v1\n"
	                           "collectors:\n"
	                           "  - {name: a, title: A, area: x, graph: /a, permissions: "
	                           "{read: [A.B], write: [A.C]},\n"
	                           "     restore: {method: PATCH, after: [b]}}\n"
	                           "  - {name: b, title: B, area: x, graph: /b, permissions: "
	                           "{read: [A.B], write: [A.C]},\n"
	                           "     restore: {method: PATCH, after: [a]}}\n";
	struct dw_diags d;
	const char *b, *u;

	(void)state;
	load_bad(text, NULL, &d, &b, &u);
	has_problem(&d, b, "4:38: error:", "restore.after of 'a' makes a cycle");
	has_problem(&d, b, "6:38: error:", "restore.after of 'b' makes a cycle");
	assert_int_equal(d.errors, 2);
	dw_diags_release(&d);
}

static void test_user_file_problems(void **state)
{
	struct dw_diags d;
	const char *b, *u;

	(void)state;
	/* a user collector may not take a built-in name, nor change global volatile keys */
	load_bad(NULL,
	         "schema: driftward/catalog/v1\n"
	         "volatile: [id]\n"
	         "collectors:\n"
	         "  - name: namedLocations\n"
	         "    title: Mine\n"
	         "    area: x\n"
	         "    graph: /x\n"
	         "    permissions: {read: [A.B]}\n",
	         &d, &b, &u);
	has_problem(&d, u, "2:1: error:", "'volatile' at the top is for the built-in catalog only");
	has_problem(&d, u,
	            "4:11: error:", "duplicate collector 'namedLocations' (first defined at ");
	assert_non_null(strstr(d.items[1].msg, "collectors.yaml:"));
	dw_diags_release(&d);

	/* the strict YAML loader's problems come through with their positions */
	load_bad(NULL,
	         "schema: driftward/catalog/v1\ncollectors:\n  - name: x\n    singleton: yes\n", &d,
	         &b, &u);
	has_problem(&d, u, "4:16: error:", "ambiguous value 'yes'");
	dw_diags_release(&d);

	load_bad(NULL, "schema: driftward/catalog/v2\ncollectors: {}\n", &d, &b, &u);
	has_problem(&d, u,
	            "1:9: error:", "schema 'driftward/catalog/v2' is not driftward/catalog/v1");
	has_problem(&d, u, "2:13: error:", "expected a list, found a mapping");
	dw_diags_release(&d);

	load_bad(NULL, "- just a list\n", &d, &b, &u);
	has_problem(&d, u, "1:1: error:", "expected a mapping, found a list");
	dw_diags_release(&d);
}

static void test_missing_builtin_catalog(void **state)
{
	struct dw_catalog *cat = NULL;
	struct dw_diags d;
	char line[1024];

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_catalog_load("/nonexistent/collectors.yaml", NULL, &cat, &d), -EINVAL);
	assert_int_equal(d.errors, 1);
	assert_string_equal(dw_diag_format(&d.items[0], line, sizeof(line)),
	                    "/nonexistent/collectors.yaml: error: cannot open: No such file or "
	                    "directory (set by `catalog` in [agent]; without that key the "
	                    "built-in catalog is used)");
	dw_diags_release(&d);
}

/* No path: the catalog compiled into driftward, the same collectors as the shipped file. */
static void builtin_catalog_is_the_shipped_file(void **state)
{
	struct dw_catalog *file = load_shipped(), *builtin = NULL;
	struct dw_diags d;
	size_t i;

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_catalog_load(NULL, NULL, &builtin, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(builtin->count, file->count);
	for (i = 0; i < file->count; i++) {
		assert_string_equal(builtin->collectors[i].name, file->collectors[i].name);
		assert_string_equal(builtin->collectors[i].graph_path,
		                    file->collectors[i].graph_path);
		assert_int_equal(builtin->collectors[i].source_line,
		                 file->collectors[i].source_line);
		assert_string_equal(builtin->collectors[i].source_file, DW_CATALOG_BUILTIN);
	}
	assert_int_equal(builtin->volatile_keys.count, file->volatile_keys.count);
	dw_catalog_free(builtin);
	dw_catalog_free(file);
	dw_diags_release(&d);
}

/* Each file read is listed with the collectors it added, not all of them under the first. */
static void each_catalog_file_counts_its_own_collectors(void **state)
{
	char *user = write_file("user.yaml", user_ok);
	char *empty = write_file("empty.yaml", "schema: driftward/catalog/v1\ncollectors: []\n");
	char *names[] = { user, empty };
	struct dw_strlist extra = { names, 2 };
	struct dw_catalog *cat = NULL;
	struct dw_diags d;

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_catalog_load(NULL, &extra, &cat, &d), 0);
	assert_int_equal(cat->nfiles, 3);
	assert_string_equal(cat->files[0].name, "built-in");
	assert_int_equal(cat->files[0].collectors, cat->count - 1);
	assert_string_equal(cat->files[1].name, user);
	assert_int_equal(cat->files[1].collectors, 1);
	assert_string_equal(cat->files[2].name, empty);
	assert_int_equal(cat->files[2].collectors, 0);
	dw_catalog_free(cat);

	/* a file named by `catalog` replaces the built-in one, under its own name */
	assert_int_equal(dw_catalog_load(shipped, NULL, &cat, &d), 0);
	assert_int_equal(cat->nfiles, 1);
	assert_string_equal(cat->files[0].name, shipped);
	assert_int_equal(cat->files[0].collectors, cat->count);
	dw_catalog_free(cat);
	dw_diags_release(&d);
}

static void test_select(void **state)
{
	struct dw_catalog *cat = load_shipped();
	char n1[] = "namedLocations", n2[] = "conditionalAccessPolicies", n3[] = "NamedLocations",
	     n4[] = "mail", tname[] = "contoso";
	char *names[] = { n1, n2 };
	char *bad[] = { n1, n3, n4 };
	struct dw_tenant_config t = { .name = tname, .line = 7, .all_collectors = true };
	const struct dw_collector **list = NULL;
	struct dw_diags d;
	size_t n;
	char line[512];

	(void)state;
	dw_diags_init(&d);
	assert_int_equal(dw_catalog_select(cat, &t, &list, &n, &d), 0);
	assert_int_equal(n, cat->count);
	free(list);

	t.all_collectors = false;
	t.collectors.items = names;
	t.collectors.count = 2;
	assert_int_equal(dw_catalog_select(cat, &t, &list, &n, &d), 0);
	assert_int_equal(n, 2);
	/* catalog order, not the order of the configuration */
	assert_string_equal(list[0]->name, "conditionalAccessPolicies");
	assert_string_equal(list[1]->name, "namedLocations");
	free(list);
	assert_int_equal(d.count, 0);

	t.collectors.items = bad;
	t.collectors.count = 3;
	assert_int_equal(dw_catalog_check_tenant(cat, "d.ini", &t, &d), 2);
	assert_string_equal(dw_diag_format(&d.items[0], line, sizeof(line)),
	                    "d.ini:7: error: tenant 'contoso': collectors: unknown collector "
	                    "'NamedLocations' (did you mean 'namedLocations'?)");
	assert_string_equal(
	        dw_diag_format(&d.items[1], line, sizeof(line)),
	        "d.ini:7: error: tenant 'contoso': collectors: unknown collector 'mail'");
	assert_int_equal(dw_catalog_select(cat, &t, &list, &n, &d), -EINVAL);
	assert_null(list);
	dw_diags_release(&d);
	dw_catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_catalog_routes),
		cmocka_unit_test(test_shipped_catalog_is_complete),
		cmocka_unit_test(test_shipped_catalog_details),
		cmocka_unit_test(test_user_catalog_is_read_only),
		cmocka_unit_test(test_user_restore_is_an_error),
		cmocka_unit_test(test_assignments_read),
		cmocka_unit_test(test_problems_have_positions),
		cmocka_unit_test(test_restore_cycle),
		cmocka_unit_test(test_user_file_problems),
		cmocka_unit_test(test_missing_builtin_catalog),
		cmocka_unit_test(builtin_catalog_is_the_shipped_file),
		cmocka_unit_test(each_catalog_file_counts_its_own_collectors),
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
