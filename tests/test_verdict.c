/* Unit tests: aggregation of attempts, the verdict rules of DESIGN.md
 * section 4 (each branch and their order), and the report's ordering. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/aggregate.h"
#include "analyzer/report.h"
#include "analyzer/store_batch.h"
#include "analyzer/verdict.h"
#include "common/hll.h"
#include "render/render.h"

static struct attempt mk(const char *src, enum outcome o, uint64_t t)
{
	struct attempt a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(addr_parse(src, &a.src), 0);
	assert_int_equal(addr_parse("192.0.2.25", &a.dst), 0);
	a.sport = 40000;
	a.dport = 25;
	a.first_us = t;
	a.last_us = t + 1000;
	a.outcome = (uint8_t)o;
	a.replied = o != OUTCOME_UNANSWERED;
	a.syns = 1;
	return a;
}

static struct rule_ref ref_of(enum src_class c)
{
	struct rule_ref r;

	memset(&r, 0, sizeof(r));
	r.cls = c;
	r.set = c == CLASS_ALLOWED ? "mimecast-eu" : NULL;
	r.label = c == CLASS_EXCEPTION ? "backup-mx" : NULL;
	return r;
}

static void add(struct aggregate *ag, const char *src, enum src_class c, enum outcome o, uint64_t t)
{
	struct attempt a = mk(src, o, t);
	struct rule_ref r = ref_of(c);

	aggregate_add(ag, &a, &r);
}

static enum verdict judge(struct aggregate *ag, uint64_t kernel_drops, char *reason)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	r.kernel_drops = kernel_drops;
	assert_int_equal(report_from_aggregate(&r, ag), 0);
	strcpy(reason, r.reason);
	enum verdict v = r.verdict;
	report_release(&r);
	return v;
}

static void test_counts_add_up(void **state)
{
	struct aggregate *ag = aggregate_new(100);

	(void)state;
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_REFUSED, 1000);
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_UNANSWERED, 3000);
	add(ag, "203.0.113.2", CLASS_OUTSIDE, OUTCOME_REJECTED, 2000);
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_SMTP, 500);
	const struct counts *o = &ag->totals[CLASS_OUTSIDE];
	assert_int_equal(o->attempts, 3);
	assert_int_equal(o->sources, 2);
	assert_int_equal(o->outcome[OUTCOME_REFUSED], 1);
	assert_int_equal(o->outcome[OUTCOME_UNANSWERED], 1);
	assert_int_equal(o->outcome[OUTCOME_REJECTED], 1);
	assert_int_equal(ag->totals[CLASS_ALLOWED].outcome[OUTCOME_SMTP], 1);
	assert_int_equal(ag->from_us, 500);
	assert_int_equal(ag->to_us, 4000);
	struct lw_addr a;
	addr_parse("203.0.113.1", &a);
	const struct source_agg *s = aggregate_find(ag, &a);
	assert_non_null(s);
	assert_int_equal(source_attempts(s), 2);
	assert_int_equal(s->first_us, 1000);
	assert_int_equal(s->last_us, 4000);
	assert_int_equal(s->best, OUTCOME_REFUSED);
	assert_null(aggregate_cold(ag, s)); /* no label, HELO or reach time */
	aggregate_free(ag);
}

static void test_bound_keeps_totals_exact(void **state)
{
	struct aggregate *ag = aggregate_new(16);
	char src[32];
	bool est;

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", i + 1);
		add(ag, src, CLASS_OUTSIDE, OUTCOME_REFUSED, 1000 + (uint64_t)i);
	}
	assert_int_equal(aggregate_count(ag), 16);
	assert_int_equal(ag->totals[CLASS_OUTSIDE].attempts, 40);
	/* the oldest one-attempt sources gave way, none was dropped */
	assert_int_equal(ag->sources_dropped, 0);
	assert_int_equal(ag->sources_evicted, 24);
	assert_int_equal(ag->sources_readmitted, 0);
	struct lw_addr a;
	addr_parse("203.0.113.1", &a);
	assert_null(aggregate_find(ag, &a));
	addr_parse("203.0.113.40", &a);
	assert_non_null(aggregate_find(ag, &a));
	/* small counts: the HyperLogLog is exact in practice */
	assert_int_equal(aggregate_sources(ag, CLASS_OUTSIDE, &est), 40);
	assert_true(est);
	aggregate_free(ag);
}

