"""The sample tenant's wider coverage: Intune assignments, compliance actions and
the collectors added after the first sample (issue 10), shaped like the
examples of Microsoft's Graph API reference.

make_sample.py calls build() after it wrote the first collectors; this module
has its own seeded generator, so the files written before it stay
byte-identical.  References hold together: every assignment names a group of
/groups (or the all-users / all-devices targets) and an assignment filter of
/deviceManagement/assignmentFilters; scope tags are those of roleScopeTags.
"""

import base64
import copy
import json
import os
import random
import uuid

RNG = random.Random(20261203)
ALL_DEVICES = "adadadad-808e-44e2-905a-0b7873a8a531"
ALL_USERS = "acacacac-9df4-4c7d-9d50-4ef0226f57a9"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"


def gid():
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def stamp(day, hour=10):
    return "2025-%02d-%02dT%02d:%02d:%02d.%07dZ" % (
        (day // 28) % 12 + 1, day % 28 + 1, hour, RNG.randrange(60), RNG.randrange(60),
        RNG.randrange(10 ** 7))


def b64(text):
    return base64.b64encode(text.encode()).decode()


# --- groups and assignment targets ------------------------------------------------

GROUPS = [
    ("Intune - Corporate Windows devices", False, ["DynamicMembership"],
     '(device.deviceOwnership -eq "Corporate")'),
    ("Intune - Pilot users", False, [], None),
    ("Intune - Kiosk devices", False, [], None),
    ("Intune - Excluded from compliance", False, [], None),
    ("Tier 0 - Privileged role administrators", True, [], None),
    ("Conditional Access - Break glass exclusions", True, [], None),
]


def groups():
    out = []
    for i, (name, role, types, rule) in enumerate(GROUPS):
        nick = "".join(c for c in name.lower() if c.isalnum())[:20]
        out.append({
            "id": gid(), "deletedDateTime": None, "classification": None,
            "createdDateTime": stamp(5 + i), "creationOptions": [], "description": name,
            "displayName": name, "expirationDateTime": None, "groupTypes": types,
            "isAssignableToRole": role, "mail": None, "mailEnabled": False,
            "mailNickname": nick, "membershipRule": rule,
            "membershipRuleProcessingState": "On" if rule else None,
            "onPremisesSyncEnabled": None, "preferredDataLocation": None,
            "proxyAddresses": [], "renewedDateTime": stamp(5 + i), "resourceBehaviorOptions": [],
            "resourceProvisioningOptions": [], "securityEnabled": True,
            "securityIdentifier": "S-1-12-1-%d-%d-%d-%d" % tuple(
                RNG.getrandbits(31) for _ in range(4)),
            "theme": None, "visibility": "Private" if role else None,
            "onPremisesProvisioningErrors": []})
    return out


class Targets:
    """Assignment targets built from the sample's groups and filters."""

    def __init__(self, group_ids, filter_ids):
        self.groups, self.filters = group_ids, filter_ids

    def target(self, kind, group=None, flt=None, flt_type="include"):
        t = {"@odata.type": "#microsoft.graph.%sAssignmentTarget" % kind,
             "deviceAndAppManagementAssignmentFilterId": None,
             "deviceAndAppManagementAssignmentFilterType": "none"}
        if group is not None:
            t["groupId"] = self.groups[group]
        if flt is not None:
            t["deviceAndAppManagementAssignmentFilterId"] = self.filters[flt]
            t["deviceAndAppManagementAssignmentFilterType"] = flt_type
        return t

    def assignments(self, owner_id, specs, odata_type=None, extra=None):
        """One assignment per spec: ("group", index, filter or None) | ("allDevices",) |
        ("allLicensedUsers",) | ("exclusionGroup", index)."""
        out = []
        for spec in specs:
            kind = spec[0]
            group = spec[1] if len(spec) > 1 else None
            flt = spec[2] if len(spec) > 2 else None
            target = self.target(kind, group, flt)
            suffix = {"allDevices": ALL_DEVICES, "allLicensedUsers": ALL_USERS}.get(
                kind, target.get("groupId"))
            a = {"id": "%s_%s" % (owner_id, suffix), "target": target}
            if odata_type:
                a = {"@odata.type": "#microsoft.graph." + odata_type, **a}
            if extra:
                a.update(copy.deepcopy(extra))
            out.append(a)
        return out


# --- assignments and actions of the first collectors ---------------------------------

def compliance_actions(policy_id, block_after_hours):
    def config(action, hours, template=None):
        return {"id": gid(), "gracePeriodHours": hours, "actionType": action,
                "notificationTemplateId": template or "00000000-0000-0000-0000-000000000000",
                "notificationMessageCCList": []}
    return [{"id": gid(), "ruleName": None, "scheduledActionConfigurations": [
        config("block", block_after_hours),
        config("notification", 24, NOTIFICATION_TEMPLATE_ID),
        config("retire", 24 * 90)]}]


NOTIFICATION_TEMPLATE_ID = "7a3b2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def add_assignments(read, put, t):
    path = "deviceManagement/deviceCompliancePolicies"
    items = read("v1.0", path)
    plans = [[("group", 0, 0), ("exclusionGroup", 3)], [("allLicensedUsers",)],
             [("group", 1)], [("group", 1, 2), ("allDevices",)]]
    for i, p in enumerate(items):
        p["assignments"] = t.assignments(p["id"], plans[i % len(plans)])
        p["scheduledActionsForRule"] = compliance_actions(p["id"], 12 * i)
    put("v1.0", path, items)
    simple = [("v1.0", "deviceManagement/deviceConfigurations", None),
              ("beta", "deviceManagement/configurationPolicies",
               "deviceManagementConfigurationPolicyAssignment"),
              ("v1.0", "deviceManagement/deviceEnrollmentConfigurations",
               "enrollmentConfigurationAssignment"),
              ("v1.0", "deviceAppManagement/iosManagedAppProtections",
               "targetedManagedAppPolicyAssignment"),
              ("v1.0", "deviceAppManagement/androidManagedAppProtections",
               "targetedManagedAppPolicyAssignment"),
              ("v1.0", "deviceManagement/windowsAutopilotDeploymentProfiles",
               "windowsAutopilotDeploymentProfileAssignment"),
              ("beta", "deviceManagement/deviceManagementScripts",
               "deviceManagementScriptAssignment")]
    plans = [[("group", 0, 1)], [("allDevices",), ("exclusionGroup", 2)], [("group", 1)],
             [("allLicensedUsers",), ("group", 2)]]
    for version, path, odata_type in simple:
        items = read(version, path)
        for i, obj in enumerate(items):
            obj["assignments"] = t.assignments(obj["id"], plans[i % len(plans)], odata_type)
            if path.endswith("ManagedAppProtections"):
                obj["apps"] = protected_apps(path.startswith("deviceAppManagement/ios"))
        put(version, path, items)


def protected_apps(ios):
    names = ["com.microsoft.office.outlook", "com.microsoft.skype.teams", "com.microsoft.msedge"]
    kind = "ios" if ios else "android"
    out = []
    for name in names:
        ident = {"@odata.type": "#microsoft.graph.%sMobileAppIdentifier" % kind}
        ident["bundleId" if ios else "packageId"] = name
        out.append({"id": "%s.%s" % (name, kind), "mobileAppIdentifier": ident,
                    "version": "-%d" % RNG.randrange(10 ** 9)})
    return out


# --- Intune: apps ------------------------------------------------------------------------

def mobile_apps(t, categories):
    def app(kind, name, publisher, day, extra, plans, settings_type=None):
        a = {"@odata.type": "#microsoft.graph." + kind, "id": gid(), "displayName": name,
             "description": name, "publisher": publisher, "largeIcon": None,
             "createdDateTime": stamp(day), "lastModifiedDateTime": stamp(day + 2),
             "isFeatured": False, "privacyInformationUrl": None, "informationUrl": None,
             "owner": "", "developer": "", "notes": "", "publishingState": "published",
             "uploadState": 1, "isAssigned": True, "roleScopeTagIds": ["0"],
             "dependentAppCount": 0, "supersedingAppCount": 0, "supersededAppCount": 0}
        a.update(extra)
        a["assignments"] = t.assignments(a["id"], [p[1:] for p in plans], "mobileAppAssignment")
        for asg, p in zip(a["assignments"], plans):
            asg["intent"] = p[0]
            asg["settings"] = {"@odata.type": "#microsoft.graph." + settings_type} \
                if settings_type else None
        a["categories"] = [categories[day % len(categories)]]
        return a
    return [
        app("win32LobApp", "7-Zip 23.01 (x64)", "Igor Pavlov", 100,
            {"fileName": "7z2301-x64.intunewin", "size": 1573888, "installCommandLine":
             "7z2301-x64.exe /S", "uninstallCommandLine": "\"%ProgramFiles%\\7-Zip\\Uninstall.exe\" /S",
             "applicableArchitectures": "x64", "minimumSupportedWindowsRelease": "1607",
             "setupFilePath": "7z2301-x64.exe", "allowAvailableUninstall": True,
             "installExperience": {"runAsAccount": "system", "deviceRestartBehavior": "suppress"},
             "returnCodes": [{"returnCode": 0, "type": "success"},
                             {"returnCode": 3010, "type": "softReboot"}],
             "rules": [{"@odata.type": "#microsoft.graph.win32LobAppFileSystemRule",
                        "ruleType": "detection", "path": "%ProgramFiles%\\7-Zip",
                        "fileOrFolderName": "7z.exe", "check32BitOn64System": False,
                        "operationType": "exists", "operator": "notConfigured",
                        "comparisonValue": None}],
             "committedContentVersion": "1"},
            [("required", "group", 0, 0), ("available", "allLicensedUsers")],
            "win32LobAppAssignmentSettings"),
        app("iosVppApp", "Microsoft Authenticator", "Microsoft Corporation", 104,
            {"usedLicenseCount": 120, "totalLicenseCount": 500, "releaseDateTime": None,
             "appStoreUrl": "https://apps.apple.com/us/app/microsoft-authenticator/id983156458",
             "licensingType": {"supportsUserLicensing": True, "supportsDeviceLicensing": True},
             "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
             "vppTokenOrganizationName": "Contoso", "vppTokenAccountType": "business",
             "vppTokenAppleId": "vpp@contoso.com", "bundleId": "com.microsoft.azureauthenticator",
             "vppTokenId": VPP_TOKEN_ID},
            [("required", "group", 1)], "iosVppAppAssignmentSettings"),
        app("webApp", "Contoso intranet", "Contoso", 106,
            {"appUrl": "https://intranet.contoso.com", "useManagedBrowser": True},
            [("available", "allLicensedUsers")]),
        app("winGetApp", "Company Portal", "Microsoft Corporation", 108,
            {"packageIdentifier": "9WZDNCRFJ3PZ", "manifestHash": None,
             "installExperience": {"runAsAccount": "user"}},
            [("required", "allDevices"), ("uninstall", "exclusionGroup", 2)],
            "winGetAppAssignmentSettings"),
    ]


VPP_TOKEN_ID = "c5d1e2f3-a4b5-4c6d-8e7f-a0b1c2d3e4f5"


def app_categories():
    names = ["Business", "Productivity", "Utilities", "Development & Design"]
    return [{"@odata.type": "#microsoft.graph.mobileAppCategory", "id": gid(),
             "displayName": n, "lastModifiedDateTime": stamp(90 + i)}
            for i, n in enumerate(names)]


def app_configurations(t):
    outlook = {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "id": gid(),
               "targetedMobileApps": [gid()], "roleScopeTagIds": ["0"],
               "createdDateTime": stamp(110), "lastModifiedDateTime": stamp(111),
               "description": "Outlook: only work accounts", "displayName": "iOS: Outlook work account",
               "version": 2, "encodedSettingXml": None,
               "settings": [{"appConfigKey": "IntuneMAMAllowedAccountsOnly",
                             "appConfigKeyType": "stringType", "appConfigKeyValue": "Enabled"},
                            {"appConfigKey": "IntuneMAMUPN", "appConfigKeyType": "stringType",
                             "appConfigKeyValue": "{{userprincipalname}}"}]}
    android = {"@odata.type": "#microsoft.graph.androidManagedStoreAppConfiguration", "id": gid(),
               "targetedMobileApps": [gid()], "roleScopeTagIds": ["1"],
               "createdDateTime": stamp(112), "lastModifiedDateTime": stamp(113),
               "description": "", "displayName": "Android: Edge home page", "version": 1,
               "packageId": "app:com.microsoft.emmx", "payloadJson": b64(json.dumps(
                   {"kind": "androidenterprise#managedConfiguration", "productId":
                    "app:com.microsoft.emmx", "managedProperty": [
                        {"key": "com.microsoft.intune.mam.managedbrowser.homepage",
                         "valueString": "https://intranet.contoso.com"}]})),
               "permissionActions": [], "appSupportsOemConfig": False, "profileApplicability":
               "default", "connectedAppsEnabled": False}
    out = [outlook, android]
    for i, c in enumerate(out):
        c["assignments"] = t.assignments(c["id"], [[("group", 1)], [("allDevices",)]][i],
                                         "managedDeviceMobileAppConfigurationAssignment")
    return out


def targeted_app_configurations(t):
    def conf(name, day, settings):
        c = {"@odata.type": "#microsoft.graph.targetedManagedAppConfiguration",
             "displayName": name, "description": "", "createdDateTime": stamp(day),
             "lastModifiedDateTime": stamp(day + 1), "roleScopeTagIds": ["0"],
             "id": "A_" + gid(), "version": '"%s"' % gid()[:8], "customSettings": settings,
             "deployedAppCount": 2, "isAssigned": True, "appGroupType": "selectedPublicApps",
             "targetedAppManagementLevels": "unmanaged"}
        c["apps"] = protected_apps(True)[:2]
        c["assignments"] = t.assignments(c["id"], [("group", 1)],
                                         "targetedManagedAppPolicyAssignment")
        return c
    return [conf("Edge: managed bookmarks", 120, [
                {"name": "com.microsoft.intune.mam.managedbrowser.bookmarks",
                 "value": "Intranet|https://intranet.contoso.com"}]),
            conf("Outlook: block external images", 122, [
                {"name": "com.microsoft.outlook.Mail.BlockExternalImagesEnabled",
                 "value": "true"}])]


def windows_app_protections(t):
    p = {"@odata.type": "#microsoft.graph.windowsManagedAppProtection", "id": gid(),
         "displayName": "Windows: Edge for work", "description": "MAM for unenrolled Windows",
         "createdDateTime": stamp(124), "lastModifiedDateTime": stamp(125),
         "roleScopeTagIds": ["0"], "version": '"%s"' % gid()[:8], "isAssigned": True,
         "deployedAppCount": 1, "allowedInboundDataTransferSources": "allSources",
         "allowedOutboundClipboardSharingLevel": "none",
         "allowedOutboundDataTransferDestinations": "none", "appActionIfUnableToAuthenticateUser":
         None, "maximumAllowedDeviceThreatLevel": "notConfigured", "minimumRequiredAppVersion":
         None, "minimumWarningAppVersion": None, "minimumRequiredOsVersion": None,
         "printBlocked": True, "periodOfflineBeforeAccessCheck": "PT12H",
         "periodOfflineBeforeWipeIsEnforced": "P90D", "mobileThreatDefenseRemediationAction":
         "block"}
    p["apps"] = [{"id": "com.microsoft.edge.windows", "version": "-1",
                  "mobileAppIdentifier": {"@odata.type":
                                          "#microsoft.graph.windowsAppIdentifier",
                                          "windowsAppId": "com.microsoft.edge"}}]
    p["assignments"] = t.assignments(p["id"], [("group", 1)],
                                     "targetedManagedAppPolicyAssignment")
    return [p]


def wip_policies(t):
    p = {"@odata.type": "#microsoft.graph.windowsInformationProtectionPolicy", "id": gid(),
         "displayName": "WIP: protect corporate data", "description": "", "version": '"1"',
         "createdDateTime": stamp(126), "lastModifiedDateTime": stamp(127),
         "enforcementLevel": "encryptAuditAndBlock", "enterpriseDomain": "contoso.com",
         "protectionUnderLockConfigRequired": False, "revokeOnUnenrollDisabled": False,
         "rightsManagementServicesTemplateId": None, "azureRightsManagementServicesAllowed": False,
         "iconsVisible": True, "enterpriseIPRanges": [{"displayName": "Corp", "ranges": [
             {"@odata.type": "#microsoft.graph.iPv4Range", "lowerAddress": "10.0.0.0",
              "upperAddress": "10.255.255.255"}]}],
         "enterpriseProxyServers": [], "indexingEncryptedStoresOrItemsBlocked": False,
         "isAssigned": True, "pinMinimumLength": 6, "pinExpirationDays": 0,
         "daysWithoutContactBeforeUnenroll": 90, "mdmEnrollmentUrl": None,
         "windowsHelloForBusinessBlocked": False}
    p["assignments"] = t.assignments(p["id"], [("group", 1)],
                                     "targetedManagedAppPolicyAssignment")
    return [p]


def mdm_wip_policies(t):
    p = wip_policies(t)[0]
    p.update({"@odata.type": "#microsoft.graph.mdmWindowsInformationProtectionPolicy",
              "id": gid(), "displayName": "WIP: enrolled devices",
              "createdDateTime": stamp(128), "lastModifiedDateTime": stamp(129)})
    for key in ("pinMinimumLength", "pinExpirationDays", "daysWithoutContactBeforeUnenroll",
                "mdmEnrollmentUrl", "windowsHelloForBusinessBlocked"):
        p.pop(key)
    p["assignments"] = t.assignments(p["id"], [("group", 0), ("exclusionGroup", 2)],
                                     "targetedManagedAppPolicyAssignment")
    return [p]


def reusable_settings():
    rule = {"@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
            "settingDefinitionId": "vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}",
            "groupSettingCollectionValue": [{"children": [
                {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                 "settingDefinitionId": "vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_name",
                 "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
                                        "value": "Block SMB outbound"}}]}]}
    return [{"@odata.type": "#microsoft.graph.deviceManagementReusablePolicySetting", "id": gid(),
             "displayName": "Firewall: block SMB outbound", "description": "",
             "settingDefinitionId": "vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}",
             "settingInstance": rule, "createdDateTime": stamp(129),
             "lastModifiedDateTime": stamp(130), "version": 2,
             "referencingConfigurationPolicyCount": 1}]


