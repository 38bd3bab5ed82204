/* The probe's text report (see render.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "probe/render.h"

const char *probe_tcp_name(enum probe_tcp t)
{
	static const char *const names[] = {"accepted",	  "refused",	    "rejected",
					    "unanswered", "local_firewall", "error"};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

const char *probe_stage_name(enum probe_stage s)
{
	static const char *const names[] = {"none", "banner", "ehlo",	"mail",
					    "rcpt", "data",   "message"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int cmp_targets(const void *a, const void *b)
{
	const struct probe_target *x = a, *y = b;
	int d = probe_verdict_rank(x->verdict) - probe_verdict_rank(y->verdict);
	return d;
}

void probe_sort_targets(struct probe_target *t, size_t n)
{
	/* insertion sort: stable, so equals keep the order given */
	for (size_t i = 1; i < n; i++) {
		struct probe_target tmp = t[i];
		size_t j = i;
		for (; j > 0 && cmp_targets(&t[j - 1], &tmp) > 0; j--)
			t[j] = t[j - 1];
		t[j] = tmp;
	}
}

static void print_reply(FILE *f, const char *indent, const struct probe_reply *r)
{
	fprintf(f, "%s%-10s %u%s%s %s\n", indent, r->command, r->code, r->enhanced[0] ? " " : "",
		r->enhanced, r->text);
}

static void print_target(FILE *f, const struct probe_run *run, const struct probe_target *t)
{
	char a[LW_ADDR_STRLEN + 2], hp[LW_ADDR_STRLEN + 16];

	addr_format(&t->addr, a, sizeof(a));
	snprintf(hp, sizeof(hp), t->addr.family == LW_AF_INET6 ? "[%s]:%u" : "%s:%u", a, t->port);
	fprintf(f, "  %-13s %-28s %-10s", verdict_title(t->verdict), hp, probe_tcp_name(t->tcp));
	if (t->stage != PROBE_STAGE_NONE)
		fprintf(f, " smtp:%s", probe_stage_name(t->stage));
	if (strcmp(t->name, a) != 0)
		fprintf(f, " (%s)", t->name);
	fprintf(f, "\n      %s\n", t->reason);
	if (t->tcp != PROBE_TCP_ACCEPTED && t->tcp != PROBE_TCP_REFUSED)
		fprintf(f, "      tcp: %s\n", t->tcp_detail);
	if (t->decided >= 0)
		print_reply(f, "      reply: ", &t->replies[t->decided]);
	if (t->end != PROBE_END_REPLY)
		fprintf(f, "      end: %s\n", t->end_detail);
	(void)run;
}

static void print_mx(FILE *f, const struct mx_check *mx)
{
	fprintf(f, "\nMX of %s (%s): %s\n", mx->domain, mx->status, verdict_title(mx->verdict));
	fprintf(f, "  %s\n", mx->reason);
	for (size_t i = 0; i < mx->n; i++) {
		const struct mx_exchange *x = &mx->ex[i];
		if (x->implicit)
			fprintf(f, "  %-8s %s (no MX: the domain's own addresses)\n",
				x->gateway ? "gateway" : "DIRECT", x->name);
		else
			fprintf(f, "  %-8s %u %s\n",
				x->n_addrs == 0 ? "-"
				: x->gateway	? "gateway"
						: "DIRECT",
				x->pref, x->name);
		for (size_t k = 0; k < x->n_addrs; k++) {
			char a[LW_ADDR_STRLEN];
			fprintf(f, "           %-40s %s%s%s\n",
				addr_format(&x->addrs[k].addr, a, sizeof(a)),
				class_name(x->addrs[k].cls), x->addrs[k].match[0] ? " " : "",
				x->addrs[k].match);
		}
		if (x->note[0])
			fprintf(f, "           %s\n", x->note);
	}
	if (mx->dropped)
		fprintf(f, "  (%zu more MX record(s) not judged)\n", mx->dropped);
}

void probe_print_text(FILE *f, const struct probe_run *run)
{
	fprintf(f, "lockwatch: lockdown probe from outside (level %s%s, token %s)\n",
		run->level == PROBE_LEVEL_TCP ? "tcp" : "smtp", run->send ? ", --send" : "",
		run->token);
	if (run->helo)
		fprintf(f, "EHLO name: %s\n", run->helo);
	fprintf(f, "\nVerdict: %s\n  %s\n", verdict_title(run->verdict), run->reason);
	if (run->n_targets) {
		fprintf(f, "\nTargets, worst first:\n");
		for (size_t i = 0; i < run->n_targets; i++)
			print_target(f, run, &run->targets[i]);
	}
	if (run->mx)
		print_mx(f, run->mx);
}
