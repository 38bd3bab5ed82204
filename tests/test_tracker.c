/* Tests of the handshake tracker: every outcome, retransmits, forged and
 * unmatched replies, packet-time timeouts; the bounded table, eviction
 * and the flood are in test_tracker_limits.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/tracker_fx.h"

/* ---- outcomes ---- */

static void test_unanswered_by_timeout(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	tracker_advance(t, T0 + TIMEOUT - 1);
	assert_int_equal(s->n, 0);
	assert_int_equal(stats_of(t).open, 1);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
	assert_addr(&s->a[0].src, CLI);
	assert_addr(&s->a[0].dst, SRV);
	assert_int_equal(s->a[0].sport, CPORT);
	assert_int_equal(s->a[0].dport, 25);
	assert_int_equal(s->a[0].isn, ISN);
	assert_int_equal(s->a[0].syns, 1);
	assert_int_equal(s->a[0].first_us, T0);
	assert_int_equal(s->a[0].last_us, T0);
	assert_false(s->a[0].evicted);
	assert_false(s->a[0].replied);
	assert_false(s->a[0].pending_at_end);
	assert_string_equal(s->a[0].helo, "");
	assert_int_equal(stats_of(t).open, 0);
	assert_int_equal(stats_of(t).attempts, 1);
}

/* The timeout also fires from an unrelated packet's time, exactly at
 * first_us + timeout and not a microsecond before. */
static void test_timeout_boundary_by_packet(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_tcp(T0 + TIMEOUT - 1, "203.0.113.1", 1234, SRV, 80, TCPF_SYN, 1, 0));
	assert_int_equal(s->n, 0);
	feed(t, mk_tcp(T0 + TIMEOUT, "203.0.113.1", 1234, SRV, 80, TCPF_SYN, 1, 0));
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
	/* port 80 is not watched: no attempt was started */
	assert_int_equal(stats_of(t).attempts, 1);
}

static void test_refused_rst_ack(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_tcp(T0 + 300, SRV, 25, CLI, CPORT, TCPF_RST | TCPF_ACK, 0, ISN + 1));
	/* judged at the timeout, so a forged RST cannot hide a later reach */
	assert_int_equal(s->n, 0);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_REFUSED);
	assert_true(s->a[0].replied);
	assert_int_equal(s->a[0].first_us, T0);
	assert_int_equal(s->a[0].last_us, T0 + 300);
	assert_int_equal(s->a[0].judged_us, T0 + TIMEOUT);
	assert_int_equal(stats_of(t).open, 0);
	tracker_advance(t, T0 + 10 * TIMEOUT);
	assert_int_equal(s->n, 1);
}

/* A client can forge the server's RST (it knows its own ISN) right after
 * its SYN; the real SYN-ACK and the client's data that follow must still
 * make the attempt a reach. The same for a forged ICMP unreachable. */
static void test_forged_block_does_not_hide_reach(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_tcp(T0 + 10, SRV, 25, CLI, CPORT, TCPF_RST | TCPF_ACK, 0, ISN + 1));
	synack(t, T0 + 100, ISN);
	ack(t, T0 + 200, ISN);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_ESTABLISHED);
	assert_int_equal(stats_of(t).unmatched_replies, 0);

	syn(t, T0 + 10 * SEC, ISN + 7);
	feed(t, mk_icmp(T0 + 10 * SEC + 5, CLI, CPORT, SRV, 25, ISN + 7));
	feed(t, mk_data(T0 + 10 * SEC + 300, CLI, CPORT, SRV, 25, ISN + 8, SISN + 1,
			"EHLO sneaky.example\r\n", 21));
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[1].outcome, OUTCOME_SMTP);
	assert_string_equal(s->a[1].helo, "sneaky.example");
}

static void test_refused_rst_without_ack(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_tcp(T0 + 300, SRV, 25, CLI, CPORT, TCPF_RST, ISN + 99, 0));
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_REFUSED);
	assert_int_equal(stats_of(t).unmatched_replies, 0);
}

static void test_rst_wrong_ack_unmatched(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_tcp(T0 + 1, SRV, 25, CLI, CPORT, TCPF_RST | TCPF_ACK, 0, ISN + 2));
	assert_int_equal(s->n, 0);
	assert_int_equal(stats_of(t).unmatched_replies, 1);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
}

