/* lockwatchd's side of the Redis store (redis/store_redis.h): every
 * flush interval the loop takes the aggregate's changes as a batch (cheap,
 * proportional to the sources changed) and hands it to the store worker,
 * which may block on Redis for as long as the store's timeouts allow. One
 * batch is in flight at a time: while it is, the changes simply stay in
 * the aggregate and go with the next batch, so a stalled Redis costs
 * memory within the store's bound, never capture time and never counts.
 * The worker reports success or failure; the loop turns a change into the
 * "redis_lost" / "redis_regained" alerts.
 *
 * A replay (-r) is offline: it never drops counts. While it reads, the
 * worker waits for an absent Redis (up to redis-wait), and reading waits
 * for the worker whenever the changes could outgrow what the aggregate
 * holds for the next batch (back-pressure); when Redis stays away longer,
 * the replay stops with exit 69 and says what was not stored. Once the
 * files are read (a lingering replay) it behaves as the live sensor. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/program.h"
#include "daemon/loop.h"
#include "daemon/store.h"
#include "redis/redis_opts.h"

/* How long the final flush may wait for an absent Redis before giving up
 * (the held counts are then reported as not stored). */
#define DAEMON_STORE_DRAIN_MS 5000u

struct daemon_store {
	struct store *store; /* the worker's while a batch is in flight */
	struct worker *worker;
	atomic_bool in_flight;
	atomic_bool failing;				  /* as of the last flush */
	_Atomic uint64_t held, lost;			  /* as of the last flush */
	char errstr[sizeof(((struct store *)0)->errstr)]; /* set before in_flight clears */
	bool reported_failing; /* loop thread: what the last alert said */
	uint64_t started_us;
	bool offline;	     /* a replay */
	atomic_bool reading; /* a replay still reading its files: wait, never drop */
	atomic_bool gave_up; /* Redis stayed away longer than redis-wait */
	uint64_t unsent;     /* attempts of batches taken after giving up */
};

static void run_flush(void *job, void *ctx)
{
	struct daemon_store *ds = ctx;
	bool wait = ds->offline && atomic_load(&ds->reading);
	int r = wait ? store_flush_wait(ds->store, job) : store_flush_batch(ds->store, job);

	if (wait && r < 0 && (ds->store->pending || ds->store->unknown))
		atomic_store(&ds->gave_up, true);
	if (ds->store->notice_new) { /* once; unless it tells of a loss, the counts were stored */
		ds->store->notice_new = false;
		fprintf(stderr, "lockwatchd: %s%s\n", ds->store->notice,
			ds->store->notice_lost ? "" : "; every count is stored");
	}
	/* a reconnect that is not due yet is no news */
	if (r < 0 && ds->store->err == STORE_ERR_BACKOFF) {
		atomic_store(&ds->held, store_held_sources(ds->store));
		atomic_store(&ds->lost, ds->store->lost);
		atomic_store(&ds->in_flight, false);
		return;
	}
	snprintf(ds->errstr, sizeof(ds->errstr), "%s", ds->store->errstr);
	atomic_store(&ds->held, store_held_sources(ds->store));
	atomic_store(&ds->lost, ds->store->lost);
	atomic_store(&ds->failing, r < 0);
	atomic_store(&ds->in_flight, false);
}

static void fill_health(struct daemon *d, struct store_batch *b);

/* Called by the aggregate when the changes of one interval reach their
 * bound (LW_STORE_BATCH_SOURCES sources changed or folded) before the
 * flush tick: a flood of new sources. The live sensor (and a lingering
 * replay) sends them early when no batch is in flight, so memory follows
 * the bound rather than the flood; if one is, the aggregate folds what it
 * can. A replay still reading waits for the batch in flight, then sends
 * (back-pressure: offline runs never drop). */
static void pending_full(struct aggregate *ag, void *ctx)
{
	struct daemon *d = ctx;
	struct daemon_store *ds = d->store;

	if (!atomic_load(&ds->reading)) {
		daemon_store_flush(d); /* returns at once while a batch is in flight */
		return;
	}
	worker_drain(ds->worker);
	if (!atomic_load(&ds->gave_up)) {
		daemon_store_flush(d);
		return;
	}
	/* Redis is gone for good and the replay is stopping: counted */
	struct store_batch *b = aggregate_take_batch(ag);
	if (b)
		ds->unsent += store_batch_attempts(b);
	store_batch_free(b);
}

