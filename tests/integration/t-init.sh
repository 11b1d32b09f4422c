#!/usr/bin/env bash
# driftward init: a bare state repository with main seeded from the baselines
# compiled into the binary (or a directory given with --baselines), a key file
# that age itself accepts, idempotent re-runs, and a refusal to take over a
# repository or directory driftward did not create.
. "$(dirname "$0")/lib.sh"

TENANT=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
CLIENT=2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
BASELINES=$DW_SOURCE_DIR/baselines

write_config() { # write_config FILE STATE_REPO
	cat >"$1" <<INI
[agent]
state_repo = $2
key_file = key.txt

[tenant contoso]
tenant_id = $TENANT
client_id = $CLIENT
secret_file = contoso.age
INI
}

# the binary alone, copied where no source tree or installed file is near it
mkdir alone && cp "$DW_BIN" alone/driftward
write_config d.ini state.git
run 0 alone/driftward init --config d.ini
contains "$out" "state repository created, main seeded from the built-in baselines"
contains "$out" "key file written; its recipient is age1"
recipient=${out##*recipient is }

git --git-dir=state.git rev-parse --is-bare-repository | grep -qx true || fail "not bare"
[ "$(git --git-dir=state.git symbolic-ref HEAD)" = refs/heads/main ] || fail "HEAD is not main"
[ "$(git --git-dir=state.git config driftward.repositoryformat)" = 1 ] || fail "no marker"
# main holds exactly the source tree's baselines/, byte for byte
expected=$(cd "$DW_SOURCE_DIR" && find baselines -type f ! -path '*/.*' | sort)
actual=$(git --git-dir=state.git ls-tree -r --name-only main | sort)
[ "$expected" = "$actual" ] || fail "main holds '$actual', expected '$expected'"
while IFS= read -r f; do
	git --git-dir=state.git show "main:$f" | cmp -s - "$DW_SOURCE_DIR/$f" ||
		fail "$f differs from the source"
done <<<"$expected"
[ "$(git --git-dir=state.git rev-list --count main)" = 1 ] || fail "main is not one commit"
git --git-dir=state.git log -1 --format=%an main | grep -qx driftward || fail "author"
git --git-dir=state.git fsck --strict --no-progress || fail "fsck"

# the key file: mode 0600, age-keygen's format, and age encrypts to / decrypts with it
[ "$(stat -c %a key.txt)" = 600 ] || fail "key.txt mode $(stat -c %a key.txt)"
grep -q '^AGE-SECRET-KEY-1' key.txt || fail "key.txt holds no identity"
grep -qx "# public key: $recipient" key.txt || fail "key.txt does not name $recipient"
echo canary-text | age -r "$recipient" -o msg.age
[ "$(age -d -i key.txt msg.age)" = canary-text ] || fail "age could not use the key"

# again: nothing changes, exit 0
key_before=$(sha256sum key.txt)
main_before=$(git --git-dir=state.git rev-parse main)
run 0 "$DW_BIN" init --config d.ini --baselines "$BASELINES"
contains "$out" "already initialised"
contains "$out" "key file exists, kept"
[ "$(sha256sum key.txt)" = "$key_before" ] || fail "the key file was rewritten"
[ "$(git --git-dir=state.git rev-parse main)" = "$main_before" ] || fail "main moved"
# the baselines directory is not needed for an initialised repository
run 0 "$DW_BIN" init --config d.ini --baselines /nonexistent

# a key file that exists is never overwritten, even when the repository is new
write_config k.ini k.git
cp key.txt key.txt.orig
run 0 "$DW_BIN" init --config k.ini --baselines "$BASELINES"
cmp -s key.txt key.txt.orig || fail "init overwrote an existing key file"

# --baselines DIR seeds main with that directory instead of the built-in baselines
mkdir -p mine/entra && echo 'schema: x' >mine/entra/rule.yaml
write_config s.ini s.git
run 0 "$DW_BIN" init --config s.ini --baselines mine
contains "$out" "main seeded from mine"
[ "$(git --git-dir=s.git ls-tree -r --name-only main)" = baselines/entra/rule.yaml ] ||
	fail "main of s.git: $(git --git-dir=s.git ls-tree -r --name-only main)"

# someone else's repository is refused
git init -q --bare other.git
git --git-dir=other.git commit-tree -m x "$(git --git-dir=other.git mktree </dev/null)" >id
git --git-dir=other.git update-ref refs/heads/main "$(cat id)"
write_config o.ini other.git
run 1 "$DW_BIN" init --config o.ini --baselines "$BASELINES"
contains "$err" "other.git exists and is not a driftward state repository"
# so is a non-empty directory that is no repository
mkdir notrepo && touch notrepo/file
write_config n.ini notrepo
run 1 "$DW_BIN" init --config n.ini --baselines "$BASELINES"
contains "$err" "refusing to initialise over it"
[ ! -e notrepo/HEAD ] || fail "init wrote into a foreign directory"

# an empty directory (systemd's StateDirectory) and an empty bare repository are fine
mkdir empty
write_config e.ini empty
run 0 "$DW_BIN" init --config e.ini --baselines "$BASELINES"
git init -q --bare bare.git
write_config b.ini bare.git
run 0 "$DW_BIN" init --config b.ini --baselines "$BASELINES"
contains "$out" "state repository created"

# missing baselines: a clear error, nothing created
write_config m.ini missing.git
run 1 "$DW_BIN" init --config m.ini --baselines "$SCRATCH/no-such-dir"
contains "$err" "no-such-dir: no baselines directory here"
[ ! -e missing.git ] || fail "a repository was created without baselines"

# a bad configuration stops before anything is made
printf '[agent]\nstate_repo = x.git\nbogus = 1\n' >bad.ini
run 1 "$DW_BIN" init --config bad.ini --baselines "$BASELINES"
contains "$err" "unknown key 'bogus'"
[ ! -e x.git ] || fail "init went on with a bad configuration"

run 0 "$DW_BIN" help init
contains "$out" "usage: driftward init"
finish
