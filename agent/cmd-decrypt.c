/*
 * driftward decrypt: age-compatible decryption with identity files (-i) or a
 * passphrase (--passphrase-file, or asked on the terminal when the file turns
 * out to be passphrase-encrypted). The armor is detected. To a file (-o) the
 * output appears only once everything decrypted; to stdout it stops at the
 * first chunk that fails to authenticate.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/age.h"
#include "driftward/error.h"
#include "driftward/keyfile.h"
#include "driftward/secret.h"

static int prompt_passphrase(void *ctx, struct dw_secret **out)
{
	(void)ctx;
	return read_passphrase("Enter passphrase: ", 0, out);
}

static int add_passphrase_file(struct dw_age_identities *ids, const char *path,
                               struct dw_error *err)
{
	struct dw_secret *pass = NULL;
	int r = read_passphrase_file(path, &pass, err);

	if (r == 0)
		r = dw_age_identities_add_passphrase(ids, dw_secret_data(pass),
		                                     dw_secret_len(pass));
	dw_secret_free(pass);
	return r;
}

static int parse_decrypt(struct dw_age_identities *ids, const char **out, int argc, char **argv,
                         struct dw_error *err)
{
	static const struct option options[] = {
		{ "identity", required_argument, NULL, 'i' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "decrypt", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r = 0;

	opterr = 0;
	while (r == 0 && (c = getopt_long(argc, argv, "+i:o:d", options, NULL)) != -1) {
		if (c == 'i')
			r = dw_keyfile_add(ids, optarg, err);
		else if (c == 'P')
			r = add_passphrase_file(ids, optarg, err);
		else if (c == 'o')
			*out = optarg;
		else if (c != 'd')
			return usage_error("decrypt", "unknown option or missing value '%s'",
			                   argv[optind - 1]),
			       -EINVAL;
	}
	if (r < 0)
		return print_error(err), r;
	if (argc - optind > 1)
		return usage_error("decrypt", "more than one input file"), -EINVAL;
	/* no identity given: the file may be passphrase-encrypted, ask then */
	if (dw_age_identities_count(ids) == 0)
		dw_age_identities_set_passphrase_fn(ids, prompt_passphrase, NULL);
	return 0;
}

static int run_decrypt(struct cli *cli, int argc, char **argv)
{
	struct dw_age_identities *ids = NULL;
	struct dw_error err = { 0 };
	const char *out = NULL;
	int in = -1, r, status = EXIT_ERROR;

	(void)cli;
	if (dw_age_identities_new(&ids) < 0)
		return EXIT_ERROR;
	if (parse_decrypt(ids, &out, argc, argv, &err) < 0)
		goto out;
	if (open_input(optind < argc ? argv[optind] : NULL, &in) < 0)
		goto out;
	r = out ? dw_age_decrypt_to_path(ids, in, out, 0600, &err)
	        : dw_age_decrypt_fd(ids, in, STDOUT_FILENO, &err);
	if (r < 0) {
		if (r == -ENOKEY && dw_age_identities_count(ids) == 0)
			dw_error_prefix(&err, "no identity given (-i): ");
		print_error(&err);
	} else {
		status = EXIT_DONE;
	}
out:
	if (in > STDIN_FILENO)
		close(in);
	dw_age_identities_free(ids);
	return status;
}

const struct command cmd_decrypt = {
	.name = "decrypt",
	.run = run_decrypt,
	.summary = "decrypt an age file",
	.usage = "usage: driftward decrypt [-i IDENTITY]... [--passphrase-file FILE] [-o OUT] "
	         "[IN]\n\n"
	         "Decrypts the age file IN (default stdin), binary or armored, to OUT (default\n"
	         "stdout). Identity files must not be readable by group or others. With -o,\n"
	         "OUT appears only when the whole file decrypted and authenticated.\n\n"
	         "  -i, --identity FILE         an identity file, as age-keygen writes "
	         "(repeatable)\n"
	         "  --passphrase-file FILE      the passphrase of a passphrase-encrypted file\n"
	         "  -o, --output OUT            write to OUT (mode 0600)\n"
	         "Without -i or --passphrase-file, a passphrase is asked on the terminal.\n",
};
