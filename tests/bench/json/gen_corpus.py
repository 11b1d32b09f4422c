#!/usr/bin/env python3
"""Writes a Graph-shaped JSON corpus for the canonicalisation benchmark.

The output is one Graph list response, {"@odata.context": ..., "value": [...]},
holding Conditional Access-like policies (the shape of
tests/vectors/graph/conditionalAccessPolicy.json: nested conditions, sets
of GUIDs, grant and session controls, dates, nulls, a few numbers and
non-ASCII names), compact as Graph sends it, until the file reaches the size
asked for. Deterministic: the same arguments give the same bytes.

usage: gen_corpus.py OUTPUT [MEGABYTES]     (default 100, MB = 10^6 bytes)
"""
import json
import random
import sys
import uuid

APPS = ["All", "Office365", "00000002-0000-0ff1-ce00-000000000000",
        "00000003-0000-0000-c000-000000000000", "797f4846-ba00-4fd7-ba43-dac1f8f63013"]
CLIENTS = ["browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"]
PLATFORMS = ["android", "iOS", "windows", "macOS", "linux", "windowsPhone"]
RISK = ["low", "medium", "high", "none"]
CONTROLS = ["mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication",
            "compliantApplication", "passwordChange", "block"]
NAMES = ["Require MFA for admins", "Block legacy authentication", "Geo-fence: Zürich & Genève",
         "Require compliant device", "Sign-in frequency – unmanaged", "Défense en profondeur",
         "Risky sign-ins \u2192 MFA", "Break-glass exclusions \U0001F512"]


def guid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def date(rng):
    return "20%02d-%02d-%02dT%02d:%02d:%02d.%07dZ" % (
        rng.randint(18, 25), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
        rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 9999999))


def some(rng, items, lo=0):
    return rng.sample(items, rng.randint(lo, len(items)))


def guids(rng, lo, hi):
    return [guid(rng) for _ in range(rng.randint(lo, hi))]


def policy(rng, i):
    return {
        "id": guid(rng),
        "templateId": None,
        "displayName": "%s #%d" % (rng.choice(NAMES), i),
        "createdDateTime": date(rng),
        "modifiedDateTime": date(rng) if rng.random() < 0.7 else None,
        "state": rng.choice(["enabled", "disabled", "enabledForReportingButNotEnforced"]),
        "sessionControls": None if rng.random() < 0.5 else {
            "disableResilienceDefaults": rng.random() < 0.5,
            "applicationEnforcedRestrictions": None,
            "cloudAppSecurity": None,
            "persistentBrowser": {"mode": "never", "isEnabled": True},
            "signInFrequency": {"value": rng.randint(1, 90), "type": "days",
                                "authenticationType": "primaryAndSecondaryAuthentication",
                                "frequencyInterval": "timeBased", "isEnabled": True},
        },
        "conditions": {
            "userRiskLevels": some(rng, RISK),
            "signInRiskLevels": some(rng, RISK),
            "clientAppTypes": some(rng, CLIENTS, 1),
            "servicePrincipalRiskLevels": [],
            "insiderRiskLevels": None,
            "clients": None,
            "platforms": {"includePlatforms": some(rng, PLATFORMS, 1),
                          "excludePlatforms": some(rng, PLATFORMS)},
            "times": None,
            "deviceStates": None,
            "devices": None if rng.random() < 0.6 else {
                "deviceFilter": {"mode": "exclude",
                                 "rule": "device.trustType -eq \"ServerAD\" -or "
                                         "device.isCompliant -eq True"}},
            "applications": {
                "includeApplications": some(rng, APPS, 1),
                "excludeApplications": guids(rng, 0, 6),
                "includeUserActions": [],
                "includeAuthenticationContextClassReferences": [],
                "applicationFilter": None,
            },
            "users": {
                "includeUsers": ["All"] if rng.random() < 0.4 else guids(rng, 1, 5),
                "excludeUsers": guids(rng, 0, 4) + ["GuestsOrExternalUsers"],
                "includeGroups": guids(rng, 0, 3),
                "excludeGroups": guids(rng, 0, 3),
                "includeRoles": guids(rng, 0, 6),
                "excludeRoles": [],
                "includeGuestsOrExternalUsers": None,
                "excludeGuestsOrExternalUsers": {
                    "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
                    "externalTenants": {"@odata.type": "#microsoft.graph."
                                                       "conditionalAccessAllExternalTenants",
                                        "membershipKind": "all"}},
            },
            "locations": {"includeLocations": ["All"],
                          "excludeLocations": ["AllTrusted"] + guids(rng, 0, 3)},
        },
        "grantControls": {
            "operator": rng.choice(["OR", "AND"]),
            "builtInControls": some(rng, CONTROLS, 1),
            "customAuthenticationFactors": [],
            "termsOfUse": guids(rng, 0, 1),
            "authenticationStrength@odata.context": "https://graph.microsoft.com/v1.0/$metadata"
                "#identity/conditionalAccess/policies('%s')/grantControls/"
                "authenticationStrength/$entity" % guid(rng),
            "authenticationStrength": None if rng.random() < 0.5 else {
                "id": "00000000-0000-0000-0000-000000000002",
                "createdDateTime": "2021-12-01T00:00:00Z",
                "modifiedDateTime": "2021-12-01T00:00:00Z",
                "displayName": "Multifactor authentication",
                "policyType": "builtIn",
                "requirementsSatisfied": "mfa",
                "allowedCombinations": ["windowsHelloForBusiness", "fido2",
                                        "x509CertificateMultiFactor",
                                        "password,microsoftAuthenticatorPush", "password,sms"],
            },
        },
    }


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    target = int(float(sys.argv[2] if len(sys.argv) == 3 else 100) * 1000 * 1000)
    rng = random.Random(8785)
    head = ('{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/'
            'conditionalAccess/policies","value":[')
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write(head)
        size, i = len(head), 0
        while size < target:
            text = json.dumps(policy(rng, i), ensure_ascii=i % 2 == 0, separators=(",", ":"))
            if i:
                out.write(",")
                size += 1
            out.write(text)
            size += len(text.encode("utf-8"))
            i += 1
        out.write("]}")
    print("%s: %d policies, %d bytes" % (sys.argv[1], i, size + 2))


main()
