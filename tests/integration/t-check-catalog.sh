#!/usr/bin/env bash
# `driftward check` and the collector catalog: the catalog compiled into the
# binary works with no file installed (from the build tree, a copy of the binary
# alone, and after cmake --install), each catalog read is named with its own
# count, extra catalogs are validated with file:line:col, and every tenant's
# `collectors` names known collectors.
. "$(dirname "$0")/lib.sh"

TENANT=6f0e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b
CLIENT=2b7c9d1e-4f5a-4b6c-9d8e-7f6a5b4c3d2e
CATALOG=$DW_SOURCE_DIR/config/collectors.yaml
# check also verifies the key and the secret: give it real ones
"$DW_BIN" keygen -o key.txt >/dev/null 2>&1
printf 'not-a-real-secret' | "$DW_BIN" encrypt -r "$(sed -n 's/^# public key: //p' key.txt)" \
	-o contoso.age

write_config() { # write_config CATALOG-LINE EXTRA-LINE COLLECTORS
	cat >dw.ini <<INI
[agent]
state_repo = state.git
key_file = key.txt
$1
$2

[tenant contoso]
tenant_id = $TENANT
client_id = $CLIENT
secret_file = contoso.age
collectors = $3
INI
}

# count_of NAME: the collector count `check` printed for catalog NAME
count_of() {
	local line
	line=$(grep -F "catalog: $1 (" <<<"$out") || fail "no line for catalog $1 in: $out"
	sed -n 's/.*(\([0-9]*\) collectors\{0,1\})$/\1/p' <<<"$line"
}

# The shipped file named by `catalog`, all collectors.
write_config "catalog = $CATALOG" "" all
run 0 "$DW_BIN" check --config dw.ini
n=$(count_of "$CATALOG")
[ "$n" -ge 30 ] || fail "only $n collectors in the shipped catalog"
lacks "$out" "built-in"

# No `catalog` key: the built-in catalog, the same collectors, from any directory.
write_config "" "" all
run 0 env -C / "$DW_BIN" check --config "$SCRATCH/dw.ini"
[ "$(count_of built-in)" = "$n" ] || fail "built-in: $(count_of built-in) collectors, file: $n"
# the binary alone, copied where no source tree or installed file is near it
mkdir alone && cp "$DW_BIN" alone/driftward
run 0 alone/driftward check --config dw.ini
[ "$(count_of built-in)" = "$n" ] || fail "a copied binary lost its catalog"
# and installed: the binary and the example configuration, no data files beside them
cmake --install "$DW_BUILD_DIR" --prefix "$SCRATCH/inst" >install.log 2>&1 ||
	fail "cmake --install: $(cat install.log)"
[ ! -e inst/share/driftward ] || fail "data files installed: $(ls -R inst/share/driftward)"
run 0 inst/bin/driftward check --config dw.ini
[ "$(count_of built-in)" = "$n" ] || fail "the installed binary lost its catalog"

# A tenant naming collectors: unknown ones are reported at the tenant's section.
write_config "" "" "namedLocations, ConditionalAccessPolicies, exchangeMailboxes"
run 1 "$DW_BIN" check --config dw.ini
contains "$err" "dw.ini:7: error: tenant 'contoso': collectors: unknown collector 'ConditionalAccessPolicies' (did you mean 'conditionalAccessPolicies'?)"
contains "$err" "dw.ini:7: error: tenant 'contoso': collectors: unknown collector 'exchangeMailboxes'"
contains "$err" "collector catalog: 2 problems found"
lacks "$err" "namedLocations'"

# A user's own collector: read-only, and usable by a tenant.
cat >mine.yaml <<'YAML'
schema: driftward/catalog/v1
collectors:
  - name: applications
    title: App registrations
    area: custom
    graph: /applications
    nameField: displayName
    volatile: [createdDateTime]
    sets: [{path: /keyCredentials, sortKey: keyId}]
    permissions: {read: [Application.Read.All]}
YAML
write_config "" "catalogs = mine.yaml" "applications, namedLocations"
run 0 "$DW_BIN" check --config dw.ini
# each catalog with its own count, the built-in one first
[ "$(count_of built-in)" = "$n" ] || fail "the extra file's collector counted as built-in"
contains "$out" "catalog: ./mine.yaml (1 collector)"
[ "$(grep -n 'catalog: built-in' <<<"$out" | cut -d: -f1)" -lt \
	"$(grep -n 'catalog: ./mine.yaml' <<<"$out" | cut -d: -f1)" ] || fail "order: $out"

# Its mistakes, each at its line and column.
cat >mine.yaml <<'YAML'
schema: driftward/catalog/v1
collectors:
  - name: applications
    title: App registrations
    area: custom
    graph: /applications
    permissions: {read: [Application.Read.All], write: [Application.ReadWrite.All]}
    restore: {method: PATCH}
    sets: [keyCredentials]
    secret: [/passwordCredentials/*/secretText]
    enabled: yes
  - name: namedLocations
    title: Mine
    area: custom
    graph: /x
    permissions: {read: [Policy.Read.All]}
YAML
run 1 "$DW_BIN" check --config dw.ini
contains "$err" "mine.yaml:11:14: error: ambiguous value 'yes'"
# a YAML error stops that file; fix it and see the catalog's own problems
sed -i '/enabled: yes/d' mine.yaml
run 1 "$DW_BIN" check --config dw.ini
contains "$err" "mine.yaml:8:14: error: collectors of an extra catalog are read-only: restore.method must be none"
contains "$err" "mine.yaml:9:12: error: 'keyCredentials' is not a JSON Pointer"
# the built-in catalog's lines are those of config/collectors.yaml
line=$(grep -n -- '- name: namedLocations$' "$CATALOG" | cut -d: -f1)
contains "$err" "mine.yaml:11:11: error: duplicate collector 'namedLocations' (first defined at built-in:$line)"
contains "$err" "collector catalog: 3 problems found"

# A catalog key naming a missing file is a configuration error with its line.
write_config "catalog = nowhere.yaml" "" all
run 1 "$DW_BIN" check --config dw.ini
contains "$err" "dw.ini:4: error: catalog: cannot use"

finish
