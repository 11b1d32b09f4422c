#!/usr/bin/env bash
# driftward plan and apply against the Graph emulator: an admin's change is
# put back from desired state in main and the next snapshot shows it back;
# a plan made before the tenant changed is refused as stale, an edited plan
# by its hash, a read_only tenant sends no write, a silently ignored PATCH, a
# 409 conflict and a 503 after the write are failures (sent once), nothing is
# created or deleted without the flags, and the audit
# commit holds no plaintext secret.
. "$(dirname "$0")/lib.sh"

POLICY=1f76663f-8330-4f68-a52f-ec142d752a6a # "Block legacy authentication"
CA=/beta/identity/conditionalAccess/policies
BRANCH=tenants/contoso

# the Graph client never re-sends a write that may have reached Graph, and
# restore adds no retries of its own: the 503 case below checks that
sample_deployment
git_() { git -C state.git "$@"; }
dw() { run "$1" "$DW_BIN" --config driftward.ini "${@:2}"; }
writes() { emulator_writes; }

# The writer application, and a tenant that may be written.
sed -i "s/^client_id = .*/client_id = $SAMPLE_WRITER/" driftward.ini
printf '%s' "$SAMPLE_WRITER_SECRET" | "$DW_BIN" --config driftward.ini secret set contoso \
	>/dev/null 2>&1 || fail "secret set failed"
printf 'read_only = false\n' >>driftward.ini

# desired_from_snapshot COLLECTOR...: main's desired/contoso/ gets those
# collectors as the last snapshot has them (what propose --restore-to does).
desired_from_snapshot() {
	rm -rf work
	git clone -q state.git work
	local c
	for c in "$@"; do
		mkdir -p "work/desired/contoso/$c"
		git_ archive "$BRANCH" "$c" | tar -x -C "work/desired/contoso"
	done
	git -C work add -A
	git -C work -c user.name=admin -c user.email=admin@example.com commit -qm "desired state"
	git -C work push -q origin HEAD:main
}

dw 0 snapshot
desired_from_snapshot conditionalAccessPolicies namedLocations

# Nothing drifted: an empty plan.
dw 0 plan -t contoso -o plan0.json
contains "$out" "contoso: 0 requests"

# An admin turns the policy off; the plan puts it back, apply sends it.
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
dw 2 snapshot # the drift (exit 2), as the timer would record it
dw 0 plan -t contoso -o plan.json
contains "$out" "~ conditionalAccessPolicies/$POLICY: PATCH $CA/$POLICY (1 properties)"
contains "$out" 'state: "disabled" -> "enabled"'
contains "$out" "contoso: 1 request from"
: >"$EMU_LOG"
dw 0 apply plan.json
contains "$out" "PATCH conditionalAccessPolicies/$POLICY: applied"
[ "$(writes)" = "PATCH /beta/identity/conditionalAccess/policies/$POLICY" ] ||
	fail "expected exactly one PATCH, the emulator logged: $(writes)"
# the audit commit, then the snapshot that shows the policy back as desired
git_ show "$BRANCH~1:_restore.json" >/dev/null || fail "no audit commit before the snapshot"
msg=$(git_ log -1 --format=%B "$BRANCH~1")
contains "$msg" "Approved-Commit: $(git_ rev-parse main)"
contains "$msg" "Plan-Hash: "
contains "$msg" "Applied-By: "
contains "$(git_ log -1 --format=%s "$BRANCH")" "contoso: 1 changed"
[ "$(git_ show "$BRANCH:conditionalAccessPolicies/block-legacy-authentication--$POLICY.json")" = \
	"$(git_ show "main:desired/contoso/conditionalAccessPolicies/block-legacy-authentication--$POLICY.json")" ] ||
	fail "the snapshot after apply does not show the policy as desired"
git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed"

# A plan made before the tenant changed is refused as stale, and sends nothing.
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
dw 0 plan -t contoso -o plan2.json
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" \
	'{"displayName":"Renamed by an admin"}'
