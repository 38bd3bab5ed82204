/* Unit tests: the alert policy without a journal (a test sink collects
 * what would be sent): which attempts raise which events, the rendered
 * journal fields, de-duplication, the flood guard and its summary line,
 * and the stderr line format. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/alert.h"
#include "journal/journal.h"

#define SEC 1000000ULL
#define T0  (1793610000ULL * SEC)

struct got {
	struct alert a[512];
	char fields[512][1024]; /* rendered fields joined by '\n' */
	unsigned n;
};

static int collect(const struct alert *a, const struct alert_text *t, void *userdata)
{
	struct got *g = userdata;

	if (g->n >= 512)
		return -1;
	g->a[g->n] = *a;
	size_t used = 0;
	for (size_t i = 0; i < t->n; i++) {
		int n = snprintf(g->fields[g->n] + used, sizeof(g->fields[0]) - used, "%.*s\n",
				 (int)t->len[i], t->field[i]);
		if (n > 0 && (size_t)n < sizeof(g->fields[0]) - used)
			used += (size_t)n;
	}
	g->n++;
	return 0;
}

static bool has_field(const struct got *g, unsigned i, const char *kv)
{
	char line[512];

	snprintf(line, sizeof(line), "%s\n", kv);
	const char *p = g->fields[i];
	/* whole line match: at the start or after a newline */
	for (const char *q = strstr(p, line); q; q = strstr(q + 1, line))
		if (q == p || q[-1] == '\n')
			return true;
	fprintf(stderr, "# alert %u lacks %s:\n%s", i, kv, g->fields[i]);
	return false;
}

static unsigned count_event(const struct got *g, enum alert_event e)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->n; i++)
		n += g->a[i].event == e;
	return n;
}

static struct attempt mk(const char *src, enum outcome o, uint64_t t, const char *helo)
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
	if (helo)
		snprintf(a.helo, sizeof(a.helo), "%s", helo);
	return a;
}

static const struct rule_ref outside = {CLASS_OUTSIDE, NULL, NULL, NULL, "", NULL, 0};
static const struct rule_ref allowed = {CLASS_ALLOWED, "mimecast-eu", NULL, NULL, "x", "f", 1};
static const struct rule_ref exception = {
    CLASS_EXCEPTION, NULL, "backup-mx", "c", "192.0.2.50/32", "f", 2};

static struct alerter *mk_alerter(struct got *g, uint64_t window_s, uint32_t rate, uint32_t burst)
{
	struct alerter_config cfg;
	struct alert_sink sink = {collect, g};

	memset(g, 0, sizeof(*g));
	alerter_config_defaults(&cfg);
	cfg.dedup_window_us = window_s * SEC;
	cfg.flood_rate = rate;
	cfg.flood_burst = burst;
	cfg.sensor = "mx-test";
	struct alerter *al = alerter_new(&cfg, &sink);
	assert_non_null(al);
	return al;
}

static void feed(struct alerter *al, const char *src, enum outcome o, uint64_t t,
		 const struct rule_ref *ref, uint64_t n)
{
	struct attempt a = mk(src, o, t, o == OUTCOME_SMTP ? "spammer.example" : NULL);

	alerter_attempt(al, &a, ref, n);
}

static void test_event_table(void **state)
{
	(void)state;
	for (int i = 0; i < ALERT_EVENT_COUNT; i++) {
		const char *id = alert_message_id((enum alert_event)i);
		assert_int_equal(strlen(id), 32);
		assert_int_equal(strspn(id, "0123456789abcdef"), 32);
		for (int j = 0; j < i; j++) {
			assert_string_not_equal(id, alert_message_id((enum alert_event)j));
			assert_string_not_equal(alert_event_name((enum alert_event)i),
						alert_event_name((enum alert_event)j));
		}
	}
	assert_int_equal(alert_priority(ALERT_REACHED), 2);
	assert_int_equal(alert_priority(ALERT_SMTP), 2);
	assert_int_equal(alert_priority(ALERT_ATTEMPT), 5);
	assert_int_equal(alert_priority(ALERT_EXCEPTION), 6);
	assert_int_equal(alert_priority(ALERT_RULES_REJECTED), 3);
}