static void test_rejected_icmp(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_icmp(T0 + 50, CLI, CPORT, SRV, 25, ISN));
	assert_int_equal(s->n, 0);
	assert_int_equal(stats_of(t).unmatched_icmp, 0);
	/* the client retries, the firewall answers again: one attempt, and
	 * the repeated unreachable is neither news nor unmatched */
	syn(t, T0 + SEC, ISN);
	feed(t, mk_icmp(T0 + SEC + 50, CLI, CPORT, SRV, 25, ISN));
	assert_int_equal(stats_of(t).retransmits, 1);
	assert_int_equal(stats_of(t).unmatched_icmp, 0);
	/* but one with the wrong seq still is */
	feed(t, mk_icmp(T0 + SEC + 60, CLI, CPORT, SRV, 25, ISN + 1));
	assert_int_equal(stats_of(t).unmatched_icmp, 1);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_REJECTED);
	assert_true(s->a[0].replied);
	assert_int_equal(s->a[0].last_us, T0 + SEC + 50);
	/* lingering now: a further repeat is still not news */
	feed(t, mk_icmp(T0 + TIMEOUT + 10, CLI, CPORT, SRV, 25, ISN));
	assert_int_equal(stats_of(t).unmatched_icmp, 1);
}

static void test_forged_icmp(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_icmp(T0 + 1, CLI, CPORT, SRV, 25, ISN + 1));	       /* wrong seq */
	feed(t, mk_icmp(T0 + 2, CLI, CPORT + 1, SRV, 25, ISN));	       /* wrong sport */
	feed(t, mk_icmp(T0 + 3, CLI, CPORT, SRV, 587, ISN));	       /* wrong dport */
	feed(t, mk_icmp(T0 + 4, "198.51.100.8", CPORT, SRV, 25, ISN)); /* wrong client */
	feed(t, mk_icmp(T0 + 5, SRV, 25, CLI, CPORT, ISN));	       /* reversed */
	assert_int_equal(s->n, 0);
	assert_int_equal(stats_of(t).unmatched_icmp, 5);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
	/* the attempt is reported, so a late genuine-looking ICMP is unmatched */
	feed(t, mk_icmp(T0 + TIMEOUT + 1, CLI, CPORT, SRV, 25, ISN));
	assert_int_equal(s->n, 1);
	assert_int_equal(stats_of(t).unmatched_icmp, 6);
}

static void test_accepted(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	synack(t, T0 + 100, ISN);
	assert_int_equal(s->n, 0);
	/* neither an ICMP nor a RST can undo an accept */
	feed(t, mk_icmp(T0 + 200, CLI, CPORT, SRV, 25, ISN));
	feed(t, mk_tcp(T0 + 300, SRV, 25, CLI, CPORT, TCPF_RST | TCPF_ACK, 0, ISN + 1));
	assert_int_equal(s->n, 0);
	assert_int_equal(stats_of(t).unmatched_icmp, 1);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_ACCEPTED);
	assert_int_equal(s->a[0].last_us, T0 + 100);
	assert_true(outcome_reached(s->a[0].outcome));
	/* the server keeps retrying its SYN-ACK: known, not unmatched */
	synack(t, T0 + TIMEOUT + 1, ISN);
	assert_int_equal(stats_of(t).unmatched_replies, 0);
	assert_int_equal(s->n, 1);
}

/* A SYN-ACK after the attempt was reported unanswered came too late to
 * count; the unmatched counter is where it shows. */
static void test_late_synack_still_reaches(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	/* the SYN-ACK whose own time is the deadline is matched first */
	syn(t, T0, ISN);
	synack(t, T0 + TIMEOUT, ISN);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_ACCEPTED);
	assert_int_equal(stats_of(t).unmatched_replies, 0);

	/* one after the attempt timed out (another packet's time expired it)
	 * still proves the reach: once, as a reach without its SYN */
	t = fx_default(state);
	s = fx_sink(state);
	syn(t, T0, ISN);
	tracker_advance(t, T0 + TIMEOUT);
	synack(t, T0 + TIMEOUT + 1, ISN);
	synack(t, T0 + TIMEOUT + 2, ISN);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
	assert_int_equal(s->a[1].outcome, OUTCOME_ACCEPTED);
	assert_true(s->a[1].without_syn);
	assert_int_equal(stats_of(t).unmatched_replies, 0);
	/* a RST to a reported attempt is ordinary, not unmatched */
	feed(t, mk_tcp(T0 + TIMEOUT + 1, SRV, 25, CLI, CPORT, TCPF_RST | TCPF_ACK, 0, ISN + 1));
	assert_int_equal(stats_of(t).unmatched_replies, 0);
	assert_int_equal(s->n, 2);
}

