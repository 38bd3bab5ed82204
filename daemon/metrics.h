/* lockwatchd's metrics for monitoring: its counters in the Prometheus text
 * exposition format, written to --metrics-file for node_exporter's
 * textfile collector. The file is replaced atomically (a temporary file in
 * the same directory, then rename), so a scrape never reads half of it. */
#ifndef LW_DAEMON_METRICS_H
#define LW_DAEMON_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/aggregate.h"
#include "analyzer/verdict.h"

/* One sample of everything the file holds; strings may be NULL. */
struct metrics_sample {
	const char *sensor, *version;
	uint64_t started_us;
	enum verdict verdict;
	struct counts totals[CLASS_COUNT]; /* exclusive outcomes; sources distinct */
	bool outside_estimated;		   /* totals[OUTSIDE].sources is an estimate */
	uint64_t reached_sources;	   /* outside alone */
	uint64_t probe_reached_sources;	   /* the probe's vantage points */
	uint64_t packets, kernel_drops, evictions;
	uint64_t alerts_deduped, alerts_flood, alerts_lost;
	bool redis; /* the redis_* metrics only with a store */
	bool redis_up;
	uint64_t redis_held, redis_lost;
	const char *rules_file, *rules_digest;
	uint64_t rules_loaded_us;
};

/* Writes the sample in the text exposition format. 0, or -1 on a write
 * error (ferror). */
int metrics_render(FILE *f, const struct metrics_sample *m);

/* Replaces path with the rendered sample: a temporary ".NAME.XXXXXX" in the
 * same directory (no .prom suffix, so the collector never reads it),
 * mode 0644, renamed over path. Returns 0, or -1 with a message naming the
 * file in err. */
int metrics_write_file(const char *path, const struct metrics_sample *m, char *err, size_t errlen);

struct daemon;
/* The daemon's counters now, written to its metrics file when it has one
 * (loop thread). A failure is said once on stderr, and again only after
 * the file was written in between. */
void daemon_metrics_write(struct daemon *d);

#endif
