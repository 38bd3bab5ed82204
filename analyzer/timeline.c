/* Per-hour counters and the timeline drawn from them (see timeline.h). */
#include "config.h"

#include "analyzer/timeline.h"

#include <stdlib.h>
#include <string.h>

#include "common/bounds.h"

#define HOUR_TABLE_SLOTS_MIN 64u

struct hour_table *hour_table_new(void)
{
	return calloc(1, sizeof(struct hour_table));
}

void hour_table_free(struct hour_table *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->slot);
	free(t);
}

static uint32_t hour_hash(uint32_t hour, uint32_t mask)
{
	/* consecutive hours land in consecutive slots otherwise; the
	 * multiplier (Knuth's) spreads them so probes stay short */
	return (hour * 2654435761u) & mask;
}

static int rehash(struct hour_table *t, uint32_t n_slots)
{
	uint32_t *slot = calloc(n_slots, sizeof(*slot));

	if (!slot)
		return -1;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t s = hour_hash(t->v[i].hour, n_slots - 1);
		while (slot[s])
			s = (s + 1) & (n_slots - 1);
		slot[s] = i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->n_slots = n_slots;
	return 0;
}

struct hour_counts *hour_table_get(struct hour_table *t, uint32_t hour)
{
	uint32_t s = 0;

	if (t->n_slots) {
		s = hour_hash(hour, t->n_slots - 1);
		for (; t->slot[s]; s = (s + 1) & (t->n_slots - 1))
			if (t->v[t->slot[s] - 1].hour == hour)
				return &t->v[t->slot[s] - 1];
	}
	if (t->n >= LW_TIMELINE_MAX_HOURS)
		return NULL;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		if (cap > LW_TIMELINE_MAX_HOURS)
			cap = LW_TIMELINE_MAX_HOURS;
		struct hour_counts *v = realloc(t->v, (size_t)cap * sizeof(*v));
		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	/* at most half full, so a probe always ends at an empty slot */
	if ((t->n + 1) * 2 > t->n_slots) {
		uint32_t n_slots = t->n_slots ? t->n_slots * 2 : HOUR_TABLE_SLOTS_MIN;
		if (rehash(t, n_slots) < 0)
			return NULL;
		s = hour_hash(hour, t->n_slots - 1);
		while (t->slot[s])
			s = (s + 1) & (t->n_slots - 1);
	}
	struct hour_counts *h = &t->v[t->n];
	memset(h, 0, sizeof(*h));
	h->hour = hour;
	t->slot[s] = ++t->n;
	return h;
}

void hour_table_add(struct hour_table *t, const struct attempt *a, enum src_class cls)
{
	enum outcome o = a->outcome < OUTCOME_COUNT ? (enum outcome)a->outcome : OUTCOME_UNANSWERED;
	struct hour_counts *h = hour_table_get(t, (uint32_t)(a->first_us / 3600000000ULL));

	if (!h) {
		t->dropped++;
		return;
	}
	h->c[cls].attempts++;
	h->c[cls].outcome[o]++;
	h->c[cls].replied += a->replied;
	h->c[cls].without_syn += a->without_syn;
	if (a->evicted && o == OUTCOME_UNANSWERED)
		h->evicted_open[cls]++;
}

static int hour_cmp(const void *pa, const void *pb)
{
	const struct hour_counts *a = pa, *b = pb;

	return a->hour < b->hour ? -1 : a->hour > b->hour;
}

int hour_table_export(const struct hour_table *t, struct hour_counts **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	if (!t || t->n == 0)
		return 0;
	*ret = malloc((size_t)t->n * sizeof(**ret));
	if (!*ret)
		return -1;
	memcpy(*ret, t->v, (size_t)t->n * sizeof(**ret));
	qsort(*ret, t->n, sizeof(**ret), hour_cmp);
	*ret_n = t->n;
	return 0;
}

/* ---- timeline ------------------------------------------------------------ */

