/*
 * The restore_path template and the order collectors are written in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/restore.h"

static int put_segment(struct dw_buf *out, const char *id)
{
	static const char keep[] = "-._~";
	const unsigned char *p;
	int r = 0;

	/* an id is one path segment: anything but unreserved characters is encoded */
	for (p = (const unsigned char *)id; r == 0 && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(keep, *p))
			r = dw_buf_putc(out, (char)*p);
		else
			r = dw_buf_put_pct(out, *p);
	}
	return r;
}

int dw_restore_expand(const char *tmpl, const char *path, const char *id, struct dw_buf *out,
                      struct dw_error *err)
{
	const char *p;
	int r = 0;

	if (!tmpl)
		tmpl = id ? "{path}/{id}" : "{path}";
	for (p = tmpl; r == 0 && *p; p++) {
		if (strncmp(p, "{path}", 6) == 0) {
			r = dw_buf_puts(out, path);
			p += 5;
		} else if (strncmp(p, "{id}", 4) == 0 && id) {
			r = put_segment(out, id);
			p += 3;
		} else if (*p == '{' || *p == '}') {
			return dw_error_set(err, -EINVAL, DW_AREA_CONFIG, 0,
			                    "restore path '%s': unknown placeholder at '%.16s'",
			                    tmpl, p);
		} else {
			r = dw_buf_putc(out, *p);
		}
	}
	return r;
}

/* True when every collector @c comes after is placed already or not being written. */
static bool ready(const struct dw_collector *c, const struct dw_collector **all, size_t n,
                  size_t placed)
{
	size_t i, j;

	for (i = 0; i < c->restore_after.count; i++)
		for (j = placed; j < n; j++)
			if (all[j] != c && strcmp(all[j]->name, c->restore_after.items[i]) == 0)
				return false;
	return true;
}

int dw_restore_order(const struct dw_collector **c, size_t n, struct dw_error *err)
{
	const struct dw_collector *tmp;
	size_t placed, i;

	/* selection sort by readiness: a few dozen collectors, each with a few "after" names */
	for (placed = 0; placed < n; placed++) {
		for (i = placed; i < n && !ready(c[i], c, n, placed); i++)
			;
		if (i == n)
			return dw_error_set(err, -ELOOP, DW_AREA_CONFIG, 0,
			                    "collector %s: its restore 'after' list makes a cycle",
			                    c[placed]->name);
		tmp = c[i];
		memmove(&c[placed + 1], &c[placed], (i - placed) * sizeof(*c));
		c[placed] = tmp;
	}
	return 0;
}
