#!/usr/bin/env bash
# SIGKILL during apply, at random moments: the repository stays consistent
# (git fsck --strict, no lock in the way), and applying the same plan again
# either finishes it or refuses it as stale; no write is ever sent twice.
. "$(dirname "$0")/lib.sh"

KILLS=${DW_KILLS:-6}
CA=/v1.0/identity/conditionalAccess/policies
BRANCH=tenants/contoso

sample_deployment
git_() { git -C state.git "$@"; }
sed -i "s/^client_id = .*/client_id = $SAMPLE_WRITER/" driftward.ini
printf '%s' "$SAMPLE_WRITER_SECRET" | "$DW_BIN" --config driftward.ini secret set contoso \
	>/dev/null 2>&1 || fail "secret set failed"
printf 'read_only = false\n' >>driftward.ini

"$DW_BIN" --config driftward.ini snapshot >/dev/null 2>&1 || fail "the first snapshot failed"
git clone -q state.git work
mkdir -p work/desired/contoso
git_ archive "$BRANCH" conditionalAccessPolicies | tar -x -C work/desired/contoso
git -C work add -A
git -C work -c user.name=admin -c user.email=admin@example.com commit -qm "desired state"
git -C work push -q origin HEAD:main
ids=$(git_ ls-tree --name-only "$BRANCH:conditionalAccessPolicies" | sed 's/.*--//; s/\.json$//')
[ "$(wc -l <<<"$ids")" -ge 3 ] || fail "too few policies: $ids"

# Every write path the emulator logged, and none twice since the last drift.
sent_twice() {
	python3 -c '
import json, sys, collections
seen = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("method") == "PATCH":
        seen[r["path"]] += 1
print(" ".join(p for p, n in seen.items() if n > 1))' "$EMU_LOG"
}

# Killed while a PATCH is in flight (Graph takes 2 s to apply it): the write
# takes effect only after the next apply has read the tenant, so the tenant
# alone can't tell; the journal makes that apply refuse the plan.
id=$(head -1 <<<"$ids")
graph_write PATCH "$CA/$id" '{"displayName":"drift in flight"}'
"$DW_BIN" --config driftward.ini plan -t contoso -o plan.json >/dev/null 2>&1 || fail "plan failed"
set_faults '{"rules":[{"method":"PATCH","path":"/beta/*","latency_ms":2000,"times":1}]}'
: >"$EMU_LOG"
"$DW_BIN" --config driftward.ini apply plan.json >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 50); do
	grep -q '"PATCH"' "$EMU_LOG" 2>/dev/null && break
	[ -e state.git/driftward-restore-contoso.journal ] && break
	sleep 0.05
done
sleep 0.3
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
run 1 "$DW_BIN" --config driftward.ini apply plan.json
contains "$err" "stale"
sleep 2
[ -z "$(sent_twice)" ] || fail "the write in flight was sent again: $(sent_twice)"
git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck failed after the kill"

# PATCHes are slow, so kills land before, between and after them.
set_faults '{"rules":[{"method":"PATCH","path":"/beta/*","latency_ms":150}]}'
refused=0 finished=0
for i in $(seq 1 "$KILLS"); do
	for id in $ids; do
		graph_write PATCH "$CA/$id" "{\"displayName\":\"drift $i $id\"}"
	done
	"$DW_BIN" --config driftward.ini plan -t contoso -o plan.json >/dev/null 2>&1 ||
		fail "plan failed (round $i)"
	: >"$EMU_LOG"
	"$DW_BIN" --config driftward.ini apply plan.json >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.2 + 1.2 * r / 32768 }')"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck failed after kill $i"
	status=0
	"$DW_BIN" --config driftward.ini apply plan.json >apply.out 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		grep -q "stale" apply.out || fail "re-apply neither finished nor refused as stale: $(cat apply.out)"
		refused=$((refused + 1))
	else
		finished=$((finished + 1))
	fi
	[ -z "$(sent_twice)" ] || fail "sent twice after kill $i: $(sent_twice)"
	tests_run=$((tests_run + 1))
done
set_faults '{}'
echo "after $KILLS kills: $refused re-applies refused as stale, $finished finished"

# Whatever the kills left, a new plan and apply put everything back, and the
# snapshot after it matches desired state.
run 0 "$DW_BIN" --config driftward.ini plan -t contoso -o final.json
run 0 "$DW_BIN" --config driftward.ini apply final.json
run 0 "$DW_BIN" --config driftward.ini plan -t contoso
contains "$out" "contoso: 0 requests"
[ -z "$(git_ diff "main:desired/contoso/conditionalAccessPolicies" "$BRANCH:conditionalAccessPolicies")" ] ||
	fail "the tenant's branch does not show desired state after the final apply"
git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck failed at the end"
finish
