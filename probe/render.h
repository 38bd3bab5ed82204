/* What one `lockwatch probe` run found, and its two renderings: text
 * (probe_text.c, like replay's report: the verdict, then one line per
 * target worst first with the reply that decided) and JSON (probe_json.c,
 * through render/json.c's writer, `verdict` and `reason` at the top level
 * as in replay's JSON). */
#ifndef LW_PROBE_RENDER_H
#define LW_PROBE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "probe/judge.h"
#include "probe/mx_check.h"
#include "probe/probe.h"

struct probe_run {
	enum probe_level level;
	bool send;
	const char *token;
	const char *helo; /* NULL when no dialogue was possible */
	struct probe_target *targets;
	size_t n_targets;
	const struct mx_check *mx; /* NULL without --domain */
	enum verdict verdict;
	char reason[PROBE_REASON_MAX * 2];
};

/* The targets' order in the reports: worst first, then as given. */
void probe_sort_targets(struct probe_target *t, size_t n);

void probe_print_text(FILE *f, const struct probe_run *run);
void probe_print_json(FILE *f, const struct probe_run *run);

#endif
