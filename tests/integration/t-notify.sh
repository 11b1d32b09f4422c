#!/usr/bin/env bash
# Notifications: over three runs a channel hears once when a finding opens
# and once when it clears, never again after a restart; each format's body
# (json, teams Adaptive Card, slack blocks); the channel's minimum severity;
# a refused delivery retried with backoff; a webhook that hangs does not hold
# the run past the channel's timeout, is counted, and hears it next run; a
# run's deliveries in the metrics file.
. "$(dirname "$0")/lib.sh"

sample_deployment
# the webhook receiver, with the emulator's CA (already made in emulator-ca)
python3 "$DW_SOURCE_DIR/tests/notify-server/webhook.py" --ca-dir "$SCRATCH/emulator-ca" \
	--port-file hook.port --log hook.log --control hook.control >hook.out 2>&1 &
HOOK_PID=$!
cleanup_hooks+=("kill $HOOK_PID 2>/dev/null; wait $HOOK_PID 2>/dev/null")
for _ in $(seq 1 200); do [ -s hook.port ] && break; sleep 0.05; done
[ -s hook.port ] || fail "the webhook receiver did not start: $(cat hook.out)"
HOOK=https://127.0.0.1:$(cat hook.port)
cat >>driftward.ini <<INI

[notify ops]
url = $HOOK/ops
min_severity = medium
timeout = 3

[notify teams]
url = $HOOK/teams?sig=not-a-real-signature
format = teams
min_severity = high
timeout = 3

[notify slack]
url = $HOOK/slack
format = slack
timeout = 3

[notify vault]
secret_file = vault.age
min_severity = high
timeout = 3
INI
# a channel whose URL (its token in the query) is kept encrypted to the agent's key
recipient=$(grep -o 'age1[0-9a-z]*' key.txt | head -1)
printf '%s\n' "$HOOK/vault?token=s3cret-vault-token" |
	"$DW_BIN" encrypt -r "$recipient" -o vault.age || fail "could not encrypt the vault URL"

dwrun() { run "$1" "$DW_BIN" --config driftward.ini run; }
# the run's notification step alone: until the run commits drift.json itself
# (its drift step), a report put on the branch by hand is replaced by the
# run's own snapshot commit before that step reads it
dwnotify() { run "$1" "$DW_BIN" --config driftward.ini notify; }
# received PATH [EVENT]: how many 2xx deliveries PATH got (of EVENT, json only)
received() { python3 - "$@" <<'PY'
import json, sys
n = 0
for line in open("hook.log"):
    r = json.loads(line)
    if r["path"].split("?")[0] != sys.argv[1] or r["status"] != 200:
        continue
    if len(sys.argv) > 2 and r["body"].get("event") != sys.argv[2]:
        continue
    n += 1
print(n)
PY
}
# finding FP-LETTER RULE SEVERITY STATUS: one finding of a drift.json
finding() {
	printf '{"fingerprint": "%s", "kind": "rule", "rule": "%s", "title": "Rule %s", "severity": "%s", "status": "%s", "collector": "conditionalAccessPolicies", "reason": "because", "firstSeen": "2026-01-12T06:00:00Z"}' \
		"$(printf "$1%.0s" {1..64})" "$2" "$2" "$3" "$4"
}
# put_report FINDING...: commits drift.json with these findings on the tenant
# branch, as the run's drift step does
put_report() {
	local IFS=, blob tree new
	printf '{"schema": "driftward/drift/v1", "tenant": "contoso", "commitTime": "2026-02-01T06:00:00Z", "findings": [%s]}' "$*" >drift.json
	blob=$(git -C state.git hash-object -w --stdin <drift.json)
	GIT_INDEX_FILE=$SCRATCH/index git -C state.git read-tree tenants/contoso
	GIT_INDEX_FILE=$SCRATCH/index git -C state.git update-index --add --cacheinfo "100644,$blob,drift.json"
	tree=$(GIT_INDEX_FILE=$SCRATCH/index git -C state.git write-tree)
	new=$(git -C state.git -c user.name=t -c user.email=t@t commit-tree "$tree" -p tenants/contoso -m "contoso: drift")
	git -C state.git update-ref refs/heads/tenants/contoso "$new"
}
A=$(finding a entra.a high fail)
B=$(finding b entra.b medium fail)
C=$(finding c entra.c low fail)
D=$(finding d entra.d critical pass)

