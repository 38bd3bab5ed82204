/* The report as one JSON object (DESIGN.md section 10: keys may be added,
 * never renamed). */
#include "config.h"

#include "analyzer/report.h"
#include "analyzer/timeline.h"
#include "render/json.h"
#include "render/render.h"

static void kv_time(struct json *j, const char *key, uint64_t us)
{
	char buf[32];

	json_key(j, key);
	if (us == 0) {
		json_null(j);
		return;
	}
	format_time_iso(us, buf, sizeof(buf));
	json_string(j, buf);
}

static void counts_fields(struct json *j, const struct counts *c)
{
	json_kv_uint(j, "attempts", c->attempts);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		json_kv_uint(j, outcome_name((enum outcome)o), c->outcome[o]);
	json_kv_uint(j, "replied", c->replied);
	json_kv_uint(j, "reached_without_syn", c->without_syn);
}

static void print_source(struct json *j, const struct report_source *s)
{
	char addr[LW_ADDR_STRLEN];

	json_object_begin(j);
	json_kv_string(j, "addr", addr_format(&s->addr, addr, sizeof(addr)));
	json_kv_string(j, "class", class_name(s->cls));
	json_kv_string(j, "label", s->label);
	json_kv_string(j, "helo", s->helo);
	counts_fields(j, &s->c);
	kv_time(j, "first_seen", s->first_us);
	kv_time(j, "last_seen", s->last_us);
	json_kv_bool(j, "reached", s->reached);
	json_kv_bool(j, "lower_bound", s->lower_bound);
	json_object_end(j);
}

static void print_capture(struct json *j, const struct report *r)
{
	json_key(j, "capture");
	json_object_begin(j);
	json_kv_uint(j, "packets", r->packets);
	json_kv_uint(j, "kernel_drops", r->kernel_drops);
	json_kv_uint(j, "evictions", r->evictions);
	json_key(j, "malformed");
	json_object_begin(j);
	for (unsigned i = 0; i < r->n_malformed; i++)
		json_kv_uint(j, r->malformed[i].name, r->malformed[i].n);
	json_object_end(j);
	json_kv_uint(j, "unmatched_replies", r->unmatched_replies);
	json_kv_uint(j, "unmatched_icmp", r->unmatched_icmp);
	json_kv_uint(j, "pending_at_end", r->pending_at_end);
	json_kv_uint(j, "evicted_open_outside", r->evicted_open_outside);
	json_kv_uint(j, "tcp_truncated_tail", r->tcp_truncated_tail);
	json_kv_uint(j, "clock_jumps", r->clock_jumps);
	json_kv_uint(j, "reached_without_syn_forgotten", r->reply_seen_evictions);
	json_kv_uint(j, "sources_dropped", r->sources_dropped);
	json_kv_uint(j, "sources_evicted", r->sources_evicted);
	json_kv_uint(j, "sources_folded", r->sources_folded);
	json_kv_uint(j, "sources_readmitted", r->sources_readmitted);
	json_kv_uint(j, "input_errors", r->input_errors);
	json_object_end(j);
}

static void print_sensors(struct json *j, const struct report *r)
{
	json_key(j, "sensors");
	json_array_begin(j);
	for (size_t i = 0; i < r->n_sensors; i++) {
		const struct report_sensor *s = &r->sensors[i];
		json_object_begin(j);
		json_kv_string(j, "name", s->name);
		kv_time(j, "started", s->started_us);
		kv_time(j, "last_flush", s->last_flush_us);
		json_kv_uint(j, "packets", s->packets);
		json_kv_uint(j, "kernel_drops", s->kernel_drops);
		json_kv_uint(j, "evictions", s->evictions);
		json_kv_uint(j, "lost", s->lost);
		report_json_sensor_watch(j, s);
		json_object_end(j);
	}
	json_array_end(j);
}

/* "timeline": one object per hour (per day for long windows) with
 * attempts, the same series the text chart draws. */
static void print_timeline(struct json *j, const struct report *r)
{
	struct timeline t;
	int rc = timeline_build_unit(r->hours, r->n_hours, r->by_minute ? 60 : 3600, &t);

	json_kv_string(j, "timeline_bucket",
		       t.bucket_s >= 86400  ? "day"
		       : t.bucket_s >= 3600 ? "hour"
					    : "minute");
	json_key(j, "timeline");
	json_array_begin(j);
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		const struct timeline_bucket *b = &t.b[i];
		json_object_begin(j);
		kv_time(j, "from", b->from_us);
		json_kv_uint(j, "attempts", b->attempts);
		json_kv_uint(j, "reached", b->reached);
		json_kv_string(j, "verdict", verdict_key(b->verdict));
		json_kv_bool(j, "verdict_changed", b->changed);
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_uint(j, "timeline_dropped", r->timeline_dropped);
	timeline_release(&t);
}

void report_print_json(FILE *f, const struct report *r)
{
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_kv_string(&j, "verdict", verdict_key(r->verdict));
	json_kv_string(&j, "reason", r->reason);
	json_key(&j, "window");
	json_object_begin(&j);
	kv_time(&j, "from", r->from_us);
	kv_time(&j, "to", r->to_us);
	/* "minute": a short window read from the minute series, its bounds
	 * rounded out to whole minutes */
	if (r->by_minute)
		json_kv_string(&j, "rounded_to", "minute");
	json_object_end(&j);

	json_key(&j, "totals");
	json_object_begin(&j);
	for (int c = 0; c < CLASS_COUNT; c++) {
		json_key(&j, class_name((enum src_class)c));
		json_object_begin(&j);
		counts_fields(&j, &r->totals[c]);
		json_kv_uint(&j, "sources", r->totals[c].sources);
		json_kv_bool(&j, "sources_estimated", c == CLASS_OUTSIDE && r->sources_estimated);
		json_object_end(&j);
	}
	json_object_end(&j);

	/* the worst --top of sources_total (all with --top 0) */
	json_kv_uint(&j, "sources_total", r->sources_total);
	/* "retention": the window lists the sources, their counts span all
	 * that Redis retains */
	if (r->source_counts_retained)
		json_kv_string(&j, "source_counts", "retention");
	json_key(&j, "sources");
	json_array_begin(&j);
	for (size_t i = 0; i < r->n_sources; i++)
		print_source(&j, &r->sources[i]);
	json_array_end(&j);

	report_json_direction(&j, r);
	report_json_probe(&j, r);
	print_timeline(&j, r);
	print_capture(&j, r);
	print_sensors(&j, r);
	json_kv_string(&j, "rules_digest", r->rules_digest);
	json_kv_string(&j, "version", PACKAGE_VERSION);
	json_object_end(&j);
	fputc('\n', f);
}
