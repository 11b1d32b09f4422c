#!/usr/bin/env bash
# Names that fit everywhere: a Graph object with a very long id is stored
# under a shortened file name (a stable hash) that git can check out, and an
# object too long to keep fails its collector alone, with the reason.
. "$(dirname "$0")/lib.sh"

BRANCH=tenants/contoso
CA_DIR=state/$SAMPLE_TENANT/v1.0/identity/conditionalAccess
sample_state
# add_object FILE ID NAME: appends an object to the emulator's collection in FILE
add_object() {
	python3 - "$@" <<'PY'
import json, sys
path, oid, name = sys.argv[1], sys.argv[2], sys.argv[3]
doc = json.load(open(path))
doc["value"].append({"@odata.type": "#microsoft.graph.countryNamedLocation", "id": oid,
                     "displayName": name, "countriesAndRegions": ["DE"],
                     "includeUnknownCountriesAndRegions": False})
json.dump(doc, open(path, "w"))
PY
}
long_name=$(printf 'Location %.0s' $(seq 1 12))
add_object "$CA_DIR/namedLocations.json" "$(printf 'x%.0s' $(seq 1 1400))" "$long_name"
add_object "$CA_DIR/namedLocations.json" "$(printf '\xc3\xa9%.0s' $(seq 1 150))" "$long_name 2"
# an id longer than any id Graph uses: its collector fails alone, with the reason
python3 - "$CA_DIR/authenticationContextClassReferences.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["value"].append({"id": "c" * 5000, "displayName": "too long", "isAvailable": True})
json.dump(doc, open(sys.argv[1], "w"))
PY
sample_deployment "max_retries = 1"

run 3 "$DW_BIN" --config driftward.ini snapshot
contains "$out" "contoso: committed"
status=$(git -C state.git show "$BRANCH:_status.json")
contains "$status" "more than the 4000 allowed"
names=$(git -C state.git ls-tree -r --name-only "$BRANCH" namedLocations/)
[ "$(grep -c '~' <<<"$names")" -eq 2 ] || fail "long ids were not shortened: $names"
while IFS= read -r f; do
	base=${f##*/}
	[ "${#base}" -lt 255 ] || fail "file name of ${#base} bytes: $base"
done <<<"$(git -C state.git ls-tree -r --name-only "$BRANCH")"
git clone -q -b "$BRANCH" state.git checkout 2>clone.err || fail "git checkout failed: $(cat clone.err)"
[ "$(ls checkout/namedLocations | grep -c '~')" -eq 2 ] || fail "checkout lacks the files"
# the same names next time: nothing changes
tree=$(git -C state.git rev-parse "$BRANCH:namedLocations")
run 3 "$DW_BIN" --config driftward.ini snapshot
[ "$(git -C state.git rev-parse "$BRANCH:namedLocations")" = "$tree" ] ||
	fail "the shortened names changed from one run to the next"

finish
