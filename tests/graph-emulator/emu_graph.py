"""Microsoft Graph semantics of the emulator: reads, paging, writes, errors.

GraphApi.handle() takes one parsed request (already authenticated) and
returns a Resp.  It knows nothing about sockets, so $batch reuses it for its
inner requests.  Error bodies follow Graph's shape:
    {"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}
with per-service codes (directory: Request_ResourceNotFound and
Authorization_RequestDenied; Intune: ResourceNotFound/Forbidden with its
JSON-in-a-string message).
"""

import copy
import json
import random
import re
import threading
import uuid
from datetime import datetime, timezone

import emu_query as q
from emu_state import Collection

GRAPH_CT = ("application/json;odata.metadata=minimal;odata.streaming=true;"
            "IEEE754Compatible=false;charset=utf-8")
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(obj):
    return _DUMPS(obj).encode("utf-8")


class Resp:
    __slots__ = ("status", "raw", "headers")

    def __init__(self, status, raw=None, headers=None):
        self.status, self.raw, self.headers = status, raw, headers or {}


class Req:
    """One Graph request as the API layer sees it."""

    def __init__(self, method, version, path, query, body, request_id, client_request_id):
        self.method, self.version, self.path = method, version, path
        self.query, self.body = query, body
        self.request_id, self.client_request_id = request_id, client_request_id
        self.empty_page = False
        self.token = None        # AccessToken
        self.base_url = ""
        self.headers = {}        # lower-case names


class GraphError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def error_resp(req, status, code, message, headers=None):
    inner = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
             "request-id": req.request_id, "client-request-id": req.client_request_id}
    body = {"error": {"code": code, "message": message, "innerError": inner}}
    return Resp(status, dumps(body), dict(headers or {}))


def intune_message(req, text):
    """Intune wraps its messages in a JSON document inside the message string."""
    url = "https://fef.msua06.manage.microsoft.com%s" % req.path
    msg = ("%s - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - "
           "Activity ID: %s - Url: %s" % (text, req.client_request_id, url))
    return json.dumps({"_version": 3, "Message": msg, "CustomApiErrorPhrase": "",
                       "RetryAfter": None, "ErrorSourceService": "", "HttpHeaders": "{}"})


def _not_found(req, route, key):
    if route.service == "intune":
        return GraphError(404, "ResourceNotFound", intune_message(req, "An error has occurred"))
    return GraphError(404, "Request_ResourceNotFound",
                      "Resource '%s' does not exist or one of its queried reference-property "
                      "objects are not present." % key)


def _drop_path(obj, path):
    """A copy of obj without the member at path (a list of names)."""
    if not isinstance(obj, dict) or path[0] not in obj:
        return obj
    out = dict(obj)
    if len(path) == 1:
        del out[path[0]]
    else:
        out[path[0]] = _drop_path(obj[path[0]], path[1:])
    return out


