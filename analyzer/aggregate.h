/* Per-source and per-class aggregation of finished attempts, in memory.
 * This is what the verdict is computed from and what the Redis store
 * flushes; its memory is bounded by max_sources. */
#ifndef LW_AGGREGATE_H
#define LW_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/rules.h"
#include "common/addr.h"
#include "sensor/attempt.h"

/* Attempts by outcome; each attempt counts once, under the furthest outcome
 * it reached, so the outcomes add up to attempts. */
struct counts {
	uint64_t attempts;
	uint64_t outcome[OUTCOME_COUNT];
	uint64_t replied; /* attempts with a server reply seen: proof the capture sees replies */
	uint64_t sources; /* distinct sources (totals only) */
};

/* Per-hour counters (hours since the epoch, of the attempt's first SYN):
 * what the store writes to series:<yyyymmddHH>. */
struct hour_counts {
	uint32_t hour;
	struct counts c[CLASS_COUNT];	    /* c.sources unused */
	uint64_t evicted_open[CLASS_COUNT]; /* evicted before any reply */
};

struct source_agg {
	struct lw_addr addr;
	uint8_t cls;	   /* enum src_class */
	uint8_t best;	   /* furthest enum outcome of any attempt */
	bool dirty;	   /* changed since the last store flush */
	const char *label; /* set (allowed) or label (exception), interned */
	char *helo;	   /* last HELO/EHLO name, NULL if none */
	struct lw_addr last_dst;
	uint16_t last_dport;
	uint64_t first_us, last_us;
	uint64_t reached_us; /* last time an attempt reached the server, 0 never */
	struct counts c;     /* c.sources unused */
	struct counts d;     /* pending for the store: since the last batch */
	uint32_t next;	     /* hash chain (index + 1, 0 = end) */
};

struct aggregate {
	struct counts totals[CLASS_COUNT];
	uint64_t from_us, to_us;	    /* window: first and last attempt time */
	uint64_t evicted_open[CLASS_COUNT]; /* evicted before any reply */
	uint64_t pending_at_end[CLASS_COUNT];
	uint64_t sources_dropped; /* attempts whose source found no room */
	uint64_t ignored_server;  /* attempts to a server not watched */
	/* private */
	struct source_agg *src;
	uint32_t n_src, cap_src, max_src;
	uint32_t *buckets;
	uint32_t n_buckets;
	uint64_t seed;
	char **interned;
	unsigned n_interned;
	/* pending changes for the store (aggregate_track_changes) */
	bool track;
	uint32_t *dirty; /* indexes of the sources changed since the last batch */
	uint32_t n_dirty, cap_dirty;
	struct hour_counts *hours;
	uint32_t n_hours, cap_hours;
};

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
const struct source_agg *aggregate_find(const struct aggregate *ag, const struct lw_addr *addr);

/* Store support. Once tracking is on, the aggregate also keeps what changed
 * since the last batch (per source and per hour); it costs a little per
 * attempt, so only a run that writes to Redis turns it on. */
void aggregate_track_changes(struct aggregate *ag);

struct store_batch;
/* Moves the pending changes into a new self-contained batch (its health is
 * left for the caller to fill) and starts over; cheap enough for the
 * capture thread: the work is proportional to the sources changed. Returns
 * NULL when out of memory, and the changes then stay pending. */
struct store_batch *aggregate_take_batch(struct aggregate *ag);

#endif
