#!/usr/bin/env bash
# driftward snapshot against the Graph emulator, judged by the real git command:
# a clean history, one commit per change and none without, changes named
# exactly, renames followed, set-arrays and volatile keys making no noise, a
# failing collector keeping its files (exit 3), Changed-By from the audit log,
# and the tenant's secret never in the repository or the output.
. "$(dirname "$0")/lib.sh"

POLICY=1f76663f-8330-4f68-a52f-ec142d752a6a # "Block legacy authentication"
CA=/v1.0/identity/conditionalAccess/policies
BRANCH=tenants/contoso

sample_deployment "max_retries = 1"

git_() { git -C state.git "$@"; }
commits() { git_ rev-list --count "$BRANCH" 2>/dev/null || echo 0; }
snapshot() { run "$1" "$DW_BIN" --config driftward.ini snapshot "${@:2}"; }

# The first snapshot: every collector, one commit, a clean repository.
snapshot 0
contains "$out" "contoso: committed"
[ "$(commits)" -eq 1 ] || fail "expected 1 commit, got $(commits)"
git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed"
files=$(git_ ls-tree -r --name-only "$BRANCH")
contains "$files" "conditionalAccessPolicies/block-legacy-authentication--$POLICY.json"
contains "$files" "authorizationPolicy/authorizationPolicy.json"
contains "$files" "_status.json"
[ "$(grep -c '^[a-zA-Z]*/' <<<"$files")" -ge 60 ] || fail "too few objects: $files"
status=$(git_ show "$BRANCH:_status.json")
contains "$status" '"status": "ok"'
lacks "$status" '"failed"'
msg=$(git_ log -1 --format=%B "$BRANCH")
contains "$msg" "Tenant-Id: $SAMPLE_TENANT"
contains "$msg" "Run-Id: "
policy=$(git_ show "$BRANCH:conditionalAccessPolicies/block-legacy-authentication--$POLICY.json")
lacks "$policy" "modifiedDateTime"
lacks "$policy" "@odata.context"
# compacting the stored file gives the RFC 8785 bytes
[ "$(printf '%s' "$policy" | "$DW_BIN" json canon --compact)" = \
	"$(printf '%s' "$policy" | tr -d '\n' | sed 's/^ *//; s/: /:/g; s/, /,/g' | "$DW_BIN" json canon --compact)" ] ||
	fail "stored file is not canonical"

# Unchanged: no commit.
snapshot 0
contains "$out" "contoso: unchanged"
[ "$(commits)" -eq 1 ] || fail "an unchanged tenant made a commit"

# A reordered set-array (stored as [exchangeActiveSync, other]) and the
# modifiedDateTime the emulator bumps on every write: no commit either.
graph_write PATCH "$CA/$POLICY" '{"conditions":{"clientAppTypes":["other","exchangeActiveSync"]}}'
snapshot 0
[ "$(commits)" -eq 1 ] || fail "noise made a commit: $(git_ log -1 --stat "$BRANCH")"

# One changed policy: one commit naming exactly that file (and the drift
# reports it makes: legacy authentication is no longer blocked, exit 2), and
# who changed it.
graph_write PATCH "$CA/$POLICY" '{"state":"enabledForReportingButNotEnforced"}'
snapshot 2
[ "$(commits)" -eq 2 ] || fail "expected a second commit"
stat=$(git_ show --stat=1000 --format= "$BRANCH")
contains "$stat" "conditionalAccessPolicies/block-legacy-authentication--$POLICY.json"
[ "$(grep '|' <<<"$stat" | grep -cv 'drift.json\|DRIFT.md')" -eq 1 ] ||
	fail "the commit touches more than one file: $stat"
msg=$(git_ log -1 --format=%B "$BRANCH")
contains "$msg" "contoso: 1 changed, 0 added, 0 removed; drift 1 (1 high)"
contains "$msg" "Drift-Count: 1"
contains "$msg" "Changed-By: "
contains "$msg" "conditionalAccessPolicies/block-legacy-authentication--$POLICY.json"
[ "$(git_ log -1 --format='%(trailers:key=Changed-By,valueonly)' "$BRANCH" | grep -c .)" -ge 1 ] ||
	fail "git does not see a Changed-By trailer"

# A rename is a rename: git log --follow tracks the file through it.
graph_write PATCH "$CA/$POLICY" '{"displayName":"Block legacy auth (all users)"}'
snapshot 2
new=conditionalAccessPolicies/block-legacy-auth-all-users--$POLICY.json
renames=$(git_ show -M --format= --name-status "$BRANCH")
contains "$renames" "R"
contains "$renames" "$new"
[ "$(git_ log --follow --format=%H "$BRANCH" -- "$new" | wc -l)" -ge 3 ] ||
	fail "git log --follow does not reach the file's first version"

# A collector failing with 503 keeps its files, is marked failed, and exits 3.
before=$(git_ ls-tree -r "$BRANCH" namedLocations)
set_faults '{"rules":[{"path":"/v1.0/identity/conditionalAccess/namedLocations*","status":503}]}'
graph_write PATCH "$CA/$POLICY" '{"state":"enabled"}'
snapshot 3
contains "$err" "namedLocations: failed"
[ "$(git_ ls-tree -r "$BRANCH" namedLocations)" = "$before" ] || fail "a failed collector lost files"
contains "$(git_ show "$BRANCH:_status.json")" '"failed"'
contains "$(git_ log -1 --format=%B "$BRANCH")" "1 collector incomplete"
set_faults '{"rules":[]}'
snapshot 0
lacks "$(git_ show "$BRANCH:_status.json")" '"failed"'

# Shards: contoso is in exactly one of two; a bad shard is a usage error.
snapshot 0 --shard 0/2
first=$out
snapshot 0 --shard 1/2
[ "$(printf '%s\n%s\n' "$first" "$out" | grep -c '^contoso: ')" -eq 1 ] ||
	fail "contoso is not in exactly one shard: '$first' / '$out'"
snapshot 1 --shard 2/2
contains "$err" "--shard: '2/2' is not I/N"
snapshot 1 -t nobody
contains "$err" "no tenant 'nobody'"

# Nothing secret anywhere: not the client secret, not a token, not the key.
git_ fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed at the end"
identity=$(grep AGE-SECRET-KEY key.txt)
for needle in "$SAMPLE_SECRET" "$identity" "Bearer ey"; do
	if git_ log -p --all | grep -qF -- "$needle"; then fail "'$needle' is in the repository"; fi
	if grep -rqF -- "$needle" state.git 2>/dev/null; then fail "'$needle' is in state.git"; fi
done
run 0 "$DW_BIN" --config driftward.ini -vv --log-format json snapshot
for needle in "$SAMPLE_SECRET" "$identity" "eyJ"; do
	lacks "$out$err" "$needle"
done

finish
