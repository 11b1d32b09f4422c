#!/usr/bin/env bash
# Snapshot memory against tenant size (issue 10): a generated tenant of Intune
# objects with their assignments (gen_state.py --service intune, every Intune
# route), snapshotted once per size by driftward against the emulator. Prints
# wall time and peak RSS per size, first and unchanged snapshot, and the ratio
# of the largest to the smallest size's peak. Also, from the debug log: the
# peak RSS once every read is staged (before drift is evaluated, whose memory
# is issue 11's) and the parsed pages the Graph client held at once (a page per
# read under way, not whole collections).
#
# usage: tests/bench/coverage/bench.sh [BUILD_DIR | DRIFTWARD_BINARY]
# Environment: SIZES ("10000 50000"), PAGE_SIZE (100).
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
arg=${1:-$top/build/gcc}
if [ -d "$arg" ]; then bin=$(realpath "$arg/agent/driftward"); else bin=$(realpath "$arg"); fi
sizes=${SIZES:-10000 50000}
page=${PAGE_SIZE:-100}
tenant=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
client=2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
emu=$top/tests/graph-emulator
routes=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["routes"]
print(sum(1 for x in r if x.get("service") == "intune" and "audit" not in x["path"].lower()))' \
	"$emu/routes.json")

work=$(mktemp -d /tmp/dw-coverage-bench-XXXXXX)
emu_pid=
stop_emulator() {
	[ -z "$emu_pid" ] || { kill "$emu_pid"; wait "$emu_pid"; } 2>/dev/null || true
	emu_pid=
}
cleanup() {
	stop_emulator
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

first=
first_next=
for n in $sizes; do
	rm -rf state state.git port ca driftward.ini key.txt contoso.age
	python3 "$emu/gen_state.py" --objects "$n" --collectors "$routes" --service intune \
		--out state --seed 1 >/dev/null 2>&1
	python3 "$emu/emulator.py" --state state --port-file port --ca-dir ca --page-size "$page" \
		>emulator.out 2>&1 &
	emu_pid=$!
	for _ in $(seq 300); do [ -s port ] && break; sleep 0.1; done
	[ -s port ] || { cat emulator.out >&2; exit 1; }
	base=https://127.0.0.1:$(cat port)
	cat >driftward.ini <<INI
[agent]
state_repo = state.git
key_file = key.txt
graph_url = $base
login_url = $base
ca_file = ca/ca.pem

[tenant contoso]
tenant_id = $tenant
client_id = $client
secret_file = contoso.age
INI
	"$bin" --config driftward.ini init >/dev/null 2>&1
	printf 'demo-secret-not-real' | "$bin" --config driftward.ini secret set contoso >/dev/null 2>&1
	measure() { # measure: one snapshot; sets $wall and $kb (peak RSS)
		local status=0
		/usr/bin/time -f "%e %M" -o time.out "$bin" --config driftward.ini -vv snapshot \
			>cmd.out 2>&1 || status=$?
		[ "$status" -le 3 ] || { tail -20 cmd.out time.out >&2; exit 1; }
		read -r wall kb < <(tail -1 time.out)
		read_kb=$(sed -n 's/.*read and staged; peak RSS so far \([0-9]*\) KiB.*/\1/p' cmd.out)
		pages=$(sed -n 's/.*at most \([0-9]*\) bytes of parsed pages held at once.*/\1/p' cmd.out)
	}
	detail() { # the read's part of the peak, and the parsed pages held at once
		printf '        read and staged: peak RSS %6.1f MiB, parsed pages held at once %.1f MiB\n' \
			"$(echo "${read_kb:-0} / 1024" | bc -l)" "$(echo "${pages:-0} / 1048576" | bc -l)"
	}
	measure
	files=$(git -C state.git ls-tree -r --name-only tenants/contoso | wc -l)
	printf '%6d objects (%d Intune routes), first snapshot: wall %6.2f s, peak RSS %6.1f MiB, %d files\n' \
		"$n" "$routes" "$wall" "$(echo "$kb / 1024" | bc -l)" "$files"
	detail
	[ -n "$first" ] || { first=$kb first_read=$read_kb; }
	last=$kb last_read=$read_kb
	measure
	printf '%6d objects, next snapshot (nothing changed):  wall %6.2f s, peak RSS %6.1f MiB\n' \
		"$n" "$wall" "$(echo "$kb / 1024" | bc -l)"
	detail
	[ -n "$first_next" ] || first_next=$kb
	last_next=$kb
	stop_emulator
done
printf 'peak RSS ratio, largest to smallest tenant: first snapshot %.2f (read and staged %.2f), next snapshot %.2f\n' \
	"$(echo "$last / $first" | bc -l)" "$(echo "${last_read:-0} / ${first_read:-1}" | bc -l)" \
	"$(echo "$last_next / $first_next" | bc -l)"
