#!/usr/bin/env bash
# Intune assignments and compliance actions in snapshots (issue 10): stored with
# their object, sorted; the emulator's key order, set-array order and page
# order reversed make no commit; one assignment changed through Intune's assign
# action is a change of exactly that policy's file; _names.json names the
# groups, filters and scope tags objects refer to, and a renamed filter changes
# that file and the filter's, no policy; a VPP token never reaches the repository.
. "$(dirname "$0")/lib.sh"

BRANCH=tenants/contoso
COMPLIANCE=deviceManagement/deviceCompliancePolicies
STATE_FILE=state/$SAMPLE_TENANT/v1.0/$COMPLIANCE.json

sample_deployment "max_retries = 1"

git_() { git -C state.git "$@"; }
commits() { git_ rev-list --count "$BRANCH" 2>/dev/null || echo 0; }
snapshot() { run "$1" "$DW_BIN" --config driftward.ini snapshot "${@:2}"; }
policy_field() { # policy_field INDEX FIELD: a field of a sample compliance policy
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["value"][int(sys.argv[2])][sys.argv[3]])' \
		"$STATE_FILE" "$1" "$2"
}

snapshot 0
[ "$(commits)" -eq 1 ] || fail "expected 1 commit, got $(commits)"
POLICY=$(policy_field 0 id)
file=$(git_ ls-tree -r --name-only "$BRANCH" | grep "^deviceCompliancePolicies/.*--$POLICY.json$" || true)
[ -n "$file" ] || fail "no file for compliance policy $POLICY"
stored=$(git_ show "$BRANCH:$file")
contains "$stored" '"assignments": ['
contains "$stored" '"scheduledActionConfigurations": ['
contains "$stored" '"actionType": "block"'
contains "$stored" '"deviceAndAppManagementAssignmentFilterId": "'
# assignments are sorted by target: the stored order is the canonical order
python3 - "$stored" <<'EOF' || fail "assignments are not sorted by target"
import json, sys
obj = json.loads(sys.argv[1])
keys = [json.dumps(a["target"], sort_keys=True, separators=(",", ":")) for a in obj["assignments"]]
assert len(keys) >= 2 and keys == sorted(keys), keys
EOF
tree=$(git_ ls-tree -r --name-only "$BRANCH")
for c in mobileApps deviceHealthScripts groupPolicyConfigurations windowsFeatureUpdateProfiles; do
	one=$(grep "^$c/" <<<"$tree" | head -1)
	[ -n "$one" ] || fail "no $c in the snapshot"
	contains "$(git_ show "$BRANCH:$one")" '"assignments": ['
done
# _names.json: the names the run knows for ids objects refer to, and no others
names=$(git_ show "$BRANCH:_names.json") || fail "no _names.json in the snapshot"
FILTER=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["value"][0]["id"])' \
	"state/$SAMPLE_TENANT/beta/deviceManagement/assignmentFilters.json")
contains "$names" "\"$FILTER\": \"Corporate Windows devices\""
contains "$names" '"0": "Default"'
contains "$names" '": "Tier 0 - Privileged role administrators"'
lacks "$names" "Conditional Access - Break glass exclusions" # role-assignable, referred to by nothing
contains "$names" '": "Intune - Pilot users"' # referred to, read by id (t-snapshot-group-names)
[ "$(printf '%s\n' "$names" | "$DW_BIN" json canon)" = "$names" ] || fail "_names.json is not canonical"
lacks "$stored" "Corporate Windows devices" # object files keep ids only

# Apple's VPP token is a secret that is never stored, not even encrypted
[ -z "$(git_ grep -l vpp-token-not-real "$BRANCH" -- || true)" ] || fail "the VPP token reached the repository"
contains "$tree" "vppTokens/contoso-vpp--"

# The same tenant answered in another order: every object's keys reversed, every
# declared set-array reversed, every collection reversed and served in pages of
# 3. Nothing changed, so nothing is committed.
kill "$EMU_PID"
wait "$EMU_PID" 2>/dev/null || true
python3 - "$DW_SOURCE_DIR/config/collectors.yaml" "state/$SAMPLE_TENANT" <<'EOF'
import json, os, re, sys
catalog, tdir = sys.argv[1:]

def sets_by_path(text):
    """graph path -> set pointers, from the catalog's plain YAML layout."""
    out = {}
    for block in re.split(r"\n  - name: ", text)[1:]:
        path = re.search(r"\n    graph: (\S+)", block).group(1)
        ptrs = out.setdefault(path, [])
        inline = re.search(r"\n    sets: \[(.*)\]", block)
        if inline:
            ptrs += [p.strip() for p in inline.group(1).split(",")]
        listed = re.search(r"\n    sets:\n((?:      - .*\n)+)", block)
        if listed:
            for line in listed.group(1).splitlines():
                item = line.strip()[2:]
                m = re.match(r"\{path: ([^,}]+)", item)
                ptrs.append(m.group(1) if m else item)
    return out

