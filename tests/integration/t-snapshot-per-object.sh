#!/usr/bin/env bash
# Assignments read per object where Graph refuses $expand=assignments on the
# list (issue 10): administrative templates (groupPolicyConfigurations) are
# listed with their definition values expanded, and each object's assignments
# come from GET .../{id}/assignments, stored with the object and sorted as the
# expanded ones are; one changed assignment changes exactly that object's
# file; a failed per-object read fails the collector and keeps its files.
. "$(dirname "$0")/lib.sh"

BRANCH=tenants/contoso
GPC=deviceManagement/groupPolicyConfigurations
STATE_FILE=state/$SAMPLE_TENANT/beta/$GPC.json
SECOND=3f1e2d4c-5b6a-4789-8a9b-0c1d2e3f4a5c
sample_state
# a second template with two assignments, listed in the order Graph might use
python3 - "$STATE_FILE" "$SECOND" <<'PY'
import copy, json, sys
path, second = sys.argv[1:]
doc = json.load(open(path))
o = copy.deepcopy(doc["value"][0])
o["id"], o["displayName"] = second, "ADMX: Edge security"
groups = ["a429af27-21a1-4d70-8672-44be70e5825c", "6ce3f756-894d-4c64-a229-b75217eca704"]
o["assignments"] = [{"id": "%s_%s" % (second, g), "target": {
    "@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": g,
    "deviceAndAppManagementAssignmentFilterId": None,
    "deviceAndAppManagementAssignmentFilterType": "none"}} for g in groups]
doc["value"].append(o)
json.dump(doc, open(path, "w"))
PY
sample_deployment "max_retries = 1"
git_() { git -C state.git "$@"; }
file_of() { git_ ls-tree -r --name-only "$BRANCH" | grep "^groupPolicyConfigurations/.*--$1.json$"; }

run 0 "$DW_BIN" --config driftward.ini snapshot
second=$(file_of "$SECOND") || fail "no file for $SECOND"
stored=$(git_ show "$BRANCH:$second")
python3 - "$stored" <<'PY' || fail "the assignments read per object were not stored, sorted"
import json, sys
obj = json.loads(sys.argv[1])
groups = [a["target"]["groupId"] for a in obj["assignments"]]
assert groups == ["6ce3f756-894d-4c64-a229-b75217eca704", "a429af27-21a1-4d70-8672-44be70e5825c"], groups
assert obj["definitionValues"], obj
PY
# the list without the expand Graph refuses, then one read per object
python3 - "$EMU_LOG" <<'PY' || fail "the reads were not the ones Graph accepts"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
gpc = [r for r in reqs if "/deviceManagement/groupPolicyConfigurations" in r["path"]]
lists = [r for r in gpc if r["path"].endswith("/groupPolicyConfigurations")]
assert len(lists) == 1 and "assignments" not in lists[0]["query"].get("$expand", ""), lists
per = sorted(r["path"].split("/")[-2] for r in gpc if r["path"].endswith("/assignments"))
assert len(per) == 2 and all(r["status"] == 200 for r in gpc), gpc
PY
tests_run=$((tests_run + 1))

# one assignment changed through Intune's assign action: that file, and only it
graph_write POST "/beta/$GPC/$SECOND/assign" '{"assignments": [{"target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "70b30f9c-9369-4fa0-a107-a51deabe9e8a"}}]}'
run 0 "$DW_BIN" --config driftward.ini snapshot
changed=$(git_ diff --name-only "$BRANCH~1" "$BRANCH" | grep -vxE 'drift.json|DRIFT.md|_names.json')
[ "$changed" = "$second" ] || fail "the changed assignment changed: $changed"
contains "$(git_ show "$BRANCH:$second")" "exclusionGroupAssignmentTarget"
tests_run=$((tests_run + 1))

# one object's read fails: the collector failed, with which object; its files stay
set_faults "{\"rules\": [{\"method\": \"GET\", \"path\": \"/beta/$GPC/$SECOND/assignments\", \"status\": 503}]}"
graph_write POST "/beta/$GPC/$SECOND/assign" '{"assignments": []}'
tree=$(git_ rev-parse "$BRANCH:groupPolicyConfigurations")
run 3 "$DW_BIN" --config driftward.ini snapshot
contains "$err" "groupPolicyConfigurations: failed (assignments of $SECOND: transient: HTTP 503"
[ "$(git_ rev-parse "$BRANCH:groupPolicyConfigurations")" = "$tree" ] ||
	fail "a failed read of assignments changed the collector's files"
contains "$(git_ show "$BRANCH:_status.json")" "assignments of $SECOND"
tests_run=$((tests_run + 1))

finish
