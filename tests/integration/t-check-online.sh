#!/usr/bin/env bash
# driftward check --online against the Graph emulator over TLS: the table of
# collectors (readable, forbidden naming the permission, not licensed, error),
# -t, certificate credentials (accepted; a wrong key refused before anything is
# sent), a wrong client secret, throttling on the way, and canaries: neither
# the client secret nor any token shows up in our output (-vv included: curl's
# verbose lines pass the redaction) or in the emulator's request log.
. "$(dirname "$0")/lib.sh"

SAMPLE=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
LIMITED=0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a
READER=2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
CANARY=canary-secret-4d1c9b7e0f
EMU=$DW_SOURCE_DIR/tests/graph-emulator

# The state: the sample tenant with a certificate on the reader app, and a copy
# with fewer permissions and no licences.
mkdir state
cp -r "$EMU/sample/$SAMPLE" "state/$SAMPLE"
cp -r "$EMU/sample/$SAMPLE" "state/$LIMITED"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
	-subj /CN=driftward-test >/dev/null 2>&1
openssl genrsa -out other.pem 2048 >/dev/null 2>&1
cp cert.pem "state/$SAMPLE/app.pem"
python3 - "$SAMPLE" "$LIMITED" <<'EOF'
import json, sys
sample, limited = sys.argv[1:]
p = "state/%s/_tenant.json" % sample
t = json.load(open(p))
t["apps"][0]["certificates"] = ["app.pem"]
json.dump(t, open(p, "w"))
p = "state/%s/_tenant.json" % limited
t = json.load(open(p))
t.update(name="limited", domains=[], licences=[])
t["apps"] = t["apps"][:1]
t["apps"][0]["permissions"] = ["Policy.Read.All", "DeviceManagementConfiguration.Read.All"]
json.dump(t, open(p, "w"))
EOF

echo '{}' >faults.json
python3 "$EMU/emulator.py" --state state --port-file port --ca-dir ca --log requests.log \
	--faults faults.json >emulator.out 2>&1 &
emu_pid=$!
cleanup_hooks+=("kill $emu_pid; wait $emu_pid")
for _ in $(seq 100); do [ -s port ] && break; sleep 0.1; done
[ -s port ] || fail "the emulator did not start: $(cat emulator.out)"
BASE=https://127.0.0.1:$(cat port)

"$DW_BIN" keygen -o agent.key >/dev/null
RECIPIENT=$(sed -n 's/^# public key: //p' agent.key)
printf '%s' demo-secret-not-real | "$DW_BIN" encrypt -r "$RECIPIENT" -o contoso.age
printf '%s' "$CANARY" | "$DW_BIN" encrypt -r "$RECIPIENT" -o wrong.age
"$DW_BIN" encrypt -r "$RECIPIENT" -o cert-key.age key.pem
"$DW_BIN" encrypt -r "$RECIPIENT" -o other-key.age other.pem

tenant() { # tenant NAME TENANT_ID SECRET_FILE [CERTIFICATE]
	printf '\n[tenant %s]\ntenant_id = %s\nclient_id = %s\nsecret_file = %s\n' \
		"$1" "$2" "$READER" "$3"
	[ -z "${4:-}" ] || printf 'certificate = %s\n' "$4"
}
{
	printf '[agent]\nstate_repo = state.git\nkey_file = agent.key\n'
	printf 'catalog = %s/config/collectors.yaml\n' "$DW_SOURCE_DIR"
	printf 'graph_url = %s\nlogin_url = %s\nca_file = ca/ca.pem\n' "$BASE" "$BASE"
	printf 'max_retries = 3\nrequest_timeout = 10\n'
	tenant contoso "$SAMPLE" contoso.age
	tenant limited "$LIMITED" contoso.age
	tenant wrongsecret "$SAMPLE" wrong.age
	tenant bycert "$SAMPLE" cert-key.age cert.pem
	tenant wrongkey "$SAMPLE" other-key.age cert.pem
} >driftward.ini

# Every collector of the built-in catalog is readable in the sample tenant.
run 0 "$DW_BIN" --config driftward.ini check --online -t contoso
contains "$out" "tenant contoso ($SAMPLE): token ok"
contains "$out" "conditionalAccessPolicies"
lacks "$out" "forbidden"
lacks "$out" "not licensed"
lacks "$out" " error "
rows=$(grep -c ' readable ' <<<"$out")
catalog_rows=$(grep -c '^  - name:' "$DW_SOURCE_DIR/config/collectors.yaml")
[ "$rows" -eq "$catalog_rows" ] || fail "$rows readable rows for $catalog_rows collectors"
lacks "$out" "tenant limited ("

