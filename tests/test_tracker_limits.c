/* Tests of the handshake tracker's bounds: the bounded table and its
 * eviction order, the index under deletions, a random flood through a
 * small table, and the ahead hook that names later victims. */
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

/* ---- bounded table ---- */

static void test_eviction_oldest_first(void **state)
{
	struct tracker *t = fx_open(state, 3, TIMEOUT, LINGER);
	struct sink *s = fx_sink(state);

	syn_from(t, T0, 1);
	syn_from(t, T0 + 1, 2);
	syn_from(t, T0 + 2, 3);
	syn_from(t, T0 + 1, 1); /* retransmit: must not refresh its age */
	assert_int_equal(s->n, 0);
	syn_from(t, T0 + 3, 4);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->a[0].sport, 1);
	assert_true(s->a[0].evicted);
	assert_int_equal(s->a[0].syns, 2);
	syn_from(t, T0 + 4, 5);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[1].sport, 2);
	assert_true(s->a[1].evicted);
	assert_int_equal(stats_of(t).evictions, 2);
	assert_int_equal(stats_of(t).open, 3);
	assert_int_equal(stats_of(t).attempts, 5);
	/* the survivors are still found: 3 is a retransmit, not an attempt */
	syn_from(t, T0 + 5, 3);
	assert_int_equal(stats_of(t).attempts, 5);
	tracker_advance(t, T0 + 2 + TIMEOUT);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->a[2].sport, 3);
	assert_false(s->a[2].evicted);
}

static void test_lingering_dropped_first(void **state)
{
	struct tracker *t = fx_open(state, 3, TIMEOUT, LINGER);
	struct sink *s = fx_sink(state);

	syn_from(t, T0, 1);
	tracker_advance(t, T0 + TIMEOUT); /* 1 is reported and lingers */
	syn_from(t, T0 + TIMEOUT + 2, 2);
	syn_from(t, T0 + TIMEOUT + 3, 3);
	syn_from(t, T0 + TIMEOUT + 4, 4); /* full: the lingering 1 goes, silently */
	assert_int_equal(s->n, 1);
	assert_int_equal(stats_of(t).evictions, 0);
	assert_int_equal(stats_of(t).open, 3);
	/* 1 is forgotten: its SYN is a new attempt, and pushes out 2 */
	syn_from(t, T0 + TIMEOUT + 5, 1);
	assert_int_equal(stats_of(t).attempts, 5);
	assert_int_equal(stats_of(t).retransmits, 0);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->a[1].sport, 2);
	assert_true(s->a[1].evicted);
	assert_int_equal(stats_of(t).evictions, 1);
}

static void test_finish_pending(void **state)
{
	struct tracker *t = fx_default(state);
	struct sink *s = fx_sink(state);
	struct tracker_stats st;

	syn(t, T0, ISN);
	synack(t, T0 + 1, ISN);
	syn_from(t, T0 + SEC, 2);
	syn_from(t, T0 + 2 * SEC, 3);
	feed(t, mk_tcp(T0 + 2 * SEC, SRV, 25, CLI, 3, TCPF_RST, 0, 0)); /* 3 refused, open */
	tracker_advance(t, T0 + TIMEOUT + 500); /* only the first times out */
	assert_int_equal(s->n, 1);
	tracker_finish(t);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->a[1].sport, 2);
	assert_true(s->a[1].pending_at_end);
	assert_false(s->a[1].evicted);
	assert_int_equal(s->a[1].outcome, OUTCOME_UNANSWERED);
	assert_int_equal(s->a[2].sport, 3);
	assert_int_equal(s->a[2].outcome, OUTCOME_REFUSED);
	assert_false(s->a[0].pending_at_end);
	st = stats_of(t);
	assert_int_equal(st.pending_at_end, 2);
	assert_int_equal(st.open, 0);
	/* everything is gone, lingering entries included */
	syn_from(t, T0 + TIMEOUT + 600, 3);
	assert_int_equal(stats_of(t).attempts, 4);
	assert_int_equal(stats_of(t).retransmits, 0);
	tracker_finish(t);
	tracker_finish(t);
	assert_int_equal(s->n, 4);
	assert_int_equal(stats_of(t).pending_at_end, 3);
}

