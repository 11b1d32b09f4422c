#!/usr/bin/env bash
# Snapshot memory follows the pages in flight, not the tenant (issue 10): two
# large Intune collections are read side by side, and the Graph client's count
# of parsed pages held at once (logged at debug level) stays a small part of
# their size, because each page is encoded as it arrives and freed, and each
# collector is staged when its read ends. Held until the end, the pages of
# both collections would all be in memory at once. Every object still reaches
# the commit, each collection complete.
. "$(dirname "$0")/lib.sh"

BRANCH=tenants/contoso
sample_state
# grow PATH N SEED: N more objects in the emulator's collection PATH (copies of its first)
grow() {
	python3 - "state/$SAMPLE_TENANT/v1.0/$1.json" "$2" "$3" <<'PY'
import copy, json, sys, uuid
path, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
doc = json.load(open(path))
first = doc["value"][0]
for i in range(n):
    o = copy.deepcopy(first)
    o["id"] = str(uuid.UUID(int=(seed << 64) + i + 1, version=4))
    o["displayName"] = "%s %05d" % (first["displayName"], i)
    for a in o.get("assignments", []):
        a["id"] = "%s_%s" % (o["id"], a["target"].get("groupId", "all"))
    doc["value"].append(o)
json.dump(doc, open(path, "w"))
PY
}
grow deviceManagement/deviceConfigurations 1500 1
grow deviceManagement/deviceCompliancePolicies 1500 2
wire=$(($(wc -c <"state/$SAMPLE_TENANT/v1.0/deviceManagement/deviceConfigurations.json") +
	$(wc -c <"state/$SAMPLE_TENANT/v1.0/deviceManagement/deviceCompliancePolicies.json")))
sample_deployment "max_retries = 1"

run 0 "$DW_BIN" --config driftward.ini -vv snapshot
peak=$(sed -n 's/.*at most \([0-9]*\) bytes of parsed pages held at once.*/\1/p' <<<"$err")
[ -n "$peak" ] || fail "no count of pages held in the debug log"
# parsed pages take more than their JSON: holding both collections would be over $wire
[ "$peak" -gt 0 ] && [ "$peak" -lt $((wire / 4)) ] ||
	fail "pages held at once: $peak bytes, for two collections of $wire bytes"
tree=$(git -C state.git ls-tree -r --name-only "$BRANCH")
for c in deviceConfigurations deviceCompliancePolicies; do
	want=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["value"]))' \
		"state/$SAMPLE_TENANT/v1.0/deviceManagement/$c.json")
	have=$(grep -c "^$c/" <<<"$tree")
	[ "$have" -eq "$want" ] || fail "$c: $have files for $want objects"
done
echo "pages held at once: $peak bytes; the two collections: $wire bytes of JSON"
tests_run=$((tests_run + 1))

finish
