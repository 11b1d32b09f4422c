#!/usr/bin/env bash
# A plain clone builds and passes its tests with nothing beside it: no file of
# the project may name the reference data outside the repository (../shared,
# shared/testdata, DW_SHARED_DIR). The data the tests use is vendored in
# tests/vectors. Fails naming every file:line that does.
#   usage: check-self-contained.sh [SOURCE_DIR]
set -u
top=${1:-.}
cd "$top" || exit 1
self=tests/lint/check-self-contained.sh
pattern='\.\./shared([/"'\'' ]|$)|shared/testdata|DW_SHARED_DIR'

# the tracked files (and new ones not ignored); without git, every file but build output
list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard
	else
		find . -path ./build -prune -o -path ./.git -prune -o -type f -printf '%P\0'
	fi
}

hits=$(list_files | grep -zv "^$self\$" | xargs -0 -r grep -InE "$pattern" -- 2>/dev/null)
if [ -n "$hits" ]; then
	printf '%s\n' "$hits" | sed 's/$/  <- names data outside the repository (use tests\/vectors)/'
	exit 1
fi
echo "self-contained: ok"
