#!/usr/bin/env bash
# Every collector the catalog restores can be written in the emulator: its
# route (path and API version) takes the catalog's restore method (PATCH or
# PUT) on an item or singleton, so restore tests reach Graph's behaviour for
# all of them, not for a few.
. "$(dirname "$0")/lib.sh"

python3 - "$DW_SOURCE_DIR/config/collectors.yaml" "$EMULATOR_DIR/routes.json" <<'PY' ||
import json, re, sys
catalog, routes = sys.argv[1:]
doc = json.load(open(routes))
defaults = doc.get("defaults", {}).get("methods", {})
cols, cur = [], None
# the catalog's layout is fixed (two-space list items, four-space keys):
# enough to read name, graph, api and restore method without a YAML parser
for line in open(catalog):
    m = re.match(r"  - name: (\S+)", line)
    if m:
        cur = {"name": m.group(1), "api": "v1.0", "method": "none"}
        cols.append(cur)
        continue
    for key, pat in (("graph", r"    graph: (\S+)"), ("api", r"    api: (\S+)"),
                     ("method", r"      method: (\S+)")):
        m = re.match(pat, line)
        if m and cur is not None:
            cur[key] = m.group(1)
writable = [c for c in cols if c["method"].lower() != "none"]
problems = []
for c in writable:
    route = next((r for r in doc["routes"] if r["path"].lower() == c["graph"].lower()
                  and c["api"] in r.get("versions", [r.get("version")])), None)
    if route is None:
        problems.append("%s: no route for %s %s" % (c["name"], c["api"], c["graph"]))
        continue
    methods = dict(defaults)
    methods.update(route.get("methods") or {})
    kind = "singleton" if route.get("kind") == "singleton" else "item"
    if c["method"].upper() not in [m.upper() for m in methods.get(kind, [])]:
        problems.append("%s: the route's %s takes %s, not %s"
                        % (c["name"], kind, methods.get(kind), c["method"]))
if len(writable) < 50:
    problems.append("only %d writable collectors found: the catalog parse is broken" % len(writable))
print("\n".join(problems) or "%d writable collectors, all writable in the emulator" % len(writable))
sys.exit(1 if problems else 0)
PY
	fail "the emulator can't write every collector the catalog restores"
tests_run=1
finish