/* Reached sources, exceptions, gateways and repeat offenders are never
 * evicted; when nothing may give way the newcomer is dropped, counted. */
static void test_eviction_keeps_evidence(void **state)
{
	struct aggregate *ag = aggregate_new(16);
	char src[32];

	(void)state;
	add(ag, "203.0.113.200", CLASS_OUTSIDE, OUTCOME_SMTP, 10);
	add(ag, "192.0.2.50", CLASS_EXCEPTION, OUTCOME_REFUSED, 11);
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_UNANSWERED, 12);
	add(ag, "203.0.113.201", CLASS_OUTSIDE, OUTCOME_REFUSED, 13);
	add(ag, "203.0.113.201", CLASS_OUTSIDE, OUTCOME_REFUSED, 14);
	for (int i = 0; i < 1000; i++) {
		snprintf(src, sizeof(src), "10.0.%d.%d", i / 250, i % 250 + 1);
		add(ag, src, CLASS_OUTSIDE, OUTCOME_UNANSWERED, 100 + (uint64_t)i);
	}
	const char *kept[] = {"203.0.113.200", "192.0.2.50", "198.51.100.9", "203.0.113.201"};
	for (size_t i = 0; i < 4; i++) {
		struct lw_addr a;
		addr_parse(kept[i], &a);
		const struct source_agg *s = aggregate_find(ag, &a);
		assert_non_null(s);
		assert_int_equal(s->flags & SRC_F_LOWER_BOUND, 0);
	}
	assert_int_equal(ag->sources_evicted, 1000 - 12);
	assert_int_equal(ag->sources_dropped, 0);
	/* the reached source still makes the verdict */
	char reason[512];
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_SMTP, 5000);
	struct report r;
	memset(&r, 0, sizeof(r));
	r.top = 2;
	assert_int_equal(report_from_aggregate(&r, ag), 0);
	assert_int_equal(r.verdict, VERDICT_NOT_EFFECTIVE);
	assert_non_null(strstr(r.reason, "1 outside source(s) reached"));
	assert_int_equal(r.n_sources, 2);
	assert_int_equal(r.sources_total, 15); /* every held source but the gateway */
	assert_true(r.sources_estimated);
	strcpy(reason, r.reason);
	report_release(&r);

	/* fill the table with sources to keep: a newcomer is dropped */
	for (int i = 0; i < 16; i++) {
		snprintf(src, sizeof(src), "10.9.0.%d", i + 1);
		add(ag, src, CLASS_OUTSIDE, OUTCOME_ACCEPTED, 6000 + (uint64_t)i);
	}
	add(ag, "10.9.1.1", CLASS_OUTSIDE, OUTCOME_UNANSWERED, 7000);
	assert_true(ag->sources_dropped >= 1);
	aggregate_free(ag);
}

/* A source evicted and seen again is flagged: its counts start over. */
static void test_readmission_is_flagged(void **state)
{
	struct aggregate *ag = aggregate_new(16);
	char src[32];
	struct lw_addr a;

	(void)state;
	add(ag, "203.0.113.7", CLASS_OUTSIDE, OUTCOME_UNANSWERED, 1);
	for (int i = 0; i < 16; i++) {
		snprintf(src, sizeof(src), "10.0.0.%d", i + 1);
		add(ag, src, CLASS_OUTSIDE, OUTCOME_UNANSWERED, 10 + (uint64_t)i);
	}
	addr_parse("203.0.113.7", &a);
	assert_null(aggregate_find(ag, &a));
	add(ag, "203.0.113.7", CLASS_OUTSIDE, OUTCOME_UNANSWERED, 100);
	const struct source_agg *s = aggregate_find(ag, &a);
	assert_non_null(s);
	assert_true(s->flags & SRC_F_LOWER_BOUND);
	assert_int_equal(ag->sources_readmitted, 1);
	struct report r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(report_from_aggregate(&r, ag), 0);
	bool seen = false;
	for (size_t i = 0; i < r.n_sources; i++)
		if (addr_equal(&r.sources[i].addr, &a)) {
			assert_true(r.sources[i].lower_bound);
			seen = true;
		}
	assert_true(seen);
	report_release(&r);
	aggregate_free(ag);
}