# --- Intune: updates, scripts --------------------------------------------------------------

def feature_updates(t):
    def prof(name, version, day):
        p = {"id": gid(), "displayName": name, "description": "", "featureUpdateVersion": version,
             "roleScopeTagIds": ["0"], "deployableContentDisplayName": "Windows 11, version %s"
             % version[-4:], "endOfSupportDate": "2026-10-13T00:00:00Z",
             "createdDateTime": stamp(day), "lastModifiedDateTime": stamp(day + 1),
             "rolloutSettings": {"offerStartDateTimeInUTC": None, "offerEndDateTimeInUTC": None,
                                 "offerIntervalInDays": None},
             "installFeatureUpdatesOptional": False, "installLatestWindows10OnWindows11IneligibleDevice": False}
        p["assignments"] = t.assignments(p["id"], [("group", 0)],
                                         "windowsFeatureUpdateProfileAssignment")
        return p
    return [prof("Windows 11 23H2", "Windows 11, version 23H2", 130),
            prof("Windows 11 24H2 pilot", "Windows 11, version 24H2", 132)]


def quality_updates(t):
    p = {"id": gid(), "displayName": "Expedite: December security update", "description": "",
         "expeditedUpdateSettings": {"qualityUpdateRelease": "2025-12-09T00:00:00Z",
                                     "daysUntilForcedReboot": 1},
         "createdDateTime": stamp(134), "lastModifiedDateTime": stamp(135),
         "releaseDateDisplayName": "December 9, 2025 - 2025.12 B", "deployableContentDisplayName":
         "2025.12 B Security Updates for Windows 10 and later", "roleScopeTagIds": ["0"]}
    p["assignments"] = t.assignments(p["id"], [("group", 0)],
                                     "windowsQualityUpdateProfileAssignment")
    return [p]


