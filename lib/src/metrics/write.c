/*
 * The metrics file: replaced atomically, read back for the times a run
 * carries over (last success of a tenant that failed this time).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftward/file.h"
#include "driftward/metrics.h"

#define METRICS_MAX   (64u * 1024u * 1024u)
#define PREVIOUS_MAX  (64u * 1024u * 1024u)
#define METRICS_MODE  0644 /* node_exporter runs as another user; nothing here is secret */
#define NAME_CHARS    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@+_.-"
#define LAST_RUN_NAME "driftward_tenant_last_run_timestamp_seconds"
#define SUCCESS_NAME  "driftward_tenant_last_success_timestamp_seconds"

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || name[0] == '.' || strspn(name, NAME_CHARS) != n)
		return -EINVAL;
	return 0;
}

int dw_metrics_write(const char *dir, const char *name, const struct dw_metrics_run *run,
                     struct dw_error *err)
{
	struct dw_buf text;
	char path[PATH_MAX];
	int r;

	if (check_name(name) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_SYSTEM, EINVAL,
		                    "'%s' is not a metrics file name", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.prom", dir, name) >= sizeof(path))
		return dw_error_set(err, -ENAMETOOLONG, DW_AREA_SYSTEM, ENAMETOOLONG,
		                    "metrics_dir '%s': path too long", dir);
	dw_buf_init(&text, METRICS_MAX);
	r = dw_metrics_format(run, &text);
	if (r < 0) {
		dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not format the metrics: %s",
		             strerror(-r));
		goto out;
	}
	/* its temporary name ends in ".tmp-XXXXXX", which node_exporter never reads */
	r = dw_file_write_atomic(path, METRICS_MODE, 0, dw_buf_cstr(&text), text.len, err);
	if (r < 0)
		dw_error_prefix(err, "could not write the metrics: ");
out:
	dw_buf_release(&text);
	return r;
}

/*
 * A line "NAME{tenant="TENANT"} VALUE" of one of the two time metrics: which
 * one (1 last run, 2 last success, 0 neither), the tenant's name (@tenant,
 * @tlen: unescaped, as tenant names need no escapes) and the value.
 */
static int time_line(const char *line, const char **tenant, size_t *tlen, double *value)
{
	static const char *const names[] = { LAST_RUN_NAME, SUCCESS_NAME };
	static const char label[] = "{tenant=\"";
	const char *p, *q;
	char *end;
	int which;

	for (which = 0; which < 2; which++)
		if (!strncmp(line, names[which], strlen(names[which])))
			break;
	if (which == 2)
		return 0;
	p = line + strlen(names[which]);
	if (strncmp(p, label, strlen(label)) != 0)
		return 0;
	p += strlen(label);
	q = strchr(p, '"');
	if (!q || strncmp(q, "\"} ", 3) != 0)
		return 0;
	*value = strtod(q + 3, &end);
	if (end == q + 3 || *end != '\0' || !(*value > 0))
		return 0;
	*tenant = p;
	*tlen = (size_t)(q - p);
	return which + 1;
}

static struct dw_metrics_tenant *find_tenant(struct dw_metrics_tenant *tenants, size_t n,
                                             const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(tenants[i].name) == len && !memcmp(tenants[i].name, name, len))
			return &tenants[i];
	return NULL;
}

/* What the previous run knew and this one did not: see dw_metrics_carry_over. */
static void carry_line(const char *line, struct dw_metrics_tenant *tenants, size_t n)
{
	struct dw_metrics_tenant *t;
	const char *tenant;
	size_t tlen;
	double v;
	int which = time_line(line, &tenant, &tlen, &v);

	if (!which || !(t = find_tenant(tenants, n, tenant, tlen)))
		return;
	if (which == 1 && t->result == DW_METRICS_SKIPPED)
		t->last_run = v;
	else if (which == 2 && (t->result == DW_METRICS_SKIPPED || t->result == DW_METRICS_ERROR))
		t->last_success = v;
}

int dw_metrics_carry_over(const char *dir, const char *name, struct dw_metrics_tenant *tenants,
                          size_t n)
{
	struct dw_buf text;
	char path[PATH_MAX], *line, *next;
	int r;

	if (check_name(name) < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.prom", dir, name) >= sizeof(path))
		return -EINVAL;
	dw_buf_init(&text, PREVIOUS_MAX);
	r = dw_buf_read_file(&text, path, NULL);
	for (line = text.ptr; r == 0 && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		carry_line(line, tenants, n);
	}
	dw_buf_release(&text);
	return r == -ENOENT ? 0 : r;
}
