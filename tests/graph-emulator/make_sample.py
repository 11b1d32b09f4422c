#!/usr/bin/env python3
"""Build sample/ (the contoso demo tenant) from Microsoft's published payloads.

    python3 tests/graph-emulator/make_sample.py [--testdata tests/vectors/graph] [--out DIR]

The output is committed; run this only to regenerate it.  It starts from the
real API-reference examples in tests/vectors/graph and fixes the
documentation artefacts SOURCES.txt lists: Intune entities wrapped in
{"value": {...}}, placeholder or non-hex GUIDs, "Display Name value" strings.
Collections get several objects with varied names.  Ids come from a seeded
generator, so the output is identical on every run.
"""

import argparse
import copy
import json
import os
import random
import shutil
import uuid

import sample_more

TENANT_ID = "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
READER_ID = "2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e"
WRITER_ID = "8d4e2f1a-6b3c-4d5e-9f8a-1b2c3d4e5f6a"
HERE = os.path.dirname(os.path.abspath(__file__))
RNG = random.Random(20260101)

READ_PERMISSIONS = [
    "Policy.Read.All", "Policy.Read.DeviceConfiguration", "Directory.Read.All",
    "Organization.Read.All", "Domain.Read.All", "RoleManagement.Read.Directory",
    "DeviceManagementConfiguration.Read.All", "DeviceManagementServiceConfig.Read.All",
    "DeviceManagementApps.Read.All", "DeviceManagementRBAC.Read.All",
    "SharePointTenantSettings.Read.All", "AuditLog.Read.All", "Agreement.Read.All",
    "DeviceManagementManagedDevices.Read.All", "OnPremDirectorySynchronization.Read.All"]
WRITE_PERMISSIONS = [
    "Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.AuthenticationMethod",
    "Policy.ReadWrite.Authorization", "Policy.ReadWrite.SecurityDefaults",
    "Policy.ReadWrite.CrossTenantAccess", "Policy.ReadWrite.ConsentRequest",
    "Policy.ReadWrite.AuthenticationFlows", "Policy.ReadWrite.PermissionGrant",
    "Policy.ReadWrite.ApplicationConfiguration", "Policy.ReadWrite.DeviceConfiguration",
    "Directory.ReadWrite.All", "DeviceManagementConfiguration.ReadWrite.All",
    "DeviceManagementServiceConfig.ReadWrite.All", "DeviceManagementApps.ReadWrite.All",
    "DeviceManagementRBAC.ReadWrite.All", "SharePointTenantSettings.ReadWrite.All",
    "Policy.ReadWrite.ApplicationConfiguration", "RoleManagement.ReadWrite.Directory",
    "RoleManagementPolicy.ReadWrite.Directory", "Group.ReadWrite.All",
    "Application.ReadWrite.All", "Agreement.ReadWrite.All", "AdministrativeUnit.ReadWrite.All",
    "DeviceManagementManagedDevices.ReadWrite.All", "OnPremDirectorySynchronization.ReadWrite.All"]