/* The store is owed what a source did before it gave way: its pending
 * change outlives its record. With the table full these blocked one-shot
 * sources are folded (the batch counts them in their day's HyperLogLog
 * registers, their attempts in the hours), none lost. Past max_sources changed sources
 * in one interval, blocked one-attempt ones are folded as they come
 * (only the changes of other sources that find no room count as lost). */
static void test_pending_outlives_eviction(void **state)
{
	struct aggregate *ag = aggregate_new(16);
	char src[32];
	struct lw_addr x;

	(void)state;
	aggregate_track_changes(ag);
	/* 12 sources that stay (two attempts each) and 4 that may give way */
	for (int i = 0; i < 16; i++) {
		snprintf(src, sizeof(src), "10.0.0.%d", i + 1);
		for (int k = 0; k < (i < 12 ? 2 : 1); k++)
			add(ag, src, CLASS_OUTSIDE, OUTCOME_UNANSWERED, 10 + (uint64_t)i);
	}
	store_batch_free(aggregate_take_batch(ag));
	add(ag, "203.0.113.7", CLASS_OUTSIDE, OUTCOME_UNANSWERED, 100);
	for (int i = 0; i < 4; i++) {
		snprintf(src, sizeof(src), "10.1.0.%d", i + 1);
		add(ag, src, CLASS_OUTSIDE, OUTCOME_UNANSWERED, 200 + (uint64_t)i);
	}
	addr_parse("203.0.113.7", &x);
	assert_null(aggregate_find(ag, &x)); /* the fourth newcomer took its place */
	struct store_batch *b = aggregate_take_batch(ag);
	assert_non_null(b);
	assert_int_equal(b->n_src, 0);
	assert_int_equal(b->n_folded, 5);
	assert_int_equal(b->hours[0].sources_folded, 5);
	assert_int_equal(b->hours[0].c[CLASS_OUTSIDE].attempts, 5);
	assert_int_equal(b->lost, 0);
	/* the one that gave way is in its day's registers */
	static uint8_t alone[LW_HLL_REGISTERS];
	lw_hll_add_addr(alone, &x);
	assert_int_equal(b->n_days, 1);
	bool seen = false;
	for (uint32_t k = 0; k < LW_HLL_REGISTERS; k++)
		if (alone[k])
			seen = b->days[0].regs[k] >= alone[k];
	assert_true(seen);
	store_batch_free(b);

	/* more changed sources in one interval than the table holds: the
	 * blocked one-attempt ones are folded as they come, none lost */
	for (int i = 0; i < 40; i++) {
		snprintf(src, sizeof(src), "10.2.0.%d", i + 1);
		add(ag, src, CLASS_OUTSIDE, OUTCOME_UNANSWERED, 300 + (uint64_t)i);
	}
	b = aggregate_take_batch(ag);
	assert_int_equal(store_batch_attempts(b) + b->n_folded, 40);
	assert_int_equal(b->lost, 0);
	store_batch_free(b);
	b = aggregate_take_batch(ag); /* the next interval starts empty */
	assert_int_equal(b->n_src, 0);
	assert_int_equal(b->n_folded, 0);
	assert_int_equal(b->lost, 0);
	store_batch_free(b);
	aggregate_free(ag);
}

/* The selected top equals the head of a full sort, and the HyperLogLog
 * stays within 2% on a flood far larger than the table. */
