#!/usr/bin/env bash
# Tenant credentials: `secret set/check/rekey`, `check` verifying the key file
# and every secret, the key file's mode, $CREDENTIALS_DIRECTORY, and a planted
# canary secret that must never show in any output or log line.
. "$(dirname "$0")/lib.sh"

CANARY="dw-canary-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PEM_CANARY="pem-canary-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$DW_BIN" keygen -o key.txt >/dev/null
"$DW_BIN" keygen -o breakglass.txt >/dev/null
BREAKGLASS=$(sed -n 's/^# public key: //p' breakglass.txt)
mkdir secrets
cat >driftward.ini <<INI
[agent]
state_repo = state.git
key_file = key.txt
extra_recipients = $BREAKGLASS
catalog = $DW_SOURCE_DIR/config/collectors.yaml

[tenant contoso]
tenant_id = 6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
client_id = 2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
secret_file = secrets/contoso.age

[tenant fabrikam]
tenant_id = 7f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
client_id = 3b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
secret_file = secrets/fabrikam.age
certificate = driftward.ini
INI

# set: a client secret (its final newline dropped) and a PEM key (kept whole)
for fmt in text json; do
	run 0 "$DW_BIN" -vv --log-format $fmt --config driftward.ini secret set contoso \
		< <(printf '%s\n' "$CANARY")
done
contains "$err" "contoso"
printf -- '-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n' "$PEM_CANARY" >pem.txt
run 0 "$DW_BIN" -vv --config driftward.ini secret set fabrikam <pem.txt
# what is on disk is age, readable by age with the key and with the break-glass key
for t in contoso fabrikam; do
	head -1 secrets/$t.age | grep -qx 'age-encryption.org/v1' || fail "$t.age is not an age file"
	grep -q "$CANARY\|$PEM_CANARY" secrets/$t.age && fail "$t.age holds the secret in clear"
done
[ "$(age -d -i key.txt secrets/contoso.age)" = "$CANARY" ] || fail "age reads another secret"
[ "$(age -d -i breakglass.txt secrets/contoso.age)" = "$CANARY" ] || fail "break-glass key"
age -d -i key.txt secrets/fabrikam.age | cmp - pem.txt || fail "the PEM key changed"
run 1 "$DW_BIN" --config driftward.ini secret set nosuchtenant </dev/null
contains "$err" "no tenant 'nosuchtenant'"
run 1 "$DW_BIN" --config driftward.ini secret set contoso </dev/null
contains "$err" "no secret on stdin"

# check and secret check: every secret decrypts, none is printed
for fmt in text json; do
	run 0 "$DW_BIN" -vv --log-format $fmt --config driftward.ini secret check
	run 0 "$DW_BIN" -vv --log-format $fmt --config driftward.ini check
done
contains "$out" "tenant contoso: secret decrypts"
contains "$out" "tenant fabrikam: secret decrypts"

# a damaged secret is named
cp secrets/fabrikam.age fabrikam.good
printf 'garbage' >>secrets/fabrikam.age
run 1 "$DW_BIN" -vv --config driftward.ini secret check
contains "$err" "tenant fabrikam: secret does not decrypt"
lacks "$err" "tenant contoso"
run 1 "$DW_BIN" --config driftward.ini check
contains "$err" "fabrikam"

# rekey is all or nothing: with fabrikam broken no file changes
sum_before=$(sha256sum secrets/contoso.age)
run 1 "$DW_BIN" -vv --config driftward.ini secret rekey
contains "$err" "no secret file was changed"
[ "$(sha256sum secrets/contoso.age)" = "$sum_before" ] || fail "rekey changed contoso.age"
ls secrets | grep -q tmp && fail "rekey left temporary files: $(ls secrets)"
cp fabrikam.good secrets/fabrikam.age
# to a new key: the old key no longer opens them, the new one and break-glass do
"$DW_BIN" keygen -o new.key >/dev/null
run 0 "$DW_BIN" -vv --log-format json --config driftward.ini secret rekey --new-key new.key
[ "$(sha256sum secrets/contoso.age)" != "$sum_before" ] || fail "rekey did not rewrite"
age -d -i key.txt secrets/contoso.age >/dev/null 2>&1 && fail "the old key still decrypts"
[ "$(age -d -i new.key secrets/contoso.age)" = "$CANARY" ] || fail "new key after rekey"
[ "$(age -d -i breakglass.txt secrets/fabrikam.age | sed -n 2p)" = "$PEM_CANARY" ] ||
	fail "break-glass after rekey"
run 1 "$DW_BIN" --config driftward.ini secret check
sed -i 's/^key_file = key.txt/key_file = new.key/' driftward.ini
run 0 "$DW_BIN" -vv --config driftward.ini secret check

# a key that group or others can read is refused, with the fix
chmod 644 new.key
run 1 "$DW_BIN" --config driftward.ini check
contains "$err" "chmod 600"
run 1 "$DW_BIN" --config driftward.ini secret check
run 1 "$DW_BIN" --config driftward.ini decrypt -i new.key secrets/contoso.age
contains "$err" "chmod 600"
chmod 600 new.key

# systemd's LoadCredential: $CREDENTIALS_DIRECTORY/driftward.key wins
mkdir creds
cp new.key creds/driftward.key
chmod 400 creds/driftward.key
# (key_file left at its default, which the credential replaces; the configuration
# loader still insists that an explicitly configured key_file exists)
sed -i '/^key_file = /d' driftward.ini
CREDENTIALS_DIRECTORY=$SCRATCH/creds run 0 "$DW_BIN" -vv --config driftward.ini check
contains "$out" "creds/driftward.key: ok"
CREDENTIALS_DIRECTORY=$SCRATCH/creds run 0 "$DW_BIN" --config driftward.ini secret check
[ -e /etc/driftward/key.txt ] || run 1 "$DW_BIN" --config driftward.ini check # the default is absent

# the canary never showed in any output or log line
grep -qF "$CANARY" "$ALL_OUTPUT" && fail "the canary secret appeared in output: $(grep -F "$CANARY" "$ALL_OUTPUT")"
grep -qF "$PEM_CANARY" "$ALL_OUTPUT" && fail "the PEM canary appeared in output"
grep -q 'AGE-SECRET-KEY-1' "$ALL_OUTPUT" && fail "a private key appeared in output"
[ -s "$ALL_OUTPUT" ] || fail "no output was captured at all"
tests_run=$((tests_run + 3))

finish
