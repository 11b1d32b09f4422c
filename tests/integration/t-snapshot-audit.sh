#!/usr/bin/env bash
# Changed-By comes from the tenant's audit log, which is the tenant's data: a
# display name with a newline must not forge a trailer, break the commit or
# stop later snapshots.
. "$(dirname "$0")/lib.sh"

POLICY=1f76663f-8330-4f68-a52f-ec142d752a6a
sample_state
python3 - "state/$SAMPLE_TENANT/_tenant.json" "$SAMPLE_WRITER" <<'PY'
import json, sys
path, writer = sys.argv[1:]
t = json.load(open(path))
for app in t["apps"]:
    if app["client_id"] == writer:
        app["displayName"] = "evil app\nTenant-Id: 00000000-0000-0000-0000-000000000000"
json.dump(t, open(path, "w"))
PY
sample_deployment
run 0 "$DW_BIN" --config driftward.ini snapshot

graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"disabled"}'
# legacy authentication no longer blocked: drift (exit 2)
run 2 "$DW_BIN" --config driftward.ini snapshot
contains "$out" "contoso: committed"
contains "$out" "1 Changed-By"
trailers=$(git -C state.git log -1 --format='%(trailers:key=Tenant-Id,valueonly)' tenants/contoso)
[ "$trailers" = "$SAMPLE_TENANT" ] || fail "a forged Tenant-Id trailer: $trailers"
by=$(git -C state.git log -1 --format='%(trailers:key=Changed-By,valueonly)' tenants/contoso)
contains "$by" "evil app Tenant-Id: 00000000"
contains "$by" " at 20"

# and the next change still commits
graph_write PATCH "/v1.0/identity/conditionalAccess/policies/$POLICY" '{"state":"enabled"}'
run 0 "$DW_BIN" --config driftward.ini snapshot
contains "$out" "contoso: committed"
finish