def driver_updates(t):
    p = {"id": gid(), "displayName": "Drivers: manual approval", "description": "",
         "approvalType": "manual", "deviceReporting": 12, "newUpdates": 3,
         "deploymentDeferralInDays": None, "createdDateTime": stamp(136),
         "lastModifiedDateTime": stamp(137), "roleScopeTagIds": ["0"],
         "inventorySyncStatus": {"lastSuccessfulSyncDateTime": stamp(140),
                                 "driverInventorySyncState": "success"}}
    p["assignments"] = t.assignments(p["id"], [("group", 0)],
                                     "windowsDriverUpdateProfileAssignment")
    return [p]


def health_scripts(t):
    def script(name, day, detect, remediate, publisher="Contoso"):
        s = {"@odata.type": "#microsoft.graph.deviceHealthScript", "id": gid(),
             "publisher": publisher, "version": "1", "displayName": name, "description": "",
             "detectionScriptContent": b64(detect), "remediationScriptContent": b64(remediate),
             "createdDateTime": stamp(day), "lastModifiedDateTime": stamp(day + 1),
             "runAsAccount": "system", "enforceSignatureCheck": False, "runAs32Bit": False,
             "roleScopeTagIds": ["0"], "isGlobalScript": False, "highestAvailableVersion": None,
             "deviceHealthScriptType": "deviceHealthScript", "detectionScriptParameters": [],
             "remediationScriptParameters": []}
        s["assignments"] = [{"@odata.type": "#microsoft.graph.deviceHealthScriptAssignment",
                             "id": "%s:%s" % (s["id"], gid()),
                             "target": t.target("group", 0),
                             "runRemediationScript": True,
                             "runSchedule": {"@odata.type": "#microsoft.graph.deviceHealthScriptDailySchedule",
                                             "interval": 1, "useUtc": False, "time": "09:00:00.0000000"}}]
        return s
    return [script("Restart stopped Windows Update service", 140,
                   "if ((Get-Service wuauserv).Status -ne 'Running') { exit 1 }\n",
                   "Start-Service wuauserv\n"),
            script("Clear Teams cache", 142, "exit 1\n",
                   "Remove-Item \"$env:APPDATA\\Microsoft\\Teams\\Cache\" -Recurse -Force\n")]


