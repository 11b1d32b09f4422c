#!/usr/bin/env bash
# SIGKILL during snapshots, at 50 random moments: the repository is never
# corrupt (git fsck --strict), the branch never points at a partial tree (every
# collector in _status.json has all its files), and no lock blocks the next run.
. "$(dirname "$0")/lib.sh"

POLICY=1f76663f-8330-4f68-a52f-ec142d752a6a
KILLS=${DW_KILLS:-50}

sample_deployment

# Every file the branch's _status.json promises is in the branch's tree.
check_complete() {
	git -C state.git rev-parse -q --verify refs/heads/tenants/contoso >/dev/null || return 0
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

# How long a run takes here, to spread the kills over it.
start=$(date +%s%N)
"$DW_BIN" --config driftward.ini snapshot >/dev/null 2>&1 || fail "the first snapshot failed"
span_ms=$((($(date +%s%N) - start) / 1000000 + 50))

for i in $(seq 1 "$KILLS"); do
	# each run has something to commit, so kills land in every phase
	graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" \
		"{\"displayName\":\"Block legacy authentication $i\"}"
	"$DW_BIN" --config driftward.ini snapshot >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v s="$span_ms" -v r="$RANDOM" 'BEGIN { printf "%.3f", s * r / 32768 / 1000 }')"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	git -C state.git fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck failed after kill $i"
	check_complete "$i"
	tests_run=$((tests_run + 1))
done

# No lock left in the way: the next run works and brings the branch up to date.
run 0 "$DW_BIN" --config driftward.ini snapshot
contains "$(git -C state.git ls-tree -r --name-only tenants/contoso)" \
	"block-legacy-authentication-$KILLS--$POLICY.json"
check_complete final
finish
