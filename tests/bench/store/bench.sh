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
# The first snapshot and the unchanged run are the best of BEST tries per side
# (git's time varies a lot on a shared host).
#
# Then the long run: SIM_RUNS hourly runs (default 1,000) of a SIM_N-object
# tenant (default 500) with SIM_K changes per run (default 5), through the store
# (each commit followed by its automatic gc) and through git (files, add,
# commit, `git gc --auto`): the objects directory's size and file count, before
# and after a full gc on each side. SIM_RUNS=0 skips it.
#
#   tests/bench/store/bench.sh [BUILD_DIR]      (default build/gcc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=$(cd "${1:-$top/build/gcc}" && pwd)
N=${N:-50000}
DIRS=${DIRS:-30}
BEST=${BEST:-3}
SIM_RUNS=${SIM_RUNS:-1000}
SIM_N=${SIM_N:-500}
SIM_K=${SIM_K:-5}
work=$(mktemp -d /tmp/dw-bench-store-XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -f "$build/lib/libdriftward.a" ] || { echo "build the library first ($build)" >&2; exit 1; }
cc -O2 -std=c11 -D_GNU_SOURCE -I"$top/lib/include" -o "$work/driver" "$here/driver.c" \
	"$build/lib/libdriftward.a" \
	$(pkg-config --libs libgit2 libcurl libcrypto yaml-0.1 inih) -lpthread

git init -q --bare -b main "$work/state.git"

git -C "$work/state.git" config driftward.repositoryFormat 1 # the mark dw_store_open wants
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

# best BEST tries of the first snapshot, each side into a fresh repository
best_store=999999 best_git=999999
for try in $(seq "$BEST"); do
	rm -rf "$work/state.git" "$work/wt"
	git init -q --bare -b main "$work/state.git"
	git -C "$work/state.git" config driftward.repositoryFormat 1 # the mark dw_store_open wants
	git init -q -b main "$work/wt"
	git -C "$work/wt" config user.name bench
	git -C "$work/wt" config user.email bench@localhost
	store_run 0 0
	first_info=$store_info first_kb=$store_kb
	[ "$(echo "$store_s < $best_store" | bc)" = 1 ] && best_store=$store_s
	git_run 0 0
	[ "$(echo "$git_s < $best_git" | bc)" = 1 ] && best_git=$git_s
done
row "first snapshot, best of $BEST" "$best_store" "$best_git" "$(mb $first_kb)/$(mb $git_kb)"
echo "  store: $first_info"
echo "  ratio git/store: $(echo "scale=2; $best_git / $best_store" | bc)"

store_run 10 2
git_run 10 2
row "10 changed, all files rewritten" "$store_s" "$git_s" "$(mb $store_kb)/$(mb $git_kb)"
echo "  store: $store_info"
git -C "$work/wt" reset -q --hard HEAD~1
git_run 10 2 changed-only
row "10 changed, only those written" "-" "$git_s" "-/$(mb $git_kb)"

best_store=999999
for try in $(seq "$BEST"); do
	store_run 10 2
	[ "$(echo "$store_s < $best_store" | bc)" = 1 ] && best_store=$store_s
done
git_run 10 2
row "unchanged, all files rewritten" "$best_store" "$git_s" "$(mb $store_kb)/$(mb $git_kb)"
echo "  store (best of $BEST): $store_info"

# the judge: the store's branch and git's work tree hold the same files
a=$(git --git-dir="$work/state.git" rev-parse tenants/bench^{tree})
b=$(git -C "$work/wt" rev-parse HEAD^{tree})
[ "$a" = "$b" ] && echo "same tree as git: $a" || { echo "tree differs: $a vs $b" >&2; exit 1; }
git --git-dir="$work/state.git" fsck --strict --no-progress && echo "fsck --strict: clean"
echo "commits: store $(git --git-dir="$work/state.git" rev-list --count tenants/bench)," \
	"git $(git -C "$work/wt" rev-list --count HEAD)"

[ "$SIM_RUNS" -gt 0 ] || exit 0
# size DIR: "<KiB> KiB in <n> files" of an objects directory
size() { echo "$(du -sk "$1" | cut -f1) KiB in $(find "$1" -type f | wc -l) files"; }
echo
echo "$SIM_RUNS hourly runs of a $SIM_N-object tenant, $SIM_K changes per run"
git init -q --bare -b main "$work/sim.git"
git -C "$work/sim.git" config driftward.repositoryFormat 1 # the mark dw_store_open wants
measure sim "$work/driver" sim "$work/sim.git" "$SIM_N" 10 "$SIM_K" "$SIM_RUNS"
echo "  store: $(cat "$work/out") (${secs} s)"
echo "  store, before gc: $(size "$work/sim.git/objects")"
"$work/driver" gc "$work/sim.git" >"$work/out"
echo "  store, after gc:  $(size "$work/sim.git/objects")   $(cat "$work/out")"
git --git-dir="$work/sim.git" fsck --strict --no-progress && echo "  store fsck --strict: clean"

git init -q -b main "$work/simwt"
git -C "$work/simwt" config user.name bench
git -C "$work/simwt" config user.email bench@localhost
start=$(date +%s.%N)
for run in $(seq "$SIM_RUNS"); do
	if [ "$run" = 1 ]; then
		"$work/driver" files "$work/simwt" "$SIM_N" 10 "$SIM_K" "$run"
	else
		"$work/driver" files "$work/simwt" "$SIM_N" 10 "$SIM_K" "$run" changed-only
	fi
	git -C "$work/simwt" add -A
	git -C "$work/simwt" commit -q -m "run $run"
	git -C "$work/simwt" gc --auto --quiet
done
echo "  git: $(echo "$(date +%s.%N) - $start" | bc) s"
echo "  git, before gc:   $(size "$work/simwt/.git/objects")"
git -C "$work/simwt" gc --quiet
echo "  git, after gc:    $(size "$work/simwt/.git/objects")"
