#!/usr/bin/env bash
# The library's sample metrics (two tenants, every family, a label value with
# each escape, remediation in both modes, notifications) read by the strict
# parser: names, types, labels, HELP lines.
set -euo pipefail
test_metrics=$1 python=$2
parser=$(dirname "$0")/promparse.py
file=$(mktemp /tmp/dw-exposition-XXXXXX.prom)
trap 'rm -f "$file"' EXIT
"$test_metrics" --write-sample "$file"
"$python" "$parser" check "$file" --tenant contoso --tenant fabrikam \
	--require driftward_remediate_result --require driftward_notify_sent
echo "exposition: $(grep -c '^# HELP' "$file") families, $(grep -vc '^#' "$file") samples"
