#!/usr/bin/env bash
# Only our repository: snapshot refuses a bare repository driftward did not
# make (directly or through a symbolic link), says how to adopt it, and works
# once it is adopted.
. "$(dirname "$0")/lib.sh"

sample_deployment "max_retries = 1"

git init -q --bare foreign.git
git --git-dir=foreign.git commit-tree -m theirs "$(git --git-dir=foreign.git mktree </dev/null)" >id
git --git-dir=foreign.git update-ref refs/heads/main "$(cat id)"
ln -s foreign.git link.git
for repo in foreign.git link.git; do
	sed "s|^state_repo = .*|state_repo = $repo|" driftward.ini >"$repo.ini"
	run 1 "$DW_BIN" --config "$repo.ini" snapshot
	contains "$err" "$repo is not a driftward state repository"
	contains "$err" "driftward init --adopt"
	[ -z "$(git --git-dir=foreign.git for-each-ref refs/heads/tenants)" ] ||
		fail "snapshot wrote into a foreign repository through $repo"
done

run 0 "$DW_BIN" --config link.git.ini init --adopt --baselines "$DW_SOURCE_DIR/baselines"
[ "$(git --git-dir=foreign.git rev-parse refs/heads/main)" = "$(cat id)" ] ||
	fail "adopting moved main"
run 0 "$DW_BIN" --config foreign.git.ini snapshot
contains "$out" "contoso: committed"
git --git-dir=foreign.git rev-parse -q --verify refs/heads/tenants/contoso >/dev/null ||
	fail "no tenant branch after adopting"

finish
