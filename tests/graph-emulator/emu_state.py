"""Tenant state of the Graph emulator: routes, tenants, apps and resources.

Layout on disk (see README.md):
    STATE/<tenant-id>/_tenant.json                 apps, licences, display name
    STATE/<tenant-id>/<version>/<graph path>.json  {"value":[...]} or one object

Everything is loaded into memory at start.  Reads take no lock: a write builds
a new object and swaps it in, so a reader sees either the old or the new one.
Writes of one tenant are serialised by the tenant's lock.
"""

import copy
import json
import os
import threading

from emu_crypto import Certificate, pem_to_der_list

VERSIONS = ("v1.0", "beta")


class StateError(Exception):
    """The state directory or routes.json is malformed (reported at start)."""


class Route:
    """One entry of routes.json merged over its defaults."""

    def __init__(self, spec, defaults):
        merged = copy.deepcopy(defaults)
        merged.update(spec)
        self.version = merged["version"]
        self.path = merged["path"]
        self.lpath = self.path.lower()
        self.kind = merged["kind"]
        self.key = merged["key"]
        self.service = merged["service"]
        self.licence = merged["licence"]
        self.generic = merged.get("generic", False)
        # A generic route (a state file routes.json does not list) is readable with
        # any token: its write permission must not become a read requirement.
        self.read = set(merged["read"]) | (set() if self.generic else set(merged["write"]))
        self.write = set(merged["write"])
        self.readonly = set(merged["readonly"])
        self.readonly_messages = merged["readonly_messages"]
        self.readonly_code = merged.get("readonly_code")
        self.require_odata_type = merged["require_odata_type"]
        methods = dict(defaults["methods"])
        methods.update(merged.get("methods") or {})
        self.methods = methods
        self.write_status = dict(defaults["write_status"])
        self.write_status.update(spec.get("write_status") or {})
        self.expand = set(merged["expand"])
        # navigations Graph expands on one object but refuses to expand over the
        # collection (read {id}/<navigation> per object instead)
        self.list_expand_refused = set(merged.get("list_expand_refused", []))
        self.embed = merged["embed"]
        self.audit = merged["audit"]
        self.audit_log = merged["audit_log"]
        # Graph serves most resources at both versions; the data is one, stored
        # under `version`, and v1.0 leaves out what only beta has.
        self.versions = list(merged.get("versions") or [self.version])
        self.beta_only = [p.split("/") for p in merged.get("beta_only", [])]
        self.orderby = merged.get("orderby", True)
        self.search = list(merged.get("search", []))
        self.advanced_query = merged.get("advanced_query", False)
        self.required_filter = list(merged.get("required_filter", []))


class RouteTable:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.defaults = doc["defaults"]
        self.licences = doc["licences"]
        self.routes = {}
        self.aliases = {}         # (other version, path) -> route stored under its own
        for spec in doc["routes"]:
            route = Route(spec, self.defaults)
            self.routes[(route.version, route.lpath)] = route
            for version in route.versions:
                if version not in VERSIONS:
                    raise StateError("%s: unknown version %s" % (route.path, version))
                if version != route.version:
                    self.aliases[(version, route.lpath)] = route

    def get(self, version, lpath):
        return self.routes.get((version, lpath))

    def storage_version(self, version, lpath):
        """The version whose data serves (version, lpath)."""
        route = self.aliases.get((version, lpath))
        return route.version if route is not None else version

    def generic(self, version, path, kind):
        """Route for a state file that routes.json does not list."""
        spec = {"version": version, "path": path, "kind": kind, "read": [],
                "write": ["Directory.ReadWrite.All"], "generic": True}
        return Route(spec, self.defaults)


class Collection:
    """An ordered collection with a case-insensitive key index."""

    def __init__(self, route, items):
        self.route = route
        self.items = list(items)
        self.index = {}
        self._reindex()

    def _key(self, obj):
        return str(obj.get(self.route.key, "")).lower()

    def _reindex(self):
        self.index = {self._key(o): i for i, o in enumerate(self.items)}

    def get(self, key):
        pos = self.index.get(key.lower())
        return None if pos is None else self.items[pos]

    def replace(self, key, obj):
        self.items[self.index[key.lower()]] = obj

    def append(self, obj):
        self.items.append(obj)
        self.index[self._key(obj)] = len(self.items) - 1

    def prepend(self, obj):
        self.items.insert(0, obj)
        self._reindex()

    def delete(self, key):
        del self.items[self.index[key.lower()]]
        self._reindex()


class App:
    def __init__(self, spec, tenant_dir):
        self.client_id = spec["client_id"].lower()
        self.display_name = spec.get("displayName", "driftward")
        self.service_principal_id = spec.get("servicePrincipalId", self.client_id)
        self.secrets = list(spec.get("secrets", []))
        self.permissions = list(spec.get("permissions", []))
        self.certificates = []
        for ref in spec.get("certificates", []):
            self.certificates.extend(_load_certs(ref, tenant_dir))

    def find_certificate(self, header):
        for cert in self.certificates:
            if header.get("x5t#S256") == cert.x5t_s256 or header.get("x5t") == cert.x5t:
                return cert
        return None


def _load_certs(ref, tenant_dir):
    if "-----BEGIN" in ref:
        text = ref
    else:
        with open(os.path.join(tenant_dir, ref), encoding="ascii") as f:
            text = f.read()
    ders = pem_to_der_list(text)
    if not ders:
        raise StateError("no certificate in %s" % ref[:40])
    return [Certificate(d) for d in ders]


def _strip_annotations(doc):
    for key in ("@odata.context", "@odata.nextLink", "@odata.count"):
        doc.pop(key, None)
    return doc


