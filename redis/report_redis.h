/* The report read back from Redis: the same struct report that a replay
 * fills from memory, so `lockwatch report` judges and prints exactly like
 * `lockwatch replay`. */
#ifndef LW_REPORT_REDIS_H
#define LW_REPORT_REDIS_H

#include <stdint.h>

#include "analyzer/report.h"
#include "redis/store_redis.h"

struct report_query {
	uint64_t since_us;  /* sources last seen and hours from then on; 0: all retained */
	const char *sensor; /* one sensor's view; NULL: every sensor merged */
	/* The report's "now": a window that starts inside an hour and within
	 * the minute retention of every sensor is read from the minute series
	 * and ends at now, rounded up to a whole minute. */
	uint64_t now_us;
};

/* Strings the report points to (labels, HELO names, digests). */
struct report_strings;

/* Fills r from Redis and judges it (report_finish). Returns 0, or -1 with
 * s->err/errstr set. *ret_strings must outlive r's use; free it with
 * report_strings_free() after report_release(). */
int report_from_redis(struct store *s, const struct report_query *q, struct report *r,
		      struct report_strings **ret_strings);
void report_strings_free(struct report_strings *st);

#endif