static void test_synack_wrong_ack_ignored(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_tcp(T0 + 1, SRV, 25, CLI, CPORT, TCPF_SYN | TCPF_ACK, SISN, ISN));
	feed(t, mk_tcp(T0 + 2, SRV, 25, CLI, CPORT, TCPF_SYN | TCPF_ACK, SISN, ISN + 2));
	assert_int_equal(stats_of(t).unmatched_replies, 2);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
	assert_int_equal(s->a[0].last_us, T0);
}

static void test_unmatched_replies(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	feed(t, mk_tcp(T0 + 1, SRV, 25, CLI, CPORT, TCPF_RST | TCPF_ACK, 0, ISN + 1));
	feed(t, mk_tcp(T0 + 2, SRV, 587, CLI, CPORT, TCPF_RST, 0, 0));
	/* not from a watched port: not ours, not counted */
	feed(t, mk_tcp(T0 + 3, SRV, 80, CLI, CPORT, TCPF_RST, 0, 0));
	feed(t, mk_tcp(T0 + 3, SRV, 80, CLI, CPORT, TCPF_SYN | TCPF_ACK, 0, 0));
	/* the server's own SYN and a bare FIN prove no reach */
	feed(t, mk_tcp(T0 + 4, SRV, 25, CLI, CPORT + 1, TCPF_SYN, SISN, 0));
	feed(t, mk_tcp(T0 + 4, SRV, 25, CLI, CPORT + 2, TCPF_FIN, SISN, 0));
	assert_int_equal(stats_of(t).unmatched_replies, 2);
	assert_int_equal(stats_of(t).attempts, 0);
	assert_int_equal(stats_of(t).reached_without_syn, 0);
	assert_int_equal(s->n, 0);
}

static void test_established(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	synack(t, T0 + 100, ISN);
	ack(t, T0 + 200, ISN);
	/* a second client ACKs something other than the SYN-ACK */
	syn_from(t, T0 + 300, CPORT + 1);
	feed(t, mk_tcp(T0 + 400, SRV, 25, CLI, CPORT + 1, TCPF_SYN | TCPF_ACK, SISN, ISN + 1));
	feed(t, mk_tcp(T0 + 500, CLI, CPORT + 1, SRV, 25, TCPF_ACK, ISN + 1, SISN + 2));
	assert_int_equal(s->n, 0);
	tracker_advance(t, T0 + 300 + TIMEOUT);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[0].outcome, OUTCOME_ESTABLISHED);
	assert_int_equal(s->a[0].last_us, T0 + 200);
	assert_int_equal(s->a[1].outcome, OUTCOME_ACCEPTED);
	assert_int_equal(s->a[1].last_us, T0 + 400);
}

static void test_ack_without_synack_not_established(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_tcp(T0 + 1, CLI, CPORT, SRV, 25, TCPF_ACK, ISN + 1, 1));
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
}

static void smtp_case(void **state, const char *line, const char *want_helo, bool with_synack)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	if (with_synack) {
		synack(t, T0 + 100, ISN);
		ack(t, T0 + 200, ISN);
	}
	feed(t, mk_data(T0 + 300, CLI, CPORT, SRV, 25, ISN + 1, SISN + 1, line, strlen(line)));
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_SMTP);
	/* data alone proves the handshake, not that replies are visible */
	assert_int_equal(s->a[0].replied, with_synack);
	assert_string_equal(s->a[0].helo, want_helo);
	assert_int_equal(s->a[0].last_us, T0 + 300);
	assert_int_equal(stats_of(t).open, 0);
	/* only the first payload counts */
	feed(t, mk_data(T0 + 400, CLI, CPORT, SRV, 25, ISN + 1, SISN + 1, "HELO x\r\n", 8));
	tracker_advance(t, T0 + 2 * TIMEOUT);
	assert_int_equal(s->n, 1);
}

static void test_smtp_helo(void **state)
{
	smtp_case(state, "HELO mail.example.org\r\n", "mail.example.org", true);
}

static void test_smtp_ehlo(void **state)
{
	smtp_case(state, "ehlo Relay.Example.NET\r\n", "Relay.Example.NET", true);
}

static void test_smtp_without_synack(void **state)
{
	smtp_case(state, "EHLO spoofless.example\n", "spoofless.example", false);
}

