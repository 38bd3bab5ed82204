/* The probe's verdicts (see judge.h). */
#include "config.h"

#include "probe/judge.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void say(struct probe_target *t, enum verdict v, int decided, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(struct probe_target *t, enum verdict v, int decided, const char *fmt, ...)
{
	va_list ap;

	t->verdict = v;
	t->decided = decided;
	va_start(ap, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, ap);
	va_end(ap);
}

static void judge_tcp(struct probe_target *t)
{
	switch (t->tcp) {
	case PROBE_TCP_ACCEPTED:
		say(t, VERDICT_NOT_EFFECTIVE, -1, "%s",
		    "the server accepted the connection from outside the gateway");
		return;
	case PROBE_TCP_REFUSED:
		say(t, VERDICT_EFFECTIVE, -1, "%s", "refused: the server answered with a reset");
		return;
	case PROBE_TCP_REJECTED:
		say(t, VERDICT_EFFECTIVE, -1, "rejected: %s", t->tcp_detail);
		return;
	case PROBE_TCP_UNANSWERED:
		say(t, VERDICT_EFFECTIVE, -1, "%s", "unanswered: dropped, or the host is down");
		return;
	case PROBE_TCP_LOCAL:
		say(t, VERDICT_INCONCLUSIVE, -1,
		    "%s: the SYN never left, so the target's answer is unknown", t->tcp_detail);
		return;
	case PROBE_TCP_ERROR:
		say(t, VERDICT_INCONCLUSIVE, -1, "cannot probe: %s", t->tcp_detail);
		return;
	}
}

static bool about_client(const struct probe_reply *r)
{
	if (strncmp(r->enhanced, "5.7.", 4) == 0)
		return true;
	/* RFC 5321 3.1: a 554 greeting means "no SMTP service here" for this client */
	return r->stage == PROBE_STAGE_BANNER && r->code == 554;
}

static void judge_smtp(struct probe_target *t, bool send)
{
	if (t->tcp != PROBE_TCP_ACCEPTED) {
		judge_tcp(t);
		return;
	}
	for (size_t i = 0; i < t->n_replies; i++) {
		const struct probe_reply *r = &t->replies[i];
		if (r->code / 100 == 5 && about_client(r)) {
			say(t, VERDICT_EFFECTIVE, (int)i,
			    "the server refused the client at %s before any message was accepted",
			    r->command);
			return;
		}
		if (r->code / 100 == 5 && !(i + 1 < t->n_replies && r->stage == PROBE_STAGE_EHLO)) {
			say(t, VERDICT_INCONCLUSIVE, (int)i,
			    "a refusal about the request at %s, not about the client: the "
			    "lockdown is not what answered",
			    r->command);
			return;
		}
		if (r->code / 100 == 4 && !(i + 1 < t->n_replies && r->stage == PROBE_STAGE_EHLO)) {
			say(t, VERDICT_INCONCLUSIVE, (int)i,
			    "a temporary refusal (4xx) at %s: run again later", r->command);
			return;
		}
	}
	int last = t->n_replies ? (int)t->n_replies - 1 : -1;
	if (t->sent) {
		say(t, VERDICT_NOT_EFFECTIVE, last, "%s",
		    "the server accepted a message from outside the gateway");
		return;
	}
	if (t->end != PROBE_END_REPLY) {
		say(t, VERDICT_INCONCLUSIVE, last, "the dialogue broke off: %s", t->end_detail);
		return;
	}
	if (t->stage >= PROBE_STAGE_RCPT && !send) {
		say(t, VERDICT_INCONCLUSIVE, last, "%s",
		    "the recipient was accepted; some services refuse only after DATA: run "
		    "again with --send");
		return;
	}
	say(t, VERDICT_INCONCLUSIVE, last, "%s", "the dialogue ended without a decision");
}

void probe_judge_target(struct probe_target *t, enum probe_level level, bool send)
{
	if (level == PROBE_LEVEL_TCP)
		judge_tcp(t);
	else
		judge_smtp(t, send);
}

int probe_verdict_rank(enum verdict v)
{
	switch (v) {
	case VERDICT_NOT_EFFECTIVE:
		return 0;
	case VERDICT_INCONCLUSIVE:
		return 1;
	case VERDICT_UNPROVEN:
		return 2;
	case VERDICT_EFFECTIVE:
		break;
	}
	return 3;
}

enum verdict probe_judge_overall(const struct probe_target *t, size_t n, bool have_mx,
				 enum verdict mx_v, const char *mx_reason, char *reason, size_t len)
{
	enum verdict v = VERDICT_UNPROVEN;
	const struct probe_target *worst = NULL;

	snprintf(reason, len, "nothing was probed");
	for (size_t i = 0; i < n; i++)
		if (!worst || probe_verdict_rank(t[i].verdict) < probe_verdict_rank(worst->verdict))
			worst = &t[i];
	if (worst) {
		char a[LW_ADDR_STRLEN];
		v = worst->verdict;
		snprintf(reason, len, "%s port %u: %s", addr_format(&worst->addr, a, sizeof(a)),
			 worst->port, worst->reason);
	}
	if (have_mx && (!worst || probe_verdict_rank(mx_v) < probe_verdict_rank(v))) {
		v = mx_v;
		snprintf(reason, len, "MX: %s", mx_reason);
	}
	return v;
}