# No drift report yet: nothing to say, nothing sent.
dwrun 0
[ "$(grep -c . hook.log)" = 0 ] || fail "sent without a report: $(cat hook.log)"

# Run 1: A, B, C open. ops (medium and up) hears A and B; teams (high) A; slack all three.
put_report "$A" "$B" "$C" "$D"
dwnotify 0
[ "$(received /ops opened)" = 2 ] || fail "ops: $(cat hook.log)"
[ "$(received /teams)" = 1 ] || fail "teams: $(cat hook.log)"
[ "$(received /slack)" = 3 ] || fail "slack: $(cat hook.log)"
[ "$(received /vault)" = 1 ] || fail "vault (secret_file): $(cat hook.log)"
grep -q '"path": "/vault?token=s3cret-vault-token"' hook.log || fail "the decrypted URL was not used"
python3 - <<'PY' || fail "bodies: $(cat hook.log)"
import json
recs = [json.loads(l) for l in open("hook.log")]
ops = [r["body"] for r in recs if r["path"] == "/ops"]
a = [b for b in ops if b["rule"] == "entra.a"][0]
assert a["schema"] == "driftward/notification/v1" and a["event"] == "opened", a
assert a["tenant"] == "contoso" and a["severity"] == "high" and a["fingerprint"] == "a" * 64, a
assert a["time"] == "2026-02-01T06:00:00Z" and a["firstSeen"] == "2026-01-12T06:00:00Z", a
assert all(r["contentType"] == "application/json" for r in recs)
t = [r for r in recs if r["path"].startswith("/teams")][0]
assert t["path"] == "/teams?sig=not-a-real-signature", t["path"]
t = t["body"]
assert t["type"] == "message", t
att = t["attachments"][0]
assert att["contentType"] == "application/vnd.microsoft.card.adaptive", att
card = att["content"]
assert card["type"] == "AdaptiveCard" and card["version"] == "1.4", card
assert card["body"][0]["text"] == "contoso: opened (high): Rule entra.a", card
facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
assert facts["Tenant"] == "contoso" and facts["Rule"] == "entra.a", facts
s = [r["body"] for r in recs if r["path"] == "/slack"][0]
assert s["blocks"][0]["type"] == "header", s
assert s["blocks"][0]["text"] == {"type": "plain_text", "text": s["text"]}, s
assert s["blocks"][1]["type"] == "section", s
assert {"type": "mrkdwn", "text": "*Tenant*\ncontoso"} in s["blocks"][1]["fields"], s
PY
[ "$(git -C state.git show notify/contoso:notify.json | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)["channels"]["ops"]))')" = \
	"['$(printf a%.0s {1..64})', '$(printf b%.0s {1..64})']" ] || fail "ops state: $(git -C state.git show notify/contoso:notify.json)"

# Run 2: B passes now. ops and slack hear that it cleared, teams (never told) nothing; A is not repeated.
B=$(finding b entra.b medium pass)
put_report "$A" "$B" "$C" "$D"
dwnotify 0
[ "$(received /ops opened)" = 2 ] || fail "ops repeated an opening: $(cat hook.log)"
[ "$(received /ops cleared)" = 1 ] || fail "ops did not hear B clear: $(cat hook.log)"
[ "$(received /slack)" = 4 ] || fail "slack: $(cat hook.log)"
[ "$(received /teams)" = 1 ] || fail "teams heard B: $(cat hook.log)"
grep -q '"event": "cleared".*"rule": "entra.b"' hook.log || fail "the clearing does not name B"

# Run 3, and a fourth (a restart), and a whole run: nothing changed, nothing sent.
dwnotify 0
dwnotify 0
contains "$out" "notifications: 0 sent, 0 not sent, 0 retries"
dwrun 0
put_report "$A" "$B" "$C" "$D"
dwnotify 0
[ "$(grep -c . hook.log)" = 9 ] || fail "unchanged runs sent something: $(cat hook.log)"

