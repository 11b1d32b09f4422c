/*
 * Delivery: one POST per attempt, retried while the channel's budget lasts.
 * 429 and 5xx answers and failures to connect are worth another try after a
 * pause that doubles (1, 2, 4 ... s); any other status is final (a 404 is a
 * deleted webhook, trying again changes nothing).
 */
#include <errno.h>
#include <time.h>

#include "driftward/http.h"
#include "notify/internal.h"

#define ATTEMPT_MAX_S 10.0 /* one attempt never takes more than this */
#define PAUSE_FIRST_S 1.0
#define PAUSE_MAX_S   30.0

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_for(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool worth_retrying(int r, long status)
{
	return r == -EIO || r == -ETIMEDOUT || status == 429 || status >= 500;
}

static int one_attempt(const struct dw_notify__channel *ch, const char *url, const char *ca_file,
                       const struct dw_buf *body, double left, long *status, struct dw_error *err)
{
	struct dw_http_post p = {
		.url = url,
		.body = body->ptr,
		.len = body->len,
		.timeout_ms = (long)((left < ATTEMPT_MAX_S ? left : ATTEMPT_MAX_S) * 1000.0),
		.ca_file = ca_file,
	};
	int r;

	dw_error_clear(err);
	if ((r = dw_http_post(&p, status, err)) < 0)
		return r;
	if (*status >= 200 && *status < 300)
		return 0;
	return dw_error_set(err, -EPROTO, DW_AREA_HTTP, *status, "notify %s: HTTP %ld",
	                    ch->cfg->name, *status);
}

int dw_notify__send(struct dw_notify__channel *ch, const char *url, const char *ca_file,
                    const struct dw_buf *body, struct dw_error *err)
{
	double pause = PAUSE_FIRST_S, left, start = now_mono();
	double deadline = start + (double)ch->cfg->timeout - ch->spent;
	long status = 0;
	int r = -ETIMEDOUT, attempts = 0;

	/* the budget is the channel's own: a slow channel does not eat another's */
	while ((left = deadline - now_mono()) > 0.05) {
		if (attempts++)
			ch->counts.retries++;
		r = one_attempt(ch, url, ca_file, body, left, &status, err);
		if (r == 0 || !worth_retrying(r, status))
			break;
		left = deadline - now_mono();
		if (left <= pause)
			break;
		pause_for(pause);
		pause = pause * 2 < PAUSE_MAX_S ? pause * 2 : PAUSE_MAX_S;
	}
	ch->spent += now_mono() - start;
	if (r == -ETIMEDOUT && !dw_error_isset(err))
		dw_error_set(err, r, DW_AREA_HTTP, 0,
		             "notify %s: its timeout for this run is spent; the rest waits for "
		             "the next run",
		             ch->cfg->name);
	return r;
}
