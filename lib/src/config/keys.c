/*
 * The keys of the configuration file: their types, defaults and checks. Adding
 * a key is adding a row to a table here (and to docs/configuration.md).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/internal.h"
#include "driftward/log.h"
#include "driftward/names.h"
#include "driftward/url.h"

enum key_type {
	KEY_STRING,
	KEY_PATH,        /* a path that need not exist yet */
	KEY_FILE,        /* a regular file that must exist */
	KEY_DIR,         /* a directory that must exist */
	KEY_KEY_FILE,    /* the agent key: must exist unless DW_CONFIG_KEY_MAY_BE_MISSING */
	KEY_SECRET_FILE, /* must exist unless DW_CONFIG_SECRETS_MAY_BE_MISSING */
	KEY_GUID,
	KEY_BOOL,
	KEY_UINT,
	KEY_HTTPS_URL,
	KEY_REF,
	KEY_RECIPIENTS, /* list of age1... recipients */
	KEY_FILES,      /* list of existing files */
	KEY_COLLECTORS, /* "all" or a list of collector names */
	KEY_LOG_LEVEL,
	KEY_REMEDIATE, /* off, plan or apply: an enum dw_remediate */
};

struct key_spec {
	const char *name;
	enum key_type type;
	size_t offset;
	unsigned min, max; /* KEY_UINT */
	int required;
};

#define AGENT(name, type, ...)                                                   \
	{                                                                        \
#name, type, offsetof(struct dw_agent_config, name), __VA_ARGS__ \
	}
#define TENANT(name, type, ...)                                                   \
	{                                                                         \
#name, type, offsetof(struct dw_tenant_config, name), __VA_ARGS__ \
	}

static const struct key_spec agent_keys[] = {
	AGENT(state_repo, KEY_PATH),
	AGENT(key_file, KEY_KEY_FILE),
	AGENT(remote, KEY_STRING),
	AGENT(remote_host_key, KEY_STRING),
	AGENT(remote_ssh_key, KEY_FILE),
	AGENT(approved_ref, KEY_REF),
	AGENT(require_signed, KEY_BOOL),
	AGENT(allowed_signers, KEY_FILE),
	AGENT(metrics_dir, KEY_DIR),
	AGENT(concurrency, KEY_UINT, 1, 256),
	AGENT(tenant_concurrency, KEY_UINT, 1, 64),
	AGENT(request_timeout, KEY_UINT, 1, 3600),
	AGENT(max_retries, KEY_UINT, 0, 20),
	AGENT(max_collection_mib, KEY_UINT, 1, 65536),
	AGENT(max_collection_objects, KEY_UINT, 1, 100000000),
	AGENT(run_timeout, KEY_UINT, 60, 7 * 86400),
	AGENT(graph_url, KEY_HTTPS_URL),
	AGENT(login_url, KEY_HTTPS_URL),
	AGENT(ca_file, KEY_FILE),
	AGENT(extra_recipients, KEY_RECIPIENTS),
	AGENT(catalog, KEY_FILE),
	AGENT(catalogs, KEY_FILES),
	AGENT(log_level, KEY_LOG_LEVEL),
};

static const struct key_spec tenant_keys[] = {
	TENANT(tenant_id, KEY_GUID, 0, 0, 1),
	TENANT(client_id, KEY_GUID, 0, 0, 1),
	TENANT(secret_file, KEY_SECRET_FILE, 0, 0, 1),
	TENANT(certificate, KEY_FILE),
	{ "collectors", KEY_COLLECTORS, offsetof(struct dw_tenant_config, collectors) },
	TENANT(read_only, KEY_BOOL),
	TENANT(remediate, KEY_REMEDIATE),
	TENANT(concurrency, KEY_UINT, 1, 64),
	TENANT(extra_recipients, KEY_RECIPIENTS),
};

#define NOTIFY(name, type, ...)                                                   \
	{                                                                         \
#name, type, offsetof(struct dw_notify_config, name), __VA_ARGS__ \
	}

