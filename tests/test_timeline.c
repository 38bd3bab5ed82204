/* Unit tests: the per-hour table (order, probing, its bound under hostile
 * packet times) and the timeline drawn from it (per hour and per day,
 * each bucket's verdict, where a change is marked and where it is not). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/timeline.h"
#include "common/bounds.h"

#define HOUR_US 3600000000ULL
#define BASE_H	491558u /* 2026-01-26T14:00:00Z, any hour will do */

static void add(struct hour_table *t, uint64_t hour, enum src_class cls, enum outcome o)
{
	struct attempt a;

	memset(&a, 0, sizeof(a));
	a.first_us = hour * HOUR_US + 1234;
	a.outcome = (uint8_t)o;
	a.replied = o != OUTCOME_UNANSWERED;
	hour_table_add(t, &a, cls);
}

static void test_table_sorted_and_summed(void **state)
{
	struct hour_table *t = hour_table_new();
	struct hour_counts *h;
	size_t n;

	(void)state;
	/* out of order, repeated, and many: the table grows and rehashes */
	for (uint32_t i = 200; i > 0; i--)
		add(t, BASE_H + i * 3, CLASS_OUTSIDE, OUTCOME_REFUSED);
	add(t, BASE_H + 3, CLASS_OUTSIDE, OUTCOME_SMTP);
	add(t, BASE_H + 3, CLASS_ALLOWED, OUTCOME_SMTP);
	assert_int_equal(hour_table_export(t, &h, &n), 0);
	assert_int_equal(n, 200);
	for (size_t i = 1; i < n; i++)
		assert_true(h[i - 1].hour < h[i].hour);
	assert_int_equal(h[0].hour, BASE_H + 3);
	assert_int_equal(h[0].c[CLASS_OUTSIDE].attempts, 2);
	assert_int_equal(h[0].c[CLASS_OUTSIDE].outcome[OUTCOME_SMTP], 1);
	assert_int_equal(h[0].c[CLASS_ALLOWED].attempts, 1);
	assert_int_equal(t->dropped, 0);
	free(h);
	hour_table_free(t);
	hour_table_free(NULL);
}

static void test_table_bounded(void **state)
{
	struct hour_table *t = hour_table_new();

	(void)state;
	/* a capture whose times jump everywhere: never more than the bound */
	for (uint32_t i = 0; i < LW_TIMELINE_MAX_HOURS + 500; i++)
		add(t, (uint64_t)i * 7919u, CLASS_OUTSIDE, OUTCOME_UNANSWERED);
	assert_int_equal(t->n, LW_TIMELINE_MAX_HOURS);
	assert_int_equal(t->dropped, 500);
	/* an hour it holds still counts */
	add(t, 0, CLASS_OUTSIDE, OUTCOME_UNANSWERED);
	assert_int_equal(t->dropped, 500);
	hour_table_free(t);
}

static void test_timeline_hours_and_change(void **state)
{
	struct hour_table *t = hour_table_new();
	struct hour_counts *h;
	struct timeline tl;
	size_t n;

	(void)state;
	/* hour 0: breach; hour 1: only the gateway (judges nothing);
	 * hour 3: blocked with replies seen; hour 4: blocked, nothing seen */
	add(t, BASE_H, CLASS_OUTSIDE, OUTCOME_ACCEPTED);
	add(t, BASE_H, CLASS_OUTSIDE, OUTCOME_REFUSED);
	add(t, BASE_H + 1, CLASS_ALLOWED, OUTCOME_SMTP);
	add(t, BASE_H + 3, CLASS_OUTSIDE, OUTCOME_REFUSED);
	add(t, BASE_H + 3, CLASS_ALLOWED, OUTCOME_SMTP);
	add(t, BASE_H + 4, CLASS_OUTSIDE, OUTCOME_UNANSWERED);
	assert_int_equal(hour_table_export(t, &h, &n), 0);
	assert_int_equal(timeline_build(h, n, &tl), 0);
	assert_int_equal(tl.bucket_s, 3600);
	assert_int_equal(tl.n, 4);
	assert_int_equal(tl.b[0].from_us, (uint64_t)BASE_H * HOUR_US);
	assert_int_equal(tl.b[0].attempts, 2);
	assert_int_equal(tl.b[0].reached, 1);
	assert_int_equal(tl.b[0].verdict, VERDICT_NOT_EFFECTIVE);
	assert_false(tl.b[0].changed); /* the first judgement is no change */
	assert_int_equal(tl.b[1].attempts, 0);
	assert_int_equal(tl.b[1].verdict, VERDICT_UNPROVEN);
	assert_false(tl.b[1].changed);
	assert_int_equal(tl.b[2].verdict, VERDICT_EFFECTIVE);
	assert_true(tl.b[2].changed); /* compared with hour 0, across hour 1 */
	assert_int_equal(tl.b[3].verdict, VERDICT_INCONCLUSIVE);
	assert_true(tl.b[3].changed);
	assert_string_equal(timeline_change_text(VERDICT_EFFECTIVE),
			    "lockdown effective from here");
	timeline_release(&tl);
	free(h);
	hour_table_free(t);
}

