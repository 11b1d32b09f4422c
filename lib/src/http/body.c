/*
 * What the client reads out of response bodies, with the strict JSON reader:
 * pages ("value" and "@odata.nextLink"), single objects, Graph and token
 * service error bodies, and token answers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "driftward/json.h"
#include "driftward/redact.h"
#include "http/internal.h"

/* Copies the first line of @s (at most @outlen - 1 bytes) into @out. */
static void first_line(const char *s, char *out, size_t outlen)
{
	size_t n = strcspn(s, "\r\n");

	if (n > outlen - 1)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static const char *member_cstr(const struct dw_json *obj, const char *key)
{
	const struct dw_json *v = dw_json_get(obj, key);

	return v ? dw_json_cstr(v) : NULL;
}

/*
 * Intune puts a JSON document inside error.message:
 * {"_version":3,"Message":"An error has occurred - Operation ID ...", ...}.
 * Its "Message" is what a person wants to read; otherwise the first line.
 */
static void copy_message(const char *message, char *out, size_t outlen)
{
	struct dw_json_doc *doc = NULL;
	const char *inner = NULL;

	if (message[0] == '{' && dw_json_parse(message, strlen(message), NULL, &doc, NULL) == 0)
		inner = member_cstr(dw_json_root(doc), "Message");
	first_line(inner ? inner : message, out, outlen);
	dw_json_doc_free(doc);
}

void dw_http__parse_error(const char *body, size_t len, struct dw_http_error_body *out)
{
	struct dw_json_doc *doc = NULL;
	const struct dw_json *root, *error;
	const char *code = NULL, *message = NULL;

	memset(out, 0, sizeof(*out));
	if (!body || !len || dw_json_parse(body, len, NULL, &doc, NULL) < 0)
		return;
	root = dw_json_root(doc);
	error = dw_json_get(root, "error");
	if (error && dw_json_type(error) == DW_JSON_OBJECT) {
		/* Graph: {"error":{"code":"...","message":"...","innerError":{...}}} */
		code = member_cstr(error, "code");
		message = member_cstr(error, "message");
	} else if (error && dw_json_type(error) == DW_JSON_STRING) {
		/* token service: {"error":"invalid_client","error_description":"AADSTS..."} */
		code = dw_json_cstr(error);
		message = member_cstr(root, "error_description");
	}
	if (code)
		first_line(code, out->code, sizeof(out->code));
	if (message)
		copy_message(message, out->message, sizeof(out->message));
	dw_redact_inplace(out->code, sizeof(out->code));
	dw_redact_inplace(out->message, sizeof(out->message));
	dw_json_doc_free(doc);
}

static int parse_doc(struct dw_buf *body, struct dw_json_doc **doc, struct dw_error *err)
{
	int r;

	if (body->len == 0)
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0, "the body is empty");
	r = dw_json_parse_buf(body, "response", doc, err);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		dw_error_prefix(err, "the body is not valid JSON: ");
		return -EBADMSG;
	}
	return 0;
}

int dw_http__parse_page(struct dw_buf *body, struct dw_graph_page *page, char **next_link,
                        struct dw_error *err)
{
	struct dw_json_doc *doc = NULL;
	struct dw_json *root, *value, *next;
	size_t bytes = body->len;
	int r;

	*next_link = NULL;
	r = parse_doc(body, &doc, err);
	if (r < 0)
		return r;
	root = dw_json_root(doc);
	value = dw_json_get(root, "value");
	next = dw_json_get(root, "@odata.nextLink");
	r = -EBADMSG;
	if (dw_json_type(root) != DW_JSON_OBJECT)
		dw_error_set(err, r, DW_AREA_GRAPH, 0, "the page is not a JSON object");
	else if (!value || dw_json_type(value) != DW_JSON_ARRAY)
		dw_error_set(err, r, DW_AREA_GRAPH, 0, "the page has no \"value\" array");
	else if (next && dw_json_type(next) != DW_JSON_NULL && !dw_json_cstr(next))
		dw_error_set(err, r, DW_AREA_GRAPH, 0, "\"@odata.nextLink\" is not a string");
	else if (next && dw_json_cstr(next) && !(*next_link = strdup(dw_json_cstr(next))))
		r = -ENOMEM;
	else
		r = 0;
	if (r < 0) {
		dw_json_doc_free(doc);
		return r;
	}
	page->doc = doc;
	page->value = value;
	page->count = dw_json_count(value);
	page->bytes = bytes;
	return 0;
}

