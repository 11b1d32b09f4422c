/*
 * Which findings opened and cleared, per channel, against what the channel
 * was told before (notify.json on refs/heads/notify/<tenant>).
 *
 * notify.json: {"schema", "tenant", "channels": {NAME: {FINGERPRINT:
 * {rule, title, severity, collector}}}}: the findings each channel was told
 * are open. A finding is announced as opened when it fails at the channel's
 * severity or above and the channel does not have it; as cleared when the
 * channel has it and the report shows it neither failing nor unknown (a
 * collector that was not read says nothing about it). Each delivery is
 * recorded before the next is tried, and the state is committed even when
 * a later send fails, so nothing delivered is said twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/age.h"
#include "driftward/json.h"
#include "driftward/keyfile.h"
#include "driftward/log.h"
#include "driftward/secret.h"
#include "driftward/store.h"
#include "notify/internal.h"

#define NOTIFY_FILE     "notify.json"
#define NOTIFY_FILE_MAX (64u << 20)
#define REF_MAX         300

static const char *const severities[] = { "critical", "high", "medium", "low", "info" };

struct dw_notify {
	const struct dw_config *cfg;
	struct dw_notify__channel *channels; /* one per cfg->notify[], in that order */
};

struct tenant_run {
	struct dw_notify *n;
	const char *tenant;
	const char *time;
	struct dw_json *findings; /* drift.json's array */
	struct dw_json_doc *state;
	bool changed;
};

/*
 * The URLs kept in secret files, decrypted with the agent's key (read only
 * when some channel needs it). A channel whose URL can't be had is left out
 * of this run with a warning; the others go on.
 */
static void load_secret_urls(struct dw_notify *n)
{
	struct dw_age_identities *key = NULL;
	struct dw_notify__channel *ch;
	struct dw_error err;
	size_t i;

	dw_error_clear(&err);
	for (i = 0; i < n->cfg->nnotify; i++) {
		ch = &n->channels[i];
		if (!ch->cfg->secret_file)
			continue;
		if (!key && dw_keyfile_load(dw_config_key_file(n->cfg), &key, &err) < 0) {
			dw_log_warning("notifications with secret_file left out: %s", err.msg);
			return;
		}
		dw_error_clear(&err);
		if (dw_notify__load_url(ch->cfg, key, &ch->url_secret, &err) < 0)
			dw_log_warning("%s; the channel is left out of this run", err.msg);
		else
			ch->url = (const char *)dw_secret_data(ch->url_secret);
	}
	dw_age_identities_free(key);
}

int dw_notify_new(const struct dw_config *cfg, struct dw_notify **out, struct dw_error *err)
{
	struct dw_notify *n = calloc(1, sizeof(*n));
	size_t i;

	*out = NULL;
	if (!n || !(n->channels = calloc(cfg->nnotify + 1, sizeof(*n->channels)))) {
		free(n);
		return dw_error_set(err, -ENOMEM, DW_AREA_SYSTEM, ENOMEM, "out of memory");
	}
	n->cfg = cfg;
	for (i = 0; i < cfg->nnotify; i++) {
		n->channels[i].cfg = &cfg->notify[i];
		n->channels[i].url = cfg->notify[i].url;
	}
	load_secret_urls(n);
	*out = n;
	return 0;
}

void dw_notify_free(struct dw_notify *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->cfg->nnotify; i++)
		dw_secret_free(n->channels[i].url_secret);
	free(n->channels);
	free(n);
}

void dw_notify_counts(const struct dw_notify *n, struct dw_notify_counts *out)
{
	size_t i;

	*out = (struct dw_notify_counts){ 0 };
	for (i = 0; i < n->cfg->nnotify; i++) {
		out->sent += n->channels[i].counts.sent;
		out->failed += n->channels[i].counts.failed;
		out->retries += n->channels[i].counts.retries;
	}
}

void dw_notify_channel_counts(const struct dw_notify *n, size_t i, struct dw_notify_counts *out)
{
	*out = i < n->cfg->nnotify ? n->channels[i].counts : (struct dw_notify_counts){ 0 };
}

static int rank(const char *severity)
{
	size_t i;

	for (i = 0; severity && i < DW_ARRAY_SIZE(severities); i++)
		if (strcmp(severity, severities[i]) == 0)
			return (int)i;
	return (int)DW_ARRAY_SIZE(severities);
}

static const char *get(const struct dw_json *o, const char *key)
{
	return dw_json_cstr(dw_json_get(o, key));
}

