# Sourced by every tests/integration/t-*.sh: a scratch directory, assertions,
# and the binary under test ($DW_BIN, set by CTest).
set -euo pipefail

: "${DW_BIN:?DW_BIN must name the driftward binary}"
: "${DW_SOURCE_DIR:?DW_SOURCE_DIR must name the source tree}"
# the vendored reference data (tests/vectors/README.md)
DW_VECTORS=$DW_SOURCE_DIR/tests/vectors
# a python3 that has jsonschema: the one on PATH (pip) or Debian's python3-jsonschema
PY_SCHEMA=python3
python3 -c 'import jsonschema' 2>/dev/null || PY_SCHEMA=/usr/bin/python3

TEST_NAME=$(basename "$0" .sh)
SCRATCH=$(mktemp -d "/tmp/dw-$TEST_NAME-XXXXXX")
cleanup_hooks=()
on_exit() {
	local hook
	for hook in "${cleanup_hooks[@]}"; do eval "$hook" || true; done
	rm -rf "$SCRATCH"
}
trap on_exit EXIT
cd "$SCRATCH"

# Everything the commands run through `run` printed, for canary checks at the end.
ALL_OUTPUT=$SCRATCH/all-output.log
: >"$ALL_OUTPUT"

tests_run=0
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

# run EXPECTED-STATUS CMD...: runs CMD, keeps stdout/stderr in $out/$err (and
# appends both to $ALL_OUTPUT), checks the status.
run() {
	local want=$1 status=0
	shift
	"$@" >"$SCRATCH/.out" 2>"$SCRATCH/.err" || status=$?
	cat "$SCRATCH/.out" "$SCRATCH/.err" >>"$ALL_OUTPUT"
	out=$(cat "$SCRATCH/.out")
	err=$(cat "$SCRATCH/.err")
	tests_run=$((tests_run + 1))
	if [ "$status" -ne "$want" ]; then
		echo "--- stdout" >&2
		echo "$out" >&2
		echo "--- stderr" >&2
		echo "$err" >&2
		fail "'$*' exited $status, expected $want"
	fi
}

contains() { # contains HAYSTACK NEEDLE
	case "$1" in *"$2"*) return 0 ;; esac
	fail "expected to find '$2' in: $1"
}

lacks() { # lacks HAYSTACK NEEDLE
	case "$1" in *"$2"*) fail "did not expect '$2' in: $1" ;; esac
	return 0
}

finish() {
	echo "$TEST_NAME: $tests_run checks passed"
}

# The Graph emulator ----------------------------------------------------------
EMULATOR_DIR=$DW_SOURCE_DIR/tests/graph-emulator
SAMPLE_TENANT=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
SAMPLE_CLIENT=2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
SAMPLE_SECRET=demo-secret-not-real
SAMPLE_WRITER=8d4e2f1a-6b3c-4d5e-9f8a-1b2c3d4e5f6a
SAMPLE_WRITER_SECRET=demo-writer-secret-not-real

