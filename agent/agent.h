/*
 * The command line: main.c reads the options every command shares, then hands
 * the rest to one command from the table. Each command lives in cmd-<name>.c.
 */
#ifndef DW_AGENT_H
#define DW_AGENT_H

#include <stdio.h>

#include "driftward/common.h"
#include "driftward/log.h"

/* Exit status, DESIGN.md section 8. */
enum {
	EXIT_DONE = 0,
	EXIT_ERROR = 1,
	EXIT_DRIFT = 2,
	EXIT_INCOMPLETE = 3,
};

/* Everything driftward creates is private to its user (docs/security.md). */
#define DW_UMASK 0077

/* The options every command takes. */
struct cli {
	const char *config_path;
	int verbosity; /* -1 quiet, 0 normal, 1+ verbose */
	enum dw_log_format log_format;
};

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage; /* the synopsis and options, shown by --help */
};

extern const struct command cmd_check;
extern const struct command cmd_decrypt;
extern const struct command cmd_drift;
extern const struct command cmd_encrypt;
extern const struct command cmd_gc;
extern const struct command cmd_init;
extern const struct command cmd_keygen;
extern const struct command cmd_secret;
extern const struct command cmd_json;
extern const struct command cmd_snapshot;
extern const struct command cmd_notify;
extern const struct command cmd_run;
extern const struct command cmd_verify;
extern const struct command cmd_plan;
extern const struct command cmd_propose;
extern const struct command cmd_apply;
extern const struct command cmd_status;

const struct command *command_find(const char *name);

/* Prints "driftward: <message>" and a hint to stderr; returns EXIT_ERROR. */
int usage_error(const char *cmd, const char *fmt, ...) DW_PRINTF(2, 3);

/* Prints the command's help to @out. */
void command_help(const struct command *cmd, FILE *out);

/* Shared by the age commands (cmd-encrypt.c, cmd-secret.c). */
struct dw_error;
struct dw_secret;
struct dw_config;
/* Prints "driftward: <error>" to stderr; returns EXIT_ERROR. */
int print_error(const struct dw_error *err);

struct dw_config;
struct dw_catalog;
struct dw_diags;
/* Prints each problem as "file:line:col: error: message" to stderr. */
void print_diags(const struct dw_diags *diags);
/* Reads the configuration (problems printed). Returns 0 or a negative code. */
int cli_load_config(const struct cli *cli, unsigned flags, struct dw_config **cfg);
/* Reads the configured collector catalogs (problems printed). */
int cli_load_catalog(const struct dw_config *cfg, struct dw_catalog **catalog);
struct termios;
/* Echo off on the terminal @fd (old settings kept in @saved), and back on. */
int echo_off(int fd, struct termios *saved);
void echo_restore(int fd, const struct termios *saved);
/* Asks for a passphrase on the terminal, echo off (twice with @confirm). */
int read_passphrase(const char *prompt, int confirm, struct dw_secret **out);
const char *passphrase_error(int r);
int read_passphrase_file(const char *path, struct dw_secret **out, struct dw_error *err);
/* Opens @path for reading, stdin for NULL or "-"; prints the error. */
int open_input(const char *path, int *fd);
/* "I/N" or "auto/N" of --shard (I from JOB_COMPLETION_INDEX): 0 or -EINVAL, printed for @cmd. */
int cli_parse_shard(const char *cmd, const char *arg, unsigned *index, unsigned *count);
/* The tenants a run takes, from snapshot's and run's options: -t, --shard, --no-push. */
#define CLI_TENANTS_MAX 256
struct cli_tenants {
	const char *tenants[CLI_TENANTS_MAX];
	size_t ntenants;
	unsigned shard_index, shard_count;
	int push;
};
/* Parses them for @cmd; 0, or EXIT_ERROR after printing what is wrong. */
int cli_parse_tenants(const char *cmd, int argc, char **argv, struct cli_tenants *a);
/* Verifies the key file and that every tenant's secret decrypts; prints each problem. */
int check_secrets(const struct dw_config *cfg, int quiet);

/* restore-session.c: plan's and apply's tenant session (Graph, repository, key). */
#include "driftward/session.h"
struct restore_session {
	struct dw_config *cfg;
	struct dw_catalog *catalog;
	struct dw_session_context ctx;
	struct dw_session *s;
};
/* Prints what went wrong and returns -1; close it either way. */
int restore_session_open(struct restore_session *rs, const struct cli *cli, const char *tenant);
void restore_session_close(struct restore_session *rs);

#endif
