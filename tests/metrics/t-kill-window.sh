#!/usr/bin/env bash
# A run SIGKILLed inside the metrics file's write window leaves the previous
# file whole, or the new one whole, never part of one. gdb stops the real
# `driftward run` at each system call of that window, inside dw_metrics_write,
# and kills it there with SIGKILL: at the write of the temporary file, at its
# fsync (every byte written, not renamed), at the rename's entry, and right
# after the rename. (test_metrics' test_write_killed kills a write half-way
# with SIGXFSZ; t-run kills runs while they read.)
. "$DW_SOURCE_DIR/tests/integration/lib.sh"

need_gdb

PARSER=$DW_SOURCE_DIR/tests/metrics/promparse.py
mkdir metrics
sample_deployment "metrics_dir = metrics"
prom=metrics/driftward.prom
start_of() { awk '$1 == "driftward_run_start_timestamp_seconds" { print $2 }' "$1"; }

run 0 "$DW_BIN" --config driftward.ini run
python3 "$PARSER" check "$prom" --tenant contoso || fail "the first run's file is bad"

# kill_at NAME SYSCALLS STOPS: runs `driftward run` under gdb, stops in
# dw_metrics_write, then at the STOPS-th stop of SYSCALLS (entry, return,
# entry, ...) sends SIGKILL.
kill_at() {
	local name=$1 syscalls=$2 stops=$3 i args=()
	args=(-ex 'set confirm off' -ex 'set pagination off' -ex 'break dw_metrics_write' -ex run
		-ex "catch syscall $syscalls")
	for ((i = 0; i < stops; i++)); do args+=(-ex continue); done
	args+=(-ex 'info inferiors' -ex 'signal SIGKILL')
	# LSan can't run under ptrace; the process dies by SIGKILL anyway
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		gdb -q -batch -nx "${args[@]}" --args "$DW_BIN" --config driftward.ini run \
		>"gdb-$name.out" 2>&1 || true
	grep -q "Breakpoint 1, dw_metrics_write" "gdb-$name.out" ||
		fail "$name: gdb never reached dw_metrics_write: $(cat "gdb-$name.out")"
	grep -q "Program terminated with signal SIGKILL" "gdb-$name.out" ||
		fail "$name: the run was not killed: $(tail -20 "gdb-$name.out")"
	tests_run=$((tests_run + 1))
}

# the window's temporary files: "driftward.prom.tmp-XXXXXX" (node_exporter
# reads only *.prom); nothing else may appear in metrics/
temps() { find metrics -name 'driftward.prom.tmp-??????' | sort; }
only_expected() {
	[ "$(ls -A metrics | grep -v '^driftward\.prom$' | grep -vc '^driftward\.prom\.tmp-......$')" -eq 0 ] ||
		fail "$1: left in metrics/: $(ls -A metrics)"
}

# kill_keeps NAME SYSCALLS STOPS: killed before the rename, the previous file
# stays, byte for byte; returns the temporary file the run left.
kill_keeps() {
	local before
	cp "$prom" previous.prom
	before=$(temps)
	kill_at "$@"
	cmp -s "$prom" previous.prom || fail "$1: the metrics file changed: $(diff previous.prom "$prom" | head)"
	only_expected "$1"
	left=$(comm -13 <(echo "$before") <(temps))
	[ "$(grep -c . <<<"$left")" -eq 1 ] || fail "$1: expected one new temporary file, got: $left"
}

kill_keeps write-entry write 1
[ ! -s "$left" ] || fail "write-entry: killed before writing, yet the temporary file holds bytes"
kill_keeps fsync-entry fsync 1
python3 "$PARSER" check "$left" --tenant contoso ||
	fail "fsync-entry: the temporary file should hold the whole new text"
[ "$(start_of "$left")" != "$(start_of "$prom")" ] || fail "fsync-entry: not the new run's text"
kill_keeps rename-entry 'rename renameat renameat2' 1

# Killed right after the rename returned: the new file, whole.
cp "$prom" previous.prom
kill_at rename-return 'rename renameat renameat2' 2
python3 "$PARSER" check "$prom" --tenant contoso || fail "rename-return: the new file is not whole"
[ "$(start_of "$prom")" != "$(start_of previous.prom)" ] || fail "rename-return: still the old file"
only_expected rename-return

# The repository is consistent, the tenant's lock was dropped by the kernel,
# and the next run writes its file as always.
git -C state.git fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed"
run 0 "$DW_BIN" --config driftward.ini run
contains "$out" "contoso: ok; unchanged"
python3 "$PARSER" check "$prom" --tenant contoso || fail "the run after the kills wrote a bad file"
finish
