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
#include "metrics/internal.h"

/* The text held before it goes to the file: a piece, never the whole */
#define SPILL_AT      (256u * 1024u)
#define PIECE_MAX     (16u * 1024u * 1024u) /* a piece is a tenant's samples of one family */
#define LINE_MAX_LEN  4096u                 /* longer lines of the previous file are not ours */
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

struct spill {
	struct dw_atomic_file *file;
	struct dw_error *err;
};

/* The text so far to the file once there is enough of it to be worth a write. */
static int spill(struct dw_buf *text, void *arg)
{
	struct spill *sp = arg;
	int r;

	if (text->len < SPILL_AT)
		return 0;
	r = dw_atomic_file_write(sp->file, text->ptr, text->len, sp->err);
	dw_buf_reset(text);
	return r;
}

int dw_metrics_write(const char *dir, const char *name, const struct dw_metrics_run *run,
                     struct dw_error *err)
{
	struct dw_atomic_file file = DW_ATOMIC_FILE_INIT;
	struct dw_error scratch;
	struct spill sp = { &file, err ? err : &scratch };
	struct dw_buf text;
	char path[PATH_MAX];
	int r;

	if (check_name(name) < 0)
		return dw_error_set(err, -EINVAL, DW_AREA_SYSTEM, EINVAL,
		                    "'%s' is not a metrics file name", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.prom", dir, name) >= sizeof(path))
		return dw_error_set(err, -ENAMETOOLONG, DW_AREA_SYSTEM, ENAMETOOLONG,
		                    "metrics_dir '%s': path too long", dir);
	dw_buf_init(&text, PIECE_MAX);
	/* its temporary name ends in ".tmp-XXXXXX", which node_exporter never reads */
	r = dw_atomic_file_begin(&file, path, METRICS_MODE, 0, sp.err);
	if (r == 0 && (r = dw_metrics__format(run, &text, spill, &sp)) < 0 &&
	    !dw_error_isset(sp.err))
		dw_error_set(sp.err, r, DW_AREA_SYSTEM, -r, "could not format the metrics: %s",
		             strerror(-r));
	if (r == 0 && text.len)
		r = dw_atomic_file_write(&file, text.ptr, text.len, sp.err);
	if (r == 0)
		r = dw_atomic_file_commit(&file, sp.err);
	if (r < 0)
		dw_error_prefix(sp.err, "could not write the metrics: ");
	dw_atomic_file_abort(&file);
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

/* Does any of @tenants need a time from the previous file? */
static bool carries(const struct dw_metrics_tenant *tenants, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tenants[i].result == DW_METRICS_ERROR ||
		    tenants[i].result == DW_METRICS_SKIPPED)
			return true;
	return false;
}

int dw_metrics_carry_over(const char *dir, const char *name, struct dw_metrics_tenant *tenants,
                          size_t n)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int r = 0;

	if (check_name(name) < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.prom", dir, name) >= sizeof(path))
		return -EINVAL;
	if (!carries(tenants, n))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	/* a line at a time: the file of a run over many tenants is large */
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len < LINE_MAX_LEN)
			carry_line(line, tenants, n);
	}
	if (ferror(f))
		r = -EIO;
	free(line);
	fclose(f);
	return r;
}
