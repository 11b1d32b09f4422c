#!/usr/bin/env bash
# driftward run with remediate = plan | apply, against the Graph emulator and
# judged with the real git: plan commits plan.json and PLAN.md on the
# tenant's branch after an admin's change, and makes no second commit when
# nothing changed; apply with an unsigned main tip sends no write and says
# why (exit 1); apply with a signed, merged desired state restores the
# tenant (the emulator's state back, an audit commit, the next run no
# drift) and removes the plan remediate = plan left; remediate = apply with
# read_only = true is refused when the configuration is read; a plan is
# removed once its drift is gone; what remediation commits is pushed. The
# metrics say what remediation did.
. "$(dirname "$0")/lib.sh"

command -v ssh-keygen >/dev/null || fail "ssh-keygen (openssh-client) is needed"
export GIT_CONFIG_NOSYSTEM=1 HOME=$SCRATCH TZ=UTC
git config --global user.name Approver
git config --global user.email approver@example.com
ssh-keygen -q -t ed25519 -N '' -C approver -f approver
echo "approver@example.com $(cat approver.pub)" >allowed_signers

POLICY=1f76663f-8330-4f68-a52f-ec142d752a6a # "Block legacy authentication"
CA=/beta/identity/conditionalAccess/policies
BRANCH=tenants/contoso
PARSER=$DW_SOURCE_DIR/tests/metrics/promparse.py
prom=metrics/driftward.prom
mkdir metrics
sample_deployment "metrics_dir = metrics
require_signed = true
allowed_signers = allowed_signers"
# the writer application, so that apply may write
sed -i "s/^client_id = .*/client_id = $SAMPLE_WRITER/" driftward.ini
printf '%s' "$SAMPLE_WRITER_SECRET" | "$DW_BIN" --config driftward.ini secret set contoso \
	>/dev/null 2>&1 || fail "secret set failed"
printf 'remediate = plan\n' >>driftward.ini

git_() { git -C state.git "$@"; }
dwrun() { run "$1" "$DW_BIN" --config driftward.ini run "${@:2}"; }
value() { awk -v k="$1$2" '$1 == k { print $2 }' "$prom"; }
writes() { emulator_writes; }
graph_get() {
	curl -sf --cacert "$EMU_CA" -H "Authorization: Bearer $(emulator_token "$SAMPLE_WRITER" \
		"$SAMPLE_WRITER_SECRET")" "$EMU_URL$1"
}
# signed GIT-ARGS...: a git command in work/ that signs with the approver's key
signed() { git -C work -c gpg.format=ssh -c user.signingkey="$SCRATCH/approver.pub" "$@"; }

# A first run: no drift, so nothing to plan (no Graph read, no plan file).
dwrun 0
contains "$out" "contoso: ok; committed"
contains "$out" "contoso: remediate: nothing to do"
! git_ cat-file -e "$BRANCH:plan.json" 2>/dev/null || fail "a plan without drift"

# The owners approve the tenant's Conditional Access policies as they are:
# a signed commit on main with them as desired state.
git clone -q state.git work
mkdir -p work/desired/contoso
git_ archive "$BRANCH" conditionalAccessPolicies | tar -x -C work/desired/contoso
git -C work add -A
signed commit -qS -m "desired state: contoso's Conditional Access policies"
git -C work push -q origin HEAD:main
run 0 "$DW_BIN" --config driftward.ini verify
contains "$out" "good"

# remediate = plan: an admin turns the policy off; the run finds the drift
# (exit 2) and commits the plan that puts it back, beside the drift report,
# with secrets masked as in a plan file. Nothing is written to the tenant.
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
: >"$EMU_LOG"
dwrun 2
contains "$out" "contoso: drift found; committed"
contains "$out" "contoso: plan: 1 request (committed "
[ -z "$(writes)" ] || fail "remediate = plan wrote to the tenant: $(writes)"
git_ show "$BRANCH:plan.json" >plan.json || fail "no plan.json on $BRANCH"
python3 - plan.json "$POLICY" "$(git_ rev-parse main)" <<'PY' || fail "plan.json is not the plan: $(cat plan.json)"
import json, sys
path, policy, main = sys.argv[1:]
p = json.load(open(path))
assert p["commit"] == main, p["commit"]
(q,) = p["requests"]
assert q["method"] == "PATCH" and q["path"] == f"/identity/conditionalAccess/policies/{policy}", q
assert q["body"]["state"] == "enabled", q["body"]
PY
md=$(git_ show "$BRANCH:PLAN.md")
contains "$md" "# Restore plan: contoso"
contains "$md" "~ conditionalAccessPolicies/$POLICY: PATCH $CA/$POLICY (1 properties)"
contains "$md" 'state: "disabled" -> "enabled"'
contains "$md" "driftward apply plan.json"
msg=$(git_ log -1 --format=%B "$BRANCH")
contains "$msg" "contoso: plan: 1 request"
contains "$msg" "Approved-Commit: $(git_ rev-parse main)"
python3 "$PARSER" check "$prom" --tenant contoso --require driftward_remediate_result || fail "$prom is not what it should be"
[ "$(value driftward_remediate_result '{tenant="contoso",mode="plan",result="planned"}')" = 1 ] ||
	fail "the plan is not in the metrics: $(grep remediate "$prom")"
