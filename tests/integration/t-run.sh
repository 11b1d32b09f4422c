#!/usr/bin/env bash
# driftward run against the Graph emulator: one summary line per tenant, the
# exit status of DESIGN.md section 8, and a metrics file that a strict parser
# of the exposition format accepts after every run, with last success carried
# over a failed run, a file per selection, a tenant locked by a live run
# skipped without an error, and no partial file when a run is killed.
. "$(dirname "$0")/lib.sh"

PARSER=$DW_SOURCE_DIR/tests/metrics/promparse.py
mkdir metrics
sample_deployment "metrics_dir = metrics
max_retries = 1"

dwrun() { run "$1" "$DW_BIN" --config driftward.ini run "${@:2}"; }
prom=metrics/driftward.prom
# value NAME LABELS: the sample's value in $prom ("" when absent)
value() { awk -v k="$1$2" '$1 == k { print $2 }' "$prom"; }
check_metrics() {
	python3 "$PARSER" check "$prom" --tenant contoso || fail "$prom is not what it should be"
	# a write killed between its temp file and the rename may leave one
	# "NAME.prom.tmp-XXXXXX", which node_exporter ignores; nothing else
	[ "$(ls -A metrics | grep -v '\.prom$' | grep -vc '\.prom\.tmp-......$')" -eq 0 ] ||
		fail "left in metrics/: $(ls -A metrics)"
}

# A first run: committed, done, and a metrics file that says so.
before=$(date +%s)
dwrun 0
contains "$out" "contoso: ok; committed"
[ "$(grep -c . <<<"$out")" -eq 1 ] || fail "expected one summary line: $out"
check_metrics
[ "$(value driftward_tenant_result '{tenant="contoso",result="ok"}')" = 1 ] || fail "result not ok"
first=$(value driftward_tenant_last_success_timestamp_seconds '{tenant="contoso"}')
awk -v t="$first" -v b="$before" 'BEGIN { exit !(t >= b && t <= b + 600) }' ||
	fail "last success $first is not this run's time ($before)"
[ "$(value driftward_tenant_last_run_timestamp_seconds '{tenant="contoso"}')" = "$first" ] ||
	fail "last run and last success differ after a good run"
[ "$(value driftward_collector_objects \
	'{tenant="contoso",collector="conditionalAccessPolicies"}')" -ge 1 ] ||
	fail "no conditional access policies counted"
[ "$(value driftward_tenant_objects_changed '{tenant="contoso",change="added"}')" -ge 60 ] ||
	fail "the first run's objects are not counted as added"
[ "$(value driftward_run_graph_requests '')" -ge 2 ] || fail "Graph requests not counted: $(grep graph_requests "$prom")"
# every request is answered in one class or counted as unanswered
answers=0
for c in 2xx 3xx 4xx 5xx none; do
	answers=$((answers + $(value driftward_run_graph_answers "{class=\"$c\"}")))
done
[ "$answers" -eq "$(value driftward_run_graph_requests '')" ] ||
	fail "answers by class ($answers) do not add up to the requests: $(grep graph_ "$prom")"
[ "$(value driftward_run_graph_answers '{class="2xx"}')" -ge 2 ] || fail "no 2xx answers counted"
[ "$(value driftward_push_result '{tenant="contoso",result="disabled"}')" = 1 ] ||
	fail "push should be disabled without a remote"
[ "$(stat -c %a "$prom")" = 644 ] || fail "node_exporter cannot read $prom"
lacks "$err" "reading tenant" # no terminal, no progress line
# the sample meets every shipped rule: evaluated, nothing fails
[ "$(value driftward_drift_evaluated '{tenant="contoso"}')" = 1 ] || fail "drift not evaluated"
contains "$out" "; drift 0 (0 high)"
[ "$(awk '$1 ~ /^driftward_drift_findings\{tenant="contoso"/ && $1 ~ /status="fail"/ { n += $2 } END { print n + 0 }' "$prom")" = 0 ] ||
	fail "the sample should have no failing finding: $(grep 'status="fail"' "$prom")"

