#!/usr/bin/env bash
# Memory flat in the number of tenants (issue 15): a run over 400 tenants
# peaks within 2 MiB of one over 50. Each tenant here is refused a token
# (a wrong client secret), so a tenant costs one request yet carries a full
# report entry (a status per collector of the whole catalog, about 20 KiB)
# until it is done: a run that kept the entries to the end would grow by
# about 7 MiB from 50 to 400 tenants. `run` writes its metrics too (about
# 16 KiB a tenant, written a piece at a time) from a compact record per tenant
# (about 0.7 KiB here); `snapshot` keeps nothing.
. "$(dirname "$0")/lib.sh"

SMALL=50
LARGE=400
# from 50 to 400 tenants; run's compact records take about 0.25 MiB of it
MAX_GROWTH_KIB=2048

start_emulator "$EMULATOR_DIR/sample" --fleet "$LARGE"
mkdir metrics

fleet_config "driftward-$SMALL.ini" "$SMALL" "" "concurrency = 16" "metrics_dir = metrics"
fleet_config "driftward-$LARGE.ini" "$LARGE" "" "concurrency = 16" "metrics_dir = metrics"
run 0 "$DW_BIN" --config "driftward-$LARGE.ini" init --baselines "$DW_SOURCE_DIR/baselines"
fleet_secret "driftward-$LARGE.ini" not-the-secret

# Under AddressSanitizer (the asan build's binary) freed memory waits in a
# quarantine and every allocation carries redzones and allocator state, so
# the peak there says what was ever allocated, not what is held: the runs go
# through ASan's checks, and the gcc build compares the peaks.
compare=1
! grep -q __asan_init "$DW_BIN" || compare=0

peak_kib() { # peak_kib N COMMAND: the peak RSS of a run over N tenants, in KiB
	/usr/bin/time -f '%M' -o "peak-$1-$2" "$DW_BIN" --config "driftward-$1.ini" "$2" \
		>"out-$1-$2" 2>"err-$1-$2" || true
	[ "$(grep -c 'could not sign in\|invalid_client' "err-$1-$2")" -eq "$1" ] ||
		fail "$2 over $1 tenants: not every tenant was refused: $(tail -3 "err-$1-$2")"
	tail -1 "peak-$1-$2"
}

for cmd in run snapshot; do
	small=$(peak_kib "$SMALL" "$cmd")
	large=$(peak_kib "$LARGE" "$cmd")
	tests_run=$((tests_run + 1))
	echo "$cmd: peak RSS $small KiB over $SMALL tenants, $large KiB over $LARGE"
	[ "$cmd" = snapshot ] || [ "$(grep -c '^driftward_tenant_result{' metrics/driftward.prom)" -eq \
		$((LARGE * 5)) ] || fail "the metrics of $LARGE tenants are not all there"
	[ "$compare" = 1 ] || { echo "$cmd: peaks not compared under AddressSanitizer"; continue; }
	[ $((large - small)) -le "$MAX_GROWTH_KIB" ] ||
		fail "$cmd: peak RSS grew by $((large - small)) KiB from $SMALL to $LARGE tenants"
done
lacks "$(cat err-* out-*)" "not-the-secret"

finish