def shell_scripts(t, kind):
    def script(name, day, text, extra):
        s = {"@odata.type": "#microsoft.graph." + kind, "id": gid(), "displayName": name,
             "description": "", "scriptContent": b64(text), "createdDateTime": stamp(day),
             "lastModifiedDateTime": stamp(day + 1), "runAsAccount": "system",
             "fileName": name.replace(" ", "-").lower() + ".sh", "roleScopeTagIds": ["0"]}
        s.update(extra)
        s["assignments"] = [{"@odata.type": "#microsoft.graph.deviceManagementScriptAssignment",
                             "id": "%s:%s" % (s["id"], gid()), "target": t.target("group", 0)}]
        return s
    if kind == "deviceShellScript":
        return [script("Enable firewall stealth mode", 144,
                       "#!/bin/sh\n/usr/libexec/ApplicationFirewall/socketfilterfw --setstealthmode on\n",
                       {"executionFrequency": "PT0S", "retryCount": 3, "blockExecutionNotifications": True})]
    return [script("FileVault status", 146, "#!/bin/sh\nfdesetup status | head -1\n",
                   {"customAttributeName": "FileVaultStatus", "customAttributeType": "string"})]


def compliance_scripts(t):
    s = {"id": gid(), "publisher": "Contoso", "version": "1", "displayName": "BitLocker recovery key escrowed",
         "description": "", "detectionScriptContent": b64(
             "$r = @{ EscrowedKey = $true }\nreturn $r | ConvertTo-Json -Compress\n"),
         "createdDateTime": stamp(148), "lastModifiedDateTime": stamp(149),
         "runAsAccount": "system", "enforceSignatureCheck": False, "runAs32Bit": False,
         "roleScopeTagIds": ["0"]}
    s["assignments"] = [{"id": "%s:%s" % (s["id"], gid()), "target": t.target("group", 0),
                         "runRemediationScript": False, "runSchedule": None}]
    return [s]


# --- Intune: tenant administration -----------------------------------------------------------

def notification_templates():
    def msg(locale, subject, text, default):
        return {"id": "%s_%s" % (NOTIFICATION_TEMPLATE_ID, locale), "locale": locale,
                "lastModifiedDateTime": stamp(150), "subject": subject, "messageTemplate": text,
                "isDefault": default}
    return [{"id": NOTIFICATION_TEMPLATE_ID, "lastModifiedDateTime": stamp(150),
             "displayName": "Noncompliant device", "defaultLocale": "en-us",
             "brandingOptions": "includeCompanyLogo,includeCompanyName,includeContactInformation",
             "roleScopeTagIds": ["0"],
             "localizedNotificationMessages": [
                 msg("en-us", "Your device is not compliant",
                     "Your device does not meet Contoso's requirements. Open Company Portal.", True),
                 msg("nl-nl", "Uw apparaat voldoet niet",
                     "Uw apparaat voldoet niet aan de eisen van Contoso. Open de bedrijfsportal.",
                     False)]}]


