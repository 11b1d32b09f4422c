/*
 * The CA bundle. CURLOPT_CAINFO names the only bundle curl trusts, so
 * pointing it at ca_file would drop the system's CAs. The extra CA is added
 * instead: the system bundle (curl's built-in default path) and ca_file are
 * joined in memory. Verification itself is never switched off.
 *
 * The joined bundle goes to curl as a file, a memfd seen through
 * /proc/self/fd, because curl caches the certificate store it builds from a
 * file (CURLOPT_CA_CACHE_TIMEOUT) but parses a blob again for every new
 * connection: with the 140 certificates of Debian's bundle that took 64% of
 * the client's CPU time in the benchmark. Without /proc the blob is used.
 * curl caches only a store made from a file alone, without a CA directory,
 * so CURLOPT_CAPATH (Debian's libcurl defaults to /etc/ssl/certs) is cleared
 * whenever a bundle file holds the same certificates.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftward/log.h"
#include "http/internal.h"

/* The bundle libcurl uses when told nothing (e.g. /etc/ssl/certs/ca-certificates.crt). */
static const char *default_bundle(CURL *easy)
{
	char *path = NULL;

	if (curl_easy_getinfo(easy, CURLINFO_CAINFO, &path) != CURLE_OK)
		return NULL;
	return path;
}

/* The bundle as a file only this process sees; -1 when that can't be had. */
static int bundle_file(struct dw_graph *g)
{
	const char *p = g->ca.ptr;
	size_t left = g->ca.len;
	int fd = memfd_create("driftward-ca", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	while (left > 0) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	snprintf(g->ca_path, sizeof(g->ca_path), "/proc/self/fd/%d", fd);
	if (access(g->ca_path, R_OK) < 0) {
		close(fd);
		g->ca_path[0] = '\0';
		return -1;
	}
	return fd;
}

int dw_http__load_ca(struct dw_graph *g, struct dw_error *err)
{
	CURL *easy;
	const char *system;
	size_t extra_at;
	int r;

	dw_buf_init(&g->ca, DW_HTTP_MAX_CA);
	easy = curl_easy_init();
	if (!easy)
		return dw_error_set(err, -ENOMEM, DW_AREA_HTTP, 0, "could not start libcurl");
	system = default_bundle(easy);
	if (!g->ca_file) {
		g->no_capath = system && access(system, R_OK) == 0;
		curl_easy_cleanup(easy);
		return 0;
	}
	r = 0;
	if (system && access(system, R_OK) == 0)
		r = dw_buf_read_file(&g->ca, system, err);
	else
		dw_log_notice("no system CA bundle found; trusting only %s", g->ca_file);
	curl_easy_cleanup(easy);
	if (r == 0 && g->ca.len && g->ca.ptr[g->ca.len - 1] != '\n')
		r = dw_buf_putc(&g->ca, '\n');
	extra_at = g->ca.len;
	if (r == 0)
		r = dw_buf_read_file(&g->ca, g->ca_file, err);
	if (r == 0 && !strstr(dw_buf_cstr(&g->ca) + extra_at, "-----BEGIN CERTIFICATE-----"))
		r = dw_error_at(err, -EINVAL, DW_AREA_TLS, g->ca_file, 0, 0,
		                "no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
	if (r == 0)
		g->ca_fd = bundle_file(g);
	g->no_capath = g->ca_fd >= 0 && system;
	return r;
}
