#!/usr/bin/env bash
# The shipped baselines on a real snapshot, judged as the snapshot commits
# it: driftward init seeds main with rules that compile (check says so), the
# emulator's sample tenant meets every one of them (no failure, no error, no
# unknown), and the snapshot commits drift.json and DRIFT.md with its files.
# An admin's change is drift: exit 2, "; drift N (K high)" in the subject, a
# Drift-Count trailer git reads, the finding in DRIFT.md, and `drift --at`
# that commit reproduces both reports byte for byte. An unchanged tenant
# makes no commit; first-seen dates carry over; drift outranks an incomplete
# collector (2 before 3), and a rule whose collector was not read is unknown.
. "$(dirname "$0")/lib.sh"

BRANCH=tenants/contoso
git_() { git -C state.git "$@"; }
commits() { git_ rev-list --count "$BRANCH"; }
snapshot() { run "$1" "$DW_BIN" --config driftward.ini snapshot; }
committed() { git_ show "$BRANCH:$1"; }
statuses() { # statuses RULE: the rule's statuses in the committed drift.json
	committed drift.json | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join(sorted({f["status"] for f in d["findings"] if f["rule"] == sys.argv[1]})))' "$1"
}
count() { # count STATUS: findings with that status in the committed drift.json
	committed drift.json | python3 -c 'import json, sys
print(sum(f["status"] == sys.argv[1] for f in json.load(sys.stdin)["findings"]))' "$1"
}

sample_deployment "max_retries = 1"
run 0 "$DW_BIN" --config driftward.ini check
contains "$out" "baselines on refs/heads/main: ok"

# The sample as shipped: every rule evaluated, none fails.
snapshot 0
contains "$out" "contoso: committed"
contains "$out" "; drift 0 (0 high)"
files=$(git_ ls-tree -r --name-only "$BRANCH")
contains "$files" "drift.json"
contains "$files" "DRIFT.md"
[ "$(count fail)" -eq 0 ] || fail "the sample fails $(count fail) rules"
[ "$(count error)" -eq 0 ] || fail "the sample has rules in error"
[ "$(count unknown)" -eq 0 ] || fail "the sample has unknown rules"
[ "$(count pass)" -ge 20 ] || fail "too few rules pass: $(count pass)"
committed drift.json >first.json
"$PY_SCHEMA" - first.json "$DW_SOURCE_DIR/docs/drift.schema.json" <<'PY' || fail "drift.json does not validate"
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
PY
contains "$(git_ log -1 --format=%s "$BRANCH")" "; drift 0 (0 high)"
[ "$(git_ log -1 --format='%(trailers:key=Drift-Count,valueonly)' "$BRANCH" | sed '/^$/d')" = 0 ] ||
	fail "git reads no Drift-Count: 0 trailer"
# the report is dated with its commit's time
[ "$(python3 -c 'import json; print(json.load(open("first.json"))["commitTime"])')" = \
	"$(TZ=UTC git_ log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd "$BRANCH")" ] ||
	fail "commitTime is not the commit's time"
# DRIFT.md dates the snapshot; it can't name the commit it is part of
contains "$(committed DRIFT.md)" "Snapshot of $(python3 -c 'import json; print(json.load(open("first.json"))["commitTime"])'); rules from \`refs/heads/main\`"
run 0 "$DW_BIN" --config driftward.ini drift -o reports
cmp -s reports/contoso/drift.json first.json || fail "drift disagrees with the committed report"

# Unchanged: no commit, still no drift.
snapshot 0
contains "$out" "contoso: unchanged"
[ "$(commits)" -eq 1 ] || fail "an unchanged tenant made a commit"

# The admin lets everyone invite guests: drift, exit 2, in the same commit as the change.
graph_write PATCH /v1.0/policies/authorizationPolicy '{"allowInvitesFrom":"everyone"}'
sleep 1 # a later commit time than the first snapshot
snapshot 2
contains "$out" "; drift 1 ("
[ "$(commits)" -eq 2 ] || fail "expected a second commit"
stat=$(git_ show --stat=1000 --format= "$BRANCH")
contains "$stat" "authorizationPolicy/authorizationPolicy.json"
contains "$stat" "drift.json"
contains "$stat" "DRIFT.md"
subject=$(git_ log -1 --format=%s "$BRANCH")
contains "$subject" "contoso: 1 changed, 0 added, 0 removed; drift 1 ("
[ "$(git_ log -1 --format='%(trailers:key=Drift-Count,valueonly)' "$BRANCH" | sed '/^$/d')" = 1 ] ||
	fail "git reads no Drift-Count: 1 trailer"
[ "$(statuses entra.authz.guest-invites-restricted)" = fail ] || fail "guest invites should fail"
contains "$(committed DRIFT.md)" '| `/allowInvitesFrom` | equals | `"adminsAndGuestInviters"` | `"everyone"` |'
seen=$(committed drift.json | python3 -c 'import json, sys
print([f for f in json.load(sys.stdin)["findings"] if f["status"] == "fail"][0]["firstSeen"])')
second=$(git_ rev-parse "$BRANCH")
# drift --at the commit gives, byte for byte, the reports it holds
run 2 "$DW_BIN" --config driftward.ini drift --at "$second" --format json
[ "$out" = "$(committed drift.json)" ] || fail "--at did not reproduce drift.json: $(diff <(echo "$out") <(committed drift.json))"
run 2 "$DW_BIN" --config driftward.ini drift --at "$second" -o at
cmp -s at/contoso/drift.json <(committed drift.json) || fail "--at -o: drift.json differs"
cmp -s at/contoso/DRIFT.md <(committed DRIFT.md) || fail "--at -o: DRIFT.md differs"

# Unchanged and still drifted: exit 2, no commit.
snapshot 2
contains "$out" "contoso: unchanged"
[ "$(commits)" -eq 2 ] || fail "an unchanged drifted tenant made a commit"

# A second problem a second later: the first keeps its first-seen date.
graph_write PATCH /v1.0/admin/sharepoint/settings '{"sharingCapability":"externalUserAndGuestSharing"}'
sleep 1
snapshot 2
contains "$out" "; drift 2 ("
contains "$(committed drift.json)" "\"firstSeen\": \"$seen\""
[ "$(statuses sharepoint.external-sharing-limited)" = fail ] || fail "SharePoint sharing should fail"

# Drift outranks an incomplete collector (2 before 3); a rule whose
# collector was not read is unknown, never pass or fail.
set_faults '{"rules":[{"path":"/v1.0/admin/sharepoint/settings*","status":503}]}'
snapshot 2
contains "$err" "sharepointSettings: failed"
[ "$(statuses sharepoint.external-sharing-limited)" = unknown ] || fail "an unread collector's rule should be unknown"
# with the other problem fixed, only the incomplete collector is left: 3
graph_write PATCH /v1.0/policies/authorizationPolicy '{"allowInvitesFrom":"adminsAndGuestInviters"}'
snapshot 3
contains "$out" "; drift 0 (0 high)"
set_faults '{"rules":[]}'
graph_write PATCH /v1.0/admin/sharepoint/settings '{"sharingCapability":"existingExternalUserSharingOnly"}'
snapshot 0
[ "$(count fail)" -eq 0 ] || fail "the fixed tenant still fails $(count fail) rules"
git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed"
finish