: >"$EMU_LOG"
dw 1 apply plan2.json
contains "$err" "the tenant changed since the plan was made (stale)"
[ -z "$(writes)" ] || fail "a stale plan sent: $(writes)"

# An edited plan is refused by its hash.
dw 0 plan -t contoso -o plan3.json
contains "$out" 'displayName: "Renamed by an admin" -> "Block legacy authentication"'
sed 's/"state": "enabled"/"state": "disabled"/' plan3.json >edited.json
! cmp -s plan3.json edited.json || fail "the edit did not change the plan"
dw 1 apply edited.json
contains "$err" "hash does not match its content"
[ -z "$(writes)" ] || fail "an edited plan sent: $(writes)"

# A PATCH answered 204 that changed nothing is a failure, in the output, the
# exit status and the audit record; the plan still applies afterwards.
set_faults '{"rules":[{"method":"PATCH","ignore_write":true}]}'
dw 1 apply plan3.json
contains "$out" "PATCH conditionalAccessPolicies/$POLICY: FAILED"
contains "$out" "changed nothing"
audit=$(git_ show "$BRANCH:_restore.json")
contains "$audit" '"status": "failed"'
contains "$audit" "\"planHash\": \"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' plan3.json)\""
set_faults '{}'
dw 0 apply plan3.json
contains "$out" "PATCH conditionalAccessPolicies/$POLICY: applied"

# A 503 after the write took effect: failed, and not sent again.
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
dw 0 plan -t contoso -o plan4.json
set_faults '{"rules":[{"method":"PATCH","after_write":true,"status":503}]}'
: >"$EMU_LOG"
dw 1 apply plan4.json
contains "$out" "FAILED"
[ "$(writes | wc -l)" -eq 1 ] || fail "a write that may have reached Graph was sent again: $(writes)"
set_faults '{}'
dw 1 apply plan4.json # the write took effect: the plan is stale now
contains "$err" "stale"

# A 409 conflict: Graph refused the write; reported, exit 1, nothing changed.
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
dw 0 plan -t contoso -o plan4b.json
set_faults '{"rules":[{"method":"PATCH","status":409,"code":"Conflict","message":"changed meanwhile"}]}'
dw 1 apply plan4b.json
contains "$out" "PATCH conditionalAccessPolicies/$POLICY: FAILED: Graph refused the write"
contains "$(git_ show "$BRANCH:_restore.json")" '"httpStatus": 409'
set_faults '{}'

# A read_only tenant: the plan is made, apply sends nothing at all.
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
sed -i 's/^read_only = false/read_only = true/' driftward.ini
dw 0 plan -t contoso -o plan5.json
: >"$EMU_LOG"
dw 1 apply plan5.json
contains "$err" "tenant contoso is read_only: restore sends no write"
[ ! -s "$EMU_LOG" ] || fail "a read_only tenant's apply made requests: $(cat "$EMU_LOG")"
sed -i 's/^read_only = true/read_only = false/' driftward.ini
dw 0 apply plan5.json

