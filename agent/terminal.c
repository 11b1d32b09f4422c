/*
 * The terminal: secrets and passphrases typed with echo off, and passphrase
 * files. Used by encrypt, decrypt and secret set.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/buf.h"
#include "driftward/error.h"
#include "driftward/secret.h"

#define PASSPHRASE_MAX 4096

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

/*
 * Turns echo off on the terminal @fd (line by line input), keeping the old
 * settings in @saved. Before any prompt, and without flushing: an answer typed
 * (or sent) right after the prompt appears must not be thrown away.
 */
int echo_off(int fd, struct termios *saved)
{
	struct termios quiet;

	if (tcgetattr(fd, saved) < 0)
		return -ENOTTY;
	quiet = *saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	return tcsetattr(fd, TCSANOW, &quiet) < 0 ? -errno : 0;
}

void echo_restore(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSANOW, saved);
}

/* Prompts on the terminal (not stdin, which may carry the data) with echo off. */
static int tty_prompt(const char *prompt, struct dw_secret **out)
{
	struct termios old;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY), r;

	if (fd < 0)
		return -ENOTTY;
	r = echo_off(fd, &old);
	if (r == -ENOTTY) {
		close(fd);
		return r;
	}
	if (r < 0 || write(fd, prompt, strlen(prompt)) < 0) {
		echo_restore(fd, &old);
		close(fd);
		return -EIO;
	}
	r = read_line_secret(fd, out);
	echo_restore(fd, &old);
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
