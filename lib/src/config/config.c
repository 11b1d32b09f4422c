/*
 * The configuration reader. inih splits lines into section, key and value; we
 * feed it through our own line reader so that every problem can name its line,
 * so that section headers (which inih does not report) are seen, and so that
 * lines inih would reject or cut short are reported instead of skipped.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config/internal.h"
#include "driftward/array.h"
#include "driftward/config.h"
#include "driftward/names.h"

/* inih reads lines into a buffer of this size (INI_MAX_LINE of Debian's build). */
#define INI_LINE_MAX 200
/*
 * A configuration is a few kilobytes for one customer, and about 150 bytes a
 * tenant for a fleet (10,000 tenants: 1.5 MiB); anything past this is not one.
 */
#define CONFIG_FILE_MAX (16u << 20)
#define UTF8_BOM        "\xef\xbb\xbf"

enum section_kind {
	SECTION_NONE, /* before the first header */
	SECTION_AGENT,
	SECTION_TENANT,
	SECTION_NOTIFY,
	SECTION_IGNORED, /* bad or duplicate: its keys were not read */
};

struct parse_state {
	struct cfg_ctx ctx;
	FILE *f;
	char line[INI_LINE_MAX + 1]; /* the start of the line being read */
	size_t read_total;           /* bytes read so far: stops at CONFIG_FILE_MAX */
	int continuation;            /* the current line continues the previous value */
	char last_key[INI_LINE_MAX];
	enum section_kind kind;
	unsigned section_line;
	struct dw_tenant_config *tenant;
	struct dw_notify_config *notify;
	unsigned agent_line;
	unsigned seen[KEY_MAX]; /* line of each key in the current section, 0: not yet */
	struct dw_config *cfg;
};

void dw_config__report(struct cfg_ctx *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dw_diags_add(ctx->diags, DW_DIAG_ERROR, ctx->path, ctx->line, 0, "%s", msg) < 0)
		ctx->oom = 1;
}

#define report(st, ...) dw_config__report(&(st)->ctx, __VA_ARGS__)

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A new tenant section; returns NULL (reported) when it can't be. */
static struct dw_tenant_config *add_tenant(struct parse_state *st, const char *name)
{
	struct dw_config *cfg = st->cfg;
	struct dw_tenant_config *t;
	size_t i;

	for (i = 0; i < cfg->ntenants; i++) {
		if (strcmp(cfg->tenants[i].name, name) == 0) {
			report(st, "duplicate tenant '%s' (first defined at line %u)", name,
			       cfg->tenants[i].line);
			return NULL;
		}
	}
	if (DW_ARRAY_GROW(cfg->tenants, cfg->tenants_alloc, cfg->ntenants + 1) < 0) {
		st->ctx.oom = 1;
		return NULL;
	}
	t = &cfg->tenants[cfg->ntenants];
	dw_config__keys_tenant_defaults(t);
	t->name = strdup(name);
	if (!t->name) {
		st->ctx.oom = 1;
		return NULL;
	}
	t->line = st->ctx.line;
	cfg->ntenants++;
	return t;
}

/* A new notify section; returns NULL (reported) when it can't be. */
static struct dw_notify_config *add_notify(struct parse_state *st, const char *name)
{
	struct dw_config *cfg = st->cfg;
	struct dw_notify_config *n;
	size_t i;

	for (i = 0; i < cfg->nnotify; i++) {
		if (strcmp(cfg->notify[i].name, name) == 0) {
			report(st, "duplicate notify '%s' (first defined at line %u)", name,
			       cfg->notify[i].line);
			return NULL;
		}
	}
	if (DW_ARRAY_GROW(cfg->notify, cfg->notify_alloc, cfg->nnotify + 1) < 0) {
		st->ctx.oom = 1;
		return NULL;
	}
	n = &cfg->notify[cfg->nnotify];
	dw_config__keys_notify_defaults(n);
	n->line = st->ctx.line;
	if (!(n->name = strdup(name)) || !n->format || !n->min_severity) {
		dw_config__keys_notify_release(n);
		st->ctx.oom = 1;
		return NULL;
	}
	cfg->nnotify++;
	return n;
}

