/*
 * A snapshot run: tenants go through a window of a few slots that share one
 * Graph event loop, so their reads overlap while the number of open
 * repositories and tenant locks stays bounded. A tenant is finished
 * (staged, committed) as soon as its own reads are done, on the finisher
 * thread (below), while the loop goes on with the others' reads and the
 * next tenant takes its read slot: one slow or throttled tenant holds its
 * slot, never the others, and the loop is never idle while a tenant commits
 * (tests/integration/t-fleet-finisher.sh). Everything else, the caller's
 * tenant_done included, runs on the caller's thread. A streaming run
 * (tenant_done) hands each entry to the caller as its tenant is done and
 * reuses it for the next, so nothing of a tenant stays behind it: memory is
 * flat in the number of tenants.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "driftward/log.h"
#include "snapshot/internal.h"

#define WINDOW_MAX 32

static int new_run_id(char *out, size_t outlen)
{
	unsigned char raw[8];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -errno;
	for (i = 0; i < sizeof(raw) && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static size_t window_size(const struct dw_agent_config *agent)
{
	size_t per = agent->tenant_concurrency ? agent->tenant_concurrency : 1;
	size_t n = 2 * ((agent->concurrency + per - 1) / per);

	return n < 1 ? 1 : n > WINDOW_MAX ? WINDOW_MAX : n;
}

static void log_tenant(const struct dw_snapshot_tenant *t)
{
	const struct dw_log_field fields[] = { { "tenant", t->tenant->name },
		                               { "commit", t->commit } };

	if (t->rc < 0)
		return; /* the caller reports a failed tenant, once */
	dw_log_fields(t->incomplete ? DW_LOG_WARNING : DW_LOG_INFO, fields, DW_ARRAY_SIZE(fields),
	              "%s: %s; %zu changed, %zu added, %zu removed, %zu of %zu collectors "
	              "incomplete",
	              t->tenant->name, t->committed ? "committed" : "unchanged", t->changed,
	              t->added, t->removed, t->incomplete, t->ncollectors);
}

/* Every failure of a tenant says which tenant, and says something. */
static void name_failure(struct dw_snapshot_tenant *t)
{
	if (t->rc >= 0)
		return;
	if (!dw_error_isset(&t->err))
		dw_error_set(&t->err, t->rc, DW_AREA_SYSTEM, -t->rc, "%s", strerror(-t->rc));
	dw_error_prefix(&t->err, "tenant %s: ", t->tenant->name);
}

/* The process's peak resident memory so far (VmHWM), in KiB; -1 when unknown. */
static long peak_rss_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

/* A streaming run's entry, once the caller has seen it: ready for the next tenant. */
static void hand_over(const struct dw_snapshot_options *opts, struct dw_snapshot_tenant *t)
{
	if (!opts->tenant_done)
		return;
	opts->tenant_done(t, opts->payload);
	free(t->collectors);
	*t = (struct dw_snapshot_tenant){ 0 };
}

