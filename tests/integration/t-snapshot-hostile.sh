#!/usr/bin/env bash
# A hostile or broken Graph and token service against a snapshot of two
# tenants: the run ends by itself with bounded memory, a tenant that can't
# sign in fails (exit 1) and commits nothing, every failure explains itself
# in the output, _status.json and the commit body, and one object is never
# stored as two files. The other tenant is done every time.
. "$(dirname "$0")/lib.sh"

OTHER=0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a # fabrikam: a copy of the sample tenant
TOKEN_PATH="/$SAMPLE_TENANT/oauth2/v2.0/token"
NAMED=/v1.0/identity/conditionalAccess/namedLocations
BRANCH=tenants/contoso

sample_state
cp -r "state/$SAMPLE_TENANT" "state/$OTHER"
python3 - "state/$OTHER/_tenant.json" <<'EOF'
import json, sys
p = sys.argv[1]
t = json.load(open(p))
t["name"], t["domains"] = "fabrikam", []
json.dump(t, open(p, "w"))
EOF
sample_deployment
cat >>driftward.ini <<INI

[tenant fabrikam]
tenant_id = $OTHER
client_id = $SAMPLE_CLIENT
secret_file = fabrikam.age
INI
printf '%s' "$SAMPLE_SECRET" | "$DW_BIN" --config driftward.ini secret set fabrikam >/dev/null 2>&1 ||
	fail "secret set fabrikam failed"

git_() { git -C state.git "$@"; }
commits() { git_ rev-list --count "${1:-$BRANCH}" 2>/dev/null || echo 0; }
snapshot() { run "$1" "$DW_BIN" --config "${CONFIG:-driftward.ini}" snapshot "${@:2}"; }
status_of() { # status_of COLLECTOR: its entry of contoso's _status.json, on one line
	git_ show "$BRANCH:_status.json" | python3 -c \
		'import json,sys; print(json.dumps(json.load(sys.stdin)["collectors"][sys.argv[1]]))' "$1"
}
# with_agent FILE KEY=VALUE...: driftward.ini with those [agent] keys replaced or added
with_agent() {
	local file=$1 kv
	shift
	cp driftward.ini "$file"
	for kv in "$@"; do
		sed -i "/^${kv%%=*} = /d" "$file"
		sed -i "s|^\[agent\]$|[agent]\n${kv%%=*} = ${kv#*=}|" "$file"
	done
}

snapshot 0
[ "$(commits)" -eq 1 ] && [ "$(commits tenants/fabrikam)" -eq 1 ] || fail "first snapshot"

# 1. Bounded by design, with the default settings: a nextLink alternating
# between two 1 MB pages ends that collector within 30 s below 1 GiB, with
# the reason, and the other tenant is done. (A watchdog ends the process at
# 60 s or 1.5 GiB, so that the unbounded client it tests against can't take
# the machine down.)
set_faults '{"rules":[{"tenant":"'$SAMPLE_TENANT'","path":"/v1.0/roleManagement/directory/roleDefinitions",
	"endless_pages":{"links":2,"bytes":1048576}}]}'
python3 - "$DW_BIN" --config driftward.ini snapshot >measure.out 2>measure.err <<'EOF' || true
import os, resource, subprocess, sys, time
start = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
peak, killed = 0, ""
def rss_kb():
    try:
        with open("/proc/%d/status" % p.pid) as f:
            return max([int(l.split()[1]) for l in f if l.startswith("VmHWM:")] + [0])
    except OSError:
        return 0
import threading
out = {}
t = threading.Thread(target=lambda: out.update(zip(("o", "e"), p.communicate())))
t.start()
while t.is_alive():
    peak = max(peak, rss_kb())
    if time.monotonic() - start > 60 or peak > 1536 * 1024:
        killed = "killed"
        p.kill()
    t.join(0.1)
elapsed = time.monotonic() - start
peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.stdout.write(out.get("o", b"").decode(errors="replace"))
sys.stderr.write(out.get("e", b"").decode(errors="replace"))
sys.stdout.write("measure: rc=%d seconds=%.1f peak_kib=%d %s\n" % (p.returncode, elapsed, peak, killed))
EOF
out=$(cat measure.out)
err=$(cat measure.err)
cat measure.out measure.err >>"$ALL_OUTPUT"
echo "$out" | grep '^measure:' >&2
read -r rc seconds peak <<<"$(sed -n 's/^measure: rc=\([-0-9]*\) seconds=\([0-9.]*\) peak_kib=\([0-9]*\).*/\1 \2 \3/p' <<<"$out")"
[ "$rc" = 3 ] || fail "the alternating-link run exited ${rc:-?}: $out $err"
python3 -c "import sys; sys.exit(not float('$seconds') < 30)" || fail "the run took $seconds s"
[ "$peak" -lt $((1024 * 1024)) ] || fail "the run peaked at $peak KiB"
contains "$err" "roleDefinitions: failed (bad-response: @odata.nextLink goes back to a page read before"
contains "$(status_of roleDefinitions)" '"status": "failed"'
contains "$(status_of roleDefinitions)" "the paging loops"
fabrikam=$(grep '^fabrikam: ' <<<"$out") || fail "no line for fabrikam: $out"
lacks "$fabrikam" "incomplete"
lacks "$(git_ show tenants/fabrikam:_status.json)" '"failed"'
set_faults '{"rules":[]}'
snapshot 0

