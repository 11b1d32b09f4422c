#!/usr/bin/env bash
# docs/collectors.md lists every collector of the built-in catalog as the
# catalog says (scripts/collectors-doc.py --check), and the check notices a
# catalog that moved on without the page.
. "$(dirname "$0")/lib.sh"

GEN=$DW_SOURCE_DIR/scripts/collectors-doc.py
CATALOG=$DW_SOURCE_DIR/config/collectors.yaml
PAGE=$DW_SOURCE_DIR/docs/collectors.md

run 0 python3 "$GEN" --check
page=$(cat "$PAGE")
for name in $(sed -n 's/^  - name: //p' "$CATALOG"); do
	contains "$page" "| \`$name\` |"
done

# A catalog with one more read permission: the page is out of date, and says how.
sed 's/read: \[DeviceManagementRBAC.Read.All\]/read: [DeviceManagementRBAC.Read.All, Directory.Read.All]/' \
	"$CATALOG" >changed.yaml
cmp -s "$CATALOG" changed.yaml && fail "the test's catalog change did not apply"
run 1 python3 "$GEN" --check --catalog changed.yaml
contains "$out" "DeviceManagementRBAC.Read.All, Directory.Read.All"
contains "$err" "not in sync"
# Writing the page makes it agree (on a copy: the source tree stays as it is).
cp "$PAGE" page.md
run 0 python3 "$GEN" --catalog changed.yaml --page page.md
run 0 python3 "$GEN" --check --catalog changed.yaml --page page.md

finish
