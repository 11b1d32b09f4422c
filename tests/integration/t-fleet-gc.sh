#!/usr/bin/env bash
# Who rolls the packs up (issue 15): a run of one tenant does it after its
# commit when packs pass the limit, like git's gc.auto; a run of many tenants
# only compacts small packs beside its other tenants and leaves the roll-up,
# which needs the store alone and would add its memory to the run's peak, to
# `driftward gc --auto` in a process of its own (the units and jobs run it
# before each run).
. "$(dirname "$0")/lib.sh"

start_emulator "$EMULATOR_DIR/sample" --fleet 3
fleet_config driftward.ini 3 "collectors = conditionalAccessPolicies, namedLocations, organization"
run 0 "$DW_BIN" --config driftward.ini init --baselines "$DW_SOURCE_DIR/baselines"
fleet_secret driftward.ini

packs() { find state.git/objects/pack -name '*.idx' | wc -l; }
# small_packs N: N packs of one object each, as a long run of commits leaves them
small_packs() {
	local i id
	for i in $(seq 1 "$1"); do
		id=$(echo "small pack $RANDOM $i" | git --git-dir=state.git hash-object -w --stdin)
		echo "$id" | git --git-dir=state.git pack-objects -q state.git/objects/pack/pack >/dev/null
		rm "state.git/objects/${id:0:2}/${id:2}"
	done
}

small_packs 60
run 0 "$DW_BIN" --config driftward.ini snapshot -t fleet00000
contains "$out" "fleet00000: committed"
[ "$(packs)" -le 3 ] || fail "a one-tenant run left $(packs) packs: no roll-up"
run 0 "$DW_BIN" --config driftward.ini snapshot -t fleet00001
contains "$out" "fleet00001: committed"

# Only fleet00002 commits, and last: its answers are slow, so the other two
# are done and the store is free when it commits, as at the end of a fleet run.
small_packs 120
set_faults '{"rules":[{"tenant":"f1ee7000-0000-4000-8000-000000000002","latency_ms":1000}]}'
run 0 "$DW_BIN" --config driftward.ini snapshot
contains "$out" "fleet00002: committed"
lacks "$out" "fleet00000: committed"
# its commit may merge 16 small packs; a roll-up would leave 3 at most
[ "$(packs)" -gt 50 ] || fail "a three-tenant run rolled the packs up ($(packs) left)"
git --git-dir=state.git fsck --strict --no-progress || fail "fsck after the run"

run 0 "$DW_BIN" --config driftward.ini gc --auto
contains "$out" "rolled up into one pack"
[ "$(packs)" -le 3 ] || fail "gc --auto left $(packs) packs"
git --git-dir=state.git fsck --strict --no-progress || fail "fsck after gc --auto"
finish
