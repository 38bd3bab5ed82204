/* Alert delivery off the capture thread: the policy (analyzer/alert.c)
 * renders on the loop thread and hands a copy to a worker, which writes it
 * to the journal (or stderr when the journal is absent, or always with
 * --foreground). A stalled journal therefore never stalls the capture; a
 * full queue loses the alert and counts it (summary: LOCKWATCH_ALERTS_LOST). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/loop.h"

static void deliver(void *job, void *ctx)
{
	struct alert_text *t = job;
	struct daemon *d = ctx;

	if (d->cfg->foreground)
		alert_stderr_write(stderr, t);
	else
		alert_journal_sink_emit(NULL, t, &d->jsink);
}

static void release(void *job, void *ctx)
{
	(void)ctx;
	free(job);
}

static int enqueue(const struct alert *a, const struct alert_text *t, void *userdata)
{
	struct daemon *d = userdata;
	struct alert_text *copy = malloc(sizeof(*copy));

	(void)a;
	if (!copy) {
		d->alerts_lost++;
		return -ENOMEM;
	}
	memcpy(copy, t, sizeof(*copy));
	/* the field pointers pointed into the original's buffer */
	for (size_t i = 0; i < t->n; i++)
		copy->field[i] = copy->buf + (t->field[i] - t->buf);
	if (worker_submit(d->alert_worker, copy) < 0) {
		free(copy);
		d->alerts_lost++;
		return -EAGAIN;
	}
	return 0;
}

int daemon_alerts_start(struct daemon *d)
{
	struct alerter_config ac;
	struct alert_sink sink = {enqueue, d};

	d->jsink.fallback = stderr;
	d->alert_worker = worker_new(deliver, release, d, LW_WORKER_QUEUE);
	if (!d->alert_worker) {
		snprintf(d->err, sizeof(d->err), "cannot start the alert thread: %s",
			 strerror(errno));
		return -1;
	}
	alerter_config_defaults(&ac);
	ac.dedup_window_us = d->cfg->dedup_window_us;
	ac.flood_rate = d->cfg->flood_rate;
	ac.flood_burst = d->cfg->flood_burst;
	ac.sensor = d->cfg->sensor_name;
	d->alerter = alerter_new(&ac, &sink);
	if (!d->alerter) {
		snprintf(d->err, sizeof(d->err), "out of memory");
		return -1;
	}
	return 0;
}

void daemon_alerts_stop(struct daemon *d)
{
	/* every alert raised so far reaches its sink before the exit */
	worker_free(d->alert_worker);
	d->alert_worker = NULL;
	alerter_free(d->alerter);
	d->alerter = NULL;
}