static void test_smtp_not_helo(void **state)
{
	smtp_case(state, "MAIL FROM:<a@b>\r\n", "", true);
}

static void test_smtp_wrong_seq_ignored(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_data(T0 + 1, CLI, CPORT, SRV, 25, ISN + 50, 1, "HELO x\r\n", 8));
	assert_int_equal(s->n, 0);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_UNANSWERED);
}

static const char *helo_of(void **state, const void *data, size_t len)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	feed(t, mk_data(T0 + 1, CLI, CPORT, SRV, 25, ISN + 1, 1, data, len));
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_SMTP);
	return s->a[0].helo;
}

static void test_helo_sanitised(void **state)
{
	static const char ctl[] = "HELO a\x01"
				  "b\x7f"
				  "c\xff\td\r\n";

	assert_string_equal(helo_of(state, ctl, sizeof(ctl) - 1), "a?b?c??d");
	assert_string_equal(helo_of(state, "HeLo host name\r\n", 16), "host");
	assert_string_equal(helo_of(state, "HELO end-of-segment", 19), "end-of-segment");
	assert_string_equal(helo_of(state, "HELO\r\n", 6), "");
	assert_string_equal(helo_of(state, "HELO ", 5), "");
	assert_string_equal(helo_of(state, "HELLO x\r\n", 9), "");
	assert_string_equal(helo_of(state, "xHELO x\r\n", 9), "");
	/* a NUL inside the name must not cut the report short silently */
	assert_string_equal(helo_of(state, "HELO a\0b\r\n", 10), "a?b");
}

static void test_helo_truncated(void **state)
{
	char buf[5 + 400 + 2];
	const char *h;

	memcpy(buf, "EHLO ", 5);
	for (size_t i = 0; i < 400; i++)
		buf[5 + i] = (char)('a' + i % 26);
	memcpy(buf + 405, "\r\n", 2);
	h = helo_of(state, buf, sizeof(buf));
	assert_int_equal(strlen(h), LW_HELO_MAX);
	assert_memory_equal(h, buf + 5, LW_HELO_MAX);

	/* one short of the bound ends at its CR */
	memcpy(buf + 5 + LW_HELO_MAX - 1, "\r\n", 2);
	h = helo_of(state, buf, 5 + LW_HELO_MAX + 1);
	assert_int_equal(strlen(h), LW_HELO_MAX - 1);
}

/* ---- retransmits and ISNs ---- */

static void test_retransmits_merged(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	syn(t, T0 + 1 * SEC, ISN);
	syn(t, T0 + 3 * SEC, ISN);
	assert_int_equal(stats_of(t).attempts, 1);
	assert_int_equal(stats_of(t).retransmits, 2);
	assert_int_equal(stats_of(t).open, 1);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].syns, 3);
	assert_int_equal(s->a[0].first_us, T0);
	assert_int_equal(s->a[0].last_us, T0 + 3 * SEC);
}

static void test_retransmit_after_finish_lingers(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	/* Linux retries at 1, 3, 7, 15, 31, 63 s: all the same attempt */
	syn(t, T0 + 7 * SEC, ISN);
	syn(t, T0 + 15 * SEC, ISN);
	syn(t, T0 + 63 * SEC, ISN);
	tracker_advance(t, T0 + 100 * SEC);
	assert_int_equal(s->n, 1);
	assert_int_equal(stats_of(t).attempts, 1);
	assert_int_equal(stats_of(t).retransmits, 3);
	assert_int_equal(stats_of(t).open, 0);

	/* a refused attempt merges retransmits while open and lingering */
	feed(t, mk_tcp(T0 + 101 * SEC, CLI, CPORT + 1, SRV, 25, TCPF_SYN, ISN, 0));
	feed(t, mk_tcp(T0 + 101 * SEC, SRV, 25, CLI, CPORT + 1, TCPF_RST | TCPF_ACK, 0, ISN + 1));
	feed(t, mk_tcp(T0 + 102 * SEC, CLI, CPORT + 1, SRV, 25, TCPF_SYN, ISN, 0));
	tracker_advance(t, T0 + 101 * SEC + TIMEOUT);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[1].outcome, OUTCOME_REFUSED);
	feed(t, mk_tcp(T0 + 110 * SEC, CLI, CPORT + 1, SRV, 25, TCPF_SYN, ISN, 0));
	assert_int_equal(s->n, 2);
	assert_int_equal(stats_of(t).attempts, 2);
	assert_int_equal(stats_of(t).retransmits, 5);

	/* after the linger time the same SYN is a new attempt */
	syn(t, T0 + TIMEOUT + LINGER, ISN);
	assert_int_equal(stats_of(t).attempts, 3);
	assert_int_equal(stats_of(t).open, 1);
}

