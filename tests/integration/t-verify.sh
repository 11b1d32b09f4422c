#!/usr/bin/env bash
# driftward verify: every approval case judged against the real git
# verify-commit (gpg.ssh.allowedSignersFile) and ssh-keygen -Y verify on the
# same commits, signed by the real git with ssh-keygen keys (ed25519, ECDSA
# P-256, RSA): good, unsigned, unknown key, wrong namespace (the signature's
# and the key's namespaces=), expired key (valid-before / valid-after judged
# at the committer date), tampered content, signed but unmerged, and a
# remote's approved ref that a local branch can't stand in for.
. "$(dirname "$0")/lib.sh"

command -v ssh-keygen >/dev/null || fail "ssh-keygen (openssh-client) is needed"
export GIT_CONFIG_NOSYSTEM=1 HOME=$SCRATCH TZ=UTC
git config --global user.name Approver
git config --global user.email approver@example.com
git config --global init.defaultBranch main

for k in ed:ed25519 ec:ecdsa rsa:rsa other:ed25519 old:ed25519 young:ed25519 fileonly:ed25519; do
	ssh-keygen -q -t "${k#*:}" -N '' -C "${k%%:*}" -f "${k%%:*}" $([ "${k#*:}" = ecdsa ] && echo -b 256)
done
{
	echo "# who may approve"
	echo "approver@example.com $(cat ed.pub)"
	echo "\"ec@example.com,other@example.com\" $(cat ec.pub)"
	echo "*@example.com namespaces=\"git,file\" $(cat rsa.pub)"
	echo "old@example.com valid-before=\"20200101Z\" $(cat old.pub)"
	echo "young@example.com valid-after=\"20300101Z\" $(cat young.pub)"
	echo "files@example.com namespaces=\"file\" $(cat fileonly.pub)"
} >allowed_signers

cat >d.ini <<INI
[agent]
state_repo = state.git
key_file = key.txt
require_signed = true
allowed_signers = allowed_signers
INI
"$DW_BIN" --config d.ini init --baselines "$DW_SOURCE_DIR/baselines" >/dev/null 2>&1 ||
	fail "driftward init failed"
git clone -q state.git work 2>/dev/null
W="git -C work"
signed() { # signed KEY GIT-ARGS...: a git command that signs with KEY
	local key=$1
	shift
	git -C work -c gpg.format=ssh -c user.signingkey="$SCRATCH/$key.pub" "$@"
}
change() { # change FILE: a commit's worth of change in work/
	echo "$RANDOM $1" >>"work/$1"
	$W add "$1"
}
push_main() { $W push -q origin HEAD:refs/heads/main; }

# check NAME COMMIT DW-VERDICT GIT-STATUS: driftward's verdict and git's agree
check() {
	local name=$1 commit=$2 verdict=$3 git_want=$4 git_status=0 want_status=1
	git --git-dir=state.git -c gpg.ssh.allowedSignersFile="$SCRATCH/allowed_signers" \
		verify-commit "$commit" >"$SCRATCH/git.out" 2>&1 || git_status=$?
	[ "$git_status" -eq "$git_want" ] ||
		fail "$name: git verify-commit exited $git_status, the test expects $git_want: $(cat "$SCRATCH/git.out")"
	[ "$verdict" = good ] && want_status=0
	run "$want_status" "$DW_BIN" --config d.ini verify "$commit"
	contains "$out" "$commit $([ "$verdict" = good ] && echo approved || echo not approved): $verdict: "
	echo "$name: git says [$(tr '\n' ' ' <"$SCRATCH/git.out")], driftward [${out#*: }]"
}

# raw_commit COMMIT: the commit object with its gpgsig header taken out (what was signed)
payload_of() {
	git --git-dir=state.git cat-file commit "$1" | python3 -c '
import sys
lines, out, skip = sys.stdin.read().split("\n"), [], False
for i, l in enumerate(lines):
    if l.startswith("gpgsig "): skip = True; continue
    if skip and l.startswith(" "): continue
    skip = False; out.append(l)
sys.stdout.write("\n".join(out))'
}
signature_of() {
	git --git-dir=state.git cat-file commit "$1" | python3 -c '
import sys
lines, sig = sys.stdin.read().split("\n"), []
for l in lines:
    if l.startswith("gpgsig "): sig.append(l[7:])
    elif sig and l.startswith(" "): sig.append(l[1:])
    elif sig: break
print("\n".join(sig))'
}

