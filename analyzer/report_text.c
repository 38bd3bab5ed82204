/* The report as text for a mail admin: verdict first, then the numbers
 * that support it, then the sources to act on, then whether the capture
 * itself can be trusted. */
#include "config.h"

#include "analyzer/report.h"

#include <inttypes.h>
#include <string.h>

static const char *class_title(enum src_class c)
{
	switch (c) {
	case CLASS_ALLOWED:
		return "allowed (gateway)";
	case CLASS_EXCEPTION:
		return "exception";
	default:
		return "outside";
	}
}

static void print_totals(FILE *f, const struct report *r)
{
	fprintf(f, "%-19s %9s %7s %7s %7s %7s %7s %7s %8s\n", "Attempts by outcome", "attempts",
		"smtp", "estab", "accept", "refused", "reject", "unansw", "sources");
	for (int c = 0; c < CLASS_COUNT; c++) {
		const struct counts *t = &r->totals[c];
		fprintf(f,
			"  %-17s %9" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64
			" %7" PRIu64 " %7" PRIu64 " %8" PRIu64 "\n",
			class_title((enum src_class)c), t->attempts, t->outcome[OUTCOME_SMTP],
			t->outcome[OUTCOME_ESTABLISHED], t->outcome[OUTCOME_ACCEPTED],
			t->outcome[OUTCOME_REFUSED], t->outcome[OUTCOME_REJECTED],
			t->outcome[OUTCOME_UNANSWERED], t->sources);
	}
}

static void print_sources(FILE *f, const struct report *r, size_t top)
{
	size_t n = r->n_sources < top ? r->n_sources : top;

	if (r->n_sources == 0) {
		fprintf(f, "\nNo outside or exception sources.\n");
		return;
	}
	fprintf(f, "\nOutside and exception sources, worst first");
	if (n < r->n_sources)
		fprintf(f, " (%zu of %zu; --top shows more)", n, r->n_sources);
	fprintf(f, ":\n");
	int aw = 15, lw = 5; /* widest address and label shown, at least the titles */
	for (size_t i = 0; i < n; i++) {
		char addr[LW_ADDR_STRLEN];
		int l = (int)strlen(addr_format(&r->sources[i].addr, addr, sizeof(addr)));
		aw = l > aw ? l : aw;
		l = r->sources[i].label ? (int)strlen(r->sources[i].label) : 1;
		lw = l > lw ? l : lw;
	}
	fprintf(f, "  %-7s %-*s %-9s %-*s %6s %5s %5s %5s %5s %5s %5s  %-20s %-20s %s\n", "STATUS",
		aw, "SOURCE", "CLASS", lw, "LABEL", "ATT", "SMTP", "EST", "ACC", "REF", "REJ",
		"UNA", "FIRST SEEN", "LAST SEEN", "HELO");
	for (size_t i = 0; i < n; i++) {
		const struct report_source *s = &r->sources[i];
		char addr[LW_ADDR_STRLEN], first[32], last[32];
		fprintf(f,
			"  %-7s %-*s %-9s %-*s %6" PRIu64 " %5" PRIu64 " %5" PRIu64 " %5" PRIu64
			" %5" PRIu64 " %5" PRIu64 " %5" PRIu64 "  %-20s %-20s %s\n",
			s->reached ? "REACHED" : "blocked", aw,
			addr_format(&s->addr, addr, sizeof(addr)), class_name(s->cls), lw,
			s->label ? s->label : "-", s->c.attempts, s->c.outcome[OUTCOME_SMTP],
			s->c.outcome[OUTCOME_ESTABLISHED], s->c.outcome[OUTCOME_ACCEPTED],
			s->c.outcome[OUTCOME_REFUSED], s->c.outcome[OUTCOME_REJECTED],
			s->c.outcome[OUTCOME_UNANSWERED],
			(format_time_iso(s->first_us, first, sizeof(first)), first),
			(format_time_iso(s->last_us, last, sizeof(last)), last),
			s->helo ? s->helo : "-");
	}
}

static void print_capture(FILE *f, const struct report *r)
{
	uint64_t malformed = 0;

	for (unsigned i = 0; i < r->n_malformed; i++)
		malformed += r->malformed[i].n;
	fprintf(f,
		"\nCapture: %" PRIu64 " packets, %" PRIu64 " kernel drops, %" PRIu64
		" evictions, %" PRIu64 " malformed\n",
		r->packets, r->kernel_drops, r->evictions, malformed);
	if (malformed) {
		fprintf(f, "  malformed:");
		for (unsigned i = 0; i < r->n_malformed; i++)
			if (r->malformed[i].n)
				fprintf(f, " %s=%" PRIu64, r->malformed[i].name, r->malformed[i].n);
		fputc('\n', f);
	}
	if (r->unmatched_replies || r->unmatched_icmp)
		fprintf(f,
			"  server replies to no SYN seen: %" PRIu64 "; ICMP errors quoting no "
			"attempt: %" PRIu64 "\n",
			r->unmatched_replies, r->unmatched_icmp);
	if (r->pending_at_end)
		fprintf(f,
			"  %" PRIu64
			" attempt(s) were still open when the capture ended (judged on "
			"what was seen)\n",
			r->pending_at_end);
	if (r->sources_dropped)
		fprintf(f,
			"  %" PRIu64 " attempt(s) counted in the totals only: the source table was "
			"full (--max-sources)\n",
			r->sources_dropped);
	if (r->input_errors)
		fprintf(f,
			"  %u input file(s) could not be read to the end (see the errors above)\n",
			r->input_errors);
	for (size_t i = 0; i < r->n_sensors; i++) {
		const struct report_sensor *s = &r->sensors[i];
		char last[32];
		format_time_iso(s->last_flush_us, last, sizeof(last));
		fprintf(f,
			"  sensor %s: last flush %s, %" PRIu64 " packets, %" PRIu64
			" kernel drops, %" PRIu64 " evictions\n",
			s->name, last[0] ? last : "never", s->packets, s->kernel_drops,
			s->evictions);
		if (s->lost)
			fprintf(f,
				"    %" PRIu64 " attempt(s) not stored: Redis was away longer than "
				"--redis-max-pending could hold\n",
				s->lost);
	}
}

void report_print_text(FILE *f, const struct report *r, size_t top)
{
	char from[32], to[32];

	format_time_iso(r->from_us, from, sizeof(from));
	format_time_iso(r->to_us, to, sizeof(to));
	fprintf(f, "lockwatch: port-25 lockdown report\n");
	fprintf(f, "Window:  %s .. %s (UTC)\n\n", from[0] ? from : "-", to[0] ? to : "-");
	fprintf(f, "Verdict: %s\n  %s\n\n", verdict_title(r->verdict), r->reason);
	print_totals(f, r);
	print_sources(f, r, top);
	print_capture(f, r);
	if (r->rules_digest)
		fprintf(f, "\nRules digest: %s\n", r->rules_digest);
}