[ "$(value driftward_remediate_requests '{tenant="contoso",mode="plan"}')" = 1 ] ||
	fail "the plan's requests are not counted: $(grep remediate "$prom")"

# driftward status, from the repository alone, still says what the run
# said: the plan commit keeps the drift report.
run 0 "$DW_BIN" --config driftward.ini status
contains "$out" "contoso: drift found; last run "
contains "$out" "desired-state: open"

# Run again, nothing changed: the same plan, no second commit (and the
# snapshot kept plan.json and PLAN.md as they were).
tip=$(git_ rev-parse "$BRANCH")
dwrun 2
contains "$out" "contoso: plan: 1 request (unchanged since the last run)"
[ "$(git_ rev-parse "$BRANCH")" = "$tip" ] ||
	fail "an unchanged plan made a commit: $(git_ log --oneline "$tip..$BRANCH")"

# The plan file on the branch is the one driftward apply takes (refused for
# a read_only tenant, as any apply is; nothing sent).
git_ show "$BRANCH:plan.json" >plan.json
: >"$EMU_LOG"
run 1 "$DW_BIN" --config driftward.ini apply plan.json
contains "$err" "tenant contoso is read_only: restore sends no write"
[ -z "$(writes)" ] || fail "a read_only apply wrote: $(writes)"

# remediate = apply needs read_only = false: refused when the file is read.
sed -i 's/^remediate = plan$/remediate = apply/' driftward.ini
: >"$EMU_LOG"
dwrun 1
contains "$err" "remediate = apply needs read_only = false"
[ ! -s "$EMU_LOG" ] || fail "a refused configuration made requests: $(cat "$EMU_LOG")"
printf 'read_only = false\n' >>driftward.ini

# remediate = apply with an unsigned main tip: no write, the reason in the
# summary line, exit 1; the drift report is still committed.
git -C work pull -q origin main
echo "# who approves: see allowed_signers" >work/README-approvals.md
git -C work add -A
git -C work commit -qm "an unsigned change on main"
git -C work push -q origin HEAD:main
: >"$EMU_LOG"
dwrun 1
contains "$out" "contoso: drift found;"
contains "$out" "contoso: not applied: commit $(git_ rev-parse --short=12 main) is not approved: unsigned"
contains "$err" "tenant contoso: remediate: "
[ -z "$(writes)" ] || fail "an unapproved main tip was applied: $(writes)"
[ "$(value driftward_remediate_result '{tenant="contoso",mode="apply",result="refused"}')" = 1 ] ||
	fail "the refusal is not in the metrics: $(grep remediate "$prom")"
python3 "$PARSER" check "$prom" --tenant contoso --require driftward_remediate_result || fail "$prom is not what it should be"

# Signed and merged: the run restores the tenant (one PATCH), records the
# audit commit, takes a fresh snapshot, and pushes nothing (no remote).
signed commit -q --allow-empty -S -m "approved: restore contoso"
git -C work push -q origin HEAD:main
: >"$EMU_LOG"
dwrun 2 # drift found by this run's snapshot, then put right
contains "$out" "contoso: applied 1 of 1 (audit "
contains "$out" "; drift after: 0"
[ "$(writes)" = "PATCH $CA/$POLICY" ] || fail "expected exactly one PATCH, the emulator logged: $(writes)"
contains "$(graph_get "/v1.0/identity/conditionalAccess/policies/$POLICY")" '"state":"enabled"'
# on the branch: the audit commit, the snapshot after it, and the plan that
# remediate = plan had left there removed (apply writes none)
contains "$(git_ log -1 --format=%s "$BRANCH")" "contoso: plan: nothing to do"
contains "$(git_ log -1 --format=%s "$BRANCH~1")" "contoso: 1 changed"
contains "$(git_ log -1 --format=%s "$BRANCH~2")" "contoso: restore: 1 applied, 0 failed"
git_ show "$BRANCH~2:_restore.json" >/dev/null || fail "no audit commit before the snapshot"
contains "$(git_ log -1 --format=%B "$BRANCH~2")" "Approved-Commit: $(git_ rev-parse main)"
contains "$(git_ log -1 --format=%B "$BRANCH~2")" "Applied-By: driftward run (uid $(id -u))"
! git_ cat-file -e "$BRANCH:plan.json" 2>/dev/null || fail "the old plan is still on the branch"
[ "$(git_ show "$BRANCH:conditionalAccessPolicies/block-legacy-authentication--$POLICY.json")" = \
	"$(git_ show "main:desired/contoso/conditionalAccessPolicies/block-legacy-authentication--$POLICY.json")" ] ||
	fail "the snapshot after the apply does not show the policy as desired"