/*
 * Finishing a tenant (staging names and status, evaluating drift, the
 * commit with its pack write and maybe an automatic gc: tens of
 * milliseconds, sometimes more than a second) happens on a thread of its
 * own, so that the loop goes on answering the other tenants' reads
 * meanwhile: finished on the loop's thread, every response of every other
 * tenant waited, and the requests in flight fell to none for up to 1.5 s at
 * a time.
 *
 * One finisher thread at a time (see finisher_main for its lifetime): it
 * keeps the order in which tenants are handed to the caller the order in
 * which their reads ended; on a small host the loop and the finisher
 * already keep two cores busy; and the commits of one state repository take
 * turns anyway (its packs, its automatic gc). A finish
 * takes a few tens of milliseconds where a tenant's reads take seconds, so
 * one keeps up; when it does not, the queue below fills and tenants whose
 * reads are done wait in their read slots, so no new tenant starts: memory
 * stays bounded by the window plus the queue.
 *
 * What dw_snapshot__tenant_finish reaches was checked for use off the
 * loop's thread, with the loop running:
 * - the tenant's own session, repository and transaction: each tenant opens
 *   its own libgit2 repository object (libgit2 is thread-safe across
 *   repository objects once initialised; store/repo.c initialises it once,
 *   under a lock), and only the finisher touches the tenant's transaction
 *   until the loop takes the tenant back;
 * - the tenant's Graph reads: every op has ended, the engine holds no
 *   pointer to it and no longer counts its pages (op.c's finish), and
 *   finish calls nothing in the Graph client; whether the tenant could sign
 *   in (which asks its Graph tenant) is asked on the loop's thread before;
 * - the run's context (configuration, catalog, key, recipients): only read;
 *   each tenant compiles its own baselines (drift.c), nothing is cached in a
 *   shared object;
 * - age and OpenSSL 3: thread-safe, contexts made per call;
 * - logging (util/log.c): its settings are written once before the run;
 *   each line is formatted in the thread's own buffers and written with one
 *   fwrite, which holds the stream's lock; known secrets (util/redact.c)
 *   are under their own lock;
 * - the C library: gmtime_r and localtime_r only; strerror is thread-safe in
 *   glibc since 2.32 (a thread's own buffer for unknown codes); getenv,
 *   with no setenv anywhere; readdir on each caller's own directory stream.
 * A build with -fsanitize=thread of the fleet and snapshot tests found
 * nothing (docs/scaling.md).
 */
#define FINISH_QUEUE 4

/* Tenants handed to the finisher, in order; the first ndone of them are finished. */
struct finisher {
	pthread_mutex_t lock;
	pthread_cond_t work;    /* a tenant to finish, or the run's end */
	pthread_cond_t done;    /* a tenant finished */
	struct dw_graph *graph; /* woken when a tenant is finished */
	struct tenant_run *queue[FINISH_QUEUE];
	size_t head, len, ndone;
	bool usable;   /* false once a thread could not be made */
	bool alive;    /* its thread is finishing tenants */
	bool joinable; /* its thread was made and not joined */
	pthread_t thread;
};

enum slot_state { SLOT_FREE, SLOT_READING, SLOT_FINISHING };

/*
 * The run's slots: each holds a tenant from its start until the caller has
 * seen it; at most size of them reading, at most FINISH_QUEUE handed to the
 * finisher. A streaming run's entries are the slots' own, reused; otherwise
 * they are the report's.
 */
struct window {
	struct tenant_run *runs;
	struct dw_snapshot_tenant *entries;
	enum slot_state *state;
	size_t size, nslots, reading, finishing;
	struct finisher fin;
};

/*
 * The thread ends as soon as nothing is left to finish, and the loop's
 * thread joins it before it takes back the last tenant it finished: that
 * tenant's store is still open then. libgit2 keeps a state per thread under a
 * key that its shutdown deletes (the store shuts it down when its last
 * repository closes), and a thread that outlived that key would leak its
 * state; a thread per busy spell costs microseconds, a finish milliseconds.
 */
static void *finisher_main(void *arg)
{
	struct finisher *f = arg;
	struct tenant_run *tr;

	pthread_mutex_lock(&f->lock);
	while (f->ndone < f->len) {
		tr = f->queue[(f->head + f->ndone) % FINISH_QUEUE];
		pthread_mutex_unlock(&f->lock);
		tr->report->rc = dw_snapshot__tenant_finish(tr, &tr->report->err);
		pthread_mutex_lock(&f->lock);
		f->ndone++;
		pthread_cond_signal(&f->done);
		dw_graph_wakeup(f->graph);
	}
	f->alive = false;
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static void finisher_init(struct finisher *f, struct dw_graph *graph)
{
	f->graph = graph;
	f->usable = true;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->done, NULL);
}

/* Joins a thread that ended; under f->lock. */
static void finisher_join(struct finisher *f)
{
	if (f->joinable && !f->alive) {
		pthread_join(f->thread, NULL);
		f->joinable = false;
	}
}

