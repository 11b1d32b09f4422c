#!/usr/bin/env bash
# What a snapshot records when Graph misbehaves, judged by git and
# _status.json: a rename is one change; a collection cut short after some
# pages is partial and says why; a bad answer says exactly what was wrong, in
# the output, in _status.json and in the commit body; timestamps Microsoft
# stamps again on its own make no commit.
. "$(dirname "$0")/lib.sh"

POLICY=1f76663f-8330-4f68-a52f-ec142d752a6a # "Block legacy authentication"
CA=/beta/identity/conditionalAccess/policies # the collector reads beta
BRANCH=tenants/contoso

EMULATOR_OPTIONS=(--page-size 2)
sample_deployment "max_retries = 1"

git_() { git -C state.git "$@"; }
commits() { git_ rev-list --count "$BRANCH" 2>/dev/null || echo 0; }
snapshot() { run "$1" "$DW_BIN" --config driftward.ini snapshot "${@:2}"; }
status_of() { # status_of COLLECTOR: its entry of _status.json, on one line
	git_ show "$BRANCH:_status.json" | python3 -c \
		'import json,sys; print(json.dumps(json.load(sys.stdin)["collectors"][sys.argv[1]]))' "$1"
}
subject() { git_ log -1 --format=%s "$BRANCH"; }
body() { git_ log -1 --format=%b "$BRANCH"; }

snapshot 0
[ "$(commits)" -eq 1 ] || fail "expected 1 commit"

# (The emulator reloads its state from disk: writes made before are gone.)
# The organization's creation and plan assignment times, stamped again by
# Microsoft without any change of configuration: no commit.
python3 - "state/$SAMPLE_TENANT/v1.0/organization.json" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
org = d["value"][0] if "value" in d else d
org["createdDateTime"] = "2024-01-01T00:00:00Z"
for plan in org.get("assignedPlans", []):
    plan["assignedDateTime"] = "2024-02-02T00:00:00Z"
json.dump(d, open(p, "w"))
EOF
curl -sf --cacert "$EMU_CA" -X POST -d '{}' "$EMU_URL/_emulator/reset" >/dev/null ||
	fail "could not reload the emulator's state"
snapshot 0
contains "$out" "contoso: unchanged"
[ "$(commits)" -eq 1 ] || fail "re-stamped organization times made a commit: $(git_ show --stat "$BRANCH")"

# A renamed object is one changed object, as git shows one rename.
graph_write PATCH "$CA/$POLICY" '{"displayName":"Block legacy auth (all users)"}'
snapshot 0
contains "$(git_ show -M --format= --name-status "$BRANCH")" "R"
contains "$(subject)" "contoso: 1 changed, 0 added, 0 removed"
contains "$out" "1 changed, 0 added, 0 removed"

# Cut short after the first page (pages of 2): partial, with the cause, files kept;
# an object of the first page that changed, staged as its page came, is taken back.
before=$(git_ ls-tree -r "$BRANCH" conditionalAccessPolicies)
FIRST=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["value"][0]["id"])' \
	"state/$SAMPLE_TENANT/v1.0/identity/conditionalAccess/policies.json")
set_faults '{"rules":[{"path":"'$CA'","status":503,"after":1}]}'
graph_write PATCH "$CA/$POLICY" '{"state":"enabled"}'
graph_write PATCH "$CA/$FIRST" '{"displayName":"Changed on the first page"}'
snapshot 3
entry=$(status_of conditionalAccessPolicies)
contains "$entry" '"status": "partial"'
contains "$entry" "1 page read, then transient: HTTP 503 ServiceUnavailable"
contains "$entry" "(page 2)"
contains "$err" "conditionalAccessPolicies: partial (1 page read, then transient: HTTP 503"
contains "$(body)" "conditionalAccessPolicies: partial (1 page read, then transient: HTTP 503"
[ "$(git_ ls-tree -r "$BRANCH" conditionalAccessPolicies)" = "$before" ] ||
	fail "a partial collector lost files"

# Bad answers say what was wrong: in the output, _status.json and the commit body.
check_bad() { # check_bad COLLECTOR PATH FAULT-ACTION EXPECTED-DETAIL
	set_faults '{"rules":[{"path":"'"$2"'",'"$3"'}]}'
	snapshot 3
	contains "$(status_of "$1")" "$4"
	contains "$err" "$1: failed (bad-response: $4"
	contains "$(body)" "$1: failed (bad-response: $4"
}
set_faults '{"rules":[]}'
# a change that is no drift (disabling the policy would be: exit 2 before 3)
graph_write PATCH "$CA/$POLICY" '{"displayName":"Block legacy authentication"}'
check_bad domains /v1.0/domains '"status":200,"body":{"value":[],"@odata.nextLink":"https://attacker.example/v1.0/steal"}' \
	"@odata.nextLink points to another host (https://attacker.example)"
check_bad groupSettings /v1.0/groupSettings '"status":200,"body":{"value":{"id":"x"}}' \
	'the page has no '
lacks "$(git_ show "$BRANCH:_status.json")" "request-id"

finish
