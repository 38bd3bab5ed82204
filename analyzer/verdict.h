/* The verdict of DESIGN.md section 4, computed from aggregates alone, so the
 * replay (memory) and the report (Redis) judge alike. */
#ifndef LW_VERDICT_H
#define LW_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/aggregate.h"

enum verdict {
	VERDICT_EFFECTIVE = 0,
	VERDICT_UNPROVEN = 1,
	VERDICT_NOT_EFFECTIVE = 2,
	VERDICT_INCONCLUSIVE = 3,
};

/* What the verdict is judged on. */
struct verdict_input {
	struct counts totals[CLASS_COUNT];
	uint64_t reached_outside_sources; /* outside sources with an attempt accepted or better */
	uint64_t kernel_drops;		  /* capture lost packets */
	uint64_t sensor_gaps;		  /* stretches a sensor did not cover */
	uint64_t evicted_open_outside;	  /* outside attempts evicted before any reply */
	bool reach_by_sources_only;	  /* totals span more than the window (whole
					   * hours): judge reaches by the sources */
	uint64_t undecodable;		  /* packets the filter passed that could not be
					   * decoded: each could hide a reply */
};

/* "effective", "not_effective", "unproven", "inconclusive" (JSON) */
const char *verdict_key(enum verdict v);
/* "EFFECTIVE", "NOT EFFECTIVE", ... (text) */
const char *verdict_title(enum verdict v);

/* Decides, and writes one sentence saying why into reason. */
enum verdict verdict_decide(const struct verdict_input *in, char *reason, size_t len);

uint64_t counts_reached(const struct counts *c);

#endif