def _deep_merge(base, patch):
    """PATCH semantics: nested objects merge, arrays and scalars replace."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) \
                and not key.startswith("@"):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class GraphApi:
    def __init__(self, state, routes, page_size, persist=False, seed=0, audit=None):
        self.state, self.routes, self.page_size = state, routes, page_size
        self.persist = persist
        self.rng = random.Random("ids:%s" % seed)
        self.rng_lock = threading.Lock()
        self.audit = audit            # emu_audit.AuditWriter
        self.encoded = {}             # id(obj) -> (obj, bytes): JSON of stored objects

    # --- entry point -----------------------------------------------------

    def handle(self, req):
        tenant = req.token.tenant
        if req.path.lower().rstrip("/") == "/directoryobjects/getbyids":
            try:
                return self.get_by_ids(req, tenant)
            except GraphError as err:
                return error_resp(req, err.status, err.code, err.message, err.headers)
        kind, route, target, rest = tenant.resolve(req.version, req.path)
        try:
            if kind is None:
                raise GraphError(404, "ResourceNotFound",
                                 "Resource not found for the segment '%s'."
                                 % req.path.rstrip("/").rpartition("/")[2])
            self._check_access(req, tenant, route, kind)
            return self._dispatch(req, tenant, kind, route, target, rest)
        except GraphError as err:
            return error_resp(req, err.status, err.code, err.message, err.headers)
        except q.QueryError as err:
            code = "BadRequest" if route is None or route.service != "entra" else "Request_BadRequest"
            return error_resp(req, 400, code, str(err))

    def _check_access(self, req, tenant, route, kind):
        method = req.method
        allowed = route.methods["singleton" if kind == "singleton" else
                                "collection" if kind == "collection" else "item"]
        if kind == "subcollection":
            allowed = ["GET"]
        if kind == "assign":
            allowed = ["POST"]
        if method not in allowed:
            raise GraphError(405, "Request_BadRequest",
                             "Specified HTTP method is not allowed for the request target.",
                             {"Allow": ", ".join(allowed)})
        needed = route.read if method == "GET" else route.write
        if needed and not (needed & req.token.roles):
            raise self._forbidden(req, route, needed)
        if not tenant.has_licence(route.licence, self.routes.licences):
            spec = self.routes.licences[route.licence]
            raise GraphError(spec["status"], spec["code"], spec["message"])

    def _forbidden(self, req, route, needed):
        if route.service == "intune":
            text = ("Application is not authorized to perform this operation. Application must "
                    "have one of the following scopes: %s" % ", ".join(sorted(needed)))
            return GraphError(403, "Forbidden", intune_message(req, text))
        if route.service == "sharepoint":
            return GraphError(403, "accessDenied", "Access denied")
        return GraphError(403, "Authorization_RequestDenied",
                          "Insufficient privileges to complete the operation.")

    def _dispatch(self, req, tenant, kind, route, target, rest):
        m = req.method
        if kind == "collection":
            return self.list_page(req, route, target.items) if m == "GET" else \
                self.create(req, tenant, route, target)
        if kind == "item":
            if m == "GET":
                return self.get_item(req, route, target, rest)
            if m == "DELETE":
                return self.delete_item(req, tenant, route, target, rest)
            return self.write_item(req, tenant, route, target, rest)
        if kind == "assign":
            return self.assign(req, tenant, route, target, rest)
        if kind == "subcollection":
            obj = target.get(rest[0])
            if obj is None:
                raise _not_found(req, route, rest[0])
            return self.list_page(req, route, obj.get(rest[1], []), sub=rest)
        if m == "GET":
            return self.get_singleton(req, tenant, route, target)
        return self.write_singleton(req, tenant, route, target)

    # --- reads -----------------------------------------------------------

    GET_BY_IDS_ROLES = {"Directory.Read.All", "Directory.ReadWrite.All"}

    def get_by_ids(self, req, tenant):
        """POST directoryObjects/getByIds: the objects with these ids (groups: the
        only directory objects the emulator holds), unknown ids left out, as Graph
        does; at most 1,000 ids, each a GUID, or 400 for the whole request."""
        if req.method != "POST":
            raise GraphError(405, "Request_BadRequest",
                             "Specified HTTP method is not allowed for the request target.",
                             {"Allow": "POST"})
        if not self.GET_BY_IDS_ROLES & req.token.roles:
            raise GraphError(403, "Authorization_RequestDenied",
                             "Insufficient privileges to complete the operation.")
        body = self._body(req)
        ids, types = body.get("ids"), body.get("types", ["group"])
        if not isinstance(ids, list) or not ids or not isinstance(types, list):
            raise GraphError(400, "Request_BadRequest",
                             "Invalid value specified for property 'ids' of resource "
                             "'DirectoryObjectList'.")
        if len(ids) > 1000:
            raise GraphError(400, "Request_BadRequest",
                             "Too many ids: at most 1000 are allowed in one request.")
        for one in ids:
            if not isinstance(one, str) or not GUID.match(one):
                raise GraphError(400, "Request_BadRequest",
                                 "Invalid object identifier '%s'." % one)
        found = []
        if "group" in [t.lower() for t in types if isinstance(t, str)]:
            kind, route, groups, _ = tenant.resolve(req.version, "/groups")
            for one in ids:
                obj = groups.get(one) if kind == "collection" else None
                if obj is not None:
                    found.append(dict({"@odata.type": "#microsoft.graph.group"},
                                      **self._view(req, route, obj, None, set())))
        return Resp(200, b'{"@odata.context":' + dumps("%s/%s/$metadata#directoryObjects"
                                                       % (req.base_url, req.version))
                    + b',"value":' + dumps(found) + b"}")

    def _context(self, req, route, suffix=""):
        return "%s/%s/$metadata#%s%s" % (req.base_url, req.version, route.path.lstrip("/"), suffix)

    def _expanded(self, req, route, sub=None):
        text = req.query.get("$expand")
        if not text:
            return set()
        names = q.parse_expand(text, sub[1] + "/" if sub else "")
        bad = names - route.expand
        if bad:
            raise q.QueryError("Could not find a property named '%s' on type "
                               "'microsoft.graph.entity'." % sorted(bad)[0].rpartition("/")[2])
        return names

    def _view(self, req, route, obj, select, expanded, prefix=""):
        """What a client sees of a stored object: navigation properties only when
        expanded (nested ones inside their parent), beta-only properties only in beta."""
        hidden = {n[len(prefix):] for n in route.expand
                  if n.startswith(prefix) and "/" not in n[len(prefix):]} - \
            {n[len(prefix):] for n in expanded if n.startswith(prefix)}
        if hidden:
            obj = {k: v for k, v in obj.items() if k not in hidden}
        for name in {n for n in expanded if n.startswith(prefix) and
                     "/" not in n[len(prefix):]}:
            sub = name[len(prefix):]
            if any(n.startswith(name + "/") for n in route.expand) and sub in obj:
                obj = dict(obj)
                obj[sub] = self._nested(req, route, obj[sub], expanded, name + "/")
        if req.version != "beta" and not prefix:
            for path in route.beta_only:
                obj = _drop_path(obj, path)
        if select:
            obj = q.apply_select(obj, select + sorted(n for n in expanded if "/" not in n))
        return obj

    def _nested(self, req, route, value, expanded, prefix):
        if isinstance(value, list):
            return [self._view(req, route, v, None, expanded, prefix) if isinstance(v, dict)
                    else v for v in value]
        if isinstance(value, dict):
            return self._view(req, route, value, None, expanded, prefix)
        return value

    def _encode(self, req, route, obj, expanded=frozenset()):
        """JSON of a stored object as a version and an $expand show it, cached
        (objects are never mutated: a write swaps in a new one)."""
        key = (id(obj), req.version, expanded)
        hit = self.encoded.get(key)
        if hit is not None and hit[0] is obj:
            return hit[1]
        data = dumps(self._view(req, route, obj, None, set(expanded)))
        self.encoded[key] = (obj, data)
        return data

    LIST_OPTIONS = {"$select", "$filter", "$top", "$skiptoken", "$expand", "$orderby", "$count",
                    "$search"}

    def list_page(self, req, route, items, sub=None):
        query = req.query
        q.check_options(query, self.LIST_OPTIONS)
        select = q.parse_select(query["$select"]) if "$select" in query else None
        expanded = self._expanded(req, route, sub)
        refused = sorted(route.list_expand_refused & expanded) if sub is None else []
        if refused:
            # as Intune answers an expand its list does not support: the whole request fails
            raise GraphError(400, "BadRequest", intune_message(
                req, "Expanding '%s' is not supported on this collection; read "
                     "%s/{id}/%s for each object" % (refused[0], route.path, refused[0])))
        self._check_required_filter(req, route, sub)
        if "$filter" in query:
            clauses = q.parse_filter(query["$filter"])
            items = [o for o in items if q.matches(o, clauses)]
        if "$search" in query:
            items = self._search(req, route, items)
        if "$orderby" in query:
            items = self._orderby(req, route, items)
        count = self._count(req, route)
        size = self.page_size
        if "$top" in query:
            size = min(size, q.parse_top(query["$top"]))
        offset = q.decode_skiptoken(query["$skiptoken"]) if "$skiptoken" in query else 0
        page = [] if req.empty_page else items[offset:offset + size]
        more = req.empty_page or offset + size < len(items)
        next_offset = offset if req.empty_page else offset + size
        if sub:
            prefix = sub[1] + "/"
            values = b",".join(dumps(self._view(req, route, o, select, expanded, prefix))
                               for o in page)
        elif select:
            values = b",".join(dumps(self._view(req, route, o, select, expanded)) for o in page)
        else:
            frozen = frozenset(expanded)
            values = b",".join(self._encode(req, route, o, frozen) for o in page)
        path_ctx = route.path.lstrip("/")
        if sub:
            path_ctx += "('%s')/%s" % sub
        ctx = "%s/%s/$metadata#%s" % (req.base_url, req.version, path_ctx)
        if select:
            ctx += "(%s)" % ",".join(select)
        head = b'{"@odata.context":' + dumps(ctx)
        if count:
            head += b',"@odata.count":' + str(len(items)).encode()
        if more:
            head += b',"@odata.nextLink":' + dumps(self._next_link(req, next_offset))
        return Resp(200, head + b',"value":[' + values + b"]}")

    def _eventual(self, req):
        return req.headers.get("consistencylevel", "").lower() == "eventual"

    def _unsupported(self, route, message):
        code = "Request_UnsupportedQuery" if route.service == "entra" else "BadRequest"
        return GraphError(400, code, message)

    def _check_required_filter(self, req, route, sub):
        """Some lists (role management policies) answer only a filtered read."""
        if sub or not route.required_filter:
            return
        text = req.query.get("$filter")
        props = {c[0][0].lower() for c in q.parse_filter(text)} if text else set()
        missing = [p for p in route.required_filter if p.lower() not in props]
        if missing:
            raise GraphError(400, "BadRequest", "The filter must contain %s."
                             % " and ".join("'%s'" % p for p in route.required_filter))

    def _search(self, req, route, items):
        if not route.search:
            raise self._unsupported(route, "Search is not supported on this resource.")
        if route.advanced_query and not self._eventual(req):
            raise self._unsupported(route, "Request with $search query parameter only works "
                                    "through MSGraph with a special request header: "
                                    "'ConsistencyLevel: eventual'")
        return [o for o in items if q.matches_search(o, req.query["$search"], route.search)]

    def _orderby(self, req, route, items):
        keys = q.parse_orderby(req.query["$orderby"])
        if not route.orderby:
            raise self._unsupported(route, "Sorting not supported for current query.")
        return q.apply_orderby(items, keys)

    def _count(self, req, route):
        if "$count" not in req.query or not q.parse_count(req.query["$count"]):
            return False
        if route.advanced_query and not self._eventual(req):
            raise self._unsupported(route, "$count is not currently supported.")
        return True

    def _next_link(self, req, offset):
        parts = ["%s=%s" % (k, q.quote_value(v)) for k, v in req.query.items()
                 if k != "$skiptoken"]
        parts.append("$skiptoken=" + q.encode_skiptoken(offset))
        return "%s/%s%s?%s" % (req.base_url, req.version, req.path, "&".join(parts))

    def _entity(self, req, route, obj, select=None, expanded=frozenset(), status=200):
        body = {"@odata.context": self._context(req, route, "/$entity")}
        body.update(self._view(req, route, obj, select, set(expanded)))
        return Resp(status, dumps(body))

    ENTITY_OPTIONS = {"$select", "$expand"}

    def get_item(self, req, route, coll, key):
        q.check_options(req.query, self.ENTITY_OPTIONS)
        obj = coll.get(key)
        if obj is None:
            raise _not_found(req, route, key)
        select = q.parse_select(req.query["$select"]) if "$select" in req.query else None
        return self._entity(req, route, obj, select, self._expanded(req, route))

    def get_singleton(self, req, tenant, route, ref):
        q.check_options(req.query, self.ENTITY_OPTIONS)
        obj = self._with_embedded(tenant, route, tenant.singleton(ref))
        select = q.parse_select(req.query["$select"]) if "$select" in req.query else None
        return self._entity(req, route, obj, select, self._expanded(req, route))

    def _with_embedded(self, tenant, route, obj):
        if not route.embed:
            return obj
        obj = dict(obj)
        for prop, path in route.embed.items():
            res = tenant.resources.get((route.version, path.lower()))
            if isinstance(res, Collection):
                obj[prop] = list(res.items)
        return obj

    # --- writes ----------------------------------------------------------

    def _body(self, req):
        if not isinstance(req.body, dict):
            raise GraphError(400, "BadRequest", "Empty Payload. JSON content expected.")
        return req.body

    def _check_body(self, req, route, body, existing, allow=()):
        for prop in body:
            if prop in route.readonly and prop not in allow:
                msg = route.readonly_messages.get(
                    prop, "Property '%s' is read-only and cannot be set." % prop)
                code = route.readonly_code or ("Request_BadRequest" if route.service == "entra"
                                               else "BadRequest")
                raise GraphError(400, code, msg)
        if route.require_odata_type and "@odata.type" not in body:
            raise GraphError(400, "BadRequest",
                             "A type named '@odata.type' must be specified in the request body "
                             "for the derived type of %s." % route.path.rpartition("/")[2])
        old_type = (existing or {}).get("@odata.type")
        if old_type and body.get("@odata.type", old_type) != old_type:
            raise GraphError(400, "BadRequest",
                             "The @odata.type '%s' does not match the type of the resource '%s'."
                             % (body["@odata.type"], old_type))

    def _known(self, route, body, existing):
        """Graph quirk: properties the resource does not have are ignored (204, no change)."""
        return {k: v for k, v in body.items()
                if k in existing or k == "@odata.type" or k in route.expand}

    def _touch(self, obj):
        stamp = now_iso()
        for key in ("modifiedDateTime", "lastModifiedDateTime"):
            if key in obj:
                obj[key] = stamp
        if isinstance(obj.get("version"), int) and not isinstance(obj.get("version"), bool):
            obj["version"] += 1
        if isinstance(obj.get("settings"), list) and "settingCount" in obj:
            obj["settingCount"] = len(obj["settings"])
        return obj

    def _updated(self, req, route, body, existing):
        if req.method == "PUT":
            keep = {k: v for k, v in existing.items() if k in route.readonly}
            new = dict(keep)
            new.update(copy.deepcopy(self._known(route, body, existing)))
            if "@odata.type" in existing:
                new["@odata.type"] = existing["@odata.type"]
            return self._touch(new)
        return self._touch(_deep_merge(existing, self._known(route, body, existing)))

    def _write_reply(self, req, route, obj):
        status = route.write_status.get(req.method, 204)
        if status == 204:
            return Resp(204)
        return self._entity(req, route, obj, status=status)

    def write_item(self, req, tenant, route, coll, key):
        body = self._body(req)
        with tenant.lock:
            coll = tenant.own(coll)
            old = coll.get(key)
            if old is None:
                raise _not_found(req, route, key)
            self._check_body(req, route, body, old)
            new = self._updated(req, route, body, old)
            coll.replace(key, new)
            self._after_write(req, tenant, route, coll, "Update", old, new)
        return self._write_reply(req, route, new)

    def write_singleton(self, req, tenant, route, ref):
        body = self._body(req)
        with tenant.lock:
            old = tenant.singleton(ref)
            self._check_body(req, route, body, old)
            new = self._updated(req, route, body, old)
            tenant.set_singleton(ref, new)
            self._after_write(req, tenant, route, new, "Update", old, new)
        return self._write_reply(req, route, self._with_embedded(tenant, route, new))

    def _new_id(self):
        with self.rng_lock:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def create(self, req, tenant, route, coll):
        body = self._body(req)
        self._check_body(req, route, body, None, allow=(route.key,) if route.key != "id" else ())
        obj = copy.deepcopy(body)
        if route.key == "id":
            obj = {"id": self._new_id(), **obj}
        elif not obj.get(route.key):
            raise GraphError(400, "Request_BadRequest", "Property '%s' is required." % route.key)
        stamp = now_iso()
        for key in ("createdDateTime", "modifiedDateTime", "lastModifiedDateTime"):
            if key in route.readonly:
                obj[key] = stamp
        with tenant.lock:
            coll = tenant.own(coll)
            if coll.get(str(obj[route.key])) is not None:
                raise GraphError(409, "Request_BadRequest",
                                 "An object with the same key already exists.")
            coll.append(obj)
            self._after_write(req, tenant, route, coll, "Add", None, obj)
        return self._entity(req, route, obj, status=201)

    def assign(self, req, tenant, route, coll, key):
        """POST {id}/assign: Intune's way of changing assignments, all at once.
        The body's one member is the new list ("assignments", or a per-type
        name such as "mobileAppAssignments"); ids are made as Intune makes them."""
        body = self._body(req)
        lists = [v for k, v in body.items() if k.lower().endswith("assignments")]
        if len(body) != 1 or len(lists) != 1 or not isinstance(lists[0], list) or \
                not all(isinstance(a, dict) and isinstance(a.get("target"), dict)
                        for a in lists[0]):
            raise GraphError(400, "BadRequest", intune_message(
                req, "The assign action takes one list of assignments, each with a target"))
        with tenant.lock:
            coll = tenant.own(coll)
            old = coll.get(key)
            if old is None:
                raise _not_found(req, route, key)
            made = [self._assignment(old, a) for a in lists[0]]
            new = dict(old, assignments=made)
            coll.replace(key, new)
            self._after_write(req, tenant, route, coll, "Assign", old, new)
        return Resp(200, b'{"@odata.context":' + dumps(self._context(req, route, "/assignments"))
                    + b',"value":' + dumps(made) + b"}")

    @staticmethod
    def _assignment(obj, spec):
        target = copy.deepcopy(spec["target"])
        suffix = target.get("groupId") or {
            "#microsoft.graph.allDevicesAssignmentTarget": "adadadad-808e-44e2-905a-0b7873a8a531",
            "#microsoft.graph.allLicensedUsersAssignmentTarget":
                "acacacac-9df4-4c7d-9d50-4ef0226f57a9"}.get(target.get("@odata.type"), "0")
        out = {k: copy.deepcopy(v) for k, v in spec.items() if k not in ("id", "target")}
        return {"id": spec.get("id") or "%s_%s" % (obj.get("id"), suffix), **out,
                "target": target}

    def delete_item(self, req, tenant, route, coll, key):
        with tenant.lock:
            coll = tenant.own(coll)
            old = coll.get(key)
            if old is None:
                raise _not_found(req, route, key)
            coll.delete(key)
            self._after_write(req, tenant, route, coll, "Delete", old, None)
        return Resp(204)

    def _after_write(self, req, tenant, route, data, op, old, new):
        if self.persist:
            self.state.persist(tenant, route.version, route, data)
        if self.audit is not None and route.audit:
            self.audit.record(req, tenant, route, op, old, new)