/* The channel's object in the state, made when missing. */
static struct dw_json *channel_state(struct tenant_run *tr, const char *name)
{
	struct dw_json *chans = dw_json_get(dw_json_root(tr->state), "channels"), *c;

	if ((c = dw_json_get(chans, name)))
		return c;
	c = dw_json_new_object(tr->state);
	return dw_json_object_set(tr->state, chans, name, c) < 0 ? NULL : c;
}

/* What the state keeps of a finding: enough to word its clearing when it is gone. */
static struct dw_json *summary(struct tenant_run *tr, const struct dw_json *f)
{
	static const char *const keys[] = { "rule", "title", "severity", "collector",
		                            "fingerprint" };
	struct dw_json *s = dw_json_new_object(tr->state);
	size_t i;

	for (i = 0; s && i < DW_ARRAY_SIZE(keys); i++)
		if (get(f, keys[i]) &&
		    dw_json_object_set(tr->state, s, keys[i],
		                       dw_json_new_cstr(tr->state, get(f, keys[i]))) < 0)
			return NULL;
	return s;
}

static int deliver(struct tenant_run *tr, struct dw_notify__channel *ch, bool opened,
                   const struct dw_json *finding)
{
	struct dw_notify__event ev = { opened, tr->tenant, tr->time, finding };
	struct dw_buf body;
	struct dw_error err;
	int r;

	dw_buf_init(&body, NOTIFY_FILE_MAX);
	dw_error_clear(&err);
	if ((r = dw_notify__payload(ch->cfg->format, &ev, &body)) == 0)
		r = dw_notify__send(ch, ch->url, tr->n->cfg->agent.ca_file, &body, &err);
	dw_buf_release(&body);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		ch->counts.failed++;
		dw_log_warning("tenant %s: notify %s: %s %s not sent: %s", tr->tenant,
		               ch->cfg->name, get(finding, "rule") ?: "finding",
		               opened ? "opening" : "clearing", err.msg);
		return 1;
	}
	ch->counts.sent++;
	return 0;
}

static const struct dw_json *find(const struct dw_json *findings, const char *fp)
{
	const struct dw_json *f;
	size_t i;

	for (i = 0; (f = dw_json_at(findings, i)); i++)
		if (strcmp(get(f, "fingerprint") ?: "", fp) == 0)
			return f;
	return NULL;
}

static int announce_opened(struct tenant_run *tr, struct dw_notify__channel *ch,
                           struct dw_json *told)
{
	const struct dw_json *f;
	const char *fp;
	size_t i;
	int r;

	for (i = 0; (f = dw_json_at(tr->findings, i)); i++) {
		fp = get(f, "fingerprint");
		if (!fp || strcmp(get(f, "status") ?: "", "fail") != 0 || dw_json_get(told, fp) ||
		    rank(get(f, "severity")) > rank(ch->cfg->min_severity))
			continue;
		if ((r = deliver(tr, ch, true, f)) < 0)
			return r;
		if (r == 0 && dw_json_object_set(tr->state, told, fp, summary(tr, f)) < 0)
			return -ENOMEM;
		tr->changed |= r == 0;
	}
	return 0;
}

static bool still_open(const struct dw_json *f)
{
	const char *status = f ? get(f, "status") : NULL;

	return status &&
	       (!strcmp(status, "fail") || !strcmp(status, "unknown") || !strcmp(status, "error"));
}

static int announce_cleared(struct tenant_run *tr, struct dw_notify__channel *ch,
                            struct dw_json *told)
{
	char pointer[REF_MAX];
	const char *fp;
	struct dw_json *f;
	size_t i = 0;
	int r;

	while ((f = dw_json_member(told, i, &fp, NULL))) {
		if (still_open(find(tr->findings, fp)) || (r = deliver(tr, ch, false, f)) == 1) {
			i++;
			continue;
		}
		if (r < 0)
			return r;
		snprintf(pointer, sizeof(pointer), "/channels/%s/%s", ch->cfg->name, fp);
		if (dw_json_pointer_remove(tr->state, pointer, NULL) < 0)
			return -ENOMEM;
		tr->changed = true;
	}
	return 0;
}

static int new_state(struct tenant_run *tr)
{
	struct dw_json *root;

	if (!(tr->state = dw_json_doc_new()) || !(root = dw_json_new_object(tr->state)))
		return -ENOMEM;
	return dw_json_object_set(tr->state, root, "schema",
	                          dw_json_new_cstr(tr->state, DW_NOTIFY_STATE_SCHEMA)) ?:
	       dw_json_object_set(tr->state, root, "tenant", dw_json_new_cstr(tr->state, tr->tenant)) ?:
	       dw_json_object_set(tr->state, root, "channels", dw_json_new_object(tr->state)) ?:
	       dw_json_set_root(tr->state, root);
}

