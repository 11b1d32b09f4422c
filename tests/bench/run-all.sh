#!/usr/bin/env bash
# make bench: every benchmark in tests/bench, each comparing driftward with its
# peer (age, jq, git, the theoretical bound) in the same run. Not timed tests:
# they print figures and ratios. Each bench.sh takes the build directory as its
# first argument. Usage: tests/bench/run-all.sh BUILD_DIR [NAME...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "${1:-build/gcc}")
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(cd "$here" && ls -d */ | tr -d /)
for name in "${names[@]}"; do
	printf '\n=== %s\n' "$name"
	DW_BUILD_DIR=$build bash "$here/$name/bench.sh" "$build"
done
