/*
 * Notifications (docs/notifications.md): each [notify NAME] channel hears
 * once when a finding opens and once when it clears, keyed by the finding's
 * fingerprint. What each channel was told is kept in the state repository,
 * on the branch refs/heads/notify/<tenant> (notify.json), committed after
 * every send, so a restarted or repeated run does not say it again and a
 * failed send is tried again by the next run.
 *
 * A run creates one struct dw_notify, calls dw_notify_tenant for each tenant
 * after its drift report was committed, reads the counts, and frees it. Each
 * channel has a time budget for the whole run (its timeout): once it is
 * spent, what is left waits for the next run.
 */
#ifndef DRIFTWARD_NOTIFY_H
#define DRIFTWARD_NOTIFY_H

#include <stddef.h>

#include "driftward/error.h"

struct dw_config;
struct dw_store;
struct dw_notify;

#define DW_NOTIFY_SCHEMA       "driftward/notification/v1"
#define DW_NOTIFY_STATE_SCHEMA "driftward/notify-state/v1"

/* For the metrics (driftward_notify_*): per run, per channel or all together. */
struct dw_notify_counts {
	unsigned long sent;    /* notifications delivered (a 2xx answer) */
	unsigned long failed;  /* notifications given up on this run (tried again next run) */
	unsigned long retries; /* attempts after the first */
};

/* A notifier for @cfg's channels; the configuration must outlive it. */
int dw_notify_new(const struct dw_config *cfg, struct dw_notify **out, struct dw_error *err);
void dw_notify_free(struct dw_notify *n);

/*
 * Announces what opened and cleared in @tenant's drift.json (on its branch)
 * since each channel was last told. A tenant branch without drift.json is
 * left alone (no report: nothing is known to have cleared). Failing sends
 * are counted, not returned: the return is for the repository (-EBUSY when
 * another run holds the tenant's notify branch) and memory.
 */
int dw_notify_tenant(struct dw_notify *n, struct dw_store *store, const char *tenant,
                     struct dw_error *err);

/* All channels together. */
void dw_notify_counts(const struct dw_notify *n, struct dw_notify_counts *out);

/* The channel of the configuration's @i-th [notify NAME] section (zeros past the last). */
void dw_notify_channel_counts(const struct dw_notify *n, size_t i, struct dw_notify_counts *out);

#endif