[ "$(value driftward_remediate_result '{tenant="contoso",mode="apply",result="applied"}')" = 1 ] ||
	fail "the apply is not in the metrics: $(grep remediate "$prom")"
[ "$(value driftward_remediate_writes '{tenant="contoso",status="applied"}')" = 1 ] ||
	fail "the write is not counted: $(grep remediate "$prom")"
python3 "$PARSER" check "$prom" --tenant contoso --require driftward_remediate_result || fail "$prom is not what it should be"
git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed"

# The next run: no drift, nothing to do, nothing written.
: >"$EMU_LOG"
dwrun 0
contains "$out" "contoso: ok;"
contains "$out" "contoso: remediate: nothing to do"
[ -z "$(writes)" ] || fail "a tenant without drift was written: $(writes)"

# With a remote: what remediation committed goes there in the run's last push.
git init -q --bare remote.git
git_ push -q "$SCRATCH/remote.git" main # the approved ref is fetched from the remote
sed -i "s|^metrics_dir = metrics$|&\nremote = $SCRATCH/remote.git|" driftward.ini
dwrun 0
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
dwrun 2
contains "$out" "contoso: applied 1 of 1"
[ "$(git -C remote.git rev-parse "$BRANCH")" = "$(git_ rev-parse "$BRANCH")" ] ||
	fail "the remote lacks remediation's commits"

# remediate = plan again: a plan while the drift lasts, removed (and pushed)
# once an admin puts the policy back.
sed -i 's/^remediate = apply$/remediate = plan/' driftward.ini
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
dwrun 2
contains "$out" "contoso: plan: 1 request (committed "
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"enabled"}'
dwrun 0
contains "$out" "contoso: remediate: nothing to do"
! git_ cat-file -e "$BRANCH:plan.json" 2>/dev/null || fail "a plan outlived its drift"
contains "$(git_ log -1 --format=%s "$BRANCH")" "contoso: plan: nothing to do"
[ "$(git -C remote.git rev-parse "$BRANCH")" = "$(git_ rev-parse "$BRANCH")" ] ||
	fail "the plan's removal was not pushed"

# A secret field (a VPN profile's pre-shared key, sealed in desired state):
# the plan on the branch shows it masked, as a plan file does; it is in
# plaintext nowhere in the repository or the output.
CANARY=canary-psk-7c41d09e2a
DC=/v1.0/deviceManagement/deviceConfigurations/cfe9facc-05ca-46e4-89cd-3f1cbd5cf9f4
oma() { # oma VALUE: the profile's OMA settings with the pre-shared key VALUE
	printf '{"@odata.type":"#microsoft.graph.windows10CustomConfiguration","omaSettings":[{"@odata.type":"#microsoft.graph.omaSettingString","displayName":"VPN pre-shared key","description":null,"omaUri":"./Vendor/MSFT/VPNv2/ContosoVPN/NativeProfile/Authentication/PSK","secretReferenceValueId":null,"isEncrypted":false,"value":"%s"},{"@odata.type":"#microsoft.graph.omaSettingInteger","displayName":"Always on","description":null,"omaUri":"./Vendor/MSFT/VPNv2/ContosoVPN/AlwaysOn","isReadOnly":false,"value":1}]}' "$1"
}
graph_write PATCH "$DC" "$(oma "$CANARY")"
dwrun 0
git -C work pull -q origin main
git_ archive "$BRANCH" deviceConfigurations | tar -x -C work/desired/contoso
git -C work add -A
signed commit -qS -m "desired state: contoso's device configurations"
git -C work push -q origin HEAD:main
git_ push -q "$SCRATCH/remote.git" main
graph_write PATCH "$DC" "$(oma changed-by-an-admin)"
dwrun 2
contains "$out" "contoso: plan: 1 request (committed "
git_ show "$BRANCH:plan.json" >plan-secret.json
contains "$(cat plan-secret.json)" '"value": "<secret>"'
contains "$(git_ show "$BRANCH:PLAN.md")" "~ deviceConfigurations/cfe9facc-05ca-46e4-89cd-3f1cbd5cf9f4: PATCH"
lacks "$(git_ show "$BRANCH:PLAN.md")" "$CANARY"
lacks "$(git_ log -p --all)" "$CANARY"
lacks "$(cat "$ALL_OUTPUT")" "$CANARY"

finish
