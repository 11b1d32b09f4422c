/*
 * driftward encrypt: age-compatible encryption to recipients (-r, -R) or a
 * passphrase (-p, --passphrase-file), binary or armored (-a).
 *
 * Also home to the helpers the age commands share: reading a passphrase from
 * the terminal without echo, and printing an error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/log.h"
#include "driftward/age.h"
#include "driftward/buf.h"
#include "driftward/error.h"
#include "driftward/secret.h"

struct encrypt_opts {
	struct dw_age_recipients *r;
	const char *pass_file;
	const char *out;
	unsigned flags;
	int passphrase;
};

static int add_passphrase(struct encrypt_opts *o, struct dw_error *err)
{
	struct dw_secret *pass = NULL;
	int r;

	if (o->pass_file)
		r = read_passphrase_file(o->pass_file, &pass, err);
	else if ((r = read_passphrase("Enter passphrase: ", 1, &pass)) < 0)
		return dw_error_set(err, r, DW_AREA_USAGE, 0, "%s", passphrase_error(r));
	if (r == 0)
		r = dw_age_recipients_add_passphrase(o->r, dw_secret_data(pass),
		                                     dw_secret_len(pass),
		                                     DW_AGE_SCRYPT_DEFAULT_LOG2N, err);
	dw_secret_free(pass);
	return r;
}

static int parse_encrypt(struct encrypt_opts *o, int argc, char **argv, struct dw_error *err)
{
	static const struct option options[] = {
		{ "recipient", required_argument, NULL, 'r' },
		{ "recipients-file", required_argument, NULL, 'R' },
		{ "passphrase", no_argument, NULL, 'p' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "armor", no_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r = 0;

	opterr = 0;
	while (r == 0 && (c = getopt_long(argc, argv, "+r:R:pao:", options, NULL)) != -1) {
		if (c == 'r')
			r = dw_age_recipients_add(o->r, optarg, err);
		else if (c == 'R')
			r = dw_age_recipients_add_file(o->r, optarg, err);
		else if (c == 'p')
			o->passphrase = 1;
		else if (c == 'P')
			o->pass_file = optarg, o->passphrase = 1;
		else if (c == 'a')
			o->flags |= DW_AGE_ARMOR;
		else if (c == 'o')
			o->out = optarg;
		else
			return usage_error("encrypt", "unknown option or missing value '%s'",
			                   argv[optind - 1]),
			       -EINVAL;
	}
	if (r < 0)
		return print_error(err), r;
	if (o->passphrase && dw_age_recipients_count(o->r) > 0)
		return usage_error("encrypt", "-p can't be combined with -r or -R"), -EINVAL;
	if (!o->passphrase && dw_age_recipients_count(o->r) == 0)
		return usage_error("encrypt", "no recipient: give -r, -R or -p"), -EINVAL;
	if (argc - optind > 1)
		return usage_error("encrypt", "more than one input file"), -EINVAL;
	return 0;
}

static int run_encrypt(struct cli *cli, int argc, char **argv)
{
	struct encrypt_opts o = { 0 };
	struct dw_error err = { 0 };
	int in = -1, r, status = EXIT_ERROR;

	(void)cli;
	if (dw_age_recipients_new(&o.r) < 0)
		return EXIT_ERROR;
	if (parse_encrypt(&o, argc, argv, &err) < 0)
		goto out;
	if (!o.out && !(o.flags & DW_AGE_ARMOR) && isatty(STDOUT_FILENO)) {
		dw_log_print(DW_LOG_ERROR,
		             "driftward: refusing to write binary to a terminal; use -a or -o");
		goto out;
	}
	if (open_input(optind < argc ? argv[optind] : NULL, &in) < 0)
		goto out;
	if (o.passphrase && add_passphrase(&o, &err) < 0) {
		print_error(&err);
		goto out;
	}
	r = o.out ? dw_age_encrypt_to_path(o.r, o.flags, in, o.out, 0644, &err)
	          : dw_age_encrypt_fd(o.r, o.flags, in, STDOUT_FILENO, &err);
	if (r < 0)
		print_error(&err);
	else
		status = EXIT_DONE;
out:
	if (in > STDIN_FILENO)
		close(in);
	dw_age_recipients_free(o.r);
	return status;
}

const struct command cmd_encrypt = {
	.name = "encrypt",
	.run = run_encrypt,
	.summary = "encrypt a file in the age format",
	.usage = "usage: driftward encrypt [-r RECIPIENT]... [-R FILE]... [-p] [--passphrase-file "
	         "FILE]\n"
	         "                         [-a] [-o OUT] [IN]\n\n"
	         "Encrypts IN (default stdin) to OUT (default stdout) in the age v1 format;\n"
	         "`age -d` decrypts the result.\n\n"
	         "  -r, --recipient RECIPIENT   an age1... recipient (repeatable)\n"
	         "  -R, --recipients-file FILE  a file of recipients, one per line (repeatable)\n"
	         "  -p, --passphrase            encrypt with a passphrase read from the terminal\n"
	         "  --passphrase-file FILE      encrypt with the passphrase on FILE's first line\n"
	         "  -a, --armor                 write the ASCII armor\n"
	         "  -o, --output OUT            write to OUT, replaced only once complete\n",
};
