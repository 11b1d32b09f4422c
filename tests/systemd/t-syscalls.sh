#!/usr/bin/env bash
# The units' sandbox against what the agent really does: a whole `driftward
# run` (snapshot, commit, push to a path remote, metrics) under strace, and
# every system call it made must pass the units' SystemCallFilter= lines, every
# socket it opened their RestrictAddressFamilies=. Where no systemd runs (so no
# systemd-run), this is how the sandbox is checked against the agent; the
# filters are expanded by systemd-analyze itself.
. "$DW_SOURCE_DIR/tests/integration/lib.sh"

for tool in strace systemd-analyze; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is missing (scripts/install-deps.sh installs it)"
		exit 77
	fi
done
if ! strace -f -qq -o /dev/null true 2>/dev/null; then
	echo "SKIP: strace cannot trace here (ptrace is not allowed)"
	exit 77
fi

COMMON=$DW_SOURCE_DIR/systemd/service-common.in
mkdir metrics
git init -q --bare remote.git
sample_deployment "metrics_dir = metrics
remote = $SCRATCH/remote.git"

# LeakSanitizer cannot work under ptrace; the run is checked for leaks elsewhere (t-run)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	run 0 strace -f -qq -o trace.txt "$DW_BIN" --config driftward.ini run
contains "$out" "contoso: ok; committed"
contains "$out" "push: 1 branch(es) pushed, 0 not pushed"
[ -s metrics/driftward.prom ] || fail "the traced run wrote no metrics"

# "@group ..." and "~@group ..." lines of the units, expanded to system call names.
python3 - "$COMMON" trace.txt <<'PY' || fail "the agent makes calls the units forbid"
import re, subprocess, sys

def expand(item, seen=None):
    seen = seen if seen is not None else set()
    if not item.startswith("@"):
        return {item}
    if item in seen:
        return set()
    seen.add(item)
    out = subprocess.run(["systemd-analyze", "syscall-filter", item], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines()[1:]:
        word = line.strip()
        if word and not word.startswith("#"):
            names |= expand(word, seen)
    return names

allowed, families = None, None
for line in open(sys.argv[1]):
    key, _, value = line.strip().partition("=")
    if key == "SystemCallFilter":
        deny = value.startswith("~")
        names = set().union(*(expand(w) for w in value.lstrip("~").split()))
        allowed = (allowed or set()) - names if deny else (allowed or set()) | names
    elif key == "RestrictAddressFamilies":
        families = set(value.split())
assert allowed and families, "no SystemCallFilter= or RestrictAddressFamilies= found"

made, sockets = set(), set()
for line in open(sys.argv[2]):
    m = re.match(r"\d+ +([a-z0-9_]+)\(", line)
    if m:
        made.add(m.group(1))
    m = re.match(r"\d+ +socket(?:pair)?\((AF_[A-Z0-9]+)", line)
    if m:
        sockets.add(m.group(1))
made.discard("execve")  # the exec that starts the agent happens before the filter
bad = sorted(made - allowed)
bad_families = sorted(sockets - families)
print(f"{len(made)} distinct system calls, all allowed" if not bad else f"forbidden: {bad}")
print(f"socket families {sorted(sockets)}" + (f", forbidden: {bad_families}" if bad_families else ""))
sys.exit(1 if bad or bad_families else 0)
PY
tests_run=$((tests_run + 1))
finish