# Creates and deletes: only with the flags. namedLocations is managed whole
# (_complete); an admin deletes one named location and adds another.
NL=/v1.0/identity/conditionalAccess/namedLocations
gone=$(git_ ls-tree --name-only "main:desired/contoso/namedLocations/" | head -1)
gone_id=${gone##*--}
gone_id=${gone_id%.json}
git -C work pull -q origin main
: >work/desired/contoso/namedLocations/_complete
git -C work add -A
git -C work -c user.name=admin -c user.email=admin@example.com commit -qm "named locations: managed whole"
git -C work push -q origin HEAD:main
graph_write DELETE "$NL/$gone_id" ''
graph_write POST "$NL" '{"@odata.type":"#microsoft.graph.ipNamedLocation","displayName":"Rogue","isTrusted":true,"ipRanges":[{"@odata.type":"#microsoft.graph.iPv4CidrRange","cidrAddress":"203.0.113.0/24"}]}'
dw 0 plan -t contoso -o plan6.json
contains "$out" "+ namedLocations/$gone: the tenant lacks it; not created"
contains "$out" "not deleted (plan with --allow-delete)"
contains "$out" "left out: 1 create (--allow-create), 1 delete (--allow-delete)"
contains "$out" "contoso: 0 requests"
lacks "$(cat plan6.json)" '"POST"'
lacks "$(cat plan6.json)" '"DELETE"'
: >"$EMU_LOG"
before=$(git_ rev-parse "$BRANCH")
dw 0 apply plan6.json
contains "$out" "contoso: nothing to apply"
[ "$(git_ rev-parse "$BRANCH")" = "$before" ] || fail "an empty apply made a commit"
[ -z "$(writes)" ] || fail "a plan without the flags sent: $(writes)"
dw 0 plan -t contoso --allow-create --allow-delete -o plan7.json
contains "$out" "+ namedLocations/$gone_id: POST /v1.0/identity/conditionalAccess/namedLocations"
contains "$out" ": DELETE /v1.0/identity/conditionalAccess/namedLocations/"
dw 0 apply plan7.json
[ "$(writes | cut -d' ' -f1 | tr '\n' ' ')" = "POST DELETE " ] || fail "expected a POST then a DELETE: $(writes)"
lacks "$(git_ ls-tree -r --name-only "$BRANCH" namedLocations)" "rogue"

# A secret field: restored from its sealed value, never in plaintext in the
# plan, the output, the audit commit or anywhere in the repository.
CANARY=canary-psk-3d9e61f0b2
DC=/v1.0/deviceManagement/deviceConfigurations/cfe9facc-05ca-46e4-89cd-3f1cbd5cf9f4
oma() { # oma VALUE: the profile's OMA settings with the pre-shared key VALUE
	printf '{"@odata.type":"#microsoft.graph.windows10CustomConfiguration","omaSettings":[{"@odata.type":"#microsoft.graph.omaSettingString","displayName":"VPN pre-shared key","description":null,"omaUri":"./Vendor/MSFT/VPNv2/ContosoVPN/NativeProfile/Authentication/PSK","secretReferenceValueId":null,"isEncrypted":false,"value":"%s"},{"@odata.type":"#microsoft.graph.omaSettingInteger","displayName":"Always on","description":null,"omaUri":"./Vendor/MSFT/VPNv2/ContosoVPN/AlwaysOn","isReadOnly":false,"value":1}]}' "$1"
}
graph_get() {
	curl -sf --cacert "$EMU_CA" -H "Authorization: Bearer $(emulator_token "$SAMPLE_WRITER" "$SAMPLE_WRITER_SECRET")" "$EMU_URL$1"
}
graph_write PATCH "$DC" "$(oma "$CANARY")"
dw 2 snapshot # drift: the named location made by plan7 has a new id, not the desired one
desired_from_snapshot deviceConfigurations
graph_write PATCH "$DC" "$(oma changed-by-an-admin)"
dw 0 plan -t contoso -o plan8.json
contains "$out" "~ deviceConfigurations/cfe9facc-05ca-46e4-89cd-3f1cbd5cf9f4: PATCH"
contains "$(cat plan8.json)" "\"value\": \"<secret>\""
dw 0 apply plan8.json
contains "$(graph_get "$DC")" "\"value\":\"$CANARY\""
lacks "$(cat plan*.json)" "$CANARY"
lacks "$(git_ show "$BRANCH:_restore.json")" "$CANARY"
lacks "$(git_ show "$BRANCH:_restore.json")" "changed-by-an-admin"
contains "$(git_ show "$BRANCH:_restore.json")" "<secret>"
lacks "$(git_ log -p --all)" "$CANARY"
lacks "$(cat "$ALL_OUTPUT")" "$CANARY"

finish
