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

lacks "$(cat "$ALL_OUTPUT")" "$SAMPLE_SECRET"
lacks "$(git -C state.git log --all --format=%B)" "$SAMPLE_SECRET"
finish