# 1. good: a feature merged with a signed merge commit, for each kind of key
for key in ed ec rsa; do
	$W checkout -q -b "feature-$key" main
	change "desired-$key.json"
	$W commit -q -m "desired state $key"
	$W checkout -q main
	signed "$key" merge -q --no-ff -S -m "Merge feature-$key" "feature-$key"
	push_main
	check "good $key" "$($W rev-parse HEAD)" good 0
	eval "merged_$key=$($W rev-parse HEAD)"
done
good=$($W rev-parse HEAD)
# the principal git names: the first of the line's own list that the list accepts
contains "$out" "good \"git\" signature for *@example.com with RSA key"
run 0 "$DW_BIN" --config d.ini verify "$merged_ed"
contains "$out" "signature for approver@example.com with ED25519 key"
run 0 "$DW_BIN" --config d.ini verify "$merged_ec"
contains "$out" "signature for ec@example.com with ECDSA key"
# the default is the approved ref's tip
run 0 "$DW_BIN" --config d.ini verify
contains "$out" "$good approved: good"
# ssh-keygen -Y verify on the same bytes agrees
payload_of "$good" >payload
signature_of "$good" >sig
ssh-keygen -Y verify -f allowed_signers -I rsa@example.com -n git -s sig <payload >/dev/null ||
	fail "ssh-keygen -Y verify refused the RSA merge commit"

# 2. unsigned, merged
change unsigned.json
$W commit -q -m unsigned
push_main
check unsigned "$($W rev-parse HEAD)" unsigned 1
contains "$out" "the commit is not signed"

# 3. unknown key
change unknown.json
signed other commit -q -S -m "signed by a key nobody listed"
push_main
check "unknown key" "$($W rev-parse HEAD)" "unknown key" 1
contains "$out" "is not in "
contains "$out" "SHA256:$(ssh-keygen -lf other.pub | cut -d' ' -f2 | cut -d: -f2)"

# 4. expired key: valid-before passed at the commit's committer date; valid-after
# judged at the committer date too (as git does), not at the time of verifying
change expired.json
signed old commit -q -S -m "signed after the key expired"
push_main
check "expired key" "$($W rev-parse HEAD)" "expired key" 1
contains "$out" "allowed_signers:5: the key has expired: committer date 20"
contains "$out" "> valid-before 2020-01-01T00:00:00Z"
change young.json
GIT_COMMITTER_DATE="2029-06-01T00:00:00Z" signed young commit -q -S -m "before valid-after"
push_main
check "not yet valid" "$($W rev-parse HEAD)" "expired key" 1
contains "$out" "the key is not yet valid: committer date 2029-06-01T00:00:00Z < valid-after 2030-01-01T00:00:00Z"
change young2.json
GIT_COMMITTER_DATE="2031-06-01T00:00:00Z" signed young commit -q -S -m "after valid-after"
push_main
check "valid-after, dated later" "$($W rev-parse HEAD)" good 0

# 5. wrong namespace: a key allowed for "file" only, and a signature made for "file"
change ns.json
signed fileonly commit -q -S -m "key limited to namespace file"
push_main
check "key namespaces=" "$($W rev-parse HEAD)" "wrong namespace" 1
contains "$out" "not allowed to sign in namespace \"git\""
change ns2.json
$W commit -q -m "to be signed for another namespace"
unsigned=$($W rev-parse HEAD)
$W cat-file commit "$unsigned" >raw
ssh-keygen -q -Y sign -n file -f ed raw
# the signature goes into the header, as git puts it there: after committer
python3 - raw raw.sig >forged <<'PY'
import sys
raw, sig = open(sys.argv[1]).read(), open(sys.argv[2]).read().rstrip("\n")
head, _, msg = raw.partition("\n\n")
sys.stdout.write(head + "\ngpgsig " + sig.replace("\n", "\n ") + "\n\n" + msg)
PY
forged=$($W hash-object -t commit -w "$SCRATCH/forged")
$W update-ref refs/heads/main "$forged" "$unsigned"
push_main
check "signature namespace" "$forged" "wrong namespace" 1
contains "$out" "signed for namespace \"file\", not \"git\""

# 6. tampered content: a signed commit's message changed, its signature kept
change tamper.json
signed ed commit -q -S -m "pay 10 euros"
orig=$($W rev-parse HEAD)
$W cat-file commit "$orig" | sed 's/pay 10 euros/pay 1000 euros/' >tampered
tampered=$($W hash-object -t commit -w "$SCRATCH/tampered")
$W update-ref refs/heads/main "$tampered" "$orig"
push_main
check "tampered" "$tampered" "bad signature" 1
contains "$out" "does not match the signed content"
payload_of "$tampered" >payload
signature_of "$tampered" >sig
! ssh-keygen -Y verify -f allowed_signers -I approver@example.com -n git -s sig <payload \
	>/dev/null 2>&1 || fail "ssh-keygen -Y verify accepted the tampered commit"

