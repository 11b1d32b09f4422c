#!/usr/bin/env bash
# Interoperability with the age CLI (an implementation no one here wrote), both
# ways: X25519, several recipients, armor, passphrases (through a pty), a
# 200 MiB stream; and what a failed decryption leaves behind.
. "$(dirname "$0")/lib.sh"
command -v age >/dev/null || fail "the age CLI is not installed (Debian package age)"
PTY="python3 $DW_SOURCE_DIR/tests/integration/pty_run.py"

run 0 "$DW_BIN" keygen -o dw.key
R_DW=$out
[[ $R_DW == age1* ]] || fail "keygen printed '$R_DW', not a recipient"
[ "$(stat -c %a dw.key)" = 600 ] || fail "dw.key is not mode 600"
contains "$(cat dw.key)" "# public key: $R_DW"
age-keygen -o age.key 2>/dev/null
R_AGE=$(age-keygen -y age.key)
# age reads driftward's key file; driftward reads age-keygen's
[ "$(age-keygen -y dw.key)" = "$R_DW" ] || fail "age derives another recipient from dw.key"
run 1 "$DW_BIN" keygen -o dw.key
contains "$err" "not overwriting"

printf 'hello, age\n' >small.txt
head -c 200000 /dev/urandom >medium.bin # four chunks, the last short

for f in small.txt medium.bin; do
	for armor in "" -a; do
		# driftward -> age, to both recipients
		run 0 "$DW_BIN" encrypt $armor -r "$R_DW" -r "$R_AGE" -o "$f.dw.age" "$f"
		age -d -i age.key "$f.dw.age" | cmp - "$f" || fail "age can't decrypt $f ($armor)"
		age -d -i dw.key "$f.dw.age" | cmp - "$f" || fail "age with dw.key, $f ($armor)"
		# age -> driftward, armored or not, detected
		age $armor -r "$R_AGE" -r "$R_DW" -o "$f.age.age" "$f"
		run 0 "$DW_BIN" decrypt -i dw.key -o "$f.out" "$f.age.age"
		cmp "$f.out" "$f" || fail "driftward can't decrypt age's $f ($armor)"
		"$DW_BIN" decrypt -i age.key -i dw.key "$f.age.age" | cmp - "$f" ||
			fail "two identity files, $f ($armor)"
	done
done
# -R: a recipients file with comments
printf '# ops\n%s\n\n%s\n' "$R_DW" "$R_AGE" >recipients.txt
"$DW_BIN" encrypt -R recipients.txt small.txt | age -d -i age.key | cmp - small.txt ||
	fail "-R recipients file"
# stdin to stdout, armored
"$DW_BIN" encrypt -a -r "$R_AGE" <small.txt | age -d -i age.key | cmp - small.txt ||
	fail "armored pipe"
# the wrong key: no match, and nothing written under -o
age -r "$R_AGE" -o only-age.age small.txt
run 1 "$DW_BIN" decrypt -i dw.key -o wrong.out only-age.age
contains "$err" "no identity matched"
[ ! -e wrong.out ] || fail "a failed decryption left wrong.out"

# passphrases: driftward -> age (age asks on a terminal), age -p -> driftward
printf 'tr0ub4dor&3\n' >pass.txt
run 0 "$DW_BIN" encrypt --passphrase-file pass.txt -o pw.age small.txt
contains "$(head -2 pw.age)" "-> scrypt "
$PTY 'tr0ub4dor&3' age -d -o pw.out pw.age 2>/dev/null || fail "age -d of a passphrase file"
cmp pw.out small.txt || fail "age decrypted another text"
$PTY 'tr0ub4dor&3' age -p -a -o age-pw.age small.txt 2>/dev/null || fail "age -p"
run 0 "$DW_BIN" decrypt --passphrase-file pass.txt -o age-pw.out age-pw.age
cmp age-pw.out small.txt || fail "driftward decrypted another text from age -p"
printf 'wrong\n' >wrong-pass.txt
run 1 "$DW_BIN" decrypt --passphrase-file wrong-pass.txt age-pw.age
contains "$err" "no identity matched"
# driftward's own prompt, on a terminal too
$PTY 'tr0ub4dor&3' "$DW_BIN" decrypt -o prompt.out pw.age 2>/dev/null || fail "decrypt prompt"
cmp prompt.out small.txt || fail "decrypt after a prompt"
$PTY 'tr0ub4dor&3' "$DW_BIN" encrypt -p -o prompt.age small.txt 2>/dev/null || fail "encrypt -p"
run 0 "$DW_BIN" decrypt --passphrase-file pass.txt prompt.age
[ "$out" = "hello, age" ] || fail "encrypt -p wrote another text"

# a damaged file: to -o nothing appears; to stdout output stops at the bad chunk
head -c 300000 /dev/urandom >three.bin
run 0 "$DW_BIN" encrypt -r "$R_DW" -o three.age three.bin
python3 - <<'PY'
data = bytearray(open("three.age", "rb").read())
hdr = data.index(b"\n--- ")
start = data.index(b"\n", hdr + 1) + 1 + 16
data[start + 2 * (65536 + 16) + 100] ^= 1  # the third chunk
open("three-bad.age", "wb").write(data)
PY
run 1 "$DW_BIN" decrypt -i dw.key -o three.out three-bad.age
contains "$err" "chunk 2"
[ ! -e three.out ] || fail "plaintext left behind after a failed decryption"
ls three.out.tmp-* >/dev/null 2>&1 && fail "a temporary file was left behind"
"$DW_BIN" decrypt -i dw.key three-bad.age >partial.out 2>/dev/null && fail "damaged file decrypted"
[ "$(stat -c %s partial.out)" = $((2 * 65536)) ] || fail "stdout got $(stat -c %s partial.out) bytes"
cmp partial.out <(head -c $((2 * 65536)) three.bin) || fail "stdout got other bytes"

# 200 MiB both ways, streamed through pipes (no big temporary files)
big=$((200 * 1024 * 1024))
want=$(head -c $big /dev/zero | sha256sum | cut -d' ' -f1)
got=$(head -c $big /dev/zero | "$DW_BIN" encrypt -r "$R_AGE" | age -d -i age.key | sha256sum |
	cut -d' ' -f1)
[ "$got" = "$want" ] || fail "200 MiB driftward -> age"
got=$(head -c $big /dev/zero | age -r "$R_DW" | "$DW_BIN" decrypt -i dw.key | sha256sum |
	cut -d' ' -f1)
[ "$got" = "$want" ] || fail "200 MiB age -> driftward"
got=$(head -c $big /dev/zero | age -a -r "$R_DW" | "$DW_BIN" decrypt -i dw.key | sha256sum |
	cut -d' ' -f1)
[ "$got" = "$want" ] || fail "200 MiB armored age -> driftward"
tests_run=$((tests_run + 3))

finish
