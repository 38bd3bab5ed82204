/* The aggregate's changes for the Redis store (see aggregate.h): what
 * changed since the last batch, per source and per hour and minute, the
 * fold of blocked one-attempt sources under a flood, and the batch taken
 * from them. Split from aggregate.c, which counts; this file remembers
 * what the store is owed. */
#include "config.h"

#include "analyzer/aggregate.h"
#include "analyzer/aggregate_internal.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/store_batch.h"
#include "common/bounds.h"
#include "common/hll.h"

void aggregate_track_changes(struct aggregate *ag)
{
	/* what was counted before is in no batch: pending restarts */
	if (!ag->pending_of)
		ag->pending_of = calloc(ag->max_src, sizeof(*ag->pending_of));
	else
		for (uint32_t i = 0; i < ag->n_pending; i++)
			if (ag->pending[i].rec != PENDING_EVICTED)
				ag->pending_of[ag->pending[i].rec] = 0;
	ag->n_pending = 0;
	ag->pending_lost = 0;
	ag->n_folded = 0;
	ag->n_fold_days = 0;
	ag->fold_none_pending = false;
	ag->track = true;
}

/* Attempts end roughly in time order, so the period (hour or minute) is
 * almost always the last one used. Out of memory: the period is not
 * counted for the store (the in-memory totals still are). */
static void track_period(struct hour_counts **v, uint32_t *n, uint32_t *cap, uint32_t period,
			 const struct attempt *a, enum src_class cls, enum outcome o)
{
	struct hour_counts *h = NULL;

	for (uint32_t i = *n; i > 0; i--)
		if ((*v)[i - 1].hour == period) {
			h = &(*v)[i - 1];
			break;
		}
	if (!h) {
		if (*n == *cap) {
			uint32_t ncap = *cap ? *cap * 2 : 4;
			struct hour_counts *nv = realloc(*v, (size_t)ncap * sizeof(*nv));
			if (!nv)
				return;
			*v = nv;
			*cap = ncap;
		}
		h = &(*v)[(*n)++];
		memset(h, 0, sizeof(*h));
		h->hour = period;
	}
	counts_one(&h->c[cls], o, a);
	if (a->evicted && o == OUTCOME_UNANSWERED)
		h->evicted_open[cls]++;
}

void aggregate_track_hour(struct aggregate *ag, const struct attempt *a, enum src_class cls,
			  enum outcome o)
{
	track_period(&ag->hours, &ag->n_hours, &ag->cap_hours,
		     (uint32_t)(a->first_us / 3600000000ULL), a, cls, o);
	track_period(&ag->minutes, &ag->n_minutes, &ag->cap_minutes,
		     (uint32_t)(a->first_us / 60000000ULL), a, cls, o);
}

/* A blocked outside source whose only attempt is in this batch: what a
 * flood is made of, and what the store may fold. */
static bool fold_candidate(const struct aggregate *ag, const struct source_pending *pe)
{
	uint64_t n = 0;

	if (pe->cls != CLASS_OUTSIDE)
		return false;
	for (int o = 0; o < OUTCOME_COUNT; o++)
		n += pe->d.outcome[o];
	if (pe->rec == PENDING_EVICTED) /* gave way: blocked and seen once */
		return n == 1;
	const struct source_agg *s = &ag->src[pe->rec];
	return n == 1 && source_attempts(s) == 1 && !outcome_reached((enum outcome)s->best) &&
	       !(s->flags & (SRC_F_LOWER_BOUND | SRC_F_FOLDED));
}

/* The hour's counters among those pending, NULL when there is none. */
static struct hour_counts *pending_hour(struct aggregate *ag, uint64_t first_us)
{
	uint32_t hour = (uint32_t)(first_us / 3600000000ULL);

	for (uint32_t i = ag->n_hours; i > 0; i--)
		if (ag->hours[i - 1].hour == hour)
			return &ag->hours[i - 1];
	return NULL;
}

/* Folds a source now, between batches: its attempt is in the hour's
 * counts already; its address goes into its day's HyperLogLog registers
 * (a constant 16 KiB a day however many a flood brings). s: its record,
 * NULL if evicted. False when its hour is not pending or out of memory
 * (it is then held as any other). */
static bool fold_now(struct aggregate *ag, const struct lw_addr *addr, uint64_t first_us,
		     uint64_t last_us, struct source_agg *s)
{
	struct hour_counts *h = pending_hour(ag, first_us);

	if (!h || lw_hll_days_add(&ag->fold_days, &ag->n_fold_days, addr,
				  (uint32_t)(last_us / 86400000000ULL)) < 0)
		return false;
	ag->n_folded++;
	h->sources_folded++;
	ag->sources_folded++;
	if (s)
		s->flags |= SRC_F_FOLDED;
	return true;
}

/* Makes room in a full table of changes by folding one blocked
 * one-attempt source's entry (the last entry takes its place). */
