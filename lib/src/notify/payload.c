/*
 * The three bodies. json is our own schema (docs/notifications.md), for
 * anything that takes a webhook; teams is an Adaptive Card in a message
 * attachment, as Teams workflows ("Post to a channel when a webhook request
 * is received") expect; slack is Block Kit with a plain-text fallback.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driftward/json.h"
#include "notify/internal.h"

#define TEXT_MAX 512

struct body {
	struct dw_json_doc *doc;
	const struct dw_notify__event *ev;
};

static const char *field(const struct dw_notify__event *ev, const char *key)
{
	return dw_json_cstr(dw_json_get(ev->finding, key));
}

static struct dw_json *str(struct body *b, const char *s)
{
	return s ? dw_json_new_cstr(b->doc, s) : dw_json_new_null(b->doc);
}

/* "contoso: opened (high): Legacy authentication is blocked by Conditional Access" */
static void headline(const struct dw_notify__event *ev, char *out, size_t len)
{
	const char *title = field(ev, "title");

	snprintf(out, len, "%s: %s (%s): %s", ev->tenant, ev->opened ? "opened" : "cleared",
	         field(ev, "severity") ?: "?", title ? title : field(ev, "rule") ?: "?");
}

static int json_body(struct body *b, struct dw_json *root)
{
	static const char *const keys[] = { "fingerprint", "rule",   "title",    "severity",
		                            "collector",   "reason", "firstSeen" };
	const struct dw_notify__event *ev = b->ev;
	size_t i;
	int r;

	r = dw_json_object_set(b->doc, root, "schema", str(b, DW_NOTIFY_SCHEMA)) ?:
	    dw_json_object_set(b->doc, root, "event", str(b, ev->opened ? "opened" : "cleared")) ?:
	    dw_json_object_set(b->doc, root, "tenant", str(b, ev->tenant)) ?:
	    dw_json_object_set(b->doc, root, "time", str(b, ev->time));
	for (i = 0; r == 0 && i < DW_ARRAY_SIZE(keys); i++)
		if (field(ev, keys[i]))
			r = dw_json_object_set(b->doc, root, keys[i], str(b, field(ev, keys[i])));
	return r;
}

static int fact(struct body *b, struct dw_json *facts, const char *title, const char *value,
                const char *tkey, const char *vkey)
{
	struct dw_json *f = dw_json_new_object(b->doc);

	if (!value)
		return 0;
	return f ? dw_json_object_set(b->doc, f, tkey, str(b, title)) ?:
	                   dw_json_object_set(b->doc, f, vkey, str(b, value)) ?:
	                   dw_json_array_append(b->doc, facts, f)
	         : -ENOMEM;
}

static int facts(struct body *b, struct dw_json *list, const char *tkey, const char *vkey,
                 bool slack)
{
	static const char *const names[][2] = {
		{ "Tenant", NULL },
		{ "Rule", "rule" },
		{ "Severity", "severity" },
		{ "Collector", "collector" },
		{ "Reason", "reason" },
		{ "First seen", "firstSeen" },
		{ "Fingerprint", "fingerprint" },
	};
	char text[TEXT_MAX];
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < DW_ARRAY_SIZE(names); i++) {
		const char *v = names[i][1] ? field(b->ev, names[i][1]) : b->ev->tenant;

		if (slack && v) {
			snprintf(text, sizeof(text), "*%s*\n%s", names[i][0], v);
			r = fact(b, list, "mrkdwn", text, "type", "text");
		} else if (!slack) {
			r = fact(b, list, names[i][0], v, tkey, vkey);
		}
	}
	return r;
}

static struct dw_json *text_block(struct body *b, const char *text, bool bold)
{
	struct dw_json *t = dw_json_new_object(b->doc);

	if (!t || dw_json_object_set(b->doc, t, "type", str(b, "TextBlock")) ||
	    dw_json_object_set(b->doc, t, "text", str(b, text)) ||
	    dw_json_object_set(b->doc, t, "wrap", dw_json_new_bool(b->doc, true)) ||
	    (bold && dw_json_object_set(b->doc, t, "weight", str(b, "Bolder"))))
		return NULL;
	return t;
}

