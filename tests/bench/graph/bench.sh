#!/usr/bin/env bash
# Graph client benchmark (issue 5): 20,000 objects in 30 collectors of one
# tenant, served by the emulator with 50 ms latency per request and pages of
# 100, read at once by the client. Prints the wall time, the bound
#   max(longest chain of pages x latency, requests x latency / concurrency)
# and their ratio (target: 1.3 or less).
#
# usage: tests/bench/graph/bench.sh [BUILD_DIR] [CONCURRENCY...]
#   BUILD_DIR defaults to build/gcc (configured and built); CONCURRENCY to "16 4".
# Environment: OBJECTS, COLLECTORS, LATENCY_MS, PAGE_SIZE, RUNS (best of, 3),
# EXPAND (1: Intune objects with their assignments, as the catalog reads them);
# WARM_CONNECTIONS=1 opens as many connections as requests may run at once
# before timing (the token is always fetched before); EMU_LOG=FILE keeps the
# emulator's request log; BENCH_WRAP="perf record -g" runs the client under it.
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:-$top/build/gcc}" && pwd)
shift || true
levels=${*:-16 4}
objects=${OBJECTS:-20000}
collectors=${COLLECTORS:-30}
latency_ms=${LATENCY_MS:-50}
page=${PAGE_SIZE:-100}
runs=${RUNS:-3}
tenant=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
client=2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
emu=$top/tests/graph-emulator

work=$(mktemp -d /tmp/dw-graph-bench-XXXXXX)
emu_pid=
cleanup() {
	[ -z "$emu_pid" ] || { kill "$emu_pid"; wait "$emu_pid"; } 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The bench program, against the built library.
[ -f "$build/lib/libdriftward.a" ] || { echo "build $build first" >&2; exit 1; }
cc -std=c11 -O2 -D_GNU_SOURCE -I"$top/lib/include" -o "$work/graph-bench" \
	"$top/tests/bench/graph/bench.c" "$build/lib/libdriftward.a" \
	$(pkg-config --libs libcurl libcrypto libgit2 yaml-0.1 inih) -lpthread

python3 "$emu/gen_state.py" --objects "$objects" --collectors "$collectors" \
	--out "$work/state" --seed 1 >/dev/null 2>&1
# The collectors: every state file but the audit logs that come along.
(cd "$work/state/$tenant" && find . -name '*.json' ! -name _tenant.json | sort) |
	python3 -c '
import json, sys
skip = ("/v1.0/auditLogs/directoryAudits", "/v1.0/deviceManagement/auditEvents")
for f in sys.stdin.read().split():
    rel = f[1:-5]
    if rel in skip:
        continue
    version, path = rel[1:].split("/", 1)
    doc = json.load(open(sys.argv[1] + "/" + f))
    kind = "list" if isinstance(doc, dict) and isinstance(doc.get("value"), list) else "singleton"
    print(version, "/" + path, kind)
' "$work/state/$tenant" >"$work/collectors.txt"
# Intune objects are read with their assignments (and compliance policies with
# their actions), as the catalog reads them; EXPAND=0 reads the bare objects.
if [ "${EXPAND:-1}" = 1 ]; then
	python3 - "$work/state/$tenant" "$work/collectors.txt" "$emu/routes.json" <<'PY'
import json, sys
tdir, listing, routes = sys.argv[1:]
# where Graph refuses the expand over the list, the catalog reads assignments per object
refused = {r["path"] for r in json.load(open(routes))["routes"]
           if "assignments" in r.get("list_expand_refused", [])}
out = []
for line in open(listing):
    version, path, kind = line.split()
    doc = json.load(open("%s/%s%s.json" % (tdir, version, path)))
    items = doc.get("value") if isinstance(doc.get("value"), list) else []
    if any("assignments" in o for o in items[:1]) and path not in refused:
        path += "?$expand=assignments"
        if any("scheduledActionsForRule" in o for o in items[:1]):
            path += ",scheduledActionsForRule($expand=scheduledActionConfigurations)"
    out.append("%s %s %s\n" % (version, path, kind))
open(listing, "w").writelines(out)
PY
fi

echo "{\"latency_ms\": $latency_ms}" >"$work/faults.json"
python3 "$emu/emulator.py" --state "$work/state" --port-file "$work/port" \
	--ca-dir "$work/ca" --page-size "$page" --faults "$work/faults.json" ${EMU_LOG:+--log "$EMU_LOG"} \
	>"$work/emulator.out" 2>&1 &
emu_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/emulator.out" >&2; exit 1; }
base=https://127.0.0.1:$(cat "$work/port")

echo "graph bench: $objects objects, $(wc -l <"$work/collectors.txt") collectors," \
	"latency $latency_ms ms, page size $page, best of $runs runs"
for c in $levels; do
	best=
	for _ in $(seq "$runs"); do
		line=$(${BENCH_WRAP:-} "$work/graph-bench" "$base" "$work/ca/ca.pem" "$tenant" "$client" \
			demo-secret-not-real "$c" <"$work/collectors.txt")
		wall=$(sed -n 's/.*wall=\([0-9.]*\).*/\1/p' <<<"$line")
		if [ -z "$best" ] || python3 -c "import sys; sys.exit(not $wall < $best)"; then
			best=$wall
			best_line=$line
		fi
	done
	python3 - "$best_line" "$c" "$latency_ms" <<'PY'
import sys
f = dict(kv.split("=") for kv in sys.argv[1].split())
c, lat = int(sys.argv[2]), int(sys.argv[3]) / 1000.0
req, chain, wall = int(f["requests"]), int(f["chain"]), float(f["wall"])
bound = max(chain * lat, req * lat / c)
print("concurrency %2d: %s objects, %d requests, longest chain %d pages, wall %.3f s, "
      "bound %.3f s (max(%d x %.3f, %d x %.3f / %d)), ratio %.2f"
      % (c, f["objects"], req, chain, wall, bound, chain, lat, req, lat, c, wall / bound))
if int(f["failed"]):
    sys.exit("failed collectors: " + f["failed"])
PY
done
