#!/usr/bin/env bash
# One slow or throttled tenant does not stall the others (issue 15): a run
# over 12 tenants of the emulator's fleet, four at a time (concurrency 4, two
# requests per tenant), where one tenant's every answer takes 1.5 s, or where
# Graph throttles it (429, Retry-After 2 s) a few times. The other eleven go
# through the run's window past it: each is done, committed and printed
# before the slow one, which ends last. (With tenants run in batches, the
# slow one would end its batch and hold the tenants after it until then.)
. "$(dirname "$0")/lib.sh"

TENANTS=12
SLOW=fleet00000
SLOW_ID=f1ee7000-0000-4000-8000-000000000000

start_emulator "$EMULATOR_DIR/sample" --fleet "$TENANTS"
fleet_config driftward.ini "$TENANTS" "collectors = conditionalAccessPolicies, namedLocations, organization" "concurrency = 4" "tenant_concurrency = 2"
run 0 "$DW_BIN" --config driftward.ini init --baselines "$DW_SOURCE_DIR/baselines"
fleet_secret driftward.ini

# slow_last: the run's tenants, each once, the slow one last
slow_last() {
	local lines
	lines=$(printf '%s\n' "$out" | grep '^fleet[0-9]*: ')
	[ "$(printf '%s\n' "$lines" | wc -l)" -eq "$TENANTS" ] || fail "not every tenant: $out"
	[ "$(printf '%s\n' "$lines" | cut -d: -f1 | sort -u | wc -l)" -eq "$TENANTS" ] ||
		fail "a tenant twice: $out"
	[ "$(printf '%s\n' "$lines" | tail -1 | cut -d: -f1)" = "$SLOW" ] ||
		fail "$1: the others waited for $SLOW: $out"
}

# slow: every answer to the tenant takes 1.5 s (the others' are immediate)
set_faults '{"rules":[{"tenant":"'$SLOW_ID'","latency_ms":1500}]}'
run 0 "$DW_BIN" --config driftward.ini snapshot
slow_last "a slow tenant"
contains "$out" "$SLOW: committed"

# throttled: Graph answers the tenant's reads 429 with Retry-After 2 s, four times
set_faults '{"rules":[{"tenant":"'$SLOW_ID'","path":"/v1.0/identity/*","status":429,
	"retry_after":"2","times":4}]}'
run 0 "$DW_BIN" --config driftward.ini snapshot
slow_last "a throttled tenant"
fired=$(curl -sf --cacert "$EMU_CA" "$EMU_URL/_emulator/faults" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"][0]["fired"])')
[ "$fired" -eq 4 ] || fail "the tenant was throttled $fired times, not 4"

finish
