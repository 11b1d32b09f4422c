/* Which tenants a run takes: by name, then by shard. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/snapshot.h"

/*
 * FNV-1a over the lower-cased tenant id: stable across hosts, runs and
 * versions, so a tenant stays in its shard as long as the shard count stays.
 */
static uint64_t tenant_hash(const char *tenant_id)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *tenant_id; tenant_id++) {
		h ^= (unsigned char)tolower((unsigned char)*tenant_id);
		h *= 0x100000001b3ull;
	}
	return h;
}

static int named(const char *name, const char *const *names, size_t nnames)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

int dw_snapshot_select(const struct dw_config *cfg, const char *const *names, size_t nnames,
                       unsigned shard_index, unsigned shard_count,
                       const struct dw_tenant_config ***out, size_t *n, struct dw_error *err)
{
	const struct dw_tenant_config **list;
	size_t i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < nnames; i++)
		if (!dw_config_tenant(cfg, names[i]))
			return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0, "no tenant '%s' in %s",
			                    names[i], cfg->path);
	if (shard_count > 1 && shard_index >= shard_count)
		return dw_error_set(err, -EINVAL, DW_AREA_USAGE, 0,
		                    "shard %u/%u: the index runs from 0 to %u", shard_index,
		                    shard_count, shard_count - 1);
	list = calloc(cfg->ntenants ? cfg->ntenants : 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (i = 0; i < cfg->ntenants; i++) {
		const struct dw_tenant_config *t = &cfg->tenants[i];

		if (nnames && !named(t->name, names, nnames))
			continue;
		if (shard_count > 1 && tenant_hash(t->tenant_id) % shard_count != shard_index)
			continue;
		list[(*n)++] = t;
	}
	*out = list;
	return 0;
}