static void test_new_isn_new_attempt(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0, ISN);
	synack(t, T0 + 10, ISN);
	syn(t, T0 + SEC, ISN + 12345);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].isn, ISN);
	assert_int_equal(s->a[0].outcome, OUTCOME_ACCEPTED);
	assert_false(s->a[0].evicted);
	assert_int_equal(stats_of(t).attempts, 2);
	assert_int_equal(stats_of(t).open, 1);
	assert_int_equal(stats_of(t).retransmits, 0);

	/* a new ISN ends a refused attempt (still open) and starts another */
	feed(t, mk_tcp(T0 + SEC + 1, SRV, 25, CLI, CPORT, TCPF_RST | TCPF_ACK, 0, ISN + 12346));
	assert_int_equal(s->n, 1);
	syn(t, T0 + 2 * SEC, ISN + 99999);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[1].outcome, OUTCOME_REFUSED);
	assert_int_equal(stats_of(t).attempts, 3);
	tracker_advance(t, T0 + 2 * SEC + TIMEOUT);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->a[2].isn, ISN + 99999);
	assert_int_equal(s->a[2].first_us, T0 + 2 * SEC);
	assert_int_equal(s->a[2].syns, 1);
	assert_int_equal(s->a[2].outcome, OUTCOME_UNANSWERED);
}

/* ---- time ---- */

static void test_clock_never_backwards(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	syn(t, T0 + 10 * SEC, ISN);
	tracker_advance(t, T0 + 10 * SEC + TIMEOUT - 1);
	tracker_advance(t, T0 + 8 * SEC);
	/* a packet stamped in the past neither rewinds the clock nor expires */
	feed(t, mk_tcp(T0 + 8 * SEC + 1, "203.0.113.9", 5555, SRV, 25, TCPF_SYN, 42, 0));
	/* reordering by a few seconds is not a jump */
	assert_int_equal(stats_of(t).clock_jumps, 0);
	assert_int_equal(s->n, 0);
	assert_int_equal(stats_of(t).open, 2);
	tracker_advance(t, T0 + 10 * SEC + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].isn, ISN);
	/* the late packet was taken at the clock's time, not its own */
	tracker_advance(t, T0 + 10 * SEC + 2 * TIMEOUT - 2);
	assert_int_equal(s->n, 1);
	tracker_advance(t, T0 + 10 * SEC + 2 * TIMEOUT - 1);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[1].isn, 42);
	assert_int_equal(s->a[1].first_us, T0 + 10 * SEC + TIMEOUT - 1);
}

/* ---- IPv6 ---- */

static void test_ipv6(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);
	const char *c = "2001:db8:1::7", *v = "2001:db8:25::1";

	feed(t, mk_tcp(T0, c, 50000, v, 25, TCPF_SYN, 1, 0));
	feed(t, mk_tcp(T0 + 1, v, 25, c, 50000, TCPF_SYN | TCPF_ACK, 9, 2));
	feed(t, mk_tcp(T0 + 2, c, 50000, v, 25, TCPF_ACK, 2, 10));
	feed(t, mk_data(T0 + 3, c, 50000, v, 25, 2, 10, "EHLO v6.example\r\n", 17));
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].outcome, OUTCOME_SMTP);
	assert_addr(&s->a[0].src, c);
	assert_addr(&s->a[0].dst, v);
	assert_int_equal(s->a[0].src.family, LW_AF_INET6);
	assert_string_equal(s->a[0].helo, "v6.example");

	/* v6 and v4 with the same low bytes are different keys */
	feed(t, mk_tcp(T0 + 4, "::7", 50001, "::1", 587, TCPF_SYN, 5, 0));
	feed(t, mk_tcp(T0 + 4, "0.0.0.7", 50001, "0.0.0.1", 587, TCPF_SYN, 5, 0));
	assert_int_equal(stats_of(t).attempts, 3);
	feed(t, mk_icmp(T0 + 5, "::7", 50001, "::1", 587, 5));
	assert_int_equal(stats_of(t).unmatched_icmp, 0);
	tracker_advance(t, T0 + 4 + TIMEOUT);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->a[1].outcome, OUTCOME_REJECTED);
	assert_int_equal(s->a[1].src.family, LW_AF_INET6);
	assert_int_equal(s->a[2].outcome, OUTCOME_UNANSWERED);
	assert_int_equal(s->a[2].src.family, LW_AF_INET);
}

