#!/usr/bin/env bash
# driftward propose against the Graph emulator, judged with git itself: a
# --restore-to branch holds exactly the snapshot's restorable collectors
# (byte for byte, with _complete, secrets still sealed) on top of main, main
# is untouched, and once merged `plan` lists the restoring request; an
# --accept-drift branch holds the waiver (or desired object) that makes the
# next drift report pass, --rule limits it, bad input is a clear error, and a
# configured remote receives the branch.
. "$(dirname "$0")/lib.sh"

POLICY=1f76663f-8330-4f68-a52f-ec142d752a6a # "Block legacy authentication"
CA=/beta/identity/conditionalAccess/policies
RULE=entra.ca.block-legacy-auth
CANARY=canary-psk-5be07c19d4
DC=/v1.0/deviceManagement/deviceConfigurations/cfe9facc-05ca-46e4-89cd-3f1cbd5cf9f4

sample_deployment
git_() { git -C state.git "$@"; }
dw() { run "$1" "$DW_BIN" --config driftward.ini "${@:2}"; }
fsck() { git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed"; }
# merge BRANCH: a person merges the proposal into main, as a pull request would
merge() {
	rm -rf work
	git clone -q state.git work
	git -C work -c user.name=admin -c user.email=admin@example.com \
		merge -q --no-ff -m "Merge $1" "origin/$1"
	git -C work push -q origin HEAD:main
}
# new_files BRANCH: what BRANCH adds, changes or removes against main, "STATUS PATH" sorted
new_files() { git_ diff --name-status "main...$1" | sort; }

# The collectors a plan can write, from the catalog itself: method PATCH or PUT.
restorable=$(awk '/^  - name: /{n=$3} /^      method: /{if ($2 != "none") print n}' \
	"$DW_SOURCE_DIR/config/collectors.yaml")
[ "$(echo "$restorable" | wc -l)" -gt 20 ] || fail "could not read the catalog's restore methods"

dw 1 propose -t contoso --accept-drift -m "before any snapshot"
contains "$err" "tenant contoso: no snapshot yet (run driftward snapshot)"

# A pre-shared key in a device configuration: it must reach desired/ sealed.
graph_write PATCH "$DC" "{\"@odata.type\":\"#microsoft.graph.windows10CustomConfiguration\",\"omaSettings\":[{\"@odata.type\":\"#microsoft.graph.omaSettingString\",\"displayName\":\"VPN pre-shared key\",\"description\":null,\"omaUri\":\"./Vendor/MSFT/VPNv2/ContosoVPN/NativeProfile/Authentication/PSK\",\"secretReferenceValueId\":null,\"isEncrypted\":false,\"value\":\"$CANARY\"}]}"
dw 0 snapshot
first=$(git_ rev-parse tenants/contoso)
short=$(git_ rev-parse --short=12 "$first")

# Before there is drift: nothing to accept, no branch.
dw 0 propose -t contoso --accept-drift -m "nothing yet"
contains "$out" "contoso: nothing to propose: no failing finding to accept"
[ -z "$(git_ branch --list 'proposals/*')" ] || fail "an empty proposal made a branch"

# An admin switches the policy off: drift.
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
dw 2 snapshot
main_before=$(git_ rev-parse main)

# Bad input: each a clear error that names what is wrong, and no branch.
dw 1 propose -t nosuch --restore-to "$first"
contains "$err" "no tenant 'nosuch'"
dw 1 propose -t contoso --restore-to 0123456789abcdef0123
contains "$err" "tenant contoso: --restore-to: '0123456789abcdef0123' names no commit"
dw 1 propose -t contoso --restore-to main
contains "$err" "is not a snapshot of contoso (not on tenants/contoso)"
dw 1 propose -t contoso
contains "$err" "--accept-drift or --restore-to"
dw 1 propose -t contoso --restore-to "$first" --rule "$RULE"
contains "$err" "go with --accept-drift"
dw 1 propose -t contoso --accept-drift -m x --rule no.such.rule
contains "$err" "--rule no.such.rule: no such rule in the drift report of tenant contoso"
dw 1 propose -t contoso --accept-drift -m x --rule entra.ca.block-device-code-flow
contains "$err" "--rule entra.ca.block-device-code-flow: no open finding for tenant contoso (it is pass)"
dw 1 propose -t contoso --accept-drift -m x --expires 2001-01-01
contains "$err" "--expires 2001-01-01: that day is past"
dw 1 propose -t contoso --accept-drift -m x --expires 2031-02-30
contains "$err" "not a date (YYYY-MM-DD)"
dw 1 propose -t contoso --accept-drift -m x --topic ../main
contains "$err" "'../main' is not a topic name"
dw 1 propose -t contoso --accept-drift
contains "$err" "a waiver needs an owner and a reason"
[ -z "$(git_ branch --list 'proposals/*')" ] || fail "a refused proposal left a branch"

# --restore-to: exactly the first snapshot's restorable collectors, whole.
dw 0 propose -t contoso --restore-to "$first"
branch=proposals/contoso/restore-$short
contains "$out" "$branch: restores contoso to snapshot $short, on top of refs/heads/main"
contains "$out" "conditionalAccessPolicies: 11 objects, whole (_complete)"
contains "$out" "next: open a pull request from $branch into main"
[ "$(git_ rev-parse main)" = "$main_before" ] || fail "propose moved main"
[ "$(git_ rev-parse "$branch~1")" = "$main_before" ] || fail "the proposal is not on top of main"
# (each collector read completely in that snapshot: blob ids, so byte for byte)
git_ show "$first:_status.json" >status.json
expected=$(for c in $restorable; do
	python3 -c 'import json,sys; sys.exit(json.load(open("status.json"))["collectors"].get(sys.argv[1], {}).get("status") != "ok")' "$c" || continue
	git_ ls-tree "$first" "$c/" | awk '$4 !~ /\/_/ {print $3, "desired/contoso/" $4}'
	echo "COMPLETE desired/contoso/$c/_complete"
done | sort)
actual=$(git_ ls-tree -r "$branch" desired/contoso/ | awk '{print ($4 ~ /\/_complete$/ ? "COMPLETE" : $3), $4}' | sort)
[ "$expected" = "$actual" ] || fail "the restore branch's desired/ differs from the snapshot: $(diff <(echo "$expected") <(echo "$actual") | head -20)"
[ "$(new_files "$branch" | grep -cv '^A	desired/contoso/')" -eq 0 ] ||
	fail "the restore branch changes more than desired/contoso/: $(new_files "$branch" | grep -v '^A	desired/contoso/' | head)"
# collectors a plan can't write are left out
lacks "$(git_ ls-tree -r --name-only "$branch")" "desired/contoso/organization/"
msg=$(git_ log -1 --format=%B "$branch")
contains "$msg" "contoso: restore to snapshot $short"
contains "$msg" "Restore-To: $first"
contains "$msg" "Approved-Commit: $main_before"
[ "$(git_ log -1 --format='%an <%ae>' "$branch")" = "$(git_ log -1 --format='%an <%ae>' tenants/contoso)" ] ||
	fail "the proposal's author is not the identity snapshots use"
# the pre-shared key stays sealed
contains "$(git_ grep -h '"value": "age:' "$branch" -- 'desired/contoso/deviceConfigurations/')" "age:"
fsck
# the same proposal again: the branch exists, and is not replaced
tip=$(git_ rev-parse "$branch")
dw 1 propose -t contoso --restore-to "$first"
contains "$err" "branch $branch exists already"
[ "$(git_ rev-parse "$branch")" = "$tip" ] || fail "an existing proposal branch was replaced"

# Merged, the plan restores the policy.
merge "$branch"
dw 0 plan -t contoso
contains "$out" "~ conditionalAccessPolicies/$POLICY: PATCH $CA/$POLICY (1 properties)"
contains "$out" 'state: "disabled" -> "enabled"'
contains "$out" "contoso: 1 request from commit"
# (a plan --at a commit that is not there is an error, not an empty plan)
dw 1 plan -t contoso --at nosuch
contains "$err" "tenant contoso: 'nosuch' names no commit"
# and restoring to the snapshot main has now is nothing to propose
dw 0 propose -t contoso --restore-to "$first" --topic again
contains "$out" "nothing to propose: desired state on the approved ref is that snapshot already"

# --accept-drift --rule: only that rule's waiver, though desired state fails too now.
dw 2 drift -t contoso --format json
contains "$out" '"rule": "desired-state"'
tipsnap=$(git_ rev-parse --short=12 tenants/contoso)
dw 0 propose -t contoso --accept-drift --rule "$RULE" -m "report-only during the pilot" \
	--owner alice@example.com --expires 2099-12-31 --topic pilot
contains "$out" "proposals/contoso/pilot: accepts 1 finding of contoso (snapshot $tipsnap)"
contains "$out" "once merged, the next drift report of contoso has 1 failing finding"
[ "$(new_files proposals/contoso/pilot)" = "A	waivers/contoso/$RULE.yaml" ] ||
	fail "--rule proposal: $(new_files proposals/contoso/pilot)"
waiver=$(git_ show "proposals/contoso/pilot:waivers/contoso/$RULE.yaml")
contains "$waiver" "rule: \"$RULE\""
contains "$waiver" 'tenant: "contoso"'
contains "$waiver" 'rationale: "report-only during the pilot"'
contains "$waiver" 'owner: "alice@example.com"'
contains "$waiver" 'expires: "2099-12-31"'
lacks "$waiver" "object:" # an expect: any rule: the object named in the report is only the closest
contains "$(git_ log -1 --format=%B proposals/contoso/pilot)" "Accepted-Rule: $RULE"

# --accept-drift: the waiver and the desired object; merged, the drift is gone.
dw 0 propose -t contoso --accept-drift -m 'the "pilot", until it ends' --owner bob@example.com
branch=proposals/contoso/accept-$tipsnap
contains "$out" "accepts 2 findings of contoso"
contains "$out" "once merged, the next drift report of contoso has 0 failing findings"
policy_file=conditionalAccessPolicies/block-legacy-authentication--$POLICY.json
[ "$(new_files "$branch")" = "$(printf 'A\twaivers/contoso/%s.yaml\nM\tdesired/contoso/%s' "$RULE" "$policy_file" | sort)" ] ||
	fail "--accept-drift proposal: $(new_files "$branch")"
[ "$(git_ rev-parse "$branch:desired/contoso/$policy_file")" = "$(git_ rev-parse "tenants/contoso:$policy_file")" ] ||
	fail "the desired object is not the tenant's as it is now"
contains "$(git_ show "$branch:waivers/contoso/$RULE.yaml")" 'rationale: "the \"pilot\", until it ends"'
[ "$(git_ rev-parse main)" != "$(git_ rev-parse "$branch")" ] || fail "main moved"
fsck
merge "$branch"
dw 0 drift -t contoso --format json
contains "$out" '"status": "waived"'
lacks "$out" '"status": "fail"'
dw 0 propose -t contoso --accept-drift -m again
contains "$out" "no failing finding to accept"

# A desired object the tenant no longer has: accepting it removes the file.
NL=/v1.0/identity/conditionalAccess/namedLocations
gone=$(git_ ls-tree --name-only main desired/contoso/namedLocations/ | grep -- '--' | head -1)
gone_id=${gone##*--}
gone_id=${gone_id%.json}
graph_write DELETE "$NL/$gone_id" ''
dw 2 snapshot
dw 0 propose -t contoso --accept-drift --rule desired-state --topic gone
[ "$(new_files proposals/contoso/gone)" = "D	$gone" ] || fail "accepting a deletion: $(new_files proposals/contoso/gone)"
contains "$out" "desired $gone: removed (the tenant no longer has it)"

# Restoring replaces whole collectors: main's desired object that snapshot
# lacks goes, the policy accepted as disabled comes back as it was then.
git -C work pull -q origin main
cp "work/$gone" work/desired/contoso/namedLocations/extra--0000.json
git -C work add -A
git -C work -c user.name=admin -c user.email=admin@example.com commit -qm "an extra named location"
git -C work push -q origin HEAD:main
dw 0 propose -t contoso --restore-to "$first" --topic back
[ "$(new_files proposals/contoso/back)" = "$(printf 'D\tdesired/contoso/namedLocations/extra--0000.json\nM\tdesired/contoso/%s' "$policy_file" | sort)" ] ||
	fail "restoring over desired state: $(new_files proposals/contoso/back)"

# A remote: the proposal is made on the remote's main (ahead of the local
# one here) and pushed there.
git clone -q --bare state.git remote.git
git -C work remote set-url origin "$SCRATCH/remote.git"
echo "{}" >work/vars-note.json
git -C work add -A
git -C work -c user.name=admin -c user.email=admin@example.com commit -qm "merged on the forge"
git -C work push -q origin HEAD:main
sed -i "s|^ca_file = .*|&\nremote = $SCRATCH/remote.git|" driftward.ini
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"displayName":"Renamed by an admin"}'
dw 2 snapshot
dw 0 propose -t contoso --accept-drift --rule desired-state --topic renamed
contains "$out" "pushed proposals/contoso/renamed to the remote"
[ "$(git -C remote.git rev-parse proposals/contoso/renamed)" = "$(git_ rev-parse proposals/contoso/renamed)" ] ||
	fail "the remote does not have the proposal"
[ "$(git -C remote.git rev-parse proposals/contoso/renamed~1)" = "$(git -C remote.git rev-parse main)" ] ||
	fail "the pushed proposal is not on top of the remote's main"
git -C remote.git fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed on the remote"

# A collector not read completely in that snapshot is left out, named.
set_faults '{"rules":[{"path":"/v1.0/identity/conditionalAccess/namedLocations","status":403,"code":"Authorization_RequestDenied","message":"Insufficient privileges"}]}'
"$DW_BIN" --config driftward.ini snapshot >/dev/null 2>&1 || true
set_faults '{"rules":[]}'

contains "$(git_ show tenants/contoso:_status.json | tr -d ' \n')" '"namedLocations":{"detail"'
dw 0 propose -t contoso --restore-to tenants/contoso --topic partial
contains "$out" "namedLocations: forbidden in that snapshot (its files may be older), left out"
lacks "$(new_files proposals/contoso/partial)" "namedLocations"
contains "$(new_files proposals/contoso/partial)" "conditionalAccessPolicies/"

fsck
lacks "$(git_ log -p --all)" "$CANARY"
lacks "$(cat "$ALL_OUTPUT")" "$CANARY"
finish
