/*
 * A single POST for webhooks. Graph's engine (engine.c, xfer.c) pools
 * connections, throttles per tenant and parses Graph's answers; a webhook
 * needs none of that, and a connection of its own per request keeps
 * "sent at most once per attempt" true.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driftward/buf.h"
#include "driftward/http.h"

#define CA_BUNDLE_MAX (8u << 20)
#define HOST_MAX      256

/* The system bundle and @ca_file joined: CURLOPT_CAINFO alone would drop the system's CAs. */
static int join_bundle(CURL *e, const char *ca_file, struct dw_buf *out, struct dw_error *err)
{
	char *system = NULL;
	int r;

	if (curl_easy_getinfo(e, CURLINFO_CAINFO, &system) == CURLE_OK && system &&
	    dw_buf_read_file(out, system, NULL) == 0 && dw_buf_putc(out, '\n') < 0)
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	if ((r = dw_buf_read_file(out, ca_file, err)) < 0)
		dw_error_prefix(err, "ca_file: ");
	return r;
}

/* The URL's host, for messages: the path and query may be the webhook's secret. */
static void host_of(const char *url, char *out, size_t len)
{
	CURLU *u = curl_url();
	char *host = NULL;

	snprintf(out, len, "the webhook");
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		snprintf(out, len, "%s", host);
	curl_free(host);
	curl_url_cleanup(u);
}

static size_t discard(char *ptr, size_t size, size_t n, void *payload)
{
	(void)ptr;
	(void)payload;
	return size * n;
}

static CURLcode set_options(CURL *e, const struct dw_http_post *p, struct curl_slist *headers,
                            const struct dw_buf *ca)
{
	struct curl_blob blob = { ca->ptr, ca->len, CURL_BLOB_NOCOPY };
	CURLcode rc = CURLE_OK;

	rc = rc ?: curl_easy_setopt(e, CURLOPT_URL, p->url);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	rc = rc ?: curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca->len)
		rc = rc ?: curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, p->timeout_ms > 0 ? p->timeout_ms : 1L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->body);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->len);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_USERAGENT, "driftward");
	return rc;
}

int dw_http_post(const struct dw_http_post *p, long *status, struct dw_error *err)
{
	char type[128], host[HOST_MAX];
	struct curl_slist *headers = NULL, *h;
	struct dw_buf ca;
	CURL *e = curl_easy_init();
	CURLcode rc;
	int r = -ENOMEM;

	*status = 0;
	dw_buf_init(&ca, CA_BUNDLE_MAX);
	snprintf(type, sizeof(type), "Content-Type: %s",
	         p->content_type ? p->content_type : "application/json");
	if (!e || !(headers = curl_slist_append(NULL, type)) ||
	    !(h = curl_slist_append(headers, "Expect:"))) {
		dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
		goto out;
	}
	if (p->ca_file && (r = join_bundle(e, p->ca_file, &ca, err)) < 0)
		goto out;
	if ((rc = set_options(e, p, headers, &ca)) == CURLE_OK)
		rc = curl_easy_perform(e);
	if (rc != CURLE_OK) {
		host_of(p->url, host, sizeof(host));
		r = dw_error_set(err, rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO,
		                 DW_AREA_HTTP, rc, "POST to %s: %s", host, curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	r = 0;
out:
	dw_buf_release(&ca);
	curl_slist_free_all(headers);
	curl_easy_cleanup(e);
	return r;
}