static bool fold_one_pending(struct aggregate *ag)
{
	for (uint32_t k = 0; !ag->fold_none_pending && k < ag->n_pending; k++) {
		uint32_t i = (ag->fold_cursor + k) % ag->n_pending;
		struct source_pending *pe = &ag->pending[i];
		if (!fold_candidate(ag, pe))
			continue;
		struct source_agg *s = pe->rec != PENDING_EVICTED ? &ag->src[pe->rec] : NULL;
		if (!fold_now(ag, &pe->addr, s ? s->first_us : pe->first_us,
			      s ? s->last_us : pe->last_us, s))
			return false;
		if (s)
			ag->pending_of[pe->rec] = 0;
		*pe = ag->pending[--ag->n_pending];
		if (i < ag->n_pending && pe->rec != PENDING_EVICTED)
			ag->pending_of[pe->rec] = i + 1;
		ag->fold_cursor = i;
		return true;
	}
	ag->fold_none_pending = true; /* until the next batch */
	return false;
}

/* The changes of one interval are bounded by pending_full_at sources (the
 * table's size when 0): reaching it calls pending_full, which takes a
 * batch when it can (an offline run waits for
 * Redis to make room; the live sensor sends early unless a batch is in
 * flight). When the table is still full (a live flood while Redis works
 * on the last batch), a blocked source seen once is folded now rather
 * than held, so memory follows the bound, not the flood; past max_sources
 * a pending one of those makes room for any other, and only then is a
 * per-source change counted as lost (the totals and hours never are). */
static bool track_room(struct aggregate *ag, uint32_t idx, const struct attempt *a)
{
	uint32_t full = ag->pending_full_at && ag->pending_full_at < ag->max_src
			    ? ag->pending_full_at
			    : ag->max_src;

	if (ag->pending_full && ag->n_pending >= full)
		ag->pending_full(ag, ag->pending_full_ctx); /* may take a batch */
	if (ag->n_pending < full)
		return true;
	struct source_agg *s = &ag->src[idx];
	struct source_pending one = {.rec = idx, .cls = s->cls};
	one.d = s->c;
	if (fold_candidate(ag, &one) && fold_now(ag, &s->addr, a->first_us, a->last_us, s))
		return false; /* folded: nothing to hold */
	if (ag->n_pending < ag->max_src || fold_one_pending(ag))
		return true;
	ag->pending_lost++;
	return false;
}

void aggregate_track(struct aggregate *ag, uint32_t idx, const struct attempt *a, enum outcome o,
		     bool newest)
{
	uint32_t p = ag->pending_of ? ag->pending_of[idx] : 0;
	struct source_pending *pe;

	if (!p) {
		if (!ag->pending_of) {
			ag->pending_lost++;
			return;
		}
		if (!track_room(ag, idx, a))
			return;
		if (ag->n_pending == ag->cap_pending) {
			uint32_t cap = ag->cap_pending ? ag->cap_pending * 2 : 256;
			if (cap > ag->max_src)
				cap = ag->max_src;
			struct source_pending *n =
			    cap > ag->cap_pending ? realloc(ag->pending, (size_t)cap * sizeof(*n))
						  : NULL;
			if (!n) {
				ag->pending_lost++;
				return;
			}
			ag->pending = n;
			ag->cap_pending = cap;
		}
		const struct source_agg *s = &ag->src[idx];
		const struct source_cold *c = aggregate_cold(ag, s);
		pe = &ag->pending[ag->n_pending++];
		memset(pe, 0, sizeof(*pe));
		pe->rec = idx;
		pe->cls = s->cls;
		pe->addr = s->addr;
		pe->label = c ? c->label : NULL;
		ag->pending_of[idx] = ag->n_pending;
	} else {
		pe = &ag->pending[p - 1];
	}
	src_counts_one(&pe->d, o, a->replied);
	if (a->without_syn && pe->without_syn != UINT32_MAX)
		pe->without_syn++;
	if (newest) {
		pe->last_dst = a->dst;
		pe->last_dport = a->dport;
	}
}

/* Which candidates to fold: all once the table is full (the aggregate
 * itself lets them give way), else those beyond a token bucket in packet
 * time (LW_STORE_FOLD_BURST, refilled at LW_STORE_FOLD_RATE a second):
 * normal traffic never folds, a flood's sources beyond the bucket do.
 * Only the tokens change here; take_batch commits the marks. */