def intune_roles(group_ids):
    custom = {"@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
              "id": gid(), "displayName": "Helpdesk: read devices and sync",
              "description": "Tier 1 helpdesk", "isBuiltIn": False,
              "roleScopeTagIds": ["0", "1"],
              "rolePermissions": [{"resourceActions": [{"allowedResourceActions": [
                  "Microsoft.Intune_ManagedDevices_Read", "Microsoft.Intune_RemoteTasks_SyncDevice"],
                  "notAllowedResourceActions": []}]}]}
    builtin = {"@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
               "id": "0bd113fe-6be5-400c-a28f-ae5553f9c0be", "displayName": "Policy and Profile manager",
               "description": "Policy and Profile Manager manages compliance policy, configuration "
                              "profiles, Apple enrollment, corporate device identifiers, and security "
                              "baselines.", "isBuiltIn": True, "roleScopeTagIds": [],
               "rolePermissions": [{"resourceActions": [{"allowedResourceActions": [
                   "Microsoft.Intune_DeviceConfigurations_Read",
                   "Microsoft.Intune_DeviceConfigurations_Create",
                   "Microsoft.Intune_DeviceCompliancePolices_Read"],
                   "notAllowedResourceActions": []}]}]}
    assignment = {"@odata.type": "#microsoft.graph.deviceAndAppManagementRoleAssignment",
                  "id": gid(), "displayName": "Helpdesk Amsterdam", "description": "",
                  "scopeMembers": [group_ids[2]], "scopeType": "resourceScope",
                  "resourceScopes": [group_ids[0]], "members": [group_ids[1]],
                  "roleScopeTagIds": ["1"],
                  "roleDefinition@odata.bind": None}
    del assignment["roleDefinition@odata.bind"]
    custom["roleAssignments"] = [{"id": assignment["id"], "displayName": assignment["displayName"],
                                  "description": "", "resourceScopes": assignment["resourceScopes"]}]
    builtin["roleAssignments"] = []
    return [builtin, custom], [assignment]


def terms_and_conditions(t):
    tc = {"@odata.type": "#microsoft.graph.termsAndConditions", "id": gid(),
          "createdDateTime": stamp(152), "lastModifiedDateTime": stamp(153),
          "displayName": "Contoso acceptable use", "description": "", "title": "Acceptable use",
          "bodyText": "Company devices are for work. Report loss within 24 hours.",
          "acceptanceStatement": "I accept the Contoso acceptable use policy.", "version": 3,
          "roleScopeTagIds": ["0"]}
    # the admins' own devices: a role-assignable group, which the snapshot names
    tc["assignments"] = [{"id": "%s_%s" % (tc["id"], t.groups[g]), "target": t.target("group", g)}
                         for g in (1, 4)]
    return [tc]


def device_categories():
    return [{"@odata.type": "#microsoft.graph.deviceCategory", "id": gid(), "displayName": n,
             "description": d, "roleScopeTagIds": ["0"]}
            for n, d in [("Corporate laptop", "Contoso-owned laptops"),
                         ("Shared kiosk", "Kiosks in the lobby"),
                         ("BYOD phone", "Personal phones with work apps")]]


def apple_push_certificate():
    return {"@odata.type": "#microsoft.graph.applePushNotificationCertificate",
            "id": gid(), "appleIdentifier": "mdm@contoso.com",
            "topicIdentifier": "com.apple.mgmt.External.%s" % gid(),
            "lastModifiedDateTime": stamp(160), "expirationDateTime": "2026-09-01T10:00:00Z",
            "certificateUploadStatus": "Succeeded", "certificateUploadFailureReason": None,
            "certificateSerialNumber": "%032X" % RNG.getrandbits(128),
            "certificate": None}


def vpp_tokens():
    return [{"@odata.type": "#microsoft.graph.vppToken", "id": VPP_TOKEN_ID,
             "organizationName": "Contoso", "vppTokenAccountType": "business",
             "appleId": "vpp@contoso.com", "expirationDateTime": "2026-08-15T00:00:00Z",
             "lastSyncDateTime": stamp(162), "token": "vpp-token-not-real-" + gid()[:8],
             "lastModifiedDateTime": stamp(161), "state": "valid", "lastSyncStatus": "completed",
             "automaticallyUpdateApps": True, "countryOrRegion": "us",
             "displayName": "Contoso VPP", "locationName": "Contoso US", "roleScopeTagIds": ["0"]}]


def dep_settings():
    return [{"id": gid(), "appleIdentifier": "abm@contoso.com",
             "tokenExpirationDateTime": "2026-07-01T00:00:00Z",
             "lastModifiedDateTime": stamp(163), "lastSuccessfulSyncDateTime": stamp(164),
             "lastSyncTriggeredDateTime": stamp(164), "shareTokenWithSchoolDataSyncService": False,
             "lastSyncErrorCode": 0, "tokenType": "dep", "tokenName": "Contoso ABM",
             "syncedDeviceCount": 42, "dataSharingConsentGranted": True,
             "roleScopeTagIds": ["0"]}]