/* ---- direction ---- */

static void test_port_to_port(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);

	/* 25 -> 25: flags decide; the SYN-ACK comes back from the server */
	feed(t, mk_tcp(T0, CLI, 25, SRV, 25, TCPF_SYN, ISN, 0));
	feed(t, mk_tcp(T0 + 1, SRV, 25, CLI, 25, TCPF_SYN | TCPF_ACK, SISN, ISN + 1));
	feed(t, mk_tcp(T0 + 2, CLI, 25, SRV, 25, TCPF_ACK, ISN + 1, SISN + 1));
	assert_int_equal(stats_of(t).attempts, 1);
	assert_int_equal(stats_of(t).unmatched_replies, 0);
	tracker_advance(t, T0 + TIMEOUT);
	assert_int_equal(s->n, 1);
	assert_addr(&s->a[0].src, CLI);
	assert_int_equal(s->a[0].outcome, OUTCOME_ESTABLISHED);
}

/* ---- construction ---- */

static void test_new_and_free(void **state)
{
	struct tracker_config cfg;
	struct tracker *t;

	(void)state;
	tracker_free(NULL);
	tracker_config_defaults(&cfg);
	assert_int_equal(cfg.max_attempts, LW_TRACKER_MAX_DEFAULT);
	assert_int_equal(cfg.timeout_us, LW_HANDSHAKE_TIMEOUT_US);
	assert_int_equal(cfg.linger_us, LW_LINGER_US);
	assert_int_equal(cfg.n_ports, 1);
	assert_int_equal(cfg.ports[0], 25);
	cfg.max_attempts = 0;
	assert_null(tracker_new(&cfg, NULL, NULL));
	cfg.max_attempts = 1;
	t = tracker_new(&cfg, NULL, NULL);
	assert_non_null(t);
	/* no callback: still counts */
	feed(t, mk_tcp(T0, CLI, CPORT, SRV, 25, TCPF_SYN, 1, 0));
	feed(t, mk_tcp(T0, CLI, CPORT + 1, SRV, 25, TCPF_SYN, 1, 0));
	assert_int_equal(stats_of(t).evictions, 1);
	tracker_finish(t);
	tracker_free(t);
}

static void test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(outcome_name(OUTCOME_UNANSWERED), "unanswered");
	assert_string_equal(outcome_name(OUTCOME_REFUSED), "refused");
	assert_string_equal(outcome_name(OUTCOME_REJECTED), "rejected");
	assert_string_equal(outcome_name(OUTCOME_ACCEPTED), "accepted");
	assert_string_equal(outcome_name(OUTCOME_ESTABLISHED), "established");
	assert_string_equal(outcome_name(OUTCOME_SMTP), "smtp");
	assert_false(outcome_reached(OUTCOME_REJECTED));
	assert_true(outcome_reached(OUTCOME_ACCEPTED));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_unanswered_by_timeout),
	    T(test_timeout_boundary_by_packet),
	    T(test_refused_rst_ack),
	    T(test_refused_rst_without_ack),
	    T(test_rst_wrong_ack_unmatched),
	    T(test_rejected_icmp),
	    T(test_forged_icmp),
	    T(test_accepted),
	    T(test_late_synack_still_reaches),
	    T(test_synack_wrong_ack_ignored),
	    T(test_unmatched_replies),
	    T(test_established),
	    T(test_ack_without_synack_not_established),
	    T(test_smtp_helo),
	    T(test_smtp_ehlo),
	    T(test_smtp_without_synack),
	    T(test_forged_block_does_not_hide_reach),
	    T(test_smtp_not_helo),
	    T(test_smtp_wrong_seq_ignored),
	    T(test_helo_sanitised),
	    T(test_helo_truncated),
	    T(test_retransmits_merged),
	    T(test_retransmit_after_finish_lingers),
	    T(test_new_isn_new_attempt),
	    T(test_clock_never_backwards),
	    T(test_ipv6),
	    T(test_port_to_port),
	    T(test_new_and_free),
	    T(test_outcome_names),
	};

	return cmocka_run_group_tests_name("tracker", tests, NULL, NULL);
}
