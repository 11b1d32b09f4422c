#!/usr/bin/env bash
# make demo: driftward end to end, as a newcomer sees it, on the bundled Graph
# emulator and its sample tenant, contoso: a first run, an admin's change,
# drift found, a proposal to put the tenant back, a signed merge that approves
# it, plan, apply, and the run that finds no drift any more.
# Everything lives in build/demo/ ($DW_DEMO_DIR when set: the test suite's
# t-demo runs it in a scratch directory); nothing outside is touched.
# Usage: scripts/demo.sh PATH-TO-DRIFTWARD
set -euo pipefail
bin=$(realpath "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
demo=${DW_DEMO_DIR:-$top/build/demo}
emulator="$top/tests/graph-emulator"
tenant=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
policy=1f76663f-8330-4f68-a52f-ec142d752a6a
started=$(date +%s)

if [ -t 1 ]; then
	bold=$'\033[1m' cyan=$'\033[36m' off=$'\033[0m'
else
	bold='' cyan='' off=''
fi
n=0
# say TEXT: what the next step shows; step CMD...: the command, as typed
say() {
	n=$((n + 1))
	printf '\n%s%2d. %s%s\n' "$cyan" "$n" "$*" "$off"
}
step() { printf '%s$ %s%s\n' "$bold" "$*" "$off"; }
# dw EXPECTED-STATUS ARGS...: driftward ARGS, which must exit EXPECTED-STATUS
dw() {
	local want=$1 status=0
	shift
	step driftward "$@"
	"$bin" --config driftward.ini "$@" || status=$?
	if [ "$status" -ne "$want" ]; then
		echo "demo: 'driftward $*' exited $status, expected $want" >&2
		exit 1
	fi
	[ "$want" -eq 0 ] || echo "(exit $status)"
}
git_() { git -C state.git --no-pager "$@"; }

rm -rf "$demo"
mkdir -p "$demo/secrets" "$demo/metrics"
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
sed -e "s/@PORT@/$port/" "$top/config/demo/driftward.ini" >driftward.ini

# The approver's SSH signing key, and the list of keys whose merges approve.
ssh-keygen -q -t ed25519 -N '' -C alice@example.com -f alice >/dev/null
printf 'alice@example.com namespaces="git" %s\n' "$(cut -d' ' -f1,2 alice.pub)" >allowed_signers

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

printf '%sdriftward demo%s: the Graph emulator serves the sample tenant contoso on https://127.0.0.1:%s\n' \
	"$bold" "$off" "$port"
printf 'configuration: %s/driftward.ini (read_only = false, require_signed = true)\n' "$demo"
"$bin" --version

say "init: the state repository (main holds the shipped baselines) and the agent's key"
dw 0 init

say "secret set: the tenant's client secret, encrypted to the key (age); never in plaintext on disk"
step "printf demo-writer-secret-not-real | driftward secret set contoso"
printf 'demo-writer-secret-not-real' | "$bin" --config driftward.ini secret set contoso
step "head -c 60 secrets/contoso.age"
head -c 60 secrets/contoso.age
echo

say "check: configuration, collector catalog, baselines and the secret, before any run"
dw 0 check

say "run: the first snapshot, committed to tenants/contoso with its drift report (no drift: exit 0)"
dw 0 run
first=$(git_ rev-parse --short=12 tenants/contoso)
step "git -C state.git log --oneline tenants/contoso"
git_ log --oneline tenants/contoso

say "an admin switches 'Block legacy authentication' to report-only in the portal"
step "PATCH /v1.0/identity/conditionalAccess/policies/$policy {\"state\":\"enabledForReportingButNotEnforced\"}"
admin_patch "/v1.0/identity/conditionalAccess/policies/$policy" \
	'{"state":"enabledForReportingButNotEnforced"}'

say "run again: the change is committed, and drift is found (exit 2)"
dw 2 run
step "git -C state.git show tenants/contoso -- conditionalAccessPolicies"
git_ show --format='%h %s' tenants/contoso -- conditionalAccessPolicies | sed -n '1,/^@@/p;/^[-+] /p'
step "git -C state.git show tenants/contoso:DRIFT.md"
git_ show tenants/contoso:DRIFT.md | sed -n '1,/^\*\*Remediation/p'

say "propose: a branch that restores the first snapshot as desired state, for a pull request"
dw 0 propose -t contoso --restore-to "$first"
branch=proposals/contoso/restore-$first

say "a reviewer approves it and merges it into main with a signed merge (git, gpg.format=ssh)"
step "git clone state.git review && cd review"
rm -rf review
git clone -q state.git review
step "git -c gpg.format=ssh -c user.signingkey=alice.pub merge --no-ff -S origin/$branch"
git -C review -c user.name=Alice -c user.email=alice@example.com -c gpg.format=ssh \
	-c user.signingkey="$demo/alice.pub" merge -q --no-ff -S -m "Merge $branch: restore contoso" \
	"origin/$branch"
step "git push origin HEAD:main"
git -C review push -q origin HEAD:main
step "git -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit main"
git_ -c gpg.ssh.allowedSignersFile="$demo/allowed_signers" verify-commit main

say "verify: driftward judges the merge itself: on main, signed by a key in allowed_signers"
dw 0 verify

say "plan: the exact requests that put the tenant back to the approved desired state"
dw 0 plan -t contoso -o plan.json

say "apply: sends them, reads every object back, commits the outcome to tenants/contoso"
dw 0 apply plan.json
step "git -C state.git log --oneline -3 tenants/contoso"
git_ log --oneline -3 tenants/contoso

say "run: the tenant is as approved: no drift (exit 0), and nothing new to commit"
dw 0 run

say "status: where the tenant stands, from the state repository alone"
dw 0 status

say "metrics: what node_exporter's textfile collector reads after every run"
step "grep -E '^driftward_(tenant_result|drift_findings|run_|plan|apply)' metrics/driftward.prom | grep -v ' 0\$'"
grep -E '^driftward_(tenant_result|tenant_last_success|drift_findings|run_duration|run_graph_requests|plan|apply)' \
	metrics/driftward.prom | grep -v ' 0$'
echo "... $(grep -c '^driftward_' metrics/driftward.prom) samples in all; their meaning: docs/operating.md"

printf '\n%sdone in %d s.%s Everything is in %s: the state repository (state.git),\n' \
	"$bold" $(($(date +%s) - started)) "$off" "$demo"
printf 'the proposal branch %s, plan.json, metrics/ and the emulator log.\n' "$branch"
