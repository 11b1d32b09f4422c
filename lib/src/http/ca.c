/*
 * The CA bundle. CURLOPT_CAINFO names the only bundle curl trusts, so
 * pointing it at ca_file would drop the system's CAs. The extra CA is added
 * instead: the system bundle (curl's built-in default path) and ca_file are
 * joined in memory and handed over with CURLOPT_CAINFO_BLOB. Verification
 * itself is never switched off.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftward/log.h"
#include "http/internal.h"

static int read_file(const char *path, struct dw_buf *out, struct dw_error *err)
{
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int r = 0;

	if (fd < 0)
		return dw_error_at(err, -errno, DW_AREA_TLS, path, 0, 0, "could not open: %s",
		                   strerror(errno));
	while (r == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = dw_error_at(err, -errno, DW_AREA_TLS, path, 0, 0, "could not read: %s",
			                strerror(errno));
		else if ((r = dw_buf_put(out, chunk, (size_t)n)) < 0)
			r = dw_error_at(err, r, DW_AREA_TLS, path, 0, 0,
			                "too large for a CA bundle");
	}
	close(fd);
	return r;
}

/* The bundle libcurl uses when told nothing (e.g. /etc/ssl/certs/ca-certificates.crt). */
static const char *default_bundle(CURL *easy)
{
	char *path = NULL;

	if (curl_easy_getinfo(easy, CURLINFO_CAINFO, &path) != CURLE_OK)
		return NULL;
	return path;
}

int dw_http_load_ca(struct dw_graph *g, struct dw_error *err)
{
	CURL *easy;
	const char *system;
	size_t extra_at;
	int r;

	dw_buf_init(&g->ca, DW_HTTP_MAX_CA);
	if (!g->ca_file)
		return 0;
	easy = curl_easy_init();
	if (!easy)
		return dw_error_set(err, -ENOMEM, DW_AREA_HTTP, 0, "could not start libcurl");
	system = default_bundle(easy);
	r = 0;
	if (system && access(system, R_OK) == 0)
		r = read_file(system, &g->ca, err);
	else
		dw_log_notice("no system CA bundle found; trusting only %s", g->ca_file);
	curl_easy_cleanup(easy);
	if (r == 0 && g->ca.len && g->ca.ptr[g->ca.len - 1] != '\n')
		r = dw_buf_putc(&g->ca, '\n');
	extra_at = g->ca.len;
	if (r == 0)
		r = read_file(g->ca_file, &g->ca, err);
	if (r == 0 && !strstr(dw_buf_cstr(&g->ca) + extra_at, "-----BEGIN CERTIFICATE-----"))
		r = dw_error_at(err, -EINVAL, DW_AREA_TLS, g->ca_file, 0, 0,
		                "no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
	return r;
}
