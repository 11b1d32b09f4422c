/*
 * driftward secret: the tenants' encrypted credentials.
 *   set TENANT    reads a client secret or PEM private key on stdin (no echo on
 *                 a terminal) and writes the tenant's secret_file, encrypted to
 *                 the agent key's recipient and the extra recipients
 *   rekey         re-encrypts every secret (to a new key with --new-key), all
 *                 or nothing
 *   check         decrypts every secret and says which fail
 * A secret is never printed, logged, or put in an error message.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "driftward/age.h"
#include "driftward/buf.h"
#include "driftward/config.h"
#include "driftward/diag.h"
#include "driftward/error.h"
#include "driftward/keyfile.h"
#include "driftward/log.h"
#include "driftward/secret.h"

/* On a terminal: one line, or a PEM block up to its END line; echo off. */
static int read_terminal(struct dw_buf *b)
{
	struct termios old;
	char chunk[4096];
	ssize_t n;
	int r, pem = 0;

	r = echo_off(STDIN_FILENO, &old);
	if (r < 0)
		return r;
	fputs("Client secret, or a PEM private key (input is not shown): ", stderr);
	fflush(stderr);
	while (r == 0) {
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		r = dw_buf_put(b, chunk, (size_t)n);
		if (r == 0 && b->len >= 10 && strncmp(b->ptr, "-----BEGIN", 10) == 0)
			pem = 1;
		if (r == 0 && b->len && b->ptr[b->len - 1] == '\n' &&
		    (!pem || strstr(b->ptr, "-----END")))
			break;
	}
	dw_wipe(chunk, sizeof(chunk));
	echo_restore(STDIN_FILENO, &old);
	fputc('\n', stderr);
	return r;
}

static int read_secret(struct dw_buf *b)
{
	int r = isatty(STDIN_FILENO) ? read_terminal(b)
	                             : dw_buf_read_fd(b, STDIN_FILENO, NULL, NULL);

	if (r < 0)
		return r;
	/* a client secret's final line end is not part of it; a PEM block keeps its own */
	if (!(b->len >= 10 && strncmp(b->ptr, "-----BEGIN", 10) == 0)) {
		if (b->len && b->ptr[b->len - 1] == '\n')
			dw_buf_truncate(b, b->len - 1);
		if (b->len && b->ptr[b->len - 1] == '\r')
			dw_buf_truncate(b, b->len - 1);
	}
	return b->len ? 0 : -ENODATA;
}

static int secret_set(struct cli *cli, const char *name)
{
	const struct dw_tenant_config *t;
	struct dw_age_identities *key = NULL;
	struct dw_age_recipients *r = NULL;
	struct dw_config *cfg = NULL;
	struct dw_error err = { 0 };
	struct dw_buf secret;
	int rc, status = EXIT_ERROR;

	dw_buf_init_secret(&secret, DW_TENANT_SECRET_MAX);
	if (cli_load_config(cli, DW_CONFIG_SECRETS_MAY_BE_MISSING, &cfg) < 0)
		goto out;
	t = dw_config_tenant(cfg, name);
	if (!t) {
		fprintf(stderr, "driftward: no tenant '%s' in %s\n", name, cli->config_path);
		goto out;
	}
	rc = dw_keyfile_load(dw_config_key_file(cfg), &key, &err);
	if (rc == 0)
		rc = dw_tenant_recipients(cfg, t, key, &r, &err);
	if (rc < 0) {
		print_error(&err);
		goto out;
	}
	rc = read_secret(&secret);
	if (rc < 0) {
		fprintf(stderr, "driftward: %s\n",
		        rc == -ENODATA ? "no secret on stdin" : "could not read the secret");
		goto out;
	}
	if (dw_tenant_secret_store(t, r, secret.ptr, secret.len, &err) < 0) {
		print_error(&err);
		goto out;
	}
	dw_log_notice("tenant %s: secret written to %s, encrypted to %zu recipient%s", t->name,
	              t->secret_file, dw_age_recipients_count(r),
	              dw_age_recipients_count(r) == 1 ? "" : "s");
	status = EXIT_DONE;
out:
	dw_buf_release(&secret);
	dw_age_recipients_free(r);
	dw_age_identities_free(key);
	dw_config_free(cfg);
	return status;
}

