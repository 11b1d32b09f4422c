/*
 * Every failure gets one class, from the HTTP status, Graph's error code and,
 * for licences, its message: real Graph has no single "not licensed" code.
 * Entra premium features answer 403 Authentication_RequestFromNonPremiumTenant
 * OrB2CTenant ("Neither tenant is B2C or tenant doesn't have premium
 * license"); Intune answers 400 BadRequest "Request not applicable to target
 * tenant."; other services say "license" in the message. The code decides
 * first: a code that means "denied" is a missing permission whatever its
 * message mentions (a denial classed as unlicensed would leave files stale
 * with exit 0), and only a code that decides nothing lets the wording speak.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"

const char *dw_graph_outcome_name(enum dw_graph_outcome outcome)
{
	static const char *const names[] = {
		[DW_GRAPH_OK] = "ok",
		[DW_GRAPH_AUTH] = "auth",
		[DW_GRAPH_THROTTLED] = "throttled",
		[DW_GRAPH_TRANSIENT] = "transient",
		[DW_GRAPH_PERMISSION] = "permission",
		[DW_GRAPH_UNLICENSED] = "unlicensed",
		[DW_GRAPH_NOT_FOUND] = "not-found",
		[DW_GRAPH_BAD_RESPONSE] = "bad-response",
		[DW_GRAPH_REFUSED] = "refused",
		[DW_GRAPH_TLS] = "tls",
		[DW_GRAPH_LOCAL] = "local",
	};

	if ((unsigned)outcome >= DW_ARRAY_SIZE(names) || !names[outcome])
		return "unknown";
	return names[outcome];
}

static bool contains_nocase(const char *s, const char *word)
{
	return s && strcasestr(s, word) != NULL;
}

/* Codes that say "you may not", from Entra (directory) and Intune. */
static bool is_denial_code(const char *code)
{
	static const char *const codes[] = { "Authorization_RequestDenied", "Forbidden" };
	size_t i;

	for (i = 0; code && i < DW_ARRAY_SIZE(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

static bool is_licence_error(const char *code, const char *message)
{
	if (code && strcmp(code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant") == 0)
		return true;
	if (is_denial_code(code))
		return false;
	return contains_nocase(message, "not applicable to target tenant") ||
	       contains_nocase(message, "licen") || contains_nocase(code, "licen") ||
	       contains_nocase(message, "premium");
}

static enum dw_graph_outcome classify_transport(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_ISSUER_ERROR:
		return DW_GRAPH_TLS;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return DW_GRAPH_LOCAL;
	case CURLE_WRITE_ERROR:       /* our body limit */
	case CURLE_FILESIZE_EXCEEDED: /* the same, announced by Content-Length */
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_WEIRD_SERVER_REPLY:
		return DW_GRAPH_BAD_RESPONSE;
	default:
		/* resets, timeouts, refused connections, truncated bodies, broken streams */
		return DW_GRAPH_TRANSIENT;
	}
}

enum dw_graph_outcome dw_http__classify(long status, CURLcode rc, const char *code,
                                        const char *message)
{
	if (rc != CURLE_OK)
		return classify_transport(rc);
	if (status >= 200 && status < 300)
		return DW_GRAPH_OK;
	if (status == 401)
		return DW_GRAPH_AUTH;
	if (status == 403)
		return is_licence_error(code, message) ? DW_GRAPH_UNLICENSED : DW_GRAPH_PERMISSION;
	if (status == 400 && is_licence_error(code, message))
		return DW_GRAPH_UNLICENSED;
	if (status == 404 || status == 410)
		return DW_GRAPH_NOT_FOUND;
	if (status == 429)
		return DW_GRAPH_THROTTLED;
	if (status == 408 || (status >= 500 && status != 501 && status < 600))
		return DW_GRAPH_TRANSIENT;
	if (status >= 400 && status < 600)
		return DW_GRAPH_REFUSED; /* other 4xx, and 501 Not Implemented */
	return DW_GRAPH_BAD_RESPONSE;    /* 1xx/3xx (redirects are not followed) or nonsense */
}

bool dw_http__retryable(enum dw_graph_outcome outcome)
{
	return outcome == DW_GRAPH_THROTTLED || outcome == DW_GRAPH_TRANSIENT;
}

/*
 * Retry-After: delta-seconds, which Graph sends as an integer or with a
 * fraction ("2.128"), or an HTTP-date (RFC 9110). Returns seconds, or -1 for
 * an absent or malformed value.
 */
double dw_http__parse_retry_after(const char *value, time_t now)
{
	struct tm tm;
	const char *end;
	char *num_end;
	double secs;

	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		errno = 0;
		secs = strtod(value, &num_end);
		while (*num_end == ' ' || *num_end == '\t' || *num_end == '\r' || *num_end == '\n')
			num_end++;
		if (errno || *num_end || !isfinite(secs) || secs < 0)
			return -1;
		return secs;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -1;
	secs = difftime(timegm(&tm), now);
	return secs < 0 ? 0 : secs;
}

/*
 * Exponential backoff with full jitter: a uniform delay between 0 and
 * min(max, base * 2^attempt), so that many clients throttled together do
 * not come back together.
 */
unsigned dw_http__backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms, uint64_t random)
{
	uint64_t cap = base_ms;

	while (attempt-- > 0 && cap < max_ms)
		cap *= 2;
	if (cap > max_ms)
		cap = max_ms;
	return (unsigned)(random % (cap + 1));
}

const char *dw_http__curl_outcome_text(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return "timed out";
	case CURLE_PARTIAL_FILE:
		return "the body was cut short";
	case CURLE_GOT_NOTHING:
		return "the server closed the connection without answering";
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return "the connection was reset";
	case CURLE_COULDNT_CONNECT:
		return "could not connect";
	case CURLE_COULDNT_RESOLVE_HOST:
		return "could not resolve the host";
	case CURLE_PEER_FAILED_VERIFICATION:
		return "the server's certificate did not verify (TLS verification is always on; "
		       "add the issuing CA with ca_file)";
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		return "the answer is too large";
	default:
		return curl_easy_strerror(rc);
	}
}
