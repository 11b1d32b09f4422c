#!/usr/bin/env bash
# Restore benchmark (issue 12): driftward plan for a tenant of 20,000 objects
# whose desired state is the whole tenant, with 1,000 objects drifted. Prints
# wall time and peak memory of the plan with no drift (the read and the
# comparison) and with the drift (plus 1,000 requests, their bodies and the
# diff), and of the snapshot of the same tenant for reference. Target: under
# 2 s beyond the read.
#
# usage: tests/bench/restore/bench.sh [DRIFTWARD_BINARY]
# Environment: OBJECTS (20000), COLLECTORS (30), DRIFTED (1000).
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
bin=$(realpath "${1:-$top/build/gcc/agent/driftward}")
objects=${OBJECTS:-20000}
collectors=${COLLECTORS:-30}
drifted=${DRIFTED:-1000}
tenant=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
client=2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
emu=$top/tests/graph-emulator

work=$(mktemp -d /tmp/dw-restore-bench-XXXXXX)
emu_pid=
cleanup() {
	[ -z "$emu_pid" ] || { kill "$emu_pid"; wait "$emu_pid"; } 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

python3 "$emu/gen_state.py" --objects "$objects" --collectors "$collectors" --out state \
	--seed 1 >/dev/null 2>&1
python3 "$emu/emulator.py" --state state --port-file port --ca-dir ca >emulator.out 2>&1 &
emu_pid=$!
for _ in $(seq 100); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || { cat emulator.out >&2; exit 1; }
base=https://127.0.0.1:$(cat port)

cat >driftward.ini <<INI
[agent]
state_repo = state.git
key_file = key.txt
graph_url = $base
login_url = $base
ca_file = ca/ca.pem
catalog = $top/config/collectors.yaml

[tenant contoso]
tenant_id = $tenant
client_id = $client
secret_file = contoso.age
INI
dw() { "$bin" --config driftward.ini "$@"; }
dw init --baselines "$top/baselines" >/dev/null 2>&1
printf 'demo-secret-not-real' | dw secret set contoso >/dev/null 2>&1

measure() { # measure LABEL CMD...: wall seconds and peak RSS
	local status=0 label=$1
	shift
	/usr/bin/time -f "%e %M" -o time.out "$@" >cmd.out 2>&1 || status=$?
	[ "$status" -le 3 ] || { cat cmd.out time.out >&2; exit 1; }
	read -r wall kb < <(tail -1 time.out)
	printf '%-34s wall %6.2f s, peak %6.1f MB\n' "$label" "$wall" "$(echo "$kb / 1024" | bc -l)"
}

measure "snapshot (read, encode, commit)" "$bin" --config driftward.ini snapshot
# desired state: the whole tenant as the snapshot has it
git clone -q state.git desired
mkdir -p desired/desired/contoso
git -C state.git archive tenants/contoso | tar -x -C desired/desired/contoso
rm -f desired/desired/contoso/_*.json
git -C desired add -A
git -C desired -c user.name=b -c user.email=b@example.com commit -qm "desired state"
git -C desired push -q origin HEAD:main
files=$(git -C state.git ls-tree -r --name-only main -- desired | wc -l)

measure "plan, nothing drifted" "$bin" --config driftward.ini plan -t contoso -o plan0.json
grep -o 'contoso: [0-9]* request' cmd.out

# Drift: a changed displayName (or name) on $drifted objects, in the emulator's files.
python3 - "state/$tenant" "$drifted" <<'PY'
import json, os, sys
root, want = sys.argv[1], int(sys.argv[2])
done = 0
for dirpath, _, names in sorted(os.walk(root)):
    for n in sorted(names):
        path = os.path.join(dirpath, n)
        if done >= want or not n.endswith(".json") or n.startswith("_") or "audit" in path.lower():
            continue
        doc = json.load(open(path))
        items = doc.get("value") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            continue
        for o in items:
            for k in ("displayName", "name"):
                if done < want and isinstance(o.get(k), str):
                    o[k] += " (drifted)"
                    done += 1
                    break
        json.dump(doc, open(path, "w"))
print("drifted %d objects" % done)
PY
curl -sf --cacert ca/ca.pem -X POST -H 'Content-Type: application/json' -d '{}' \
	"$base/_emulator/reset" >/dev/null
measure "plan, $drifted drifted" "$bin" --config driftward.ini plan -t contoso -o plan1.json
grep -o 'contoso: [0-9]* request' cmd.out
echo "desired files: $files; plan file: $(wc -c <plan1.json) bytes"