# start_emulator STATE-DIR [options...]: starts it in the background, waits for
# its port, and sets EMU_PORT, EMU_URL, EMU_CA and EMU_LOG. Stopped at exit.
EMULATOR_OPTIONS=()
# stop_process PID: SIGTERM, then SIGKILL if it has not gone within 30 s, so a
# stuck server never holds the test until ctest's timeout.
stop_process() {
	local i
	kill "$1" 2>/dev/null || return 0
	for i in $(seq 1 300); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# need_gdb: skips the test (77, saying why) unless gdb can run a program here
need_gdb() {
	if ! command -v gdb >/dev/null 2>&1; then
		echo "SKIP: gdb is missing (Debian package gdb; scripts/install-deps.sh)"
		exit 77
	fi
	if ! gdb -q -batch -nx -ex run --args true >/dev/null 2>&1; then
		echo "SKIP: gdb cannot run a program here (ptrace is not allowed)"
		exit 77
	fi
}

start_emulator() {
	local state=$1 i
	shift
	rm -f "$SCRATCH/emulator.port"
	EMU_LOG=$SCRATCH/emulator-requests.log
	python3 "$EMULATOR_DIR/emulator.py" --state "$state" --port-file "$SCRATCH/emulator.port" \
		--ca-dir "$SCRATCH/emulator-ca" --log "$EMU_LOG" "$@" \
		>"$SCRATCH/emulator.out" 2>&1 &
	EMU_PID=$!
	cleanup_hooks+=("stop_process $EMU_PID")
	for i in $(seq 1 200); do
		[ -s "$SCRATCH/emulator.port" ] && break
		kill -0 "$EMU_PID" 2>/dev/null || { cat "$SCRATCH/emulator.out" >&2; fail "emulator died"; }
		sleep 0.05
	done
	[ -s "$SCRATCH/emulator.port" ] || fail "emulator did not start"
	EMU_PORT=$(cat "$SCRATCH/emulator.port")
	EMU_URL=https://127.0.0.1:$EMU_PORT
	EMU_CA=$SCRATCH/emulator-ca/ca.pem
}

# emulator_token CLIENT SECRET: a Graph token from the emulator, for tests that change its state.
emulator_token() {
	curl -sf --cacert "$EMU_CA" "$EMU_URL/$SAMPLE_TENANT/oauth2/v2.0/token" \
		--data-urlencode grant_type=client_credentials --data-urlencode "client_id=$1" \
		--data-urlencode "client_secret=$2" \
		--data-urlencode "scope=https://graph.microsoft.com/.default" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# graph_write METHOD PATH JSON: a write as the sample's writer app (as an admin would make it).
graph_write() {
	local token
	token=$(emulator_token "$SAMPLE_WRITER" "$SAMPLE_WRITER_SECRET")
	curl -sf --cacert "$EMU_CA" -X "$1" -H "Authorization: Bearer $token" \
		-H "Content-Type: application/json" --data "$3" "$EMU_URL$2" >/dev/null ||
		fail "emulator refused $1 $2"
}

# set_faults JSON: replaces the emulator's fault rules.
emulator_writes() { # the PATCH/PUT/POST/DELETE requests the emulator logged, one per line
	# (getByIds is a read Graph takes as a POST: the snapshot's lookup of group names)
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    path = r.get("path", "")
    if r.get("method") in ("PATCH", "PUT", "POST", "DELETE") and "/oauth2/" not in path \
            and not path.endswith("/directoryObjects/getByIds"):
        print(r["method"], path)' "$EMU_LOG"
}

set_faults() {
	curl -sf --cacert "$EMU_CA" -X POST -H "Content-Type: application/json" --data "$1" \
		"$EMU_URL/_emulator/faults" >/dev/null || fail "could not set faults"
}

# sample_state: the sample tenant's emulator state in ./state, for a test to change first.
# fleet_config FILE N [TENANT-LINE] [AGENT-LINE...]: a configuration over the
# first N tenants of the emulator's fleet (start_emulator ... --fleet): the
# agent's state repository (FLEET_STATE, default state.git), key, emulator and
# catalog, then the AGENT-LINEs; each tenant's section ends with TENANT-LINE
# when it is not empty. Every fleet tenant shares the secret file fleet.age.
fleet_config() {
	local file=$1 n=$2 tenant_line=${3:-} i
	shift 2
	shift || true
	{
		printf '[agent]\nstate_repo = %s\nkey_file = key.txt\n' "${FLEET_STATE:-state.git}"
		printf 'graph_url = %s\nlogin_url = %s\nca_file = %s\n' "$EMU_URL" "$EMU_URL" "$EMU_CA"
		printf 'catalog = %s/config/collectors.yaml\n' "$DW_SOURCE_DIR"
		[ $# -eq 0 ] || printf '%s\n' "$@"
		for i in $(seq 0 $((n - 1))); do
			printf '\n[tenant fleet%05d]\ntenant_id = f1ee7000-0000-4000-8000-%012d\n' "$i" "$i"
			printf 'client_id = %s\nsecret_file = fleet.age\n' "$SAMPLE_CLIENT"
			[ -z "$tenant_line" ] || printf '%s\n' "$tenant_line"
		done
	} >"$file"
}

# fleet_secret CONFIG [SECRET]: fleet.age, the fleet tenants' shared secret
# (the sample's unless SECRET is given).
fleet_secret() {
	printf '%s' "${2:-$SAMPLE_SECRET}" | "$DW_BIN" --config "$1" secret set fleet00000 \
		>/dev/null 2>&1 || fail "secret set failed"
}

sample_state() {
	mkdir -p state
	cp -r "$EMULATOR_DIR/sample/$SAMPLE_TENANT" state/
}

# sample_deployment [AGENT-LINES]: the sample tenant in an emulator, and beside
# it driftward.ini, a key, contoso's encrypted secret and an initialised state
# repository, as an admin would have them after the install guide.
# The emulator's state is copied to ./state first unless the test made it already;
# EMULATOR_OPTIONS (an array) adds emulator options, e.g. (--page-size 2).
sample_deployment() {
	[ -d state ] || sample_state
	start_emulator state "${EMULATOR_OPTIONS[@]}"
	cat >driftward.ini <<INI
[agent]
state_repo = state.git
key_file = key.txt
graph_url = $EMU_URL
login_url = $EMU_URL
ca_file = $EMU_CA
${1:-}

[tenant contoso]
tenant_id = $SAMPLE_TENANT
client_id = $SAMPLE_CLIENT
secret_file = contoso.age
INI
	"$DW_BIN" --config driftward.ini init >/dev/null 2>&1 ||
		fail "driftward init failed"
	printf '%s' "$SAMPLE_SECRET" | "$DW_BIN" --config driftward.ini secret set contoso \
		>/dev/null 2>&1 || fail "secret set failed"
}
