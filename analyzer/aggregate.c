/* In-memory aggregation of attempts per source and per class. */
#include "config.h"

#include "analyzer/aggregate.h"

#include "analyzer/store_batch.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t mix64(uint64_t x)
{
	/* splitmix64 finaliser: cheap, and every input bit reaches every
	 * output bit, so spoofed sources spread over the buckets. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint32_t addr_bucket(const struct aggregate *ag, const struct lw_addr *a)
{
	uint64_t w0, w1;

	memcpy(&w0, a->bytes, 8);
	memcpy(&w1, a->bytes + 8, 8);
	uint64_t h = mix64(ag->seed ^ w0 ^ ((uint64_t)a->family << 56));
	h = mix64(h ^ w1);
	return (uint32_t)(h & (ag->n_buckets - 1));
}

struct aggregate *aggregate_new(uint32_t max_sources)
{
	struct aggregate *ag = calloc(1, sizeof(*ag));

	if (!ag || max_sources == 0)
		goto fail;
	ag->max_src = max_sources;
	/* Buckets: next power of two >= max_sources, chains stay short. */
	ag->n_buckets = 1024;
	while (ag->n_buckets < max_sources && ag->n_buckets < (1u << 31))
		ag->n_buckets <<= 1;
	ag->buckets = calloc(ag->n_buckets, sizeof(*ag->buckets));
	if (!ag->buckets)
		goto fail;
	ag->seed = mix64((uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)ag);
	return ag;
fail:
	aggregate_free(ag);
	return NULL;
}

void aggregate_free(struct aggregate *ag)
{
	if (!ag)
		return;
	for (uint32_t i = 0; i < ag->n_src; i++)
		free(ag->src[i].helo);
	for (unsigned i = 0; i < ag->n_interned; i++)
		free(ag->interned[i]);
	free(ag->interned);
	free(ag->dirty);
	free(ag->hours);
	free(ag->src);
	free(ag->buckets);
	free(ag);
}

/* Set and label names are few and outlive a rules reload this way. */
static const char *intern(struct aggregate *ag, const char *s)
{
	if (!s || !*s)
		return NULL;
	for (unsigned i = 0; i < ag->n_interned; i++)
		if (strcmp(ag->interned[i], s) == 0)
			return ag->interned[i];
	char **n = realloc(ag->interned, (ag->n_interned + 1) * sizeof(*n));
	if (!n)
		return NULL;
	ag->interned = n;
	n[ag->n_interned] = strdup(s);
	if (!n[ag->n_interned])
		return NULL;
	return n[ag->n_interned++];
}

const struct source_agg *aggregate_find(const struct aggregate *ag, const struct lw_addr *addr)
{
	for (uint32_t i = ag->buckets[addr_bucket(ag, addr)]; i; i = ag->src[i - 1].next)
		if (addr_equal(&ag->src[i - 1].addr, addr))
			return &ag->src[i - 1];
	return NULL;
}

static struct source_agg *find_or_add(struct aggregate *ag, const struct lw_addr *addr, bool *added)
{
	uint32_t b = addr_bucket(ag, addr);

	*added = false;
	for (uint32_t i = ag->buckets[b]; i; i = ag->src[i - 1].next)
		if (addr_equal(&ag->src[i - 1].addr, addr))
			return &ag->src[i - 1];
	if (ag->n_src >= ag->max_src)
		return NULL;
	if (ag->n_src == ag->cap_src) {
		/* Grow geometrically, never past the bound. */
		uint32_t cap = ag->cap_src ? ag->cap_src * 2 : 256;
		if (cap > ag->max_src)
			cap = ag->max_src;
		struct source_agg *n = realloc(ag->src, (size_t)cap * sizeof(*n));
		if (!n)
			return NULL;
		ag->src = n;
		ag->cap_src = cap;
	}
	struct source_agg *s = &ag->src[ag->n_src];
	memset(s, 0, sizeof(*s));
	s->addr = *addr;
	s->next = ag->buckets[b];
	ag->buckets[b] = ++ag->n_src;
	*added = true;
	return s;
}

void aggregate_track_changes(struct aggregate *ag)
{
	/* what was counted before is in no batch: the dirty flags restart */
	for (uint32_t i = 0; i < ag->n_src; i++)
		ag->src[i].dirty = false;
	ag->track = true;
}

static void counts_one(struct counts *c, enum outcome o, bool replied)
{
	c->attempts++;
	c->outcome[o]++;
	c->replied += replied;
}

/* Attempts end roughly in time order, so the hour is almost always the
 * last one used. Out of memory: the hour is not counted for the store
 * (the in-memory totals still are). */
static void track_hour(struct aggregate *ag, const struct attempt *a, enum src_class cls,
		       enum outcome o)
{
	uint32_t hour = (uint32_t)(a->first_us / 3600000000ULL);
	struct hour_counts *h = NULL;