static int teams_body(struct body *b, struct dw_json *root)
{
	struct dw_json *att = dw_json_new_array(b->doc), *a = dw_json_new_object(b->doc);
	struct dw_json *card = dw_json_new_object(b->doc), *body = dw_json_new_array(b->doc);
	struct dw_json *fs = dw_json_new_object(b->doc), *list = dw_json_new_array(b->doc);
	char head[TEXT_MAX];

	headline(b->ev, head, sizeof(head));
	if (!att || !a || !card || !body || !fs || !list)
		return -ENOMEM;
	return dw_json_object_set(b->doc, root, "type", str(b, "message")) ?:
	       dw_json_object_set(b->doc, card, "$schema",
	                          str(b, "http://adaptivecards.io/schemas/adaptive-card.json")) ?:
	       dw_json_object_set(b->doc, card, "type", str(b, "AdaptiveCard")) ?:
	       dw_json_object_set(b->doc, card, "version", str(b, "1.4")) ?:
	       dw_json_array_append(b->doc, body, text_block(b, head, true)) ?:
	       facts(b, list, "title", "value", false) ?:
	       dw_json_object_set(b->doc, fs, "type", str(b, "FactSet")) ?:
	       dw_json_object_set(b->doc, fs, "facts", list) ?:
	       dw_json_array_append(b->doc, body, fs) ?:
	       dw_json_object_set(b->doc, card, "body", body) ?:
	       dw_json_object_set(b->doc, a, "contentType",
	                          str(b, "application/vnd.microsoft.card.adaptive")) ?:
	       dw_json_object_set(b->doc, a, "content", card) ?:
	       dw_json_array_append(b->doc, att, a) ?:
	       dw_json_object_set(b->doc, root, "attachments", att);
}

static int slack_body(struct body *b, struct dw_json *root)
{
	struct dw_json *blocks = dw_json_new_array(b->doc), *h = dw_json_new_object(b->doc);
	struct dw_json *ht = dw_json_new_object(b->doc), *s = dw_json_new_object(b->doc);
	struct dw_json *fields = dw_json_new_array(b->doc);
	char head[TEXT_MAX];

	/* a header block takes at most 150 characters of plain text */
	headline(b->ev, head, 150);
	if (!blocks || !h || !ht || !s || !fields)
		return -ENOMEM;
	return dw_json_object_set(b->doc, root, "text", str(b, head)) ?:
	       dw_json_object_set(b->doc, ht, "type", str(b, "plain_text")) ?:
	       dw_json_object_set(b->doc, ht, "text", str(b, head)) ?:
	       dw_json_object_set(b->doc, h, "type", str(b, "header")) ?:
	       dw_json_object_set(b->doc, h, "text", ht) ?:
	       dw_json_array_append(b->doc, blocks, h) ?:
	       facts(b, fields, NULL, NULL, true) ?:
	       dw_json_object_set(b->doc, s, "type", str(b, "section")) ?:
	       dw_json_object_set(b->doc, s, "fields", fields) ?:
	       dw_json_array_append(b->doc, blocks, s) ?:
	       dw_json_object_set(b->doc, root, "blocks", blocks);
}

int dw_notify__payload(const char *format, const struct dw_notify__event *ev, struct dw_buf *out)
{
	struct body b = { dw_json_doc_new(), ev };
	struct dw_json *root = b.doc ? dw_json_new_object(b.doc) : NULL;
	int r = -ENOMEM;

	if (!root)
		goto out;
	if (strcmp(format, "teams") == 0)
		r = teams_body(&b, root);
	else if (strcmp(format, "slack") == 0)
		r = slack_body(&b, root);
	else
		r = json_body(&b, root);
	r = r ?: dw_json_set_root(b.doc, root) ?: dw_json_write(root, DW_JSON_COMPACT, out, NULL);
out:
	dw_json_doc_free(b.doc);
	return r;
}