int dw_http__parse_object(struct dw_buf *body, struct dw_graph_page *page, struct dw_error *err)
{
	struct dw_json_doc *doc = NULL;
	size_t bytes = body->len;
	int r = parse_doc(body, &doc, err);

	if (r < 0)
		return r;
	if (dw_json_type(dw_json_root(doc)) != DW_JSON_OBJECT) {
		dw_json_doc_free(doc);
		return dw_error_set(err, -EBADMSG, DW_AREA_GRAPH, 0,
		                    "the body is not a JSON object");
	}
	page->doc = doc;
	page->value = dw_json_root(doc);
	page->count = 1;
	page->bytes = bytes;
	return 0;
}

/* expires_in is a number in v2.0 answers, a string in some v1 ones. */
static long expires_in_of(const struct dw_json *v)
{
	int64_t n = 0;
	const char *s;
	char *end;

	if (v && dw_json_int64(v, &n) == 0)
		return n > 0 && n < 86400 * 30 ? (long)n : -1;
	s = v ? dw_json_cstr(v) : NULL;
	if (!s)
		return -1;
	n = strtol(s, &end, 10);
	return *s && !*end && n > 0 && n < 86400 * 30 ? (long)n : -1;
}

/*
 * RFC 6750's b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
 * *"=". The token goes into a header line: anything else (a CR LF most of
 * all) would let the token service write headers of its own.
 */
static bool is_b64token(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (isalnum((unsigned char)s[i]) || strchr("-._~+/", s[i])) && s[i])
		i++;
	if (i == 0)
		return false;
	while (i < len && s[i] == '=')
		i++;
	return i == len;
}

int dw_http__parse_token(struct dw_buf *body, struct dw_secret **token, long *expires_in,
                         struct dw_error *err)
{
	struct dw_json_doc *doc = NULL;
	const struct dw_json *root, *at;
	const char *type, *s = NULL;
	size_t slen = 0;
	int r = -EBADMSG;

	/* a secret buffer makes the document wipe its memory (the token's copies) when freed */
	*token = NULL;
	if (dw_json_parse_buf(body, "token answer", &doc, NULL) < 0)
		return dw_error_set(err, r, DW_AREA_GRAPH, 200, "the token answer is not JSON");
	root = dw_json_root(doc);
	at = dw_json_get(root, "access_token");
	type = member_cstr(root, "token_type");
	*expires_in = expires_in_of(dw_json_get(root, "expires_in"));
	if (at)
		s = dw_json_string(at, &slen);
	if (!s || slen == 0)
		dw_error_set(err, r, DW_AREA_GRAPH, 200, "the token answer has no access_token");
	else if (!is_b64token(s, slen))
		dw_error_set(err, r, DW_AREA_GRAPH, 200,
		             "the access_token holds characters a bearer token can't have "
		             "(RFC 6750): refused");
	else if (type && strcasecmp(type, "Bearer") != 0)
		dw_error_set(err, r, DW_AREA_GRAPH, 200, "the token is not a Bearer token");
	else if (*expires_in < 0)
		dw_error_set(err, r, DW_AREA_GRAPH, 200,
		             "the token answer has no valid expires_in");
	else if ((r = dw_secret_new(token, s, slen)) < 0)
		dw_error_set(err, r, DW_AREA_GRAPH, 0, "out of memory");
	dw_json_doc_free(doc);
	return r;
}
