"""OData query options as the emulator supports them: $select, $filter, $top,
$expand and paging with opaque $skiptoken values.

Only what driftward's collectors use is implemented; anything else is refused
with a Graph-style 400 (QueryError), never silently ignored, so a client bug
that sends a wrong query shows up in tests.
"""

import datetime
import re
from urllib.parse import quote

from emu_crypto import b64url_decode, b64url_encode


class QueryError(Exception):
    """A query option Graph would reject with 400 BadRequest."""


_CLAUSE = re.compile(
    r"""^\s*(?P<prop>[A-Za-z@][\w@./]*)\s+(?P<op>eq|ne|gt|ge|lt|le)\s+
        (?P<value>'(?:[^']|'')*'|[^\s']+)\s*$""", re.X | re.I)
_AND = re.compile(r"\s+and\s+", re.I)
_DT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")


def _literal(text):
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    if _DT.match(text) or re.match(r"^[0-9a-fA-F-]{36}$", text):
        return text
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise QueryError("Invalid filter clause: unknown literal %s" % text) from None


def parse_filter(text):
    """Parse 'a eq 'x' and b/c ge 2026-01-01T00:00:00Z' into [(path, op, value)]."""
    clauses = []
    for part in _AND.split(text.strip()):
        m = _CLAUSE.match(part)
        if not m:
            raise QueryError("Invalid filter clause")
        clauses.append((m.group("prop").split("/"), m.group("op").lower(),
                        _literal(m.group("value"))))
    return clauses


def _as_datetime(value):
    if not isinstance(value, str) or not _DT.match(value):
        return None
    text = value.replace("Z", "+00:00")
    # fromisoformat in 3.11 takes any fraction length, but keep it to 6 digits.
    text = re.sub(r"\.(\d{6})\d+", r".\1", text)
    try:
        dt = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt


def _normalise(left, right):
    """Make two values comparable the way Graph compares them."""
    dl, dr = _as_datetime(left), _as_datetime(right)
    if dl is not None and dr is not None:
        return dl, dr
    if isinstance(left, str) and isinstance(right, str):
        return left.lower(), right.lower()   # directory string compares ignore case
    return left, right


_OPS = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
}


def _lookup(obj, path):
    for name in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(name)
    return obj


def matches(obj, clauses):
    for path, op, value in clauses:
        left, right = _normalise(_lookup(obj, path), value)
        if op in ("eq", "ne"):
            if not _OPS[op](left, right):
                return False
            continue
        try:
            if left is None or not _OPS[op](left, right):
                return False
        except TypeError:
            return False
    return True


def parse_select(text):
    fields = [f.strip() for f in text.split(",") if f.strip()]
    for f in fields:
        if not re.match(r"^[A-Za-z@][\w@.]*$", f):
            raise QueryError("Parsing OData Select and Expand failed: Term '%s' is not valid" % f)
    return fields


def apply_select(obj, fields):
    """Keep the selected properties; id and @odata.type always stay."""
    keep = set(fields) | {"id", "@odata.type"}
    return {k: v for k, v in obj.items() if k in keep}


def parse_top(text):
    if not text.isdigit() or int(text) < 1:
        raise QueryError("Invalid page size specified: '%s'. Must be between 1 and 999 inclusive."
                         % text)
    return int(text)


def encode_skiptoken(offset):
    # Opaque on the wire (clients must follow nextLink verbatim), trivial inside.
    return b64url_encode(b"DWEMU\x01" + offset.to_bytes(6, "big"))


def decode_skiptoken(token):
    try:
        raw = b64url_decode(token)
    except ValueError:
        raw = b""
    if len(raw) != 12 or not raw.startswith(b"DWEMU\x01"):
        raise QueryError("The specified page token value has expired and can no longer be "
                         "included in your request.")
    return int.from_bytes(raw[6:], "big")


def quote_value(value):
    """Percent-encode a query value for a nextLink, keeping OData punctuation readable."""
    return quote(value, safe="$,'()/:@")