static void test_top_and_estimate_under_flood(void **state)
{
	struct aggregate *ag = aggregate_new(4096);
	struct report all, top;
	char src[32];
	bool est;

	(void)state;
	for (uint32_t i = 0; i < 200000; i++) {
		uint32_t x = i * 2654435761u; /* a bijection: all distinct */
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + (x >> 24) % 223, (x >> 16) & 255,
			 (x >> 8) & 255, x & 255);
		add(ag, src, CLASS_OUTSIDE, OUTCOME_UNANSWERED, 1000 + i);
		if (i % 1000 == 0) /* heavy hitters, all different */
			for (int h = 0; h < 10; h++) {
				snprintf(src, sizeof(src), "203.0.113.%d", h + 1);
				for (int k = 0; k <= h; k++)
					add(ag, src, CLASS_OUTSIDE, OUTCOME_REFUSED, 1000 + i);
			}
	}
	uint64_t n = aggregate_sources(ag, CLASS_OUTSIDE, &est);
	assert_true(est);
	assert_true(n > 200010 * 0.98 && n < 200010 * 1.02);
	memset(&all, 0, sizeof(all));
	memset(&top, 0, sizeof(top));
	top.top = 25;
	assert_int_equal(report_from_aggregate(&all, ag), 0);
	assert_int_equal(report_from_aggregate(&top, ag), 0);
	assert_int_equal(all.n_sources, all.sources_total);
	assert_int_equal(top.sources_total, all.sources_total);
	assert_int_equal(top.n_sources, 25);
	for (size_t i = 0; i < 25; i++)
		assert_true(addr_equal(&top.sources[i].addr, &all.sources[i].addr));
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(top.sources[i].c.attempts, 200 * (10 - i));
		assert_false(top.sources[i].lower_bound);
	}
	assert_int_equal(top.verdict, all.verdict);
	report_release(&all);
	report_release(&top);
	aggregate_free(ag);
}

static void test_not_effective_beats_everything(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	char reason[512];

	(void)state;
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_ACCEPTED, 1000);
	/* even with kernel drops: a SYN-ACK seen is proof */
	assert_int_equal(judge(ag, 5, reason), VERDICT_NOT_EFFECTIVE);
	assert_non_null(strstr(reason, "1 outside source(s) reached"));
	aggregate_free(ag);
}

static void test_exception_reaching_is_not_a_breach(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	char reason[512];

	(void)state;
	add(ag, "192.0.2.50", CLASS_EXCEPTION, OUTCOME_SMTP, 1000);
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_REFUSED, 2000);
	assert_int_equal(judge(ag, 0, reason), VERDICT_EFFECTIVE);
	aggregate_free(ag);
}

static void test_effective_needs_visible_replies(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	char reason[512];

	(void)state;
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_UNANSWERED, 1000);
	/* no reply of any kind anywhere */
	assert_int_equal(judge(ag, 0, reason), VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(reason, "No server reply"));
	/* gateway SYNs without replies: the control group failed */
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_UNANSWERED, 1500);
	assert_int_equal(judge(ag, 0, reason), VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(reason, "gateway attempt(s) were seen but none of their replies"));
	/* an answered gateway connection proves replies are visible */
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_SMTP, 2000);
	assert_int_equal(judge(ag, 0, reason), VERDICT_EFFECTIVE);
	assert_non_null(strstr(reason, "All 1 outside attempt(s)"));
	aggregate_free(ag);
}

static void test_inferred_smtp_is_no_visible_reply(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	struct attempt a = mk("198.51.100.9", OUTCOME_SMTP, 1000);
	struct rule_ref r = ref_of(CLASS_ALLOWED);
	char reason[512];

	(void)state;
	a.replied = false; /* one-way capture: EHLO seen, SYN-ACK never */
	aggregate_add(ag, &a, &r);
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_UNANSWERED, 2000);
	assert_int_equal(judge(ag, 0, reason), VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(reason, "none of their replies"));
	aggregate_free(ag);
}

/* A window starting inside an hour: the hourly totals still hold an earlier
 * breach, the sources' own reach times say whether it was in the window. */