static int secret_rekey(struct cli *cli, const char *new_key_path)
{
	struct dw_age_identities *key = NULL, *new_key = NULL;
	struct dw_config *cfg = NULL;
	struct dw_error err = { 0 };
	int rc, status = EXIT_ERROR;

	if (cli_load_config(cli, 0, &cfg) < 0)
		goto out;
	rc = dw_keyfile_load(dw_config_key_file(cfg), &key, &err);
	if (rc == 0 && new_key_path)
		rc = dw_keyfile_load(new_key_path, &new_key, &err);
	if (rc == 0)
		rc = dw_tenant_secrets_rekey(cfg, key, new_key, &err);
	if (rc < 0) {
		print_error(&err);
		fprintf(stderr, "driftward: no secret file was changed\n");
		goto out;
	}
	dw_log_notice("re-encrypted %zu tenant secret%s", cfg->ntenants,
	              cfg->ntenants == 1 ? "" : "s");
	if (new_key_path)
		dw_log_notice("the secrets now need %s: point key_file at it", new_key_path);
	status = EXIT_DONE;
out:
	dw_age_identities_free(new_key);
	dw_age_identities_free(key);
	dw_config_free(cfg);
	return status;
}

int check_secrets(const struct dw_config *cfg, int quiet)
{
	struct dw_age_identities *key = NULL;
	struct dw_secret *secret = NULL;
	struct dw_error err = { 0 };
	size_t i, failed = 0;

	if (dw_keyfile_load(dw_config_key_file(cfg), &key, &err) < 0) {
		print_error(&err);
		return -1;
	}
	if (!quiet)
		printf("%s: ok\n", dw_config_key_file(cfg));
	for (i = 0; i < cfg->ntenants; i++) {
		const struct dw_tenant_config *t = &cfg->tenants[i];

		dw_error_clear(&err);
		if (dw_tenant_secret_decrypt(t, key, &secret, &err) < 0) {
			dw_error_prefix(&err, "tenant %s: secret does not decrypt: ", t->name);
			print_error(&err);
			failed++;
		} else if (!quiet) {
			printf("tenant %s: secret decrypts (%s)\n", t->name, t->secret_file);
		}
		dw_secret_free(secret);
		secret = NULL;
	}
	dw_age_identities_free(key);
	return failed ? -1 : 0;
}

static int secret_check(struct cli *cli)
{
	struct dw_config *cfg = NULL;
	int status = EXIT_ERROR;

	if (cli_load_config(cli, 0, &cfg) == 0 && check_secrets(cfg, cli->verbosity < 0) == 0)
		status = EXIT_DONE;
	dw_config_free(cfg);
	return status;
}

static int run_secret(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = { { "new-key", required_argument, NULL, 'k' },
		                                 { NULL, 0, NULL, 0 } };
	const char *new_key = NULL, *sub;
	int c;

	if (argc < 2)
		return usage_error("secret", "which: set, rekey or check?");
	sub = argv[1];
	opterr = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c == 'k' && strcmp(sub, "rekey") == 0)
			new_key = optarg;
		else
			return usage_error("secret", "unknown option or missing value '%s'",
			                   argv[optind - 1]);
	}
	if (strcmp(sub, "set") == 0) {
		if (argc - optind != 1)
			return usage_error("secret", "secret set takes one tenant name");
		return secret_set(cli, argv[optind]);
	}
	if (optind < argc)
		return usage_error("secret", "unexpected argument '%s'", argv[optind]);
	if (strcmp(sub, "rekey") == 0)
		return secret_rekey(cli, new_key);
	if (strcmp(sub, "check") == 0)
		return secret_check(cli);
	return usage_error("secret", "'%s' is not set, rekey or check", sub);
}

const struct command cmd_secret = {
	.name = "secret",
	.run = run_secret,
	.summary = "store, re-encrypt and check the tenants' encrypted credentials",
	.usage = "usage: driftward secret set TENANT\n"
	         "       driftward secret rekey [--new-key FILE]\n"
	         "       driftward secret check\n\n"
	         "set    reads the tenant's client secret or PEM private key on stdin (not echoed\n"
	         "       on a terminal) and writes its secret_file in the age format, encrypted\n"
	         "       to the key file's recipient and to the configured extra_recipients\n"
	         "rekey  re-encrypts every tenant's secret to the current recipients, or to the\n"
	         "       key in FILE with --new-key (then point key_file at FILE); all or nothing\n"
	         "check  decrypts every tenant's secret and names those that fail\n",
};
