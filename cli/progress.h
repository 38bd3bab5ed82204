/* Progress of a long replay on stderr, only when stderr is a terminal:
 * a log file or a pipe gets nothing. */
#ifndef LW_PROGRESS_H
#define LW_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *f;
	bool enabled;
	uint64_t start_ns, last_ns, interval_ns;
	bool shown;
};

void progress_init(struct progress *p, FILE *f);
/* done/total are input bytes (total 0 when unknown). Rate-limited. */
void progress_update(struct progress *p, uint64_t done, uint64_t total, uint64_t packets);
/* Clears the progress line so the report starts on a clean screen. */
void progress_finish(struct progress *p);

#endif
