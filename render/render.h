/* render/: the report as people and scripts read it: text for an admin
 * (report_text.c, with the timeline chart), JSON for scripts
 * (report_json.c, DESIGN.md section 10, on the small writer in json.c),
 * and the direction and probe parts of both (report_direction.c,
 * report_probe.c) and what each sensor watched (report_watch.c). It
 * renders the
 * model analyzer/report.h fills and decides nothing itself. It may include
 * common/, sensor/, rules/ and analyzer/. */
#ifndef LW_RENDER_H
#define LW_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "analyzer/report.h"

void report_print_text(FILE *f, const struct report *r, size_t top);
/* The same with the whole timeline chart (--timeline) in place of the
 * short story of the verdict's periods. */
void report_print_text_timeline(FILE *f, const struct report *r, size_t top);
void report_print_json(FILE *f, const struct report *r);
/* The direction part of both (report_direction.c): the outbound line and
 * the probable-server hint in text; "servers", "probable_servers" and
 * "hints" in JSON. */
struct json;
void report_text_direction(FILE *f, const struct report *r);
void report_json_direction(struct json *j, const struct report *r);
/* The probe part of both (report_probe.c): whether the sensor saw the
 * `probe` vantage points' attempts and what became of them. */
void report_text_probe(FILE *f, const struct report *r);
void report_json_probe(struct json *j, const struct report *r);
/* What one sensor watched (report_watch.c, a report from Redis): its
 * servers and probe vantage points, a line each under its capture line;
 * "servers" and "probes" in its JSON object, null when it did not say. */
void report_text_sensor_watch(FILE *f, const struct report_sensor *s);
void report_json_sensor_watch(struct json *j, const struct report_sensor *s);

#endif
