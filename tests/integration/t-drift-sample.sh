#!/usr/bin/env bash
# The shipped baselines on a real snapshot: driftward init seeds main with
# rules that compile (check says so), snapshot reads the emulator's sample
# tenant, and drift judges it with every rule evaluated (no error, no
# unknown). An admin's fix shows in the next report; first-seen dates stay.
. "$(dirname "$0")/lib.sh"

sample_deployment "max_retries = 1"
run 0 "$DW_BIN" --config driftward.ini check
contains "$out" "baselines on refs/heads/main: ok"

run 0 "$DW_BIN" --config driftward.ini snapshot
run 2 "$DW_BIN" --config driftward.ini drift -o reports
contains "$err" "contoso: drift "
report=$(cat reports/contoso/drift.json)
lacks "$report" '"status": "error"'
lacks "$report" '"status": "unknown"'
"$PY_SCHEMA" - reports/contoso/drift.json "$DW_SOURCE_DIR/docs/drift.schema.json" <<'PY' || fail "drift.json does not validate"
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PY
status_of() { # status_of RULE: the rule's status in reports/contoso/drift.json
	python3 -c 'import json, sys
d = json.load(open("reports/contoso/drift.json"))
print(" ".join(sorted({f["status"] for f in d["findings"] if f["rule"] == sys.argv[1]})))' "$1"
}
# the sample lets everyone invite guests; the report names the value and the rule's source
[ "$(status_of entra.authz.guest-invites-restricted)" = fail ] || fail "guest invites should fail"
contains "$(cat reports/contoso/DRIFT.md)" '| `/allowInvitesFrom` | equals | `"adminsAndGuestInviters"` | `"everyone"` |'
seen=$(python3 -c 'import json
d = json.load(open("reports/contoso/drift.json"))
print([f for f in d["findings"] if f["rule"] == "entra.ca.block-legacy-auth"][0]["firstSeen"])')

# The admin fixes guest invitations; the next snapshot and report show it.
graph_write PATCH /v1.0/policies/authorizationPolicy '{"allowInvitesFrom":"adminsAndGuestInviters"}'
sleep 1 # a later commit time than the first snapshot
run 0 "$DW_BIN" --config driftward.ini snapshot
run 2 "$DW_BIN" --config driftward.ini drift -o reports
[ "$(status_of entra.authz.guest-invites-restricted)" = pass ] || fail "guest invites should pass now"
# what still fails keeps the date it was first seen
contains "$(cat reports/contoso/drift.json)" "\"firstSeen\": \"$seen\""
finish