static void test_policy_smtp_breach(void **state)
{
	static struct got g;
	struct alerter *al = mk_alerter(&g, 600, 10, 100);

	(void)state;
	feed(al, "203.0.113.66", OUTCOME_SMTP, T0, &outside, 1);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.a[0].event, ALERT_ATTEMPT);
	assert_int_equal(g.a[1].event, ALERT_REACHED);
	assert_int_equal(g.a[2].event, ALERT_SMTP);
	/* the smtp alert, field by field */
	assert_true(has_field(&g, 2, "MESSAGE_ID=3827c73689f74aa6a935aff5d98506d0"));
	assert_true(has_field(&g, 2, "PRIORITY=2"));
	assert_true(has_field(&g, 2, "SYSLOG_IDENTIFIER=lockwatchd"));
	assert_true(has_field(&g, 2, "LOCKWATCH_EVENT=smtp"));
	assert_true(has_field(&g, 2, "LOCKWATCH_SENSOR=mx-test"));
	assert_true(has_field(&g, 2, "LOCKWATCH_SRC=203.0.113.66"));
	assert_true(has_field(&g, 2, "LOCKWATCH_SRC_PORT=40000"));
	assert_true(has_field(&g, 2, "LOCKWATCH_DST=192.0.2.25"));
	assert_true(has_field(&g, 2, "LOCKWATCH_DST_PORT=25"));
	assert_true(has_field(&g, 2, "LOCKWATCH_OUTCOME=smtp"));
	assert_true(has_field(&g, 2, "LOCKWATCH_ATTEMPTS=1"));
	assert_true(has_field(&g, 2, "LOCKWATCH_HELO=spammer.example"));
	assert_true(has_field(&g, 2, "LOCKWATCH_TIME=2026-11-02T09:00:00Z"));
	assert_non_null(strstr(g.fields[2], "MESSAGE=outside source 203.0.113.66 spoke SMTP"));
	/* the notice has no HELO and no set */
	assert_null(strstr(g.fields[0], "LOCKWATCH_HELO="));
	assert_null(strstr(g.fields[0], "LOCKWATCH_SET="));
	assert_true(has_field(&g, 0, "PRIORITY=5"));
	assert_true(has_field(&g, 1, "MESSAGE_ID=e443f88220a64ee8b340b445ec29eaf8"));
	assert_null(strstr(g.fields[1], "LOCKWATCH_REACHED_WITHOUT_SYN"));
	alerter_free(al);

	/* a reach the server's reply alone proved names its evidence */
	al = mk_alerter(&g, 600, 10, 100);
	struct attempt a = mk("203.0.113.67", OUTCOME_ESTABLISHED, T0, NULL);
	a.syns = 0;
	a.without_syn = true;
	alerter_attempt(al, &a, &outside, 1);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.a[1].event, ALERT_REACHED);
	assert_true(has_field(&g, 1, "LOCKWATCH_REACHED_WITHOUT_SYN=1"));
	assert_non_null(strstr(g.fields[1], "seen by the server's reply alone"));
	alerter_free(al);
}

static void test_policy_classes(void **state)
{
	static struct got g;
	struct alerter *al = mk_alerter(&g, 600, 10, 100);

	(void)state;
	feed(al, "198.51.100.10", OUTCOME_SMTP, T0, &allowed, 1);
	assert_int_equal(g.n, 0); /* the gateway is what should happen */
	feed(al, "203.0.113.7", OUTCOME_REFUSED, T0, &outside, 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.a[0].event, ALERT_ATTEMPT);
	assert_true(has_field(&g, 0, "LOCKWATCH_OUTCOME=refused"));
	feed(al, "203.0.113.8", OUTCOME_ACCEPTED, T0, &outside, 1);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.a[2].event, ALERT_REACHED);
	feed(al, "192.0.2.50", OUTCOME_SMTP, T0, &exception, 4);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.a[3].event, ALERT_EXCEPTION);
	assert_true(has_field(&g, 3, "LOCKWATCH_SET=backup-mx"));
	assert_true(has_field(&g, 3, "LOCKWATCH_ATTEMPTS=4"));
	assert_true(has_field(&g, 3, "PRIORITY=6"));
	alerter_free(al);
}

