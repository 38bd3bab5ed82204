/* The handshake tracker's test fixture, shared by the tracker's test
 * programs: a tracker feeding a sink of emitted attempts, and builders of
 * the packets the decoder would hand it. Include after cmocka.h. */
#ifndef LW_TRACKER_FX_H
#define LW_TRACKER_FX_H

#include <stdlib.h>
#include <string.h>

#include "sensor/tracker.h"

#define T0	  1700000000000000ULL /* µs since the epoch */
#define SEC	  1000000ULL
#define TIMEOUT	  (5 * SEC)
#define LINGER	  (120 * SEC)
#define SINK_KEEP 64

struct sink {
	struct attempt a[SINK_KEEP]; /* the first SINK_KEEP emitted */
	size_t n;		     /* all emitted */
};

struct fixture {
	struct tracker *t;
	struct sink sink;
};

static inline void sink_emit(const struct attempt *a, void *userdata)
{
	struct sink *s = userdata;

	if (s->n < SINK_KEEP)
		s->a[s->n] = *a;
	s->n++;
}

static const uint16_t test_ports[] = {25, 587};

static inline struct tracker *fx_open(void **state, uint32_t max, uint64_t timeout, uint64_t linger)
{
	struct fixture *fx = *state;
	struct tracker_config cfg;

	tracker_config_defaults(&cfg);
	cfg.max_attempts = max;
	cfg.timeout_us = timeout;
	cfg.linger_us = linger;
	cfg.ports = test_ports;
	cfg.n_ports = 2;
	tracker_free(fx->t);
	memset(&fx->sink, 0, sizeof(fx->sink));
	fx->t = tracker_new(&cfg, sink_emit, &fx->sink);
	assert_non_null(fx->t);
	return fx->t;
}

static inline struct tracker *fx_default(void **state)
{
	return fx_open(state, 16, TIMEOUT, LINGER);
}

static inline struct sink *fx_sink(void **state)
{
	return &((struct fixture *)*state)->sink;
}

static inline int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	*state = fx;
	return 0;
}

static inline int teardown(void **state)
{
	struct fixture *fx = *state;

	tracker_free(fx->t);
	free(fx);
	return 0;
}

static inline struct tracker_stats stats_of(const struct tracker *t)
{
	struct tracker_stats st;

	tracker_get_stats(t, &st);
	return st;
}

/* ---- packet builders ---- */

static inline struct pkt mk_tcp(uint64_t ts, const char *src, uint16_t sport, const char *dst,
				uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_us = ts;
	p.kind = PKT_TCP;
	p.tcp_flags = flags;
	assert_int_equal(addr_parse(src, &p.src), 0);
	assert_int_equal(addr_parse(dst, &p.dst), 0);
	p.sport = sport;
	p.dport = dport;
	p.seq = seq;
	p.ack = ack;
	return p;
}

static inline struct pkt mk_data(uint64_t ts, const char *src, uint16_t sport, const char *dst,
				 uint16_t dport, uint32_t seq, uint32_t ack, const void *data,
				 size_t len)
{
	struct pkt p = mk_tcp(ts, src, sport, dst, dport, TCPF_ACK | TCPF_PSH, seq, ack);

	p.payload = data;
	p.payload_len = (uint32_t)len;
	return p;
}

/* An unreachable quoting the client's SYN: the quoted header's fields. */
static inline struct pkt mk_icmp(uint64_t ts, const char *src, uint16_t sport, const char *dst,
				 uint16_t dport, uint32_t seq)
{
	struct pkt p = mk_tcp(ts, src, sport, dst, dport, 0, seq, 0);

	p.kind = PKT_ICMP_UNREACH;
	p.icmp_type = 3;
	p.icmp_code = 10;
	return p;
}

static inline void feed(struct tracker *t, struct pkt p)
{
	tracker_packet(t, &p);
}

#define CLI   "198.51.100.7"
#define SRV   "192.0.2.25"
#define CPORT 40000
#define ISN   1000u
#define SISN  7000000u

static inline void syn(struct tracker *t, uint64_t ts, uint32_t isn)
{
	feed(t, mk_tcp(ts, CLI, CPORT, SRV, 25, TCPF_SYN, isn, 0));
}

static inline void synack(struct tracker *t, uint64_t ts, uint32_t isn)
{
	feed(t, mk_tcp(ts, SRV, 25, CLI, CPORT, TCPF_SYN | TCPF_ACK, SISN, isn + 1));
}

static inline void ack(struct tracker *t, uint64_t ts, uint32_t isn)
{
	feed(t, mk_tcp(ts, CLI, CPORT, SRV, 25, TCPF_ACK, isn + 1, SISN + 1));
}

static inline void syn_from(struct tracker *t, uint64_t ts, uint16_t cport)
{
	feed(t, mk_tcp(ts, CLI, cport, SRV, 25, TCPF_SYN, ISN, 0));
}

static inline void assert_addr(const struct lw_addr *a, const char *text)
{
	struct lw_addr b;

	assert_int_equal(addr_parse(text, &b), 0);
	assert_true(addr_equal(a, &b));
}

#endif
