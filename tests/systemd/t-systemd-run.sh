#!/usr/bin/env bash
# driftward.service as `cmake --install` writes it, run by systemd itself: its
# ExecStart= in a transient service (systemd-run --wait --pipe) with every
# property of the installed unit's [Service] section (ProtectSystem=strict,
# SystemCallFilter=, RestrictAddressFamilies=, LoadCredential=, ...), against
# the Graph emulator. The run must write its repository (a tenant branch git
# accepts) and its metrics file (the strict parser accepts), with the key
# reached only through LoadCredential= (the key file is root's, mode 0600).
#
# Where there is no running systemd this machine can start transient system
# services in, the test says exactly why and exits 77 (CTest's skip,
# tests/systemd/tests.cmake); t-syscalls.sh then checks the sandbox's system
# call filter against a run under strace instead.
. "$DW_SOURCE_DIR/tests/integration/lib.sh"

skip() {
	echo "SKIP: $*"
	exit 77
}
command -v systemd-run >/dev/null 2>&1 ||
	skip "systemd-run is missing (Debian package systemd; scripts/install-deps.sh)"
[ -d /run/systemd/system ] ||
	skip "no running systemd: /run/systemd/system does not exist (PID 1 is" \
		"'$(cat /proc/1/comm 2>/dev/null || echo unknown)'), so no transient unit can be started"
state=$(systemctl is-system-running 2>/dev/null) || true
case $state in
running | degraded) ;;
*) skip "systemd is '$state' (systemctl is-system-running), not running" ;;
esac
[ "$(id -u)" -eq 0 ] ||
	skip "a transient system service with DynamicUser= and LoadCredential= needs root (uid $(id -u))"
systemd-run --quiet --wait --collect -p DynamicUser=yes true >probe.out 2>&1 ||
	skip "systemd-run cannot start a transient service here: $(tr '\n' ' ' <probe.out)"
: "${DW_BUILD_DIR:?DW_BUILD_DIR must name the build directory}"

# Everything the unit must see lives under /run: its PrivateTmp= hides /tmp
# (and so $SCRATCH), ProtectHome= hides /home and /root.
ID=dw-test-$$-$RANDOM
ROOT=/run/$ID
mkdir -m 0755 "$ROOT"
cleanup_hooks+=("rm -rf '$ROOT' '/var/lib/private/$ID' '/var/lib/$ID'")
prefix=$ROOT/prefix
run 0 cmake --install "$DW_BUILD_DIR" --prefix "$prefix"
unit=$prefix/lib/systemd/system/driftward.service
[ -f "$unit" ] || fail "cmake --install wrote no $unit"

# The unit's [Service] lines become -p properties, as written, except: the
# commands (ExecStartPre=, ExecStart=, Type=: each run below), and the dedicated user and state directory,
# replaced by DynamicUser= and a state directory of the test's own so that
# the test neither needs nor touches the machine's driftward user or
# /var/lib/driftward. LSan can't stop the world without ptrace (@debug).
props=()
while IFS= read -r line; do
	case $line in '' | '#'* | '['*) continue ;; esac
	case ${line%%=*} in Type | ExecStart | ExecStartPre | User | Group | StateDirectory) continue ;; esac
	props+=(-p "$line")
done < <(sed -n '/^\[Service\]$/,/^\[/p' "$unit")
for want in ProtectSystem=strict NoNewPrivileges=yes SystemCallFilter=@system-service \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' "LoadCredential=driftward.key:$prefix/etc/driftward/key.txt"; do
	contains "${props[*]}" "-p $want"
done
props+=(-p DynamicUser=yes -p "StateDirectory=$ID $ID/metrics"
	-p "Environment=ASAN_OPTIONS=detect_leaks=0")
read -ra exec_start <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
[ "${exec_start[*]}" = "$prefix/bin/driftward --config $prefix/etc/driftward/driftward.ini run" ] ||
	fail "unexpected ExecStart: ${exec_start[*]}"
read -ra exec_pre <<<"$(sed -n 's/^ExecStartPre=-//p' "$unit")"
[ "${exec_pre[*]}" = "$prefix/bin/driftward --config $prefix/etc/driftward/driftward.ini gc --auto" ] ||
	fail "unexpected ExecStartPre: ${exec_pre[*]}"
# in_unit NAME CMD...: CMD as a oneshot service with the unit's properties
in_unit() {
	systemd-run --quiet --wait --pipe --collect --service-type=oneshot \
		--unit="$ID-$1" "${props[@]}" "${@:2}"
}

# The emulator on 127.0.0.1 (AF_INET is allowed); its CA where the unit sees it.
sample_state
start_emulator state
cp "$EMU_CA" "$ROOT/ca.pem"
chmod 0644 "$ROOT/ca.pem"
conf=$prefix/etc/driftward/driftward.ini
cat >"$conf" <<INI
[agent]
state_repo = /var/lib/$ID/state.git
key_file = $prefix/etc/driftward/key.txt
metrics_dir = /var/lib/$ID/metrics
graph_url = $EMU_URL
login_url = $EMU_URL
ca_file = $ROOT/ca.pem

[tenant contoso]
tenant_id = $SAMPLE_TENANT
client_id = $SAMPLE_CLIENT
secret_file = /var/lib/$ID/contoso.age
INI
chmod 0644 "$conf"
# root's key: the dynamic user can read it only through LoadCredential=
run 0 "$DW_BIN" keygen -o "$prefix/etc/driftward/key.txt"
[ "$(stat -c '%U %a' "$prefix/etc/driftward/key.txt")" = "root 600" ] || fail "key not root's 0600"

# What an admin does once, then what the timer does, all in the sandbox.
run 0 in_unit init "$prefix/bin/driftward" --config "$conf" init
printf '%s' "$SAMPLE_SECRET" >secret.txt
run 0 in_unit secret "$prefix/bin/driftward" --config "$conf" secret set contoso <secret.txt
run 0 in_unit gc "${exec_pre[@]}"
contains "$out" "nothing to do"
run 0 in_unit run "${exec_start[@]}"
contains "$out" "contoso: ok; committed"

# The repository: the tenant's branch, owned by the unit's user, and whole.
repo=/var/lib/private/$ID/state.git
[ -d "$repo" ] || fail "no repository at $repo"
[ "$(stat -c %u "$repo")" != 0 ] || fail "the repository is root's, not the unit's user's"
git --git-dir="$repo" cat-file -e tenants/contoso:conditionalAccessPolicies ||
	fail "no snapshot on tenants/contoso"
git --git-dir="$repo" fsck --strict --no-dangling >/dev/null 2>&1 || fail "git fsck --strict failed"
# The metrics file.
prom=/var/lib/private/$ID/metrics/driftward.prom
[ -f "$prom" ] || fail "no metrics file at $prom"
python3 "$DW_SOURCE_DIR/tests/metrics/promparse.py" check "$prom" --tenant contoso ||
	fail "$prom is not what it should be"
contains "$(cat "$prom")" 'driftward_tenant_result{tenant="contoso",result="ok"} 1'
[ "$(stat -c %a "$prom")" = 644 ] || fail "node_exporter cannot read $prom"

# A second run, unchanged: exit 0, no commit.
tip=$(git --git-dir="$repo" rev-parse tenants/contoso)
run 0 in_unit run2 "${exec_start[@]}"
contains "$out" "contoso: ok; unchanged"
[ "$(git --git-dir="$repo" rev-parse tenants/contoso)" = "$tip" ] || fail "an unchanged run committed"
finish
