/* The report as text for a mail admin: verdict first, then the numbers
 * that support it, then the sources to act on, then whether the capture
 * itself can be trusted. */
#include "config.h"

#include "analyzer/report.h"
#include "render/render.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "analyzer/timeline.h"

#define TIMELINE_BAR_WIDTH 40 /* columns of the widest bar: fits 80 with the labels */

static const char *class_title(enum src_class c)
{
	switch (c) {
	case CLASS_ALLOWED:
		return "allowed (gateway)";
	case CLASS_EXCEPTION:
		return "exception";
	case CLASS_PROBE:
		return "probe";
	case CLASS_OUTBOUND:
		return "outbound (own)";
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
		if ((c == CLASS_OUTBOUND || c == CLASS_PROBE) && t->attempts == 0)
			continue;
		fprintf(f,
			"  %-17s %9" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64
			" %7" PRIu64 " %7" PRIu64 " %8" PRIu64 "\n",
			class_title((enum src_class)c), t->attempts, t->outcome[OUTCOME_SMTP],
			t->outcome[OUTCOME_ESTABLISHED], t->outcome[OUTCOME_ACCEPTED],
			t->outcome[OUTCOME_REFUSED], t->outcome[OUTCOME_REJECTED],
			t->outcome[OUTCOME_UNANSWERED], t->sources);
	}
	for (int c = 0; c < CLASS_COUNT; c++)
		if (r->totals[c].without_syn)
			fprintf(f,
				"  (%s: %" PRIu64 " reach(es) seen by the server's reply alone, "
				"their SYN not captured: reached_without_syn)\n",
				class_title((enum src_class)c), r->totals[c].without_syn);
	if (r->sources_estimated)
		fprintf(f, "  (outside sources: an estimate, within about 1%%: the source table "
			   "was full)\n");
}

static void print_sources(FILE *f, const struct report *r, size_t top)
{
	size_t n = top && r->n_sources > top ? top : r->n_sources; /* --top 0: all */
	size_t total = r->sources_total > r->n_sources ? r->sources_total : r->n_sources;
	bool partial = false;

	if (r->n_sources == 0) {
		fprintf(f, "\nNo outside, exception or probe sources.\n");
		return;
	}
	fprintf(f, "\n%s sources, worst first",
		r->totals[CLASS_PROBE].attempts ? "Outside, exception and probe"
						: "Outside and exception");
	if (n < total)
		fprintf(f, " (%zu of %zu; --top shows more)", n, total);
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
			s->reached ? (s->lower_bound ? "REACHED*" : "REACHED")
				   : (s->lower_bound ? "blocked*" : "blocked"),
			aw, addr_format(&s->addr, addr, sizeof(addr)), class_name(s->cls), lw,
			s->label ? s->label : "-", s->c.attempts, s->c.outcome[OUTCOME_SMTP],
			s->c.outcome[OUTCOME_ESTABLISHED], s->c.outcome[OUTCOME_ACCEPTED],
			s->c.outcome[OUTCOME_REFUSED], s->c.outcome[OUTCOME_REJECTED],
			s->c.outcome[OUTCOME_UNANSWERED],
			(format_time_iso(s->first_us, first, sizeof(first)), first),
			(format_time_iso(s->last_us, last, sizeof(last)), last),
			s->helo ? s->helo : "-");
		partial = partial || s->lower_bound;
	}
	if (r->source_counts_retained)
		fprintf(f, "  (listed, and REACHED or not, by the window; the counts add up over "
			   "all Redis retains)\n");
	if (partial)
		fprintf(f, "  * counts are lower bounds: the source gave way to newer ones in the "
			   "full source table and came back (--max-sources)\n");
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
	if (r->tcp_truncated_tail)
		fprintf(f,
			"  %" PRIu64 " TCP header(s) cut by the snap length after their first 14 "
			"bytes, decoded (tcp_truncated_tail)\n",
			r->tcp_truncated_tail);
	if (r->clock_jumps)
		fprintf(f,
			"  %" PRIu64 " packet time stamp(s) jumped (clock_jumps): held back, "
			"never timing out an attempt\n",
			r->clock_jumps);
	if (r->reply_seen_evictions)
		fprintf(f,
			"  %" PRIu64 " connection(s) reached without SYN forgotten by their full "
			"table: each may have counted more than once\n",
			r->reply_seen_evictions);
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
	if (r->sources_evicted)
		fprintf(f,
			"  %" PRIu64
			" outside source(s) seen once and blocked gave way to newer ones "
			"in the full source table (--max-sources)\n",
			r->sources_evicted);
	if (r->sources_folded)
		fprintf(f,
			"  %" PRIu64
			" blocked outside source(s) seen once were folded by the Redis "
			"store under a flood: counted in the totals and the distinct estimate, "
			"without a record of their own\n",
			r->sources_folded);
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
		report_text_sensor_watch(f, s);
		if (s->lost)
			fprintf(f,
				"    %" PRIu64 " attempt(s) not stored: Redis was away longer than "
				"--redis-max-pending could hold\n",
				s->lost);
	}
}

/* "2026-11-02 09:00" per hour, "2026-11-02" per day, "2026-11-02 09:07"
 * per minute (UTC); the end of a bucket is its last minute, so a period
 * reads inclusive: "09:00 .. 10:59"; per day the day itself. */
static void format_bucket_at(uint64_t us, uint32_t bucket_s, bool end, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, len,
					   bucket_s >= 86400 ? "%Y-%m-%d"
					   : bucket_s < 3600 ? "%Y-%m-%d %H:%M"
					   : end	     ? "%Y-%m-%d %H:59"
							     : "%Y-%m-%d %H:00",
					   &tm) == 0)
		snprintf(buf, len, "?");
}

