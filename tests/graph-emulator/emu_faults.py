"""Fault injection for the Graph emulator.

A fault document (JSON, from --faults FILE or POST /_emulator/faults):

    {"latency_ms": 50, "seed": 7,
     "expire_tokens_at": "2026-01-01T12:00:00Z" | 1767268800,
     "expire_next_tokens": 2,
     "rules": [{"method": "GET", "path": "/v1.0/identity/*", "tenant": "...",
                "status": 429, "retry_after": "2.128", "times": 3}, ...]}

Each request is matched against the rules in order; the first rule that
matches and fires (times / every / probability / after) decides the fault.
Counters live per rule and are reset whenever the document is replaced.
See README.md for every action.
"""

import datetime
import fnmatch
import json
import os
import random
import re
import sys
import threading
import time

from emu_graph import Resp, dumps, error_resp

ACTIONS = ("status", "reset", "truncate", "drip", "expire_token", "empty_page", "raw_body",
           "endless_pages", "ignore_write", "after_write")


class FaultError(Exception):
    """The fault document is malformed."""


class Rule:
    def __init__(self, spec, index, seed):
        unknown = set(spec) - {
            "method", "path", "path_regex", "tenant", "status", "retry_after", "body", "code",
            "message", "latency_ms", "reset", "truncate", "drip", "expire_token", "empty_page",
            "times", "every", "probability", "after", "name", "headers", "raw_body",
            "endless_pages", "ignore_write", "after_write"}
        if unknown:
            raise FaultError("unknown fault rule keys: %s" % ", ".join(sorted(unknown)))
        self.spec = spec
        self.name = spec.get("name", "rule%d" % index)
        self.method = spec.get("method", "*").upper()
        self.path = spec.get("path")
        self.regex = re.compile(spec["path_regex"]) if "path_regex" in spec else None
        self.tenant = spec.get("tenant", "").lower()
        self.times = spec.get("times")
        self.every = spec.get("every")
        self.after = spec.get("after", 0)
        self.probability = spec.get("probability")
        self.rng = random.Random("%s:%d" % (seed, index))
        self.matched = 0
        self.fired = 0

    def matches(self, method, path, tenant):
        if self.method != "*" and self.method != method:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(path.lower(), self.path.lower()):
            return False
        if self.regex is not None and not self.regex.search(path):
            return False
        return not self.tenant or self.tenant == (tenant or "").lower()

    def fires(self):
        """Count a match; decide whether the rule applies to it (call under lock)."""
        self.matched += 1
        if self.matched <= self.after:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        if self.every and (self.matched - self.after) % self.every != 0:
            return False
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def latency(self):
        value = self.spec.get("latency_ms")
        if isinstance(value, list):
            return self.rng.uniform(value[0], value[1]) / 1000.0
        return (value or 0) / 1000.0


def _parse_time(value):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = value.replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(text).timestamp()


