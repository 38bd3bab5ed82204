/* Tests of the tracker's evidence rules (issue 12): the server's reply is
 * a reach with or without the SYN, once per connection, in a set that a
 * flood of forged replies cannot grow or use to push attempts out; and
 * packet time, matched before it expires anything, with clock jumps held
 * back and counted. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sensor/pktclock.h"
#include "tests/tracker_fx.h"

#define YEARS_48 (48ULL * 365 * 86400 * SEC)
#define HOUR	 (3600 * SEC)

static void server_data(struct tracker *t, uint64_t ts, uint16_t cport, uint8_t flags)
{
	feed(t, mk_tcp(ts, SRV, 25, CLI, cport, flags, SISN + 1, ISN + 1));
}

/* ---- the reply without the SYN ---- */

static void test_synack_without_syn(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	synack(t, T0, ISN);
	assert_int_equal(s->n, 1);
	assert_true(s->a[0].without_syn);
	assert_true(s->a[0].replied);
	assert_int_equal(s->a[0].outcome, OUTCOME_ACCEPTED);
	assert_addr(&s->a[0].src, CLI);
	assert_addr(&s->a[0].dst, SRV);
	assert_int_equal(s->a[0].sport, CPORT);
	assert_int_equal(s->a[0].dport, 25);
	assert_int_equal(s->a[0].isn, ISN);
	assert_int_equal(s->a[0].syns, 0);
	assert_true(s->a[0].first_us == T0 && s->a[0].judged_us == T0);
	/* the rest of the connection is the same reach */
	synack(t, T0 + SEC, ISN);
	ack(t, T0 + SEC, ISN);
	server_data(t, T0 + 2 * SEC, CPORT, TCPF_ACK | TCPF_PSH);
	server_data(t, T0 + 3 * SEC, CPORT, TCPF_ACK | TCPF_FIN);
	assert_int_equal(s->n, 1);
	assert_int_equal(stats_of(t).reached_without_syn, 1);
	assert_int_equal(stats_of(t).attempts, 0);
	assert_int_equal(stats_of(t).open, 0);
	assert_int_equal(stats_of(t).unmatched_replies, 0);
}

static void test_midsession(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	/* the capture starts while the server sends data to a client */
	server_data(t, T0, CPORT, TCPF_ACK | TCPF_PSH);
	server_data(t, T0 + 1, CPORT, TCPF_ACK);
	assert_int_equal(s->n, 1);
	assert_true(s->a[0].without_syn);
	assert_int_equal(s->a[0].outcome, OUTCOME_ESTABLISHED);
	/* a FIN of another connection from port 587 */
	feed(t, mk_tcp(T0 + 2, SRV, 587, CLI, CPORT + 1, TCPF_ACK | TCPF_FIN, 5, 6));
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[1].dport, 587);
	assert_int_equal(stats_of(t).reached_without_syn, 2);
	/* idle past LW_REPLY_IDLE_US: the 4-tuple answering again is a new
	 * connection */
	server_data(t, T0 + LW_REPLY_IDLE_US + 2, CPORT, TCPF_SYN | TCPF_ACK);
	assert_int_equal(s->n, 3);
}

static void test_synack_lost(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	/* SYN seen, SYN-ACK not: the server's ACK proves the reach */
	syn(t, T0, ISN);
	server_data(t, T0 + 100, CPORT, TCPF_ACK);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_ACCEPTED);
	assert_false(s->a[0].without_syn);
	assert_true(s->a[0].replied);
	assert_int_equal(stats_of(t).reached_without_syn, 0);
}

static void test_judged_blocked_then_established(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
	/* the connection is established all the same: a reach, once */
	server_data(t, T0 + TIMEOUT + 1, CPORT, TCPF_ACK | TCPF_PSH);
	server_data(t, T0 + TIMEOUT + 2, CPORT, TCPF_ACK | TCPF_PSH);
	assert_int_equal(s->n, 2);
	assert_true(s->a[1].without_syn);
	assert_int_equal(s->a[1].outcome, OUTCOME_ESTABLISHED);
	assert_int_equal(stats_of(t).reached_without_syn, 1);
}

static void test_long_session_counted_once(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	synack(t, T0 + 1, ISN);
	ack(t, T0 + 2, ISN);
	/* the attempt lingers, then leaves the table; the session goes on */
	tracker_advance(t, T0 + TIMEOUT + LINGER + SEC);
	assert_int_equal(s->n, 1);
	server_data(t, T0 + TIMEOUT + LINGER + 2 * SEC, CPORT, TCPF_ACK | TCPF_PSH);
	assert_int_equal(s->n, 1);
	assert_int_equal(stats_of(t).reached_without_syn, 0);
}

