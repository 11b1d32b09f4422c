/*
 * driftward encrypt: age-compatible encryption to recipients (-r, -R) or a
 * passphrase (-p, --passphrase-file), binary or armored (-a).
 *
 * Also home to the helpers the age commands share: reading a passphrase from
 * the terminal without echo, and printing an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/age.h"
#include "driftward/buf.h"
#include "driftward/error.h"
#include "driftward/secret.h"

#define PASSPHRASE_MAX 4096

int print_error(const struct dw_error *err)
{
	char msg[DW_ERROR_MSG_MAX + DW_ERROR_FILE_MAX + 32];

	fprintf(stderr, "driftward: %s\n", dw_error_format(err, msg, sizeof(msg)));
	return EXIT_ERROR;
}

/* Reads one line from @fd into a secret, without its line end. */
static int read_line_secret(int fd, struct dw_secret **out)
{
	struct dw_buf b;
	char c;
	ssize_t n;
	char *data;
	size_t len = 0;
	int r = 0;

	dw_buf_init_secret(&b, PASSPHRASE_MAX);
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0 || c == '\n')
			break;
		if ((r = dw_buf_putc(&b, c)) < 0)
			break;
	}
	if (r == 0 && b.len > 0 && b.ptr[b.len - 1] == '\r')
		dw_buf_truncate(&b, b.len - 1);
	if (r == 0) {
		data = dw_buf_detach(&b, &len);
		r = data ? dw_secret_adopt(out, data, len) : dw_secret_new(out, "", 0);
	}
	c = 0;
	dw_buf_release(&b);
	return r;
}

/* Prompts on the terminal (not stdin, which may carry the data) with echo off. */
static int tty_prompt(const char *prompt, struct dw_secret **out)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY), r;

	if (fd < 0)
		return -ENOTTY;
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return -ENOTTY;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	/* echo off before the prompt, and without flushing: an answer typed (or sent)
	 * right after the prompt appears must not be thrown away */
	if (tcsetattr(fd, TCSANOW, &quiet) < 0 || write(fd, prompt, strlen(prompt)) < 0) {
		tcsetattr(fd, TCSANOW, &old);
		close(fd);
		return -EIO;
	}
	r = read_line_secret(fd, out);
	tcsetattr(fd, TCSANOW, &old);
	if (write(fd, "\n", 1) < 0)
		r = r < 0 ? r : -EIO;
	close(fd);
	return r;
}

int read_passphrase(const char *prompt, int confirm, struct dw_secret **out)
{
	struct dw_secret *first = NULL, *again = NULL;
	int r = tty_prompt(prompt, &first);

	if (r == 0 && dw_secret_len(first) == 0)
		r = -ENODATA;
	if (r == 0 && confirm) {
		r = tty_prompt("Confirm passphrase: ", &again);
		if (r == 0 && (dw_secret_len(first) != dw_secret_len(again) ||
		               memcmp(dw_secret_data(first), dw_secret_data(again),
		                      dw_secret_len(first)) != 0))
			r = -EINVAL;
	}
	dw_secret_free(again);
	if (r < 0) {
		dw_secret_free(first);
		return r;
	}
	*out = first;
	return 0;
}

int read_passphrase_file(const char *path, struct dw_secret **out, struct dw_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r;

	if (fd < 0)
		return dw_error_at(err, -errno, DW_AREA_SYSTEM, path, 0, 0, "could not open: %s",
		                   strerror(errno));
	r = read_line_secret(fd, out);
	close(fd);
	if (r == 0 && dw_secret_len(*out) == 0) {
		dw_secret_free(*out);
		*out = NULL;
		r = -ENODATA;
	}
	if (r < 0)
		return dw_error_at(err, r, DW_AREA_USAGE, path, 0, 0,
		                   r == -ENODATA ? "no passphrase in the file"
		                                 : "could not read the passphrase");
	return 0;
}

const char *passphrase_error(int r)
{
	switch (r) {
	case -ENOTTY:
		return "no terminal to read a passphrase from; use --passphrase-file";
	case -ENODATA:
		return "the passphrase is empty";
	case -EINVAL:
		return "the passphrases do not match";
	default:
		return "could not read the passphrase";
	}
}

int open_input(const char *path, int *fd)
{
	if (!path || strcmp(path, "-") == 0) {
		*fd = STDIN_FILENO;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0) {
		fprintf(stderr, "driftward: could not open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

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
		fprintf(stderr,
		        "driftward: refusing to write binary to a terminal; use -a or -o\n");
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
