/* What each sensor watched, read back for the report (report_sensors.c):
 * the fields of its sensor:<name> hash that say which servers it judged
 * and which `probe` vantage points its rules name, and what the report
 * makes of several sensors that watched alike or differently. */
#ifndef LW_REPORT_SENSORS_H
#define LW_REPORT_SENSORS_H

#include <stdbool.h>

#include "analyzer/report.h"

struct report_strings;

/* A copy of s that lives as long as st (report_redis.c); NULL when out of
 * memory or s is NULL. */
const char *report_strings_keep(struct report_strings *st, const char *s);

/* One field of a sensor:<name> hash into d, when it is one of these;
 * false for the others. */
bool report_sensor_field(struct report_sensor *d, struct report_strings *st, const char *k,
			 const char *v);

/* The report's servers and probe vantage points from its sensors': one
 * origin when they all watched alike, "mixed" (servers_differ) when not;
 * the probes known only when every sensor said them. */
void report_sensors_merge(struct report *r, struct report_strings *st);

#endif
