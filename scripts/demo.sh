#!/usr/bin/env bash
# make demo: driftward end to end on the bundled Graph emulator and its sample
# tenant, contoso. Everything lives in build/demo/; nothing outside is touched.
# Usage: scripts/demo.sh PATH-TO-DRIFTWARD
set -euo pipefail
bin=$(realpath "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
demo="$top/build/demo"
emulator="$top/tests/graph-emulator"
tenant=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
policy=1f76663f-8330-4f68-a52f-ec142d752a6a

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say() { printf '\n\033[36m# %s\033[0m\n' "$*"; }

rm -rf "$demo"
mkdir -p "$demo/secrets"
cp -r "$emulator/sample" "$demo/emulator-state"
cd "$demo"

python3 "$emulator/emulator.py" --state emulator-state --port-file emulator.port \
	--ca-dir emulator-ca --log emulator-requests.log >emulator.out 2>&1 &
emulator_pid=$!
trap 'kill $emulator_pid 2>/dev/null; wait $emulator_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do [ -s emulator.port ] && break; sleep 0.05; done
[ -s emulator.port ] || { cat emulator.out >&2; echo "demo: the emulator did not start" >&2; exit 1; }
port=$(cat emulator.port)
cp emulator-ca/ca.pem emulator-ca.pem
sed -e "s/@PORT@/$port/" \
	"$top/config/demo/driftward.ini" >driftward.ini

# What an admin does in the portal, done here through the emulator's Graph.
admin_patch() {
	local token
	token=$(curl -sf --cacert emulator-ca.pem "https://127.0.0.1:$port/$tenant/oauth2/v2.0/token" \
		-d grant_type=client_credentials -d client_id=8d4e2f1a-6b3c-4d5e-9f8a-1b2c3d4e5f6a \
		-d client_secret=demo-writer-secret-not-real \
		--data-urlencode scope=https://graph.microsoft.com/.default |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	curl -sf --cacert emulator-ca.pem -X PATCH -H "Authorization: Bearer $token" \
		-H "Content-Type: application/json" --data "$2" "https://127.0.0.1:$port$1"
}

say "the Graph emulator serves the sample tenant contoso on https://127.0.0.1:$port"
step driftward --version
"$bin" --version
step driftward init
"$bin" --config driftward.ini init
step "printf demo-secret-not-real | driftward secret set contoso"
printf 'demo-secret-not-real' | "$bin" --config driftward.ini secret set contoso
step driftward check
"$bin" --config driftward.ini check
if "$bin" help check | grep -q -- --online; then
	step driftward check --online
	"$bin" --config driftward.ini check --online
fi
say "the sample tenant meets every shipped baseline: no drift"
step driftward snapshot
"$bin" --config driftward.ini snapshot
step driftward snapshot "   # nothing changed: no commit"
"$bin" --config driftward.ini snapshot

say "an admin switches 'Block legacy authentication' to report-only"
admin_patch "/v1.0/identity/conditionalAccess/policies/$policy" \
	'{"state":"enabledForReportingButNotEnforced"}'
step driftward snapshot "   # exit 2: drift found"
status=0
"$bin" --config driftward.ini snapshot || status=$?
[ $status -eq 2 ] || { echo "demo: expected exit 2 (drift found), got $status" >&2; exit 1; }
echo "(exit $status)"
step git -C state.git log --stat tenants/contoso
git -C state.git --no-pager log --stat=100 tenants/contoso
step git -C state.git show tenants/contoso -- conditionalAccessPolicies
git -C state.git --no-pager show --format= tenants/contoso -- conditionalAccessPolicies

say "the snapshot committed its drift report beside the policy: DRIFT.md"
step git -C state.git show tenants/contoso:DRIFT.md
git -C state.git --no-pager show tenants/contoso:DRIFT.md | sed -n '1,/^\*\*Remediation/p'

say "drift is evaluated offline too: --at the commit gives its report, byte for byte"
step "driftward drift --at tenants/contoso --format json | cmp - <(git show tenants/contoso:drift.json)"
status=0
"$bin" --config driftward.ini drift --at tenants/contoso --format json >at.json || status=$?
[ $status -eq 2 ] || { echo "demo: drift --at: expected exit 2, got $status" >&2; exit 1; }
git -C state.git show tenants/contoso:drift.json | cmp - at.json
echo "identical"