/* Called once no tenant is with the finisher: its thread has ended. */
static void finisher_release(struct finisher *f)
{
	pthread_mutex_lock(&f->lock);
	finisher_join(f);
	pthread_mutex_unlock(&f->lock);
	pthread_cond_destroy(&f->done);
	pthread_mutex_destroy(&f->lock);
}

static bool finisher_room(struct finisher *f)
{
	bool room;

	pthread_mutex_lock(&f->lock);
	room = f->len < FINISH_QUEUE;
	pthread_mutex_unlock(&f->lock);
	return room;
}

/*
 * @tr to the finisher, starting its thread when it has none; false when no
 * thread could be made (the caller finishes @tr itself, as on the loop's
 * thread before, and so do later tenants). Signals go to the main thread
 * only: the finisher blocks them all.
 */
static bool finisher_push(struct finisher *f, struct tenant_run *tr)
{
	sigset_t all, old;

	pthread_mutex_lock(&f->lock);
	if (!f->alive) {
		finisher_join(f);
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		f->alive = f->joinable = pthread_create(&f->thread, NULL, finisher_main, f) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		f->usable = f->alive;
	}
	if (f->usable)
		f->queue[(f->head + f->len++) % FINISH_QUEUE] = tr;
	pthread_mutex_unlock(&f->lock);
	if (!f->usable)
		dw_log_warning("no finisher thread: tenants are committed on the loop's thread");
	return f->usable;
}

/* The oldest finished tenant, taken out of the queue; NULL when none is. */
static struct tenant_run *finisher_pop(struct finisher *f, bool wait)
{
	struct tenant_run *tr = NULL;

	pthread_mutex_lock(&f->lock);
	while (wait && f->ndone == 0)
		pthread_cond_wait(&f->done, &f->lock);
	if (f->ndone) {
		finisher_join(f); /* before its last tenant's store may close */
		tr = f->queue[f->head];
		f->head = (f->head + 1) % FINISH_QUEUE;
		f->len--;
		f->ndone--;
	}
	pthread_mutex_unlock(&f->lock);
	return tr;
}

static bool finisher_has_done(struct finisher *f)
{
	bool any;

	pthread_mutex_lock(&f->lock);
	any = f->ndone > 0;
	pthread_mutex_unlock(&f->lock);
	return any;
}

/*
 * Whether a tenant's reads are all done. One that failed to start stays in
 * its slot until then too: reads it submitted before failing must finish
 * before their tenant and ops can be freed.
 */
static bool tenant_idle(const struct tenant_run *tr)
{
	return !tr->graph || dw_graph_tenant_idle(tr->graph);
}

/* A tenant whose reads are done can leave its read slot: it failed, or the finisher has room. */
static bool can_leave(struct window *w, const struct tenant_run *tr)
{
	return tenant_idle(tr) && (tr->report->rc < 0 || !w->fin.usable || finisher_room(&w->fin));
}

/* The loop stops for a tenant that can leave its read slot, or one finished. */
static bool loop_stop(void *arg)
{
	struct window *w = arg;
	size_t i;

	if (finisher_has_done(&w->fin))
		return true;
	for (i = 0; i < w->nslots; i++)
		if (w->state[i] == SLOT_READING && can_leave(w, &w->runs[i]))
			return true;
	return false;
}

/* Tenant @index of the run into a free slot, its reads submitted. */
static void start_tenant(struct window *w, const struct dw_tenant_config *tenant, size_t index,
                         const struct dw_session_context *ctx, struct dw_snapshot_report *report)
{
	struct dw_snapshot_tenant *t;
	size_t i;

	for (i = 0; w->state[i] != SLOT_FREE; i++)
		; /* at most size reading and FINISH_QUEUE finishing: one is free */
	t = report->tenants ? &report->tenants[index] : &w->entries[i];
	t->tenant = tenant;
	w->runs[i] = (struct tenant_run){ .ctx = ctx, .run_id = report->run_id, .report = t };
	t->rc = dw_snapshot__tenant_start(&w->runs[i], &t->err);
	w->state[i] = SLOT_READING;
	w->reading++;
}