def _is_list(doc):
    """A stored Graph list answer: "value" and nothing but annotations beside it
    (Graph adds some, such as @microsoft.graph.tips, to real answers)."""
    return isinstance(doc.get("value"), list) and all(k == "value" or k.startswith("@")
                                                      for k in doc)


class Tenant:
    def __init__(self, tenant_dir, routes):
        self.dir = tenant_dir
        self.id = os.path.basename(tenant_dir.rstrip("/")).lower()
        self.lock = threading.Lock()
        with open(os.path.join(tenant_dir, "_tenant.json"), encoding="utf-8") as f:
            meta = json.load(f)
        self.name = meta.get("name", self.id)
        self.domains = [d.lower() for d in meta.get("domains", [])]
        self.licences = set(meta.get("licences", []))
        self.apps = {}
        for spec in meta.get("apps", []):
            app = App(spec, tenant_dir)
            self.apps[app.client_id] = app
        self.resources = {}
        self.routes = routes
        self._load_resources(routes)

    def _load_resources(self, routes):
        for route in routes.routes.values():
            if route.kind == "list":
                self.resources[(route.version, route.lpath)] = Collection(route, [])
        for version in VERSIONS:
            root = os.path.join(self.dir, version)
            for dirpath, _, files in os.walk(root):
                for name in sorted(files):
                    if name.endswith(".json"):
                        self._load_file(routes, version, root, os.path.join(dirpath, name))

    def _load_file(self, routes, version, root, path):
        rel = os.path.relpath(path, root)[:-len(".json")].replace(os.sep, "/")
        gpath = "/" + rel
        with open(path, encoding="utf-8") as f:
            doc = _strip_annotations(json.load(f))
        is_list = _is_list(doc)
        route = routes.get(version, gpath.lower())
        if route is None:
            route = routes.generic(version, gpath, "list" if is_list else "singleton")
        if (route.kind == "list") != is_list:
            raise StateError("%s: %s must be %s" % (path, route.path, route.kind))
        if is_list:
            items = [_strip_annotations(o) for o in doc["value"]]    # list annotations go
            self.resources[(version, route.lpath)] = Collection(route, items)
        else:
            self.resources[(version, route.lpath)] = (route, doc)

    def resolve(self, version, path):
        """Find what a Graph path names.

        Returns (kind, route, target, rest) where kind is "collection",
        "item", "singleton" or None; target is the Collection (collection,
        item) or the route key (singleton); rest is the item key or None.
        """
        lpath = path.lower().rstrip("/")
        res = self._resource(version, lpath)
        if isinstance(res, Collection):
            return "collection", res.route, res, None
        if res is not None:
            return "singleton", res[0], (res[0].version, lpath), None
        parent, _, key = lpath.rpartition("/")
        res = self._resource(version, parent)
        if isinstance(res, Collection):
            return "item", res.route, res, path.rstrip("/").rpartition("/")[2]
        # {collection}/{id}/{navigation}: settings, assignments, ...
        grand = parent.rpartition("/")[0]
        item_key = path.rstrip("/").split("/")[-2]
        res = self._resource(version, grand)
        if isinstance(res, Collection) and key == "assign" and "assignments" in res.route.expand:
            return "assign", res.route, res, item_key
        if isinstance(res, Collection):
            name = next((n for n in res.route.expand if n.lower() == key), None)
            if name is not None:
                return "subcollection", res.route, res, (item_key, name)
        return None, None, None, None

    def _resource(self, version, lpath):
        res = self.resources.get((version, lpath))
        if res is None:
            res = self.resources.get((self.routes.storage_version(version, lpath), lpath))
        return res

    def singleton(self, ref):
        return self.resources[ref][1]

    def set_singleton(self, ref, obj):
        route = self.resources[ref][0]
        self.resources[ref] = (route, obj)

    def own(self, coll):
        """The collection a write may change (a fleet tenant copies the
        template's first: emu_fleet.py)."""
        return coll

    def has_licence(self, name, licence_table):
        if name is None or name in self.licences:
            return True
        return any(alt in self.licences for alt in licence_table[name]["implied_by"])


class State:
    """All tenants of a state directory."""

    def __init__(self, state_dir, routes, fleet=None):
        self.dir = state_dir
        self.routes = routes
        self.fleet = fleet            # (count, template id or None, vary): emu_fleet.py
        self.tenants = {}
        self.by_domain = {}
        self.reload()

    def reload(self):
        tenants, by_domain = {}, {}
        for name in sorted(os.listdir(self.dir)):
            tdir = os.path.join(self.dir, name)
            if os.path.isfile(os.path.join(tdir, "_tenant.json")):
                tenant = Tenant(tdir, self.routes)
                tenants[tenant.id] = tenant
                for domain in tenant.domains:
                    by_domain[domain] = tenant
        if not tenants:
            raise StateError("no tenant folder with _tenant.json in %s" % self.dir)
        if self.fleet:
            import emu_fleet
            try:
                emu_fleet.add_fleet(tenants, by_domain, *self.fleet)
            except KeyError as err:
                raise StateError(err.args[0]) from None
        self.tenants, self.by_domain = tenants, by_domain

    def tenant(self, name):
        name = name.lower()
        return self.tenants.get(name) or self.by_domain.get(name)

    def persist(self, tenant, version, route, data):
        """Write one resource back to disk (--persist), atomically."""
        rel = route.path.lstrip("/") + ".json"
        path = os.path.join(tenant.dir, version, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        doc = {"value": data.items} if isinstance(data, Collection) else data
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
