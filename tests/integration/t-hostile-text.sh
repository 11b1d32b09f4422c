#!/usr/bin/env bash
# Text from outside (a token endpoint's error, a Graph error code) reaches the
# terminal, the logs and commit bodies safely: a secret the run holds is
# masked wherever it is echoed, in text and JSON logs.
. "$(dirname "$0")/lib.sh"

TOKEN_PATH="/$SAMPLE_TENANT/oauth2/v2.0/token"
sample_deployment "max_retries = 1"

# --- a 401 whose error_description echoes the client secret verbatim
set_faults "{\"rules\":[{\"path\":\"$TOKEN_PATH\",\"status\":401,\"body\":{\"error\":\"invalid_client\",
\"error_description\":\"AADSTS7000215: Invalid client secret provided: $SAMPLE_SECRET (sent as $SAMPLE_SECRET)\",
\"error_codes\":[7000215]}}]}"
for format in text json; do
	status=0
	"$DW_BIN" --config driftward.ini -vv --log-format "$format" snapshot >snap.out 2>snap.err ||
		status=$?
	cat snap.out snap.err >>"$ALL_OUTPUT"
	[ "$status" -ne 0 ] || fail "a run without a token succeeded"
	contains "$(cat snap.out snap.err)" "AADSTS7000215"
	lacks "$(cat snap.out snap.err)" "$SAMPLE_SECRET"
	tests_run=$((tests_run + 1))
done
set_faults '{"rules":[]}'

# --- terminal controls in a Graph error (code and message): escaped on stderr
# and in the commit body; with --log-format json every stderr line is JSON
set_faults '{"rules":[{"path":"/v1.0/identity/conditionalAccess/namedLocations*","status":400,
"body":{"error":{"code":"\u001b[31mBadRequest\u001b[0m","message":"\u001b]0;pwned\u0007 denied \u009b2J"}}}]}'
run 3 "$DW_BIN" --config driftward.ini -vv snapshot
esc=$(printf '\033')
bel=$(printf '\007')
lacks "$err" "$esc"
lacks "$err" "$bel"
contains "$err" "namedLocations"
body=$(git -C state.git log -1 --format=%B tenants/contoso)
lacks "$body" "$esc"
run 3 "$DW_BIN" --config driftward.ini -vv --log-format json snapshot
lacks "$err" "$esc"
printf '%s\n' "$err" | python3 -c '
import json, sys
for n, line in enumerate(sys.stdin, 1):
    obj = json.loads(line)
    assert "level" in obj and "msg" in obj, line
print(n, "lines")' >json.out 2>json.err || fail "a stderr line is not JSON: $(cat json.err)"
contains "$err" "namedLocations: failed"
run 1 "$DW_BIN" --config nosuch.ini --log-format json snapshot
printf '%s\n' "$err" | python3 -c 'import json, sys; [json.loads(l) for l in sys.stdin]' ||
	fail "the final error is not JSON: $err"
set_faults '{"rules":[]}'

lacks "$(cat "$ALL_OUTPUT")" "$SAMPLE_SECRET"
lacks "$(git -C state.git log --all --format=%B)" "$SAMPLE_SECRET"
finish
