#!/usr/bin/env bash
# _names.json names the groups that objects refer to, read by id (issue 10):
# groups that Intune assignments and Conditional Access policies (include and
# exclude groups) name get their display names from one directoryObjects/
# getByIds request, without a list of every group; a group a collector already
# named is not asked for again, one referred to by nothing is not named; a
# renamed group changes _names.json alone; a 503 on the lookup is retried; a
# failed lookup keeps the previous file instead of losing names.
. "$(dirname "$0")/lib.sh"

BRANCH=tenants/contoso
PILOT=6ce3f756-894d-4c64-a229-b75217eca704  # Intune assignments refer to it
TIER0=1edde470-11ca-4886-aacc-f3cb4310be70  # role-assignable: the collector names it
TRAVEL=5a0c6f3e-2b1d-4c8e-9f7a-3d2e1c0b9a87 # only a Conditional Access policy names it
UNUSED=7b1d0e4f-3c2a-4d9f-8e6b-4f3e2d1c0b98 # referred to by nothing
sample_state
python3 - "state/$SAMPLE_TENANT/v1.0" "$TRAVEL" "$UNUSED" <<'PY'
import json, sys
root, travel, unused = sys.argv[1:]
groups = json.load(open(root + "/groups.json"))
for gid, name in ((travel, "CA - Travel users"), (unused, "Nobody's group")):
    groups["value"].append({"id": gid, "displayName": name, "mailEnabled": False,
                            "securityEnabled": True, "isAssignableToRole": False,
                            "groupTypes": [], "mailNickname": name.split()[0].lower()})
json.dump(groups, open(root + "/groups.json", "w"))
path = root + "/identity/conditionalAccess/policies.json"
ca = json.load(open(path))
ca["value"][4]["conditions"]["users"]["includeGroups"] = [travel]  # a disabled policy
json.dump(ca, open(path, "w"))
PY
sample_deployment "max_retries = 1"

# rename_pilot NAME: the Pilot group renamed in the emulator's state, reloaded
rename_pilot() {
	python3 - "state/$SAMPLE_TENANT/v1.0/groups.json" "$PILOT" "$1" <<'PY'
import json, sys
path, pilot, name = sys.argv[1:]
doc = json.load(open(path))
for g in doc["value"]:
    if g["id"] == pilot:
        g["displayName"] = name
json.dump(doc, open(path, "w"))
PY
	curl -sf --cacert "$EMU_CA" -X POST -H 'Content-Type: application/json' -d '{}' \
		"$EMU_URL/_emulator/reset" >/dev/null || fail "could not reload the emulator's state"
}

run 0 "$DW_BIN" --config driftward.ini snapshot
names=$(git -C state.git show "$BRANCH:_names.json") || fail "no _names.json"
contains "$names" "\"$PILOT\": \"Intune - Pilot users\""
contains "$names" "\"$TRAVEL\": \"CA - Travel users\""
contains "$names" "\"$TIER0\": \"Tier 0 - Privileged role administrators\""
lacks "$names" "Nobody's group"
lacks "$names" "Conditional Access - Break glass exclusions" # role-assignable, referred to by nothing
# one lookup, for the groups no collector named; never a list of every group
python3 - "$EMU_LOG" "$PILOT" "$TRAVEL" "$TIER0" <<'PY' || fail "the group names were not read by id"
import json, sys
log, pilot, travel, tier0 = sys.argv[1:]
reqs = [json.loads(l) for l in open(log)]
lookups = [r for r in reqs if r["path"].lower().endswith("/directoryobjects/getbyids")]
assert len(lookups) == 1, lookups
body = lookups[0]["body"]
assert lookups[0]["method"] == "POST" and body["types"] == ["group"], lookups[0]
assert pilot in body["ids"] and travel in body["ids"] and tier0 not in body["ids"], body
assert body["ids"] == sorted(set(body["ids"])), body
lists = [r for r in reqs if r["path"].rstrip("/").endswith("/v1.0/groups")
         and "isAssignableToRole" not in json.dumps(r.get("query", ""))]
assert not lists, lists
PY
tests_run=$((tests_run + 1))

# a renamed group is one changed line in _names.json, no policy file changes
rename_pilot "Intune - Pilot users (ring 1)"
run 0 "$DW_BIN" --config driftward.ini snapshot
# (the drift reports are dated with each commit that changes something)
changed=$(git -C state.git diff --name-only "$BRANCH~1" "$BRANCH" | grep -vxE 'drift.json|DRIFT.md')
[ "$changed" = "_names.json" ] || fail "a renamed group changed: $changed"
contains "$(git -C state.git show "$BRANCH:_names.json")" "Intune - Pilot users (ring 1)"
tests_run=$((tests_run + 1))

# the lookup is a POST that only reads: a 503 is retried as a GET's would be
set_faults '{"rules": [{"method": "POST", "path": "/v1.0/directoryObjects/getByIds", "status": 503, "times": 1}]}'
rename_pilot "Intune - Pilot users (ring 1b)"
: >"$EMU_LOG"
run 0 "$DW_BIN" --config driftward.ini snapshot
lacks "$err" "_names.json kept"
contains "$(git -C state.git show "$BRANCH:_names.json")" "Intune - Pilot users (ring 1b)"
lookups=$(grep -ci '"path": "[^"]*/directoryObjects/getByIds"' "$EMU_LOG")
[ "$lookups" = 2 ] || fail "$lookups getByIds requests for one 503 (want the request and its retry)"
tests_run=$((tests_run + 1))

# the lookup refused: the previous names stay, nothing else is lost
set_faults '{"rules": [{"method": "POST", "path": "/v1.0/directoryObjects/getByIds", "status": 403, "code": "Authorization_RequestDenied"}]}'
rename_pilot "Intune - Pilot users (ring 2)"
run 0 "$DW_BIN" --config driftward.ini snapshot
contains "$err" "_names.json kept"
names=$(git -C state.git show "$BRANCH:_names.json")
contains "$names" "Intune - Pilot users (ring 1b)"
contains "$names" "CA - Travel users"
tests_run=$((tests_run + 1))

finish
