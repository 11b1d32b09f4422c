/*
 * driftward json canon [--compact] [FILE]: the canonical form of a JSON
 * document (DESIGN.md section 4), pretty as stored in snapshots or, with
 * --compact, the RFC 8785 bytes. Useful to diff exports, and to tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/log.h"
#include "driftward/buf.h"
#include "driftward/json.h"

static int to_stdout(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	return fwrite(data, 1, len, stdout) == len ? 0 : -EIO;
}

static int load(const char *path, struct dw_buf *in)
{
	struct dw_error err = { 0 };
	int fd = 0, r;

	if (path && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		dw_log_print(DW_LOG_ERROR, "driftward: could not open '%s': %s", path,
		             strerror(errno));
		return -1;
	}
	r = dw_buf_read_fd(in, fd, path ? path : "<stdin>", &err);
	if (path)
		close(fd);
	return r < 0 ? print_error(&err), -1 : 0;
}

static int canon(const char *path, unsigned flags)
{
	struct dw_error err = { 0 };
	struct dw_json_doc *doc = NULL;
	struct dw_buf in;
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];
	int status = EXIT_ERROR;

	dw_buf_init(&in, DW_JSON_MAX_INPUT);
	if (load(path, &in) < 0)
		goto out;
	if (dw_json_parse_buf(&in, path ? path : "<stdin>", &doc, &err) < 0 ||
	    dw_json_write_stream(dw_json_root(doc), flags, to_stdout, NULL, &err) < 0) {
		dw_log_print(DW_LOG_ERROR, "driftward: %s",
		             dw_error_format(&err, msg, sizeof(msg)));
		goto out;
	}
	if (fflush(stdout) != 0) {
		dw_log_print(DW_LOG_ERROR, "driftward: could not write the output: %s",
		             strerror(errno));
		goto out;
	}
	status = EXIT_DONE;
out:
	dw_json_doc_free(doc);
	dw_buf_release(&in);
	return status;
}

static int run_json(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = { { "compact", no_argument, NULL, 'c' },
		                                 { NULL, 0, NULL, 0 } };
	unsigned flags = DW_JSON_PRETTY;
	int c;

	(void)cli;
	if (argc < 2)
		return usage_error("json", "no subcommand given (canon)");
	if (strcmp(argv[1], "canon") != 0)
		return usage_error("json", "'%s' is not a json subcommand (canon)", argv[1]);
	argc--, argv++;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c != 'c')
			return usage_error("json", "unknown option '%s'", argv[optind - 1]);
		flags |= DW_JSON_COMPACT;
	}
	if (argc - optind > 1)
		return usage_error("json", "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		return canon(argv[optind], flags);
	return canon(NULL, flags);
}

const struct command cmd_json = {
	.name = "json",
	.run = run_json,
	.summary = "canonical JSON (RFC 8785) of a document",
	.usage = "usage: driftward json canon [--compact] [FILE]\n\n"
	         "Prints the canonical form of the JSON document in FILE (standard input\n"
	         "without FILE): pretty, as snapshots store it, or with --compact the exact\n"
	         "RFC 8785 bytes. Invalid JSON (bad UTF-8, lone surrogates, duplicate keys,\n"
	         "NaN, leading zeros, trailing data, deep nesting...) is an error at\n"
	         "FILE:line:col and exits 1.\n\n"
	         "Options:\n"
	         "  --compact            RFC 8785 bytes, no final newline\n",
};
