/* In-memory aggregation of attempts per source and per class.
 *
 * Sources live in one table of max_sources 64-byte records, allocated once
 * (calloc: pages cost nothing until a source lands on them) and indexed by
 * open addressing. Under a flood of spoofed sources the table fills; a new
 * source then takes the place of the oldest outside source that was
 * blocked at its only attempt, so sources that keep coming back (the top
 * offenders) and sources that are evidence (reached, exceptions, gateways)
 * keep exact counts. A HyperLogLog of every outside source gives the
 * distinct count once the table could no longer hold them all. */
#include "config.h"

#include "analyzer/aggregate.h"
#include "analyzer/aggregate_internal.h"

#include "analyzer/store_batch.h"
#include "common/hash.h"
#include "common/hll.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NO_SOURCE UINT32_MAX

/* Seeded at start, so no one can aim sources at one probe sequence. */
static uint64_t addr_hash(const struct aggregate *ag, const struct lw_addr *a)
{
	return lw_addr_hash(ag->seed, a);
}

/* ---- HyperLogLog ---------------------------------------------------------
 * Redis's register rule and Ertl's estimator (common/hll.h). The element is
 * the address's bytes (4 or 16), not its text, so formatting costs nothing
 * per source; the registers are therefore not those of the store's
 * sources:<day> key, whose elements are text. */

/* ---- the table ----------------------------------------------------------- */

struct aggregate *aggregate_new(uint32_t max_sources)
{
	struct aggregate *ag = calloc(1, sizeof(*ag));

	if (!ag || max_sources == 0)
		goto fail;
	ag->max_src = max_sources;
	/* At most half the slots in use: probe sequences stay short. */
	ag->slot_bits = 10;
	while ((1ULL << ag->slot_bits) < 2ULL * max_sources)
		ag->slot_bits++;
	ag->slots = calloc(1ULL << ag->slot_bits, sizeof(*ag->slots));
	ag->src = calloc(max_sources, sizeof(*ag->src));
	ag->cold_of = calloc(max_sources, sizeof(*ag->cold_of));
	ag->fifo = calloc(max_sources, sizeof(*ag->fifo));
	ag->cold = calloc(max_sources / LW_SOURCES_COLD_CHUNK + 1, sizeof(*ag->cold));
	ag->hll = calloc(LW_HLL_REGISTERS, 1);
	if (!ag->slots || !ag->src || !ag->cold_of || !ag->fifo || !ag->cold || !ag->hll)
		goto fail;
	ag->seed = lw_mix64((uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)ag);
	return ag;
fail:
	aggregate_free(ag);
	return NULL;
}