# 7. signed but unmerged: a good signature on a branch main does not reach
$W checkout -q -b proposals/contoso/x main
change proposal.json
signed ed commit -q -S -m "proposal, signed, never merged"
$W push -q origin HEAD:refs/heads/proposals/contoso/x
unmerged=$($W rev-parse HEAD)
check "signed but unmerged" "$unmerged" unmerged 0
contains "$out" "not merged: not reachable from refs/heads/main"
$W checkout -q main
# main moves on with a good signed commit on top of the tampered one
change fixed.json
signed ed commit -q -S -m "signed on top"
push_main

# 8. with a remote: the approved ref is fetched fresh, and a commit that is on
# the local main only (nobody merged it on the forge) is not approved
git clone -q --bare state.git forge.git
cat >>d.ini <<INI
remote = $SCRATCH/forge.git
INI
run 0 "$DW_BIN" --config d.ini verify
contains "$out" "$($W rev-parse HEAD) approved"
$W checkout -q "$unmerged"
git -C work push -q -f "$SCRATCH/state.git" HEAD:refs/heads/main
$W checkout -q main
[ "$(git --git-dir=state.git rev-parse main)" = "$unmerged" ] || fail "local main not moved"
run 1 "$DW_BIN" --config d.ini verify "$unmerged"
contains "$out" "not approved: unmerged: not merged: not reachable from refs/heads/main on the remote"
# once the forge merges it (a signed merge), the same question gets yes
signed ed merge -q --no-ff -S -m "Merge proposal" proposals/contoso/x
$W push -q "$SCRATCH/forge.git" HEAD:refs/heads/main
run 0 "$DW_BIN" --config d.ini verify "$unmerged"
contains "$out" "$unmerged approved: good"
run 0 "$DW_BIN" --config d.ini verify
contains "$out" "$($W rev-parse HEAD) approved: good"
# the fetch left the forge's main in a ref of driftward's own, its objects on disk,
# and the local main as it was
[ "$(git --git-dir=state.git rev-parse refs/driftward/approved)" = "$($W rev-parse HEAD)" ] ||
	fail "refs/driftward/approved is not the forge's main"
[ "$(git --git-dir=state.git rev-parse main)" = "$unmerged" ] || fail "the local main moved"
git --git-dir=state.git fsck --no-progress >/dev/null 2>&1 || fail "fsck after the fetch"
# the forge's main moved back (a force push): the fetched ref follows it
$W push -q -f "$SCRATCH/forge.git" "$good:refs/heads/main"
run 1 "$DW_BIN" --config d.ini verify "$unmerged"
contains "$out" "unmerged"
# a remote that lacks the approved ref approves nothing, and the ref fetched
# before does not stand in for it
sed 's|^allowed_signers = |approved_ref = refs/heads/gone\nallowed_signers = |' d.ini >gone.ini
run 1 "$DW_BIN" --config gone.ini verify "$good"
contains "$err" "has no refs/heads/gone"
! git --git-dir=state.git rev-parse -q --verify refs/driftward/approved >/dev/null ||
	fail "a stale refs/driftward/approved survived a failed fetch"
sed -i '/^remote = /d' d.ini

# 9. without require_signed only reachability counts
sed 's/^require_signed = true/require_signed = false/' d.ini >unsigned.ini
change plain.json
$W commit -q -m "unsigned, merged"
push_main
run 0 "$DW_BIN" --config unsigned.ini verify "$($W rev-parse HEAD)"
contains "$out" "signatures not required"

# 10. the allowed signers file is strict: file:line errors, cert-authority refused
cp allowed_signers good_signers
echo "ca@example.com cert-authority $(cat ed.pub)" >>allowed_signers
run 1 "$DW_BIN" --config d.ini verify "$good"
contains "$err" "allowed_signers:8: cert-authority is not supported"
lacks "$out" "approved"
cp good_signers allowed_signers
echo "broken@example.com ssh-ed25519 AAAA-not-base64" >>allowed_signers
run 1 "$DW_BIN" --config d.ini verify "$good"
contains "$err" "allowed_signers:8: the key is not valid base64"
cp good_signers allowed_signers
run 1 "$DW_BIN" --config d.ini verify no-such-commit
contains "$err" "'no-such-commit' names no commit"
run 1 "$DW_BIN" --config d.ini verify --bogus
contains "$err" "unknown option '--bogus'"

finish
