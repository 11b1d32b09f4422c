#!/usr/bin/env bash
# driftward drift on a state repository built with the real git: main holds
# rules, vars and a waiver, the tenant branch two snapshots. The reports are
# judged by outside authorities: drift.json by its JSON Schema, SARIF by the
# official OASIS schema, JUnit by an XML parser; `drift --at` reproduces an
# old day's committed report byte for byte, first-seen dates survive, and the
# exit status says drift (2), unknown (3) or none (0).
. "$(dirname "$0")/lib.sh"

SCHEMA=$DW_SOURCE_DIR/docs/drift.schema.json
SARIF_SCHEMA=$DW_SOURCE_DIR/tests/vectors/sarif/sarif-schema-2.1.0.json

git init -q --bare state.git
git -C state.git config driftward.repositoryFormat 1 # made by hand: driftward's mark
git init -q -b main work
G() { git -C work -c user.name=Admin -c user.email=admin@example.com "$@"; }
# commit_at DATE MESSAGE: a commit with a fixed date, so reports are reproducible
commit_at() {
	G add -A
	GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" G commit -q -m "$2"
}

mkdir -p work/baselines/entra work/vars work/waivers
cat >work/baselines/entra/block-legacy.yaml <<'EOF'
schema: driftward/baseline/v1
id: entra.ca.block-legacy-auth
title: Legacy authentication is blocked by Conditional Access
severity: high
references: [{framework: SCuBA, id: MS.AAD.1.1v1}]
target: {collector: conditionalAccessPolicies, where: [{path: /state, equals: enabled}]}
expect: any
assert:
  - {path: /conditions/users/includeUsers, contains: All}
  - {path: /conditions/users/excludeUsers, subsetOf: "${caExclusions.users}"}
  - {path: /conditions/clientAppTypes, containsAll: [exchangeActiveSync, other]}
  - {path: /grantControls/builtInControls, contains: block}
remediation: {guidance: "Block legacy authentication for all users."}
EOF
cat >work/baselines/entra/invites.yaml <<'EOF'
schema: driftward/baseline/v1
id: entra.authz.guest-invites
title: Only admins and guest inviters invite guests
severity: medium
target: {collector: authorizationPolicy}
expect: all
assert: [{path: /allowInvitesFrom, in: [adminsAndGuestInviters, none]}]
EOF
cat >work/vars/default.yaml <<'EOF'
caExclusions: {users: [], groups: []}
EOF
cat >work/waivers/invites.yaml <<'EOF'
schema: driftward/waiver/v1
rule: entra.authz.guest-invites
tenant: contoso
rationale: partners invite their own staff until the B2B project ends
owner: alice@example.com
expires: 2026-03-31
EOF
commit_at "2026-01-01T10:00:00Z" "baselines"
G push -q ../state.git main

# The first snapshot: the policy excludes a user no variable allows; invites are waived.
G checkout -q --orphan tenants/contoso
G rm -rq --cached . && rm -rf work/baselines work/vars work/waivers
mkdir -p work/conditionalAccessPolicies work/authorizationPolicy
POLICY=work/conditionalAccessPolicies/block-legacy-authentication--p1.json
cat >"$POLICY" <<'EOF'
{"id": "p1", "displayName": "Block legacy authentication", "state": "enabled",
 "conditions": {"users": {"includeUsers": ["All"], "excludeUsers": ["u-7"]},
                "clientAppTypes": ["exchangeActiveSync", "other"]},
 "grantControls": {"builtInControls": ["block"]}}
EOF
echo '{"id": "authorizationPolicy", "allowInvitesFrom": "everyone"}' \
	>work/authorizationPolicy/authorizationPolicy.json
cat >work/_status.json <<'EOF'
{"schema": "driftward/status/v1", "tenant": "contoso", "tenantId": "t",
 "collectors": {"conditionalAccessPolicies": {"status": "ok", "objects": 1},
                "authorizationPolicy": {"status": "ok", "objects": 1}}}
EOF
commit_at "2026-02-01T06:00:00Z" "contoso: first snapshot"
G push -q ../state.git tenants/contoso
first=$(G rev-parse HEAD)

"$DW_BIN" keygen -o key.txt >/dev/null 2>&1
cat >driftward.ini <<EOF
[agent]
state_repo = state.git
key_file = key.txt
catalog = $DW_SOURCE_DIR/config/collectors.yaml
EOF
drift() { run "$1" "$DW_BIN" --config driftward.ini drift "${@:2}"; }

# Drift: exit 2, the four reports in out/contoso/.
drift 2 -o out --format json,md,junit,sarif
contains "$err" "contoso: drift 1 (1 high), 1 waived"
for f in drift.json DRIFT.md drift.junit.xml drift.sarif; do
	[ -s "out/contoso/$f" ] || fail "no out/contoso/$f"
