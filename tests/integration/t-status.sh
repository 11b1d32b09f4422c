#!/usr/bin/env bash
# driftward status: per tenant the last run, its result, open findings with
# their age, incomplete collectors and the last push, read from the state
# repository alone: the same answer from a git clone --mirror of it, without a
# configuration, as from the agent's own repository, and the same words and
# commit as run's summary line.
. "$(dirname "$0")/lib.sh"

git init -q --bare remote.git
sample_deployment "remote = $SCRATCH/remote.git"
dwstatus() { run "$1" "$DW_BIN" --config driftward.ini status "${@:2}"; }
# field JSON-POINTER-ish PYTHON-EXPR over $out (a status document)
field() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <<<"$out"; }
# the document without the ages, which count to the second the command ran
no_ages() { python3 -c 'import json, sys
d = json.load(sys.stdin)
for t in d["tenants"]:
    for f in (t["findings"] or {}).get("open", []):
        f.pop("ageSeconds")
print(json.dumps(d, sort_keys=True))'; }

# Before any run: no branch, said so.
dwstatus 0
contains "$out" "no tenant has a branch yet"

# After a run: status says what run's summary said, about the same commit.
run 0 "$DW_BIN" --config driftward.ini run
summary=$out
commit=$(git -C state.git rev-parse tenants/contoso)
contains "$summary" "contoso: ok; committed ${commit:0:12}"
dwstatus 0
contains "$out" "contoso: ok; last run "
contains "$out" "commit ${commit:0:12} (run "
contains "$out" "findings: 0 open" # the run committed its drift report: the sample has no drift
contains "$out" "push: pushed (refs/remotes/driftward/tenants/contoso is at ${commit:0:12})"
lacks "$out" "incomplete:"
dwstatus 0 --format json
[ "$(field 'd["schema"]')" = driftward/tenant-status/v1 ] || fail "schema: $out"
[ "$(field 'd["tenants"][0]["lastRun"]["commit"]')" = "$commit" ] || fail "commit: $out"
[ "$(field 'd["tenants"][0]["lastRun"]["tenantId"]')" = "$SAMPLE_TENANT" ] || fail "tenant id: $out"
[ "$(field 'd["tenants"][0]["lastRun"]["time"]')" = \
	"$(TZ=UTC git -C state.git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd tenants/contoso)" ] ||
	fail "time: $out"
[ "$(field 'd["tenants"][0]["lastRun"]["runId"]')" = \
	"$(git -C state.git log -1 --format='%(trailers:key=Run-Id,valueonly)' tenants/contoso | head -1)" ] ||
	fail "run id: $out"
[ "$(field 'd["tenants"][0]["push"]["unpushed"]')" = 0 ] || fail "unpushed: $out"

# A collector failing: exit 3 from run, "incomplete" from status, naming it and why.
set_faults '{"rules":[{"path":"/v1.0/identity/conditionalAccess/namedLocations*","status":503}]}'
run 3 "$DW_BIN" --config driftward.ini run
contains "$out" "contoso: incomplete"
set_faults '{"rules":[]}'
dwstatus 0
contains "$out" "contoso: incomplete; last run"
contains "$out" "incomplete: namedLocations: failed (transient: HTTP 503"
contains "$out" "commit $(git -C state.git rev-parse --short=12 tenants/contoso)"
run 0 "$DW_BIN" --config driftward.ini run

# A drift report on the branch (committed as the run's drift step will): the
# failing findings by severity with their age; passing ones are not open.
now=$(date +%s)
two_days_ago=$(date -u -d "@$((now - 2 * 86400 - 3 * 3600))" +%Y-%m-%dT%H:%M:%SZ)
an_hour_ago=$(date -u -d "@$((now - 3600 - 120))" +%Y-%m-%dT%H:%M:%SZ)
cat >drift.json <<JSON
{"schema": "driftward/drift/v1", "tenant": "contoso",
 "findings": [
  {"fingerprint": "$(printf a%.0s {1..64})", "kind": "rule", "rule": "entra.ca.block-legacy-auth",
   "title": "Legacy authentication is blocked", "severity": "high", "status": "fail",
   "collector": "conditionalAccessPolicies", "firstSeen": "$two_days_ago"},
  {"fingerprint": "$(printf b%.0s {1..64})", "kind": "rule", "rule": "entra.mfa.admins",
   "title": "Administrators use MFA", "severity": "medium", "status": "fail",
   "collector": "conditionalAccessPolicies", "firstSeen": "$an_hour_ago"},
  {"fingerprint": "$(printf c%.0s {1..64})", "kind": "rule", "rule": "entra.passing",
   "title": "A rule that passes", "severity": "critical", "status": "pass",
   "collector": "authorizationPolicy"}
 ]}
JSON
blob=$(git -C state.git hash-object -w --stdin <drift.json)
GIT_INDEX_FILE=$SCRATCH/index git -C state.git read-tree tenants/contoso
GIT_INDEX_FILE=$SCRATCH/index git -C state.git update-index --add --cacheinfo "100644,$blob,drift.json"
tree=$(GIT_INDEX_FILE=$SCRATCH/index git -C state.git write-tree)
new=$(git -C state.git -c user.name=t -c user.email=t@t commit-tree "$tree" -p tenants/contoso \
	-m "contoso: drift report" -m "Tenant-Id: $SAMPLE_TENANT")
git -C state.git update-ref refs/heads/tenants/contoso "$new"
dwstatus 0
contains "$out" "contoso: drift found; last run"
contains "$out" "findings: 2 open (1 high, 1 medium)"
contains "$out" "high     entra.ca.block-legacy-auth: open 2d 3h (since $two_days_ago)"
contains "$out" "medium   entra.mfa.admins: open 1h 2m (since $an_hour_ago)"
lacks "$out" "entra.passing"
# the commit not pushed yet
contains "$out" "push: 1 commit(s) not pushed (refs/remotes/driftward/tenants/contoso"
dwstatus 0 --format json
[ "$(field 'sorted(d["tenants"][0]["findings"]["bySeverity"].items())')" = \
	"[('critical', 0), ('high', 1), ('info', 0), ('low', 0), ('medium', 1)]" ] ||
	fail "by severity: $out"
age=$(field 'd["tenants"][0]["findings"]["open"][0]["ageSeconds"]')
[ "$age" -ge $((2 * 86400 + 3 * 3600)) ] && [ "$age" -le $((2 * 86400 + 3 * 3600 + 60)) ] ||
	fail "age $age"
[ "$(field 'd["tenants"][0]["push"]["state"]')" = behind ] || fail "push: $out"

# A copy on a laptop: a mirror clone, no configuration, the same answer.
mine=$(no_ages <<<"$out")
git clone -q --mirror "$SCRATCH/state.git" laptop.git
run 0 "$DW_BIN" status --repo laptop.git --format json
[ "$(no_ages <<<"$out")" = "$mine" ] || fail "the mirror's status differs: $out"
run 0 "$DW_BIN" status --repo laptop.git -t contoso
contains "$out" "contoso: drift found; last run"
contains "$out" "push: 1 commit(s) not pushed"

# Bad requests: a tenant without a branch, a format that does not exist, a non-repository.
dwstatus 1 -t fabrikam
contains "$err" "no tenant 'fabrikam'"
dwstatus 1 --format yaml
contains "$err" "unknown format 'yaml'"
run 1 "$DW_BIN" status --repo "$SCRATCH/nothing-here.git"
contains "$err" "nothing-here.git"

finish
