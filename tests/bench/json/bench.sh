#!/usr/bin/env bash
# Canonicalisation benchmark: driftward json canon vs jq -S . on the same
# Graph-shaped corpus (gen_corpus.py), in the same run. Prints, per tool, the
# best wall time of RUNS runs, the throughput in MB/s (MB = 10^6 bytes of
# input) and the peak resident memory, then the ratios. Not run by make test.
#
# usage: tests/bench/json/bench.sh [DRIFTWARD_BINARY | BUILD_DIR]
# env:   BENCH_MB (default 100), RUNS (default 3), BENCH_DIR (default /tmp/driftward-bench)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${DW_BIN:-$here/../../../build/gcc/agent/driftward}}
[ -d "$bin" ] && bin=$bin/agent/driftward # a build directory will do
mb=${BENCH_MB:-100}
runs=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/driftward-bench}
corpus=$dir/graph-ca-${mb}mb.json

[ -x "$bin" ] || { echo "bench: no driftward binary at $bin" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench: jq is not installed" >&2; exit 1; }
mkdir -p "$dir"
[ -s "$corpus" ] || python3 "$here/gen_corpus.py" "$corpus" "$mb"

# The output must be canonical before its speed means anything: the pretty
# form ends in "}\n" (the unit and fuzz tests check the rest).
pretty_end=$("$bin" json canon "$corpus" | tail -c 2 | od -An -c | tr -d ' ')
[ "$pretty_end" = '}\n' ] || { echo "bench: pretty output ends in '$pretty_end'" >&2; exit 1; }

# Runs a command RUNS times with stdout to /dev/null; prints "seconds peak_kib".
measure() {
	python3 - "$runs" "$@" <<'PY'
import resource, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
best = None
for _ in range(runs):
    start = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    elapsed = time.monotonic() - start
    best = elapsed if best is None else min(best, elapsed)
# ru_maxrss of children: the largest any child reached, in KiB
print("%.3f %d" % (best, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

size=$(stat -c %s "$corpus")
read -r dw_pretty_s dw_pretty_kib < <(measure "$bin" json canon "$corpus")
read -r dw_compact_s dw_compact_kib < <(measure "$bin" json canon --compact "$corpus")
read -r jq_s jq_kib < <(measure jq -S . "$corpus")

python3 - "$size" "$dw_pretty_s" "$dw_pretty_kib" "$dw_compact_s" "$dw_compact_kib" \
	"$jq_s" "$jq_kib" "$(jq --version)" <<'PY'
import sys
size = int(sys.argv[1])
rows = [("driftward json canon", float(sys.argv[2]), int(sys.argv[3])),
        ("driftward json canon --compact", float(sys.argv[4]), int(sys.argv[5])),
        ("%s -S ." % sys.argv[8], float(sys.argv[6]), int(sys.argv[7]))]
print("input: %.1f MB (%d bytes)" % (size / 1e6, size))
print("%-32s %9s %9s %12s %9s" % ("tool", "seconds", "MB/s", "peak RSS MB", "RSS/input"))
for name, s, kib in rows:
    print("%-32s %9.2f %9.1f %12.1f %9.2f" % (name, s, size / 1e6 / s, kib * 1024 / 1e6,
                                              kib * 1024 / size))
jq_s = rows[2][1]
print("throughput vs jq: pretty %.1fx, compact %.1fx (target >= 5x)" % (jq_s / rows[0][1],
                                                                       jq_s / rows[1][1]))
print("peak memory / input: pretty %.2f, compact %.2f (target < 4)" % (
    rows[0][2] * 1024 / size, rows[1][2] * 1024 / size))
PY
