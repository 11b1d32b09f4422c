/*
 * One HTTPS POST outside Graph (a notification webhook), through libcurl,
 * which only lib/src/http uses. The URL may carry a token (Slack and Teams
 * webhooks do): it never appears in an error message, only its host.
 */
#ifndef DRIFTWARD_HTTP_H
#define DRIFTWARD_HTTP_H

#include <stddef.h>

#include "driftward/error.h"

struct dw_http_post {
	const char *url;          /* https only; redirects are not followed */
	const char *content_type; /* NULL: application/json */
	const void *body;
	size_t len;
	long timeout_ms;     /* the whole request, connection included */
	const char *ca_file; /* CAs trusted beside the system's; NULL: the system's only */
};

/*
 * Sends @p once, on a connection of its own (never reused, so never re-sent
 * by libcurl behind the caller's back). *status is the HTTP status of the
 * answer, 0 when none came. Returns 0 when an answer came (whatever its
 * status), -ETIMEDOUT when the time ran out, -EIO for any other failure to
 * get an answer (@err says why: "connect to HOST: ..."), -ENOMEM.
 */
int dw_http_post(const struct dw_http_post *p, long *status, struct dw_error *err);

#endif
