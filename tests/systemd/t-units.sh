#!/usr/bin/env bash
# The install and the systemd units: `cmake --install` into a scratch prefix
# puts every file in its FHS place with paths that follow the prefix, and
# systemd-analyze accepts every unit as installed: `verify` without a word on
# stderr (it exits 0 on some errors), and `security --offline=yes` rates both
# services 2.0 or better.
. "$DW_SOURCE_DIR/tests/integration/lib.sh"

: "${DW_BUILD_DIR:?DW_BUILD_DIR must name the build directory}"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is missing (Debian package systemd; scripts/install-deps.sh)"
	exit 77
fi
MAX_EXPOSURE=2.0

prefix=$SCRATCH/prefix
run 0 cmake --install "$DW_BUILD_DIR" --prefix "$prefix"
units=$prefix/lib/systemd/system
for f in bin/driftward etc/driftward/driftward.ini share/doc/driftward/install.md \
	share/doc/driftward/operating.md share/doc/driftward/examples/driftward.ini \
	lib/sysusers.d/driftward.conf lib/systemd/system/driftward.service \
	lib/systemd/system/driftward.timer lib/systemd/system/driftward@.service \
	lib/systemd/system/driftward@.timer; do
	[ -e "$prefix/$f" ] || fail "cmake --install did not write $f"
done
[ -e "$prefix/share/doc/driftward/hacking.md" ] && fail "developer docs were installed"
# the catalog and the baselines are compiled into the binary, not installed beside it
[ -e "$prefix/share/driftward" ] && fail "data files installed: the binary embeds them"
# an install over an earlier one keeps the admin's configuration
echo "; the admin's own" >>"$prefix/etc/driftward/driftward.ini"
run 0 cmake --install "$DW_BUILD_DIR" --prefix "$prefix"
[ "$(tail -n 1 "$prefix/etc/driftward/driftward.ini")" = "; the admin's own" ] ||
	fail "a second install overwrote the configuration"

# The paths in the units are the install's, not the configure step's.
exec_start=$(grep '^ExecStart=' "$units/driftward@.service")
[ "$exec_start" = "ExecStart=$prefix/bin/driftward --config $prefix/etc/driftward/driftward.ini run -t %i" ] ||
	fail "unexpected $exec_start"
contains "$(cat "$units/driftward.service")" "LoadCredential=driftward.key:$prefix/etc/driftward/key.txt"
# the fleet unit's run leaves the roll-up to gc --auto before it; a failed gc does not stop it
grep -qxF "ExecStartPre=-$prefix/bin/driftward --config $prefix/etc/driftward/driftward.ini gc --auto" \
	"$units/driftward.service" || fail "driftward.service lacks its gc --auto before the run"
lacks "$(cat "$units"/*)" "@"DW_

# A template is verified under an instance name, beside its timer.
check=$SCRATCH/check
mkdir "$check"
cp "$units/driftward.service" "$units/driftward.timer" "$check/"
cp "$units/driftward@.service" "$check/driftward@contoso.service"
cp "$units/driftward@.timer" "$check/driftward@contoso.timer"
cd "$check"
for unit in driftward.service driftward.timer driftward@contoso.service driftward@contoso.timer; do
	run 0 systemd-analyze verify --man=no "./$unit"
	[ -z "$out$err" ] || fail "systemd-analyze verify $unit: $out$err"
done

for unit in driftward.service driftward@contoso.service; do
	run 0 systemd-analyze security --offline=yes --threshold=20 "./$unit"
	exposure=$(sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out")
	[ -n "$exposure" ] || fail "no exposure level for $unit in: $out"
	awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }' ||
		fail "$unit: exposure $exposure above $MAX_EXPOSURE"
	echo "$unit: exposure $exposure"
	# the settings the design names, each checked where it is set
	for want in Type=oneshot User=driftward StateDirectory=driftward ProtectSystem=strict \
		NoNewPrivileges=yes 'SystemCallFilter=@system-service' \
		'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SuccessExitStatus=2 3' LimitCORE=0; do
		grep -qxF "$want" "$unit" || fail "$unit lacks $want"
	done
done
for timer in driftward.timer driftward@contoso.timer; do
	for want in Persistent=true 'RandomizedDelaySec=' 'OnCalendar='; do
		grep -q "^$want" "$timer" || fail "$timer lacks $want"
	done
done
finish
