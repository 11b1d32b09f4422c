#!/usr/bin/env python3
"""Generate a large synthetic tenant state for benchmarks.

    python3 tests/graph-emulator/gen_state.py --objects 20000 --collectors 30 \\
        --out DIR [--seed 1] [--tenants 1]

Objects are Graph-shaped: each one is a copy of a real object of the same
route from sample/ (the contoso tenant, built from Microsoft's payloads) with
a fresh key and a numbered display name.  --collectors routes are used: first
the list routes that can hold any number of objects (Conditional Access,
named locations, policies, Intune ...), which share --objects between them,
then routes whose content is fixed (singletons, the authentication method
configurations, organization), copied from the sample as they are.  The same
seed gives the same bytes.  The first tenant's id is the sample's, so its
apps, secrets and permissions are the sample's too (see README.md).

References hold together: the groups, assignment filters and scope tags that
assignments and roleScopeTagIds name are always part of the tenant (copied from
the sample when not chosen), and every reference is rewritten to one of them.
--service intune keeps only Intune routes (for tenants of Intune objects with
assignments).
"""

import argparse
import copy
import json
import os
import random
import shutil
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_TENANT = "6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
# Lists whose keys are fixed names or that Graph caps at one or a few objects.
FIXED_LISTS = {"/policies/authenticationMethodsPolicy/authenticationMethodConfigurations",
               "/identity/conditionalAccess/authenticationContextClassReferences",
               "/organization"}
AUDIT = {"/auditLogs/directoryAudits", "/deviceManagement/auditEvents"}
# What assignments and scope tag lists point at: always present.
GROUPS, FILTERS, TAGS = ("/groups", "/deviceManagement/assignmentFilters",
                         "/deviceManagement/roleScopeTags")
REFERENCED = {GROUPS, FILTERS, TAGS}


def load_routes():
    with open(os.path.join(HERE, "routes.json"), encoding="utf-8") as f:
        return json.load(f)["routes"]


def sample_file(route):
    return os.path.join(HERE, "sample", SAMPLE_TENANT, route["version"],
                        *route["path"].strip("/").split("/")) + ".json"


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pick_routes(routes, count, service=None):
    """The first @count routes of routes.json (audit logs aside), split into the
    lists that can hold any number of objects and the ones copied as they are.
    In table order, so that routes added at its end leave smaller tenants alone."""
    if service:
        routes = [r for r in routes if r.get("service", "entra") == service]
    pool = [r for r in routes if r["path"] not in AUDIT]
    if len(pool) < count:
        raise SystemExit("at most %d collectors are available" % len(pool))
    chosen = pool[:count]
    # lists read only with a filter (role management policies) are not scaled: a
    # client that reads every route without a query could not read them
    scalable = [r for r in chosen if r["kind"] == "list" and r["path"] not in FIXED_LISTS
                and not r.get("required_filter")]
    return scalable, [r for r in chosen if r not in scalable]


def new_key(route, rng, n):
    key = route.get("key", "id")
    if route["path"] == "/domains":
        return key, "d%05d.contoso.com" % n
    if route["path"] == "/deviceManagement/roleScopeTags":
        return key, str(100 + n)
    value = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if route["path"] == "/deviceManagement/deviceEnrollmentConfigurations":
        value += "_Windows10EnrollmentCompletionPageConfiguration"
    return key, value


def synthesize(route, templates, count, rng):
    out = []
    for n in range(count):
        obj = copy.deepcopy(templates[n % len(templates)])
        key, value = new_key(route, rng, n)
        obj[key] = value
        for name in ("displayName", "name"):
            if isinstance(obj.get(name), str):
                obj[name] = "%s %05d" % (obj[name], n)
                break
        if "description" in obj:
            obj["description"] = "synthetic object %d of %s" % (n, route["path"])
        out.append(obj)
    return out


def write(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def tenant_id(index, rng):
    if index == 0:
        return SAMPLE_TENANT
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_tenant(out, index, args, routes, rng):
    tid = tenant_id(index, rng)
    tdir = os.path.join(out, tid)
    meta = read_json(os.path.join(HERE, "sample", SAMPLE_TENANT, "_tenant.json"))
    meta["name"] = "contoso" if index == 0 else "tenant%04d" % index
    meta["domains"] = ["%s.onmicrosoft.com" % meta["name"]]
    write(os.path.join(tdir, "_tenant.json"), meta)
    scalable, fixed = pick_routes(routes, args.collectors, args.service)
    share, extra = divmod(args.objects, max(1, len(scalable)))
    lists = {}
    for i, route in enumerate(scalable):
        templates = read_json(sample_file(route))["value"]
        lists[route["path"]] = (route, synthesize(route, templates,
                                                  share + (1 if i < extra else 0), rng))
    chosen = {r["path"] for r in scalable + fixed}
    for route in routes:
        if route["path"] in REFERENCED and route["path"] not in chosen:
            lists[route["path"]] = (route, read_json(sample_file(route))["value"])
    link_references(lists, rng)
    for route, items in lists.values():
        write(state_file(tdir, route), {"value": items})
    for route in fixed + [r for r in routes if r["path"] in AUDIT]:
        dest = state_file(tdir, route)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(sample_file(route), dest)
    return tid


def state_file(tdir, route):
    return os.path.join(tdir, route["version"], *route["path"].strip("/").split("/")) + ".json"


def link_references(lists, rng):
    """Point every assignment target and scope tag list at objects of this tenant."""
    groups = [g["id"] for g in lists[GROUPS][1]]
    filters = [f["id"] for f in lists[FILTERS][1]]
    tags = [t["id"] for t in lists[TAGS][1]]
    for path, (_, items) in lists.items():
        if path in REFERENCED:
            continue
        for obj in items:
            if isinstance(obj.get("roleScopeTagIds"), list) and obj["roleScopeTagIds"]:
                obj["roleScopeTagIds"] = sorted({tags[rng.randrange(len(tags))]
                                                 for _ in obj["roleScopeTagIds"]})
            assignments = obj.get("assignments") or []
            # one assignment per group and object, as Graph keeps them
            picks = rng.sample(groups, min(len(groups), len(assignments)))
            for a, group in zip(assignments, picks):
                relink(obj, a, group, filters, rng)


def relink(obj, assignment, group, filters, rng):
    target = assignment.get("target") or {}
    if "groupId" in target:
        target["groupId"] = group
    if target.get("deviceAndAppManagementAssignmentFilterId"):
        target["deviceAndAppManagementAssignmentFilterId"] = filters[rng.randrange(len(filters))]
    # ids are "<object>_<group>" (or "<object>:<n>" for scripts): keep the form
    old = assignment["id"]
    sep = ":" if ":" in old else "_"
    tail = target["groupId"] if sep == "_" and "groupId" in target else old.rpartition(sep)[2]
    assignment["id"] = "%s%s%s" % (obj.get("id"), sep, tail)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--objects", type=int, required=True, help="objects per tenant")
    p.add_argument("--collectors", type=int, required=True, help="routes per tenant")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tenants", type=int, default=1)
    p.add_argument("--service", choices=("entra", "intune", "sharepoint"),
                   help="only routes of this service")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    routes = load_routes()
    os.makedirs(args.out, exist_ok=True)
    for index in range(args.tenants):
        tid = generate_tenant(args.out, index, args, routes, rng)
        print("tenant %s: %d objects in %d collectors" % (tid, args.objects, args.collectors),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