/* ---- index integrity under deletions ---- */

static void test_index_after_deletions(void **state)
{
	enum { N = 500 };
	/* a long timeout keeps attempts open; a 1 µs linger frees refused ones
	 * at the next step, exercising backward-shift deletion */
	struct tracker *t = fx_open(state, N, 1000 * SEC, 1);
	struct sink *s = fx_sink(state);
	char ip[32];
	unsigned removed = 0;

	for (unsigned i = 0; i < N; i++) {
		snprintf(ip, sizeof(ip), "10.0.%u.%u", i / 7, i % 7);
		feed(t, mk_tcp(T0 + i, ip, (uint16_t)(1000 + i % 3), SRV, 25, TCPF_SYN, i, 0));
	}
	assert_int_equal(stats_of(t).open, N);
	srand(7);
	for (unsigned i = 0; i < N; i++) {
		if (rand() % 2)
			continue;
		snprintf(ip, sizeof(ip), "10.0.%u.%u", i / 7, i % 7);
		/* client data ends an attempt at once (smtp), so it is removed */
		feed(t, mk_data(T0 + N, ip, (uint16_t)(1000 + i % 3), SRV, 25, i + 1, 0, "x", 1));
		removed++;
	}
	tracker_advance(t, T0 + N + 10);
	assert_int_equal(s->n, removed);
	assert_int_equal(stats_of(t).open, N - removed);
	/* every survivor is found (retransmit); only then re-add the removed
	 * ones (new attempts), which could otherwise refill a wrongly emptied
	 * slot and hide the damage */
	for (int pass = 0; pass < 2; pass++) {
		srand(7);
		for (unsigned i = 0; i < N; i++) {
			bool gone = rand() % 2 == 0;
			struct tracker_stats before = stats_of(t), after;

			if (gone != (pass == 1))
				continue;
			snprintf(ip, sizeof(ip), "10.0.%u.%u", i / 7, i % 7);
			feed(t, mk_tcp(T0 + N + 20, ip, (uint16_t)(1000 + i % 3), SRV, 25, TCPF_SYN,
				       i, 0));
			after = stats_of(t);
			assert_int_equal(after.attempts - before.attempts, gone ? 1 : 0);
			assert_int_equal(after.retransmits - before.retransmits, gone ? 0 : 1);
		}
	}
	assert_int_equal(stats_of(t).evictions, 0);
}

/* ---- flood ---- */