static void test_window_inside_an_hour(void **state)
{
	struct verdict_input in;
	char reason[512];

	(void)state;
	memset(&in, 0, sizeof(in));
	in.totals[CLASS_OUTSIDE].attempts = 3;
	in.totals[CLASS_OUTSIDE].sources = 2;
	in.totals[CLASS_OUTSIDE].outcome[OUTCOME_SMTP] = 1;
	in.totals[CLASS_OUTSIDE].outcome[OUTCOME_UNANSWERED] = 2;
	in.totals[CLASS_ALLOWED].attempts = 2;
	in.totals[CLASS_ALLOWED].replied = 2;
	in.totals[CLASS_ALLOWED].outcome[OUTCOME_SMTP] = 2;
	assert_int_equal(verdict_decide(&in, reason, sizeof(reason)), VERDICT_NOT_EFFECTIVE);
	in.reach_by_sources_only = true;
	assert_int_equal(verdict_decide(&in, reason, sizeof(reason)), VERDICT_EFFECTIVE);
	assert_non_null(strstr(reason, "totals count whole hours"));
	in.reached_outside_sources = 1;
	assert_int_equal(verdict_decide(&in, reason, sizeof(reason)), VERDICT_NOT_EFFECTIVE);
}

static void test_refused_outside_is_its_own_proof(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	char reason[512];

	(void)state;
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_REFUSED, 1000);
	assert_int_equal(judge(ag, 0, reason), VERDICT_EFFECTIVE);
	aggregate_free(ag);
}

/* A reach the server's reply alone proved: NOT EFFECTIVE, and the reason
 * and the per-source counts say so. Undecodable packets are named in an
 * EFFECTIVE reason: each could have been a reply. */
static void test_reply_alone_and_undecodable(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	struct attempt a = mk("203.0.113.66", OUTCOME_ESTABLISHED, 3000);
	struct rule_ref ref = ref_of(CLASS_OUTSIDE);
	struct report r;

	(void)state;
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_SMTP, 1000);
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_REFUSED, 2000);
	memset(&r, 0, sizeof(r));
	r.malformed[0] = (struct report_counter){"tcp_truncated", 2};
	r.n_malformed = 1;
	assert_int_equal(report_from_aggregate(&r, ag), 0);
	assert_int_equal(r.verdict, VERDICT_EFFECTIVE);
	assert_non_null(strstr(r.reason, "2 captured packet(s) could not be decoded"));
	report_release(&r);

	a.syns = 0;
	a.without_syn = true;
	aggregate_add(ag, &a, &ref);
	memset(&r, 0, sizeof(r));
	assert_int_equal(report_from_aggregate(&r, ag), 0);
	assert_int_equal(r.verdict, VERDICT_NOT_EFFECTIVE);
	assert_non_null(strstr(r.reason, "1 seen by the server's reply alone"));
	assert_int_equal(r.totals[CLASS_OUTSIDE].without_syn, 1);
	assert_int_equal(r.totals[CLASS_OUTSIDE].outcome[OUTCOME_ESTABLISHED], 1);
	assert_int_equal(r.sources[0].c.without_syn, 1);
	assert_true(r.sources[0].reached);
	report_release(&r);
	aggregate_free(ag);
}

static void test_unproven_and_drops(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	char reason[512];

	(void)state;
	assert_int_equal(judge(ag, 0, reason), VERDICT_UNPROVEN);
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_SMTP, 2000);
	assert_int_equal(judge(ag, 0, reason), VERDICT_UNPROVEN);
	assert_int_equal(judge(ag, 3, reason), VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(reason, "lost 3 packet(s)"));
	aggregate_free(ag);
}

/* An attempt evicted before any reply (a SYN flood filled the table) is
 * no reason to doubt: a reply to it after its eviction would have been
 * counted as a reach without its SYN. EFFECTIVE, the evictions said; with
 * kernel drops (a reply may be lost) it stays INCONCLUSIVE. */
static void test_evicted_outside_is_said(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	struct attempt a = mk("203.0.113.1", OUTCOME_UNANSWERED, 1000);
	struct rule_ref r = ref_of(CLASS_OUTSIDE);
	char reason[512];

	(void)state;
	a.evicted = true;
	aggregate_add(ag, &a, &r);
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_SMTP, 2000);
	assert_int_equal(judge(ag, 0, reason), VERDICT_EFFECTIVE);
	assert_non_null(strstr(reason, "1 of them were evicted from the full table"));
	assert_non_null(strstr(reason, "reach without its SYN"));
	assert_int_equal(judge(ag, 1, reason), VERDICT_INCONCLUSIVE);
	aggregate_free(ag);
}

