#!/usr/bin/env bash
# make demo: runs driftward end to end on the bundled demo configuration.
# Usage: scripts/demo.sh PATH-TO-DRIFTWARD
set -euo pipefail
bin=$(realpath "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
demo="$top/build/demo"

rm -rf "$demo"
mkdir -p "$demo/secrets"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# Until the emulator starts here, the demo's endpoints point at a port no one listens on.
sed -e "s/@PORT@/1/" -e "s|@CATALOG@|$top/config/collectors.yaml|" "$top/config/demo/driftward.ini" >"$demo/driftward.ini"
: >"$demo/emulator-ca.pem"
install -m 0600 /dev/null "$demo/key.txt"
install -m 0600 /dev/null "$demo/secrets/contoso.age"

cd "$demo"
step driftward --version
"$bin" --version
step driftward check --config driftward.ini
"$bin" check --config driftward.ini
