#!/usr/bin/env bash
# Each third-party library is used from one area of lib/src only, and agent/
# uses the public API alone. Fails naming every file that breaks the rule.
set -u
top=${1:-.}
cd "$top" || exit 1
status=0

# header prefix -> the only directory allowed to include it
rules=(
	"curl/:lib/src/http/"
	"openssl/:lib/src/crypto/"
	"git2:lib/src/store/"
	"yaml.h:lib/src/yaml/"
	"cjson/:lib/src/json/"
	"ini.h:lib/src/config/"
)

for rule in "${rules[@]}"; do
	header=${rule%%:*}
	allowed=${rule#*:}
	while IFS= read -r file; do
		case "$file" in
		"$allowed"*) ;;
		*)
			echo "$file: includes <$header...>, which only $allowed may use"
			status=1
			;;
		esac
	done < <(grep -rlE "#[[:space:]]*include[[:space:]]*<$header" lib agent tests/unit 2>/dev/null | grep -v '^tests/unit/')
done

# The Graph client is a service: it gets options and credentials, and knows
# neither the configuration, the catalog nor crypto's internals (the session
# area maps driftward.ini onto it).
while IFS= read -r file; do
	echo "$file: the Graph client must not include the configuration, the catalog or crypto's internals"
	status=1
done < <(grep -lE '#[[:space:]]*include[[:space:]]*"(driftward/(config|catalog|keyfile|session|snapshot)\.h|crypto/)' lib/src/http/*.c lib/src/http/*.h lib/include/driftward/graph.h 2>/dev/null)

while IFS= read -r file; do
	echo "$file: agent/ must use the public API in lib/include only"
	status=1
done < <(grep -lE '#[[:space:]]*include[[:space:]]*"(util|config|json|yaml|crypto|http|graph|store|baseline|restore)/' agent/*.c agent/*.h 2>/dev/null)

[ $status -eq 0 ] && echo "includes: ok"
exit $status