def reverse_at(node, segs):
    if not segs:
        if isinstance(node, list):
            node.reverse()
        return
    head, rest = segs[0], segs[1:]
    kids = node if head == "*" and isinstance(node, list) else \
        [node.get(head)] if isinstance(node, dict) else []
    for kid in kids:
        if kid is not None:
            reverse_at(kid, rest)

def reverse_keys(node):
    if isinstance(node, dict):
        return {k: reverse_keys(node[k]) for k in reversed(list(node))}
    if isinstance(node, list):
        return [reverse_keys(v) for v in node]
    return node

sets = sets_by_path(open(catalog).read())
changed = 0
for version in ("v1.0", "beta"):
    root = os.path.join(tdir, version)
    for dirpath, _, files in os.walk(root):
        for name in files:
            file = os.path.join(dirpath, name)
            gpath = "/" + os.path.relpath(file, root)[:-5].replace(os.sep, "/")
            doc = json.load(open(file))
            objs = doc["value"] if isinstance(doc.get("value"), list) else [doc]
            for obj in objs:
                for ptr in sets.get(gpath, []):
                    reverse_at(obj, ptr.strip("/").split("/"))
            if isinstance(doc.get("value"), list):
                doc["value"].reverse()
            json.dump(reverse_keys(doc), open(file, "w"), indent=1)
            changed += 1
assert changed > 60, changed
EOF
start_emulator state --page-size 3
sed -i "s|https://127.0.0.1:[0-9]*|$EMU_URL|g" driftward.ini
after=$(python3 -c 'import json, sys; print(list(json.load(open(sys.argv[1]))["value"][-1]))' "$STATE_FILE")
contains "$after" "'roleScopeTagIds'" # the file really was rewritten, keys reversed
snapshot 0
contains "$out" "contoso: unchanged"
[ "$(commits)" -eq 1 ] || fail "a reordered tenant made a commit: $(git_ show --stat "$BRANCH")"

# One assignment of one compliance policy moves to another group, the way an
# admin does it (POST .../assign with the whole new list): one commit, one file.
GROUP=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["value"][2]["id"])' \
	"state/$SAMPLE_TENANT/v1.0/groups.json")
body=$(python3 - "$STATE_FILE" "$POLICY" "$GROUP" <<'EOF'
import json, sys
path, policy, group = sys.argv[1:]
obj = next(p for p in json.load(open(path))["value"] if p["id"] == policy)
assignments = obj["assignments"]
moved = next(a for a in assignments if "groupId" in a["target"] and a["target"]["groupId"] != group)
moved["target"]["groupId"] = group
del moved["id"]
print(json.dumps({"assignments": assignments}))
EOF
)
graph_write POST "/beta/$COMPLIANCE/$POLICY/assign" "$body"
snapshot 0
[ "$(commits)" -eq 2 ] || fail "expected a second commit, got $(commits)"
stat=$(git_ show --stat=1000 --format= "$BRANCH")
contains "$stat" "$file"
# besides the reports every snapshot commit dates (drift.json, DRIFT.md)
[ "$(grep '|' <<<"$stat" | grep -cv 'drift.json\|DRIFT.md')" -eq 1 ] ||
	fail "the commit touches more than one file: $stat"
contains "$(git_ show "$BRANCH:$file")" "\"groupId\": \"$GROUP\""
contains "$(git_ log -1 --format=%B "$BRANCH")" "contoso: 1 changed, 0 added, 0 removed"

# A renamed filter: its own file is renamed and _names.json changes; no policy
# that uses it does.
graph_write PATCH "/beta/deviceManagement/assignmentFilters/$FILTER" '{"displayName":"Corporate PCs"}'
snapshot 0
[ "$(commits)" -eq 3 ] || fail "expected a third commit, got $(commits)"
stat=$(git_ show --stat=1000 --format= -M "$BRANCH")
contains "$stat" "_names.json"
contains "$stat" "assignmentFilters/"
[ "$(grep '|' <<<"$stat" | grep -cv 'drift.json\|DRIFT.md')" -eq 2 ] ||
	fail "a filter rename touched more: $stat"
contains "$(git_ show "$BRANCH:_names.json")" "\"$FILTER\": \"Corporate PCs\""

# A collector that fails keeps the previous names, as it keeps its files.
set_faults '{"rules":[{"path":"/beta/deviceManagement/assignmentFilters","status":503}]}'
graph_write PATCH "/beta/deviceManagement/roleScopeTags/0" '{"displayName":"Default tag"}'
snapshot 3
contains "$(git_ show "$BRANCH:_names.json")" '"0": "Default"'
contains "$(git_ show "$BRANCH:_names.json")" "\"$FILTER\": \"Corporate PCs\""
set_faults '{}'

finish
