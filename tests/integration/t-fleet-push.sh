#!/usr/bin/env bash
# Shards at fleet scale (issue 15): four shard processes over 200 tenants of
# the emulator's fleet push to one remote (git's own receive-pack behind
# http-backend) at the same time. Every tenant's branch arrives exactly once,
# from the one shard that owns it, each shard pushes once per run (none when
# nothing changed), git fsck --strict on the remote is clean, --shard auto/N
# takes the index from JOB_COMPLETION_INDEX, and a branch the remote refused
# is pushed by the next run.
. "$(dirname "$0")/lib.sh"

TENANTS=200
SHARDS=4

start_emulator "$EMULATOR_DIR/sample" --fleet "$TENANTS"

# the remote, with hooks that record every push and every ref it received
git init -q --bare remote.git
git -C remote.git config http.receivepack true
cat >remote.git/hooks/post-receive <<HOOK
#!/bin/sh
echo push >>'$SCRATCH/pushes'
cat >>'$SCRATCH/received'
HOOK
chmod +x remote.git/hooks/post-receive
python3 "$DW_SOURCE_DIR/tests/integration/git_http_server.py" "$SCRATCH" "$SCRATCH/git.port" \
	>"$SCRATCH/git-server.out" 2>&1 &
GIT_PID=$!
cleanup_hooks+=("kill $GIT_PID 2>/dev/null; wait $GIT_PID 2>/dev/null")
for _ in $(seq 1 200); do [ -s git.port ] && break; sleep 0.05; done
[ -s git.port ] || fail "git server did not start"
REMOTE=http://127.0.0.1:$(cat git.port)/remote.git

# one configuration per shard (as on separate hosts): its own state repository
for s in $(seq 0 $((SHARDS - 1))); do
	FLEET_STATE=shard$s.git fleet_config "shard$s.ini" "$TENANTS" "collectors = conditionalAccessPolicies, namedLocations, organization" \
		"remote = $REMOTE" "concurrency = 16"
	run 0 "$DW_BIN" --config shard$s.ini init --baselines "$DW_SOURCE_DIR/baselines"
done
fleet_secret shard0.ini
[ -s fleet.age ] || fail "no fleet.age"

# --shard auto/N: the index comes from the environment, checked
run 1 env -u JOB_COMPLETION_INDEX "$DW_BIN" --config shard0.ini snapshot --shard auto/4
contains "$err" "JOB_COMPLETION_INDEX is not set"
run 1 env JOB_COMPLETION_INDEX=4 "$DW_BIN" --config shard0.ini snapshot --shard auto/4
contains "$err" "JOB_COMPLETION_INDEX '4' is not a number from 0 to 3"
run 1 env JOB_COMPLETION_INDEX=-1 "$DW_BIN" --config shard0.ini snapshot --shard auto/4
contains "$err" "is not a number"
run 1 "$DW_BIN" --config shard0.ini snapshot --shard auto/0
contains "$err" "is not I/N"
[ ! -e pushes ] || fail "a refused command line pushed"

# all shards at once: shards 0-2 from the environment, shard 3 by number
shard() { # shard S: one shard's run, its status in shardS.status
	local status=0
	if [ "$1" -lt 3 ]; then
		JOB_COMPLETION_INDEX=$1 "$DW_BIN" --config "shard$1.ini" snapshot --shard "auto/$SHARDS" \
			>"shard$1.out" 2>&1 || status=$?
	else
		"$DW_BIN" --config "shard$1.ini" snapshot --shard "$1/$SHARDS" >"shard$1.out" 2>&1 ||
			status=$?
	fi
	echo "$status" >"shard$1.status"
}
all_shards() {
	local s pids=()
	for s in $(seq 0 $((SHARDS - 1))); do
		shard "$s" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for s in $(seq 0 $((SHARDS - 1))); do
		cat "shard$s.out" >>"$ALL_OUTPUT"
		[ "$(cat "shard$s.status")" = 0 ] || { cat "shard$s.out" >&2; fail "shard $s exited $(cat "shard$s.status")"; }
	done
	tests_run=$((tests_run + 1))
}
all_shards

