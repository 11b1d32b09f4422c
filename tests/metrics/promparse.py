#!/usr/bin/env python3
"""A strict parser of the Prometheus text exposition format (0.0.4), and a
check of driftward's metrics file against what docs/operating.md promises.

    promparse.py check FILE [--tenant NAME]... [--require FAMILY]...
                                                parse FILE, check driftward's families
    promparse.py parse FILE                     parse only (any exposition)
    promparse.py selftest                       the parser rejects what it must

Strict where node_exporter and Prometheus are lenient or where a lenient
reading would hide a bug of ours: every family has exactly one HELP and one
TYPE line, both before its first sample; a family's samples are contiguous;
no series appears twice; label values use only the escapes \\\\, \\" and \\n;
HELP text only \\\\ and \\n; the file ends with a newline and has no blank
lines. Standard library only.
"""
import math
import re
import sys

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count", "")}


class ParseError(Exception):
    def __init__(self, lineno, msg):
        super().__init__(f"line {lineno}: {msg}")


class Family:
    def __init__(self, name):
        self.name = name
        self.help = None
        self.type = None
        self.samples = []  # (labels dict, value)
        self.closed = False


def unescape(text, allowed, lineno):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in allowed:
                raise ParseError(lineno, f"bad escape in {text!r}")
            out.append({"\\": "\\", "n": "\n", '"': '"'}[text[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_value(text, lineno):
    if text in ("NaN", "+Inf", "-Inf"):
        return {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}[text]
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ParseError(lineno, f"bad value {text!r}")
    return float(text)


def parse_labels(text, pos, lineno):
    """Labels from text[pos] == '{'; returns (dict, position after '}')."""
    labels = {}
    pos += 1
    while True:
        if text.startswith("}", pos):
            return labels, pos + 1
        m = LABEL_NAME.match(text, pos)
        if not m:
            raise ParseError(lineno, f"bad label name at column {pos + 1}")
        name = m.group(0)
        if name.startswith("__"):
            raise ParseError(lineno, f"reserved label name {name}")
        if name in labels:
            raise ParseError(lineno, f"label {name} twice")
        pos = m.end()
        if not text.startswith('="', pos):
            raise ParseError(lineno, f"label {name}: expected =\"")
        m = re.compile(r'((?:[^"\\\n]|\\.)*)"').match(text, pos + 2)
        if not m:
            raise ParseError(lineno, f"label {name}: unterminated value")
        labels[name] = unescape(m.group(1), '\\n"', lineno)
        pos = m.end()
        if text.startswith(",", pos):
            pos += 1
            if text.startswith("}", pos):
                raise ParseError(lineno, "trailing comma in labels")
        elif not text.startswith("}", pos):
            raise ParseError(lineno, f"expected , or }} at column {pos + 1}")


def family_of(families, sample_name):
    if sample_name in families:
        return families[sample_name]
    for fam in families.values():
        for suffix in SUFFIXES.get(fam.type, ()):
            if suffix and sample_name == fam.name + suffix:
                return fam
    return None


def parse_comment(line, lineno, families, order):
    parts = line.split(" ", 3)
    if len(parts) < 3 or parts[1] not in ("HELP", "TYPE"):
        return  # a plain comment
    kind, name = parts[1], parts[2]
    if not METRIC_NAME.fullmatch(name):
        raise ParseError(lineno, f"bad metric name {name!r}")
    fam = families.get(name)
    if fam is None:
        fam = families[name] = Family(name)
        order.append(name)
    if fam.samples:
        raise ParseError(lineno, f"{kind} of {name} after its samples")
    rest = parts[3] if len(parts) > 3 else ""
    if kind == "HELP":
        if fam.help is not None:
            raise ParseError(lineno, f"second HELP for {name}")
        fam.help = unescape(rest, "\\n", lineno)
    else:
        if fam.type is not None:
            raise ParseError(lineno, f"second TYPE for {name}")
        if rest not in TYPES:
            raise ParseError(lineno, f"bad type {rest!r} for {name}")
        fam.type = rest


def parse_sample(line, lineno, families, series, last):
    m = METRIC_NAME.match(line)
    if not m:
        raise ParseError(lineno, "expected a metric name")
    name, pos = m.group(0), m.end()
    labels = {}
    if line.startswith("{", pos):
        labels, pos = parse_labels(line, pos, lineno)
    if not line.startswith(" ", pos):
        raise ParseError(lineno, "expected one space before the value")
    fields = line[pos + 1:].split(" ")
    if len(fields) not in (1, 2) or "" in fields:
        raise ParseError(lineno, "expected a value and an optional timestamp")
    value = parse_value(fields[0], lineno)
    if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
        raise ParseError(lineno, f"bad timestamp {fields[1]!r}")
    fam = family_of(families, name)
    if fam is None or fam.type is None:
        raise ParseError(lineno, f"sample of {name} before its TYPE line")
    if fam.closed:
        raise ParseError(lineno, f"samples of {fam.name} are split")
    if last is not None and last is not fam:
        last.closed = True
    key = (name, tuple(sorted(labels.items())))
    if key in series:
        raise ParseError(lineno, f"series {name}{labels} twice")
    series.add(key)
    fam.samples.append((name, labels, value))
    return fam


def parse(text):
    """The families of @text, in order: {name: Family}. Raises ParseError."""
    if text and not text.endswith("\n"):
        raise ParseError(text.count("\n") + 1, "no newline at the end")
    families, order, series, last = {}, [], set(), None
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line == "":
            raise ParseError(lineno, "blank line")
        if line != line.strip(" \t"):
            raise ParseError(lineno, "leading or trailing white space")
        if line.startswith("#"):
            if last is not None:
                last.closed = True
            parse_comment(line, lineno, families, order)
        else:
            last = parse_sample(line, lineno, families, series, last)
    for name in order:
        fam = families[name]
        if fam.help is None or fam.help == "":
            raise ParseError(0, f"{name} has no HELP text")
        if fam.type is None:
            raise ParseError(0, f"{name} has no TYPE")
    return {name: families[name] for name in order}


# driftward's families: name -> label names, all gauges (docs/operating.md).
EXPECTED = {
    "driftward_run_start_timestamp_seconds": (),
    "driftward_run_duration_seconds": (),
    "driftward_run_graph_requests": (),
    "driftward_run_graph_throttled_requests": (),
    "driftward_run_graph_retries": (),
    "driftward_run_graph_retry_wait_seconds": (),
    "driftward_tenant_last_run_timestamp_seconds": ("tenant",),
    "driftward_tenant_last_success_timestamp_seconds": ("tenant",),
    "driftward_tenant_result": ("tenant", "result"),
    "driftward_tenant_objects_changed": ("tenant", "change"),
    "driftward_collector_objects": ("tenant", "collector"),
    "driftward_collector_complete": ("tenant", "collector", "status"),
    "driftward_drift_evaluated": ("tenant",),
    "driftward_drift_findings": ("tenant", "severity", "status"),
    "driftward_push_result": ("tenant", "result"),
}
OPTIONAL = {
    "driftward_run_graph_answers": ("class",),
    # remediation: only when some tenant has remediate = plan or apply
    "driftward_remediate_result": ("tenant", "mode", "result"),
    "driftward_remediate_requests": ("tenant", "mode"),
    "driftward_remediate_writes": ("tenant", "status"),
    # notifications: only when a [notify NAME] channel is configured
    "driftward_notify_sent": ("channel",),
    "driftward_notify_failed": ("channel",),
    "driftward_notify_retries": ("channel",),
}
# families that come all together or not at all
GROUPS = [
    ("driftward_remediate_result", "driftward_remediate_requests", "driftward_remediate_writes"),
    ("driftward_notify_sent", "driftward_notify_failed", "driftward_notify_retries"),
]
STATE_SETS = {
    "driftward_tenant_result": ("ok", "drift", "incomplete", "error", "skipped"),
    "driftward_push_result": ("disabled", "ok", "failed"),
}
# label values a family may have
LABEL_VALUES = {
    ("driftward_remediate_result", "mode"): ("plan", "apply"),
    ("driftward_remediate_result", "result"):
        ("none", "nothing", "planned", "applied", "refused", "failed"),
    ("driftward_remediate_requests", "mode"): ("plan", "apply"),
    ("driftward_remediate_writes", "status"): ("applied", "failed"),
}


def check_remediation(families):
    """Each remediating tenant has one mode and exactly one result; its counts are whole."""
    problems = []
    results = {}
    for _, labels, value in families.get("driftward_remediate_result", Family("")).samples:
        results.setdefault((labels["tenant"], labels["mode"]), []).append(value)
    modes = {}
    for tenant, mode in results:
        modes.setdefault(tenant, set()).add(mode)
    for tenant, got in modes.items():
        if len(got) != 1:
            problems.append(f"driftward_remediate_result: tenant {tenant} has modes {got}")
    for key, values in results.items():
        if len(values) != 6 or sorted(values) != [0] * 5 + [1]:
            problems.append(f"driftward_remediate_result: {key} is not one result: {values}")
    for name in ("driftward_remediate_requests", "driftward_remediate_writes"):
        for _, labels, value in families.get(name, Family("")).samples:
            if value != int(value) or labels["tenant"] not in modes:
                problems.append(f"{name}{labels}: {value} (tenant without a result?)")
    return problems


def check_driftward(families, tenants, required=()):
    problems = []
    for name in required:
        if name not in families:
            problems.append(f"missing family {name} (required)")
    for group in GROUPS:
        present = [n for n in group if n in families]
        if present and len(present) != len(group):
            problems.append(f"families {group} come together; only {present} here")
    problems += check_remediation(families)
    for name, fam in families.items():
        want = EXPECTED.get(name, OPTIONAL.get(name))
        if want is None:
            problems.append(f"unexpected family {name}")
            continue
        if fam.type != "gauge":
            problems.append(f"{name} is a {fam.type}, not a gauge")
        # docs/operating.md quotes them: a sentence, capitalised and ended
        if not re.fullmatch(r"[A-Z0-9].*[.)]", fam.help or ""):
            problems.append(f"{name}: HELP {fam.help!r} is not a sentence")
        for _, labels, value in fam.samples:
            if tuple(labels) != want:
                problems.append(f"{name}: labels {tuple(labels)}, expected {want}")
            for label, v in labels.items():
                allowed = LABEL_VALUES.get((name, label))
                if allowed and v not in allowed:
                    problems.append(f"{name}: {label}={v!r} is not one of {allowed}")
            if value < 0 or math.isnan(value):
                problems.append(f"{name}{labels}: value {value}")
    for name in EXPECTED:
        if name not in families:
            problems.append(f"missing family {name}")
    for name, states in STATE_SETS.items():
        for tenant in tenants:
            got = {l["result"]: v for _, l, v in families.get(name, Family(name)).samples
                   if l.get("tenant") == tenant}
            if sorted(got) != sorted(states) or sorted(got.values()) != [0] * (len(states) - 1) + [1]:
                problems.append(f"{name}: tenant {tenant} is not one state of {states}: {got}")
    for tenant in tenants:
        got = [s for s in families.get("driftward_tenant_last_run_timestamp_seconds",
                                       Family("")).samples if s[1].get("tenant") == tenant]
        if len(got) != 1:
            problems.append(f"tenant {tenant}: {len(got)} last-run samples")
    return problems


BAD = [
    ("no newline", "# HELP a A.\n# TYPE a gauge\na 1"),
    ("no HELP", "# TYPE a gauge\na 1\n"),
    ("empty HELP", "# HELP a \n# TYPE a gauge\na 1\n"),
    ("no TYPE", "# HELP a A.\na 1\n"),
    ("TYPE after sample", "# HELP a A.\na 1\n# TYPE a gauge\n"),
    ("second HELP", "# HELP a A.\n# HELP a B.\n# TYPE a gauge\na 1\n"),
    ("bad type", "# HELP a A.\n# TYPE a gauge2\na 1\n"),
    ("split family", "# HELP a A.\n# TYPE a gauge\n# HELP b B.\n# TYPE b gauge\n"
     "a{x=\"1\"} 1\nb 1\na{x=\"2\"} 1\n"),
    ("duplicate series", "# HELP a A.\n# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n"),
    ("bad escape", "# HELP a A.\n# TYPE a gauge\na{x=\"\\t\"} 1\n"),
    ("unescaped quote", "# HELP a A.\n# TYPE a gauge\na{x=\"\"\"} 1\n"),
    ("label twice", "# HELP a A.\n# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n"),
    ("bad value", "# HELP a A.\n# TYPE a gauge\na 1,5\n"),
    ("two spaces", "# HELP a A.\n# TYPE a gauge\na  1\n"),
    ("blank line", "# HELP a A.\n# TYPE a gauge\n\na 1\n"),
    ("bad metric name", "# HELP 1a A.\n# TYPE 1a gauge\n1a 1\n"),
    ("trailing comma", "# HELP a A.\n# TYPE a gauge\na{x=\"1\",} 1\n"),
    ("bad HELP escape", "# HELP a A\\\"b.\n# TYPE a gauge\na 1\n"),
]
GOOD = "# HELP a A \\\\ b\\n.\n# TYPE a gauge\na{x=\"q\\\"\\\\\\n\",y=\"\"} -1.5e3\na 1 1700000000000\n"


def selftest():
    for what, text in BAD:
        try:
            parse(text)
        except ParseError:
            continue
        print(f"selftest: accepted a file with {what}", file=sys.stderr)
        return 1
    fam = parse(GOOD)["a"]
    if fam.help != "A \\ b\n." or fam.samples[0][1] != {"x": 'q"\\\n', "y": ""}:
        print(f"selftest: misread {fam.help!r} {fam.samples}", file=sys.stderr)
        return 1
    print(f"selftest: {len(BAD)} bad files rejected, the good one read")
    return 0


def main(argv):
    if argv[1:] == ["selftest"]:
        return selftest()
    if len(argv) < 3 or argv[1] not in ("check", "parse"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as f:
        text = f.read()
    try:
        families = parse(text)
    except ParseError as e:
        print(f"{argv[2]}: {e}", file=sys.stderr)
        return 1
    if argv[1] == "parse":
        return 0
    tenants = [argv[i + 1] for i in range(3, len(argv) - 1) if argv[i] == "--tenant"]
    required = [argv[i + 1] for i in range(3, len(argv) - 1) if argv[i] == "--require"]
    problems = check_driftward(families, tenants, required)
    for p in problems:
        print(f"{argv[2]}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
