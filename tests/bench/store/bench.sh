#!/usr/bin/env bash
# The state store against the git command line, on a tenant of N objects
# (default 50,000 files of ~1 KB in 30 directories):
#   1. the first snapshot (every file new),
#   2. a run in which 10 objects changed,
#   3. an unchanged run.
# The store's time is its own step (begin to the end of commit, fsync on); git's
# is writing the files into a work tree plus `git add -A && git commit`, the
# way a snapshot exporter without the store would do it, both with every file
# rewritten (what an exporter does) and with only the changed ones written.
# Peak memory is the maximum resident set size (/usr/bin/time %M).
#
#   tests/bench/store/bench.sh [BUILD_DIR]      (default build/gcc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$top/build/gcc}" && pwd)
N=${N:-50000}
DIRS=${DIRS:-30}
work=$(mktemp -d /tmp/dw-bench-store-XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -f "$build/lib/libdriftward.a" ] || { echo "build the library first ($build)" >&2; exit 1; }
cc -O2 -std=c11 -D_GNU_SOURCE -I"$top/lib/include" -o "$work/driver" "$here/driver.c" \
	"$build/lib/libdriftward.a" \
	$(pkg-config --libs libgit2 libcurl libcrypto yaml-0.1 inih) -lpthread

git init -q --bare -b main "$work/state.git"
git --git-dir="$work/state.git" config driftward.repositoryformat 1 # ours (init --adopt)
git init -q -b main "$work/wt"
git -C "$work/wt" config user.name bench
git -C "$work/wt" config user.email bench@localhost

# measure LABEL CMD...: runs CMD under /usr/bin/time; sets $secs and $kb (peak RSS)
measure() {
	local label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
		cat "$work/err" >&2
		return 1
	}
	read -r secs kb <"$work/time"
}

printf '%-34s %10s %10s %12s\n' "step ($N files)" "store s" "git s" "peak MB s/g"
row() { printf '%-34s %10s %10s %12s\n' "$@"; }

store_run() { # K V: the store's own step time and peak memory
	measure store "$work/driver" store "$work/state.git" "$N" "$DIRS" "$1" "$2"
	store_s=$(sed -n 's/.*store_s=\([0-9.]*\).*/\1/p' "$work/out")
	store_info=$(cat "$work/out")
	store_kb=$kb
}

git_run() { # K V [changed-only]: files + git add -A + git commit, summed
	local total=0 peak=0
	measure files "$work/driver" files "$work/wt" "$N" "$DIRS" "$@"
	total=$secs
	measure add git -C "$work/wt" add -A
	total=$(echo "$total + $secs" | bc)
	peak=$kb
	measure commit git -C "$work/wt" commit -q --allow-empty-message -m "run $2" ||
		{ secs=0; kb=0; } # nothing to commit
	total=$(echo "$total + $secs" | bc)
	[ "$kb" -gt "$peak" ] && peak=$kb
	git_s=$total
	git_kb=$peak
}

mb() { echo "$(($1 / 1024))"; }

store_run 0 0
git_run 0 0
row "first snapshot (all new)" "$store_s" "$git_s" "$(mb $store_kb)/$(mb $git_kb)"
echo "  store: $store_info"

store_run 10 2
git_run 10 2
row "10 changed, all files rewritten" "$store_s" "$git_s" "$(mb $store_kb)/$(mb $git_kb)"
echo "  store: $store_info"
git -C "$work/wt" reset -q --hard HEAD~1
git_run 10 2 changed-only
row "10 changed, only those written" "-" "$git_s" "-/$(mb $git_kb)"

store_run 10 2
git_run 10 2
row "unchanged, all files rewritten" "$store_s" "$git_s" "$(mb $store_kb)/$(mb $git_kb)"
echo "  store: $store_info"

# the judge: the store's branch and git's work tree hold the same files
a=$(git --git-dir="$work/state.git" rev-parse tenants/bench^{tree})
b=$(git -C "$work/wt" rev-parse HEAD^{tree})
[ "$a" = "$b" ] && echo "same tree as git: $a" || { echo "tree differs: $a vs $b" >&2; exit 1; }
git --git-dir="$work/state.git" fsck --strict --no-progress && echo "fsck --strict: clean"
echo "commits: store $(git --git-dir="$work/state.git" rev-list --count tenants/bench)," \
	"git $(git -C "$work/wt" rev-list --count HEAD)"
