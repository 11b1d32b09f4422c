/*
 * Access tokens from the Microsoft identity platform (client-credentials
 * grant, v2.0 endpoint). The form is built in a wiping buffer and handed to
 * curl without a copy; the token lives in a struct dw_secret and goes into an
 * Authorization header only. A token is renewed a few minutes before it
 * expires (or halfway through its life, if that is sooner), and when Graph
 * refuses it mid-run (see op.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/log.h"
#include "http/internal.h"

static const char assertion_type[] =
        "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";

bool dw_http__token_valid(const struct dw_graph_tenant *t, int64_t now)
{
	return t->token && now < t->token_expires;
}

/* Forgets the token if it is still the one of generation @gen (a 401 said it is bad). */
void dw_http__token_drop(struct dw_graph_tenant *t, unsigned gen)
{
	if (!t->token || gen != t->token_gen)
		return;
	dw_secret_free(t->token);
	t->token = NULL;
}

/* application/x-www-form-urlencoded: everything but the unreserved characters as %XX. */
static int put_form_value(struct dw_buf *b, const char *s, size_t len)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			r = dw_buf_putc(b, (char)c);
		else
			r = dw_buf_put_pct(b, c);
	}
	return r;
}

static int build_form(struct dw_graph_tenant *t, struct dw_buf *form, struct dw_error *err)
{
	const char *scope = t->g->scope;
	int r;

	r = dw_buf_puts(form, "grant_type=client_credentials&client_id=");
	r = r ?: put_form_value(form, t->client_id, strlen(t->client_id));
	r = r ?: dw_buf_puts(form, "&scope=") ?: put_form_value(form, scope, strlen(scope));
	if (r == 0 && t->client_secret) {
		r = dw_buf_puts(form, "&client_secret=");
		r = r
		            ?: put_form_value(form, (const char *)dw_secret_data(t->client_secret),
		                              dw_secret_len(t->client_secret));
	} else if (r == 0) {
		r = dw_buf_printf(form,
		                  "&client_assertion_type=%s&client_assertion=", assertion_type);
		if (r == 0)
			return dw_jwt_client_assertion(t->signer, t->client_id, t->token_url,
			                               time(NULL), form, err);
	}
	if (r < 0)
		dw_error_set(err, r, DW_AREA_HTTP, 0, "could not build the token request: %s",
		             strerror(-r));
	return r;
}

/* The tenant can't get a token: every op of it fails with this. */
static void auth_fails(struct dw_graph_tenant *t, enum dw_graph_outcome outcome,
                       const struct dw_error *why, long status, const char *code)
{
	t->auth_failed = true;
	t->auth_outcome = outcome;
	t->auth_error = *why;
	t->auth_status = status;
	snprintf(t->auth_code, sizeof(t->auth_code), "%s", code ? code : "");
	dw_error_prefix(&t->auth_error, "tenant %s: could not get a token: ", t->name);
	dw_http__op_fail_all(t);
}

int dw_http__token_start(struct dw_graph_tenant *t)
{
	struct dw_xfer *x = NULL;
	struct dw_error err;
	int r;

	dw_error_clear(&err);
	r = dw_http__xfer_new(t->g, t, t->token_url, &x);
	if (r < 0) {
		dw_error_set(&err, r, DW_AREA_HTTP, 0, "could not set up the request");
		goto out;
	}
	x->response.secret = 1; /* the answer will hold the token */
	r = dw_http__xfer_once(x);
	if (r < 0)
		dw_error_set(&err, r, DW_AREA_HTTP, 0, "could not set up the request");
	r = r ?: build_form(t, &x->request, &err);
	if (r == 0 && (curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->request.ptr) != CURLE_OK ||
	               curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	                                (curl_off_t)x->request.len) != CURLE_OK))
		r = dw_error_set(&err, -EINVAL, DW_AREA_HTTP, 0, "could not set up the request");
	r = r ?: dw_http__xfer_add_header(x, "Accept: application/json");
	r = r ?: dw_http__xfer_add_header(x, "Content-Type: application/x-www-form-urlencoded");
	r = r ?: dw_http__xfer_start(x);
	if (r < 0) {
		dw_error_set(&err, r, DW_AREA_HTTP, 0, "could not start the request");
		goto out;
	}
	t->token_fetching = true;
	t->g->stats.token_requests++;
	dw_log_debug("tenant %s: requesting a token from %s", t->name, t->token_url);
	x = NULL;