/* A tenant finished (or failed): released on the loop's thread, told, and its slot freed. */
static void end_tenant(struct window *w, struct tenant_run *tr,
                       const struct dw_snapshot_options *opts)
{
	struct dw_snapshot_tenant *t = tr->report;

	dw_snapshot__tenant_release(tr);
	name_failure(t);
	log_tenant(t);
	hand_over(opts, t);
	tr->report = NULL;
	w->state[tr - w->runs] = SLOT_FREE;
}

/* A tenant whose reads are done leaves its read slot: to the finisher, or ended. */
static void reads_done(struct window *w, struct tenant_run *tr, int loop_rc,
                       const struct dw_error *loop_err, const struct dw_snapshot_options *opts)
{
	struct dw_snapshot_tenant *t = tr->report;

	if (t->rc == 0 && loop_rc < 0) {
		t->rc = loop_rc;
		t->err = *loop_err;
	}
	/* its reads are staged: the memory reading cost, before drift is evaluated */
	if (dw_log_enabled(DW_LOG_DEBUG))
		dw_log_debug("tenant %s read and staged; peak RSS so far %ld KiB", t->tenant->name,
		             peak_rss_kib());
	if (t->rc == 0)
		t->rc = dw_snapshot__tenant_signed_in(tr, &t->err);
	w->reading--;
	if (t->rc == 0 && w->fin.usable && finisher_push(&w->fin, tr)) {
		w->state[tr - w->runs] = SLOT_FINISHING;
		w->finishing++;
		return;
	}
	if (t->rc == 0)
		t->rc = dw_snapshot__tenant_finish(tr, &t->err);
	end_tenant(w, tr, opts);
}

/* The tenants the finisher is done with, in the order they were handed to it. */
static size_t take_finished(struct window *w, bool wait, const struct dw_snapshot_options *opts)
{
	struct tenant_run *tr;
	size_t n = 0;

	while ((tr = finisher_pop(&w->fin, wait && n == 0))) {
		w->finishing--;
		end_tenant(w, tr, opts);
		n++;
	}
	return n;
}

static bool reads_under_way(const struct window *w)
{
	size_t i;

	for (i = 0; i < w->nslots; i++)
		if (w->state[i] == SLOT_READING && !tenant_idle(&w->runs[i]))
			return true;
	return false;
}

/*
 * Keeps the read slots full until every tenant is done. The loop runs while
 * any read is under way and stops when a tenant's reads are done or the
 * finisher is done with one; with no read under way and nothing else to do,
 * it waits for the finisher.
 */
static void run_window(struct window *w, const struct dw_tenant_config **tenants,
                       const struct dw_session_context *ctx, struct dw_snapshot_report *report,
                       const struct dw_snapshot_options *opts)
{
	struct dw_error loop_err;
	size_t i, moved, next = 0;
	int r = 0;

	for (;;) {
		moved = take_finished(w, false, opts);
		while (w->reading < w->size && next < report->ntenants) {
			start_tenant(w, tenants[next], next, ctx, report);
			next++;
		}
		if (!w->reading && !w->finishing)
			break;
		dw_error_clear(&loop_err);
		/* a broken loop has finished every op: every reading tenant ends, with its error */
		if (reads_under_way(w))
			r = dw_graph_run_until(ctx->graph, loop_stop, w, &loop_err);
		for (i = 0; i < w->nslots; i++) {
			struct tenant_run *tr = &w->runs[i];

			if (w->state[i] == SLOT_READING && (r < 0 || can_leave(w, tr))) {
				reads_done(w, tr, r, &loop_err, opts);
				moved++;
			}
		}
		r = 0;
		/* nothing to read and nothing could move: only the finisher can go on */
		if (!moved && w->finishing && !reads_under_way(w))
			take_finished(w, true, opts);
	}
}

