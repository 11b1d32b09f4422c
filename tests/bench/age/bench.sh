#!/usr/bin/env bash
# Benchmark (not a test): encrypt and decrypt a 512 MiB file with driftward and
# with the age CLI in the same run, reporting throughput and peak memory (max
# RSS from /usr/bin/time -v, Debian package "time") of each, and the ratios.
#   usage: tests/bench/age/bench.sh [DRIFTWARD_BINARY | BUILD_DIR] [SIZE_MIB]
# Targets: driftward at least as fast as age, peak memory under 16 MiB.
set -euo pipefail

DW_BIN=${1:-${DW_BIN:-build/gcc/agent/driftward}}
[ -d "$DW_BIN" ] && DW_BIN=$DW_BIN/agent/driftward # a build directory will do
MIB=${2:-512}
ROUNDS=${ROUNDS:-3}
command -v age >/dev/null || { echo "the age CLI is needed (Debian package age)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (Debian package time)" >&2; exit 1; }
DW_BIN=$(realpath "$DW_BIN")
work=$(mktemp -d "${TMPDIR:-/tmp}/dw-bench-age-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

"$DW_BIN" keygen -o key.txt >/dev/null
R=$(sed -n 's/^# public key: //p' key.txt)
head -c $((MIB * 1024 * 1024)) /dev/urandom >plain.bin
bytes=$(stat -c %s plain.bin)

# measure NAME CMD...: best wall time of $ROUNDS runs and the largest max RSS
# (the input is a file in a warm page cache)
declare -A secs rss
measure() {
	local name=$1 best="" peak=0 i t m
	shift
	for ((i = 0; i < ROUNDS; i++)); do
		/usr/bin/time -f '%e %M' -o time.txt "$@"
		read -r t m <time.txt
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
		[ "$m" -gt "$peak" ] && peak=$m
	done
	secs[$name]=$best
	rss[$name]=$peak
}

# stdout to /dev/null: the figures are the tools' own cost, not the disk's
"$DW_BIN" encrypt -r "$R" -o dw.age plain.bin
age -r "$R" -o age.age plain.bin
measure dw-encrypt sh -c 'exec "$0" encrypt -r "$1" plain.bin >/dev/null' "$DW_BIN" "$R"
measure age-encrypt sh -c 'exec age -r "$0" plain.bin >/dev/null' "$R"
measure dw-decrypt sh -c 'exec "$0" decrypt -i key.txt age.age >/dev/null' "$DW_BIN"
measure age-decrypt sh -c 'exec age -d -i key.txt dw.age >/dev/null'
"$DW_BIN" decrypt -i key.txt age.age | cmp - plain.bin
age -d -i key.txt dw.age | cmp - plain.bin
# to a file (driftward: temporary file, fsync, rename; age: plain write)
measure dw-decrypt-file "$DW_BIN" decrypt -i key.txt -o dw.out age.age
measure age-decrypt-file age -d -i key.txt -o age.out dw.age
cmp dw.out plain.bin && cmp age.out plain.bin || { echo "round trip failed" >&2; exit 1; }
rm -f dw.out age.out

printf 'age v1, %d MiB, best of %d runs, %s (%s)\n' "$MIB" "$ROUNDS" "$(uname -m)" \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-14s %10s %12s %12s\n' operation tool "MB/s" "peak MiB"
for op in encrypt decrypt decrypt-file; do
	for tool in dw age; do
		s=${secs[$tool-$op]}
		printf '%-14s %10s %12.0f %12.1f\n' "$op" "$([ $tool = dw ] && echo driftward || echo age)" \
			"$(awk "BEGIN{print $bytes / 1e6 / ($s > 0 ? $s : 0.001)}")" \
			"$(awk "BEGIN{print ${rss[$tool-$op]} / 1024}")"
	done
	printf '%-14s %10s %12.2fx %11.2fx\n' "$op" "dw/age" \
		"$(awk "BEGIN{print ${secs[age-$op]} / ${secs[dw-$op]}}")" \
		"$(awk "BEGIN{print ${rss[dw-$op]} / ${rss[age-$op]}}")"
done
