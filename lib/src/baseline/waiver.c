/*
 * Waivers (waivers/<name>.yaml): a known deviation from one rule for one tenant,
 * optionally one object, accepted by an owner until an expiry date. Every
 * key is required except object: a waiver without a reason, an owner or an
 * end is exactly what waivers must not be.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "baseline/internal.h"

static const char *const waiver_keys[] = { "schema",    "rule",  "tenant", "object",
	                                   "rationale", "owner", "expires" };

/* "2027-01-31" → the first second after that day, UTC; -1 when not such a date. */
static int64_t parse_date(const char *s)
{
	struct tm tm;
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' ||
	    s[7] != '-' || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_mday++; /* the waiver holds through its last day */
	return (int64_t)timegm(&tm);
}

static void waiver_release(struct bl_waiver *w)
{
	free(w->rule);
	free(w->tenant);
	free(w->object);
	free(w->rationale);
	free(w->owner);
	free(w->expires);
	free(w->source);
}

static int read_fields(struct bl_ctx *ctx, const struct dw_yaml_node *root, struct bl_waiver *w)
{
	char **slots[] = { NULL,          &w->rule,  &w->tenant, &w->object,
		           &w->rationale, &w->owner, &w->expires };
	char *schema = NULL;
	size_t i, k;
	int rc = 0;

	for (i = 0; i < root->count; i++) {
		for (k = 0; k < DW_ARRAY_SIZE(waiver_keys); k++)
			if (!strcmp(root->keys[i]->text, waiver_keys[k]))
				break;
		if (k == DW_ARRAY_SIZE(waiver_keys)) {
			dw_baseline__report(ctx, root->keys[i], "unknown key '%.40s'",
			                    root->keys[i]->text);
			rc = -EINVAL;
		} else if (dw_baseline__take_string(ctx, root->items[i], k ? slots[k] : &schema) <
		           0) {
			rc = -EINVAL;
		}
	}
	if (schema && strcmp(schema, DW_WAIVER_SCHEMA) != 0) {
		dw_baseline__report(ctx, dw_yaml_get(root, "schema"),
		                    "'%.40s' is not a known schema (" DW_WAIVER_SCHEMA ")", schema);
		rc = -EINVAL;
	}
	free(schema);
	for (k = 0; k < DW_ARRAY_SIZE(waiver_keys); k++)
		if (k != 3 && !dw_yaml_get(root, waiver_keys[k])) {
			dw_baseline__report(ctx, root, "missing key '%s'", waiver_keys[k]);
			rc = -EINVAL;
		}
	return rc;
}

int dw_baseline__waiver(struct bl_ctx *ctx, const struct dw_yaml_node *root)
{
	struct dw_baseline *bl = ctx->bl;
	struct bl_waiver w = { 0 };
	int rc;

	if (root->type != DW_YAML_MAP) {
		dw_baseline__report(ctx, root, "a waiver file holds one waiver (a mapping)");
		return -EINVAL;
	}
	rc = read_fields(ctx, root, &w);
	if (rc == 0 && (w.expires_at = parse_date(w.expires)) < 0) {
		dw_baseline__report(ctx, dw_yaml_get(root, "expires"),
		                    "'%.40s' is not a date (YYYY-MM-DD)", w.expires);
		rc = -EINVAL;
	}
	if (rc == 0 && !(w.source = strdup(ctx->file)))
		rc = -ENOMEM;
	if (rc == 0 && DW_ARRAY_GROW(bl->waivers, bl->awaivers, bl->nwaivers + 1) < 0)
		rc = -ENOMEM;
	if (rc < 0) {
		waiver_release(&w);
		return rc;
	}
	bl->waivers[bl->nwaivers++] = w;
	return 0;
}

void dw_baseline__waivers_free(struct bl_waiver *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		waiver_release(&w[i]);
	free(w);
}
