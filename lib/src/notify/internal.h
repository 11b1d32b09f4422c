/* Shared by the files of the notify area. */
#ifndef DW_NOTIFY_INTERNAL_H
#define DW_NOTIFY_INTERNAL_H

#include <stdbool.h>

#include "driftward/buf.h"
#include "driftward/config.h"
#include "driftward/notify.h"

struct dw_json;

/* One message: a finding that opened, or one that cleared. */
struct dw_notify__event {
	bool opened;
	const char *tenant;
	const char *time;              /* the drift report's commitTime */
	const struct dw_json *finding; /* opened: from drift.json; cleared: the stored summary */
};

/* The body for @format ("json", "teams", "slack") appended to @out. */
int dw_notify__payload(const char *format, const struct dw_notify__event *ev, struct dw_buf *out);

/* A channel and what it may still spend this run. */
struct dw_notify__channel {
	const struct dw_notify_config *cfg;
	const char *url;                /* cfg->url, or the decrypted secret's; NULL: unusable */
	struct dw_secret *url_secret;   /* from secret_file */
	double spent;                   /* seconds its sends took so far this run */
	struct dw_notify_counts counts; /* this channel's, this run */
};

struct dw_age_identities;
struct dw_secret;
/* The URL in @c's secret_file, decrypted with @key and checked, NUL-terminated. */
int dw_notify__load_url(const struct dw_notify_config *c, const struct dw_age_identities *key,
                        struct dw_secret **out, struct dw_error *err);

/*
 * Posts @body to the channel, retrying 429, 5xx and failures to connect with
 * a doubling pause, within what is left of the channel's timeout. 0 delivered, or a negative
 * code with @err saying why (the last attempt's answer).
 */
int dw_notify__send(struct dw_notify__channel *ch, const char *url, const char *ca_file,
                    const struct dw_buf *body, struct dw_error *err);

#endif