# Drift: the admin lets everyone invite guests. Exit 2, the result, and the
# finding by its severity and status in the metrics; a fix puts it back to 0.
graph_write PATCH /v1.0/policies/authorizationPolicy '{"allowInvitesFrom":"everyone"}'
dwrun 2
contains "$out" "contoso: drift found; committed"
contains "$out" "; drift 1 (0 high)"
check_metrics
[ "$(value driftward_tenant_result '{tenant="contoso",result="drift"}')" = 1 ] || fail "result not drift"
[ "$(value driftward_drift_findings '{tenant="contoso",severity="medium",status="fail"}')" = 1 ] ||
	fail "the medium finding is not counted: $(grep 'status="fail"' "$prom")"
[ "$(value driftward_drift_findings '{tenant="contoso",severity="high",status="fail"}')" = 0 ] ||
	fail "a high finding is counted"
contains "$(git -C state.git show tenants/contoso:DRIFT.md)" "/allowInvitesFrom"
graph_write PATCH /v1.0/policies/authorizationPolicy '{"allowInvitesFrom":"adminsAndGuestInviters"}'
dwrun 0
[ "$(value driftward_drift_findings '{tenant="contoso",severity="medium",status="fail"}')" = 0 ] ||
	fail "the fixed finding is still counted"

# On a terminal, a progress line that is erased at the end.
run 0 python3 "$DW_SOURCE_DIR/tests/integration/pty_run.py" - "$DW_BIN" --config driftward.ini run
contains "$err" $'\rdriftward: reading tenant contoso...'
contains "$err" $'\r\033[K'"contoso: ok; unchanged"

# A collector failing: exit 3, its status in the metrics.
set_faults '{"rules":[{"path":"/v1.0/identity/conditionalAccess/namedLocations*","status":503}]}'
dwrun 3
contains "$out" "contoso: incomplete"
contains "$err" "namedLocations: failed"
check_metrics
[ "$(value driftward_collector_complete \
	'{tenant="contoso",collector="namedLocations",status="failed"}')" = 0 ] ||
	fail "the failed collector is not marked: $(grep namedLocations "$prom")"
[ "$(value driftward_run_graph_throttled_requests '')" = 0 ] || fail "no 429 was sent"
[ "$(value driftward_run_graph_retries '')" -ge 1 ] || fail "the 503 retry is not counted"
awk -v w="$(value driftward_run_graph_retry_wait_seconds '')" 'BEGIN { exit !(w > 0) }' ||
	fail "the wait before the 503 retry is not counted: $(grep retry_wait "$prom")"
[ "$(value driftward_tenant_result '{tenant="contoso",result="incomplete"}')" = 1 ] ||
	fail "result not incomplete"

# Sign-in refused: exit 1, the tenant's error on stderr, last success kept from before.
set_faults '{"rules":[{"path":"*/oauth2/v2.0/token","status":401,"code":"invalid_client"}]}'
second=$(value driftward_tenant_last_success_timestamp_seconds '{tenant="contoso"}')
sleep 1
dwrun 1
contains "$err" "tenant contoso"
check_metrics
[ "$(value driftward_tenant_result '{tenant="contoso",result="error"}')" = 1 ] || fail "no error"
[ "$(value driftward_tenant_last_success_timestamp_seconds '{tenant="contoso"}')" = "$second" ] ||
	fail "a failed run moved last success"
[ "$(value driftward_tenant_last_run_timestamp_seconds '{tenant="contoso"}')" != "$second" ] ||
	fail "a failed run did not move last run"
set_faults '{"rules":[]}'

# A run of one tenant (driftward@contoso.service) has a file of its own.
dwrun 0 -t contoso
[ -f metrics/driftward@contoso.prom ] || fail "no metrics/driftward@contoso.prom: $(ls metrics)"
python3 "$PARSER" check metrics/driftward@contoso.prom --tenant contoso || fail "bad file"

