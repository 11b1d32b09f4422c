/*
 * URLs from the configuration (graph_url, login_url, later notification
 * URLs), parsed by libcurl's URL parser: the one that later connects, so what
 * is checked is what is used. Pattern checks let
 * "https://login.microsoftonline.com@127.0.0.1" through, which sends the
 * client secret to 127.0.0.1.
 */
#ifndef DRIFTWARD_URL_H
#define DRIFTWARD_URL_H

#include <stddef.h>

/*
 * Checks that @url is an https URL with a well-formed host (a name, an IPv4
 * address or a bracketed IPv6 one), an optional port and path, and no user
 * information, query or fragment. Returns 0, or -EINVAL with why not in
 * @why (a short phrase that never repeats the URL, which may hold a password).
 */
int dw_url_check_service(const char *url, char *why, size_t whylen);

#endif