/* [notify NAME]: the same name rules as a tenant's (it names a metrics label and a state file). */
static void open_notify(struct parse_state *st, char *name)
{
	if (!dw_is_tenant_name(name)) {
		report(st,
		       "bad notify name '%s': use lower-case letters, digits, '-' and "
		       "'_' (at most 63, starting with a letter or digit)",
		       name);
		return;
	}
	st->notify = add_notify(st, name);
	if (st->notify)
		st->kind = SECTION_NOTIFY;
}

/* At the end of a section: what it lacks. */
static void close_section(struct parse_state *st)
{
	unsigned line = st->ctx.line;

	st->ctx.line = st->section_line;
	if (st->kind == SECTION_AGENT)
		dw_config__keys_check_section(&st->ctx, KEY_SCOPE_AGENT, &st->cfg->agent, st->seen,
		                              st->section_line);
	else if (st->kind == SECTION_TENANT)
		dw_config__keys_check_section(&st->ctx, KEY_SCOPE_TENANT, st->tenant, st->seen,
		                              st->section_line);
	else if (st->kind == SECTION_NOTIFY)
		dw_config__keys_check_section(&st->ctx, KEY_SCOPE_NOTIFY, st->notify, st->seen,
		                              st->section_line);
	st->ctx.line = line;
	memset(st->seen, 0, sizeof(st->seen));
	st->tenant = NULL;
	st->notify = NULL;
	st->kind = SECTION_IGNORED;
}

static void open_section(struct parse_state *st, char *header)
{
	char *name = trim(header);

	close_section(st);
	st->section_line = st->ctx.line;
	st->last_key[0] = '\0';
	if (strcmp(name, "agent") == 0) {
		if (st->agent_line) {
			report(st, "duplicate section [agent] (first at line %u)", st->agent_line);
			return;
		}
		st->agent_line = st->ctx.line;
		st->kind = SECTION_AGENT;
	} else if (strncmp(name, "tenant", 6) == 0 && isspace((unsigned char)name[6])) {
		name = trim(name + 6);
		if (!dw_is_tenant_name(name)) {
			report(st,
			       "bad tenant name '%s': use lower-case letters, digits, '-' and "
			       "'_' (at most 63, starting with a letter or digit)",
			       name);
			return;
		}
		st->tenant = add_tenant(st, name);
		if (st->tenant)
			st->kind = SECTION_TENANT;
	} else if (strncmp(name, "notify", 6) == 0 && isspace((unsigned char)name[6])) {
		open_notify(st, trim(name + 6));
	} else {
		report(st, "unknown section [%s]: expected [agent], [tenant NAME] or [notify NAME]",
		       name);
	}
}

/* Looks at a raw line before inih does: sections, syntax errors, continuations. */
static void inspect_line(struct parse_state *st, char *line)
{
	char *s = trim(line), *close;

	st->continuation = 0;
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		close = strchr(s, ']');
		if (!close) {
			close_section(st);
			report(st, "section header without ']'");
			return;
		}
		*close = '\0';
		open_section(st, s + 1);
		return;
	}
	if (isspace((unsigned char)line[0]) && st->last_key[0]) {
		st->continuation = 1;
		return;
	}
	if (!strchr(s, '=') && !strchr(s, ':'))
		report(st, "expected 'name = value' or '[section]'");
}

/* What inih is handed instead of a line we refused: a blank line. */
static char *blank_line(char *str, int num)
{
	snprintf(str, (size_t)num, "\n");
	return str;
}

/*
 * One physical line: its length (line end included, however long it is) or
 * -1 at the end of the file. Only its start is kept in st->line, so a file
 * of one endless line costs no memory; *@nul tells of a NUL byte in it.
 */
