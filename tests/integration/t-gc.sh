#!/usr/bin/env bash
# driftward gc: what people pushed (loose objects) and driftward's packs end
# in one pack, unreachable objects go after the grace period (--prune), --auto
# does nothing below the limits and rolls the small packs up past them, and gc
# gives way to a run holding the store.
. "$(dirname "$0")/lib.sh"

cat >d.ini <<INI
[agent]
state_repo = state.git
key_file = key.txt

[tenant contoso]
tenant_id = 6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
client_id = 2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
secret_file = contoso.age
INI
run 0 "$DW_BIN" init --config d.ini --baselines "$DW_SOURCE_DIR/baselines"

loose() { find state.git/objects -path '*/pack' -prune -o -path '*/info' -prune -o -type f -print | wc -l; }
packs() { find state.git/objects/pack -name '*.idx' | wc -l; }

# a reviewer's commit on main arrives as loose objects (a small push is unpacked)
git clone -q state.git wt
git -C wt -c user.name=t -c user.email=t@localhost commit -q --allow-empty -m "review"
echo "waiver" >wt/w.yaml
git -C wt add w.yaml
git -C wt -c user.name=t -c user.email=t@localhost commit -q -m "a waiver"
git -C wt push -q origin main
main=$(git --git-dir=state.git rev-parse main)
# unreachable: one three weeks old, one fresh
old=$(echo old | git --git-dir=state.git hash-object -w --stdin)
touch -d '3 weeks ago' "state.git/objects/${old:0:2}/${old:2}"
fresh=$(echo fresh | git --git-dir=state.git hash-object -w --stdin)
[ "$(loose)" -ge 5 ] || fail "expected loose objects before gc, found $(loose)"

run 0 "$DW_BIN" gc --config d.ini
contains "$out" "objects in one pack"
contains "$out" "1 unreachable dropped"
[ "$(packs)" = 1 ] || fail "$(packs) packs after gc"
[ "$(loose)" = 1 ] || fail "$(loose) loose objects after gc, expected the fresh one"
git --git-dir=state.git cat-file -e "$fresh" || fail "the fresh unreachable object went"
! git --git-dir=state.git cat-file -e "$old" 2>/dev/null || fail "the old one stayed"
[ "$(git --git-dir=state.git rev-parse main)" = "$main" ] || fail "main moved"
git --git-dir=state.git show main:w.yaml | grep -qx waiver || fail "w.yaml unreadable"
git --git-dir=state.git fsck --strict --no-progress || fail "fsck"

run 0 "$DW_BIN" gc --config d.ini --auto
contains "$out" "nothing to do"
# past 50 packs, --auto rolls the small ones up (unreachable objects too: it prunes nothing)
for i in $(seq 1 52); do
	id=$(echo "small pack $i" | git --git-dir=state.git hash-object -w --stdin)
	echo "$id" | git --git-dir=state.git pack-objects -q state.git/objects/pack/pack >/dev/null
	rm "state.git/objects/${id:0:2}/${id:2}"
done
[ "$(packs)" = 53 ] || fail "$(packs) packs before the roll-up"
run 0 "$DW_BIN" gc --config d.ini --auto
contains "$out" "recent packs and the loose objects rolled up into one pack"
[ "$(packs)" -le 2 ] || fail "$(packs) packs after the roll-up"
echo "small pack 7" | git --git-dir=state.git hash-object --stdin |
	git --git-dir=state.git cat-file --batch-check | grep -qv missing || fail "a rolled-up object went"
git --git-dir=state.git fsck --strict --no-progress || fail "fsck after the roll-up"
run 0 "$DW_BIN" gc --config d.ini --prune now
[ "$(loose)" = 0 ] || fail "--prune now left $(loose) loose objects"
run 1 "$DW_BIN" gc --config d.ini --prune yesterday
contains "$err" "bad value 'yesterday'"

# a run holds the store's lock shared: gc says so and changes nothing
mkdir -p state.git/driftward-locks
exec 9>>state.git/driftward-locks/.store.lock
flock -s 9
run 1 "$DW_BIN" gc --config d.ini
contains "$err" "a run is using the state repository"
exec 9>&-
run 0 "$DW_BIN" gc --config d.ini
finish