static void test_dedup_window(void **state)
{
	static struct got g;
	struct alerter_stats st;
	struct alerter *al = mk_alerter(&g, 60, 10, 100);

	(void)state;
	for (int i = 0; i < 5; i++)
		feed(al, "203.0.113.7", OUTCOME_REFUSED, T0 + (uint64_t)i * SEC, &outside,
		     (uint64_t)i + 1);
	assert_int_equal(g.n, 1);
	/* another source is another alert */
	feed(al, "203.0.113.9", OUTCOME_REFUSED, T0 + 5 * SEC, &outside, 1);
	assert_int_equal(g.n, 2);
	/* a reach is another event of the same source: not a duplicate */
	feed(al, "203.0.113.7", OUTCOME_ACCEPTED, T0 + 6 * SEC, &outside, 6);
	assert_int_equal(count_event(&g, ALERT_REACHED), 1);
	/* after the window the source alerts again, with its running count */
	feed(al, "203.0.113.7", OUTCOME_REFUSED, T0 + 61 * SEC, &outside, 7);
	assert_int_equal(count_event(&g, ALERT_ATTEMPT), 3);
	assert_true(has_field(&g, g.n - 1, "LOCKWATCH_ATTEMPTS=7"));
	alerter_get_stats(al, &st);
	assert_int_equal(st.deduped, 5);
	assert_int_equal(st.suppressed, 0);
	alerter_free(al);

	/* window 0: every attempt alerts */
	al = mk_alerter(&g, 0, 1000, 1000);
	for (int i = 0; i < 5; i++)
		feed(al, "203.0.113.7", OUTCOME_REFUSED, T0 + (uint64_t)i, &outside, 1);
	assert_int_equal(g.n, 5);
	alerter_free(al);
}

static void test_flood_guard(void **state)
{
	static struct got g;
	struct alerter_stats st;
	struct alerter *al = mk_alerter(&g, 600, 1, 5);
	char src[32];

	(void)state;
	/* 50 spoofed sources within 50 ms of packet time */
	for (int i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", i + 1);
		feed(al, src, OUTCOME_UNANSWERED, T0 + (uint64_t)i * 1000, &outside, 1);
	}
	assert_int_equal(g.n, 5);
	/* a breach in the middle of the storm still gets through: its own bucket */
	feed(al, "198.18.0.1", OUTCOME_ACCEPTED, T0 + 60000, &outside, 1);
	assert_int_equal(count_event(&g, ALERT_REACHED), 1);
	assert_int_equal(count_event(&g, ALERT_FLOOD), 0);
	alerter_get_stats(al, &st);
	assert_int_equal(st.suppressed, 46); /* 45 sources + the breach's own notice */
	/* the storm ends when the bucket is full again (5 tokens at 1/s) */
	alerter_tick(al, T0 + 3 * SEC);
	assert_int_equal(count_event(&g, ALERT_FLOOD), 0);
	alerter_tick(al, T0 + 6 * SEC);
	assert_int_equal(count_event(&g, ALERT_FLOOD), 1);
	unsigned f = g.n - 1;
	assert_int_equal(g.a[f].event, ALERT_FLOOD);
	assert_true(has_field(&g, f, "LOCKWATCH_COUNT=46"));
	assert_true(has_field(&g, f, "LOCKWATCH_SUPPRESSED_ATTEMPT=46"));
	assert_true(has_field(&g, f, "PRIORITY=4"));
	assert_true(has_field(&g, f, "LOCKWATCH_SENSOR=mx-test"));
	/* one line per storm: nothing more once it is reported */
	alerter_tick(al, T0 + 20 * SEC);
	alerter_flush(al);
	assert_int_equal(count_event(&g, ALERT_FLOOD), 1);
	/* a suppressed source was not remembered: it alerts after the storm */
	feed(al, "203.0.113.50", OUTCOME_UNANSWERED, T0 + 21 * SEC, &outside, 2);
	assert_int_equal(g.a[g.n - 1].event, ALERT_ATTEMPT);
	alerter_free(al);
}