static ssize_t read_physical_line(struct parse_state *st, int *nul)
{
	size_t n = 0;
	int c;

	*nul = 0;
	while (st->read_total < CONFIG_FILE_MAX && (c = getc(st->f)) != EOF) {
		st->read_total++;
		*nul |= c == '\0';
		if (n < sizeof(st->line) - 1)
			st->line[n] = (char)c;
		n++;
		if (c == '\n')
			break;
	}
	st->line[n < sizeof(st->line) - 1 ? n : sizeof(st->line) - 1] = '\0';
	return n ? (ssize_t)n : -1;
}

/*
 * The ini_reader: one physical line at a time (so a NUL byte or a long line
 * can't split one line into two and shift every line number after it),
 * counting lines and refusing what inih would cut short.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	char copy[INI_LINE_MAX];
	int nul;
	ssize_t n = read_physical_line(st, &nul);

	if (num > INI_LINE_MAX)
		num = INI_LINE_MAX; /* an inih built with longer lines gets ours */
	if (n < 0)
		return NULL;
	st->ctx.line++;
	if (st->ctx.line == 1 && n >= 3 && memcmp(st->line, UTF8_BOM, 3) == 0) {
		/* a byte order mark, as Windows editors write: not part of the first line */
		memmove(st->line, st->line + 3, strlen(st->line + 3) + 1);
		n -= 3;
	}
	if (nul) {
		report(st, "line contains a NUL byte");
		return blank_line(str, num);
	}
	if (n > num - 1 || (n == num - 1 && st->line[n - 1] != '\n')) {
		report(st, "line longer than %d characters", num - 2);
		return blank_line(str, num);
	}
	memcpy(str, st->line, (size_t)n + 1);
	memcpy(copy, st->line, (size_t)n + 1);
	inspect_line(st, copy);
	return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	const struct key_spec *spec;
	enum key_scope scope = st->kind == SECTION_AGENT    ? KEY_SCOPE_AGENT
	                       : st->kind == SECTION_NOTIFY ? KEY_SCOPE_NOTIFY
	                                                    : KEY_SCOPE_TENANT;
	void *target = st->kind == SECTION_AGENT    ? (void *)&st->cfg->agent
	               : st->kind == SECTION_NOTIFY ? (void *)st->notify
	                                            : (void *)st->tenant;
	unsigned idx;

	(void)section;
	if (st->kind == SECTION_IGNORED)
		return 1;
	if (st->kind == SECTION_NONE) {
		report(st, "key '%s' outside a section", name);
		return 1;
	}
	spec = dw_config__key_lookup(scope, name);
	if (!spec) {
		report(st, "unknown key '%s' in [%s]", name,
		       st->kind == SECTION_AGENT    ? "agent"
		       : st->kind == SECTION_NOTIFY ? "notify"
		                                    : "tenant");
		return 1;
	}
	if (st->continuation && strcmp(st->last_key, name) == 0) {
		dw_config__key_apply(&st->ctx, spec, target, value, 1);
		return 1;
	}
	snprintf(st->last_key, sizeof(st->last_key), "%s", name);
	idx = dw_config__key_index(spec);
	if (st->seen[idx]) {
		report(st, "duplicate key '%s' (first set at line %u)", name, st->seen[idx]);
		return 1;
	}
	st->seen[idx] = st->ctx.line;
	dw_config__key_apply(&st->ctx, spec, target, value, 0);
	return 1;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Under systemd, LoadCredential= hands the key over in $CREDENTIALS_DIRECTORY. */
static int use_credentials_key(struct dw_agent_config *agent)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[PATH_MAX];
	char *copy;

	if (!dir || !*dir)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/driftward.key", dir) >= sizeof(path))
		return 0;
	if (access(path, F_OK) < 0)
		return 0;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	free(agent->key_file);
	agent->key_file = copy;
	return 0;
}