static const struct key_spec notify_keys[] = {
	NOTIFY(url, KEY_STRING),           NOTIFY(secret_file, KEY_SECRET_FILE),
	NOTIFY(format, KEY_STRING),        NOTIFY(min_severity, KEY_STRING),
	NOTIFY(timeout, KEY_UINT, 1, 600),
};

_Static_assert(DW_ARRAY_SIZE(agent_keys) <= KEY_MAX, "raise KEY_MAX");
_Static_assert(DW_ARRAY_SIZE(tenant_keys) <= KEY_MAX, "raise KEY_MAX");

static void scope_table(enum key_scope scope, const struct key_spec **table, size_t *n)
{
	*table = scope == KEY_SCOPE_AGENT ? agent_keys : tenant_keys;
	*n = scope == KEY_SCOPE_AGENT ? DW_ARRAY_SIZE(agent_keys) : DW_ARRAY_SIZE(tenant_keys);
	if (scope == KEY_SCOPE_NOTIFY) {
		*table = notify_keys;
		*n = DW_ARRAY_SIZE(notify_keys);
	}
}

const struct key_spec *dw_config__key_lookup(enum key_scope scope, const char *name)
{
	const struct key_spec *table;
	size_t i, n;

	scope_table(scope, &table, &n);
	for (i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const char *dw_config__key_name(const struct key_spec *spec)
{
	return spec->name;
}

unsigned dw_config__key_index(const struct key_spec *spec)
{
	if (spec >= agent_keys && spec < agent_keys + DW_ARRAY_SIZE(agent_keys))
		return (unsigned)(spec - agent_keys);
	if (spec >= notify_keys && spec < notify_keys + DW_ARRAY_SIZE(notify_keys))
		return (unsigned)(spec - notify_keys);
	return (unsigned)(spec - tenant_keys);
}

#define FIELD(target, spec, type) ((type *)((char *)(target) + (spec)->offset))

static void set_string(struct cfg_ctx *ctx, char **field, const char *value)
{
	char *copy = *value ? strdup(value) : NULL;

	if (*value && !copy)
		ctx->oom = 1;
	free(*field);
	*field = copy;
}

/* Relative paths are relative to the configuration file's directory. */
static char *resolve_path(struct cfg_ctx *ctx, const char *value)
{
	char joined[PATH_MAX];
	char *copy;

	if (value[0] == '/' || !ctx->dir)
		copy = strdup(value);
	else if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", ctx->dir, value) >=
	         sizeof(joined))
		return NULL;
	else
		copy = strdup(joined);
	if (!copy)
		ctx->oom = 1;
	return copy;
}

/* Under systemd LoadCredential=, $CREDENTIALS_DIRECTORY/driftward.key replaces key_file. */
static int credentials_key_present(void)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[PATH_MAX];

	if (!dir || !*dir ||
	    (size_t)snprintf(path, sizeof(path), "%s/driftward.key", dir) >= sizeof(path))
		return 0;
	return access(path, F_OK) == 0;
}

/* Checks that @path is what the key needs; reports and returns -1 if not. */
static int check_path(struct cfg_ctx *ctx, const struct key_spec *spec, const char *path)
{
	struct stat st;
	int may_be_missing =
	        (spec->type == KEY_KEY_FILE && (ctx->flags & DW_CONFIG_KEY_MAY_BE_MISSING)) ||
	        (spec->type == KEY_SECRET_FILE && (ctx->flags & DW_CONFIG_SECRETS_MAY_BE_MISSING));

	if (spec->type == KEY_PATH || (spec->type == KEY_KEY_FILE && credentials_key_present()))
		return 0;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT && may_be_missing)
			return 0;
		dw_config__report(ctx, "%s: cannot use '%s': %s", spec->name, path,
		                  strerror(errno));
		return -1;
	}
	if (spec->type == KEY_DIR && !S_ISDIR(st.st_mode)) {
		dw_config__report(ctx, "%s: '%s' is not a directory", spec->name, path);
		return -1;
	}
	if (spec->type != KEY_DIR && !S_ISREG(st.st_mode)) {
		dw_config__report(ctx, "%s: '%s' is not a regular file", spec->name, path);
		return -1;
	}
	if (access(path, R_OK) < 0) {
		dw_config__report(ctx, "%s: cannot read '%s': %s", spec->name, path,
		                  strerror(errno));
		return -1;
	}
	return 0;
}

