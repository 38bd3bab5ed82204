/* The report model: built from aggregates, sorted worst first, judged. */
#include "config.h"

#include "analyzer/report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void format_time_iso(uint64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (us == 0 || !gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		if (len)
			buf[0] = '\0';
	}
}

/* Worst first: reached before blocked, deeper outcome first (smtp >
 * established > accepted), then more attempts, then the address. */
static int source_cmp(const void *pa, const void *pb)
{
	const struct report_source *a = pa, *b = pb;

	if (a->reached != b->reached)
		return a->reached ? -1 : 1;
	/* Among reached sources the deeper outcome is worse; among blocked
	 * ones how they were blocked does not rank them. */
	if (a->reached && a->best != b->best)
		return a->best > b->best ? -1 : 1;
	if (a->cls != b->cls)
		return a->cls == CLASS_OUTSIDE ? -1 : 1;
	if (a->c.attempts != b->c.attempts)
		return a->c.attempts > b->c.attempts ? -1 : 1;
	return addr_compare(&a->addr, &b->addr);
}

void report_finish(struct report *r)
{
	struct verdict_input in;

	if (r->n_sources > 1)
		qsort(r->sources, r->n_sources, sizeof(*r->sources), source_cmp);
	memset(&in, 0, sizeof(in));
	memcpy(in.totals, r->totals, sizeof(in.totals));
	for (size_t i = 0; i < r->n_sources; i++)
		if (r->sources[i].cls == CLASS_OUTSIDE && r->sources[i].reached)
			in.reached_outside_sources++;
	in.kernel_drops = r->kernel_drops;
	/* A sensor that had to drop counts while Redis was away left a gap. */
	for (size_t i = 0; i < r->n_sensors; i++)
		if (r->sensors[i].lost)
			in.sensor_gaps++;
	in.evicted_open_outside = r->evicted_open_outside;
	in.reach_by_sources_only = r->totals_whole_hours;
	r->verdict = verdict_decide(&in, r->reason, sizeof(r->reason));
}

int report_from_aggregate(struct report *r, const struct aggregate *ag)
{
	uint32_t n = aggregate_count(ag), k = 0;

	memcpy(r->totals, ag->totals, sizeof(r->totals));
	r->from_us = ag->from_us;
	r->to_us = ag->to_us;
	r->sources_dropped = ag->sources_dropped;
	r->evicted_open_outside = ag->evicted_open[CLASS_OUTSIDE];
	for (uint32_t i = 0; i < n; i++)
		if (aggregate_at(ag, i)->cls != CLASS_ALLOWED)
			k++;
	r->sources = calloc(k ? k : 1, sizeof(*r->sources));
	if (!r->sources)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const struct source_agg *s = aggregate_at(ag, i);
		if (s->cls == CLASS_ALLOWED)
			continue;
		struct report_source *d = &r->sources[r->n_sources++];
		d->addr = s->addr;
		d->cls = (enum src_class)s->cls;
		d->label = s->label;
		d->helo = s->helo;
		d->c = s->c;
		d->first_us = s->first_us;
		d->last_us = s->last_us;
		d->reached = s->reached_us != 0;
		d->best = s->best;
	}
	r->sources_total = r->n_sources;
	report_finish(r);
	return 0;
}

void report_release(struct report *r)
{
	free(r->sources);
	free(r->sensors);
	free(r->hours);
	r->sources = NULL;
	r->sensors = NULL;
	r->hours = NULL;
	r->n_sources = r->n_sensors = r->n_hours = 0;
}