void aggregate_free(struct aggregate *ag)
{
	if (!ag)
		return;
	if (ag->cold)
		for (uint32_t i = 0; i * LW_SOURCES_COLD_CHUNK < ag->n_cold; i++)
			free(ag->cold[i]);
	for (unsigned i = 0; i < ag->n_interned; i++)
		free(ag->interned[i]);
	free(ag->interned);
	free(ag->cold);
	free(ag->cold_of);
	free(ag->fifo);
	free(ag->evicted_filter);
	free(ag->hll);
	free(ag->pending_of);
	free(ag->pending);
	free(ag->hours);
	free(ag->minutes);
	free(ag->fold_days);
	free(ag->src);
	free(ag->slots);
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

/* The slot holding addr (returns its source), or the empty slot that
 * ends its probe sequence (returns NO_SOURCE). The tag spares a visit to
 * the record of every source met on the way. */
static uint32_t slot_find(const struct aggregate *ag, uint64_t h, const struct lw_addr *addr,
			  uint32_t *ret_pos)
{
	uint32_t tag = (uint32_t)(h >> 32), mask = (1u << ag->slot_bits) - 1;

	for (uint32_t i = tag >> (32 - ag->slot_bits);; i = (i + 1) & mask) {
		uint64_t v = ag->slots[i];
		if (!v) {
			*ret_pos = i;
			return NO_SOURCE;
		}
		if ((uint32_t)(v >> 32) == tag &&
		    addr_equal(&ag->src[(uint32_t)v - 1].addr, addr)) {
			*ret_pos = i;
			return (uint32_t)v - 1;
		}
	}
}

/* Linear probing's deletion by backward shift: no tombstones, so probe
 * sequences do not grow with the evictions of a long flood. A slot's home
 * comes from its tag; no record is read. */
static uint32_t slot_home(const struct aggregate *ag, uint64_t h)
{
	return (uint32_t)(h >> 32) >> (32 - ag->slot_bits);
}

static void slot_delete(struct aggregate *ag, uint64_t h, uint32_t idx)
{
	uint32_t bits = ag->slot_bits, mask = (1u << bits) - 1;
	uint32_t i = slot_home(ag, h);

	while ((uint32_t)ag->slots[i] != idx + 1)
		i = (i + 1) & mask;
	for (uint32_t j = i;;) {
		ag->slots[i] = 0;
		for (;;) {
			j = (j + 1) & mask;
			uint64_t v = ag->slots[j];
			if (!v)
				return;
			uint32_t home = (uint32_t)(v >> 32) >> (32 - bits);
			if (((j - home) & mask) >= ((j - i) & mask)) {
				ag->slots[i] = v;
				i = j;
				break;
			}
		}
	}
}

const struct source_agg *aggregate_find(const struct aggregate *ag, const struct lw_addr *addr)
{
	uint32_t pos, idx = slot_find(ag, addr_hash(ag, addr), addr, &pos);

	return idx == NO_SOURCE ? NULL : &ag->src[idx];
}

static struct source_cold *cold_at(const struct aggregate *ag, uint32_t ci)
{
	return &ag->cold[ci / LW_SOURCES_COLD_CHUNK][ci % LW_SOURCES_COLD_CHUNK];
}

const struct source_cold *aggregate_cold(const struct aggregate *ag, const struct source_agg *s)
{
	uint32_t ci = ag->cold_of[s - ag->src];

	return ci ? cold_at(ag, ci - 1) : NULL;
}

/* The source's cold record, made on first use; NULL when out of memory
 * (the source is then counted without its HELO and reach time). */
static struct source_cold *cold_get(struct aggregate *ag, uint32_t idx)
{
	uint32_t ci = ag->cold_of[idx];

	if (ci)
		return cold_at(ag, ci - 1);
	ci = ag->n_cold;
	if (ci % LW_SOURCES_COLD_CHUNK == 0) {
		ag->cold[ci / LW_SOURCES_COLD_CHUNK] =
		    calloc(LW_SOURCES_COLD_CHUNK, sizeof(struct source_cold));
		if (!ag->cold[ci / LW_SOURCES_COLD_CHUNK])
			return NULL;
	}
	ag->n_cold++;
	ag->cold_of[idx] = ci + 1;
	ag->src[idx].flags |= SRC_F_COLD;
	return cold_at(ag, ci);
}

uint64_t aggregate_sources(const struct aggregate *ag, enum src_class cls, bool *ret_estimated)
{
	bool est = cls == CLASS_OUTSIDE && ag->outside_inexact;

	if (ret_estimated)
		*ret_estimated = est;
	return est ? lw_hll_count(ag->hll) : ag->totals[cls].sources;
}

/* Only a blocked outside source seen once, with nothing rare about it,
 * may give way: losing it loses one attempt of a likely spoofed address.
 * Reached sources are the evidence of a breach and are kept. */
static bool evictable(const struct source_agg *s)
{
	return s->cls == CLASS_OUTSIDE && s->best < OUTCOME_ACCEPTED && !(s->flags & SRC_F_COLD) &&
	       source_attempts(s) == 1;
}

/* The oldest evictable source, NO_SOURCE if none. A source in the ring
 * that has since been seen again can never become evictable: it leaves
 * the ring for good. Each source enters the ring once per admission, so
 * the work is constant per admission. */
static uint32_t fifo_pop_evictable(struct aggregate *ag)
{
	while (ag->fifo_n > 0) {
		uint32_t idx = ag->fifo[ag->fifo_head];
		if (++ag->fifo_head == ag->max_src)
			ag->fifo_head = 0;
		ag->fifo_n--;
		if (evictable(&ag->src[idx]))
			return idx;
	}
	return NO_SOURCE;
}

static void fifo_push(struct aggregate *ag, uint32_t idx)
{
	uint32_t tail = ag->fifo_head + ag->fifo_n;

	if (tail >= ag->max_src)
		tail -= ag->max_src;
	ag->fifo[tail] = idx;
	ag->fifo_n++;
}

/* Two bits in one word of the filter: one cache miss per test. */
static uint64_t filter_bits(uint64_t h, uint32_t *ret_word)
{
	*ret_word = (uint32_t)(h >> 12) & (LW_SOURCES_EVICTED_BITS / 64 - 1);
	return 1ULL << (h & 63) | 1ULL << ((h >> 6) & 63);
}

#define AGG_AHEAD_FAR  16u
#define AGG_AHEAD_NEAR 8u

static uint32_t ring_at(const struct aggregate *ag, uint32_t ahead)
{
	uint32_t i = ag->fifo_head + ahead;

	return ag->fifo[i >= ag->max_src ? i - ag->max_src : i];
}

/* A source's home slot and filter word, for an attempt the tracker will
 * emit soon (see tracker_ahead_fn). */
void aggregate_prefetch(const struct aggregate *ag, const struct lw_addr *addr)
{
	uint64_t h = addr_hash(ag, addr);

	__builtin_prefetch(&ag->slots[slot_home(ag, h)]);
	if (ag->evicted_filter) {
		uint32_t w;
		filter_bits(h, &w);
		__builtin_prefetch(&ag->evicted_filter[w]);
	}
}

/* Gives the victim's record up; what the store still owes for it stays
 * in its pending entry. Returns -1 when out of memory (nothing done). */
static int evict(struct aggregate *ag, uint32_t idx)
{
	struct source_agg *s = &ag->src[idx];
	uint64_t h = addr_hash(ag, &s->addr);
	uint32_t w;
	uint64_t bits = filter_bits(h, &w);

	if (!ag->evicted_filter) {
		ag->evicted_filter = calloc(LW_SOURCES_EVICTED_BITS / 64, sizeof(uint64_t));
		if (!ag->evicted_filter)
			return -1;
	}
	ag->evicted_filter[w] |= bits;
	slot_delete(ag, h, idx);
	if (ag->pending_of && ag->pending_of[idx]) {
		struct source_pending *pe = &ag->pending[ag->pending_of[idx] - 1];
		pe->rec = PENDING_EVICTED;
		pe->first_us = s->first_us;
		pe->last_us = s->last_us;
		ag->pending_of[idx] = 0;
	}
	ag->sources_evicted++;
	ag->outside_inexact = true;
	return 0;
}

/* A record for a source not in the table (pos: the empty slot its lookup
 * ended on); NO_SOURCE when the table is full of sources to keep. */
static uint32_t admit(struct aggregate *ag, uint64_t h, const struct lw_addr *addr, uint32_t pos,
		      enum src_class cls)
{
	uint32_t idx, w;
	uint8_t flags = 0;

	if (ag->n_src < ag->max_src) {
		idx = ag->n_src++;
	} else {
		idx = fifo_pop_evictable(ag);
		if (idx == NO_SOURCE)
			return NO_SOURCE;
		if (evict(ag, idx) < 0) {
			fifo_push(ag, idx); /* still evictable next time */
			return NO_SOURCE;
		}
		/* the deletion may have shifted the empty slot found */
		slot_find(ag, h, addr, &pos);
		uint64_t bits = filter_bits(h, &w);
		if ((ag->evicted_filter[w] & bits) == bits) {
			/* Counted from its return on (or, rarely, a false alarm
			 * of the filter: the flag is never missing). */
			flags = SRC_F_LOWER_BOUND;
			ag->sources_readmitted++;
		}
	}
	struct source_agg *s = &ag->src[idx];
	memset(s, 0, sizeof(*s));
	s->addr = *addr;
	s->cls = (uint8_t)cls;
	s->flags = flags;
	ag->slots[pos] = (h >> 32) << 32 | (idx + 1);
	if (cls == CLASS_OUTSIDE)
		fifo_push(ag, idx);
	return idx;
}

void aggregate_add(struct aggregate *ag, const struct attempt *a, const struct rule_ref *ref)
{
	enum src_class cls = ref->cls;
	enum outcome o = (enum outcome)a->outcome;
	struct counts *t = &ag->totals[cls];

	if (o >= OUTCOME_COUNT)
		o = OUTCOME_UNANSWERED;
	counts_one(t, o, a);
	if (a->evicted && !outcome_reached(o) && o == OUTCOME_UNANSWERED)
		ag->evicted_open[cls]++;
	if (a->pending_at_end && o == OUTCOME_UNANSWERED)
		ag->pending_at_end[cls]++;
	if (ag->from_us == 0 || a->first_us < ag->from_us)
		ag->from_us = a->first_us;
	if (a->last_us > ag->to_us)
		ag->to_us = a->last_us;

	if (ag->track)
		aggregate_track_hour(ag, a, cls, o);
	uint64_t h = addr_hash(ag, &a->src);
	uint32_t pos, idx = slot_find(ag, h, &a->src, &pos);
	if (idx == NO_SOURCE) {
		/* Under a flood every admission evicts the ring's oldest: the
		 * victims of the next admissions are known now. Their records
		 * are fetched AGG_AHEAD_FAR admissions early, and (the record then
		 * in cache) their slots and filter words AGG_AHEAD_NEAR early, so
		 * an eviction's misses overlap the admissions between. Written
		 * here, not in a helper: GCC deems a function of prefetches alone
		 * pure, and drops the call. */
		if (ag->n_src == ag->max_src && ag->fifo_n > AGG_AHEAD_FAR) {
			__builtin_prefetch(&ag->src[ring_at(ag, AGG_AHEAD_FAR)]);
			uint64_t vh = addr_hash(ag, &ag->src[ring_at(ag, AGG_AHEAD_NEAR)].addr);
			__builtin_prefetch(&ag->slots[slot_home(ag, vh)]);
			if (ag->evicted_filter) {
				uint32_t w;
				filter_bits(vh, &w);
				__builtin_prefetch(&ag->evicted_filter[w]);
			}
		}
		if (cls == CLASS_OUTSIDE)
			lw_hll_add(ag->hll, a->src.bytes, a->src.family == LW_AF_INET ? 4 : 16);
		idx = admit(ag, h, &a->src, pos, cls);
		if (idx == NO_SOURCE) {
			ag->sources_dropped++;
			if (cls == CLASS_OUTSIDE)
				ag->outside_inexact = true;
			return;
		}
		t->sources++;
		ag->src[idx].first_us = a->first_us;
		const char *label = intern(
		    ag, cls == CLASS_EXCEPTION || cls == CLASS_PROBE ? ref->label : ref->set);
		if (label) {
			struct source_cold *c = cold_get(ag, idx);
			if (c)
				c->label = label;
		}
	}
	struct source_agg *s = &ag->src[idx];
	bool newest = a->last_us >= s->last_us;

	src_counts_one(&s->c, o, a->replied);
	if (o > s->best)
		s->best = (uint8_t)o;
	if (a->first_us < s->first_us)
		s->first_us = a->first_us;
	if (newest)
		s->last_us = a->last_us;
	if (outcome_reached(o) || a->helo[0]) {
		struct source_cold *c = cold_get(ag, idx);
		if (c && outcome_reached(o) && a->last_us >= c->reached_us)
			c->reached_us = a->last_us;
		if (c && a->without_syn && c->without_syn != UINT32_MAX)
			c->without_syn++;
		if (c && a->helo[0]) { /* a fixed buffer: no allocation per attempt */
			size_t n = strnlen(a->helo, LW_HELO_MAX);
			memcpy(c->helo, a->helo, n);
			c->helo[n] = '\0';
		}
	}
	if (ag->track)
		aggregate_track(ag, idx, a, o, newest);
}
