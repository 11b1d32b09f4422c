/*
 * What counts as a well-formed name: rules shared by the configuration (which
 * reads the names), the store (tenant branches) and the catalog (collector
 * directories). The file names of snapshot objects are in driftward/naming.h.
 */
#ifndef DRIFTWARD_NAMES_H
#define DRIFTWARD_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* True for a GUID in its usual 8-4-4-4-12 hexadecimal form. */
bool dw_is_guid(const char *s);

/*
 * True for the @len bytes at @s as a collector name: a letter, then letters,
 * digits, '_' and '-', at most 64 (a snapshot directory's name).
 */
bool dw_is_collector_name(const char *s, size_t len);

/* True for a name usable as a tenant name (branch names, unit instances). */
bool dw_is_tenant_name(const char *s);

#endif