static void test_sources_worst_first(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	struct report r;
	char buf[LW_ADDR_STRLEN];

	(void)state;
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_REFUSED, 1000);
	add(ag, "203.0.113.1", CLASS_OUTSIDE, OUTCOME_REFUSED, 1100);
	add(ag, "203.0.113.2", CLASS_OUTSIDE, OUTCOME_ACCEPTED, 1200);
	add(ag, "203.0.113.3", CLASS_OUTSIDE, OUTCOME_SMTP, 1300);
	add(ag, "203.0.113.4", CLASS_OUTSIDE, OUTCOME_UNANSWERED, 1400);
	add(ag, "198.51.100.9", CLASS_ALLOWED, OUTCOME_SMTP, 1500);
	memset(&r, 0, sizeof(r));
	assert_int_equal(report_from_aggregate(&r, ag), 0);
	assert_int_equal(r.n_sources, 4); /* allowed sources are not listed */
	assert_string_equal(addr_format(&r.sources[0].addr, buf, sizeof(buf)), "203.0.113.3");
	assert_string_equal(addr_format(&r.sources[1].addr, buf, sizeof(buf)), "203.0.113.2");
	assert_string_equal(addr_format(&r.sources[2].addr, buf, sizeof(buf)), "203.0.113.1");
	assert_string_equal(addr_format(&r.sources[3].addr, buf, sizeof(buf)), "203.0.113.4");
	assert_true(r.sources[0].reached);
	assert_false(r.sources[2].reached);
	report_release(&r);
	aggregate_free(ag);
}

static void test_json_escapes_and_keys(void **state)
{
	struct aggregate *ag = aggregate_new(100);
	struct attempt a = mk("203.0.113.3", OUTCOME_SMTP, 1793610000000000ULL);
	struct rule_ref ref = ref_of(CLASS_OUTSIDE);
	struct report r;
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	strcpy(a.helo, "evil\"name\\x");
	aggregate_add(ag, &a, &ref);
	memset(&r, 0, sizeof(r));
	assert_int_equal(report_from_aggregate(&r, ag), 0);
	FILE *f = open_memstream(&buf, &len);
	report_print_json(f, &r);
	fclose(f);
	assert_non_null(strstr(buf, "\"verdict\":\"not_effective\""));
	assert_non_null(strstr(buf, "\"helo\":\"evil\\\"name\\\\x\""));
	assert_non_null(strstr(buf, "\"first_seen\":\"2026-11-02T09:00:00Z\""));
	assert_non_null(strstr(buf, "\"window\":{\"from\":\"2026-11-02T09:00:00Z\""));
	assert_non_null(strstr(buf, "\"exception\":{\"attempts\":0"));
	free(buf);
	report_release(&r);
	aggregate_free(ag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts_add_up),
	    cmocka_unit_test(test_bound_keeps_totals_exact),
	    cmocka_unit_test(test_eviction_keeps_evidence),
	    cmocka_unit_test(test_readmission_is_flagged),
	    cmocka_unit_test(test_pending_outlives_eviction),
	    cmocka_unit_test(test_top_and_estimate_under_flood),
	    cmocka_unit_test(test_not_effective_beats_everything),
	    cmocka_unit_test(test_exception_reaching_is_not_a_breach),
	    cmocka_unit_test(test_effective_needs_visible_replies),
	    cmocka_unit_test(test_inferred_smtp_is_no_visible_reply),
	    cmocka_unit_test(test_window_inside_an_hour),
	    cmocka_unit_test(test_refused_outside_is_its_own_proof),
	    cmocka_unit_test(test_reply_alone_and_undecodable),
	    cmocka_unit_test(test_unproven_and_drops),
	    cmocka_unit_test(test_evicted_outside_is_said),
	    cmocka_unit_test(test_sources_worst_first),
	    cmocka_unit_test(test_json_escapes_and_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
