#!/usr/bin/env bash
# Nightly-style crash benchmark (not part of make test): SIGKILL during
# snapshots that each change 500 objects, at DW_KILLS (default 30) random
# moments. After every kill the repository passes git fsck --strict, the
# branch never points at a partial tree, and the next run is not blocked.
# Prints the run time, the kills and the time fsck took.
# usage: tests/bench/kill/bench.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:-$top/build/gcc}" && pwd)
export DW_BIN=$build/agent/driftward DW_SOURCE_DIR=$top
[ -x "$DW_BIN" ] || { echo "build $build first" >&2; exit 1; }
. "$top/tests/integration/lib.sh"

KILLS=${DW_KILLS:-30}
OBJECTS=${DW_OBJECTS:-500}
DC=/beta/deviceManagement/deviceConfigurations

sample_deployment

# writes JSON-lines requests ("METHOD PATH BODY") over one keep-alive connection
BATCH_PY='
import http.client, json, ssl, sys, urllib.parse
url, ca, token = sys.argv[1:]
u = urllib.parse.urlsplit(url)
c = http.client.HTTPSConnection(u.hostname, u.port, context=ssl.create_default_context(cafile=ca))
h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
ids = []
for line in sys.stdin:
    method, path, body = line.rstrip("\n").split(" ", 2)
    c.request(method, path, body=body.encode(), headers=h)
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit("%s %s: %d %s" % (method, path, r.status, data[:200]))
    if method == "POST":
        ids.append(json.loads(data)["id"])
print("\n".join(ids))
'
graph_batch() {
	python3 -c "$BATCH_PY" "$EMU_URL" "$EMU_CA" "$(emulator_token "$SAMPLE_WRITER" "$SAMPLE_WRITER_SECRET")"
}

check_complete() {
	python3 - <<'PY' || fail "the branch points at a partial tree (after kill $1)"
import json, subprocess, sys
git = lambda *a: subprocess.run(["git", "-C", "state.git", *a], check=True,
                                capture_output=True, text=True).stdout
status = json.loads(git("show", "tenants/contoso:_status.json"))
files = git("ls-tree", "-r", "--name-only", "tenants/contoso").split()
for name, c in status["collectors"].items():
    have = sum(1 for f in files if f.startswith(name + "/"))
    if have != c["objects"]:
        sys.exit("%s: %d files, status says %d" % (name, have, c["objects"]))
PY
}

# change N: a new description on every one of the objects
change_all() {
	for id in $ids; do
		printf 'PATCH %s/%s {"@odata.type":"#microsoft.graph.windows10CustomConfiguration","description":"run %s"}\n' \
			"$DC" "$id" "$1"
	done | graph_batch >/dev/null
}

ids=$(for i in $(seq 1 "$OBJECTS"); do
	printf 'POST %s {"@odata.type":"#microsoft.graph.windows10CustomConfiguration","displayName":"Kill bench %d","description":"new","omaSettings":[]}\n' "$DC" "$i"
done | graph_batch)
[ "$(wc -w <<<"$ids")" -eq "$OBJECTS" ] || fail "could not create $OBJECTS objects"

"$DW_BIN" --config driftward.ini snapshot >/dev/null 2>&1 || true
change_all 0
start=$(date +%s%N)
"$DW_BIN" --config driftward.ini snapshot >/dev/null 2>&1 || true
span_ms=$((($(date +%s%N) - start) / 1000000 + 50))
subject=$(git -C state.git log -1 --format=%s tenants/contoso)
contains "$subject" "$OBJECTS changed" # the run really changes every object
echo "a snapshot changing $OBJECTS objects takes $span_ms ms ($subject); killing $KILLS of them"

fsck_ms=0
for i in $(seq 1 "$KILLS"); do
	change_all "$i"
	"$DW_BIN" --config driftward.ini snapshot >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v s="$span_ms" -v r="$RANDOM" 'BEGIN { printf "%.3f", s * r / 32768 / 1000 }')"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	t0=$(date +%s%N)
	git -C state.git fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck failed after kill $i"
	fsck_ms=$((fsck_ms + ($(date +%s%N) - t0) / 1000000))
	check_complete "$i"
done

run 0 "$DW_BIN" --config driftward.ini snapshot
contains "$(git -C state.git show "tenants/contoso:_status.json")" '"deviceConfigurations"'
check_complete final
git -C state.git fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck failed at the end"
echo "kill: $KILLS kills during $OBJECTS-object runs, git fsck --strict clean after each (mean $((fsck_ms / KILLS)) ms), no partial tree, next run unblocked"
