#!/usr/bin/env bash
# Every global symbol the library defines is either its public API (declared
# in lib/include/driftward) or says it is internal with a double underscore
# (dw_<area>__<name>), as libgit2 marks its internals: a reader can tell one
# from the other by the name, and an embedder's own symbols can't collide.
# usage: check-symbols.sh SOURCE_DIR LIBRARY
set -euo pipefail
src=$1 lib=$2
[ -f "$lib" ] || { echo "check-symbols: no library at $lib" >&2; exit 1; }
declared=$(cat "$src"/lib/include/driftward/*.h | grep -oE '\b[A-Za-z_][A-Za-z0-9_]*\b' | sort -u)
bad=$(nm -g --defined-only "$lib" | awk 'NF == 3 && $2 ~ /^[TDBRC]$/ { print $3 }' | sort -u |
	grep -v '__' | comm -23 - <(echo "$declared") || true)
if [ -n "$bad" ]; then
	echo "internal symbols without the dw_<area>__ marker (or public ones missing from lib/include):" >&2
	echo "$bad" | sed 's/^/  /' >&2
	exit 1
fi
echo "symbols: every global is public or marked internal"
