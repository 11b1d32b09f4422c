"""Many tenants from one: the emulator's fleet mode (--fleet N).

A fleet tenant borrows everything from a template tenant loaded from the state
directory (apps, secrets, licences, every resource) and owns only what makes
it different: its id and name, a few varied objects, and what a write changed.
Reads of unchanged resources go straight to the template's objects, so the
JSON the emulator caches per object is shared too, and 10,000 tenants cost a
few kilobytes each, not a copy of the template.

Ids are f1ee7000-0000-4000-8000-<12-digit index>, names fleet<5-digit index>,
with the domain <name>.onmicrosoft.com, and its organization carries that name.
Tenant i also varies deterministically: --fleet-vary objects of its list resources get the suffix " (fleetNNNNN)" in
their display name (same index, same variation), so every tenant's snapshot
differs from the others' and tests can tell whose data they read.
"""

import random
import threading

from emu_state import Collection, Tenant

ID_FORMAT = "f1ee7000-0000-4000-8000-%012d"
NAME_FORMAT = "fleet%05d"
# Properties a variation may change: shown names, never keys.
NAME_PROPS = ("displayName", "description", "name")
# Each tenant's organization is named after it, as a real tenant's would be.
ORGANIZATION = ("v1.0", "/organization")


def fleet_id(index):
    return ID_FORMAT % index


def fleet_name(index):
    return NAME_FORMAT % index


class Overlay(dict):
    """A tenant's own resources in front of the template's: a key it does not
    own reads through.  Existing code reads tenant.resources unchanged."""

    def __init__(self, base):
        super().__init__()
        self.base = base

    def __missing__(self, key):
        return self.base[key]

    def get(self, key, default=None):
        value = dict.get(self, key)
        return value if value is not None else self.base.get(key, default)

    def __contains__(self, key):
        return dict.__contains__(self, key) or key in self.base


class FleetTenant(Tenant):
    """A tenant of the fleet: the template's data, copied only where it differs."""

    def __init__(self, template, index, vary, lists):
        # deliberately not Tenant.__init__: nothing is read from disk
        self.dir = template.dir
        self.id = fleet_id(index)
        self.name = fleet_name(index)
        self.domains = [self.name + ".onmicrosoft.com"]
        self.lock = threading.Lock()
        self.licences = template.licences
        self.apps = template.apps
        self.routes = template.routes
        self.resources = Overlay(template.resources)
        self._vary(template, index, vary, lists)

    def own(self, coll):
        """The tenant's private copy of @coll, made before its first write."""
        key = (coll.route.version, coll.route.lpath)
        if dict.get(self.resources, key) is coll and not getattr(coll, "borrowed_index", False):
            return coll
        mine = Collection(coll.route, coll.items)
        self.resources[key] = mine
        return mine

    def set_singleton(self, ref, obj):
        self.resources[ref] = (self.resources[ref][0], obj)

    def _vary(self, template, index, vary, lists):
        org = template.resources.get(ORGANIZATION)
        if isinstance(org, Collection) and org.items:
            self.resources[ORGANIZATION] = _varied(org, 0, "displayName", self.name)
        if not lists or vary <= 0:
            return
        rng = random.Random(index)
        for key, coll in rng.sample(lists, min(vary, len(lists))):
            pos = rng.randrange(len(coll.items))
            obj = coll.items[pos]
            prop = next(p for p in NAME_PROPS if p != coll.route.key
                        and isinstance(obj.get(p), str))
            self.resources[key] = _varied(coll, pos, prop, "%s (%s)" % (obj[prop], self.name))


def _nameable(coll):
    return any(p != coll.route.key and isinstance(coll.items[0].get(p), str)
               for p in NAME_PROPS)


def _varied(coll, pos, prop, value):
    """@coll with item @pos's @prop set to @value.  Keys stay where they were,
    so the copy shares the template's index; the item list is a new list of
    references."""
    obj = dict(coll.items[pos])
    obj[prop] = value
    mine = Collection.__new__(Collection)
    mine.route = coll.route
    mine.items = list(coll.items)
    mine.items[pos] = obj
    mine.index = coll.index
    mine.borrowed_index = True  # a write copies it first (FleetTenant.own)
    return mine


def add_fleet(tenants, by_domain, count, template_id, vary):
    """Adds @count fleet tenants made from tenants[@template_id]."""
    template = tenants.get(template_id.lower()) if template_id else \
        tenants[sorted(tenants)[0]]
    if template is None:
        raise KeyError("--fleet-template %s is not a tenant of the state directory"
                       % template_id)
    # the collections a variation may rename, in a fixed order
    lists = [(k, v) for k, v in sorted(template.resources.items(), key=lambda kv: kv[0])
             if isinstance(v, Collection) and v.items and _nameable(v) and k != ORGANIZATION]
    for index in range(count):
        tenant = FleetTenant(template, index, vary, lists)
        tenants[tenant.id] = tenant
        for domain in tenant.domains:
            by_domain[domain] = tenant