static void apply_path(struct cfg_ctx *ctx, const struct key_spec *spec, char **field,
                       const char *value)
{
	char *path;

	free(*field);
	*field = NULL;
	if (!*value) {
		if (spec->required)
			dw_config__report(ctx, "%s: must not be empty", spec->name);
		return;
	}
	path = resolve_path(ctx, value);
	if (!path) {
		if (!ctx->oom)
			dw_config__report(ctx, "%s: path too long", spec->name);
		return;
	}
	/* kept even when the check failed, so later checks do not report it twice */
	check_path(ctx, spec, path);
	*field = path;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static void apply_uint(struct cfg_ctx *ctx, const struct key_spec *spec, unsigned *field,
                       const char *value)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (!isdigit((unsigned char)value[0]) || *end || errno == ERANGE) {
		dw_config__report(ctx, "%s: '%s' is not a number", spec->name, value);
		return;
	}
	if (v < spec->min || v > spec->max) {
		dw_config__report(ctx, "%s: %lu is out of range (%u to %u)", spec->name, v,
		                  spec->min, spec->max);
		return;
	}
	*field = (unsigned)v;
}

static int is_ref_name(const char *v)
{
	if (strncmp(v, "refs/", 5) != 0 || strstr(v, "..") || strstr(v, "//") ||
	    v[strlen(v) - 1] == '/' || strstr(v, ".lock"))
		return 0;
	for (; *v; v++)
		if ((unsigned char)*v <= ' ' || strchr("~^:?*[\\", *v))
			return 0;
	return 1;
}

static int is_recipient(const char *s, size_t len)
{
	size_t i;

	if (len < 5 || strncmp(s, "age1", 4) != 0)
		return 0;
	for (i = 4; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Items separated by commas and/or white space; each checked by the key's type. */
static void apply_list(struct cfg_ctx *ctx, const struct key_spec *spec, struct dw_strlist *list,
                       const char *value)
{
	const char *p = value;
	char *path;

	while (*p) {
		size_t len;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		len = strcspn(p, ", \t\r\n");
		if (len == 0)
			break;
		if (spec->type == KEY_RECIPIENTS && !is_recipient(p, len)) {
			dw_config__report(ctx, "%s: '%.*s' is not an age recipient (age1...)",
			                  spec->name, (int)len, p);
		} else if (spec->type == KEY_COLLECTORS && !dw_is_collector_name(p, len)) {
			dw_config__report(ctx, "%s: '%.*s' is not a collector name", spec->name,
			                  (int)len, p);
		} else if (spec->type == KEY_FILES) {
			char item[PATH_MAX];

			snprintf(item, sizeof(item), "%.*s", (int)len, p);
			path = resolve_path(ctx, item);
			if (path && check_path(ctx, spec, path) == 0 &&
			    dw_strlist_add(list, path, strlen(path)) < 0)
				ctx->oom = 1;
			free(path);
		} else if (dw_strlist_add(list, p, len) < 0) {
			ctx->oom = 1;
		}
		p += len;
	}
}

static void apply_collectors(struct cfg_ctx *ctx, const struct key_spec *spec,
                             struct dw_tenant_config *t, const char *value, int append)
{
	if (append && t->all_collectors) {
		dw_config__report(ctx, "%s: 'all' takes no other collector names", spec->name);
		return;
	}
	if (!append) {
		dw_strlist_release(&t->collectors);
		t->all_collectors = false;
	}
	if (!append && strcmp(value, "all") == 0) {
		t->all_collectors = true;
		return;
	}
	apply_list(ctx, spec, &t->collectors, value);
	if (t->collectors.count == 0 && !append)
		dw_config__report(ctx, "%s: empty; use 'all' or a list of collector names",
		                  spec->name);
}

static void apply_log_level(struct cfg_ctx *ctx, const struct key_spec *spec, int *field,
                            const char *value)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = { { "error", DW_LOG_ERROR },
		       { "warning", DW_LOG_WARNING },
		       { "notice", DW_LOG_NOTICE },
		       { "info", DW_LOG_INFO },
		       { "debug", DW_LOG_DEBUG } };
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(levels); i++) {
		if (strcmp(value, levels[i].name) == 0) {
			*field = levels[i].level;
			return;
		}
	}
	dw_config__report(ctx, "%s: '%s' is not one of error, warning, notice, info, debug",
	                  spec->name, value);
}