int daemon_store_start(struct daemon *d)
{
	const struct daemon_config *cfg = d->cfg;
	struct redis_opts ro;
	struct store_config sc;
	char *password = NULL;
	char sensor[STORE_SENSOR_NAME_MAX + 1];

	if (!cfg->redis)
		return 0;
	redis_opts_defaults(&ro);
	ro.url = cfg->redis;
	ro.password_file = cfg->redis_password_file;
	if (cfg->redis_prefix)
		ro.prefix = cfg->redis_prefix;
	ro.sensor = cfg->sensor_name;
	if (cfg->redis_retention_days)
		ro.retention_days = cfg->redis_retention_days;
	if (cfg->redis_minute_retention_hours)
		ro.minute_retention_hours = cfg->redis_minute_retention_hours;
	if (cfg->redis_max_pending)
		ro.max_pending = cfg->redis_max_pending;
	int rc = redis_opts_config(&ro, &sc, &password, sensor, sizeof(sensor));
	if (rc)
		return rc;
	if (!cfg->interface) /* 0 s: give up at the first failure */
		sc.offline_wait_ms = cfg->redis_wait_s ? cfg->redis_wait_s * 1000u : 1u;
	struct daemon_store *ds = calloc(1, sizeof(*ds));
	if (!ds) {
		redis_opts_free_password(password);
		fprintf(stderr, "lockwatchd: out of memory\n");
		return LW_EXIT_SOFTWARE;
	}
	d->store = ds;
	ds->started_us = daemon_now_us();
	ds->offline = !cfg->interface;
	atomic_store(&ds->reading, ds->offline);

	ds->store = store_new(&sc);
	redis_opts_free_password(password);
	if (!ds->store) {
		fprintf(stderr, "lockwatchd: out of memory\n");
		return LW_EXIT_SOFTWARE;
	}
	/* Redis down at start is no reason to stop watching: counts are held
	 * and the first flush tick raises "redis_lost". */
	if (ds->store->err) {
		snprintf(ds->errstr, sizeof(ds->errstr), "%s", ds->store->errstr);
		atomic_store(&ds->failing, true);
	}
	ds->worker = worker_new(run_flush, NULL, ds, 1);
	if (!ds->worker) {
		fprintf(stderr, "lockwatchd: cannot start the store thread: %s\n", strerror(errno));
		return LW_EXIT_SOFTWARE;
	}
	aggregate_track_changes(d->pipe->agg);
	d->redis.on = true;
	d->redis.up = !atomic_load(&ds->failing);
	d->pipe->agg->pending_full = pending_full;
	d->pipe->agg->pending_full_ctx = d;
	d->pipe->agg->pending_full_at = LW_STORE_BATCH_SOURCES;
	return 0;
}

static void fill_health(struct daemon *d, struct store_batch *b)
{
	pipeline_store_health(d->pipe, d->cap, d->store->started_us, &b->health);
}

/* Loop thread: alerts on a change of the store's state. */
static void report_state(struct daemon *d)
{
	struct daemon_store *ds = d->store;
	bool failing = atomic_load(&ds->failing);
	struct alert a;

	if (failing == ds->reported_failing)
		return;
	ds->reported_failing = failing;
	if (failing) {
		alert_init(&a, ALERT_REDIS_LOST);
		alert_add_field(&a, "LOCKWATCH_ERROR", "%s", ds->errstr);
		alert_set_message(&a,
				  "cannot write to Redis (%s): counts are held in memory and sent "
				  "when it is back",
				  ds->errstr);
	} else {
		alert_init(&a, ALERT_REDIS_REGAINED);
		alert_set_message(&a, "Redis writes again; the held counts were sent");
	}
	alerter_raise(d->alerter, &a, daemon_now_us(), false);
}

void daemon_store_flush(struct daemon *d)
{
	struct daemon_store *ds = d->store;

	if (!ds || atomic_load(&ds->in_flight))
		return;
	report_state(d);
	d->redis.up = !ds->reported_failing;
	d->redis.held = atomic_load(&ds->held);
	d->redis.lost = atomic_load(&ds->lost);
	struct store_batch *b = aggregate_take_batch(d->pipe->agg);
	if (b) /* else out of memory: the changes stay in the aggregate */
		fill_health(d, b);
	atomic_store(&ds->in_flight, true);
	/* NULL still retries what the store holds */
	if (worker_submit(ds->worker, b) < 0) {
		atomic_store(&ds->in_flight, false);
		store_batch_free(b); /* cannot happen with one job in flight */
	}
}

bool daemon_store_gave_up(struct daemon *d)
{
	return d->store && atomic_load(&d->store->gave_up);
}

void daemon_store_replay_done(struct daemon *d)
{
	struct daemon_store *ds = d->store;

	if (!ds)
		return;
	/* what was read goes out before a lingering replay turns live */
	worker_drain(ds->worker);
	if (!atomic_load(&ds->gave_up)) {
		daemon_store_flush(d);
		worker_drain(ds->worker);
	}
	atomic_store(&ds->reading, false);
}

int daemon_store_stop(struct daemon *d)
{
	struct daemon_store *ds = d->store;
	int rc = 0;

	if (!ds)
		return 0;
	/* the worker finishes its batch; then this thread owns the store */
	worker_free(ds->worker);
	ds->worker = NULL;
	if (ds->store) {
		struct store *s = ds->store;
		struct store_batch *b = aggregate_take_batch(d->pipe->agg);
		uint64_t unsent = 0;
		if (b)
			fill_health(d, b);
		if (atomic_load(&ds->gave_up)) {
			/* one more try, no more waiting: the run already waited */
			store_flush_batch(s, b);
		} else {
			store_flush_batch(s, b);
			store_drain(s, DAEMON_STORE_DRAIN_MS);
		}
		unsent = store_unsent_attempts(s) + ds->unsent;
		/* Each part of the message has its own reason: the error of a
		 * flush that did not land, or the counts dropped earlier while
		 * Redis was away (the last flush itself may have landed). */
		if (store_holding(s) || ds->unsent)
			fprintf(stderr,
				"lockwatchd: final flush incomplete: %s: %" PRIu64
				" attempt(s) not stored%s\n",
				s->errstr[0] ? s->errstr : "redis: not connected", unsent,
				atomic_load(&ds->gave_up)
				    ? " (Redis stayed away longer than redis-wait)"
				    : "");
		if (s->lost)
			fprintf(
			    stderr,
			    "lockwatchd: %" PRIu64 " attempt(s) lost their per-source counts while "
			    "Redis was away or refused them (recorded as 'lost' in sensor:%s)\n",
			    s->lost, s->sensor);
		if (store_holding(s) || ds->unsent || s->lost)
			rc = LW_EXIT_UNAVAILABLE;
		d->redis.up = rc == 0;
		d->redis.held = store_held_sources(s);
		d->redis.lost = s->lost;
		store_free(s);
	}
	free(ds);
	d->store = NULL;
	return rc;
}
