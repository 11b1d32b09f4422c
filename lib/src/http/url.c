/*
 * Service URLs checked with curl_url(), libcurl's own parser (NOTES.md): the
 * parts a service URL must not have are read back one by one, so nothing
 * depends on how a string looks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driftward/url.h"
#include "http/internal.h"

/* 1 when @u has the part @what (a user, a query, ...). */
static int has_part(CURLU *u, CURLUPart what)
{
	char *part = NULL;
	int has = curl_url_get(u, what, &part, 0) == CURLUE_OK && part && *part;

	curl_free(part);
	return has;
}

static int refuse(char *why, size_t whylen, const char *reason)
{
	snprintf(why, whylen, "%s", reason);
	return -EINVAL;
}

/* The parts beyond scheme, host, port and path, each a way to send a request elsewhere. */
static int check_parts(CURLU *u, char *why, size_t whylen)
{
	char *scheme = NULL;
	int r = 0;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !scheme ||
	    strcmp(scheme, "https") != 0)
		r = refuse(why, whylen, "not https:// (TLS is always used)");
	else if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD) ||
	         has_part(u, CURLUPART_OPTIONS))
		r = refuse(why, whylen,
		           "it has user information (user@host): the host is "
		           "what follows the '@'");
	else if (has_part(u, CURLUPART_QUERY))
		r = refuse(why, whylen, "it has a query ('?...')");
	else if (has_part(u, CURLUPART_FRAGMENT))
		r = refuse(why, whylen, "it has a fragment ('#...')");
	else if (!has_part(u, CURLUPART_HOST))
		r = refuse(why, whylen, "it has no host");
	curl_free(scheme);
	return r;
}

int dw_url_check_service(const char *url, char *why, size_t whylen)
{
	CURLU *u;
	CURLUcode rc;
	const char *p;
	int r;

	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return refuse(why, whylen, "it has a space or a control character");
	u = curl_url();
	if (!u) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	/* no guessing: a URL without a scheme, or with one libcurl lacks, is an error */
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		snprintf(why, whylen, "libcurl can't parse it (%s)", curl_url_strerror(rc));
		r = -EINVAL;
	} else {
		r = check_parts(u, why, whylen);
	}
	curl_url_cleanup(u);
	return r;
}