# A tenant locked by a run still going is skipped: exit 0, nothing written.
saved=$(cat "$prom")
lock=state.git/driftward-locks/tenants/contoso.lock
# one process holds it (a shell's flock would hand the lock to its children)
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)' "$lock" >locked.out 2>&1 &
holder=$!
cleanup_hooks+=("kill $holder 2>/dev/null")
for _ in $(seq 1 100); do [ -s locked.out ] && break; sleep 0.05; done
contains "$(cat locked.out)" locked
dwrun 0
contains "$out" "contoso: skipped: locked by "
contains "$out" "every tenant is locked by a run still going"
[ "$(cat "$prom")" = "$saved" ] || fail "a skipped run rewrote the metrics"
kill "$holder"
wait "$holder" 2>/dev/null || true

# Killed while it reads (slow Graph), at several moments: the metrics file is
# always the previous run's, whole, and nothing else is left behind.
set_faults '{"latency_ms": 20, "rules":[]}'
for delay in 0.1 0.3 0.6 1.0 1.5; do
	"$DW_BIN" --config driftward.ini run >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	check_metrics
	tests_run=$((tests_run + 1))
done
set_faults '{"rules":[]}'

# With a remote: pushed, and said so; a remote that refuses: the tenant fails, and so does the push.
git init -q --bare remote.git
sed -i "s|^metrics_dir = metrics$|&\nremote = $SCRATCH/remote.git|" driftward.ini
dwrun 0
contains "$out" "push: 1 branch(es) pushed, 0 not pushed"
[ "$(git -C remote.git rev-parse tenants/contoso)" = "$(git -C state.git rev-parse tenants/contoso)" ] ||
	fail "the remote does not have the tenant's branch"
[ "$(value driftward_push_result '{tenant="contoso",result="ok"}')" = 1 ] || fail "push not ok"
sed -i "s|^remote = .*|remote = $SCRATCH/no-such-remote.git|" driftward.ini
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/1f76663f-8330-4f68-a52f-ec142d752a6a" \
	'{"displayName":"Block legacy authentication (pushed nowhere)"}'
pushed_at=$(value driftward_tenant_last_success_timestamp_seconds '{tenant="contoso"}')
dwrun 1
contains "$err" "was not pushed; the next run pushes it"
[ "$(value driftward_push_result '{tenant="contoso",result="failed"}')" = 1 ] ||
	fail "a failed push is not counted: $(grep push_result "$prom")"
# a tenant whose push failed has failed: its last success stays the previous run's
[ "$(value driftward_tenant_result '{tenant="contoso",result="error"}')" = 1 ] ||
	fail "a failed push is not an error: $(grep tenant_result "$prom")"
[ "$(value driftward_tenant_last_success_timestamp_seconds '{tenant="contoso"}')" = "$pushed_at" ] ||
	fail "a failed push counts as a success: $(grep last_success "$prom")"
check_metrics
# and with no previous file to say when it last succeeded: never, not now
rm "$prom"
dwrun 1
[ "$(value driftward_tenant_last_success_timestamp_seconds '{tenant="contoso"}')" = 0 ] ||
	fail "a failed push counts as a success: $(grep last_success "$prom")"

# --shard auto/N takes the index from a Kubernetes Indexed Job, as snapshot does.
JOB_COMPLETION_INDEX= dwrun 1 --shard auto/2
contains "$err" "JOB_COMPLETION_INDEX is not set"
JOB_COMPLETION_INDEX=5 dwrun 1 --shard auto/2
contains "$err" "JOB_COMPLETION_INDEX '5' is not a number from 0 to 1"
dwrun 1 --shard 2/2
contains "$err" "--shard: '2/2' is not I/N"

# A metrics directory that is not there: the run fails before it starts, naming it.
sed -i 's|^metrics_dir = metrics$|metrics_dir = metrics-missing|' driftward.ini
dwrun 1
contains "$err" "metrics_dir: cannot use './metrics-missing'"

finish
