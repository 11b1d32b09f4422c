/*
 * driftward keygen: writes a new age X25519 identity in age-keygen's format
 * and prints its recipient. With -o the file gets mode 0600 and an existing
 * file is never overwritten.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "driftward/log.h"
#include "driftward/age.h"
#include "driftward/buf.h"
#include "driftward/error.h"
#include "driftward/keyfile.h"

static int keygen_stdout(void)
{
	struct dw_secret *identity = NULL;
	char recipient[DW_AGE_RECIPIENT_MAX];
	struct dw_buf text;
	int r, status = EXIT_ERROR;

	dw_buf_init_secret(&text, DW_KEYFILE_MAX);
	r = dw_age_keygen(&identity, recipient);
	if (r == 0)
		r = dw_keyfile_format(&text, identity, recipient);
	if (r < 0) {
		dw_log_print(DW_LOG_ERROR, "driftward: could not generate a key: %s", strerror(-r));
	} else if (fwrite(text.ptr, 1, text.len, stdout) != text.len || fflush(stdout) != 0) {
		dw_log_print(DW_LOG_ERROR, "driftward: could not write the key");
	} else {
		dw_log_print(DW_LOG_NOTICE, "Public key: %s", recipient);
		status = EXIT_DONE;
	}
	dw_secret_free(identity);
	dw_buf_release(&text);
	return status;
}

static int run_keygen(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = { { "output", required_argument, NULL, 'o' },
		                                 { NULL, 0, NULL, 0 } };
	char recipient[DW_AGE_RECIPIENT_MAX];
	struct dw_error err = { 0 };
	const char *out = NULL;
	int c;

	(void)cli;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:", options, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else
			return usage_error("keygen", "unknown option or missing value '%s'",
			                   argv[optind - 1]);
	}
	if (optind < argc)
		return usage_error("keygen", "unexpected argument '%s'", argv[optind]);
	if (!out)
		return keygen_stdout();
	if (dw_keyfile_create(out, recipient, &err) < 0)
		return print_error(&err);
	printf("%s\n", recipient);
	return EXIT_DONE;
}

const struct command cmd_keygen = {
	.name = "keygen",
	.run = run_keygen,
	.summary = "write an age X25519 identity, print its recipient",
	.usage = "usage: driftward keygen [-o FILE]\n\n"
	         "Writes a new identity in age-keygen's format. With -o FILE, writes it to FILE\n"
	         "(mode 0600, never overwriting) and prints the recipient (age1...) on stdout;\n"
	         "without, writes the identity to stdout and the recipient to stderr.\n\n"
	         "  -o, --output FILE    where to write the identity\n",
};
