/*
 * OpenSSH's pattern lists (match.c there): what allowed_signers principals and
 * namespaces= are matched with, so a line means here what it means to
 * ssh-keygen -Y verify.
 */
#include <stdlib.h>
#include <string.h>

#include "approval/internal.h"

/* Iterative with one backtrack point: '*' can't make it exponential. */
static int match_n(const char *s, const char *p, size_t plen)
{
	const char *star = NULL, *retry = NULL, *end = p + plen;

	while (*s) {
		if (p < end && (*p == '?' || *p == *s)) {
			s++;
			p++;
		} else if (p < end && *p == '*') {
			star = ++p;
			retry = s;
		} else if (star) {
			p = star;
			s = ++retry;
		} else {
			return 0;
		}
	}
	while (p < end && *p == '*')
		p++;
	return p == end;
}

int dw_approval__match(const char *s, const char *pattern)
{
	return match_n(s, pattern, strlen(pattern));
}

int dw_approval__match_list(const char *s, const char *patterns)
{
	const char *p = patterns;
	int found = 0;

	while (*p) {
		size_t len = strcspn(p, ",");
		int negated = *p == '!';

		if (match_n(s, p + negated, len - (size_t)negated)) {
			if (negated)
				return -1;
			found = 1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return found;
}