static int load_state(struct tenant_run *tr, struct dw_store_tx *tx, struct dw_error *err)
{
	struct dw_buf b;
	int r;

	dw_buf_init(&b, NOTIFY_FILE_MAX);
	r = dw_store_tx_previous(tx, NOTIFY_FILE, &b, err);
	if (r == -ENOENT) {
		dw_error_clear(err);
		r = new_state(tr);
	} else if (r == 0 && (r = dw_json_parse_buf(&b, NOTIFY_FILE, &tr->state, err)) == 0 &&
	           !dw_json_get(dw_json_root(tr->state), "channels")) {
		r = dw_error_set(err, -EINVAL, DW_AREA_JSON, 0, "%s has no channels", NOTIFY_FILE);
	}
	dw_buf_release(&b);
	return r;
}

static int save_state(struct tenant_run *tr, struct dw_store_tx *tx, struct dw_error *err)
{
	struct dw_store_commit_result res;
	struct dw_buf b, msg;
	int r;

	dw_buf_init(&b, NOTIFY_FILE_MAX);
	dw_buf_init(&msg, 4096);
	r = dw_json_write(dw_json_root(tr->state), DW_JSON_PRETTY, &b, err)
	            ?: dw_store_tx_stage(tx, NOTIFY_FILE, b.ptr, b.len, err);
	if (r == 0 && dw_buf_printf(&msg, "%s: notifications sent", tr->tenant) < 0)
		r = -ENOMEM;
	r = r ?: dw_store_tx_commit(tx, dw_buf_cstr(&msg), &res, err);
	dw_buf_release(&b);
	dw_buf_release(&msg);
	return r;
}

/* Each channel in turn; a channel's failures stay its own. */
static int announce(struct tenant_run *tr)
{
	struct dw_notify__channel *ch;
	struct dw_json *told;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < tr->n->cfg->nnotify; i++) {
		ch = &tr->n->channels[i];
		if (!ch->url) /* its secret_file could not be read (warned) */
			continue;
		if (!(told = channel_state(tr, ch->cfg->name)))
			return -ENOMEM;
		r = announce_opened(tr, ch, told) ?: announce_cleared(tr, ch, told);
	}
	return r;
}

static int read_report(struct dw_store *store, const char *tenant, struct dw_json_doc **out,
                       struct dw_error *err)
{
	char ref[REF_MAX];
	struct dw_buf b;
	int r;

	*out = NULL;
	if ((r = dw_store_tenant_ref(tenant, ref, sizeof(ref))) < 0)
		return dw_error_set(err, r, DW_AREA_USAGE, 0, "bad tenant name '%s'", tenant);
	dw_buf_init(&b, NOTIFY_FILE_MAX);
	r = dw_store_read_file(store, ref, "drift.json", &b, err);
	if (r == 0)
		r = dw_json_parse_buf(&b, "drift.json", out, err);
	dw_buf_release(&b);
	if (r == -ENOENT)
		dw_error_clear(err);
	return r;
}

int dw_notify_tenant(struct dw_notify *n, struct dw_store *store, const char *tenant,
                     struct dw_error *err)
{
	struct tenant_run tr = { n, tenant, NULL, NULL, NULL, false };
	struct dw_json_doc *report = NULL;
	struct dw_store_tx *tx = NULL;
	char ref[REF_MAX];
	int r;

	if (!n->cfg->nnotify)
		return 0;
	if ((r = read_report(store, tenant, &report, err)) < 0)
		return r == -ENOENT ? 0 : r;
	tr.time = get(dw_json_root(report), "commitTime");
	tr.findings = dw_json_get(dw_json_root(report), "findings");
	snprintf(ref, sizeof(ref), "refs/heads/notify/%s", tenant);
	if ((r = dw_store_tx_begin_ref(store, ref, 0, &tx, err)) < 0 ||
	    (r = load_state(&tr, tx, err)) < 0)
		goto out;
	r = announce(&tr);
	if (tr.changed && r != -ENOMEM)
		r = save_state(&tr, tx, err) ?: r;
	if (r == -ENOMEM && !dw_error_isset(err))
		dw_error_set(err, r, DW_AREA_SYSTEM, ENOMEM, "out of memory");
out:
	dw_store_tx_free(tx);
	dw_json_doc_free(tr.state);
	dw_json_doc_free(report);
	return r;
}
