/*
 * Who may write the state repository. Anyone who can write its refs can
 * move the approved ref or a tenant's history, so check reports a repository
 * that group or others can write (the agent itself creates it private).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/internal.h"

/* How deep refs/ is walked: far deeper than refs/heads/tenants/<name> needs. */
#define PERM_DEPTH_MAX 8

static int open_to_others(const char *path, const struct stat *st, struct dw_error *err)
{
	return dw_error_set(err, -EPERM, DW_AREA_SYSTEM, EPERM,
	                    "%s: %s can write it (mode %04o); run chmod -R go-w on the "
	                    "state repository",
	                    path, (st->st_mode & S_IWOTH) ? "any local user" : "its group",
	                    (unsigned)(st->st_mode & 07777));
}

/* @path and, for a directory, everything under it down to @depth levels. */
static int check_tree(const char *path, int depth, struct dw_error *err)
{
	char child[PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int r = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
		                       : dw_error_set(err, -errno, DW_AREA_SYSTEM, errno, "%s: %s",
		                                      path, strerror(errno));
	if (!S_ISLNK(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)))
		return open_to_others(path, &st, err);
	if (!S_ISDIR(st.st_mode) || depth == 0 || !(dir = opendir(path)))
		return 0;
	while (r == 0 && (d = readdir(dir))) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, d->d_name) <
		    sizeof(child))
			r = check_tree(child, depth - 1, err);
	}
	closedir(dir);
	return r;
}

int dw_store_check_private(const char *path, struct dw_error *err)
{
	static const char *const items[] = { "config", "HEAD", "packed-refs", "objects" };
	char item[PATH_MAX];
	size_t i;
	int r;

	/* the repository itself, then what moves a branch: its refs and config */
	r = check_tree(path, 0, err);
	if (r == 0 && (size_t)snprintf(item, sizeof(item), "%s/refs", path) < sizeof(item))
		r = check_tree(item, PERM_DEPTH_MAX, err);
	for (i = 0; r == 0 && i < DW_ARRAY_SIZE(items); i++)
		if ((size_t)snprintf(item, sizeof(item), "%s/%s", path, items[i]) < sizeof(item))
			r = check_tree(item, 0, err);
	return r;
}
