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


# --- $expand with nested options, $orderby, unknown options ----------------------

def _split_top(text, sep=","):
    """Split at @sep outside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise QueryError("Parsing OData Select and Expand failed: unbalanced ')'")
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if depth:
        raise QueryError("Parsing OData Select and Expand failed: unbalanced '('")
    parts.append("".join(cur))
    return parts


_EXPAND_ITEM = re.compile(r"^\s*([A-Za-z][\w.]*)\s*(?:\((.*)\))?\s*$", re.S)


def parse_expand(text, prefix=""):
    """'a,b($expand=c,d)' -> {'a', 'b', 'b/c', 'b/d'}.  Inside parentheses only
    $expand is taken (Graph takes $select too, which no collector needs)."""
    out = set()
    for part in _split_top(text):
        m = _EXPAND_ITEM.match(part)
        if not m:
            raise QueryError("Parsing OData Select and Expand failed: Term '%s' is not valid"
                             % part.strip())
        name = prefix + m.group(1)
        out.add(name)
        if m.group(2) is None:
            continue
        for opt in _split_top(m.group(2), ";"):
            key, eq, value = opt.partition("=")
            if key.strip() != "$expand" or not eq:
                raise QueryError("Parsing OData Select and Expand failed: the option '%s' "
                                 "is not supported inside $expand" % key.strip())
            out |= parse_expand(value, name + "/")
    return out


_ORDER = re.compile(r"^\s*([A-Za-z@][\w@./]*)(?:\s+(asc|desc))?\s*$", re.I)


def parse_orderby(text):
    keys = []
    for part in text.split(","):
        m = _ORDER.match(part)
        if not m:
            raise QueryError("Syntax error at position %d in '%s'." % (len(part), text))
        keys.append((m.group(1).split("/"), (m.group(2) or "asc").lower() == "desc"))
    return keys


def _sort_value(value):
    # None first (as Graph sorts nulls low), then by type, then by value
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value.lower())
    return (4, str(value))


def apply_orderby(items, keys):
    out = list(items)
    for path, desc in reversed(keys):          # stable sorts, last key first
        out.sort(key=lambda o, p=path: _sort_value(_lookup(o, p)), reverse=desc)
    return out


def parse_count(text):
    if text.lower() not in ("true", "false"):
        raise QueryError("Invalid value '%s' for $count query option found. The $count query "
                         "option requires a Boolean value." % text)
    return text.lower() == "true"


def matches_search(obj, text, props):
    """$search="prop:words" or "words": every word in one of @props, without case."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise QueryError("Syntax error: character '%s' is not valid at position 0 in '%s'."
                         % (text[:1], text))
    text = text[1:-1]
    prop, colon, words = text.partition(":")
    fields = [prop] if colon and prop in props else props
    words = words if colon else text
    hay = " ".join(str(obj.get(f) or "") for f in fields).lower()
    return all(w in hay for w in words.lower().split())


# Query options Graph knows; any other $-option is refused, others are ignored.
SYSTEM_OPTIONS = {"$select", "$filter", "$top", "$skiptoken", "$expand", "$orderby", "$count",
                  "$search", "$skip", "$format", "$deltatoken"}


def check_options(query, allowed):
    for key in query:
        if not key.startswith("$"):
            continue                       # Graph ignores parameters it does not know
        if key not in SYSTEM_OPTIONS:
            raise QueryError("Unrecognized query argument specified: '%s'." % key)
        if key not in allowed:
            raise QueryError("'%s' is not supported by the service." % key)
