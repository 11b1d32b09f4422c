#!/usr/bin/env bash
# Builds the libFuzzer targets and fuzzes one of them, then merges what added
# coverage (minimised) into its committed corpus. What a `make fuzz` runs.
#
# usage: tests/fuzz/run.sh NAME [SECONDS]     (e.g. tests/fuzz/run.sh json 600)
# env:   BUILD_DIR (default build/fuzz), JOBS (default 2 for the build)
set -euo pipefail

name=${1:?usage: tests/fuzz/run.sh NAME [SECONDS]}
seconds=${2:-600}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$top/build/fuzz}
corpus=$top/tests/fuzz/corpus/$name
new=$top/tests/fuzz/corpus-new/$name
dict=$top/tests/fuzz/$name.dict

CC=clang cmake -S "$top" -B "$build" -DDW_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target "fuzz-$name"
mkdir -p "$corpus" "$new"
# logs and crash files go beside the new corpus, never into a corpus directory
logs=$top/tests/fuzz/corpus-new
log=$logs/$name.log
args=(-max_total_time="$seconds" -artifact_prefix="$logs/$name-")
[ -f "$dict" ] && args+=(-dict="$dict")
echo "fuzz: $name for ${seconds}s, log in $log"
status=0
"$build/tests/fuzz-$name" "${args[@]}" "$new" "$corpus" >"$log" 2>&1 || status=$?
tail -n 1 "$log"
# edges only (no hit counters): a few hundred inputs, not thousands
"$build/tests/fuzz-$name" -merge=1 -use_counters=0 "$corpus" "$new" >>"$log" 2>&1
echo "fuzz: $(ls "$corpus" | wc -l) inputs in $corpus"
[ $status -eq 0 ] || echo "fuzz: $name found a crash: see $logs/$name-crash-* and $log" >&2
exit $status
