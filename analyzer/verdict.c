/* Verdict rules (DESIGN.md section 4). The order of the tests is the
 * argument: proof of a breach stands whatever else went wrong; a capture
 * that cannot be trusted proves nothing else; no outside attempt proves
 * nothing; unanswered attempts prove a block only when replies are visible. */
#include "config.h"

#include "analyzer/verdict.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *verdict_key(enum verdict v)
{
	switch (v) {
	case VERDICT_EFFECTIVE:
		return "effective";
	case VERDICT_NOT_EFFECTIVE:
		return "not_effective";
	case VERDICT_UNPROVEN:
		return "unproven";
	case VERDICT_INCONCLUSIVE:
		return "inconclusive";
	}
	return "inconclusive";
}

const char *verdict_title(enum verdict v)
{
	switch (v) {
	case VERDICT_EFFECTIVE:
		return "EFFECTIVE";
	case VERDICT_NOT_EFFECTIVE:
		return "NOT EFFECTIVE";
	case VERDICT_UNPROVEN:
		return "UNPROVEN";
	case VERDICT_INCONCLUSIVE:
		return "INCONCLUSIVE";
	}
	return "INCONCLUSIVE";
}

uint64_t counts_reached(const struct counts *c)
{
	return c->outcome[OUTCOME_ACCEPTED] + c->outcome[OUTCOME_ESTABLISHED] +
	       c->outcome[OUTCOME_SMTP];
}

/* EFFECTIVE rests on seeing every reply; a packet that could not be
 * decoded at all may have been one. Attempts evicted from a full table
 * (a SYN flood) before any reply are said, not held against it: the
 * server's reply to one after its eviction matches no attempt and is
 * counted as a reach without its SYN (tracker.c, reply_reach), as a reply
 * after an attempt's timeout is, so an eviction cannot hide a reach while
 * replies are visible and the kernel dropped nothing (both checked
 * before). */
static enum verdict effective(const struct verdict_input *in, char *reason, size_t len)
{
	size_t n = strlen(reason);

	if (in->evicted_open_outside > 0 && n + 1 < len) {
		snprintf(reason + n, len - n,
			 " %" PRIu64 " of them were evicted from the full table of open attempts "
			 "before any reply (--max-attempts); a later reply would still have "
			 "counted as a reach without its SYN, and none came.",
			 in->evicted_open_outside);
		n = strlen(reason);
	}
	if (in->undecodable > 0 && n + 1 < len)
		snprintf(reason + n, len - n,
			 " %" PRIu64 " captured packet(s) could not be decoded (capture.malformed) "
			 "and may belong to the watched port: any of them could hide a reply.",
			 in->undecodable);
	return VERDICT_EFFECTIVE;
}

/* Outside and probe together: the probe's attempts are outside attempts
 * made on purpose, judged the same. */
static void judged_outside(const struct verdict_input *in, struct counts *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (int c = 0; c < CLASS_COUNT; c++) {
		const struct counts *t = &in->totals[c];
		if (!class_judged_outside((enum src_class)c))
			continue;
		ret->attempts += t->attempts;
		ret->replied += t->replied;
		ret->without_syn += t->without_syn;
		ret->sources += t->sources;
		for (int o = 0; o < OUTCOME_COUNT; o++)
			ret->outcome[o] += t->outcome[o];
	}
}

enum verdict verdict_decide(const struct verdict_input *in, char *reason, size_t len)
{
	struct counts judged;
	const struct counts *out = &judged;
	const struct counts *gw = &in->totals[CLASS_ALLOWED];
	uint64_t answered = 0;

	judged_outside(in, &judged);

	/* Replies actually seen, not outcomes inferred from client data:
	 * a one-way capture infers "smtp" from an EHLO but sees no reply. */
	for (int c = 0; c < CLASS_OUTBOUND; c++) /* the host's own mail proves nothing */
		answered += in->totals[c].replied;

	if (in->reached_outside_sources > 0 ||
	    (!in->reach_by_sources_only && counts_reached(out) > 0)) {
		if (out->without_syn > 0)
			snprintf(reason, len,
				 "%" PRIu64 " outside source(s) reached the server on the watched "
				 "port (%" PRIu64 " attempt(s) answered, %" PRIu64
				 " of them spoke SMTP; %" PRIu64
				 " seen by the server's reply alone, their SYN not captured).",
				 in->reached_outside_sources, counts_reached(out),
				 out->outcome[OUTCOME_SMTP], out->without_syn);
		else
			snprintf(reason, len,
				 "%" PRIu64 " outside source(s) reached the server on the watched "
				 "port (%" PRIu64 " attempt(s) answered with SYN-ACK, %" PRIu64
				 " of them spoke SMTP).",
				 in->reached_outside_sources, counts_reached(out),
				 out->outcome[OUTCOME_SMTP]);
		return VERDICT_NOT_EFFECTIVE;
	}
	if (in->kernel_drops > 0) {
		snprintf(reason, len,
			 "The capture lost %" PRIu64
			 " packet(s) in the kernel; a lost SYN-ACK could hide a breach.",
			 in->kernel_drops);
		return VERDICT_INCONCLUSIVE;
	}
	if (in->sensor_gaps > 0) {
		snprintf(reason, len, "%" PRIu64 " gap(s) in the sensor's coverage of the window.",
			 in->sensor_gaps);
		return VERDICT_INCONCLUSIVE;
	}
	if (out->attempts == 0) {
		snprintf(reason, len,
			 "No outside source tried the watched port in this window; there is "
			 "nothing to judge the lockdown by.");
		return VERDICT_UNPROVEN;
	}
	if (gw->attempts > 0 && gw->replied == 0) {
		snprintf(reason, len,
			 "%" PRIu64 " gateway attempt(s) were seen but none of their replies: the "
			 "capture does not see the server's side, so unanswered means nothing.",
			 gw->attempts);
		return VERDICT_INCONCLUSIVE;
	}
	if (answered == 0) {
		snprintf(reason, len,
			 "No server reply of any kind was seen, so the capture cannot show "
			 "that the server would have answered.");
		return VERDICT_INCONCLUSIVE;
	}
	if (in->reach_by_sources_only) {
		snprintf(reason, len,
			 "No outside source reached the server in the window (each source's last "
			 "reach is before it); the totals count whole hours, %" PRIu64
			 " outside attempt(s) from %" PRIu64 " source(s).",
			 out->attempts, out->sources);
		return effective(in, reason, len);
	}
	snprintf(reason, len,
		 "All %" PRIu64 " outside attempt(s) from %" PRIu64
		 " source(s) were blocked (%" PRIu64 " refused, %" PRIu64 " rejected, %" PRIu64
		 " unanswered) while server replies were visible.",
		 out->attempts, out->sources, out->outcome[OUTCOME_REFUSED],
		 out->outcome[OUTCOME_REJECTED], out->outcome[OUTCOME_UNANSWERED]);
	return effective(in, reason, len);
}
