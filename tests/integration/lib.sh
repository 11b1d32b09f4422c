# Sourced by every tests/integration/t-*.sh: a scratch directory, assertions,
# and the binary under test ($DW_BIN, set by CTest).
set -euo pipefail

: "${DW_BIN:?DW_BIN must name the driftward binary}"
: "${DW_SOURCE_DIR:?DW_SOURCE_DIR must name the source tree}"
DW_SHARED_DIR=${DW_SHARED_DIR:-$DW_SOURCE_DIR/../shared}

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

tests_run=0
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

# run EXPECTED-STATUS CMD...: runs CMD, keeps stdout/stderr in $out/$err, checks the status.
run() {
	local want=$1 status=0
	shift
	"$@" >"$SCRATCH/.out" 2>"$SCRATCH/.err" || status=$?
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
