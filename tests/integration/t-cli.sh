#!/usr/bin/env bash
# The command line: help, version, usage errors, exit codes, and `check` on
# good and bad configurations.
. "$(dirname "$0")/lib.sh"

TENANT=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
CLIENT=2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e

run 0 "$DW_BIN" --version
contains "$out" "driftward 0."
run 0 "$DW_BIN" --help
contains "$out" "usage: driftward"
contains "$out" "check"
contains "$out" "Exit status"
run 0 "$DW_BIN" help check
contains "$out" "usage: driftward check"
run 0 "$DW_BIN" check --help
contains "$out" "usage: driftward check"

run 1 "$DW_BIN"
contains "$err" "no command given"
run 1 "$DW_BIN" frobnicate
contains "$err" "'frobnicate' is not a driftward command"
contains "$err" "driftward --help"
run 1 "$DW_BIN" help frobnicate
run 1 "$DW_BIN" check --frobnicate
contains "$err" "unknown option '--frobnicate'"
contains "$err" "driftward help check"
run 1 "$DW_BIN" check extra-argument
run 1 "$DW_BIN" --log-format yaml check
contains "$err" "'yaml' is not text or json"
run 1 "$DW_BIN" check --config
contains "$err" "needs a value"
run 1 "$DW_BIN" check --online -t
contains "$err" "option '-t' needs a value"
run 0 "$DW_BIN" -vvv --version

# check also verifies the key file and that each tenant's secret decrypts
"$DW_BIN" keygen -o key.txt >/dev/null
echo client-secret | "$DW_BIN" encrypt -r "$(sed -n 's/^# public key: //p' key.txt)" -o contoso.age
cat >good.ini <<INI
[agent]
state_repo = state.git
key_file = key.txt
catalog = $DW_SOURCE_DIR/config/collectors.yaml

[tenant contoso]
tenant_id = $TENANT
client_id = $CLIENT
secret_file = contoso.age
INI
run 0 "$DW_BIN" check --config good.ini
contains "$out" "ok (1 tenant)"
run 0 "$DW_BIN" --config good.ini check
run 0 "$DW_BIN" check --config=good.ini -q
[ -z "$out" ] || fail "--quiet printed: $out"

# The issue's example: an unknown key, a bad GUID, a duplicate tenant, a missing
# secret file and a non-numeric concurrency: one line each, with file:line.
cat >bad.ini <<INI
[agent]
key_file = key.txt
concurrency = sixteen
colour = blue

[tenant contoso]
tenant_id = not-a-guid
client_id = $CLIENT
secret_file = missing.age

[tenant contoso]
tenant_id = $TENANT
client_id = $CLIENT
secret_file = contoso.age
INI
run 1 "$DW_BIN" check --config bad.ini
contains "$err" "bad.ini:3: error: concurrency: 'sixteen' is not a number"
contains "$err" "bad.ini:4: error: unknown key 'colour' in [agent]"
contains "$err" "bad.ini:7: error: tenant_id: 'not-a-guid' is not a GUID"
contains "$err" "bad.ini:9: error: secret_file: cannot use"
contains "$err" "bad.ini:11: error: duplicate tenant 'contoso' (first defined at line 6)"
contains "$err" "5 problems found"
[ "$(grep -c ': error: ' <<<"$err")" -eq 5 ] || fail "expected exactly 5 problem lines: $err"

run 1 "$DW_BIN" check --config does-not-exist.ini
contains "$err" "does-not-exist.ini: error: could not open"

finish