# 2. Any failure to get a token fails the tenant (exit 1), with the reason, and
# commits nothing, even with a change waiting; the other tenant is done.
graph_write PATCH /v1.0/policies/authorizationPolicy '{"allowInvitesFrom":"adminsAndGuestInviters"}'
with_agent retry1.ini "max_retries=1"
signin_fails() { # signin_fails FAULT-ACTION EXPECTED-REASON
	local before
	before=$(commits)
	set_faults '{"rules":[{"method":"POST","path":"'$TOKEN_PATH'",'"$1"'}]}'
	CONFIG=retry1.ini snapshot 1
	contains "$err" "tenant contoso: "
	contains "$err" "could not get a token"
	contains "$err" "$2"
	[ "$(commits)" -eq "$before" ] || fail "a tenant that could not sign in was committed ($1)"
	lacks "$out" "contoso: committed"
	contains "$out" "fabrikam: "
}
signin_fails '"status":503,"retry_after":0' "answered 503"
signin_fails '"status":302,"headers":{"Location":"https://example.com/"}' "answered 302"
signin_fails '"status":200,"raw_body":"<html>sign in</html>"' "the token answer is not JSON"
signin_fails '"status":200,"body":{"token_type":"Bearer","expires_in":3599}' "no access_token"
signin_fails '"reset":true' "the connection was reset"
set_faults '{"rules":[]}'

# ... and so does a token service that can't be reached, or whose
# certificate does not verify; the TLS error says to add ca_file.
python3 "$EMULATOR_DIR/emulator.py" --state state --port-file other.port --ca-dir other-ca \
	>other.out 2>&1 &
other_pid=$!
cleanup_hooks+=("kill $other_pid 2>/dev/null; wait $other_pid 2>/dev/null")
for i in $(seq 1 200); do [ -s other.port ] && break; sleep 0.05; done
[ -s other.port ] || fail "the second emulator did not start"
before=$(commits)
with_agent closed.ini "login_url=https://127.0.0.1:1" "max_retries=0"
CONFIG=closed.ini snapshot 1
contains "$err" "tenant contoso: "
contains "$err" "could not connect"
with_agent untrusted.ini "login_url=https://127.0.0.1:$(cat other.port)" "max_retries=0"
CONFIG=untrusted.ini snapshot 1
contains "$err" "add the issuing CA with ca_file"
[ "$(commits)" -eq "$before" ] || fail "a tenant that could not sign in was committed"

# 3. Failures that explain themselves, in _status.json and the commit body: a
# connection that dies, a page with invalid UTF-8. (A Graph that refuses
# connections or whose certificate does not verify: test_graph_emulator's
# test_transport_details and test_tls_verified, which can sign in elsewhere.)
with_agent retry0.ini "max_retries=0"
set_faults '{"rules":[{"path":"/v1.0/domains","truncate":true}]}'
CONFIG=retry0.ini snapshot 3 -t contoso
contains "$(status_of domains)" "transient: the body was cut short"
contains "$err" "domains: failed (transient: the body was cut short"
contains "$(git_ log -1 --format=%b "$BRANCH")" "domains: failed (transient: the body was cut short"
set_faults '{"rules":[{"path":"/v1.0/domains","status":200,"raw_body":"{\"value\":[{\"id\":\"a\u00ffb\"}]}"}]}'
snapshot 3 -t contoso
contains "$(status_of domains)" "invalid UTF-8"
contains "$err" "domains: failed (bad-response: the body is not valid JSON"
set_faults '{"rules":[]}'
snapshot 0

# 4. One object, one file: an id twice in one collection (a GUID in two
# letter cases, or the same id under two names) fails the collector with the
# reason and keeps its files.
before=$(git_ ls-tree -r "$BRANCH" namedLocations)
for second in 7E9D6B1A-2C3D-4E5F-8A9B-0C1D2E3F4A5B 7e9d6b1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b; do
	set_faults '{"rules":[{"path":"'$NAMED'","status":200,"body":{"value":[
		{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"7e9d6b1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b","displayName":"Office"},
		{"@odata.type":"#microsoft.graph.ipNamedLocation","id":"'$second'","displayName":"Office (renamed)"}]}}]}'
	snapshot 3 -t contoso
	contains "$err" "namedLocations: failed (bad-response: one object twice in the collection"
	contains "$(status_of namedLocations)" "have the same id"
	[ "$(git_ ls-tree -r "$BRANCH" namedLocations)" = "$before" ] ||
		fail "a collector with a duplicate id changed its files"
done
contains "$(status_of namedLocations)" "have the same id"
set_faults '{"rules":[]}'
snapshot 0

finish
