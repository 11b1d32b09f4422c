#!/usr/bin/env bash
# `driftward check` and the collector catalog: the shipped catalog loads, extra
# catalogs are validated with file:line:col, every tenant's `collectors` names
# known collectors, and a missing built-in catalog is a clear error.
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

# The shipped catalog, all collectors.
write_config "catalog = $CATALOG" "" all
run 0 "$DW_BIN" check --config dw.ini
contains "$out" "collectors.yaml: ok ("
n=$(sed -n 's/.*collectors.yaml: ok (\([0-9]*\) collectors).*/\1/p' <<<"$out")
[ "$n" -ge 30 ] || fail "only $n collectors in the shipped catalog"

# A tenant naming collectors: unknown ones are reported at the tenant's section.
write_config "catalog = $CATALOG" "" "namedLocations, ConditionalAccessPolicies, exchangeMailboxes"
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
write_config "catalog = $CATALOG" "catalogs = mine.yaml" "applications, namedLocations"
run 0 "$DW_BIN" check --config dw.ini
# the built-in catalog's collectors and the user's one
contains "$out" "($(($(grep -c '^  - name:' "$CATALOG") + 1)) collectors)"

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
contains "$err" "mine.yaml:11:11: error: duplicate collector 'namedLocations' (first defined at $CATALOG:"
contains "$err" "collector catalog: 3 problems found"

# No `catalog` key and nothing installed at the default: a clear error, naming the key.
write_config "" "" all
if [ ! -e /usr/local/share/driftward/collectors.yaml ] && [ ! -e /usr/share/driftward/collectors.yaml ]; then
	run 1 "$DW_BIN" check --config dw.ini
	contains "$err" "collectors.yaml: error: cannot open: No such file or directory (the built-in collector catalog"
	contains "$err" "set \`catalog\` in [agent]"
fi

# A catalog key naming a missing file is a configuration error with its line.
write_config "catalog = nowhere.yaml" "" all
run 1 "$DW_BIN" check --config dw.ini
contains "$err" "dw.ini:4: error: catalog: cannot use"

finish