static void test_forged_reply_flood(void **state)
{
	struct tracker *t;
	struct sink *s;
	struct fixture *fx = *state;
	struct tracker_config cfg;
	char addr[64];
	const uint32_t flood = 20000;

	tracker_config_defaults(&cfg);
	cfg.max_attempts = 4;
	cfg.max_reply_seen = 64;
	tracker_free(fx->t);
	memset(&fx->sink, 0, sizeof(fx->sink));
	t = fx->t = tracker_new(&cfg, sink_emit, &fx->sink);
	s = &fx->sink;
	assert_non_null(t);

	/* three real attempts open, then a flood of forged SYN-ACKs and ACKs
	 * from the server port to addresses that never sent a SYN */
	syn_from(t, T0, 1);
	syn_from(t, T0, 2);
	syn_from(t, T0, 3);
	for (uint32_t i = 0; i < flood; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:%x:%x::1", i >> 16, i & 0xffff);
		feed(t, mk_tcp(T0 + 1 + i, SRV, 25, addr, 1000,
			       i & 1 ? TCPF_ACK : TCPF_SYN | TCPF_ACK, SISN, ISN + 1));
	}
	assert_int_equal(stats_of(t).evictions, 0);
	assert_int_equal(stats_of(t).open, 3);
	assert_int_equal(stats_of(t).reached_without_syn, flood);
	/* the set held 64 of them: the rest were forgotten, counted */
	assert_true(stats_of(t).reply_seen_evictions >= flood - 64);
	assert_int_equal(s->n, flood);

	/* the real attempts are still judged on their own replies */
	feed(t, mk_tcp(T0 + flood + 1, SRV, 25, CLI, 1, TCPF_RST | TCPF_ACK, 0, ISN + 1));
	feed(t, mk_tcp(T0 + flood + 1, SRV, 25, CLI, 2, TCPF_SYN | TCPF_ACK, SISN, ISN + 1));
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, flood + 3);
	assert_int_equal(stats_of(t).open, 0);
	assert_int_equal(stats_of(t).unmatched_replies, 0);
}

/* The attempts that were emitted last, by source port. */
static const struct attempt *by_port(const struct sink *s, uint16_t sport)
{
	for (size_t i = 0; i < s->n && i < SINK_KEEP; i++)
		if (s->a[i].sport == sport)
			return &s->a[i];
	fail_msg("no attempt from port %u", sport);
	return NULL;
}

/* ---- packet time ---- */

static void test_jump_ahead_one_record(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	/* a SYN-ACK stamped 48 years ahead answers the SYN before it */
	syn(t, T0, ISN);
	synack(t, T0 + YEARS_48, ISN);
	ack(t, T0 + 2, ISN);
	assert_int_equal(s->n, 0);
	assert_int_equal(stats_of(t).clock_jumps, 1);
	/* the clock did not follow it: the next SYN times out in line */
	syn_from(t, T0 + 3, CPORT + 1);
	tracker_advance(t, T0 + 3 + TIMEOUT);
	assert_int_equal(s->n, 2);
	assert_int_equal(by_port(s, CPORT)->outcome, OUTCOME_ESTABLISHED);
	assert_true(by_port(s, CPORT)->last_us < T0 + SEC);
	assert_int_equal(by_port(s, CPORT + 1)->outcome, OUTCOME_UNANSWERED);
	assert_int_equal(stats_of(t).clock_jumps, 1);
	assert_int_equal(stats_of(t).unmatched_replies, 0);
}

static void test_jump_back_one_record(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0 + HOUR, ISN);
	synack(t, T0, ISN); /* an hour behind */
	ack(t, T0 + HOUR + 1, ISN);
	tracker_advance(t, T0 + HOUR + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_ESTABLISHED);
	assert_int_equal(stats_of(t).clock_jumps, 1);
}