class Faults:
    """The active fault document; thread safe; re-reads --faults on mtime change."""

    def __init__(self, path=None, seed=0):
        self.path = path
        self.seed = seed
        self.lock = threading.Lock()
        self.mtime = None
        self.doc = {}
        self.rules = []
        self.latency_ms = 0
        self.expire_tokens_at = None
        self.on_new_doc = None          # callback(doc) for token expiry settings
        self.check_interval = 0.2
        self.last_check = 0.0
        self.rng = random.Random("latency:%s" % seed)
        if path:
            self.poll(force=True)

    def set_document(self, doc):
        if not isinstance(doc, dict) or not isinstance(doc.get("rules", []), list):
            raise FaultError("fault document must be a JSON object with a list of rules")
        seed = doc.get("seed", self.seed)
        rules = [Rule(spec, i, seed) for i, spec in enumerate(doc.get("rules", []))]
        latency = doc.get("latency_ms", 0)
        expire_at = _parse_time(doc.get("expire_tokens_at"))
        with self.lock:
            self.doc, self.rules, self.latency_ms = doc, rules, latency
            self.rng = random.Random("latency:%s" % seed)
            self.expire_tokens_at = expire_at
        if self.on_new_doc:
            self.on_new_doc(doc)

    def set_from_control(self, doc):
        """A document POSTed to /_emulator/faults wins over the file as it is now;
        the file is read again only after its next change."""
        self.mtime = self._file_mtime()
        self.set_document(doc)

    def _file_mtime(self):
        if not self.path:
            return None
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return None

    def poll(self, force=False):
        """Reload the fault file when its mtime changed (checked at most 5 times a second)."""
        if not self.path:
            return
        now = time.monotonic()
        if not force and now - self.last_check < self.check_interval:
            return
        self.last_check = now
        mtime = self._file_mtime()
        if mtime == self.mtime and not force:
            return
        self.mtime = mtime
        if mtime is None:
            self.set_document({})
            return
        try:
            with open(self.path, encoding="utf-8") as f:
                self.set_document(json.load(f))
        except (OSError, ValueError, FaultError, re.error) as err:
            if force:
                raise
            # A half-edited file mid-run: keep the faults we have, say why.
            print("graph-emulator: ignoring fault file %s: %s" % (self.path, err),
                  file=sys.stderr, flush=True)

    def reset_counters(self):
        with self.lock:
            self.rules = [Rule(r.spec, i, self.doc.get("seed", self.seed))
                          for i, r in enumerate(self.rules)]

    def pick(self, method, path, tenant):
        """Return (rule or None, latency seconds) for one request."""
        self.poll()
        with self.lock:
            latency = self._global_latency()
            for rule in self.rules:
                if rule.matches(method, path, tenant) and rule.fires():
                    return rule, latency + rule.latency()
        return None, latency

    def _global_latency(self):
        if isinstance(self.latency_ms, list):
            return self.rng.uniform(*self.latency_ms) / 1000.0
        return self.latency_ms / 1000.0

    def snapshot(self):
        with self.lock:
            return {"document": self.doc,
                    "counters": [{"name": r.name, "matched": r.matched, "fired": r.fired}
                                 for r in self.rules]}


DEFAULT_FAULT_BODIES = {
    429: ("TooManyRequests", "Please retry again later."),
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("BadGateway", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The request timed out."),
}



def fault_response(spec, req):
    """The error response a fault rule asks for (status, Retry-After, body)."""
    status = int(spec["status"])
    headers = {}
    if spec.get("retry_after") is not None:
        headers["Retry-After"] = str(spec["retry_after"])
    headers.update(spec.get("headers") or {})
    if "raw_body" in spec:
        # sent byte for byte: code points up to U+00FF are the bytes (invalid UTF-8 too)
        headers.setdefault("Content-Type", "application/json")
        return Resp(status, spec["raw_body"].encode("latin-1"), headers)
    if "body" in spec:
        return Resp(status, dumps(spec["body"]), headers)
    code, message = DEFAULT_FAULT_BODIES.get(status, ("UnknownError", ""))
    resp = error_resp(req, status, spec.get("code", code), spec.get("message", message), headers)
    if status == 429:
        # The throttling sample puts the numeric status in innerError as well.
        doc = json.loads(resp.raw)
        doc["error"]["innerError"].update({"code": "429", "message": "Please retry after",
                                           "status": "429"})
        resp.raw = dumps(doc)
    return resp


ENDLESS_TOKEN = "endless-"


def endless_page(spec, base_url, path, query):
    """A collection page that never ends: {"links": N, "bytes": B, "objects": K}.

    Each page has K objects (unique ids per page position) padded to about B
    bytes in all, and a nextLink to page position i + 1; with "links": N > 0
    the positions go round modulo N (1: the same link again, 2: two links in
    turn), with 0 they never repeat."""
    opts = spec["endless_pages"]
    links = int(opts.get("links", 0))
    count = max(1, int(opts.get("objects", 1)))
    pad = "x" * max(0, int(opts.get("bytes", 1024)) // count - 100)
    token = query.get("$skiptoken", "")
    here = int(token[len(ENDLESS_TOKEN):]) if token.startswith(ENDLESS_TOKEN) else 0
    after = here + 1
    if links > 0:
        after %= links
    value = [{"id": "%08x-0000-4000-8000-%012x" % (here, i), "displayName": "endless %d/%d" % (here, i),
              "padding": pad} for i in range(count)]
    doc = {"@odata.context": base_url + "/v1.0/$metadata#endless", "value": value,
           "@odata.nextLink": "%s%s?$skiptoken=%s%d" % (base_url, path, ENDLESS_TOKEN, after)}
    return Resp(200, dumps(doc), {"Content-Type": "application/json"})
