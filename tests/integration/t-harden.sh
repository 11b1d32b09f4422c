#!/usr/bin/env bash
# Local host hardening (docs/security.md): a process no core dump or same-user
# ptrace can read, files private whatever the umask, and a check that names a
# state repository others can write.
. "$(dirname "$0")/lib.sh"

BASELINES=$DW_SOURCE_DIR/baselines

write_config() { # write_config FILE STATE_REPO
	cat >"$1" <<INI
[agent]
state_repo = $2
key_file = key.txt
catalog = $DW_SOURCE_DIR/config/collectors.yaml

[tenant contoso]
tenant_id = 6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
client_id = 2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
secret_file = contoso.age
INI
}

# --- non-dumpable, no core: /proc/PID of a non-dumpable process belongs to
# root, so the agent runs as another user (nobody when the test is root).
mkfifo stdin.fifo
exec 3<>stdin.fifo
as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
# a core limit the agent inherits and must lower
bash -c 'ulimit -c unlimited && exec "$@"' - "${as_user[@]}" "$DW_BIN" json canon <&3 >/dev/null 2>&1 &
pid=$!
cleanup_hooks+=("kill $pid 2>/dev/null; wait $pid 2>/dev/null")
hardened=
for i in $(seq 1 200); do
	if [ "$(cut -d' ' -f2 /proc/$pid/stat 2>/dev/null)" = "(driftward)" ] &&
		[ "$(stat -c %u /proc/$pid/status)" = 0 ] &&
		grep -Eq '^Max core file size +0 +0 ' /proc/$pid/limits; then
		hardened=1
		break
	fi
	sleep 0.05
done
[ -n "$hardened" ] || fail "the agent is dumpable or may dump core: $(stat -c %u /proc/$pid/status) \
$(grep core /proc/$pid/limits)"
tests_run=$((tests_run + 1))
kill $pid
wait $pid 2>/dev/null || true
exec 3>&-

# --- umask: under umask 000 nothing driftward creates is open to group or others
write_config d.ini state.git
(umask 000 && "$DW_BIN" init --config d.ini --baselines "$BASELINES" >/dev/null 2>&1) ||
	fail "init failed"
open=$(find state.git key.txt -perm /077 -print)
[ -z "$open" ] || fail "created open to group or others: $open"
tests_run=$((tests_run + 1))

printf 'not-a-real-secret' | "$DW_BIN" --config d.ini secret set contoso >/dev/null 2>&1 ||
	fail "secret set failed"

# --- check names a repository (or its refs, its config) that others can write
for f in state.git/refs/heads state.git/config state.git; do
	chmod go+w "$f"
	run 1 "$DW_BIN" check --config d.ini
	contains "$err" "$f: any local user can write it"
	chmod go-w "$f"
done
chmod g+w state.git/refs/heads/main
run 1 "$DW_BIN" check --config d.ini
contains "$err" "state.git/refs/heads/main: its group can write it"
chmod g-w state.git/refs/heads/main
run 0 "$DW_BIN" check --config d.ini

# --- URLs are parsed: "user@host" would send the client secret to the host after the '@'
for url in "https://login.microsoftonline.com@127.0.0.1:8443" "https://login.microsoftonline.com/?a=b" \
	"https://login.microsoftonline.com/#x" "https://[::1"; do
	sed "/^\[agent\]/a login_url = $url" d.ini >u.ini
	run 1 "$DW_BIN" check --config u.ini
	contains "$err" "login_url: not a usable https:// URL"
done
contains "$err" "can't parse"

# --- clear local errors: what is not a configuration file, an oversized secret
run 1 "$DW_BIN" check --config /etc
contains "$err" "/etc: error: is a directory, not a configuration file"
lacks "$err" "key_file"
run 1 "$DW_BIN" check --config /dev/zero
contains "$err" "/dev/zero: error: is not a regular file"
printf '\xef\xbb\xbf' | cat - d.ini >bom.ini
run 0 "$DW_BIN" check --config bom.ini
head -c $((100 << 20)) /dev/zero | tr '\0' x >big.txt
run 1 "$DW_BIN" --config d.ini secret set contoso <big.txt
contains "$err" "larger than the 1 MiB limit"

finish
