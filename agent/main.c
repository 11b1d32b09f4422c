/*
 * driftward: GitOps for Microsoft 365 tenant configuration.
 *
 * The options every command shares (--config, --quiet, --verbose,
 * --log-format, --help) are taken from anywhere before a "--", so that
 * "driftward --config x check" and "driftward check --config x" both work; the
 * command sees only its own arguments.
 */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "agent.h"
#include "driftward/config.h"
#include "driftward/version.h"

/* One row a command, in the order of --help; kept one a line so additions merge cleanly. */
/* clang-format off */
static const struct command *const commands[] = {
	&cmd_apply,
	&cmd_check,
	&cmd_decrypt,
	&cmd_drift,
	&cmd_encrypt,
	&cmd_gc,
	&cmd_init,
	&cmd_json,
	&cmd_keygen,
	&cmd_notify,
	&cmd_run,
	&cmd_plan,
	&cmd_propose,
	&cmd_secret,
	&cmd_snapshot,
	&cmd_verify,
	&cmd_status,
};
/* clang-format on */

const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < DW_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dw_log_print(DW_LOG_ERROR, "driftward: %s", msg);
	if (cmd)
		dw_log_print(DW_LOG_ERROR, "try 'driftward help %s'", cmd);
	else
		dw_log_print(DW_LOG_ERROR, "try 'driftward --help'");
	return EXIT_ERROR;
}

static const char common_options[] =
        "Options of every command:\n"
        "  --config FILE        configuration file (default " DW_DEFAULT_CONFIG ")\n"
        "  -q, --quiet          only errors\n"
        "  -v, --verbose        more detail (twice: debug)\n"
        "  --log-format FORMAT  text or json (text under journald gets priority prefixes)\n"
        "  -h, --help           this help\n";

void command_help(const struct command *cmd, FILE *out)
{
	fprintf(out, "driftward %s: %s\n\n%s\n%s", cmd->name, cmd->summary, cmd->usage,
	        common_options);
}

static void main_help(FILE *out)
{
	size_t i;

	fputs("usage: driftward [options] COMMAND [ARGS]\n\n"
	      "GitOps for Microsoft 365 tenant configuration.\n\nCommands:\n",
	      out);
	for (i = 0; i < DW_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("  help       show the help of a command\n\n", out);
	fputs(common_options, out);
	fputs("  --version            print the version\n\n"
	      "Exit status: 0 done, no drift; 1 error; 2 drift found; 3 some collector could\n"
	      "not be read completely.\n",
	      out);
}

/* The value of "--opt VALUE" or "--opt=VALUE" at argv[*i]; NULL if it is another option. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, n) != 0)
		return NULL;
	if (arg[n] == '=')
		return arg + n + 1;
	if (arg[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

enum { WANT_RUN, WANT_HELP, WANT_VERSION };

/* Takes the shared options out of argv (compacting it); returns -1 on a usage error. */
static int take_common_options(struct cli *cli, int *argc, char **argv, int *want)
{
	int i, out = 1, missing = 0, dashdash = 0;
	const char *v;

	for (i = 1; i < *argc; i++) {
		char *arg = argv[i];

		if (dashdash || arg[0] != '-') {
			argv[out++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			argv[out++] = arg;
		} else if ((v = option_value(*argc, argv, &i, "--config", &missing))) {
			cli->config_path = v;
		} else if ((v = option_value(*argc, argv, &i, "--log-format", &missing))) {
			if (dw_log_format_parse(v, &cli->log_format) < 0)
				return usage_error(NULL, "--log-format: '%s' is not text or json",
				                   v),
				       -1;
		} else if (missing) {
			return usage_error(NULL, "option '%s' needs a value", arg), -1;
		} else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
			cli->verbosity = -1;
		} else if (!strcmp(arg, "--verbose")) {
			cli->verbosity++;
		} else if (arg[1] == 'v' && strspn(arg + 1, "v") == strlen(arg + 1)) {
			cli->verbosity += (int)strlen(arg + 1); /* -v, -vv, -vvv */
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			*want = WANT_HELP;
		} else if (!strcmp(arg, "--version")) {
			*want = WANT_VERSION;
		} else {
			argv[out++] = arg;
		}
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

static enum dw_log_level level_for(int verbosity)
{
	if (verbosity < 0)
		return DW_LOG_ERROR;
	if (verbosity == 0)
		return DW_LOG_NOTICE;
	return verbosity == 1 ? DW_LOG_INFO : DW_LOG_DEBUG;
}

static int run_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 3) {
		main_help(stdout);
		return EXIT_DONE;
	}
	cmd = command_find(argv[2]);
	if (!cmd)
		return usage_error(NULL, "'%s' is not a driftward command", argv[2]);
	command_help(cmd, stdout);
	return EXIT_DONE;
}

/*
 * Before anything is read or created: what the process creates (the state
 * repository, its refs, temporary files) is its user's alone whatever umask
 * it inherited, and neither a core dump nor another process of the same user
 * (ptrace, /proc/PID/mem) can lift the client secret or a token out of memory.
 */
static int harden_process(void)
{
	static const struct rlimit no_core = { 0, 0 };

	umask(DW_UMASK);
	if (setrlimit(RLIMIT_CORE, &no_core) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		dw_log_print(DW_LOG_ERROR, "driftward: could not make the process non-dumpable: %s",
		             strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = { .config_path = DW_DEFAULT_CONFIG, .log_format = DW_LOG_FORMAT_AUTO };
	const struct command *cmd;
	int want = WANT_RUN;

	if (harden_process() < 0)
		return EXIT_ERROR;
	/* numbers are read and written in the C locale whatever the environment says */
	setlocale(LC_ALL, "C");
	if (take_common_options(&cli, &argc, argv, &want) < 0)
		return EXIT_ERROR;
	dw_log_setup(level_for(cli.verbosity), cli.log_format, NULL);
	if (want == WANT_VERSION) {
		printf("driftward %s\n", dw_version());
		return EXIT_DONE;
	}
	if (argc < 2 || strcmp(argv[1], "help") == 0) {
		if (argc < 2 && want != WANT_HELP)
			return usage_error(NULL, "no command given");
		return run_help(argc, argv);
	}
	cmd = command_find(argv[1]);
	if (!cmd)
		return usage_error(NULL, "'%s' is not a driftward command", argv[1]);
	if (want == WANT_HELP) {
		command_help(cmd, stdout);
		return EXIT_DONE;
	}
	return cmd->run(&cli, argc - 1, argv + 1);
}
