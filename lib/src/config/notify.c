/*
 * [notify NAME] sections: defaults and the checks that need several keys.
 * The URL of a Teams or Slack webhook is its credential (whoever has it can
 * post), so it may live encrypted in secret_file instead of the INI; either
 * one, never both, so there is no doubt which is used.
 */
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "driftward/url.h"

#define NOTIFY_TIMEOUT_DEFAULT 30
#define WEBHOOK_URL_MAX        2048

static const char *const formats[] = { "json", "teams", "slack" };
static const char *const severities[] = { "critical", "high", "medium", "low", "info" };

void dw_config__keys_notify_defaults(struct dw_notify_config *n)
{
	memset(n, 0, sizeof(*n));
	n->format = strdup("json");
	n->min_severity = strdup("info");
	n->timeout = NOTIFY_TIMEOUT_DEFAULT;
}

static bool one_of(const char *s, const char *const *words, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

/*
 * Webhook URLs may carry a query (Teams workflow URLs hold their signature
 * there); the rest is the hardening check of every configured URL: https, a
 * real host, no user information. The query is left out of the check and of
 * every message: it may be the secret.
 */
static void check_url(struct cfg_ctx *ctx, const char *url)
{
	char base[WEBHOOK_URL_MAX + 1], why[128];
	size_t n = strcspn(url, "?#");

	if (strlen(url) > WEBHOOK_URL_MAX || url[n] == '#') {
		dw_config__report(ctx, "url: not a usable webhook URL: %s",
		                  url[n] == '#' ? "it has a fragment" : "too long");
		return;
	}
	memcpy(base, url, n);
	base[n] = '\0';
	if (dw_url_check_service(base, why, sizeof(why)) < 0)
		dw_config__report(ctx, "url: not a usable https:// URL: %s", why);
}

void dw_config__check_notify(struct cfg_ctx *ctx, const struct dw_notify_config *n)
{
	if (!n->url == !n->secret_file)
		dw_config__report(ctx, "[notify %s] needs url or secret_file (one of them)",
		                  n->name);
	if (n->url)
		check_url(ctx, n->url);
	if (!one_of(n->format, formats, DW_ARRAY_SIZE(formats)))
		dw_config__report(ctx, "format: '%s' is not json, teams or slack",
		                  n->format ? n->format : "");
	if (!one_of(n->min_severity, severities, DW_ARRAY_SIZE(severities)))
		dw_config__report(ctx,
		                  "min_severity: '%s' is not critical, high, medium, low or info",
		                  n->min_severity ? n->min_severity : "");
}