static void format_bucket(uint64_t us, uint32_t bucket_s, char *buf, size_t len)
{
	format_bucket_at(us, bucket_s, false, buf, len);
}

static void format_bucket_end(uint64_t us, uint32_t bucket_s, char *buf, size_t len)
{
	format_bucket_at(us, bucket_s, true, buf, len);
}

static const char *bucket_unit(const struct timeline *t)
{
	return t->bucket_s >= 86400 ? "day" : t->bucket_s >= 3600 ? "hour" : "minute";
}

/* The short story for the default report: one line per period of the same
 * verdict, the change that opened it marked. */
static void print_story(FILE *f, const struct timeline *t)
{
	char from[32], to[32];

	fprintf(f, "\nTimeline (UTC, per %s; --timeline draws it):\n", bucket_unit(t));
	for (size_t i = 0; i < t->n;) {
		size_t j = i + 1;
		enum verdict v = t->b[i].verdict;
		uint64_t att = t->b[i].attempts, reached = t->b[i].reached;
		for (; j < t->n && !t->b[j].changed; j++) {
			if (v == VERDICT_UNPROVEN)
				v = t->b[j].verdict;
			att += t->b[j].attempts;
			reached += t->b[j].reached;
		}
		format_bucket(t->b[i].from_us, t->bucket_s, from, sizeof(from));
		format_bucket_end(t->b[j - 1].from_us, t->bucket_s, to, sizeof(to));
		fprintf(f,
			"  %s .. %-16s  %-13s %7" PRIu64 " outside attempts, %" PRIu64
			" reached the server",
			from, to, verdict_title(v), att, reached);
		if (t->b[i].changed)
			fprintf(f, "  <- %s", timeline_change_text(t->b[i].verdict));
		fputc('\n', f);
		i = j;
	}
}

static size_t bar_len(uint64_t n, uint64_t max)
{
	if (n == 0 || max == 0)
		return 0;
	size_t len = (size_t)((n * TIMELINE_BAR_WIDTH + max / 2) / max);
	return len ? len : 1; /* one attempt still shows */
}

/* The chart (--timeline): one line per bucket with attempts, a line for
 * each stretch without any, so the time axis reads true. */
static void print_chart(FILE *f, const struct timeline *t)
{
	uint64_t max = 0;
	char from[32];

	for (size_t i = 0; i < t->n; i++)
		max = t->b[i].attempts > max ? t->b[i].attempts : max;
	fprintf(f, "\nTimeline (UTC, per %s): outside attempts; # reached the server, = blocked\n",
		bucket_unit(t));
	fprintf(f, "  %-16s  %-13s %8s %8s\n", "FROM", "VERDICT", "OUTSIDE", "REACHED");
	for (size_t i = 0; i < t->n; i++) {
		const struct timeline_bucket *b = &t->b[i];
		if (i > 0) {
			uint64_t gap = (b->from_us - t->b[i - 1].from_us) / 1000000 / t->bucket_s;
			if (gap > 1)
				fprintf(f, "  ... %" PRIu64 " %s%s without attempts\n", gap - 1,
					bucket_unit(t), gap > 2 ? "s" : "");
		}
		format_bucket(b->from_us, t->bucket_s, from, sizeof(from));
		fprintf(f, "  %-16s  %-13s %8" PRIu64 " %8" PRIu64 "  |", from,
			b->attempts ? verdict_title(b->verdict) : "-", b->attempts, b->reached);
		size_t all = bar_len(b->attempts, max), hit = bar_len(b->reached, max);
		hit = hit > all ? all : hit;
		for (size_t k = 0; k < all; k++)
			fputc(k < hit ? '#' : '=', f);
		if (b->changed)
			fprintf(f, " <- %s", timeline_change_text(b->verdict));
		fputc('\n', f);
	}
}

static void print_timeline(FILE *f, const struct report *r, bool chart)
{
	struct timeline t;

	if (r->n_hours == 0) {
		if (chart)
			fprintf(f, "\nTimeline: no attempts in the window.\n");
		return;
	}
	if (timeline_build_unit(r->hours, r->n_hours, r->by_minute ? 60 : 3600, &t) < 0) {
		fprintf(f, "\nTimeline: out of memory.\n");
		return;
	}
	if (chart)
		print_chart(f, &t);
	else if (t.n > 1)
		print_story(f, &t);
	if (r->timeline_dropped)
		fprintf(f,
			"  %" PRIu64 " attempt(s) fell in hours beyond the %d the timeline holds "
			"and are not drawn\n",
			r->timeline_dropped, LW_TIMELINE_MAX_HOURS);
	timeline_release(&t);
}

static void print_text(FILE *f, const struct report *r, size_t top, bool chart)
{
	char from[32], to[32];

	format_time_iso(r->from_us, from, sizeof(from));
	format_time_iso(r->to_us, to, sizeof(to));
	fprintf(f, "lockwatch: port-25 lockdown report\n");
	fprintf(f, "Window:  %s .. %s (UTC%s)\n\n", from[0] ? from : "-", to[0] ? to : "-",
		r->by_minute ? ", rounded out to whole minutes" : "");
	fprintf(f, "Verdict: %s\n  %s\n\n", verdict_title(r->verdict), r->reason);
	print_totals(f, r);
	report_text_direction(f, r);
	report_text_probe(f, r);
	print_timeline(f, r, chart);
	print_sources(f, r, top);
	print_capture(f, r);
	if (r->rules_digest)
		fprintf(f, "\nRules digest: %s\n", r->rules_digest);
}

void report_print_text(FILE *f, const struct report *r, size_t top)
{
	print_text(f, r, top, false);
}

void report_print_text_timeline(FILE *f, const struct report *r, size_t top)
{
	print_text(f, r, top, true);
}