# The limited tenant: forbidden naming the Graph permission, not licensed, readable.
run 1 "$DW_BIN" --config driftward.ini check --online -t limited
row() { grep -E "^  $1 " <<<"$out" || fail "no row for $1 in: $out"; }
contains "$(row domains)" "forbidden"
contains "$(row domains)" "Domain.Read.All"
contains "$(row conditionalAccessPolicies)" "not licensed"
contains "$(row conditionalAccessPolicies)" "aadp1"
contains "$(row deviceCompliancePolicies)" "not licensed"
contains "$(row deviceCompliancePolicies)" "intune"
contains "$(row tokenLifetimePolicies)" "readable"

# Certificate credentials: accepted; a key that is not the certificate's is refused locally.
before=$(grep -c oauth2 requests.log || true)
run 0 "$DW_BIN" --config driftward.ini check --online -t bycert
contains "$out" "tenant bycert ($SAMPLE): token ok"
run 1 "$DW_BIN" --config driftward.ini check --online -t wrongkey
contains "$err" "tenant wrongkey: "
contains "$err" "does not belong to this certificate"
contains "$err" "cert.pem"
lacks "$out" "token ok"
after=$(grep -c oauth2 requests.log || true)
[ "$after" -eq $((before + 1)) ] || fail "token requests: $before before, $after after"

# A wrong client secret: the token service's answer, said once, no collector table.
run 1 "$DW_BIN" --config driftward.ini check --online -t wrongsecret
contains "$err" "tenant wrongsecret: could not get a token"
contains "$err" "AADSTS7000215"
contains "$err" "check the client secret"
lacks "$out" "COLLECTOR"

# Throttling on the way is honoured (fractional Retry-After) and leaves the row readable.
cat >faults.json <<'EOF'
{"rules": [{"path": "/v1.0/identity/conditionalAccess/policies", "status": 429,
            "retry_after": "0.3", "times": 2}]}
EOF
sleep 0.3 # the emulator re-reads the file at most every 0.2 s
run 0 "$DW_BIN" --config driftward.ini check --online -t contoso
contains "$(row conditionalAccessPolicies)" "readable"
[ "$(grep -c '"status": 429' requests.log)" -eq 2 ] || fail "expected two 429s in the log"

# A server that keeps failing: an error row, after a bounded number of tries.
cat >faults.json <<'EOF'
{"rules": [{"path": "/v1.0/domains", "status": 503, "retry_after": "0"}]}
EOF
sleep 0.3
: >requests.log
run 1 "$DW_BIN" --config driftward.ini check --online -t contoso
contains "$(row domains)" "error"
contains "$(row domains)" "transient"
contains "$(row domains)" "503"
[ "$(grep -c '"path": "/v1.0/domains"' requests.log)" -eq 4 ] || fail "expected 1 + 3 reads of domains"
echo '{}' >faults.json
sleep 0.3

# Canaries: -vv shows curl's headers with the Authorization value redacted; no
# token (a JWT, "eyJ...") and no client secret anywhere.
run 1 "$DW_BIN" -vv --config driftward.ini check --online
contains "$err" "Authorization: [REDACTED]"
contains "$err" "> GET /v1.0/"
for text in "$out" "$err" "$(cat requests.log)"; do
	lacks "$text" "$CANARY"
	lacks "$text" "demo-secret-not-real"
	lacks "$text" "eyJ"
done
lacks "$(cat requests.log)" "BEGIN RSA PRIVATE KEY"
lacks "$err" "PRIVATE KEY"

# The key file is read once per run, not once per tenant: five tenants, two
# reads (the offline check of the secrets, then the online run), counted by
# strace where it can trace (tests/unit/test_session.c proves it without).
if strace -f -o /dev/null true 2>/dev/null; then
	strace -f -e trace=open,openat -o opens.txt "$DW_BIN" --config driftward.ini check --online \
		>/dev/null 2>&1 || true
	reads=$(grep -c '/agent.key"' opens.txt || true)
	[ "$reads" -eq 2 ] || fail "the key file was opened $reads times for 5 tenants"
fi

# -t needs --online, and names a configured tenant
run 1 "$DW_BIN" --config driftward.ini check -t contoso
contains "$err" "goes with --online"
run 1 "$DW_BIN" --config driftward.ini check --online -t nosuch
contains "$err" "no tenant 'nosuch'"

finish