# every branch once, from the shard that committed it, and no shard's twice
branches=$(git -C remote.git for-each-ref --format='%(refname)' refs/heads/tenants | wc -l)
[ "$branches" -eq "$TENANTS" ] || fail "the remote has $branches tenant branches, not $TENANTS"
[ "$(wc -l <received)" -eq "$TENANTS" ] || fail "$(wc -l <received) ref updates for $TENANTS tenants"
[ "$(awk '{print $3}' received | sort | uniq -d | wc -l)" -eq 0 ] || fail "a branch arrived twice"
[ "$(wc -l <pushes)" -eq "$SHARDS" ] || fail "$(wc -l <pushes) pushes from $SHARDS shards"
: >owned
for s in $(seq 0 $((SHARDS - 1))); do
	mine=$(git -C shard$s.git for-each-ref --format='%(refname) %(objectname)' refs/heads/tenants)
	[ -n "$mine" ] || fail "shard $s has no tenants"
	printf '%s\n' "$mine" >>owned
	contains "$(cat "shard$s.out")" "push: $(printf '%s\n' "$mine" | wc -l) branch(es) pushed, 0 not pushed"
done
[ "$(awk '{print $1}' owned | sort -u | wc -l)" -eq "$TENANTS" ] || fail "shards overlap or miss tenants"
[ "$(sort owned)" = "$(git -C remote.git for-each-ref --format='%(refname) %(objectname)' \
	refs/heads/tenants | sort)" ] || fail "the remote's branches are not the shards' commits"
git -C remote.git fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict on the remote"
org=$(git -C remote.git ls-tree -r --name-only tenants/fleet00123 organization)
contains "$(git -C remote.git show "tenants/fleet00123:$org")" '"fleet00123"'

# nothing changed: each shard commits nothing and pushes nothing
all_shards
[ "$(wc -l <pushes)" -eq "$SHARDS" ] || fail "an unchanged run pushed"

# a refused branch fails its tenant, keeps its commit, and goes with the next run
victim=$(git -C shard1.git for-each-ref --format='%(refname)' refs/heads/tenants | head -1)
name=${victim#refs/heads/tenants/}
token=$(curl -sf --cacert "$EMU_CA" "$EMU_URL/$name.onmicrosoft.com/oauth2/v2.0/token" \
	--data-urlencode grant_type=client_credentials --data-urlencode "client_id=$SAMPLE_WRITER" \
	--data-urlencode "client_secret=$SAMPLE_WRITER_SECRET" \
	--data-urlencode "scope=https://graph.microsoft.com/.default" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -sf --cacert "$EMU_CA" -X POST -H "Authorization: Bearer $token" \
	-H "Content-Type: application/json" "$EMU_URL/v1.0/identity/conditionalAccess/namedLocations" \
	--data '{"@odata.type":"#microsoft.graph.ipNamedLocation","displayName":"new office","isTrusted":false,"ipRanges":[]}' \
	>/dev/null || fail "could not change $name in the emulator"
printf '#!/bin/sh\n[ "$1" = %s ] && exit 1\nexit 0\n' "$victim" \
	>remote.git/hooks/update
chmod +x remote.git/hooks/update
before=$(git -C shard1.git rev-parse "$victim")
run 1 env JOB_COMPLETION_INDEX=1 "$DW_BIN" --config shard1.ini snapshot --shard auto/4
contains "$err" "tenant $name: $victim was not pushed; the next run pushes it"
contains "$err" "hook declined"
ahead=$(git -C shard1.git rev-parse "$victim")
[ "$ahead" != "$before" ] || fail "$name did not commit the change"
[ "$(git -C remote.git rev-parse "$victim")" != "$ahead" ] || fail "the refused branch moved"
rm remote.git/hooks/update
run 0 env JOB_COMPLETION_INDEX=1 "$DW_BIN" --config shard1.ini snapshot --shard auto/4
contains "$out" "$name: unchanged"
contains "$out" "push: 1 branch(es) pushed, 0 not pushed"
[ "$(git -C remote.git rev-parse "$victim")" = "$ahead" ] || fail "the next run did not push $victim"
git -C remote.git fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict at the end"
lacks "$(cat "$ALL_OUTPUT")" "$SAMPLE_SECRET"

finish
