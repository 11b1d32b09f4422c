#!/usr/bin/env bash
# Drift benchmark: 1,000 rules over 100,000 and 1,000,000 objects, in memory
# (bench_drift.c, built here against the build's libdriftward.a). Prints the
# time of each phase and the peak resident memory. Target: evaluating 1,000
# rules over 100,000 objects in under a second, and linear growth in time and
# memory. Figures: README.md here.
#
# usage: tests/bench/drift/bench.sh [DRIFTWARD_BINARY | BUILD_DIR]
# env:   DW_BUILD_DIR, BENCH_OBJECTS (default "100000 1000000"), BENCH_RULES (default 1000),
#        BENCH_MODES (default "stream": evaluated as read, as drift and snapshot do;
#        "held" keeps the whole snapshot in memory first, as dw_drift_evaluate does)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=${DW_BUILD_DIR:-}
[ -n "$build" ] || { [ -d "${1:-}" ] && build=$1 || build=$(dirname "$(dirname "${1:-$top/build/gcc/agent/driftward}")"); }
lib=$build/lib/libdriftward.a
[ -f "$lib" ] || { echo "bench: no $lib (build first)" >&2; exit 1; }
mods="libcurl libcrypto libgit2 yaml-0.1 inih"
pkg-config --exists libcjson && mods="$mods libcjson"
exe=$(mktemp -d /tmp/driftward-bench-drift-XXXXXX)/bench_drift
trap 'rm -rf "$(dirname "$exe")"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -I"$top/lib/include" "$here/bench_drift.c" "$lib" \
	$(pkg-config --libs $mods) -lpthread -lm -o "$exe"
for mode in ${BENCH_MODES:-stream}; do
	for n in ${BENCH_OBJECTS:-100000 1000000}; do
		"$exe" "${BENCH_RULES:-1000}" "$n" "$mode"
	done
done
