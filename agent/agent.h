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

/* The options every command takes. */
struct cli {
	const char *config_path;
	int config_given; /* --config was on the command line */
	int verbosity;    /* -1 quiet, 0 normal, 1+ verbose */
	enum dw_log_format log_format;
};

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage; /* the synopsis and options, shown by --help */
};

extern const struct command cmd_check;
extern const struct command cmd_json;

const struct command *command_find(const char *name);

/* Prints "driftward: <message>" and a hint to stderr; returns EXIT_ERROR. */
int usage_error(const char *cmd, const char *fmt, ...) DW_PRINTF(2, 3);

/* Prints the command's help to @out. */
void command_help(const struct command *cmd, FILE *out);

#endif
