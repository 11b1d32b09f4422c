/*
 * The configuration file (DESIGN.md section 9): an [agent] section and one
 * [tenant NAME] section per tenant, read with inih. Every key is typed and
 * validated; every problem is reported with file, line and key, all of them in
 * one pass. Relative paths are taken relative to the configuration file.
 */
#ifndef DRIFTWARD_CONFIG_H
#define DRIFTWARD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "driftward/diag.h"
#include "driftward/strlist.h"

#define DW_DEFAULT_CONFIG "/etc/driftward/driftward.ini"

struct dw_agent_config {
	char *state_repo;
	char *key_file;        /* $CREDENTIALS_DIRECTORY/driftward.key wins when present */
	char *remote;          /* NULL: no remote */
	char *remote_host_key; /* pinned ssh host key ("SHA256:..."), NULL: none */
	char *remote_ssh_key;  /* private key file for an ssh remote, NULL: none */
	char *approved_ref;
	bool require_signed;
	char *allowed_signers;       /* NULL unless set */
	char *metrics_dir;           /* NULL: no metrics */
	unsigned concurrency;        /* requests in flight, all tenants together */
	unsigned tenant_concurrency; /* requests in flight per tenant */
	unsigned request_timeout;    /* seconds */
	unsigned max_retries;        /* per request */

	/* bounds on what Graph can make a snapshot run take */
	unsigned max_collection_mib;     /* MiB one collection's pages may take, parsed */
	unsigned max_collection_objects; /* objects one collection may have */
	unsigned run_timeout;            /* seconds a snapshot run may take */

	char *graph_url;
	char *login_url;
	char *ca_file; /* extra CA bundle, NULL: the system's only */
	struct dw_strlist extra_recipients;
	char *catalog;              /* replaces the built-in collector catalog; NULL: keep it */
	struct dw_strlist catalogs; /* extra collector catalog files */
	int log_level;              /* a dw_log_level */
};

/* What the timer agent does about drift (DESIGN.md section 7; docs/restore.md). */
enum dw_remediate {
	DW_REMEDIATE_OFF = 0, /* nothing: drift is reported */
	DW_REMEDIATE_PLAN,    /* a plan is written beside the drift report */
	DW_REMEDIATE_APPLY,   /* approved desired state is applied (needs read_only = false) */
};

struct dw_tenant_config {
	char *name;
	unsigned line; /* of its [tenant NAME] header */
	char *tenant_id;
	char *client_id;
	char *secret_file;
	char *certificate; /* NULL: the secret file holds a client secret */
	bool all_collectors;
	struct dw_strlist collectors; /* when !all_collectors */
	bool read_only;
	int remediate;        /* an enum dw_remediate */
	unsigned concurrency; /* 0: the agent's tenant_concurrency */
	struct dw_strlist extra_recipients;
};

/* A [notify NAME] section: where findings that open and clear are announced. */
struct dw_notify_config {
	char *name;
	unsigned line;      /* of its [notify NAME] header */
	char *url;          /* https webhook; NULL when secret_file holds it */
	char *secret_file;  /* age file holding the URL (it carries a token); NULL: url */
	char *format;       /* "json", "teams" or "slack" */
	char *min_severity; /* "critical" ... "info": findings below it are not sent */
	unsigned timeout;   /* seconds one run may spend on this channel, retries included */
};

struct dw_config {
	char *path;
	struct dw_agent_config agent;
	struct dw_tenant_config *tenants;
	size_t ntenants, tenants_alloc;
	struct dw_notify_config *notify;
	size_t nnotify, notify_alloc;
};

enum dw_config_flags {
	/* The key file need not exist yet (driftward init creates it). */
	DW_CONFIG_KEY_MAY_BE_MISSING = 1 << 0,
	/* Secret files need not exist yet (driftward secret set creates them). */
	DW_CONFIG_SECRETS_MAY_BE_MISSING = 1 << 1,
};

/*
 * Reads and validates @path. Every problem goes to @diags. Returns 0 and the
 * configuration in @out, or -EINVAL when there was at least one error (then
 * *out is NULL), or another negative errno.
 */
int dw_config_load(const char *path, unsigned flags, struct dw_config **out,
                   struct dw_diags *diags);

void dw_config_free(struct dw_config *cfg);

/* The tenant named @name, or NULL. */
const struct dw_tenant_config *dw_config_tenant(const struct dw_config *cfg, const char *name);

/* The key file to use: $CREDENTIALS_DIRECTORY/driftward.key under systemd, else key_file. */
const char *dw_config_key_file(const struct dw_config *cfg);

#endif
