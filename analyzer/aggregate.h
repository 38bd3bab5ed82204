/* analyzer/: the policy. Classification of attempts against the rules
 * (servers.c, hints.c for the direction), this aggregation and the batch of
 * its changes a store takes (store_batch.c), the verdict (verdict.c), the
 * timeline counts (timeline.c), the report model (report.c) and the alert
 * policy (alert.c: which event, at which priority, dedup, flood guard). It
 * knows attempts, not packets. It may include common/, sensor/ (the
 * attempt) and rules/; never hiredis or libsystemd: Redis is redis/'s, the
 * journal journal/'s, the report's rendering render/'s.
 *
 * Per-source and per-class aggregation of finished attempts, in memory.
 * This is what the verdict is computed from and what the Redis store
 * flushes; its memory is bounded by max_sources. */
#ifndef LW_AGGREGATE_H
#define LW_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/bounds.h"
#include "rules/rules.h"
#include "sensor/attempt.h"

/* Attempts by outcome; each attempt counts once, under the furthest outcome
 * it reached, so the outcomes add up to attempts. */
struct counts {
	uint64_t attempts;
	uint64_t outcome[OUTCOME_COUNT];
	uint64_t replied; /* attempts with a server reply seen: proof the capture sees replies */
	uint64_t without_syn; /* reaches the server's reply alone proved (SYN never seen);
			       * also counted under their outcome (reached_without_syn) */
	uint64_t sources;     /* distinct sources (totals only) */
};

/* Per-hour counters (hours since the epoch, of the attempt's first SYN):
 * what the store writes to series:<yyyymmddHH>. The minute series
 * (series:<yyyymmddHHMM>) uses the same record, `hour` then holding the
 * minute since the epoch. */
struct hour_counts {
	uint32_t hour;
	struct counts c[CLASS_COUNT];	    /* c.sources unused */
	uint64_t evicted_open[CLASS_COUNT]; /* evicted before any reply */
	uint64_t sources_folded;	    /* store batches only: sources folded */
};

/* Per-source counts: 32 bits each (saturating), which is what lets the
 * record below fit a cache line; the totals above stay 64-bit. Attempts is
 * the sum of the outcomes. */
struct src_counts {
	uint32_t outcome[OUTCOME_COUNT];
	uint32_t replied;
};

#define SRC_F_COLD	  0x01 /* has a cold record (label, HELO, reach time) */
#define SRC_F_LOWER_BOUND 0x02 /* evicted once and back: counts from its return */
#define SRC_F_FOLDED	  0x04 /* its attempt was folded in Redis: the next batch carries all */

/* The hot part of a source, one 64-byte cache line: what every attempt
 * touches and what the report ranks by. The rare fields live in a cold
 * record (struct source_cold) that most flood sources never get. */
struct source_agg {
	struct lw_addr addr;
	uint8_t cls;   /* enum src_class */
	uint8_t best;  /* furthest enum outcome of any attempt */
	uint8_t flags; /* SRC_F_* */
	struct src_counts c;
	uint64_t first_us, last_us;
};

struct source_cold {
	const char *label;	    /* set (allowed, outside) or label (exception), interned */
	uint64_t reached_us;	    /* last time an attempt reached the server, 0 never */
	uint32_t without_syn;	    /* reaches seen by the server's reply alone (saturating) */
	char helo[LW_HELO_MAX + 1]; /* last HELO/EHLO name, "" if none */
};

/* A source changed since the last store batch: its increments, and what
 * the batch needs should the source be evicted before the flush. */
struct source_pending {
	uint32_t rec; /* index of the source, PENDING_EVICTED once it gave way */
	uint8_t cls;
	struct lw_addr addr;
	struct lw_addr last_dst; /* family 0: the latest attempt was in an earlier batch */
	uint16_t last_dport;
	const char *label;
	uint64_t first_us, last_us;
	struct src_counts d;
	uint32_t without_syn; /* of d's reaches, those without a SYN */
	bool fold;	      /* aggregate_take_batch: folded, not written per source */
};
#define PENDING_EVICTED UINT32_MAX