done
validate() { # validate SCHEMA FILE
	"$PY_SCHEMA" - "$1" "$2" <<'EOF' || fail "$2 does not validate against $1"
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:5]:
    print("%s: %s" % ("/".join(map(str, e.path)), e.message), file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
}
validate "$SCHEMA" out/contoso/drift.json
validate "$SARIF_SCHEMA" out/contoso/drift.sarif
python3 -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r.find("testsuite")
assert r.tag == "testsuites" and s.get("failures") == "1" and s.get("skipped") == "1", ET.tostring(r)
assert len(s.findall("testcase/failure")) == 1' out/contoso/drift.junit.xml ||
	fail "drift.junit.xml is not what a JUnit reader expects"
report=$(cat out/contoso/drift.json)
contains "$report" '"expected": []'
contains "$report" '"u-7"'
contains "$report" '"firstSeen": "2026-02-01T06:00:00Z"'
md=$(cat out/contoso/DRIFT.md)
contains "$md" "| high | 1 |"
contains "$md" "[Block legacy authentication](conditionalAccessPolicies/block-legacy-authentication--p1.json)"
contains "$md" '| `/conditions/users/excludeUsers` | subsetOf | `[]` | `["u-7"]` |'
contains "$md" "partners invite their own staff"
sarif=$(cat out/contoso/drift.sarif)
contains "$sarif" '"driftwardFinding/v1"'
contains "$sarif" '"suppressions"'

# The snapshot commits its report, as snapshot does; a later snapshot keeps the first-seen date.
# (Its report can't name the commit it goes into: drift.json has the commit's time, not its id.)
cp out/contoso/drift.json out/contoso/DRIFT.md work/
G add -A
GIT_AUTHOR_DATE="2026-02-01T06:00:00Z" GIT_COMMITTER_DATE="2026-02-01T06:00:00Z" \
	G commit -q --amend --no-edit
first=$(G rev-parse HEAD)
echo '{"id": "authorizationPolicy", "allowInvitesFrom": "everyone", "x": 1}' \
	>work/authorizationPolicy/authorizationPolicy.json
commit_at "2026-04-02T06:00:00Z" "contoso: second snapshot"
G push -q -f ../state.git tenants/contoso
drift 2 --format json
contains "$out" '"firstSeen": "2026-02-01T06:00:00Z"'
contains "$out" '"commitTime": "2026-04-02T06:00:00Z"'
# the waiver expired on 2026-03-31: drift again, and it says so
contains "$out" 'expired on 2026-03-31'
contains "$out" '"expired": true'
[ "$(grep -c '"status": "fail"' <<<"$out")" -eq 2 ] || fail "expected two failures: $out"

# --at the first snapshot reproduces that day's committed report byte for byte.
drift 2 --at "$first" --format json
[ "$out" = "$(git -C state.git show "$first:drift.json" | sed -e '$a\')" ] ||
	fail "--at $first did not reproduce its drift.json: $(diff <(echo "$out") <(git -C state.git show "$first:drift.json"))"
drift 2 --at "$first" -o at1 --format json,md,sarif,junit
drift 2 --at "$first" -o at2 --format json,md,sarif,junit
diff -r at1 at2 >/dev/null || fail "two runs --at the same commit differ"
cmp -s at1/contoso/drift.json <(git -C state.git show "$first:drift.json") ||
	fail "-o at1 drift.json differs from the committed one"

# An unread collector: unknown, never pass or fail; exit 3 when nothing failed.
G checkout -q -b tenants/fabrikam "$first"
sed -i 's/"tenant": "contoso"/"tenant": "fabrikam"/; s/"status": "ok", "objects": 1},$/"status": "partial", "objects": 1},/' \
	work/_status.json
echo '{"id": "authorizationPolicy", "allowInvitesFrom": "none"}' \
	>work/authorizationPolicy/authorizationPolicy.json
rm -f work/drift.json work/DRIFT.md
commit_at "2026-04-03T06:00:00Z" "fabrikam"
G push -q ../state.git tenants/fabrikam
drift 3 -t fabrikam --format json
contains "$out" '"status": "unknown"'
contains "$out" 'was not read completely (partial)'

# check lints main: each problem as file:line:col, and exit 1.
G checkout -q main
cat >work/baselines/entra/broken.yaml <<'EOF'
schema: driftward/baseline/v1
id: entra.broken
title: Broken
severity: high
target: {collector: conditionalAccessPolicies}
expect: any
assert:
  - {path: /state, equal: enabled}
  - {path: /conditions/users/excludeUsers, subsetOf: "${caExclusions.roles}"}
EOF
printf 'schema: driftward/baseline/v1\nid: entra.broken2\nenabled: yes\n' >work/baselines/entra/broken2.yaml
commit_at "2026-04-04T06:00:00Z" "a broken rule"
G push -q ../state.git main
run 1 "$DW_BIN" --config driftward.ini check
contains "$err" "baselines/entra/broken.yaml:8:20: error: unknown operator 'equal'"
contains "$err" "baselines/entra/broken.yaml:9:54: error: undefined variable 'caExclusions.roles'"
contains "$err" "baselines/entra/broken2.yaml:3:10: error: ambiguous value 'yes'"
contains "$err" "baselines on refs/heads/main: 3 problems found"
# drift refuses to evaluate with a broken rule rather than leave it out
drift 1 -t contoso
contains "$err" "unknown operator 'equal'"

finish
