#!/usr/bin/env bash
# Installs the Debian packages driftward needs to build, test and run its demo,
# and only those that are missing: on a machine that has them all it changes
# nothing and needs no network. Debian bookworm; run as root or with sudo.
set -euo pipefail

packages=(
	# build
	gcc make cmake pkg-config clang clang-format git
	# libraries (each used from one area of lib/src)
	libcurl4-openssl-dev libssl-dev libgit2-dev libyaml-dev libinih-dev
	# tests: unit tests, sanitizers, fuzzing, and the real tools we check against
	libcmocka-dev libclang-rt-14-dev age jq openssl openssh-client python3 python3-yaml systemd strace
	# tests: drift reports validated against their JSON Schemas (drift.json, SARIF 2.1.0)
	python3-jsonschema
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
# python3 may come from elsewhere (pyenv); what matters is that one runs
if command -v python3 >/dev/null 2>&1; then
	missing=("${missing[@]/#python3/}")
fi
# and jsonschema: what matters is that one python3 imports it, the one on PATH (pyenv,
# pip) or Debian's (checked after python3's removal above, which leaves "-jsonschema")
if python3 -c 'import jsonschema' >/dev/null 2>&1 ||
	/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1; then
	missing=("${missing[@]/#-jsonschema/}")
else
	missing=("${missing[@]/#-jsonschema/python3-jsonschema}")
fi
read -r -a missing <<<"${missing[*]:-}"
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	}
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