	for (uint32_t i = ag->n_hours; i > 0; i--)
		if (ag->hours[i - 1].hour == hour) {
			h = &ag->hours[i - 1];
			break;
		}
	if (!h) {
		if (ag->n_hours == ag->cap_hours) {
			uint32_t cap = ag->cap_hours ? ag->cap_hours * 2 : 4;
			struct hour_counts *n = realloc(ag->hours, (size_t)cap * sizeof(*n));
			if (!n)
				return;
			ag->hours = n;
			ag->cap_hours = cap;
		}
		h = &ag->hours[ag->n_hours++];
		memset(h, 0, sizeof(*h));
		h->hour = hour;
	}
	counts_one(&h->c[cls], o, a->replied);
	if (a->evicted && o == OUTCOME_UNANSWERED)
		h->evicted_open[cls]++;
}

static void track(struct aggregate *ag, struct source_agg *s, const struct attempt *a,
		  enum outcome o)
{
	if (!s->dirty) {
		if (ag->n_dirty == ag->cap_dirty) {
			uint32_t cap = ag->cap_dirty ? ag->cap_dirty * 2 : 256;
			uint32_t *n = realloc(ag->dirty, (size_t)cap * sizeof(*n));
			if (!n)
				return; /* stays clean: counted in memory, not in Redis */
			ag->dirty = n;
			ag->cap_dirty = cap;
		}
		ag->dirty[ag->n_dirty++] = (uint32_t)(s - ag->src);
		s->dirty = true;
	}
	counts_one(&s->d, o, a->replied);
}

struct store_batch *aggregate_take_batch(struct aggregate *ag)
{
	struct store_batch *b = store_batch_new();

	if (!b)
		return NULL;
	for (uint32_t i = 0; i < ag->n_dirty; i++) {
		const struct source_agg *s = &ag->src[ag->dirty[i]];
		struct batch_source *d = store_batch_add_source(b, &s->addr, s->label, s->helo);
		if (!d)
			goto fail;
		d->cls = s->cls;
		d->last_dst = s->last_dst;
		d->last_dport = s->last_dport;
		d->first_us = s->first_us;
		d->last_us = s->last_us;
		d->reached_us = s->reached_us;
		d->c = s->d;
	}
	for (uint32_t i = 0; i < ag->n_hours; i++) {
		struct hour_counts *h = store_batch_hour(b, ag->hours[i].hour);
		if (!h)
			goto fail;
		*h = ag->hours[i];
	}
	/* Only now that nothing can fail: start the next interval. */
	for (uint32_t i = 0; i < ag->n_dirty; i++) {
		struct source_agg *s = &ag->src[ag->dirty[i]];
		memset(&s->d, 0, sizeof(s->d));
		s->dirty = false;
	}
	ag->n_dirty = 0;
	ag->n_hours = 0;
	return b;
fail:
	store_batch_free(b);
	return NULL;
}

void aggregate_add(struct aggregate *ag, const struct attempt *a, const struct rule_ref *ref)
{
	enum src_class cls = ref->cls;
	enum outcome o = (enum outcome)a->outcome;
	struct counts *t = &ag->totals[cls];
	bool added;

	if (o >= OUTCOME_COUNT)
		o = OUTCOME_UNANSWERED;
	t->attempts++;
	t->outcome[o]++;
	t->replied += a->replied;
	if (a->evicted && !outcome_reached(o) && o == OUTCOME_UNANSWERED)
		ag->evicted_open[cls]++;
	if (a->pending_at_end && o == OUTCOME_UNANSWERED)
		ag->pending_at_end[cls]++;
	if (ag->from_us == 0 || a->first_us < ag->from_us)
		ag->from_us = a->first_us;
	if (a->last_us > ag->to_us)
		ag->to_us = a->last_us;

	if (ag->track)
		track_hour(ag, a, cls, o);
	struct source_agg *s = find_or_add(ag, &a->src, &added);
	if (!s) {
		ag->sources_dropped++;
		return;
	}
	if (added) {
		t->sources++;
		s->cls = (uint8_t)cls;
		s->first_us = a->first_us;
		s->label = intern(ag, cls == CLASS_EXCEPTION ? ref->label : ref->set);
	}
	if (ag->track)
		track(ag, s, a, o);
	else
		s->dirty = true;
	s->c.attempts++;
	s->c.outcome[o]++;
	s->c.replied += a->replied;
	if (o > s->best)
		s->best = (uint8_t)o;
	if (a->first_us < s->first_us)
		s->first_us = a->first_us;
	if (a->last_us >= s->last_us) {
		s->last_us = a->last_us;
		s->last_dst = a->dst;
		s->last_dport = a->dport;
	}
	if (outcome_reached(o) && a->last_us >= s->reached_us)
		s->reached_us = a->last_us;
	if (a->helo[0]) {
		char *h = strdup(a->helo);
		if (h) {
			free(s->helo);
			s->helo = h;
		}
	}
}
