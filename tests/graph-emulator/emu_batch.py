"""JSON batching: POST /{version}/$batch.

Up to 20 requests; ids are compared case-insensitively; dependsOn orders
execution and a failed dependency answers 424; answers come back shuffled
(seeded); each inner request goes through fault injection by its own method
and path, so an inner 429 can sit under an outer 200.  Connection-level
faults (reset, truncate, drip) make no sense inside a batch and are ignored.
"""

import random
import threading
import time
import uuid
from urllib.parse import parse_qsl, unquote, urlsplit

from emu_faults import fault_response
from emu_graph import Req, Resp, dumps, error_resp, now_iso
from emu_log import mask

MAX_REQUESTS = 20


class BatchError(Exception):
    pass


def _validate(body):
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise BatchError("Invalid batch payload format.")
    reqs = body["requests"]
    if not reqs:
        raise BatchError("Invalid batch payload format.")
    if len(reqs) > MAX_REQUESTS:
        raise BatchError("The number of batch requests exceeds the limit of %d." % MAX_REQUESTS)
    seen = {}
    for r in reqs:
        if not isinstance(r, dict) or not r.get("id") or not r.get("method") or not r.get("url"):
            raise BatchError("Invalid batch payload format: every request needs id, method "
                             "and url.")
        key = str(r["id"]).lower()
        if key in seen:
            raise BatchError("Batch request contains duplicate id '%s'." % r["id"])
        seen[key] = r
    for r in reqs:
        for dep in r.get("dependsOn") or []:
            if str(dep).lower() not in seen:
                raise BatchError("Request '%s' depends on unknown request '%s'." % (r["id"], dep))
    return reqs


def _order(reqs):
    """Requests in an order that runs every dependency first (stable otherwise)."""
    done, out = set(), []
    pending = list(reqs)
    while pending:
        progressed = False
        for r in list(pending):
            deps = {str(d).lower() for d in r.get("dependsOn") or []}
            if deps <= done:
                out.append(r)
                done.add(str(r["id"]).lower())
                pending.remove(r)
                progressed = True
        if not progressed:
            raise BatchError("Batch request dependencies form a cycle.")
    return out


class Batch:
    def __init__(self, emulator, seed):
        self.emu = emulator
        self.rng = random.Random("batch:%s" % seed)
        self.lock = threading.Lock()

    def run(self, outer, headers):
        if outer.method != "POST":
            return error_resp(outer, 405, "Request_BadRequest",
                              "Specified HTTP method is not allowed for the request target.")
        try:
            reqs = _order(_validate(outer.body))
        except BatchError as err:
            return error_resp(outer, 400, "BadRequest", str(err))
        results, statuses = [], {}
        for r in reqs:
            failed = [d for d in r.get("dependsOn") or [] if statuses.get(str(d).lower(), 500) >= 400]
            if failed:
                resp = error_resp(outer, 424, "FailedDependency",
                                  "The request depends on request '%s' which failed." % failed[0])
            else:
                resp = self._inner(outer, r)
            statuses[str(r["id"]).lower()] = resp.status
            results.append((r["id"], resp))
        with self.lock:
            self.rng.shuffle(results)
        parts = [self._encode(rid, resp) for rid, resp in results]
        return Resp(200, b'{"responses":[' + b",".join(parts) + b"]}")

    def _encode(self, rid, resp):
        headers = dict(resp.headers)
        if resp.raw:
            headers.setdefault("Content-Type", "application/json")
        head = b'{"id":' + dumps(str(rid)) + b',"status":' + str(resp.status).encode() + \
            b',"headers":' + dumps(headers)
        if resp.raw:
            head += b',"body":' + resp.raw
        return head + b"}"

    def _inner(self, outer, spec):
        url = str(spec["url"])
        url = url if url.startswith("/") else "/" + url
        split = urlsplit(url)
        path = unquote(split.path)
        method = str(spec["method"]).upper()
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        crid = outer.client_request_id
        req = Req(method, outer.version, path, query, spec.get("body"), str(uuid.uuid4()), crid)
        req.base_url, req.token = outer.base_url, outer.token
        hdrs = {str(k).lower(): v for k, v in (spec.get("headers") or {}).items()}
        req.headers = hdrs
        if "body" in spec and "content-type" not in hdrs:
            resp = error_resp(req, 400, "BadRequest",
                              "Write request id : %s does not contain Content-Type header or "
                              "body." % spec["id"])
        else:
            resp = self._dispatch_inner(req, outer)
        self._log(outer, req, resp)
        return resp

    def _dispatch_inner(self, req, outer):
        full = "/%s%s" % (req.version, req.path)
        rule, latency = self.emu.faults.pick(req.method, full, req.token.tenant.id)
        if latency > 0:
            time.sleep(latency)
        if rule is not None and "status" in rule.spec:
            return fault_response(rule.spec, req)
        req.empty_page = bool(rule is not None and rule.spec.get("empty_page"))
        if req.path.rstrip("/") == "/$batch":
            return error_resp(req, 400, "BadRequest", "Nested batch requests are not supported.")
        return self.emu.graph.handle(req)

    def _log(self, outer, req, resp):
        self.emu.log.add({"time": now_iso(), "method": req.method,
                          "path": "/%s%s" % (req.version, req.path), "query": mask(req.query),
                          "headers": {}, "body": mask(req.body), "status": resp.status,
                          "tenant": req.token.tenant.id, "request_id": req.request_id,
                          "client_request_id": req.client_request_id,
                          "batch_request_id": outer.request_id})