/* A bucket's own verdict, by the same rules as the whole window's; kernel
 * drops and sensor gaps are not known per hour and count for the window. */
static enum verdict bucket_verdict(const struct hour_counts *h)
{
	struct verdict_input in;
	char reason[8];

	memset(&in, 0, sizeof(in));
	memcpy(in.totals, h->c, sizeof(in.totals));
	in.evicted_open_outside = h->evicted_open[CLASS_OUTSIDE] + h->evicted_open[CLASS_PROBE];
	return verdict_decide(&in, reason, sizeof(reason));
}

static void add_counts(struct hour_counts *d, const struct hour_counts *s)
{
	for (int c = 0; c < CLASS_COUNT; c++) {
		d->c[c].attempts += s->c[c].attempts;
		d->c[c].replied += s->c[c].replied;
		d->c[c].without_syn += s->c[c].without_syn;
		for (int o = 0; o < OUTCOME_COUNT; o++)
			d->c[c].outcome[o] += s->c[c].outcome[o];
		d->evicted_open[c] += s->evicted_open[c];
	}
}

int timeline_build(const struct hour_counts *hours, size_t n_hours, struct timeline *ret)
{
	return timeline_build_unit(hours, n_hours, 3600, ret);
}

int timeline_build_unit(const struct hour_counts *hours, size_t n_hours, uint32_t unit_s,
			struct timeline *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->bucket_s = unit_s;
	if (n_hours == 0)
		return 0;
	uint32_t span = hours[n_hours - 1].hour - hours[0].hour + 1, per;
	if (unit_s < 3600 && span <= LW_TIMELINE_MINUTE_MAX)
		per = 1;
	else if (unit_s < 3600) /* minutes drawn per hour, or per day */
		per = span / 60 > LW_TIMELINE_HOURLY_MAX ? 1440 : 60;
	else
		per = span > LW_TIMELINE_HOURLY_MAX ? 24 : 1;
	ret->bucket_s = per * unit_s;
	ret->b = calloc(n_hours, sizeof(*ret->b)); /* never more buckets than hours */
	if (!ret->b)
		return -1;

	enum verdict last = VERDICT_UNPROVEN;
	for (size_t i = 0; i < n_hours;) {
		struct hour_counts sum;
		uint32_t start = hours[i].hour / per * per;
		memset(&sum, 0, sizeof(sum));
		for (; i < n_hours && hours[i].hour / per * per == start; i++)
			add_counts(&sum, &hours[i]);
		uint64_t total = 0;
		for (int c = 0; c < CLASS_OUTBOUND; c++)
			total += sum.c[c].attempts;
		if (total == 0)
			continue; /* a series hash with nothing in it */
		struct timeline_bucket *b = &ret->b[ret->n++];
		b->from_us = (uint64_t)start * unit_s * 1000000ULL;
		b->attempts = sum.c[CLASS_OUTSIDE].attempts + sum.c[CLASS_PROBE].attempts;
		b->reached =
		    counts_reached(&sum.c[CLASS_OUTSIDE]) + counts_reached(&sum.c[CLASS_PROBE]);
		b->total = total;
		b->verdict = bucket_verdict(&sum);
		if (b->verdict != VERDICT_UNPROVEN) {
			b->changed = last != VERDICT_UNPROVEN && b->verdict != last;
			last = b->verdict;
		}
	}
	return 0;
}

void timeline_release(struct timeline *t)
{
	free(t->b);
	t->b = NULL;
	t->n = 0;
}

const char *timeline_change_text(enum verdict v)
{
	switch (v) {
	case VERDICT_EFFECTIVE:
		return "lockdown effective from here";
	case VERDICT_NOT_EFFECTIVE:
		return "NOT EFFECTIVE from here: outside sources reach the server";
	case VERDICT_INCONCLUSIVE:
		return "inconclusive from here: the capture cannot be trusted";
	case VERDICT_UNPROVEN:
		break;
	}
	return "";
}
