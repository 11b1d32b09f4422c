/* Shared by the configuration reader (config.c) and its key table (keys.c). */
#ifndef DW_CONFIG_INTERNAL_H
#define DW_CONFIG_INTERNAL_H

#include "driftward/common.h"
#include "driftward/config.h"

/* Where a value came from, and where its problems go. */
struct cfg_ctx {
	const char *path;
	const char *dir; /* of the configuration file: relative paths start here */
	unsigned line;
	unsigned flags; /* enum dw_config_flags */
	struct dw_diags *diags;
	int oom;
};

void dw_config__report(struct cfg_ctx *ctx, const char *fmt, ...) DW_PRINTF(2, 3);

enum key_scope {
	KEY_SCOPE_AGENT,
	KEY_SCOPE_TENANT,
	KEY_SCOPE_NOTIFY,
};

#define KEY_MAX 32 /* the most keys one section may have */

struct key_spec;

const struct key_spec *dw_config__key_lookup(enum key_scope scope, const char *name);
const char *dw_config__key_name(const struct key_spec *spec);
/* A small index, unique within the scope, below KEY_MAX. */
unsigned dw_config__key_index(const struct key_spec *spec);

/*
 * Parses @value by the key's type into @target (a struct dw_agent_config or
 * struct dw_tenant_config). @append: the value continues the previous line
 * (lists only).
 */
void dw_config__key_apply(struct cfg_ctx *ctx, const struct key_spec *spec, void *target,
                          const char *value, int append);

void dw_config__keys_agent_defaults(struct dw_agent_config *agent);
void dw_config__keys_tenant_defaults(struct dw_tenant_config *tenant);

/* Reports required keys left out and keys that need one another. @seen: per key index, the
 * line it was set on or 0. */
void dw_config__keys_check_section(struct cfg_ctx *ctx, enum key_scope scope, void *target,
                                   const unsigned *seen, unsigned section_line);

void dw_config__keys_notify_defaults(struct dw_notify_config *n);
void dw_config__keys_notify_release(struct dw_notify_config *n);
/* url xor secret_file, an https URL, a known format and severity (notify.c). */
void dw_config__check_notify(struct cfg_ctx *ctx, const struct dw_notify_config *n);

void dw_config__keys_agent_release(struct dw_agent_config *agent);
void dw_config__keys_tenant_release(struct dw_tenant_config *tenant);

#endif