static void test_timeline_days(void **state)
{
	struct hour_table *t = hour_table_new();
	struct hour_counts *h;
	struct timeline tl;
	size_t n;
	uint32_t day0 = BASE_H / 24 * 24;

	(void)state;
	add(t, day0 + 1, CLASS_OUTSIDE, OUTCOME_SMTP);
	add(t, day0 + 23, CLASS_OUTSIDE, OUTCOME_REFUSED);
	add(t, day0 + LW_TIMELINE_HOURLY_MAX + 30, CLASS_OUTSIDE, OUTCOME_REFUSED);
	assert_int_equal(hour_table_export(t, &h, &n), 0);
	assert_int_equal(timeline_build(h, n, &tl), 0);
	assert_int_equal(tl.bucket_s, 86400);
	assert_int_equal(tl.n, 2);
	assert_int_equal(tl.b[0].from_us, (uint64_t)day0 * HOUR_US);
	assert_int_equal(tl.b[0].attempts, 2);
	assert_int_equal(tl.b[0].reached, 1);
	assert_int_equal(tl.b[1].from_us, (uint64_t)(day0 + 96) * HOUR_US);
	timeline_release(&tl);
	free(h);
	hour_table_free(t);

	/* nothing at all */
	assert_int_equal(timeline_build(NULL, 0, &tl), 0);
	assert_int_equal(tl.n, 0);
	timeline_release(&tl);
}

/* The minute series (report windows that start inside an hour): per
 * minute over a short span, per hour past LW_TIMELINE_MINUTE_MAX minutes. */
static void test_timeline_minutes(void **state)
{
	struct hour_counts m[3];
	struct timeline tl;
	uint32_t min0 = BASE_H * 60 + 20;

	(void)state;
	memset(m, 0, sizeof(m));
	m[0].hour = min0;
	m[0].c[CLASS_OUTSIDE].attempts = 1;
	m[0].c[CLASS_OUTSIDE].outcome[OUTCOME_SMTP] = 1;
	m[1].hour = min0 + 5;
	m[1].c[CLASS_OUTSIDE].attempts = 2;
	m[1].c[CLASS_OUTSIDE].outcome[OUTCOME_REFUSED] = 2;
	m[1].c[CLASS_OUTSIDE].replied = 2;
	m[2].hour = min0 + 6;
	m[2].c[CLASS_OUTSIDE].attempts = 1;
	m[2].c[CLASS_OUTSIDE].outcome[OUTCOME_REFUSED] = 1;
	m[2].c[CLASS_OUTSIDE].replied = 1;
	assert_int_equal(timeline_build_unit(m, 3, 60, &tl), 0);
	assert_int_equal(tl.bucket_s, 60);
	assert_int_equal(tl.n, 3);
	assert_int_equal(tl.b[0].from_us, (uint64_t)min0 * 60000000ULL);
	assert_int_equal(tl.b[0].verdict, VERDICT_NOT_EFFECTIVE);
	assert_int_equal(tl.b[1].from_us, (uint64_t)(min0 + 5) * 60000000ULL);
	assert_int_equal(tl.b[1].verdict, VERDICT_EFFECTIVE);
	assert_true(tl.b[1].changed);
	timeline_release(&tl);

	/* a longer span of minutes is drawn per hour, from the hour's start */
	m[2].hour = min0 + LW_TIMELINE_MINUTE_MAX + 60;
	assert_int_equal(timeline_build_unit(m, 3, 60, &tl), 0);
	assert_int_equal(tl.bucket_s, 3600);
	assert_int_equal(tl.n, 2);
	assert_int_equal(tl.b[0].from_us, (uint64_t)BASE_H * HOUR_US);
	assert_int_equal(tl.b[0].attempts, 3);
	timeline_release(&tl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_sorted_and_summed),   cmocka_unit_test(test_table_bounded),
	    cmocka_unit_test(test_timeline_hours_and_change), cmocka_unit_test(test_timeline_days),
	    cmocka_unit_test(test_timeline_minutes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
