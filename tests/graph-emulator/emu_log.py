"""Request log of the emulator, with credentials masked.

Every request becomes one JSON line in --log and an entry kept in memory for
GET /_emulator/requests.  Masking is total: the Authorization header keeps only
its scheme ("Bearer ***"), and form or JSON fields that carry credentials
(client_secret, client_assertion, tokens, passwords) are replaced by "***" at
any depth.  A body that is neither JSON nor a form is logged only as its length.
"""

import collections
import json
import threading
from urllib.parse import parse_qsl

MASKED_FIELDS = {"client_secret", "client_assertion", "assertion", "access_token",
                 "refresh_token", "password", "authorization"}
MASKED_HEADERS = {"authorization", "proxy-authorization", "cookie"}


def mask(value):
    """Deep copy of a parsed body with every credential-bearing field masked."""
    if isinstance(value, dict):
        return {k: ("***" if k.lower() in MASKED_FIELDS else mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def mask_headers(headers):
    out = {}
    for name, value in headers.items():
        if name.lower() in MASKED_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = (scheme + " ***") if scheme else "***"
        out[name] = value
    return out


class RequestLog:
    """Every request as one JSON line (file) and in memory for /_emulator/requests."""

    def __init__(self, path, keep=200000):
        self.lock = threading.Lock()
        self.records = collections.deque(maxlen=keep)
        self.seq = 0
        self.file = open(path, "a", encoding="utf-8", buffering=1) if path else None

    def add(self, record):
        with self.lock:
            self.seq += 1
            record["seq"] = self.seq
            self.records.append(record)
            if self.file:
                self.file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def since(self, seq):
        with self.lock:
            return [r for r in self.records if r["seq"] > seq]

    def clear(self):
        with self.lock:
            self.records.clear()


class Unparsed(dict):
    """Stands for a body that was neither JSON nor a form: only its length is kept."""


def parse_body(raw, content_type):
    """Body for the log and the handlers: JSON, form (as dict), or a digest of opaque bytes."""
    if not raw:
        return None
    ctype = (content_type or "").lower()
    text = raw.decode("utf-8", "replace")
    if "x-www-form-urlencoded" in ctype:
        return dict(parse_qsl(text, keep_blank_values=True))
    try:
        return json.loads(text)
    except ValueError:
        # Never log unparsed bytes: they might hold a secret in a shape we don't know.
        return Unparsed(_unparsed_bytes=len(raw))