static void test_flood_flush_and_long_storm(void **state)
{
	static struct got g;
	struct alerter *al = mk_alerter(&g, 0, 1, 2);

	(void)state;
	/* a storm at 100 alerts/s for 2 minutes of packet time: one line a minute */
	for (uint64_t t = 0; t < 120 * SEC; t += SEC / 100)
		feed(al, "203.0.113.1", OUTCOME_UNANSWERED, T0 + t, &outside, 1);
	assert_int_equal(count_event(&g, ALERT_FLOOD), 1);
	alerter_flush(al); /* end of input: the rest of the storm is reported */
	assert_int_equal(count_event(&g, ALERT_FLOOD), 2);
	uint64_t total = 0;
	for (unsigned i = 0; i < g.n; i++)
		if (g.a[i].event == ALERT_FLOOD)
			total += g.a[i].count;
	assert_int_equal(total + count_event(&g, ALERT_ATTEMPT), 12000);
	alerter_free(al);
}

static void test_system_events(void **state)
{
	static struct got g;
	struct alerter *al = mk_alerter(&g, 60, 1, 1);
	struct alert a;

	(void)state;
	alert_init(&a, ALERT_RULES_REJECTED);
	alert_add_field(&a, "LOCKWATCH_ERROR", "%s", "site.rules:3: error: bad prefix");
	alert_set_message(&a, "rules rejected");
	/* never flood-guarded, and not de-duplicated when asked not to */
	for (int i = 0; i < 3; i++)
		assert_true(alerter_raise(al, &a, T0, false));
	assert_int_equal(g.n, 3);
	assert_true(has_field(&g, 0, "LOCKWATCH_ERROR=site.rules:3: error: bad prefix"));
	assert_true(has_field(&g, 0, "PRIORITY=3"));
	alert_init(&a, ALERT_DROPS);
	a.has = ALERT_F_COUNT;
	a.count = 7;
	assert_true(alerter_raise(al, &a, T0, true));
	assert_false(alerter_raise(al, &a, T0 + 30 * SEC, true));
	assert_true(alerter_raise(al, &a, T0 + 61 * SEC, true));
	assert_true(has_field(&g, 3, "LOCKWATCH_COUNT=7"));
	assert_null(strstr(g.fields[3], "LOCKWATCH_SRC="));
	alerter_free(al);
}

static void test_stderr_line(void **state)
{
	struct alert a;
	struct alert_text t;
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	alert_init(&a, ALERT_SMTP);
	a.has = ALERT_F_SRC | ALERT_F_HELO;
	assert_int_equal(addr_parse("2001:db8::7", &a.src), 0);
	a.sport = 1234;
	snprintf(a.helo, sizeof(a.helo), "evil \"host\"\\x");
	alert_set_message(&a, "two words\nand a newline");
	alert_render(&a, "mx1", &t);
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	alert_stderr_write(f, &t);
	fclose(f);
	assert_string_equal(buf,
			    "lockwatchd: MESSAGE_ID=3827c73689f74aa6a935aff5d98506d0 "
			    "PRIORITY=2 SYSLOG_IDENTIFIER=lockwatchd LOCKWATCH_EVENT=smtp "
			    "LOCKWATCH_SENSOR=mx1 LOCKWATCH_SRC=2001:db8::7 "
			    "LOCKWATCH_SRC_PORT=1234 LOCKWATCH_HELO=\"evil \\\"host\\\"\\\\x\" "
			    "MESSAGE=\"two words\\nand a newline\"\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event_table),
	    cmocka_unit_test(test_policy_smtp_breach),
	    cmocka_unit_test(test_policy_classes),
	    cmocka_unit_test(test_dedup_window),
	    cmocka_unit_test(test_flood_guard),
	    cmocka_unit_test(test_flood_flush_and_long_storm),
	    cmocka_unit_test(test_system_events),
	    cmocka_unit_test(test_stderr_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
