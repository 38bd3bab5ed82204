/* A store batch: the changes of one flush interval, taken from the
 * aggregate on the capture thread and handed to the Redis store, possibly
 * on another thread. It is self-contained (addresses, counts and copies of
 * the strings, no pointer into the aggregate), so the aggregate can go on
 * counting while the batch is sent, kept after a failure, or merged with
 * the next one. */
#ifndef LW_STORE_BATCH_H
#define LW_STORE_BATCH_H

#include <stdint.h>

#include "analyzer/aggregate.h"
#include "common/hll.h"

#define BATCH_NOSTR UINT32_MAX /* no string at this offset */

/* One source's changes: counts are increments since the last batch, the
 * times and names are the source's current (absolute) values; last_dst is
 * family 0 when the source's latest attempt was in an earlier batch. */
struct batch_source {
	struct lw_addr addr;
	struct lw_addr last_dst;
	uint16_t last_dport;
	uint8_t cls;	/* enum src_class */
	uint32_t label; /* offset into strs, BATCH_NOSTR if none */
	uint32_t helo;	/* offset into strs, BATCH_NOSTR if none */
	uint64_t first_us, last_us, reached_us;
	struct counts c; /* c.sources unused */
	uint32_t next;	 /* merge hash chain (index + 1, 0 = end) */
};

/* Bytes of each list of what a sensor watches in its sensor: hash (the
 * servers, the probe vantage points): whole entries, a mail host has a
 * handful; the counts beside them say when a list was cut. */
#define STORE_HEALTH_LIST_MAX 1024

/* Capture health, absolute values at the time the batch was taken. */
struct store_health {
	uint64_t started_us;
	uint64_t packets, kernel_drops, evictions, sources_dropped;
	uint64_t outbound_attempts, outbound_sources; /* the host's own mail */
	uint64_t undecodable;			      /* malformed packets, every reason */
	uint64_t tcp_truncated_tail;		      /* TCP headers cut after 14 bytes, decoded */
	uint64_t clock_jumps;
	uint64_t sources_folded; /* the aggregate's, absolute */
	char rules_digest[72];
	/* What the sensor watches, for the report from Redis: the servers
	 * (analyzer/servers.h). */
	char servers_origin[16];	     /* servers_origin_name() */
	uint32_t n_servers;		     /* watched addresses, 0: every one */
	char servers[STORE_HEALTH_LIST_MAX]; /* the first of them, space separated */
	uint64_t not_watched;		     /* attempts between two other hosts */
	/* the rules' `probe` vantage points: how many, and the first of them
	 * as "PREFIX=LABEL", space separated */
	uint32_t n_probes;
	char probe_prefixes[STORE_HEALTH_LIST_MAX];
};

struct store_batch {
	struct batch_source *src;
	uint32_t n_src, cap_src;
	struct hour_counts *hours; /* increments per hour of attempt start */
	uint32_t n_hours, cap_hours;
	struct hour_counts *minutes; /* the same per minute (.hour: the minute) */
	uint32_t n_minutes, cap_minutes;
	/* Folded sources: their counts are in hours, their addresses in the
	 * registers of their day's HyperLogLog (16 KiB a day, however many) */
	struct lw_hll_day *days;
	uint32_t n_days;
	uint32_t n_folded; /* sources folded into days */
	/* Times a folded source's address or a merged day's registers found
	 * no room in days (past LW_HLL_DAYS_MAX, or out of memory): that
	 * day's distinct outside sources are undercounted (their attempts
	 * are in hours); hll_dropped_day: the last such day. For the store
	 * to say; it may clear them once said. */
	uint32_t hll_dropped, hll_dropped_day;
	char *strs; /* NUL-terminated strings referenced by offset */
	uint32_t n_strs, cap_strs;
	struct store_health health;
	uint64_t lost; /* attempts whose per-source counts were dropped in merges */
};

struct store_batch *store_batch_new(void);
void store_batch_free(struct store_batch *b);

/* Appends a source (copying its strings); NULL when out of memory. */
struct batch_source *store_batch_add_source(struct store_batch *b, const struct lw_addr *addr,
					    const char *label, const char *helo);
/* Adds a folded source: its address to its day's registers (past
 * LW_HLL_DAYS_MAX days in one batch the fold is counted, the address
 * not: counted in hll_dropped); -1 when out of memory (nothing counted). */
int store_batch_add_folded(struct store_batch *b, const struct lw_addr *addr, uint64_t last_us);
/* The counters of the hour starting at `hour` (hours since the epoch),
 * created zeroed on first use; NULL when out of memory. */
struct hour_counts *store_batch_hour(struct store_batch *b, uint32_t hour);
/* The same for the minute starting at `minute` (minutes since the epoch). */
struct hour_counts *store_batch_minute(struct store_batch *b, uint32_t minute);
static inline const char *store_batch_str(const struct store_batch *b, uint32_t off)
{
	return off == BATCH_NOSTR ? NULL : b->strs + off;
}

/* Adds `from` into `into`: counts add up, absolute values take the newer,
 * health is from's. At most max_sources sources are kept in `into`; the
 * attempts of sources that find no room are added to into->lost. Returns 0,
 * or -1 when out of memory: into then holds what could be merged, and
 * nothing else vanishes: the attempts of sources, hours and minutes that
 * could not be merged are added to into->lost (an attempt once, whether
 * its hour, its minute or both were dropped), and a day whose registers
 * could not be merged (no room either) to into->hll_dropped, with
 * from's. `from` is left unchanged. */
int store_batch_merge(struct store_batch *into, const struct store_batch *from,
		      uint32_t max_sources);

/* Keeps the first max_sources sources; the attempts of the others are
 * added to b->lost. */
void store_batch_trim(struct store_batch *b, uint32_t max_sources);

/* Folds blocked one-attempt outside sources (no label, HELO or reach: the
 * report needs nothing of them but the count) into their day's registers, each
 * counted in the hour of its attempt, until at most max_sources are left
 * or none is foldable; returns how many were folded. */
uint32_t store_batch_fold(struct store_batch *b, uint32_t max_sources);

/* Attempts counted in the batch's sources. */
uint64_t store_batch_attempts(const struct store_batch *b);

#endif
