/*
 * One HTTP attempt: an easy handle with the options every request shares.
 * TLS verification is set here, on every handle, and nowhere switched off.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "driftward/log.h"
#include "driftward/redact.h"
#include "http/internal.h"

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct dw_xfer *x = arg;

	/* returning less than given makes curl fail with CURLE_WRITE_ERROR */
	if (dw_buf_put(&x->response, data, size * n) < 0)
		return 0;
	return size * n;
}

/* Copies a header's value, trimmed, into @out. */
static void header_value(const char *data, size_t len, size_t skip, char *out, size_t outlen)
{
	size_t i = skip, n;

	while (i < len && (data[i] == ' ' || data[i] == '\t'))
		i++;
	while (len > i && (data[len - 1] == '\r' || data[len - 1] == '\n' || data[len - 1] == ' '))
		len--;
	n = len - i < outlen - 1 ? len - i : outlen - 1;
	memcpy(out, data + i, n);
	out[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	static const char retry_after[] = "retry-after:", request_id[] = "request-id:";
	struct dw_xfer *x = arg;
	size_t len = size * n;
	char value[64];

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* a new response (after a 100 Continue, say): forget the previous one's */
		x->retry_after = -1;
		x->request_id[0] = '\0';
	} else if (len > sizeof(retry_after) - 1 &&
	           strncasecmp(data, retry_after, sizeof(retry_after) - 1) == 0) {
		header_value(data, len, sizeof(retry_after) - 1, value, sizeof(value));
		x->retry_after = dw_http__parse_retry_after(value, time(NULL));
	} else if (len > sizeof(request_id) - 1 &&
	           strncasecmp(data, request_id, sizeof(request_id) - 1) == 0) {
		header_value(data, len, sizeof(request_id) - 1, x->request_id,
		             sizeof(x->request_id));
	}
	return len;
}

/*
 * libcurl's verbose output, line by line, into the logger. Bodies are not
 * logged (token answers and requests carry credentials); outgoing
 * Authorization headers are blanked here, and the logger redacts every line
 * again, so a header that slips past one still meets the other.
 */
static void debug_lines(const char *prefix, const char *data, size_t size, bool outgoing)
{
	while (size > 0) {
		const char *eol = memchr(data, '\n', size);
		size_t n = eol ? (size_t)(eol - data) : size;
		size_t shown = n > 0 && data[n - 1] == '\r' ? n - 1 : n;

		if (outgoing && shown >= 14 && strncasecmp(data, "authorization:", 14) == 0)
			dw_log_debug("http: %s Authorization: " DW_REDACTED, prefix);
		else if (shown > 0)
			dw_log_debug("http: %s %.*s", prefix, (int)shown, data);
		if (!eol)
			break;
		size -= n + 1;
		data += n + 1;
	}
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
	(void)easy;
	(void)arg;
	switch (type) {
	case CURLINFO_TEXT:
		debug_lines("*", data, size, false);
		break;
	case CURLINFO_HEADER_IN:
		debug_lines("<", data, size, false);
		break;
	case CURLINFO_HEADER_OUT:
		debug_lines(">", data, size, true);
		break;
	default:
		break; /* bodies and TLS records stay out of the log */
	}
	return 0;
}

/*
 * Called each time the request is about to go out on a connection. On a
 * reused connection that turns out dead before any answer (or an HTTP/2
 * stream the server refused), libcurl sends the request again by itself, on
 * another connection, up to five times and outside our retry count: every
 * call after the first is such a re-send. It is counted as one of the
 * request's retries, and refused when they are used up or when the request
 * is a write (or the token request), which may have reached the server the
 * first time.
 */
static int on_prereq(void *arg, char *remote_ip, char *local_ip, int remote_port, int local_port)
{
	struct dw_xfer *x = arg;

	(void)remote_ip;
	(void)local_ip;
	(void)remote_port;
	(void)local_port;
	if (x->sends++ == 0)
		return CURL_PREREQFUNC_OK;
	if (!x->st || !dw_http__op_count_resend(x->st)) {
		x->resend_refused = true;
		return CURL_PREREQFUNC_ABORT;
	}
	x->g->stats.requests++;
	return CURL_PREREQFUNC_OK;
}