static uint64_t rng_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void test_flood(void **state)
{
	enum { N = 200000 };
	struct tracker *t = fx_open(state, 1024, TIMEOUT, LINGER);
	struct sink *s = fx_sink(state);
	struct tracker_stats st;
	uint64_t x = 12345, ts = T0;
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.kind = PKT_TCP;
	for (unsigned i = 0; i < N; i++) {
		uint64_t r = rng_next(&x);
		uint64_t r2 = rng_next(&x);

		ts += r % 50; /* ~25 µs apart: 40k SYN/s */
		p.ts_us = ts;
		p.tcp_flags = TCPF_SYN;
		if (r & (1ULL << 63)) {
			uint8_t b[16];

			memcpy(b, &r2, 8);
			memcpy(b + 8, &r, 8);
			b[0] = 0x20; /* stay out of the v4-mapped range */
			addr_set_ip6(&p.src, b);
			b[15] ^= 1;
			addr_set_ip6(&p.dst, b);
		} else {
			/* few sources so that some 4-tuples repeat */
			uint8_t a4[4] = {10, 0, (uint8_t)(r2 >> 8 & 3), (uint8_t)r2};

			addr_set_ip4(&p.src, a4);
			a4[0] = 192;
			addr_set_ip4(&p.dst, a4);
		}
		p.sport = (uint16_t)(1024 + (r >> 16) % 64);
		p.dport = (r >> 24) & 1 ? 25 : 587;
		p.seq = (uint32_t)(r >> 32) % 4; /* some retransmits, some new ISNs */
		tracker_packet(t, &p);
		if (r % 7 == 0) {
			/* a reply of some kind to the same 4-tuple */
			struct pkt q = p;

			q.src = p.dst;
			q.dst = p.src;
			q.sport = p.dport;
			q.dport = p.sport;
			q.tcp_flags = r % 3 ? (TCPF_SYN | TCPF_ACK) : TCPF_RST;
			q.ack = p.seq + 1;
			tracker_packet(t, &q);
		} else if (r % 11 == 0) {
			struct pkt q = p;

			q.kind = PKT_ICMP_UNREACH;
			tracker_packet(t, &q);
		}
		if (i % 1000 == 0) {
			st = stats_of(t);
			assert_true(st.open <= 1024);
			assert_int_equal(s->n + st.open, st.attempts);
		}
	}
	st = stats_of(t);
	assert_int_equal(s->n + st.open, st.attempts);
	assert_true(st.evictions > 0);
	assert_true(st.retransmits > 0);
	tracker_finish(t);
	st = stats_of(t);
	assert_int_equal(st.open, 0);
	assert_int_equal(s->n, st.attempts);
}

/* The ahead hook names, at each eviction, a victim of a later one, so the
 * consumer's loads for it start early: every address it names must be
 * evicted, in the same order, a fixed number of evictions later. */
struct ahead_run {
	struct sink sink; /* first: sink_emit gets this struct */
	struct lw_addr hinted[SINK_KEEP];
	size_t n_hinted;
};

static void on_ahead(const struct lw_addr *src, void *userdata)
{
	struct ahead_run *run = userdata;

	if (run->n_hinted < SINK_KEEP)
		run->hinted[run->n_hinted] = *src;
	run->n_hinted++;
}

static void test_ahead_names_later_victims(void **state)
{
	struct tracker_config cfg;
	struct ahead_run *run = calloc(1, sizeof(*run));
	char src[32];

	(void)state;
	assert_non_null(run);
	tracker_config_defaults(&cfg);
	cfg.max_attempts = 4;
	cfg.ahead = on_ahead;
	struct tracker *t = tracker_new(&cfg, sink_emit, run);
	assert_non_null(t);
	for (unsigned i = 0; i < 40; i++) {
		snprintf(src, sizeof(src), "203.0.113.%u", i + 1);
		feed(t, mk_tcp(T0 + i, src, CPORT, SRV, 25, TCPF_SYN, ISN, 0));
	}
	/* 36 evictions, each naming a victim some evictions on */
	assert_int_equal(run->sink.n, 36);
	assert_int_equal(run->n_hinted, 36);
	size_t d = 1;
	while (d < run->sink.n && !addr_equal(&run->hinted[0], &run->sink.a[d].src))
		d++;
	assert_true(d < 4); /* ahead of its eviction, within the table */
	/* the last d named are still open: the end of the capture emits them */
	tracker_finish(t);
	assert_int_equal(run->sink.n, 40);
	for (size_t i = 0; i < run->n_hinted; i++) {
		assert_int_equal(run->sink.a[i + d].evicted, i + d < 36);
		assert_true(addr_equal(&run->hinted[i], &run->sink.a[i + d].src));
	}
	tracker_free(t);
	free(run);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_eviction_oldest_first),
	    T(test_lingering_dropped_first),
	    T(test_finish_pending),
	    T(test_index_after_deletions),
	    T(test_flood),
	    T(test_ahead_names_later_victims),
	};

	return cmocka_run_group_tests_name("tracker_limits", tests, NULL, NULL);
}