def group_policy_configurations(t):
    def definition(name, category, class_type="machine"):
        return {"id": gid(), "classType": class_type, "displayName": name,
                "explainText": "", "categoryPath": category, "supportedOn":
                "At least Windows 10", "policyType": "admxBacked", "groupPolicyCategoryId": gid(),
                "minDeviceCspVersion": "10.0", "minUserCspVersion": "10.0",
                "lastModifiedDateTime": stamp(170), "version": "1.0", "hasRelatedDefinitions": False}
    def value(defn, enabled, presentation=None):
        v = {"id": gid(), "createdDateTime": stamp(171), "lastModifiedDateTime": stamp(172),
             "enabled": enabled, "configurationType": "policy", "definition": defn,
             "presentationValues": []}
        if presentation is not None:
            v["presentationValues"] = [{
                "@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
                "id": gid(), "createdDateTime": stamp(171), "lastModifiedDateTime": stamp(172),
                "value": presentation}]
        return v
    c = {"id": gid(), "displayName": "ADMX: OneDrive known folders", "description": "",
         "roleScopeTagIds": ["0"], "policyConfigurationIngestionType": "builtIn",
         "createdDateTime": stamp(170), "lastModifiedDateTime": stamp(172),
         "definitionValues": [
             value(definition("Silently move Windows known folders to OneDrive", "\\OneDrive"),
                   True, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"),
             value(definition("Prevent users from syncing personal OneDrive accounts",
                              "\\OneDrive"), True)]}
    c["assignments"] = [{"id": "%s_%s" % (c["id"], t.groups[0]), "target": t.target("group", 0),
                         "lastModifiedDateTime": stamp(173)}]
    return [c]


def intents(t):
    i = {"id": gid(), "displayName": "Endpoint security: BitLocker", "description": "",
         "isAssigned": True, "isMigratingToConfigurationPolicy": False,
         "lastModifiedDateTime": stamp(174), "templateId": "d1174162-1dd2-4976-affc-6667049ab0ae",
         "roleScopeTagIds": ["0"],
         "settings": [{"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance",
                       "id": gid(), "definitionId": "deviceConfiguration--windows10EndpointProtectionConfiguration_bitLockerEncryptDevice",
                       "valueJson": "true", "value": True},
                      {"@odata.type": "#microsoft.graph.deviceManagementStringSettingInstance",
                       "id": gid(), "definitionId": "deviceConfiguration--windows10EndpointProtectionConfiguration_bitLockerRecoveryPasswordRotation",
                       "valueJson": "\"enabledForAzureAd\"", "value": "enabledForAzureAd"}]}
    i["assignments"] = [{"id": "%s_%s" % (i["id"], t.groups[0]), "target": t.target("group", 0)}]
    return [i]


def device_management_settings():
    return {"deviceComplianceCheckinThresholdDays": 30, "isScheduledActionEnabled": True,
            "secureByDefault": True, "enhancedJailBreak": False,
            "deviceInactivityBeforeRetirementInDay": 0,
            "derivedCredentialProvider": "notConfigured", "derivedCredentialUrl": None,
            "androidDeviceAdministratorEnrollmentEnabled": False,
            "ignoreDevicesForUnsupportedSettingsEnabled": False,
            "enableLogCollection": True, "enableAutopilotDiagnostics": True,
            "enableEnhancedTroubleshootingExperience": False,
            "enableDeviceGroupMembershipReport": False}


# --- Entra -------------------------------------------------------------------------------

# .NET's DateTime.MinValue: a restriction with this date applies to every application.
ALL_APPS = "0001-01-01T00:00:00Z"


def app_management_policies():
    restrictions = {"passwordCredentials": [
        {"restrictionType": "passwordLifetime", "state": "enabled", "maxLifetime": "P90D",
         "restrictForAppsCreatedAfterDateTime": "2024-01-01T00:00:00Z"}],
        "keyCredentials": []}
    policy = {"id": gid(), "displayName": "Credential management policy",
              "description": "Cred policy sample", "isEnabled": True,
              "restrictions": restrictions}
    default = {"id": "00000000-0000-0000-0000-000000000000",
               "displayName": "Default app management tenant policy",
               "description": "Default tenant policy that enforces app management restrictions "
                              "on applications and service principals.",
               "isEnabled": True,
               "applicationRestrictions": {
                   "passwordCredentials": [
                       {"restrictionType": "passwordAddition", "state": "enabled",
                        "maxLifetime": None,
                        "restrictForAppsCreatedAfterDateTime": ALL_APPS},
                       {"restrictionType": "customPasswordAddition", "state": "enabled",
                        "maxLifetime": None,
                        "restrictForAppsCreatedAfterDateTime": "2015-01-01T10:37:00Z"},
                       {"restrictionType": "passwordLifetime", "state": "enabled",
                        "maxLifetime": "P365D",
                        "restrictForAppsCreatedAfterDateTime": "2021-01-01T10:37:00Z"}],
                   "keyCredentials": [
                       {"restrictionType": "asymmetricKeyLifetime", "state": "enabled",
                        "maxLifetime": "P90D",
                        "restrictForAppsCreatedAfterDateTime": ALL_APPS}]},
               # no client secrets and certificates for a year at most, for every
               # application and service principal (MS.AAD.5.5v1, MS.AAD.5.7v1)
               "servicePrincipalRestrictions": {
                   "passwordCredentials": [
                       {"restrictionType": "passwordAddition", "state": "enabled",
                        "maxLifetime": None, "restrictForAppsCreatedAfterDateTime": ALL_APPS}],
                   "keyCredentials": [
                       {"restrictionType": "asymmetricKeyLifetime", "state": "enabled",
                        "maxLifetime": "P365D", "restrictForAppsCreatedAfterDateTime": ALL_APPS}]}}
    return [policy], default


ROLE_GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
ROLE_PRIV_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"
ROLE_SEC_ADMIN = "194ae4cb-b126-40b2-bd5b-6091b380977d"
BREAK_GLASS = "d3b3f2a7-2a0e-4c1f-9a6b-1e5c7d9f0a11"
# the second break-glass account: two Global Administrators at least (MS.AAD.7.1v1)
BREAK_GLASS_2 = "5f8e1d2c-7b6a-4e9f-8d3c-2b1a0f9e8d7c"


def role_assignments(group_ids):
    def ra(role, principal, scope="/", rid=None):
        return {"id": rid or gid().replace("-", "")[:22] + "-1", "principalId": principal,
                "roleDefinitionId": role, "directoryScopeId": scope,
                "appScopeId": None, "condition": None}
    # a fixed id for the one added later: the generated ids after it stay as they were
    return [ra(ROLE_GLOBAL_ADMIN, BREAK_GLASS), ra(ROLE_PRIV_ROLE_ADMIN, group_ids[4]),
            ra(ROLE_SEC_ADMIN, gid()), ra(ROLE_SEC_ADMIN, gid(), "/administrativeUnits/" + AU_ID),
            ra(ROLE_GLOBAL_ADMIN, BREAK_GLASS_2, rid="5f8e1d2c7b6a4e9f8d3c2b-1")]


AU_ID = "4e7a8b9c-0d1e-4f2a-9b3c-5d6e7f8a9b0c"


def role_schedules(group_ids, kind):
    def sched(role, principal, member_type, expiry):
        s = {"id": gid().replace("-", "")[:22] + "-1-e", "principalId": principal,
             "roleDefinitionId": role, "directoryScopeId": "/", "appScopeId": None,
             "createdUsing": gid(), "createdDateTime": stamp(180), "modifiedDateTime": None,
             "status": "Provisioned", "memberType": member_type,
             "scheduleInfo": {"startDateTime": "2025-06-01T00:00:00Z", "recurrence": None,
                              "expiration": expiry}}
        if kind == "assignment":
            s["assignmentType"] = "Assigned"
        return s
    year = {"type": "afterDateTime", "endDateTime": "2026-06-01T00:00:00Z", "duration": None}
    # no permanent active assignment of a privileged role (MS.AAD.7.4v1): renewed yearly
    renewed = {"type": "afterDateTime", "endDateTime": "2027-06-01T00:00:00Z", "duration": None}
    if kind == "assignment":
        return [sched(ROLE_GLOBAL_ADMIN, BREAK_GLASS, "Direct", renewed),
                sched(ROLE_PRIV_ROLE_ADMIN, group_ids[4], "Direct", renewed)]
    return [sched(ROLE_GLOBAL_ADMIN, gid(), "Direct", year),
            sched(ROLE_SEC_ADMIN, group_ids[4], "Group", year)]


def role_management_policies():
    def rule(kind, rid, target, **extra):
        r = {"@odata.type": "#microsoft.graph." + kind, "id": rid,
             "target": {"caller": target[0], "operations": ["all"], "level": target[1],
                        "inheritableSettings": [], "enforcedSettings": []}}
        r.update(extra)
        return r
    out, assigns = [], []
    for role, mfa, approval in [(ROLE_GLOBAL_ADMIN, True, True), (ROLE_SEC_ADMIN, True, False)]:
        pid = "DirectoryRole_%s_%s" % ("6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b", gid())
        rules = [
            rule("unifiedRoleManagementPolicyExpirationRule", "Expiration_EndUser_Assignment",
                 ("EndUser", "Assignment"), isExpirationRequired=True, maximumDuration="PT8H"),
            rule("unifiedRoleManagementPolicyEnablementRule", "Enablement_EndUser_Assignment",
                 ("EndUser", "Assignment"),
                 enabledRules=["MultiFactorAuthentication", "Justification"] if mfa
                 else ["Justification"]),
            rule("unifiedRoleManagementPolicyApprovalRule", "Approval_EndUser_Assignment",
                 ("EndUser", "Assignment"), setting={
                     "isApprovalRequired": approval, "isApprovalRequiredForExtension": False,
                     "isRequestorJustificationRequired": True, "approvalMode": "SingleStage",
                     "approvalStages": []}),
            rule("unifiedRoleManagementPolicyNotificationRule",
                 "Notification_Admin_Admin_Eligibility", ("Admin", "Eligibility"),
                 notificationType="Email", recipientType="Admin", notificationLevel="All",
                 isDefaultRecipientsEnabled=True, notificationRecipients=["secops@contoso.com"])]
        out.append({"id": pid, "displayName": "DirectoryRole", "description": "DirectoryRole",
                    "isOrganizationDefault": False, "scopeId": "/", "scopeType": "DirectoryRole",
                    "lastModifiedDateTime": stamp(185), "lastModifiedBy": {"displayName": None,
                                                                           "id": None},
                    "rules": rules, "effectiveRules": copy.deepcopy(rules)})
        assigns.append({"id": "%s_%s" % (pid, role), "policyId": pid, "scopeId": "/",
                        "scopeType": "DirectoryRole", "roleDefinitionId": role})
    return out, assigns


def service_principals():
    graph = {"id": gid(), "appId": GRAPH_APP, "displayName": "Microsoft Graph",
             "accountEnabled": True, "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
             "servicePrincipalType": "Application", "tags": [], "deletedDateTime": None,
             "delegatedPermissionClassifications": [
                 {"id": gid(), "permissionId": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
                  "permissionName": "User.Read", "classification": "low"},
                 {"id": gid(), "permissionId": "37f7f235-527c-4136-accd-4a02d197296e",
                  "permissionName": "openid", "classification": "low"},
                 {"id": gid(), "permissionId": "14dad69e-099b-42c9-810b-d002981feec1",
                  "permissionName": "profile", "classification": "low"}]}
    tooling = {"id": gid(), "appId": "2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e",
               "displayName": "driftward (read-only)", "accountEnabled": True,
               "appOwnerOrganizationId": "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
               "servicePrincipalType": "Application", "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
               "deletedDateTime": None, "delegatedPermissionClassifications": []}
    return [graph, tooling]


def feature_rollout(group_ids):
    return [{"id": gid(), "displayName": "Staged rollout: cloud authentication",
             "description": "Pilot users sign in with password hash sync",
             "feature": "passwordHashSync", "isEnabled": True, "isAppliedToOrganization": False,
             "appliesTo": [{"@odata.type": "#microsoft.graph.group", "id": group_ids[1]}]}]


def on_premises_sync():
    return [{"id": "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
             "configuration": {"synchronizationInterval": "PT30M",
                               "customerRequestedSynchronizationInterval": None,
                               "accidentalDeletionPrevention": {
                                   "synchronizationPreventionType": "enabledForCount",
                                   "alertThreshold": 500}},
             "features": {"blockCloudObjectTakeoverThroughHardMatchEnabled": True,
                          "blockSoftMatchEnabled": True, "bypassDirSyncOverridesEnabled": False,
                          "cloudPasswordPolicyForPasswordSyncedUsersEnabled": True,
                          "concurrentCredentialUpdateEnabled": False,
                          "concurrentOrgIdProvisioningEnabled": True,
                          "deviceWritebackEnabled": False, "directoryExtensionsEnabled": False,
                          "fopeConflictResolutionEnabled": False, "groupWriteBackEnabled": False,
                          "passwordSyncEnabled": True, "passwordWritebackEnabled": True,
                          "quarantineUponProxyAddressesConflictEnabled": True,
                          "quarantineUponUpnConflictEnabled": True,
                          "softMatchOnUpnEnabled": True, "synchronizeUpnForManagedUsersEnabled": True,
                          "unifiedGroupWritebackEnabled": False,
                          "userForcePasswordChangeOnLogonEnabled": False,
                          "userWritebackEnabled": False}}]


def terms_of_use():
    return [{"id": gid(), "displayName": "Contoso guest terms", "isViewingBeforeAcceptanceRequired": True,
             "isPerDeviceAcceptanceRequired": False, "userReacceptRequiredFrequency": "P365D",
             "termsExpiration": {"startDateTime": "2025-01-01T00:00:00Z", "frequency": "P365D"}}]


def administrative_units():
    return [{"id": AU_ID, "deletedDateTime": None, "displayName": "Amsterdam office",
             "description": "Users and devices of the Amsterdam office", "isMemberManagementRestricted": False,
             "membershipRule": None, "membershipRuleProcessingState": None, "membershipType": None,
             "visibility": None}]


# --- the entry point -------------------------------------------------------------------------

def build(read, put):
    """read(version, path) -> stored value; put(version, path, data) writes it."""
    grp = groups()
    put("v1.0", "groups", grp)
    group_ids = [g["id"] for g in grp]
    filter_ids = [f["id"] for f in read("beta", "deviceManagement/assignmentFilters")]
    t = Targets(group_ids, filter_ids)
    add_assignments(read, put, t)
    cats = app_categories()
    put("v1.0", "deviceAppManagement/mobileAppCategories", cats)
    put("v1.0", "deviceAppManagement/mobileApps", mobile_apps(t, cats))
    put("v1.0", "deviceAppManagement/mobileAppConfigurations", app_configurations(t))
    put("v1.0", "deviceAppManagement/targetedManagedAppConfigurations",
        targeted_app_configurations(t))
    put("beta", "deviceAppManagement/windowsManagedAppProtections", windows_app_protections(t))
    put("v1.0", "deviceAppManagement/windowsInformationProtectionPolicies", wip_policies(t))
    put("beta", "deviceManagement/windowsFeatureUpdateProfiles", feature_updates(t))
    put("beta", "deviceManagement/windowsQualityUpdateProfiles", quality_updates(t))
    put("beta", "deviceManagement/windowsDriverUpdateProfiles", driver_updates(t))
    put("beta", "deviceManagement/deviceHealthScripts", health_scripts(t))
    put("beta", "deviceManagement/deviceShellScripts", shell_scripts(t, "deviceShellScript"))
    put("beta", "deviceManagement/deviceCustomAttributeShellScripts",
        shell_scripts(t, "deviceCustomAttributeShellScript"))
    put("beta", "deviceManagement/deviceComplianceScripts", compliance_scripts(t))
    put("v1.0", "deviceManagement/notificationMessageTemplates", notification_templates())
    defs, assigns = intune_roles(group_ids)
    put("v1.0", "deviceManagement/roleDefinitions", defs)
    put("v1.0", "deviceManagement/roleAssignments", assigns)
    put("v1.0", "deviceManagement/termsAndConditions", terms_and_conditions(t))
    put("v1.0", "deviceManagement/deviceCategories", device_categories())
    put("v1.0", "deviceManagement/applePushNotificationCertificate", apple_push_certificate())
    put("v1.0", "deviceAppManagement/vppTokens", vpp_tokens())
    put("beta", "deviceManagement/depOnboardingSettings", dep_settings())
    put("beta", "deviceManagement/groupPolicyConfigurations", group_policy_configurations(t))
    put("beta", "deviceManagement/intents", intents(t))
    put("v1.0", "deviceManagement/settings", device_management_settings())
    policies, default = app_management_policies()
    put("v1.0", "policies/appManagementPolicies", policies)
    put("v1.0", "policies/defaultAppManagementPolicy", default)
    put("v1.0", "roleManagement/directory/roleAssignments", role_assignments(group_ids))
    put("v1.0", "roleManagement/directory/roleAssignmentSchedules",
        role_schedules(group_ids, "assignment"))
    put("v1.0", "roleManagement/directory/roleEligibilitySchedules",
        role_schedules(group_ids, "eligibility"))
    rmp, rmpa = role_management_policies()
    put("v1.0", "policies/roleManagementPolicies", rmp)
    put("v1.0", "policies/roleManagementPolicyAssignments", rmpa)
    put("v1.0", "servicePrincipals", service_principals())
    put("v1.0", "identityGovernance/termsOfUse/agreements", terms_of_use())
    put("v1.0", "directory/administrativeUnits", administrative_units())
    put("v1.0", "deviceAppManagement/mdmWindowsInformationProtectionPolicies",
        mdm_wip_policies(t))
    put("beta", "deviceManagement/reusablePolicySettings", reusable_settings())
    put("v1.0", "policies/featureRolloutPolicies", feature_rollout(group_ids))
    put("v1.0", "directory/onPremisesSynchronization", on_premises_sync())
    join_restricted(read, put, group_ids)
    beta_properties(read, put)


def join_restricted(read, put, group_ids):
    """Only the pilot users may join devices to Entra ID (Maester MT.1070): the group
    exists only now, so the policy make_sample wrote is narrowed here."""
    path = "policies/deviceRegistrationPolicy"
    pol = read("beta", path)
    pol["azureADJoin"]["allowedToJoin"] = {
        "@odata.type": "#microsoft.graph.enumeratedDeviceRegistrationMembership",
        "users": [], "groups": [group_ids[1]]}
    put("beta", path, pol)


def beta_properties(read, put):
    """Properties only beta has, so that v1.0 and beta answers differ as in Graph."""
    path = "identity/conditionalAccess/policies"
    items = read("v1.0", path)
    items[0]["sessionControls"] = dict(items[0].get("sessionControls") or {})
    items[0]["sessionControls"]["secureSignInSession"] = {"isEnabled": True}
    put("v1.0", path, items)
    path = "policies/authenticationMethodsPolicy"
    pol = read("v1.0", path)
    pol["systemCredentialPreferences"] = {
        "state": "enabled", "excludeTargets": [],
        "includeTargets": [{"id": "all_users", "targetType": "group"}]}
    # report suspicious activity for all users (EIDSCA.AG02, AG03) is beta only too
    pol["reportSuspiciousActivitySettings"] = {
        "state": "enabled", "voiceReportingCode": 0,
        "includeTarget": {"targetType": "group", "id": "all_users"}}
    put("v1.0", path, pol)


def reader(tdir):
    def read(version, path):
        with open(os.path.join(tdir, version, *path.split("/")) + ".json", encoding="utf-8") as f:
            doc = json.load(f)
        return doc["value"] if isinstance(doc.get("value"), list) and len(doc) == 1 else doc
    return read
