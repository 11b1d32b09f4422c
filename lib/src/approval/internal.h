/*
 * The approval area's internals: git's allowed signers file (ssh-keygen(1),
 * ALLOWED SIGNERS) and OpenSSH's pattern lists. Only lib/src/approval and
 * its unit tests include this.
 */
#ifndef DW_APPROVAL_INTERNAL_H
#define DW_APPROVAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "driftward/error.h"

struct approval_signer {
	unsigned line;
	char *principals;     /* the pattern list as written (quotes taken off) */
	char *namespaces;     /* the pattern list of namespaces=, NULL: every namespace */
	int64_t valid_after;  /* seconds since the epoch; INT64_MIN: none */
	int64_t valid_before; /* INT64_MAX: none */
	char key_type[48];    /* "ssh-ed25519" */
	unsigned char *key;   /* the key in the SSH wire format (the base64 decoded) */
	size_t keylen;
};

struct dw_approval__signers {
	struct approval_signer *items;
	size_t n, alloc;
};

/*
 * Parses an allowed signers file of @len bytes; @path names it in errors,
 * which say "path:line: what". cert-authority lines are refused.
 */
int dw_approval__signers_parse(const char *text, size_t len, const char *path,
                               struct dw_approval__signers *out, struct dw_error *err);
/* Reads and parses the file at @path. */
int dw_approval__signers_load(const char *path, struct dw_approval__signers *out,
                              struct dw_error *err);
void dw_approval__signers_release(struct dw_approval__signers *s);

/* OpenSSH's match_pattern: '*' any run, '?' one character, case-sensitive. 1 or 0. */
int dw_approval__match(const char *s, const char *pattern);
/*
 * OpenSSH's match_pattern_list: @patterns is comma-separated, a pattern
 * starting with '!' negates. -1 when a negated pattern matches @s, 1 when a
 * plain one does (and no negated one), 0 otherwise.
 */
int dw_approval__match_list(const char *s, const char *patterns);

/* YYYYMMDD[HHMM[SS]][Z] (local time without Z, as ssh-keygen reads it) into *@out. */
int dw_approval__parse_time(const char *s, int64_t *out);

#endif
