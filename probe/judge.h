/* The probe's verdicts (issue 14 item 3, DESIGN.md section 11): one per
 * target from its TCP outcome and SMTP replies, and the overall one from
 * the targets and the MX check, worst first. Pure code. */
#ifndef LW_PROBE_JUDGE_H
#define LW_PROBE_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/probe.h"

enum probe_level { PROBE_LEVEL_TCP = 0, PROBE_LEVEL_SMTP };

/* Sets t->verdict, t->reason and t->decided. */
void probe_judge_target(struct probe_target *t, enum probe_level level, bool send);

/* Lower is worse: NOT EFFECTIVE, INCONCLUSIVE, UNPROVEN, EFFECTIVE. */
int probe_verdict_rank(enum verdict v);

/* Worst of the targets' verdicts and mx (mx_v ignored when !have_mx); the
 * reason names the deciding target or the MX check. */
enum verdict probe_judge_overall(const struct probe_target *t, size_t n, bool have_mx,
				 enum verdict mx_v, const char *mx_reason, char *reason,
				 size_t len);

#endif