static void mark_folds(struct aggregate *ag)
{
	bool full = ag->n_src >= ag->max_src;

	if (ag->fold_at_us == 0 || ag->to_us < ag->fold_at_us) {
		ag->fold_tokens = LW_STORE_FOLD_BURST;
	} else {
		uint64_t add = (ag->to_us - ag->fold_at_us) / 1000000u * LW_STORE_FOLD_RATE;
		ag->fold_tokens = ag->fold_tokens + add > LW_STORE_FOLD_BURST
				      ? LW_STORE_FOLD_BURST
				      : ag->fold_tokens + add;
	}
	/* whole seconds only, the rest carried to the next batch */
	ag->fold_at_us = ag->fold_at_us && ag->to_us >= ag->fold_at_us
			     ? ag->fold_at_us + (ag->to_us - ag->fold_at_us) / 1000000u * 1000000u
			     : ag->to_us;
	for (uint32_t i = 0; i < ag->n_pending; i++) {
		struct source_pending *pe = &ag->pending[i];
		pe->fold = fold_candidate(ag, pe);
		if (pe->fold && !full && ag->fold_tokens) {
			ag->fold_tokens--;
			pe->fold = false;
		}
	}
}

static int take_folded(struct store_batch *b, const struct source_pending *pe, uint64_t first_us,
		       uint64_t last_us)
{
	struct hour_counts *h = store_batch_hour(b, (uint32_t)(first_us / 3600000000ULL));

	if (!h || store_batch_add_folded(b, &pe->addr, last_us) < 0)
		return -1;
	h->sources_folded++;
	return 0;
}

struct store_batch *aggregate_take_batch(struct aggregate *ag)
{
	struct store_batch *b = store_batch_new();

	if (!b)
		return NULL;
	/* The registers of the sources folded since the last batch change
	 * hands. Given back on failure. */
	uint32_t n_folded = ag->n_folded;
	b->days = ag->fold_days;
	b->n_days = ag->n_fold_days;
	b->n_folded = ag->n_folded;
	ag->fold_days = NULL;
	ag->n_fold_days = 0;
	mark_folds(ag);
	for (uint32_t i = 0; i < ag->n_pending; i++) {
		const struct source_pending *pe = &ag->pending[i];
		const struct source_agg *s = pe->rec != PENDING_EVICTED ? &ag->src[pe->rec] : NULL;
		const struct source_cold *c = s ? aggregate_cold(ag, s) : NULL;
		if (pe->fold) {
			if (take_folded(b, pe, s ? s->first_us : pe->first_us,
					s ? s->last_us : pe->last_us) < 0)
				goto fail;
			continue;
		}
		struct batch_source *d = store_batch_add_source(
		    b, &pe->addr, c ? c->label : pe->label, c && c->helo[0] ? c->helo : NULL);
		if (!d)
			goto fail;
		d->cls = pe->cls;
		d->last_dst = pe->last_dst;
		d->last_dport = pe->last_dport;
		d->first_us = s ? s->first_us : pe->first_us;
		d->last_us = s ? s->last_us : pe->last_us;
		d->reached_us = c ? c->reached_us : 0;
		/* folded before: no hash holds any of it yet, send it all */
		const struct src_counts *k = s && (s->flags & SRC_F_FOLDED) ? &s->c : &pe->d;
		for (int o = 0; o < OUTCOME_COUNT; o++) {
			d->c.outcome[o] = k->outcome[o];
			d->c.attempts += k->outcome[o];
		}
		d->c.replied = k->replied;
		/* a folded source was blocked: every reach without a SYN is here */
		d->c.without_syn = pe->without_syn;
	}
	for (uint32_t i = 0; i < ag->n_hours; i++) {
		struct hour_counts *h = store_batch_hour(b, ag->hours[i].hour);
		if (!h)
			goto fail;
		uint64_t folded = h->sources_folded;
		*h = ag->hours[i];
		h->sources_folded += folded;
	}
	for (uint32_t i = 0; i < ag->n_minutes; i++) {
		struct hour_counts *m = store_batch_minute(b, ag->minutes[i].hour);
		if (!m)
			goto fail;
		*m = ag->minutes[i];
	}
	b->lost += ag->pending_lost;
	/* Only now that nothing can fail: start the next interval. */
	for (uint32_t i = 0; i < ag->n_pending; i++) {
		const struct source_pending *pe = &ag->pending[i];
		struct source_agg *s = pe->rec != PENDING_EVICTED ? &ag->src[pe->rec] : NULL;
		if (pe->fold)
			ag->sources_folded++;
		else if (s && (s->flags & SRC_F_FOLDED))
			ag->sources_folded--;
		if (s) {
			s->flags = (uint8_t)(pe->fold ? s->flags | SRC_F_FOLDED
						      : s->flags & ~SRC_F_FOLDED);
			ag->pending_of[pe->rec] = 0;
		}
	}
	b->health.sources_folded = ag->sources_folded;
	ag->n_pending = 0;
	ag->pending_lost = 0;
	ag->n_folded = 0;
	ag->fold_none_pending = false;
	ag->n_hours = 0;
	ag->n_minutes = 0;
	return b;
fail:
	/* the registers may hold some of the pending ones too: counted again
	 * with the next batch, which adds nothing to a register */
	ag->fold_days = b->days;
	ag->n_fold_days = b->n_days;
	ag->n_folded = n_folded;
	b->days = NULL;
	store_batch_free(b);
	return NULL;
}