static void test_clock_steps_ahead(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	/* the clock really steps two hours ahead between a SYN and its
	 * SYN-ACK, and a SYN opened at the step is answered after it */
	syn(t, T0, ISN);
	syn_from(t, T0 + 2 * HOUR, CPORT + 1);
	feed(t, mk_tcp(T0 + 2 * HOUR + 1, "203.0.113.9", 5555, SRV, 25, TCPF_SYN, 42, 0));
	assert_int_equal(stats_of(t).clock_jumps, 1);
	synack(t, T0 + 2 * HOUR + 2, ISN);
	feed(t, mk_tcp(T0 + 2 * HOUR + 3 * SEC, SRV, 25, CLI, CPORT + 1, TCPF_SYN | TCPF_ACK, SISN,
		       ISN + 1));
	assert_int_equal(s->n, 0);
	tracker_advance(t, T0 + 2 * HOUR + 1 + TIMEOUT);
	assert_int_equal(s->n, 3);
	assert_int_equal(by_port(s, CPORT)->outcome, OUTCOME_ACCEPTED);
	assert_true(by_port(s, CPORT)->first_us == T0);
	assert_int_equal(by_port(s, CPORT + 1)->outcome, OUTCOME_ACCEPTED);
	/* the SYN whose stamp was held carries its own time once confirmed
	 * (a gap in a quiet capture must not move it to the hour before) */
	assert_true(by_port(s, CPORT + 1)->first_us == T0 + 2 * HOUR);
	assert_int_equal(by_port(s, 5555)->outcome, OUTCOME_UNANSWERED);
	assert_int_equal(stats_of(t).clock_jumps, 1);
}

static void test_clock_steps_back(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	/* the clock steps a day back while a SYN waits for its SYN-ACK */
	syn(t, T0 + 24 * HOUR, ISN);
	syn_from(t, T0, CPORT + 1);
	syn_from(t, T0 + 1, CPORT + 2);
	synack(t, T0 + 2, ISN);
	assert_int_equal(s->n, 0);
	/* the step's time line goes on: nothing waits a day to time out */
	tracker_advance(t, T0 + 1 + TIMEOUT);
	assert_int_equal(s->n, 3);
	assert_int_equal(by_port(s, CPORT)->outcome, OUTCOME_ACCEPTED);
	assert_int_equal(by_port(s, CPORT + 2)->outcome, OUTCOME_UNANSWERED);
	assert_int_equal(stats_of(t).open, 0);
	assert_int_equal(stats_of(t).clock_jumps, 1);
}

static void test_pktclock(void **state)
{
	struct pkt_clock c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pkt_clock_observe(&c, T0), PKT_CLOCK_KEPT);
	assert_true(c.now_us == T0);
	/* in line: forward up to an hour, back within the slack (kept) */
	assert_int_equal(pkt_clock_observe(&c, T0 + HOUR), PKT_CLOCK_KEPT);
	assert_int_equal(pkt_clock_observe(&c, T0 + HOUR - 10 * SEC), PKT_CLOCK_KEPT);
	assert_true(c.now_us == T0 + HOUR);
	/* one stamp out of line is held, the next in line clears it */
	assert_int_equal(pkt_clock_observe(&c, T0 + YEARS_48), PKT_CLOCK_HELD);
	assert_int_equal(pkt_clock_observe(&c, T0 + HOUR + 1), PKT_CLOCK_KEPT);
	assert_true(c.now_us == T0 + HOUR + 1 && !c.held);
	/* two jumps to different places: each counted, neither applied */
	assert_int_equal(pkt_clock_observe(&c, T0 - HOUR), PKT_CLOCK_HELD);
	assert_int_equal(pkt_clock_observe(&c, T0 + 5 * HOUR), PKT_CLOCK_HELD);
	assert_true(c.now_us == T0 + HOUR + 1);
	/* a second stamp in the held line confirms the step */
	assert_int_equal(pkt_clock_observe(&c, T0 + 5 * HOUR + 1), PKT_CLOCK_STEPPED);
	assert_true(c.now_us == T0 + 5 * HOUR + 1);
	assert_int_equal(c.jumps, 3);
	/* a step back is confirmed the same way */
	assert_int_equal(pkt_clock_observe(&c, T0), PKT_CLOCK_HELD);
	assert_int_equal(pkt_clock_observe(&c, T0 + 2), PKT_CLOCK_STEPPED);
	assert_true(c.now_us == T0 + 2);
	assert_int_equal(c.jumps, 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_synack_without_syn),
	    T(test_midsession),
	    T(test_synack_lost),
	    T(test_judged_blocked_then_established),
	    T(test_long_session_counted_once),
	    T(test_forged_reply_flood),
	    T(test_jump_ahead_one_record),
	    T(test_jump_back_one_record),
	    T(test_clock_steps_ahead),
	    T(test_clock_steps_back),
	    cmocka_unit_test(test_pktclock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
