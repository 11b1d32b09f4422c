#!/usr/bin/env bash
# Per-run overhead of the metrics file and of notifications (issue 13):
# `driftward run` on the demo-sized sample tenant (the Graph emulator's
# sample, 60-odd objects) with and without metrics_dir and a [notify]
# channel (the test webhook receiver, https on 127.0.0.1). Wall time of the
# whole run, best and median of RUNS (5) after one warm-up, in ms; the four
# steady variants interleaved run by run:
#
#   steady      nothing changed in the tenant: the timer's usual run
#   +metrics    the same with metrics_dir (format, write, fsync, rename)
#   +notify     the same with one channel (reads drift.json and the channel's
#               state; nothing to send)
#   +both
#   flip        an admin's change flips one finding before each run (a
#               commit and a drift change every run)
#   flip+notify the same with the channel: one notification sent per run
#
# usage: tests/bench/run-overhead/bench.sh [BUILD_DIR]   (make bench passes it)
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(realpath "${1:-$top/build/gcc}")
export DW_BIN=$build/agent/driftward DW_SOURCE_DIR=$top
RUNS=${RUNS:-5}
. "$top/tests/integration/lib.sh"

mkdir metrics
sample_deployment
python3 "$DW_SOURCE_DIR/tests/notify-server/webhook.py" --ca-dir "$SCRATCH/emulator-ca" \
	--port-file hook.port --log hook.log --control hook.control >hook.out 2>&1 &
cleanup_hooks+=("stop_process $!")
for _ in $(seq 1 200); do [ -s hook.port ] && break; sleep 0.05; done
[ -s hook.port ] || fail "the webhook receiver did not start: $(cat hook.out)"
cp driftward.ini plain.ini
sed 's|^\[agent\]$|&\nmetrics_dir = metrics|' plain.ini >metrics.ini
notify="
[notify ops]
url = https://127.0.0.1:$(cat hook.port)/ops
min_severity = low
timeout = 5"
{ cat plain.ini; echo "$notify"; } >notify.ini
{ cat metrics.ini; echo "$notify"; } >both.ini

ms() { echo $(($(date +%s%N) / 1000000)); }
flip=everyone
flip() { # an admin's change that opens or clears one finding
	graph_write PATCH /v1.0/policies/authorizationPolicy "{\"allowInvitesFrom\":\"$flip\"}"
	if [ "$flip" = everyone ]; then flip=adminsAndGuestInviters; else flip=everyone; fi
}
timed() { # timed CONFIG: one run's wall time, ms
	local t0
	t0=$(ms)
	"$DW_BIN" --config "$1" run >/dev/null 2>&1 || true
	echo $(($(ms) - t0))
}
report() { # report NAME TIMES...: best and median
	local name=$1 sorted
	shift
	sorted=$(printf '%s\n' "$@" | sort -n)
	printf '%-26s best %5d ms  median %5d ms  (%d runs)\n' "$name" "$(head -1 <<<"$sorted")" \
		"$(sed -n "$((($# + 1) / 2))p" <<<"$sorted")" "$#"
}

"$DW_BIN" --config plain.ini run >/dev/null 2>&1 || true # the first snapshot
# steady variants interleaved, so that the machine's load falls on each alike
declare -A t
confs=(plain metrics notify both)
for c in "${confs[@]}"; do timed $c.ini >/dev/null; done # warm-up
for ((i = 0; i < RUNS; i++)); do
	for c in "${confs[@]}"; do t[$c]+=" $(timed $c.ini)"; done
done
report steady ${t[plain]}
report +metrics ${t[metrics]}
report +notify ${t[notify]}
report +both ${t[both]}
# a finding opens or clears before every run: with the channel, one notification per run
for c in plain notify; do
	flip
	timed $c.ini >/dev/null # warm-up
	for ((i = 0; i < RUNS; i++)); do
		flip
		t[flip-$c]+=" $(timed $c.ini)"
	done
done
report flip ${t[flip-plain]}
report flip+notify ${t[flip-notify]}
echo "notifications delivered: $(grep -c '"status": 200' hook.log)"

# The two steps alone, where a whole run's noise hides them. Notifications:
# `driftward notify` is the run's notification step by itself (the same
# calls); without a channel it does nothing, which leaves process start and
# configuration. Metrics: the system calls of the write (temporary file,
# write, fsync, rename, the directory's fsync), timed by strace -T in a run.
unset 't[plain]' 't[notify]'
for ((i = 0; i < RUNS; i++)); do
	for c in plain notify; do
		t0=$(ms)
		"$DW_BIN" --config $c.ini notify >/dev/null 2>&1 || true
		t[n-$c]+=" $(($(ms) - t0))"
	done
done
report "notify step, no channel" ${t[n-plain]}
report "notify step, one channel" ${t[n-notify]}
if command -v strace >/dev/null 2>&1; then
	for ((i = 0; i < RUNS; i++)); do
		strace -f -T -y -qq -e trace=openat,write,fsync,rename,renameat,renameat2,close \
			-o trace.txt "$DW_BIN" --config metrics.ini run >/dev/null 2>&1 || true
		t[strace]+=" $(python3 - trace.txt <<'PY'
import re, sys
total = 0.0
for line in open(sys.argv[1]):
    if "driftward.prom" in line or re.search(r"fsync\(\d+</[^>]*/metrics>", line):
        m = re.search(r"<(\d+\.\d+)>$", line.strip())
        if m:
            total += float(m.group(1))
print(round(total * 1000))
PY
)"
	done
	report "metrics write syscalls" ${t[strace]}
fi
echo "metrics file: $(wc -c <metrics/driftward.prom) bytes, $(grep -vc '^#' metrics/driftward.prom) samples"
