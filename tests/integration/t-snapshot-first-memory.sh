#!/usr/bin/env bash
# A first snapshot's memory does not grow with the bytes it imports (issue
# 10): the store spills new blobs to disk as a pack each time the mempack
# holds 4 MiB of them, instead of keeping every new file until the commit.
# Two tenants differ only in the size of one Intune collection (SMALL and
# 4 x SMALL objects of about 6 KiB each: 6 and 24 MiB of new files). What a
# first snapshot costs beyond an unchanged snapshot of the same tenant must
# stay within MAX_GROWTH_KIB from the small tenant to the large one (the
# budget, and a few MiB by which two runs' peaks differ here); held until the
# commit, the 18 MiB more of files would all be in that excess (18.2 MiB of
# growth measured without the budget, -2.9 with it).
# Every object still reaches the commit, byte for byte as git reads it.
. "$(dirname "$0")/lib.sh"

SMALL=1000
LARGE=$((4 * SMALL))
MAX_GROWTH_KIB=8192
SMALL_T=5a11e000-0000-4000-8000-000000000001
LARGE_T=1a46e000-0000-4000-8000-000000000004

# tenant ID N: the sample tenant as tenant ID, its device configurations grown
# to N objects, each with a description of about 6 KiB of its own
tenant() {
	cp -r "$EMULATOR_DIR/sample/$SAMPLE_TENANT" "state/$1"
	python3 - "state/$1/v1.0/deviceManagement/deviceConfigurations.json" "$2" <<'PY'
import copy, json, sys, uuid
path, n = sys.argv[1], int(sys.argv[2])
doc = json.load(open(path))
first = doc["value"][0]
for i in range(n):
    o = copy.deepcopy(first)
    o["id"] = str(uuid.UUID(int=(7 << 64) + i + 1, version=4))
    o["displayName"] = "%s %05d" % (first["displayName"], i)
    o["description"] = "".join("object %05d line %03d. " % (i, j) for j in range(280))
    for a in o.get("assignments", []):
        a["id"] = "%s_%s" % (o["id"], a["target"].get("groupId", "all"))
    doc["value"].append(o)
json.dump(doc, open(path, "w"))
PY
}
mkdir state
tenant "$SMALL_T" "$SMALL"
tenant "$LARGE_T" "$LARGE"
start_emulator state
for t in small large; do
	id=$SMALL_T
	[ "$t" = small ] || id=$LARGE_T
	cat >"$t.ini" <<INI
[agent]
state_repo = $t.git
key_file = key.txt
graph_url = $EMU_URL
login_url = $EMU_URL
ca_file = $EMU_CA
max_retries = 1

[tenant $t]
tenant_id = $id
client_id = $SAMPLE_CLIENT
secret_file = secret.age
INI
	run 0 "$DW_BIN" --config "$t.ini" init
done
printf '%s' "$SAMPLE_SECRET" | "$DW_BIN" --config small.ini secret set small >/dev/null 2>&1 ||
	fail "secret set failed"

# Under AddressSanitizer freed memory waits in a quarantine, so the peak says
# what was ever allocated: the asan build runs the snapshots through ASan's
# checks, and the gcc build compares the peaks.
compare=1
! grep -q __asan_init "$DW_BIN" || compare=0

peak_kib() { # peak_kib TENANT WHICH: one snapshot of TENANT, its peak RSS in KiB
	/usr/bin/time -f '%M' -o "peak-$1-$2" "$DW_BIN" --config "$1.ini" snapshot \
		>"out-$1-$2" 2>"err-$1-$2" || fail "$2 snapshot of $1 failed: $(tail -3 "err-$1-$2")"
	tail -1 "peak-$1-$2"
}

declare -A excess
for t in small large; do
	first=$(peak_kib "$t" first)
	next=$(peak_kib "$t" next)
	excess[$t]=$((first - next))
	echo "$t: first snapshot $first KiB, unchanged snapshot $next KiB"
	n=$SMALL
	[ "$t" = small ] || n=$LARGE
	have=$(git -C "$t.git" ls-tree -r --name-only "tenants/$t" | grep -c '^deviceConfigurations/')
	[ "$have" -gt "$n" ] || fail "$t: $have device configurations stored for $n generated"
	git -C "$t.git" fsck --strict --no-progress >/dev/null 2>&1 || fail "$t: git fsck --strict"
	tests_run=$((tests_run + 1))
done
# one of the large tenant's files, as git reads it, is the object the emulator served
file=$(git -C large.git grep -l -F 'object 03999 line 000.' tenants/large) ||
	fail "the last generated object is not in the commit"
git -C large.git show "$file" | grep -q 'object 03999 line 279\. ' ||
	fail "the last generated object's description did not reach the commit whole"
growth=$((excess[large] - excess[small]))
echo "first snapshot's excess over an unchanged one: ${excess[small]} KiB for $SMALL objects," \
	"${excess[large]} KiB for $LARGE (growth $growth KiB, at most $MAX_GROWTH_KIB)"
if [ "$compare" -eq 1 ]; then
	[ "$growth" -le "$MAX_GROWTH_KIB" ] ||
		fail "a first snapshot's memory grew by $growth KiB from $SMALL to $LARGE objects"
fi
tests_run=$((tests_run + 1))

finish