static int prepare(const struct dw_config *cfg, const struct dw_snapshot_options *opts,
                   struct dw_snapshot_report *report, const struct dw_tenant_config ***tenants,
                   struct dw_error *err)
{
	int r;

	r = dw_snapshot_select(cfg, opts->tenants, opts->ntenants, opts->shard_index,
	                       opts->shard_count, tenants, &report->ntenants, err);
	if (r < 0)
		return r;
	if (opts->run_id)
		snprintf(report->run_id, sizeof(report->run_id), "%s", opts->run_id);
	else if ((r = new_run_id(report->run_id, sizeof(report->run_id))) < 0)
		return dw_error_set(err, r, DW_AREA_SYSTEM, -r, "could not make a run id");
	if (opts->tenant_done)
		return 0;
	report->tenants = calloc(report->ntenants ? report->ntenants : 1, sizeof(*report->tenants));
	return report->tenants ? 0 : -ENOMEM;
}

static void record_stats(const struct dw_graph *graph, struct dw_snapshot_report *report)
{
	struct dw_graph_stats stats;

	dw_graph_stats(graph, &stats);
	report->graph = stats;
	report->requests = stats.requests;
	report->throttled = stats.throttled;
	report->retries = stats.retries;
	/* what paging cost in memory: one page per read under way, not whole collections */
	dw_log_debug("graph: %lu requests, at most %llu bytes of parsed pages held at once",
	             stats.requests, stats.page_bytes_peak);
}

int dw_snapshot_run(const struct dw_config *cfg, const struct dw_catalog *catalog,
                    const struct dw_snapshot_options *opts, struct dw_snapshot_report **out,
                    struct dw_error *err)
{
	struct dw_snapshot_report *report = calloc(1, sizeof(*report));
	const struct dw_tenant_config **tenants = NULL;
	struct dw_session_context ctx = { 0 };
	struct window w = { .size = window_size(&cfg->agent) };
	struct dw_error push_err;
	int r = -ENOMEM;

	*out = report;
	if (!report)
		goto out;
	r = prepare(cfg, opts, report, &tenants, err);
	/* the key is read here, once, and every tenant's credential is decrypted with it */
	if (r == 0)
		r = dw_session_context_init(&ctx, cfg, catalog,
		                            DW_SESSION_GRAPH | DW_SESSION_RECIPIENTS, err);
	if (r < 0)
		goto out;
	/* the store is shared all run long: the roll-up waits for a process of its own */
	ctx.compact_only = report->ntenants > 1 || opts->compact_only;
	w.nslots = w.size + FINISH_QUEUE;
	w.runs = calloc(w.nslots, sizeof(*w.runs));
	w.entries = calloc(w.nslots, sizeof(*w.entries));
	w.state = calloc(w.nslots, sizeof(*w.state));
	if (!w.runs || !w.entries || !w.state) {
		r = -ENOMEM;
		goto out;
	}
	finisher_init(&w.fin, ctx.graph);
	run_window(&w, tenants, &ctx, report, opts);
	finisher_release(&w.fin);
	record_stats(ctx.graph, report);
	/* a failed push is each tenant's failure, in its report entry or told to tenant_pushed */
	if (opts->push && cfg->agent.remote) {
		dw_error_clear(&push_err);
		dw_snapshot__push(cfg, opts, tenants, report, &push_err);
	}
	r = 0;
out:
	free(w.state);
	free(w.entries);
	free(w.runs);
	dw_session_context_release(&ctx);
	free(tenants);
	return r;
}

void dw_snapshot_report_free(struct dw_snapshot_report *report)
{
	size_t i;

	if (!report)
		return;
	for (i = 0; report->tenants && i < report->ntenants; i++)
		free(report->tenants[i].collectors);
	free(report->tenants);
	free(report);
}