static void apply_remediate(struct cfg_ctx *ctx, const struct key_spec *spec, int *field,
                            const char *value)
{
	static const char *const names[] = {
		[DW_REMEDIATE_OFF] = "off",
		[DW_REMEDIATE_PLAN] = "plan",
		[DW_REMEDIATE_APPLY] = "apply",
	};
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(names); i++) {
		if (strcmp(value, names[i]) == 0) {
			*field = (int)i;
			return;
		}
	}
	dw_config__report(ctx, "%s: '%s' is not one of off, plan, apply", spec->name, value);
}

static void apply_checked_string(struct cfg_ctx *ctx, const struct key_spec *spec, char **field,
                                 const char *value)
{
	char why[160];

	if (spec->type == KEY_GUID && !dw_is_guid(value))
		dw_config__report(ctx,
		                  "%s: '%s' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
		                  spec->name, value);
	else if (spec->type == KEY_HTTPS_URL && dw_url_check_service(value, why, sizeof(why)) < 0)
		dw_config__report(ctx, "%s: not a usable https:// URL: %s", spec->name, why);
	else if (spec->type == KEY_REF && !is_ref_name(value))
		dw_config__report(ctx, "%s: '%s' is not a git ref name (refs/heads/...)",
		                  spec->name, value);
	else
		set_string(ctx, field, value);
}

void dw_config__key_apply(struct cfg_ctx *ctx, const struct key_spec *spec, void *target,
                          const char *value, int append)
{
	bool b;

	switch (spec->type) {
	case KEY_RECIPIENTS:
	case KEY_FILES:
		if (!append)
			dw_strlist_release(FIELD(target, spec, struct dw_strlist));
		apply_list(ctx, spec, FIELD(target, spec, struct dw_strlist), value);
		return;
	case KEY_COLLECTORS:
		apply_collectors(ctx, spec, target, value, append);
		return;
	default:
		break;
	}
	if (append) {
		dw_config__report(ctx, "%s: only list values may continue on the next line",
		                  spec->name);
		return;
	}
	switch (spec->type) {
	case KEY_PATH:
	case KEY_FILE:
	case KEY_DIR:
	case KEY_KEY_FILE:
	case KEY_SECRET_FILE:
		apply_path(ctx, spec, FIELD(target, spec, char *), value);
		break;
	case KEY_BOOL:
		if (parse_bool(value, &b) < 0)
			dw_config__report(ctx, "%s: '%s' is not a boolean (true or false)",
			                  spec->name, value);
		else
			*FIELD(target, spec, bool) = b;
		break;
	case KEY_UINT:
		apply_uint(ctx, spec, FIELD(target, spec, unsigned), value);
		break;
	case KEY_LOG_LEVEL:
		apply_log_level(ctx, spec, FIELD(target, spec, int), value);
		break;
	case KEY_REMEDIATE:
		apply_remediate(ctx, spec, FIELD(target, spec, int), value);
		break;
	case KEY_STRING:
		set_string(ctx, FIELD(target, spec, char *), value);
		break;
	default:
		if (!*value && spec->required)
			dw_config__report(ctx, "%s: must not be empty", spec->name);
		if (!*value)
			break;
		apply_checked_string(ctx, spec, FIELD(target, spec, char *), value);
		break;
	}
}