struct aggregate {
	struct counts totals[CLASS_COUNT];  /* totals[].sources: see aggregate_sources() */
	uint64_t from_us, to_us;	    /* window: first and last attempt time */
	uint64_t evicted_open[CLASS_COUNT]; /* evicted before any reply */
	uint64_t pending_at_end[CLASS_COUNT];
	uint64_t sources_dropped;    /* attempts whose source found no room */
	uint64_t sources_evicted;    /* one-attempt outside sources that gave way */
	uint64_t sources_readmitted; /* sources back after an eviction (at most) */
	uint64_t ignored_server;     /* attempts to a server not watched */
	bool outside_inexact;	     /* an outside source was evicted or dropped */
	/* Blocked one-attempt outside sources whose per-source hash the store
	 * did not write under a flood (counted in the series and the
	 * HyperLogLog only), less those that came back and were written. */
	uint64_t sources_folded;
	/* private */
	struct source_agg *src; /* max_src records, allocated once */
	uint32_t n_src, max_src;
	uint64_t *slots; /* open addressing: hash tag << 32 | (index + 1) */
	uint32_t slot_bits;
	uint64_t seed;
	uint32_t *fifo; /* ring of outside sources in admission order: eviction candidates */
	uint32_t fifo_head, fifo_n;
	uint64_t *evicted_filter;  /* LW_SOURCES_EVICTED_BITS, from the first eviction */
	uint8_t *hll;		   /* LW_HLL_REGISTERS (common/hll.h) */
	uint32_t *cold_of;	   /* per source: cold record index + 1, 0 none */
	struct source_cold **cold; /* chunks of LW_SOURCES_COLD_CHUNK */
	uint32_t n_cold;
	char **interned;
	unsigned n_interned;
	/* pending changes for the store (aggregate_track_changes) */
	bool track;
	uint32_t *pending_of; /* per source: pending index + 1, 0 clean */
	struct source_pending *pending;
	uint32_t n_pending, cap_pending;
	uint64_t pending_lost; /* attempts with no room for their per-source change */
	struct hour_counts *hours;
	uint32_t n_hours, cap_hours;
	struct hour_counts *minutes; /* .hour: the minute since the epoch */
	uint32_t n_minutes, cap_minutes;
	/* Called when the pending table is full, before a change would be
	 * counted as lost: an offline run takes a batch here and sends it,
	 * waiting for Redis (back-pressure). NULL: the change is lost. */
	void (*pending_full)(struct aggregate *ag, void *ctx);
	void *pending_full_ctx;
	uint32_t pending_full_at;	  /* sources changed that call it; 0: the table's size */
	uint64_t fold_tokens, fold_at_us; /* one-attempt sources written before folding */
	/* folded when a change found the pending table full (a live flood):
	 * their addresses counted into their day's HyperLogLog registers
	 * (common/hll.h), which the next batch takes over */
	struct lw_hll_day *fold_days;
	uint32_t n_fold_days, n_folded;
	uint32_t fold_cursor;	/* where the next search for a pending one to fold starts */
	bool fold_none_pending; /* that search found none since the last batch */
};

struct lw_hll_day;

struct aggregate *aggregate_new(uint32_t max_sources);
void aggregate_free(struct aggregate *ag);

/* Counts one finished attempt whose source the rules classified. */
void aggregate_add(struct aggregate *ag, const struct attempt *a, const struct rule_ref *ref);

/* Iteration over the sources held (index 0..aggregate_count()-1). */
static inline uint32_t aggregate_count(const struct aggregate *ag)
{
	return ag->n_src;
}
static inline struct source_agg *aggregate_at(const struct aggregate *ag, uint32_t i)
{
	return &ag->src[i];
}
/* Starts loading what aggregate_add() will first read for a source (its
 * home slot): a hint, no effect on the result. */
void aggregate_prefetch(const struct aggregate *ag, const struct lw_addr *addr);
const struct source_agg *aggregate_find(const struct aggregate *ag, const struct lw_addr *addr);
/* The source's rare fields, NULL when it has none. */
const struct source_cold *aggregate_cold(const struct aggregate *ag, const struct source_agg *s);

static inline uint64_t source_attempts(const struct source_agg *s)
{
	uint64_t n = 0;

	for (int o = 0; o < OUTCOME_COUNT; o++)
		n += s->c.outcome[o];
	return n;
}
/* Attempts accepted or better. */
static inline uint64_t source_reached(const struct source_agg *s)
{
	return (uint64_t)s->c.outcome[OUTCOME_ACCEPTED] + s->c.outcome[OUTCOME_ESTABLISHED] +
	       s->c.outcome[OUTCOME_SMTP];
}

/* Distinct sources of a class: exact while no source of the class was
 * evicted or dropped, then (outside) the HyperLogLog's estimate, with
 * *ret_estimated set. */
uint64_t aggregate_sources(const struct aggregate *ag, enum src_class cls, bool *ret_estimated);

/* Store support. Once tracking is on, the aggregate also keeps what changed
 * since the last batch (per source and per hour); it costs a little per
 * attempt, so only a run that writes to Redis turns it on. */
void aggregate_track_changes(struct aggregate *ag);

struct store_batch;
/* Moves the pending changes into a new self-contained batch (its health is
 * left for the caller to fill) and starts over. Under a flood (the source
 * table full, or new one-attempt blocked outside sources beyond
 * LW_STORE_FOLD_BURST and LW_STORE_FOLD_RATE a second) those are folded: the batch counts them in
 * their day's HyperLogLog registers and per hour; one that attempts again is then sent with all its
 * counts. Reached sources and exceptions are never folded; cheap enough for the capture thread: the
 * work is proportional to the sources changed. Returns NULL when out of memory, and the changes
 * then stay pending. */
struct store_batch *aggregate_take_batch(struct aggregate *ag);

#endif
