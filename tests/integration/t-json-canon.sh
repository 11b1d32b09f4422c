#!/usr/bin/env bash
# driftward json canon: the RFC 8785 vectors byte for byte through the command
# line, the pretty form, standard input, and each kind of bad input refused
# with FILE:line:col on stderr, nothing on stdout and exit status 1.
. "$(dirname "$0")/lib.sh"

jcs=$DW_VECTORS/jcs
for input in "$jcs"/input/*.json; do
	name=$(basename "$input")
	"$DW_BIN" json canon --compact "$input" >"$name.compact"
	cmp "$name.compact" "$jcs/output/$name" || fail "$name: not the RFC 8785 bytes"
	# the pretty form, whitespace between tokens removed, is the same bytes
	"$DW_BIN" json canon "$input" >"$name.pretty"
	[ "$(tail -c 1 "$name.pretty" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "$name: pretty form without a final newline"
	"$DW_BIN" json canon --compact "$name.pretty" | cmp - "$jcs/output/$name" ||
		fail "$name: the pretty form does not read back to the same bytes"
	tests_run=$((tests_run + 1))
done

printf '{"b": [1.0, {}, []], "a": "\\u00e9"}' >doc.json
run 0 "$DW_BIN" json canon doc.json
[ "$out" = $'{\n  "a": "\xc3\xa9",\n  "b": [\n    1,\n    {},\n    []\n  ]\n}' ] ||
	fail "pretty form: $out"
run 0 "$DW_BIN" json canon --compact - <doc.json
[ "$out" = '{"a":"é","b":[1,{},[]]}' ] || fail "stdin: $out"
run 0 "$DW_BIN" json canon --compact <<<'9007199254740993'
[ "$out" = 9007199254740993 ] || fail "big integer: $out"

# bad input: FILE:line:col: message, exit 1, no output
bad() { # bad BYTES LINE:COL MESSAGE
	printf '%b' "$1" >bad.json
	run 1 "$DW_BIN" json canon bad.json
	[ -z "$out" ] || fail "output for bad input $1: $out"
	contains "$err" "bad.json:$2: $3"
}
bad '{"a": 1,\n "a": 2}' 2:2 'duplicate key "a"'
bad '["\xff"]' 1:3 'invalid UTF-8'
bad '["\\ud800"]' 1:3 'lone surrogate'
bad '[1, NaN]' 1:5 'NaN and Infinity'
bad '[Infinity]' 1:2 'NaN and Infinity'
bad '[00]' 1:2 'leading zeros'
bad '{}\n{}' 2:1 'unexpected data after the JSON value'
bad '1e400' 1:1 'number out of range'
bad "$(printf '%.0s[' {1..300})" 1:257 'nesting deeper than 256'
run 1 "$DW_BIN" json canon --compact <<<'[1,]'
contains "$err" "<stdin>:1:4: trailing comma"

run 1 "$DW_BIN" json canon missing.json
contains "$err" "could not open 'missing.json'"
run 1 "$DW_BIN" json
contains "$err" "no subcommand"
run 1 "$DW_BIN" json frob
run 1 "$DW_BIN" json canon --pretty doc.json
contains "$err" "unknown option"
run 1 "$DW_BIN" json canon a.json b.json
run 0 "$DW_BIN" help json
contains "$out" "usage: driftward json canon"
finish