# A refused delivery (503) is retried after a pause and delivered once.
E=$(finding e entra.e high fail)
put_report "$A" "$B" "$C" "$D" "$E"
echo "fail 1 503" >hook.control
dwnotify 0
[ "$(grep -c '"status": 503' hook.log)" = 1 ] || fail "no 503: $(cat hook.log)"
[ "$(grep -c "$(printf e%.0s {1..64}).*\"status\": 200" hook.log)" = 4 ] ||
	fail "E not delivered once per channel: $(cat hook.log)"

# A webhook that never answers: the run goes on after the channels' timeouts
# (3 s each, four channels), says what was not sent, and the next run delivers it.
F=$(finding f entra.f critical fail)
put_report "$A" "$B" "$C" "$D" "$E" "$F"
echo hang >hook.control
start=$(date +%s)
dwnotify 1
elapsed=$(($(date +%s) - start))
[ "$elapsed" -le 18 ] || fail "the run waited ${elapsed}s for a hanging webhook"
contains "$out" "notifications: 0 sent, 4 not sent"
contains "$err" "notify ops: entra.f opening not sent"
lacks "$err" "not-a-real-signature"
: >hook.control
dwnotify 0
[ "$(grep -c "$(printf f%.0s {1..64}).*\"status\": 200" hook.log)" = 4 ] ||
	fail "F not delivered after the hang: $(cat hook.log)"

# A whole run counts what each channel sent in the metrics file: as many as
# the receiver answered 2xx to on its path (a real finding opens, the
# hand-made ones clear).
mkdir metrics
sed -i 's|^\[agent\]$|&\nmetrics_dir = metrics|' driftward.ini
delivered() { # delivered PATH: 2xx answers so far on PATH
	python3 - "$1" <<'PY'
import json, sys
recs = [json.loads(l) for l in open("hook.log")]
print(sum(1 for r in recs if r["status"] == 200 and r["path"].split("?")[0] == sys.argv[1]))
PY
}
declare -A before
for ch in ops teams slack vault; do before[$ch]=$(delivered /$ch); done
graph_write PATCH /v1.0/policies/authorizationPolicy '{"allowInvitesFrom":"everyone"}'
dwrun 2
python3 "$DW_SOURCE_DIR/tests/metrics/promparse.py" check metrics/driftward.prom \
	--tenant contoso --require driftward_notify_sent || fail "bad metrics file"
sample() { awk -v k="$1" '$1 == k { print $2 }' metrics/driftward.prom; }
total=0
for ch in ops teams slack vault; do
	n=$(($(delivered /$ch) - ${before[$ch]}))
	[ "$(sample "driftward_notify_sent{channel=\"$ch\"}")" = "$n" ] ||
		fail "channel $ch delivered $n; the metrics say: $(grep notify_ metrics/driftward.prom)"
	[ "$(sample "driftward_notify_failed{channel=\"$ch\"}")" = 0 ] ||
		fail "channel $ch: failures counted: $(grep notify_ metrics/driftward.prom)"
	total=$((total + n))
done
[ "$total" -gt 0 ] || fail "the run sent nothing: $(cat hook.log)"
sed -i '/^metrics_dir = metrics$/d' driftward.ini

# Configuration mistakes are named where they are.
cp driftward.ini good.ini
sed -i "s|^url = $HOOK/ops|url = http://127.0.0.1/ops|" driftward.ini
dwnotify 1
contains "$err" "url: not a usable https:// URL"
cp good.ini driftward.ini
printf '\n[notify broken]\nformat = xml\nmin_severity = urgent\n' >>driftward.ini
dwnotify 1
contains "$err" "[notify broken] needs url or secret_file"
contains "$err" "format: 'xml' is not json, teams or slack"
contains "$err" "min_severity: 'urgent' is not critical"

# The encrypted URL's token never reached any output.
lacks "$(cat "$ALL_OUTPUT")" "s3cret-vault-token"

finish