static int parse_file(struct parse_state *st)
{
	int r;

	r = ini_parse_stream(read_line, st, on_key, st);
	close_section(st);
	if (r == -2 || st->ctx.oom)
		return -ENOMEM;
	return 0;
}

/*
 * Opens the configuration: a regular file of at most CONFIG_FILE_MAX bytes.
 * A directory would read as empty and fail on some unrelated default, and
 * /dev/zero or a pipe would be read forever. O_NONBLOCK: a FIFO must not
 * hang the open before it can be refused.
 */
static int open_config(const char *path, FILE **out, struct dw_diags *diags)
{
	struct stat st;
	const char *why = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), e;

	if (fd < 0 || fstat(fd, &st) < 0) {
		e = errno;
		dw_diags_add(diags, DW_DIAG_ERROR, path, 0, 0, "could not open: %s", strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	if (S_ISDIR(st.st_mode))
		why = "is a directory, not a configuration file";
	else if (!S_ISREG(st.st_mode))
		why = "is not a regular file (a device, a pipe or a socket)";
	else if (st.st_size > (off_t)CONFIG_FILE_MAX)
		why = "is larger than 16 MiB: not a configuration file";
	if (why || fcntl(fd, F_SETFL, 0) < 0 || !(*out = fdopen(fd, "r"))) {
		e = why ? EINVAL : errno;
		dw_diags_add(diags, DW_DIAG_ERROR, path, 0, 0, "%s", why ? why : strerror(e));
		close(fd);
		return -e;
	}
	return 0;
}

int dw_config_load(const char *path, unsigned flags, struct dw_config **out, struct dw_diags *diags)
{
	struct parse_state st;
	struct dw_config *cfg = NULL;
	char *dir = NULL;
	size_t errors_before = diags->errors;
	int r = -ENOMEM;

	*out = NULL;
	memset(&st, 0, sizeof(st));
	st.ctx.path = path;
	st.ctx.flags = flags;
	st.ctx.diags = diags;
	st.kind = SECTION_NONE;
	if ((r = open_config(path, &st.f, diags)) < 0)
		goto out;
	r = -ENOMEM;
	cfg = calloc(1, sizeof(*cfg));
	st.cfg = cfg;
	if (!cfg || !(cfg->path = strdup(path)) || !(dir = dir_of(path)))
		goto out;
	st.ctx.dir = dir;
	dw_config__keys_agent_defaults(&cfg->agent);
	r = parse_file(&st);
	if (r < 0)
		goto out;
	if (!st.agent_line) {
		/* no [agent] section: the defaults must still hold up */
		st.ctx.line = 0;
		dw_config__keys_check_section(&st.ctx, KEY_SCOPE_AGENT, &cfg->agent, st.seen, 0);
	}
	r = use_credentials_key(&cfg->agent);
	if (r == 0 && diags->errors > errors_before)
		r = -EINVAL;
	if (r == 0) {
		*out = cfg;
		cfg = NULL;
	}
out:
	if (st.f)
		fclose(st.f);
	free(dir);
	dw_config_free(cfg);
	return r;
}

void dw_config_free(struct dw_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	dw_config__keys_agent_release(&cfg->agent);
	for (i = 0; i < cfg->ntenants; i++)
		dw_config__keys_tenant_release(&cfg->tenants[i]);
	free(cfg->tenants);
	for (i = 0; i < cfg->nnotify; i++)
		dw_config__keys_notify_release(&cfg->notify[i]);
	free(cfg->notify);
	free(cfg->path);
	free(cfg);
}

const struct dw_tenant_config *dw_config_tenant(const struct dw_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ntenants; i++)
		if (strcmp(cfg->tenants[i].name, name) == 0)
			return &cfg->tenants[i];
	return NULL;
}

const char *dw_config_key_file(const struct dw_config *cfg)
{
	return cfg->agent.key_file;
}