def gid():
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def stamp(day, hour=9):
    return "2025-%02d-%02dT%02d:%02d:%02d.%07dZ" % (
        (day // 28) % 12 + 1, day % 28 + 1, hour, RNG.randrange(60), RNG.randrange(60),
        RNG.randrange(10 ** 7))


def load(testdata, name):
    with open(os.path.join(testdata, name), encoding="utf-8") as f:
        doc = json.load(f)
    doc.pop("@odata.context", None)
    return doc


def unwrap(doc):
    """Intune doc examples wrap one entity in {"value": {...}}; Graph does not."""
    if isinstance(doc.get("value"), dict) and len(doc) == 1:
        return doc["value"]
    return doc


# --- Entra ---------------------------------------------------------------------

# The eight roles ScubaGear's MS.AAD.3.6v1 calls privileged (baselines/_vars.yaml, privilegedRoles).
PRIVILEGED_ROLES = [
    "62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "fe930be7-5e62-47db-91af-98c3a49a38b1", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "29232cdf-9323-42fd-ade2-1d097af3e4de", "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "158c047a-c907-4556-b7ef-446551a6b5f7"]
PHISHING_RESISTANT = ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"]


def phishing_resistant_strength():
    """The built-in strength as Graph shows it inside a policy's grantControls."""
    return {"id": "00000000-0000-0000-0000-000000000004", "displayName": "Phishing-resistant MFA",
            "policyType": "builtIn", "requirementsSatisfied": "mfa",
            "allowedCombinations": PHISHING_RESISTANT}


def ca_policies(td):
    """Conditional Access as a tenant that meets every shipped rule has it: each
    enforced policy covers all apps, excludes no app, role or account (the shipped
    vars allow no exclusion), and the SCuBA controls each have their policy."""
    base = load(td, "conditionalAccessPolicy.json")
    variants = [
        ("Require MFA for administrators", "enabled", [], {"includeRoles": PRIVILEGED_ROLES}),
        ("Block legacy authentication", "enabled", ["block"], {"includeUsers": ["All"]}),
        ("Require compliant device for Office 365", "enabled",
         ["compliantDevice", "domainJoinedDevice"], {"includeUsers": ["All"]}),
        ("Require MFA for guests", "enabled", ["mfa"], {"includeUsers": ["GuestsOrExternalUsers"]}),
        ("Block access from untrusted countries", "disabled", ["block"], {"includeUsers": ["All"]}),
        ("Sign-in risk: require MFA (medium and above)", "enabled", ["mfa"],
         {"includeUsers": ["All"]}),
    ]
    out = []
    for i, (name, state, controls, users) in enumerate(variants):
        p = copy.deepcopy(base)
        p.update(id=gid(), displayName=name, state=state, templateId=None,
                 createdDateTime=stamp(i * 20), modifiedDateTime=stamp(i * 20 + 5))
        p["grantControls"]["builtInControls"] = controls
        p["grantControls"]["operator"] = "OR"
        u = p["conditions"]["users"]
        u.update({"includeUsers": [], "includeRoles": [], "excludeUsers": [], "excludeRoles": []})
        u.update(users)
        p["conditions"]["applications"]["excludeApplications"] = []
        if i == 0:
            p["grantControls"]["authenticationStrength"] = phishing_resistant_strength()
        if i == 1:
            p["conditions"]["clientAppTypes"] = ["exchangeActiveSync", "other"]
            p["sessionControls"] = None
        out.append(p)
    return out + ca_more(base)


def ca_more(base):
    """The policies the SCuBA controls ask for beyond the ones above. Their ids
    come from their names (not the seeded generator, whose sequence the rest of
    the sample depends on), their dates are fixed."""
    def pol(name, controls, conditions, strength=None):
        p = copy.deepcopy(base)
        p.update(id=str(uuid.uuid5(uuid.NAMESPACE_URL, "driftward-sample/ca/" + name)),
                 displayName=name, state="enabled", templateId=None,
                 createdDateTime="2025-06-02T08:00:00Z", modifiedDateTime="2025-06-02T08:30:00Z",
                 sessionControls=None)
        p["grantControls"].update(builtInControls=controls, operator="OR", termsOfUse=[])
        if strength:
            p["grantControls"]["authenticationStrength"] = strength
        c = p["conditions"]
        c["users"] = {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [],
                      "excludeGroups": [], "includeRoles": [], "excludeRoles": []}
        c["applications"] = {"includeApplications": ["All"], "excludeApplications": [],
                             "includeUserActions": []}
        c.update(signInRiskLevels=[], clientAppTypes=["all"], platforms=None, locations=None)
        c.update(conditions)
        return p
    return [
        pol("Require phishing-resistant MFA for all users", [], {},
            phishing_resistant_strength()),
        pol("Block high sign-in risk", ["block"], {"signInRiskLevels": ["high"]}),
        pol("Block high user risk", ["block"], {"userRiskLevels": ["high"]}),
        pol("Block device code flow", ["block"],
            {"authenticationFlows": {"transferMethods": "deviceCodeFlow"}}),
        pol("Register security info from a managed device",
            ["compliantDevice", "domainJoinedDevice"],
            {"applications": {"includeApplications": [], "excludeApplications": [],
                              "includeUserActions": ["urn:user:registersecurityinfo"]}}),
    ]


def named_locations(td):
    items = load(td, "namedLocation-list.json")["value"]
    items.append({"@odata.type": "#microsoft.graph.countryNamedLocation", "id": gid(),
                  "displayName": "Blocked countries", "modifiedDateTime": stamp(40),
                  "createdDateTime": stamp(30), "countriesAndRegions": ["KP", "IR", "SY"],
                  "includeUnknownCountriesAndRegions": True,
                  "countryLookupMethod": "clientIpAddress"})
    return items


def auth_strengths():
    def strength(sid, name, desc, combos, kind="builtIn"):
        return {"id": sid, "createdDateTime": "2021-12-01T00:00:00Z",
                "modifiedDateTime": "2021-12-01T00:00:00Z", "displayName": name,
                "description": desc, "policyType": kind,
                "requirementsSatisfied": "mfa", "allowedCombinations": combos,
                "combinationConfigurations": []}
    return [
        strength("00000000-0000-0000-0000-000000000002", "Multifactor authentication",
                 "Combinations of methods that satisfy strong authentication, such as a "
                 "password + SMS", ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor",
                                    "deviceBasedPush", "password,sms", "password,microsoftAuthenticatorPush"]),
        strength("00000000-0000-0000-0000-000000000003", "Passwordless MFA",
                 "Passwordless methods that satisfy strong authentication, such as "
                 "Passwordless sign-in with the Microsoft Authenticator",
                 ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"]),
        strength("00000000-0000-0000-0000-000000000004", "Phishing-resistant MFA",
                 "Phishing-resistant, Passwordless methods for the strongest authentication, "
                 "such as a FIDO2 security key", ["windowsHelloForBusiness", "fido2",
                                                  "x509CertificateMultiFactor"]),
        strength(gid(), "Contoso admins: FIDO2 or certificate", "Custom strength for admin roles",
                 ["fido2", "x509CertificateMultiFactor"], kind="custom"),
    ]


def auth_contexts():
    names = [("c1", "Sensitive SharePoint sites", True), ("c2", "Privileged role activation", True),
             ("c3", "Finance app step-up", False)]
    return [{"id": cid, "displayName": name, "description": "Authentication context for " + name,
             "isAvailable": avail} for cid, name, avail in names]


def auth_methods(td):
    policy = load(td, "authenticationMethodsPolicy.json")
    configs = policy.pop("authenticationMethodConfigurations")
    for c in configs:   # SMS and e-mail codes are phishable: off (MS.AAD.3.5v1)
        if c["id"] in ("Sms", "Email"):
            c["state"] = "disabled"
    # the strong methods on, as the EIDSCA rules ask: Authenticator showing the app and
    # the location without software OATH tokens (MS.AAD.3.3v2), FIDO2, one-time TAP
    by_id = {c["id"]: c for c in configs}
    shown = {"state": "enabled", "includeTarget": {"targetType": "group", "id": "all_users"},
             "excludeTarget": {"targetType": "group",
                               "id": "00000000-0000-0000-0000-000000000000"}}
    by_id["MicrosoftAuthenticator"].update(
        state="enabled", isSoftwareOathEnabled=False,
        featureSettings={"displayAppInformationRequiredState": dict(shown),
                         "displayLocationInformationRequiredState": dict(shown)})
    by_id["Fido2"]["state"] = "enabled"
    by_id["TemporaryAccessPass"].update(state="enabled", isUsableOnce=True)
    configs += [
        {"@odata.type": "#microsoft.graph.softwareOathAuthenticationMethodConfiguration",
         "id": "SoftwareOath", "state": "disabled", "excludeTargets": [], "includeTargets": []},
        {"@odata.type": "#microsoft.graph.voiceAuthenticationMethodConfiguration",
         "id": "Voice", "state": "disabled", "isOfficePhoneAllowed": False,
         "excludeTargets": [], "includeTargets": []},
        {"@odata.type": "#microsoft.graph.x509CertificateAuthenticationMethodConfiguration",
         "id": "X509Certificate", "state": "disabled", "excludeTargets": [], "includeTargets": [],
         "certificateUserBindings": [{"x509CertificateField": "PrincipalName",
                                      "userProperty": "onPremisesUserPrincipalName",
                                      "priority": 1}],
         "authenticationModeConfiguration": {"x509CertificateAuthenticationDefaultMode":
                                             "x509CertificateSingleFactor", "rules": []}},
    ]
    return policy, configs


def cross_tenant_partners(default):
    out = []
    for name_tid in ("3d0f5e2c-9a1b-4c7d-8e6f-2a4b6c8d0e1f", "7a9c1e3b-5d2f-4a6b-8c0d-1e2f3a4b5c6d"):
        p = {"tenantId": name_tid, "isServiceProvider": False, "isInMultiTenantOrganization": False,
             "inboundTrust": {"isMfaAccepted": True, "isCompliantDeviceAccepted": True,
                              "isHybridAzureADJoinedDeviceAccepted": False},
             "b2bCollaborationOutbound": None, "b2bCollaborationInbound": None,
             "b2bDirectConnectOutbound": None, "b2bDirectConnectInbound": None,
             "tenantRestrictions": None,
             "automaticUserConsentSettings": {"inboundAllowed": False, "outboundAllowed": False}}
        out.append(p)
    out[1]["b2bDirectConnectInbound"] = copy.deepcopy(default["b2bDirectConnectInbound"])
    out[1]["b2bDirectConnectInbound"]["usersAndGroups"]["accessType"] = "allowed"
    return out


def permission_grant_policies():
    def pol(pid, name, desc, includes):
        return {"id": pid, "displayName": name, "description": desc, "deletedDateTime": None,
                "includes": includes, "excludes": []}

    def cond(ptype, **kw):
        c = {"id": gid(), "permissionClassification": "all", "permissionType": ptype,
             "resourceApplication": "any", "permissions": ["all"], "clientApplicationIds": ["all"],
             "clientApplicationTenantIds": ["all"], "clientApplicationPublisherIds": ["all"],
             "clientApplicationsFromVerifiedPublisherOnly": False, "certifiedClientApplicationsOnly": False}
        c.update(kw)
        return c
    return [
        pol("microsoft-user-default-low", "Default policy for user consent (low risk)",
            "Includes delegated permissions classified as low risk, for apps from verified publishers.",
            [cond("delegated", permissionClassification="low",
                  clientApplicationsFromVerifiedPublisherOnly=True)]),
        pol("microsoft-all-application-permissions", "All application permissions",
            "Includes all application permissions (app roles), for all APIs, for any client application.",
            [cond("application")]),
        pol("contoso-team-owner-consent", "Team owners may consent to chat apps",
            "Custom policy for resource-specific consent in Teams.",
            [cond("delegated", permissions=["9e2aa17b-3d8f-4e34-9a4b-2f1a0c5e7d11"])]),
    ]


def app_config_policies(td):
    tl = load(td, "tokenLifetimePolicy-list.json")["value"]
    tl.append({"id": gid(), "deletedDateTime": None, "displayName": "Short-lived tokens for kiosk apps",
               "isOrganizationDefault": False, "definition": [
                   "{\"TokenLifetimePolicy\":{\"Version\":1,\"AccessTokenLifetime\":\"01:00:00\"}}"]})

    def pol(name, definition, default=False):
        return {"id": gid(), "deletedDateTime": None, "displayName": name,
                "isOrganizationDefault": default, "definition": [json.dumps(definition,
                                                                          separators=(",", ":"))]}
    return {
        "tokenLifetimePolicies": tl,
        "tokenIssuancePolicies": [pol("SAML token signing: SHA-256", {"TokenIssuancePolicy": {
            "Version": 1, "SigningAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "TokenResponseSigningPolicy": "TokenOnly", "SamlTokenVersion": "2.0"}})],
        "homeRealmDiscoveryPolicies": [pol("Contoso HRD: auto-accelerate to ADFS", {
            "HomeRealmDiscoveryPolicy": {"AccelerateToFederatedDomain": True,
                                         "PreferredDomain": "federated.contoso.com",
                                         "AllowCloudPasswordValidation": False}})],
        "activityBasedTimeoutPolicies": [pol("Web sessions: 2 hour idle timeout", {
            "ActivityBasedTimeoutPolicy": {"Version": 1, "ApplicationPolicies": [
                {"ApplicationId": "default", "WebSessionIdleTimeout": "02:00:00"}]}}, True)],
        "claimsMappingPolicies": [
            pol("Include employeeid in SAML tokens", {"ClaimsMappingPolicy": {
                "Version": 1, "IncludeBasicClaimSet": "true", "ClaimsSchema": [
                    {"Source": "user", "ID": "employeeid", "SamlClaimType":
                     "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/employeeid"}]}}),
            pol("Map extension attribute 1 to JWT", {"ClaimsMappingPolicy": {
                "Version": 1, "IncludeBasicClaimSet": "true", "ClaimsSchema": [
                    {"Source": "user", "ID": "extensionattribute1", "JwtClaimType": "costcenter"}]}}),
        ],
    }


def organization(td):
    org = load(td, "organization.json")
    org["id"] = TENANT_ID
    org["defaultUsageLocation"] = "NL"
    org["verifiedDomains"] = [
        {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True, "isInitial": False,
         "name": "contoso.com", "type": "Managed"},
        {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": False, "isInitial": True,
         "name": "contoso.onmicrosoft.com", "type": "Managed"}]
    return [org]


def domains():
    def dom(name, default, initial, services):
        return {"authenticationType": "Managed", "availabilityStatus": None, "id": name,
                "isAdminManaged": True, "isDefault": default, "isInitial": initial,
                "isRoot": True, "isVerified": True, "supportedServices": services,
                "passwordNotificationWindowInDays": 14, "passwordValidityPeriodInDays": 2147483647,
                "state": None}
    return [dom("contoso.com", True, False, ["Email", "OfficeCommunicationsOnline", "Intune"]),
            dom("contoso.onmicrosoft.com", False, True, ["Email", "OfficeCommunicationsOnline"]),
            dom("fabrikam.contoso.com", False, False, ["Email"])]


# The directory setting templates' ids, as GET /directorySettingTemplates lists them.
CONSENT_POLICY_TEMPLATE = "dffd5d46-495d-40a9-8e21-954ff55e198a"
PASSWORD_RULE_TEMPLATE = "5cf42378-d67d-4f36-ba46-e8b86229381d"


def group_settings():
    """The consent and password protection settings the EIDSCA rules read, as a tenant
    that has set them has the two objects (Graph lists them beside Group.Unified).
    Fixed ids: the generator's ids that follow stay as they were."""
    def obj(sid, name, template, values):
        return {"id": sid, "displayName": name, "templateId": template,
                "values": [{"name": k, "value": v} for k, v in values]}
    return [
        obj("7c1e5a2b-3d4f-4a6b-8c9d-0e1f2a3b4c5d", "Consent Policy Settings",
            CONSENT_POLICY_TEMPLATE,
            [("EnableGroupSpecificConsent", "false"), ("BlockUserConsentForRiskyApps", "true"),
             ("EnableAdminConsentRequests", "true"),
             ("ConstrainGroupSpecificConsentToMembersOfGroupId", "")]),
        obj("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "Password Rule Settings",
            PASSWORD_RULE_TEMPLATE,
            [("BannedPasswordCheckOnPremisesMode", "Enforce"),
             ("EnableBannedPasswordCheckOnPremises", "True"), ("EnableBannedPasswordCheck", "True"),
             ("LockoutDurationInSeconds", "60"), ("LockoutThreshold", "10"),
             ("BannedPasswordList", "contoso\tfabrikam\tamsterdam")]),
    ]


def entra(td, put):
    put("v1.0", "identity/conditionalAccess/policies", ca_policies(td))
    put("v1.0", "identity/conditionalAccess/namedLocations", named_locations(td))
    put("v1.0", "policies/authenticationStrengthPolicies", auth_strengths())
    put("v1.0", "identity/conditionalAccess/authenticationContextClassReferences", auth_contexts())
    policy, configs = auth_methods(td)
    put("v1.0", "policies/authenticationMethodsPolicy", policy)
    put("v1.0", "policies/authenticationMethodsPolicy/authenticationMethodConfigurations", configs)
    authz = load(td, "authorizationPolicy.json")
    # guests see only their own directory objects (EIDSCA.AP07)
    authz["guestUserRoleId"] = "2af84b1e-32c8-42b7-82bc-daa82404023b"
    # who may invite guests, sign up and create apps, as the shipped rules ask
    authz.update(allowInvitesFrom="adminsAndGuestInviters",
                 allowedToSignUpEmailBasedSubscriptions=False,
                 allowEmailVerifiedUsersToJoinOrganization=False,
                 allowedToUseSSPR=False)   # administrators reset passwords the strong way
    authz["defaultUserRolePermissions"]["allowedToCreateApps"] = False
    put("v1.0", "policies/authorizationPolicy", authz)
    sd = load(td, "identitySecurityDefaultsEnforcementPolicy.json")
    sd["isEnabled"] = False           # a tenant with Conditional Access has them off
    put("v1.0", "policies/identitySecurityDefaultsEnforcementPolicy", sd)
    put("v1.0", "policies/crossTenantAccessPolicy", {
        "id": "crossTenantAccessPolicy", "displayName": "CrossTenantAccessPolicy",
        "definition": [], "allowedCloudEndpoints": [], "deletedDateTime": None})
    default = load(td, "crossTenantAccessPolicy-default.json")
    default["automaticUserConsentSettings"] = {"inboundAllowed": False, "outboundAllowed": False}
    put("v1.0", "policies/crossTenantAccessPolicy/default", default)
    put("v1.0", "policies/crossTenantAccessPolicy/partners", cross_tenant_partners(default))
    consent = load(td, "adminConsentRequestPolicy.json")
    consent.update(notifyReviewers=True, remindersEnabled=True)
    put("v1.0", "policies/adminConsentRequestPolicy", consent)
    put("v1.0", "policies/authenticationFlowsPolicy", {
        "id": "authenticationFlowsPolicy", "displayName": "Authentication flows policy",
        "description": "Authentication flows policy allows modification of settings related to "
                       "authentication flows in AAD tenant, such as self-service sign up "
                       "configuration.", "selfServiceSignUp": {"isEnabled": True}})
    put("v1.0", "policies/permissionGrantPolicies", permission_grant_policies())
    for name, items in app_config_policies(td).items():
        put("v1.0", "policies/" + name, items)
    put("v1.0", "groupSettings", load(td, "groupSettings-list.json")["value"] + group_settings())
    put("v1.0", "organization", organization(td))
    put("v1.0", "domains", domains())
    put("v1.0", "roleManagement/directory/roleDefinitions",
        load(td, "roleDefinitions-list.json")["value"])
    all_members = {"@odata.type": "#microsoft.graph.allDeviceRegistrationMembership"}
    # who may join devices is narrowed to a group once the groups exist (sample_more)
    no_members = {"@odata.type": "#microsoft.graph.noDeviceRegistrationMembership"}
    put("beta", "policies/deviceRegistrationPolicy", {
        "id": "deviceRegistrationPolicy", "displayName": "Device Registration Policy",
        "description": "Tenant-wide policy that manages initial provisioning controls using "
                       "quota restrictions, additional authentication and authorization checks",
        "userDeviceQuota": 50, "multiFactorAuthConfiguration": "notRequired",
        "azureADRegistration": {"isAdminConfigurable": True, "allowedToRegister": all_members},
        "azureADJoin": {"isAdminConfigurable": True, "allowedToJoin": all_members,
                        "localAdmins": {"enableGlobalAdmins": False,
                                        "registeringUsers": no_members}},
        "localAdminPassword": {"isEnabled": True}})


# --- Intune --------------------------------------------------------------------

def intune_base(odata_type, name, day, desc=""):
    return {"@odata.type": "#microsoft.graph." + odata_type, "id": gid(),
            "createdDateTime": stamp(day), "lastModifiedDateTime": stamp(day + 3),
            "description": desc, "displayName": name, "version": 1 + day % 5,
            "roleScopeTagIds": ["0"]}


def compliance(td):
    win = unwrap(load(td, "windows10CompliancePolicy.json"))
    win.update(intune_base("windows10CompliancePolicy", "Windows 10/11 baseline compliance", 10,
                           "BitLocker, Secure Boot and a PIN on every Windows device"))
    win.update(osMinimumVersion="10.0.19045", osMaximumVersion=None, mobileOsMinimumVersion=None,
               mobileOsMaximumVersion=None, passwordMinimumLength=8,
               passwordMinimumCharacterSetCount=None, passwordExpirationDays=None,
               passwordMinutesOfInactivityBeforeLock=15)
    ios = intune_base("iosCompliancePolicy", "iOS compliance", 12, "Passcode and OS version")
    ios.update(passcodeBlockSimple=True, passcodeRequired=True, passcodeMinimumLength=6,
               osMinimumVersion="17.0", securityBlockJailbrokenDevices=True,
               deviceThreatProtectionEnabled=False, managedEmailProfileRequired=False)
    android = intune_base("androidWorkProfileCompliancePolicy", "Android work profile compliance", 14)
    android.update(passwordRequired=True, passwordMinimumLength=6, securityBlockJailbrokenDevices=True,
                   osMinimumVersion="12.0", storageRequireEncryption=True,
                   securityRequireSafetyNetAttestationBasicIntegrity=True)
    mac = intune_base("macOSCompliancePolicy", "macOS compliance", 16)
    mac.update(passwordRequired=True, osMinimumVersion="14.0", systemIntegrityProtectionEnabled=True,
               storageRequireEncryption=True, firewallEnabled=True, firewallBlockAllIncoming=False)
    return [win, ios, android, mac]


def device_configurations():
    gen = intune_base("windows10GeneralConfiguration", "Windows: restrictions", 20)
    gen.update(passwordRequired=True, passwordMinimumLength=8, cameraBlocked=False,
               defenderRequireRealTimeMonitoring=True, edgeBlockPopups=True,
               smartScreenEnableAppInstallControl=True, storageBlockRemovableStorage=False)
    ep = intune_base("windows10EndpointProtectionConfiguration", "Windows: BitLocker and firewall", 22)
    ep.update(firewallBlockStatefulFTP=True, bitLockerEncryptDevice=True,
              bitLockerDisableWarningForOtherDiskEncryption=True,
              defenderAttackSurfaceReductionExcludedPaths=[], firewallProfileDomain={
                  "firewallEnabled": "allowed", "inboundConnectionsBlocked": True})
    custom = intune_base("windows10CustomConfiguration", "Windows: custom OMA-URI (VPN)", 24,
                         "Holds a pre-shared key; driftward stores it encrypted")
    custom["omaSettings"] = [
        {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "VPN pre-shared key",
         "description": None, "omaUri": "./Vendor/MSFT/VPNv2/ContosoVPN/NativeProfile/Authentication/PSK",
         "secretReferenceValueId": None, "isEncrypted": False, "value": "psk-demo-not-real-8f3a"},
        {"@odata.type": "#microsoft.graph.omaSettingInteger", "displayName": "Always on",
         "description": None, "omaUri": "./Vendor/MSFT/VPNv2/ContosoVPN/AlwaysOn",
         "isReadOnly": False, "value": 1}]
    ios = intune_base("iosGeneralDeviceConfiguration", "iOS: device restrictions", 26)
    ios.update(appStoreBlockAutomaticDownloads=False, cameraBlocked=False,
               passcodeRequired=True, passcodeMinimumLength=6, iCloudBlockBackup=True)
    return [gen, ep, custom, ios]


def setting(def_id, value, kind="choice"):
    if kind == "choice":
        inst = {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": def_id, "settingInstanceTemplateReference": None,
                "choiceSettingValue": {"settingValueTemplateReference": None,
                                       "value": value, "children": []}}
    else:
        inst = {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                "settingDefinitionId": def_id, "settingInstanceTemplateReference": None,
                "simpleSettingValue": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                    "settingValueTemplateReference": None, "value": value}}
    return {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
            "settingInstance": inst}


def configuration_policies():
    def pol(name, day, settings, platforms="windows10"):
        for i, s in enumerate(settings):
            s["id"] = str(i)
        return {"createdDateTime": stamp(day), "creationSource": None,
                "description": "Settings catalog: " + name, "lastModifiedDateTime": stamp(day + 2),
                "name": name, "platforms": platforms, "priorityMetaData": None,
                "roleScopeTagIds": ["0"], "settingCount": len(settings), "technologies": "mdm",
                "id": gid(), "isAssigned": True,
                "templateReference": {"templateId": "", "templateFamily": "none",
                                      "templateDisplayName": None, "templateDisplayVersion": None},
                "settings": settings}
    return [
        pol("Edge: security baseline", 30, [
            setting("device_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge_smartscreenenabled",
                    "device_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge_smartscreenenabled_1"),
            setting("device_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge_passwordmanagerenabled",
                    "device_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge_passwordmanagerenabled_0")]),
        pol("Defender: cloud protection", 32, [
            setting("device_vendor_msft_policy_config_defender_allowcloudprotection",
                    "device_vendor_msft_policy_config_defender_allowcloudprotection_1"),
            setting("device_vendor_msft_policy_config_defender_cloudextendedtimeout", 50, "int")]),
        pol("macOS: screen saver lock", 34, [
            setting("com.apple.screensaver_askforpassword", "com.apple.screensaver_askforpassword_true")],
            platforms="macOS"),
    ]


def enrollment_configurations():
    limit = intune_base("deviceEnrollmentLimitConfiguration", "All users and all devices", 1,
                        "This is the default Device Limit Restriction applied with the lowest "
                        "priority to all users regardless of their group membership.")
    limit.update(priority=0, limit=5)
    limit["id"] = "%s_DefaultLimit" % gid()
    restr = intune_base("deviceEnrollmentPlatformRestrictionsConfiguration",
                        "All users and all devices", 1,
                        "This is the default Device Type Restriction applied with the lowest "
                        "priority to all users regardless of their group membership.")
    restr["id"] = "%s_DefaultPlatformRestrictions" % gid()
    # personally owned devices are blocked on every allowed platform (CIS M365 4.2)
    plat = {"platformBlocked": False, "personalDeviceEnrollmentBlocked": True,
            "osMinimumVersion": None, "osMaximumVersion": None}
    restr.update(priority=0, iosRestriction=dict(plat), windowsRestriction=dict(plat),
                 windowsMobileRestriction=dict(plat, platformBlocked=True),
                 androidRestriction=dict(plat), macOSRestriction=dict(plat))
    whfb = intune_base("windowsHelloForBusinessSettings", "All users and all devices", 1,
                       "This is the default Windows Hello for Business configuration applied with "
                       "the lowest priority to all users regardless of their group membership.")
    whfb["id"] = "%s_DefaultWindowsHelloForBusiness" % gid()
    whfb.update(priority=0, pinMinimumLength=6, pinMaximumLength=127, state="enabled",
                securityDeviceRequired=True, unlockWithBiometricsEnabled=True,
                remotePassportEnabled=False, pinPreviousBlockCount=0, pinExpirationInDays=0,
                enhancedBiometricsState="notConfigured")
    esp = intune_base("windows10EnrollmentCompletionPageConfiguration", "Autopilot ESP", 5)
    esp.update(priority=1, showInstallationProgress=True, blockDeviceSetupRetryByUser=False,
               allowDeviceResetOnInstallFailure=True, installProgressTimeoutInMinutes=60,
               customErrorMessage="Contact the Contoso service desk.",
               allowLogCollectionOnInstallFailure=True, allowDeviceUseOnInstallFailure=False)
    return [limit, restr, whfb, esp]


def app_protections(platform):
    def prot(name, day, extra):
        p = {"@odata.type": "#microsoft.graph.%sManagedAppProtection" % platform,
             "displayName": name, "description": "", "createdDateTime": stamp(day),
             "lastModifiedDateTime": stamp(day + 1), "roleScopeTagIds": ["0"], "id": "T_" + gid(),
             "version": '"%s"' % gid().split("-")[0], "periodOfflineBeforeAccessCheck": "PT12H",
             "periodOnlineBeforeAccessCheck": "PT30M",
             "allowedInboundDataTransferSources": "managedApps",
             "allowedOutboundDataTransferDestinations": "managedApps",
             "organizationalCredentialsRequired": False,
             "allowedOutboundClipboardSharingLevel": "managedAppsWithPasteIn",
             "dataBackupBlocked": True, "deviceComplianceRequired": True,
             "managedBrowserToOpenLinksRequired": False, "saveAsBlocked": True,
             "periodOfflineBeforeWipeIsEnforced": "P90D", "pinRequired": True,
             "maximumPinRetries": 5, "simplePinBlocked": True, "minimumPinLength": 6,
             "pinCharacterSet": "numeric", "periodBeforePinReset": "PT0S",
             "allowedDataStorageLocations": ["oneDriveForBusiness", "sharePoint"],
             "contactSyncBlocked": False, "printBlocked": False, "fingerprintBlocked": False,
             "disableAppPinIfDevicePinIsSet": False, "isAssigned": True, "deployedAppCount": 12}
        p.update(extra)
        return p
    if platform == "ios":
        return [prot("iOS: Office apps (BYOD)", 50, {"appDataEncryptionType": "whenDeviceLocked",
                                                      "faceIdBlocked": False}),
                prot("iOS: executives", 52, {"appDataEncryptionType": "whenDeviceLocked",
                                             "faceIdBlocked": True, "minimumPinLength": 8})]
    return [prot("Android: Office apps (BYOD)", 54, {"screenCaptureBlocked": True,
                                                      "encryptAppData": True}),
            prot("Android: frontline workers", 56, {"screenCaptureBlocked": False,
                                                    "encryptAppData": True, "pinRequired": False})]


def assignment_filters():
    rules = [("Corporate Windows devices", "windows10AndLater", '(device.deviceOwnership -eq "Corporate")'),
             ("Surface devices", "windows10AndLater", '(device.model -startsWith "Surface")'),
             ("Supervised iPhones", "iOS", '(device.enrollmentProfileName -eq "Contoso DEP")')]
    return [{"createdDateTime": stamp(60 + i), "lastModifiedDateTime": stamp(62 + i),
             "displayName": name, "description": "", "platform": plat, "rule": rule,
             "roleScopeTags": ["0"], "payloads": [], "id": gid(),
             "assignmentFilterManagementType": "devices"}
            for i, (name, plat, rule) in enumerate(rules)]


def scope_tags():
    tags = [("0", "Default", "Built-in scope tag", True)]
    tags += [(str(i + 1), name, desc, False) for i, (name, desc) in
             enumerate([("Amsterdam", "Devices managed by the Amsterdam office"),
                        ("Contractors", "Contractor-owned devices")])]
    return [{"id": tid, "displayName": name, "description": desc, "isBuiltIn": builtin}
            for tid, name, desc, builtin in tags]


def autopilot_profiles():
    def prof(name, day, mode):
        return {"@odata.type": "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile",
                "id": gid(), "displayName": name, "description": "", "language": "os-default",
                "createdDateTime": stamp(day), "lastModifiedDateTime": stamp(day + 1),
                "outOfBoxExperienceSettings": {"hidePrivacySettings": True, "hideEULA": True,
                                               "userType": "standard", "deviceUsageType": mode,
                                               "skipKeyboardSelectionPage": True,
                                               "hideEscapeLink": True},
                "enrollmentStatusScreenSettings": None, "extractHardwareHash": True,
                "deviceNameTemplate": "CTS-%SERIAL%", "deviceType": "windowsPc",
                "enableWhiteGlove": True, "roleScopeTagIds": ["0"]}
    return [prof("Autopilot: user-driven", 70, "singleUser"),
            prof("Autopilot: shared kiosk", 72, "shared")]


def scripts():
    import base64
    def script(name, day, text):
        return {"@odata.type": "#microsoft.graph.deviceManagementScript", "id": gid(),
                "displayName": name, "description": "", "createdDateTime": stamp(day),
                "lastModifiedDateTime": stamp(day + 1), "runAsAccount": "system",
                "enforceSignatureCheck": False, "fileName": name.replace(" ", "-") + ".ps1",
                "roleScopeTagIds": ["0"], "runAs32Bit": False,
                "scriptContent": base64.b64encode(text.encode()).decode()}
    return [script("Set time zone", 80, "Set-TimeZone -Id 'W. Europe Standard Time'\n"),
            script("Remove consumer Teams", 82,
                   "Get-AppxPackage MicrosoftTeams | Remove-AppxPackage\n")]


def intune(td, put):
    put("v1.0", "deviceManagement/deviceCompliancePolicies", compliance(td))
    put("v1.0", "deviceManagement/deviceConfigurations", device_configurations())
    put("beta", "deviceManagement/configurationPolicies", configuration_policies())
    put("v1.0", "deviceManagement/deviceEnrollmentConfigurations", enrollment_configurations())
    put("v1.0", "deviceAppManagement/iosManagedAppProtections", app_protections("ios"))
    put("v1.0", "deviceAppManagement/androidManagedAppProtections", app_protections("android"))
    put("beta", "deviceManagement/assignmentFilters", assignment_filters())
    put("beta", "deviceManagement/roleScopeTags", scope_tags())
    put("v1.0", "deviceManagement/windowsAutopilotDeploymentProfiles", autopilot_profiles())
    put("beta", "deviceManagement/deviceManagementScripts", scripts())


# --- SharePoint and audit logs ------------------------------------------------------

def sharepoint(td, put):
    sp = unwrap(load(td, "sharepointSettings.json"))
    sp["allowedDomainGuidsForSyncApp"] = ["bdd1ab9b-3fd0-4def-a761-ec8d7471732c", gid()]
    sp["sharingBlockedDomainList"] = ["example.net"]
    sp["sharingCapability"] = "existingExternalUserSharingOnly"   # MS.SHAREPOINT.1.1v1
    sp["isResharingByExternalUsersEnabled"] = False                # CIS M365 7.2.5
    put("v1.0", "admin/sharepoint/settings", sp)


def audits(put, reader_app):
    initiated = {"user": None, "app": {"appId": reader_app, "displayName": "Contoso admin tooling",
                                       "servicePrincipalId": gid(),
                                       "servicePrincipalName": "Contoso admin tooling"}}
    user = {"app": None, "user": {"id": gid(), "displayName": "Megan Bowen",
                                  "userPrincipalName": "meganb@contoso.com", "ipAddress": "198.51.100.7",
                                  "userType": "Member", "homeTenantId": TENANT_ID,
                                  "homeTenantName": "Contoso"}}
    entries = []
    acts = [("Update conditional access policy", "Conditional Access", "Policy", user),
            ("Add named location", "Conditional Access", "Policy", user),
            ("Update authorization policy", "Core Directory", "Policy", initiated),
            ("Update policy", "Core Directory", "Policy", user)]
    for i, (act, svc, cat, who) in enumerate(acts):
        entries.append({"id": "Directory_%s_%s" % (gid()[:5].upper(), gid()[:8]), "category": cat,
                        "correlationId": gid(), "result": "success", "resultReason": "",
                        "activityDisplayName": act, "activityDateTime": "2026-01-%02dT10:%02d:00Z" % (20 - i * 3, i),
                        "loggedByService": svc, "operationType": act.split()[0],
                        "initiatedBy": who, "additionalDetails": [],
                        "targetResources": [{"id": gid(), "displayName": act.split(" ", 1)[1],
                                             "type": "Policy", "userPrincipalName": None,
                                             "groupType": None, "modifiedProperties": []}]})
    put("v1.0", "auditLogs/directoryAudits", entries)
    events = []
    for i, (kind, comp) in enumerate([("DeviceCompliancePolicy", "Compliance"),
                                      ("DeviceConfiguration", "DeviceConfiguration"),
                                      ("DeviceManagementConfigurationPolicy", "DeviceConfiguration")]):
        events.append({"id": gid(), "displayName": "Patch %s" % kind, "componentName": comp,
                       "actor": {"type": "ItPro", "auditActorType": "ItPro", "userPermissions": ["*"],
                                 "applicationId": "0000000a-0000-0000-c000-000000000000",
                                 "applicationDisplayName": "Microsoft Intune portal extension",
                                 "userPrincipalName": "meganb@contoso.com", "servicePrincipalName": None,
                                 "ipAddress": None, "userId": gid()},
                       "activity": None, "activityDateTime": "2026-01-%02dT14:0%d:00Z" % (18 - i * 4, i),
                       "activityType": "Patch %s" % kind, "activityOperationType": "Patch",
                       "activityResult": "Success", "correlationId": gid(),
                       "resources": [{"displayName": "policy %d" % i, "type": kind,
                                      "auditResourceType": kind, "resourceId": gid(),
                                      "modifiedProperties": []}],
                       "category": comp})
    put("v1.0", "deviceManagement/auditEvents", events)


# --- main -------------------------------------------------------------------------

def tenant_meta():
    return {"name": "contoso", "domains": ["contoso.com", "contoso.onmicrosoft.com"],
            "licences": ["intune", "aadp1", "aadp2"],
            "apps": [
                {"client_id": READER_ID, "displayName": "driftward (read-only)",
                 "secrets": ["demo-secret-not-real"], "certificates": [],
                 "permissions": READ_PERMISSIONS},
                {"client_id": WRITER_ID, "displayName": "driftward (restore)",
                 "secrets": ["demo-writer-secret-not-real"], "certificates": [],
                 "permissions": READ_PERMISSIONS + WRITE_PERMISSIONS}]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testdata", default=os.path.join(HERE, "..", "vectors", "graph"))
    parser.add_argument("--out", default=os.path.join(HERE, "sample"))
    args = parser.parse_args()
    tdir = os.path.join(args.out, TENANT_ID)
    shutil.rmtree(tdir, ignore_errors=True)

    def put(version, path, data):
        file = os.path.join(tdir, version, *path.split("/")) + ".json"
        os.makedirs(os.path.dirname(file), exist_ok=True)
        with open(file, "w", encoding="utf-8") as f:
            json.dump({"value": data} if isinstance(data, list) else data, f, indent=2,
                      ensure_ascii=False)
            f.write("\n")

    os.makedirs(tdir)
    with open(os.path.join(tdir, "_tenant.json"), "w") as f:
        json.dump(tenant_meta(), f, indent=2)
        f.write("\n")
    entra(args.testdata, put)
    intune(args.testdata, put)
    sharepoint(args.testdata, put)
    audits(put, READER_ID)
    sample_more.build(sample_more.reader(tdir), put)
    print("sample tenant written to", tdir)


if __name__ == "__main__":
    main()