static int set_default(char **field, const char *value)
{
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

void dw_config__keys_agent_defaults(struct dw_agent_config *agent)
{
	memset(agent, 0, sizeof(*agent));
	/* a failed strdup leaves NULL, which the section check reports */
	set_default(&agent->state_repo, "/var/lib/driftward/state.git");
	set_default(&agent->key_file, "/etc/driftward/key.txt");
	set_default(&agent->approved_ref, "refs/heads/main");
	/* catalog stays NULL: the one compiled into driftward */
	set_default(&agent->graph_url, "https://graph.microsoft.com");
	set_default(&agent->login_url, "https://login.microsoftonline.com");
	agent->concurrency = 16;
	agent->tenant_concurrency = 4;
	agent->request_timeout = 60;
	agent->max_retries = 5;
	agent->max_collection_mib = 256;
	agent->max_collection_objects = 100000;
	agent->run_timeout = 4 * 3600;
	agent->log_level = DW_LOG_NOTICE;
}

void dw_config__keys_tenant_defaults(struct dw_tenant_config *tenant)
{
	memset(tenant, 0, sizeof(*tenant));
	tenant->read_only = true;
	tenant->all_collectors = true;
}

/* Keys whose default is a file that must exist are checked here when left unset. */
static void check_default_key_file(struct cfg_ctx *ctx, struct dw_agent_config *agent,
                                   const unsigned *seen)
{
	const struct key_spec *spec = dw_config__key_lookup(KEY_SCOPE_AGENT, "key_file");

	if (seen[dw_config__key_index(spec)] || !agent->key_file)
		return;
	check_path(ctx, spec, agent->key_file);
}

void dw_config__keys_check_section(struct cfg_ctx *ctx, enum key_scope scope, void *target,
                                   const unsigned *seen, unsigned section_line)
{
	const struct key_spec *table;
	size_t i, n;

	(void)section_line;
	scope_table(scope, &table, &n);
	for (i = 0; i < n; i++)
		if (table[i].required && !seen[i])
			dw_config__report(ctx, "missing required key '%s'", table[i].name);
	if (scope == KEY_SCOPE_AGENT) {
		struct dw_agent_config *agent = target;

		check_default_key_file(ctx, agent, seen);
		if (agent->require_signed && !agent->allowed_signers)
			dw_config__report(ctx, "require_signed = true needs allowed_signers");
		if (!agent->state_repo || !agent->key_file)
			dw_config__report(ctx, "state_repo and key_file must not be empty");
	}
	if (scope == KEY_SCOPE_TENANT) {
		const struct dw_tenant_config *t = target;

		if (t->remediate == DW_REMEDIATE_APPLY && t->read_only)
			dw_config__report(ctx, "remediate = apply needs read_only = false");
	}
	if (scope == KEY_SCOPE_NOTIFY)
		dw_config__check_notify(ctx, target);
}

void dw_config__keys_notify_release(struct dw_notify_config *n)
{
	const struct key_spec *spec;

	for (spec = notify_keys; spec < notify_keys + DW_ARRAY_SIZE(notify_keys); spec++)
		if (spec->type != KEY_UINT)
			free(*FIELD(n, spec, char *));
	free(n->name);
}

void dw_config__keys_agent_release(struct dw_agent_config *agent)
{
	const struct key_spec *spec;

	for (spec = agent_keys; spec < agent_keys + DW_ARRAY_SIZE(agent_keys); spec++) {
		if (spec->type == KEY_RECIPIENTS || spec->type == KEY_FILES)
			dw_strlist_release(FIELD(agent, spec, struct dw_strlist));
		else if (spec->type != KEY_BOOL && spec->type != KEY_UINT &&
		         spec->type != KEY_LOG_LEVEL)
			free(*FIELD(agent, spec, char *));
	}
}

void dw_config__keys_tenant_release(struct dw_tenant_config *tenant)
{
	const struct key_spec *spec;

	for (spec = tenant_keys; spec < tenant_keys + DW_ARRAY_SIZE(tenant_keys); spec++) {
		if (spec->type == KEY_RECIPIENTS || spec->type == KEY_FILES ||
		    spec->type == KEY_COLLECTORS)
			dw_strlist_release(FIELD(tenant, spec, struct dw_strlist));
		else if (spec->type != KEY_BOOL && spec->type != KEY_UINT &&
		         spec->type != KEY_REMEDIATE)
			free(*FIELD(tenant, spec, char *));
	}
	free(tenant->name);
}
