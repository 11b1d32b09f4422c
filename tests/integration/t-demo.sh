#!/usr/bin/env bash
# make demo, start to end, in a scratch directory: every step exits as the
# demo says it does (the script stops otherwise), the signed merge is
# approved, the restore is applied, the last run finds no drift, and it all
# takes well under the two minutes a newcomer is promised.
. "$(dirname "$0")/lib.sh"

start=$(date +%s)
run 0 env DW_DEMO_DIR="$SCRATCH/demo" bash "$DW_SOURCE_DIR/scripts/demo.sh" "$DW_BIN"
took=$(($(date +%s) - start))
contains "$out" "propose -t contoso --restore-to"
contains "$out" "approved: good: good \"git\" signature for alice@example.com"
contains "$out" 'state: "enabledForReportingButNotEnforced" -> "enabled"'
contains "$out" "contoso: 1 applied, 0 failed"
contains "$out" "contoso: ok; unchanged"
contains "$out" 'driftward_tenant_result{tenant="contoso",result="ok"} 1'
[ "$took" -lt 120 ] || fail "the demo took $took s"
git -C "$SCRATCH/demo/state.git" fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed"
# no server is left behind: nothing runs in the demo's directory any more
for proc in /proc/[0-9]*; do
	[ "$(readlink "$proc/cwd" 2>/dev/null)" != "$SCRATCH/demo" ] ||
		fail "the demo left a process running: $(tr '\0' ' ' <"$proc/cmdline")"
done
finish