static CURLcode set_common(struct dw_xfer *x, const char *url)
{
	const struct dw_graph *g = x->g;
	long timeout = (long)g->opt.request_timeout * 1000L;
	long connect = timeout < 30000 ? timeout : 30000;
	CURL *e = x->easy;
	CURLcode rc = CURLE_OK;

	rc = rc ?: curl_easy_setopt(e, CURLOPT_URL, url);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	rc = rc ?: curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (g->no_capath)
		rc = rc ?: curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	if (g->ca_path[0]) {
		rc = rc ?: curl_easy_setopt(e, CURLOPT_CAINFO, g->ca_path);
	} else if (g->ca.len) {
		struct curl_blob blob = { g->ca.ptr, g->ca.len, CURL_BLOB_NOCOPY };

		rc = rc ?: curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	rc = rc ?: curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	rc = rc ?: curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)DW_HTTP_MAX_BODY);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_USERAGENT, "driftward/" DW_VERSION);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_SHARE, g->share);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
	rc = rc ?: curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
	if (dw_log_enabled(DW_LOG_DEBUG)) {
		rc = rc ?: curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
		rc = rc ?: curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	}
	return rc;
}

int dw_http__xfer_new(struct dw_graph *g, struct dw_graph_tenant *t, const char *url,
                      struct dw_xfer **out)
{
	struct dw_xfer *x = calloc(1, sizeof(*x));
	int r = -ENOMEM;

	*out = NULL;
	if (!x)
		return r;
	x->g = g;
	x->t = t;
	x->retry_after = -1;
	dw_buf_init_secret(&x->request, 64 * 1024);
	/*
	 * Answers carry access tokens and the secret fields of some collectors:
	 * a secret buffer, and the JSON document parsed from it, wipe them when
	 * freed, instead of leaving them in the heap.
	 */
	dw_buf_init_secret(&x->response, DW_HTTP_MAX_BODY);
	x->easy = curl_easy_init();
	if (!x->easy)
		goto out;
	if (set_common(x, url) != CURLE_OK) {
		r = -EINVAL;
		goto out;
	}
	*out = x;
	x = NULL;
	r = 0;
out:
	dw_http__xfer_free(x);
	return r;
}

int dw_http__xfer_add_header(struct dw_xfer *x, const char *fmt, ...)
{
	struct curl_slist *l;
	struct dw_buf line;
	va_list ap;
	int r;

	dw_buf_init_secret(&line, 16 * 1024);
	va_start(ap, fmt);
	r = dw_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (r == 0) {
		l = curl_slist_append(x->headers, dw_buf_cstr(&line));
		if (l)
			x->headers = l;
		else
			r = -ENOMEM;
	}
	dw_buf_release(&line);
	return r;
}

int dw_http__xfer_start(struct dw_xfer *x)
{
	if (x->headers && curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK)
		return -EINVAL;
	if (curl_multi_add_handle(x->g->multi, x->easy) != CURLM_OK)
		return -EIO;
	dw_list_add_tail(&x->g->xfers, &x->link);
	x->g->inflight++;
	x->t->inflight++;
	return 0;
}

/*
 * A request that must reach the server at most once (a write, the token
 * request) goes on a connection of its own, never reused: libcurl's re-send
 * on a dead reused connection can't happen to it then.
 */
int dw_http__xfer_once(struct dw_xfer *x)
{
	CURLcode rc = curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT, 1L);

	rc = rc ?: curl_easy_setopt(x->easy, CURLOPT_FORBID_REUSE, 1L);
	return rc == CURLE_OK ? 0 : -EINVAL;
}

/* Lowers the largest answer this request may get to @max bytes (a collection's budget). */
int dw_http__xfer_cap(struct dw_xfer *x, size_t max)
{
	if (max >= x->response.max)
		return 0;
	x->response.max = max;
	return curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max) == CURLE_OK
	               ? 0
	               : -EINVAL;
}

/*
 * The transfer's result as the retry logic should see it: a re-send that
 * on_prereq refused is the dead connection it was meant to hide.
 */
CURLcode dw_http__xfer_result(struct dw_xfer *x, CURLcode rc)
{
	if (!x->resend_refused || rc != CURLE_ABORTED_BY_CALLBACK)
		return rc;
	snprintf(x->errbuf, sizeof(x->errbuf), "%s",
	         "the connection died before an answer came, and the request was not sent "
	         "again");
	return CURLE_GOT_NOTHING;
}

static void wipe_headers(struct curl_slist *l)
{
	for (; l; l = l->next)
		dw_wipe(l->data, strlen(l->data));
}

/* Frees an attempt; one that was started must have been taken off the multi handle. */
void dw_http__xfer_free(struct dw_xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	wipe_headers(x->headers);
	curl_slist_free_all(x->headers);
	dw_buf_release(&x->request);
	dw_buf_release(&x->response);
	free(x);
}
