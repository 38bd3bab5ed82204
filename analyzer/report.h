/* The report: verdict and evidence, filled from memory (replay) or from
 * Redis (report), rendered as text for an admin or as JSON for scripts
 * (DESIGN.md section 10) by render/. One model, two renderers, so both
 * commands say the same thing the same way. */
#ifndef LW_REPORT_H
#define LW_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/aggregate.h"
#include "analyzer/hints.h"
#include "analyzer/verdict.h"

/* The classes the source table lists: outside, exception and probe. */
static inline bool class_listed(enum src_class c)
{
	return c == CLASS_OUTSIDE || c == CLASS_EXCEPTION || c == CLASS_PROBE;
}

#define REPORT_MAX_PROBABLE 8 /* probable servers named in a hint */

struct report_source {
	struct lw_addr addr;
	enum src_class cls;
	const char *label; /* set or exception label, may be NULL */
	const char *helo;  /* may be NULL */
	struct counts c;
	uint64_t first_us, last_us;
	bool reached;
	bool lower_bound; /* evicted from a full table once: counts from its return */
	uint8_t best;	  /* furthest outcome */
};

struct report_counter {
	const char *name;
	uint64_t n;
};

struct report_sensor {
	char name[64];
	uint64_t last_flush_us, started_us;
	uint64_t packets, kernel_drops, evictions, lost;
	/* What it watched, from its sensor: hash (a report from Redis); the
	 * strings NULL when it did not say (an older version). */
	const char *servers_origin; /* servers_origin_name() */
	const char *servers;	    /* the first watched addresses, space separated */
	size_t n_servers;	    /* all of them, 0 when every one is watched */
	uint64_t not_watched;	    /* attempts between two other hosts, since it started */
	const char *probe_prefixes; /* "PREFIX=LABEL", space separated */
	size_t n_probes;	    /* `probe` lines of its rules */
};

#define REPORT_MAX_COUNTERS 32

struct report {
	enum verdict verdict;
	char reason[512];
	uint64_t from_us, to_us;
	struct counts totals[CLASS_COUNT];

	/* Set before filling: the worst sources kept (--top), 0 all. The
	 * verdict and sources_total never depend on it. */
	size_t top;
	struct report_source *sources; /* outside and exception, worst first */
	size_t n_sources;
	size_t sources_total; /* before the --top cut */
	/* totals[CLASS_OUTSIDE].sources is the HyperLogLog's estimate: the
	 * source table could not hold every source */
	bool sources_estimated;

	/* capture health */
	uint64_t packets, kernel_drops, evictions;
	struct report_counter malformed[REPORT_MAX_COUNTERS];
	unsigned n_malformed;
	uint64_t unmatched_replies, unmatched_icmp, pending_at_end, sources_dropped;
	uint64_t sources_evicted, sources_readmitted;
	/* blocked one-attempt outside sources the store kept no record of
	 * under a flood (counted in the totals and the distinct estimate) */
	uint64_t sources_folded;
	/* Too many sources in the window to read each (Redis): only those
	 * printed were read; the distinct counts come from the indexes. */
	bool sources_partial;
	uint64_t evicted_open_outside; /* outside attempts evicted before any reply */
	uint64_t tcp_truncated_tail;   /* TCP headers cut after their first 14 bytes, decoded */
	uint64_t clock_jumps;	       /* packet stamps that jumped, held back */
	uint64_t reply_seen_evictions; /* connections reached without SYN forgotten by a full
					* set (each may have counted again) */
	/* The window starts inside an hour whose totals (hourly series) also
	 * hold what came before it: reaches are then judged by each source's
	 * own last-reached time, which is exact. */
	bool totals_whole_hours;
	unsigned input_errors; /* files cut short or unreadable mid-way */
	const char *rules_digest;
	/* `probe` vantage points the rules name; 0 also when not known (a
	 * sensor in Redis older than the record): then the probe part shows
	 * only what was seen. From Redis: the distinct ones of all sensors. */
	size_t n_probes;
	bool probes_known; /* n_probes is the rules' (replay, the daemon) */
	/* from Redis: the sensors' rules name different ones */
	bool probes_differ;

	struct report_sensor *sensors;
	size_t n_sensors;

	/* direction (analyzer/servers.h): whose attempts were judged */
	const char *servers_origin; /* servers_origin_name(); NULL: see below */
	size_t n_servers;	    /* watched addresses, 0 when every one is */
	uint64_t ignored_server;    /* attempts between two hosts not watched */
	/* From Redis, what the sensors recorded: origin NULL when none did
	 * (older than the record); "mixed" with servers_differ when they
	 * watched differently or only some said (each sensor's own in
	 * sensors, n_servers then the distinct addresses they list). */
	bool servers_differ;
	struct hint_addr probable[REPORT_MAX_PROBABLE]; /* answers and sends: name it */
	size_t n_probable;

	/* per-hour counters, ascending (the timeline); owned, may be NULL */
	struct hour_counts *hours;
	size_t n_hours;
	/* A short window read from the minute series: hours holds minutes
	 * (.hour: the minute since the epoch), the totals are the window's
	 * own, and from/to are its bounds rounded out to whole minutes. */
	bool by_minute;
	/* A window over part of what Redis retains: which sources are listed,
	 * and whether each reached, follow the window, while their counts
	 * (the per-source hashes) add up over the retention. */
	bool source_counts_retained;
	uint64_t timeline_dropped; /* attempts in hours the table had no room for */
};

/* Fills sources (the r->top worst, sorted worst first) and totals from an
 * aggregate, and the verdict from those plus the capture health already in
 * r. Selecting the top costs O(n log top) and memory for top sources only.
 * The report points into ag: keep ag alive while r is used. */
int report_from_aggregate(struct report *r, const struct aggregate *ag);
/* Sorts sources worst first, decides the verdict from r's own fields, then
 * keeps the r->top worst. */
void report_finish(struct report *r);
void report_release(struct report *r);

/* ISO-8601 UTC with microseconds trimmed to seconds: "2026-11-27T19:28:03Z" */
void format_time_iso(uint64_t us, char *buf, size_t len);

#endif