out:
	dw_http__xfer_free(x);
	if (r < 0)
		auth_fails(t, err.area == DW_AREA_CRYPTO ? DW_GRAPH_AUTH : DW_GRAPH_LOCAL, &err, 0,
		           NULL);
	return r;
}

/* A hint for the AADSTS errors admins meet most. */
static const char *hint_for(const char *message)
{
	if (strstr(message, "AADSTS7000215"))
		return " (check the client secret in secret_file: its value, not its id)";
	if (strstr(message, "AADSTS700027") || strstr(message, "AADSTS7000274"))
		return " (the certificate is not registered on the app, or the key in secret_file "
		       "is not the certificate's)";
	if (strstr(message, "AADSTS700016"))
		return " (check client_id, and that an admin consented to the app in this tenant)";
	if (strstr(message, "AADSTS90002"))
		return " (check tenant_id)";
	if (strstr(message, "AADSTS7000222"))
		return " (the client secret has expired: make a new one)";
	return "";
}

static void token_failed(struct dw_xfer *x, CURLcode rc, long status)
{
	struct dw_graph_tenant *t = x->t;
	struct dw_graph *g = t->g;
	struct dw_http_error_body eb;
	enum dw_graph_outcome outcome;
	struct dw_error err;

	dw_error_clear(&err);
	dw_http__parse_error(x->response.ptr, x->response.len, &eb);
	outcome = rc != CURLE_OK ? dw_http__classify(0, rc, NULL, NULL)
	          : status == 400 || status == 401
	                  ? DW_GRAPH_AUTH
	                  : dw_http__classify(status, rc, eb.code, eb.message);
	if (dw_http__retryable(outcome) && t->token_attempts < g->opt.max_retries &&
	    t->retry_budget > 0 && x->retry_after <= (double)g->opt.max_retry_after) {
		unsigned wait =
		        x->retry_after >= 0
		                ? (unsigned)(x->retry_after * 1000.0)
		                : dw_http__backoff_ms(t->token_attempts, g->opt.backoff_base_ms,
		                                      g->opt.backoff_max_ms, dw_http__random(g));

		t->token_attempts++;
		t->retry_budget--;
		g->stats.retries++;
		g->stats.retry_wait_ms += wait;
		t->token_not_before = dw_http__now_ms() + wait;
		dw_log_info("tenant %s: token request failed (%s), retrying in %u ms", t->name,
		            rc != CURLE_OK ? dw_http__curl_outcome_text(rc) : "server error", wait);
		return;
	}
	if (rc != CURLE_OK)
		dw_error_set(&err, -EIO, outcome == DW_GRAPH_TLS ? DW_AREA_TLS : DW_AREA_HTTP, rc,
		             "%s: %s", t->token_url, dw_http__curl_outcome_text(rc));
	else
		dw_error_set(&err, -EACCES, DW_AREA_GRAPH, status, "%s answered %ld %s%s: %s",
		             t->token_url, status, eb.code[0] ? eb.code : "(no error code)",
		             hint_for(eb.message), eb.message[0] ? eb.message : "(no description)");
	auth_fails(t, outcome, &err, status, eb.code);
}

void dw_http__token_done(struct dw_xfer *x, CURLcode rc)
{
	struct dw_graph_tenant *t = x->t;
	struct dw_secret *token = NULL;
	unsigned margin = t->g->opt.token_margin;
	long status = 0, expires_in = 0;
	struct dw_error err;

	t->token_fetching = false;
	rc = dw_http__xfer_result(x, rc);
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status != 200) {
		token_failed(x, rc, status);
		goto out;
	}
	dw_error_clear(&err);
	if (dw_http__parse_token(&x->response, &token, &expires_in, &err) < 0) {
		dw_error_prefix(&err, "%s: ", t->token_url);
		auth_fails(t, DW_GRAPH_BAD_RESPONSE, &err, status, NULL);
		goto out;
	}
	dw_secret_free(t->token);
	t->token = token;
	t->token_gen++;
	t->token_attempts = 0;
	/* renew @margin seconds early, but never past half of the token's life */
	if (margin > (unsigned long)expires_in / 2)
		margin = (unsigned)(expires_in / 2);
	t->token_expires = dw_http__now_ms() + ((int64_t)expires_in - margin) * 1000;
	dw_log_info("tenant %s: got a token valid for %ld s", t->name, expires_in);
out:
	dw_http__xfer_free(x);
}
