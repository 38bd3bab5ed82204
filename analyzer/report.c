/* The report model: built from aggregates (the worst sources selected, not
 * every source sorted), judged. */
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

/* What ranks a source: kept apart from struct report_source so a source
 * of the aggregate can be ranked without copying it. */
struct rank {
	bool reached;
	uint8_t best;
	uint8_t cls;
	uint64_t attempts;
	const struct lw_addr *addr;
};

/* Worst first: reached before blocked, deeper outcome first (smtp >
 * established > accepted), then more attempts, then the address. */
static int rank_cmp(const struct rank *a, const struct rank *b)
{
	if (a->reached != b->reached)
		return a->reached ? -1 : 1;
	/* Among reached sources the deeper outcome is worse; among blocked
	 * ones how they were blocked does not rank them. */
	if (a->reached && a->best != b->best)
		return a->best > b->best ? -1 : 1;
	if (a->cls != b->cls)
		return a->cls == CLASS_OUTSIDE ? -1 : 1;
	if (a->attempts != b->attempts)
		return a->attempts > b->attempts ? -1 : 1;
	return addr_compare(a->addr, b->addr);
}

static struct rank rank_of(const struct report_source *s)
{
	struct rank k = {s->reached, s->best, (uint8_t)s->cls, s->c.attempts, &s->addr};
	return k;
}

static int source_cmp(const void *pa, const void *pb)
{
	struct rank a = rank_of(pa), b = rank_of(pb);

	return rank_cmp(&a, &b);
}

static void judge(struct report *r, uint64_t reached_outside_sources)
{
	struct verdict_input in;

	memset(&in, 0, sizeof(in));
	memcpy(in.totals, r->totals, sizeof(in.totals));
	in.reached_outside_sources = reached_outside_sources;
	in.kernel_drops = r->kernel_drops;
	/* A sensor that had to drop counts while Redis was away left a gap. */
	for (size_t i = 0; i < r->n_sensors; i++)
		if (r->sensors[i].lost)
			in.sensor_gaps++;
	in.evicted_open_outside = r->evicted_open_outside;
	in.reach_by_sources_only = r->totals_whole_hours;
	for (unsigned i = 0; i < r->n_malformed; i++)
		in.undecodable += r->malformed[i].n;
	r->verdict = verdict_decide(&in, r->reason, sizeof(r->reason));
}

void report_finish(struct report *r)
{
	uint64_t reached = 0;

	if (r->n_sources > 1)
		qsort(r->sources, r->n_sources, sizeof(*r->sources), source_cmp);
	for (size_t i = 0; i < r->n_sources; i++)
		if (class_judged_outside(r->sources[i].cls) && r->sources[i].reached)
			reached++;
	judge(r, reached);
	if (r->top && r->n_sources > r->top)
		r->n_sources = r->top;
}

static void fill_source(struct report_source *d, const struct aggregate *ag,
			const struct source_agg *s)
{
	const struct source_cold *c = aggregate_cold(ag, s);

	d->addr = s->addr;
	d->cls = (enum src_class)s->cls;
	d->label = c ? c->label : NULL;
	d->helo = c && c->helo[0] ? c->helo : NULL;
	memset(&d->c, 0, sizeof(d->c));
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		d->c.outcome[o] = s->c.outcome[o];
		d->c.attempts += s->c.outcome[o];
	}
	d->c.replied = s->c.replied;
	d->c.without_syn = c ? c->without_syn : 0;
	d->first_us = s->first_us;
	d->last_us = s->last_us;
	d->reached = outcome_reached((enum outcome)s->best);
	d->lower_bound = (s->flags & SRC_F_LOWER_BOUND) != 0;
	d->best = s->best;
}

/* The heap keeps the k worst seen so far with the least bad of them at
 * the root, so a source need only be ranked against the root. */
static void heap_down(struct report_source *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && source_cmp(&h[l], &h[m]) > 0)
			m = l;
		if (l + 1 < n && source_cmp(&h[l + 1], &h[m]) > 0)
			m = l + 1;
		if (m == i)
			return;
		struct report_source t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_up(struct report_source *h, size_t i)
{
	while (i > 0 && source_cmp(&h[i], &h[(i - 1) / 2]) > 0) {
		struct report_source t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

int report_from_aggregate(struct report *r, const struct aggregate *ag)
{
	uint32_t n = aggregate_count(ag);
	uint64_t reached = 0;
	size_t total = 0, cap = r->top;

	memcpy(r->totals, ag->totals, sizeof(r->totals));
	for (int c = 0; c < CLASS_COUNT; c++)
		r->totals[c].sources = aggregate_sources(
		    ag, (enum src_class)c, c == CLASS_OUTSIDE ? &r->sources_estimated : NULL);
	r->from_us = ag->from_us;
	r->to_us = ag->to_us;
	r->sources_dropped = ag->sources_dropped;
	r->sources_evicted = ag->sources_evicted;
	r->sources_folded = ag->sources_folded;
	r->sources_readmitted = ag->sources_readmitted;
	r->evicted_open_outside = ag->evicted_open[CLASS_OUTSIDE] + ag->evicted_open[CLASS_PROBE];
	if (cap == 0) /* all of them */
		for (uint32_t i = 0; i < n; i++)
			cap += class_listed((enum src_class)aggregate_at(ag, i)->cls);
	r->sources = calloc(cap ? cap : 1, sizeof(*r->sources));
	if (!r->sources)
		return -1;
	r->n_sources = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct source_agg *s = aggregate_at(ag, i);
		if (!class_listed((enum src_class)s->cls))
			continue;
		total++;
		bool is_reached = outcome_reached((enum outcome)s->best);
		reached += class_judged_outside((enum src_class)s->cls) && is_reached;
		if (r->n_sources < cap) {
			fill_source(&r->sources[r->n_sources], ag, s);
			if (r->top) /* else all are kept and sorted below */
				heap_up(r->sources, r->n_sources);
			r->n_sources++;
			continue;
		}
		struct rank k = {is_reached, s->best, s->cls, source_attempts(s), &s->addr};
		struct rank root = rank_of(&r->sources[0]);
		if (rank_cmp(&k, &root) < 0) {
			fill_source(&r->sources[0], ag, s);
			heap_down(r->sources, r->n_sources, 0);
		}
	}
	r->sources_total = total;
	if (r->n_sources > 1)
		qsort(r->sources, r->n_sources, sizeof(*r->sources), source_cmp);
	judge(r, reached);
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
