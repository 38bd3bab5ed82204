/* The report over time: per-hour counters gathered during a replay (or read
 * from the store's hourly series) and the timeline drawn from them, one
 * bucket per hour, or per day when the window is long, each with the
 * verdict its own counts give and a mark where that verdict changed. */
#ifndef LW_TIMELINE_H
#define LW_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/aggregate.h"
#include "analyzer/verdict.h"

/* ---- per-hour table, filled attempt by attempt (replay) ---------------- */

/* Open-addressed by hour, so a capture whose packet times jump around (or
 * are hostile) costs O(1) per attempt, and bounded by LW_TIMELINE_MAX_HOURS:
 * attempts in hours beyond it are counted in `dropped`, never lost silently. */
struct hour_table {
	struct hour_counts *v; /* n used slots, in no order */
	uint32_t *slot;	       /* index + 1 into v, 0 = empty; n_slots a power of two */
	uint32_t n, cap, n_slots;
	uint64_t dropped; /* attempts whose hour found no room (bound or memory) */
};

struct hour_table *hour_table_new(void);
void hour_table_free(struct hour_table *t);
/* Counts one finished attempt in the hour of its first SYN, as the store
 * does for series:<yyyymmddHH>. */
void hour_table_add(struct hour_table *t, const struct attempt *a, enum src_class cls);
/* Adds counts to one hour (the Redis reader); NULL when out of room. */
struct hour_counts *hour_table_get(struct hour_table *t, uint32_t hour);
/* A copy sorted by hour, for the report (free() it). Returns 0 or -1. */
int hour_table_export(const struct hour_table *t, struct hour_counts **ret, size_t *ret_n);

/* ---- the timeline drawn from sorted hours ------------------------------ */

struct timeline_bucket {
	uint64_t from_us;
	uint64_t attempts; /* outside attempts */
	uint64_t reached;  /* outside attempts answered with SYN-ACK or more */
	uint64_t total;	   /* attempts of every class (0: nothing happened) */
	enum verdict verdict;
	/* this bucket's verdict differs from the last one that judged anything
	 * (UNPROVEN buckets have nothing to judge by and change nothing) */
	bool changed;
};

struct timeline {
	struct timeline_bucket *b; /* only buckets with attempts, ascending */
	size_t n;
	uint32_t bucket_s; /* 60, 3600 or 86400 */
};

/* hours sorted ascending (as report.hours). Returns 0 or -1 (memory). */
int timeline_build(const struct hour_counts *hours, size_t n_hours, struct timeline *ret);
/* The same for counters of unit_s seconds each (3600: hours; 60: minutes,
 * whose `hour` field then holds the minute since the epoch). Minutes are
 * drawn per minute over at most LW_TIMELINE_MINUTE_MAX of them, else per
 * hour (per day past LW_TIMELINE_HOURLY_MAX hours). */
int timeline_build_unit(const struct hour_counts *v, size_t n, uint32_t unit_s,
			struct timeline *ret);
void timeline_release(struct timeline *t);
/* "lockdown effective from here" and the like, for a changed bucket. */
const char *timeline_change_text(enum verdict v);

#endif
