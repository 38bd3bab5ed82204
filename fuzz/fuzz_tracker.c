/* Fuzz target: the handshake tracker fed decoded packets directly, so the
 * fuzzer spends its time on orderings, retransmits, new ISNs, forged
 * replies, out-of-order time and a table small enough to evict, and checks
 * each outcome against the evidence it was given (an attempt is `rejected`
 * only if an unreachable quoted its 4-tuple and ISN, and so on).
 *
 * Input: records of RECORD_LEN bytes.
 *   b0 bits 0-1: 0 client->server TCP, 1 server->client TCP,
 *                2 ICMP unreachable quoting client->server, 3 time only
 *   b0 bits 2-6: FIN SYN RST PSH ACK
 *   b1 bits 0-2: client, bits 3-4: server, bits 5-6: client port,
 *      bit 7: server port
 *   b2, b3: seq and ack: low 3 bits pick ISN k (k < 4) or ISN k + 1, the
 *      other 5 bits perturb it (0: exact)
 *   b4: signed time step in 10 ms (negative: out-of-order stamps)
 *   b5: payload: 0 none, else that many bytes of an EHLO line */
#include "config.h"

#include <string.h>

#include "common/addr.h"
#include "common/bounds.h"
#include "fuzz/fuzz.h"
#include "sensor/decode.h"
#include "sensor/tracker.h"

#define RECORD_LEN	  6
#define LOG_MAX		  1024 /* records kept as evidence; inputs are shorter */
#define FUZZ_MAX_ATTEMPTS 4
#define FUZZ_TIMEOUT_US	  500000ULL
#define FUZZ_LINGER_US	  2000000ULL
#define FUZZ_STEP_US	  10000LL
#define FUZZ_TS0	  1793610000000000ULL

static const char *const clients[] = {"198.51.100.7",	 "203.0.113.9",	    "192.0.2.77",
				      "2001:db8::7",	 "2001:db8:bad::1", "10.0.0.1",
				      "::ffff:10.0.0.2", "203.0.113.10"};
static const char *const servers[] = {"192.0.2.25", "2001:db8:25::25", "192.0.2.26", "203.0.113.9"};
static const uint16_t cports[] = {40000, 40001, 25, 587};
static const uint16_t sports[] = {25, 587};
static const uint32_t isns[] = {0x11223344u, 0xfffffffeu, 0xffffffffu, 0};
static const char ehlo[] = "EHLO mail.example.org\r\n\x01\x7f\xff   ";

struct run {
	struct pkt log[LOG_MAX];
	size_t n_log;
	uint64_t emitted;
};

static bool same(const struct lw_addr *a, const struct lw_addr *b)
{
	return addr_equal(a, b);
}

static bool tuple_c2s(const struct pkt *p, const struct attempt *a)
{
	return same(&p->src, &a->src) && same(&p->dst, &a->dst) && p->sport == a->sport &&
	       p->dport == a->dport;
}

static bool tuple_s2c(const struct pkt *p, const struct attempt *a)
{
	return same(&p->src, &a->dst) && same(&p->dst, &a->src) && p->sport == a->dport &&
	       p->dport == a->sport;
}

/* A packet of an established connection from the server: ACK, no SYN or
 * RST (the SYN-ACK itself is checked apart). */
static bool server_ack(const struct pkt *p, const struct attempt *a)
{
	return p->kind == PKT_TCP && tuple_s2c(p, a) && (p->tcp_flags & TCPF_ACK) &&
	       !(p->tcp_flags & (TCPF_SYN | TCPF_RST));
}

/* A reach without its SYN: a SYN-ACK for accepted, an established
 * connection's packet for established, from the server on the tuple. */
static bool evidence_without_syn(const struct run *run, const struct attempt *a)
{
	for (size_t i = 0; i < run->n_log; i++) {
		const struct pkt *p = &run->log[i];
		uint8_t f = p->tcp_flags;

		if (a->outcome == OUTCOME_ACCEPTED && p->kind == PKT_TCP && tuple_s2c(p, a) &&
		    (f & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == (TCPF_SYN | TCPF_ACK))
			return true;
		if (a->outcome == OUTCOME_ESTABLISHED && server_ack(p, a))
			return true;
	}
	return false;
}

/* Was there evidence for the outcome the tracker reported? */
static bool evidence(const struct run *run, const struct attempt *a)
{
	if (a->without_syn)
		return a->syns == 0 && a->replied && evidence_without_syn(run, a);
	for (size_t i = 0; i < run->n_log; i++) {
		const struct pkt *p = &run->log[i];
		uint8_t f = p->tcp_flags;

		switch (a->outcome) {
		case OUTCOME_UNANSWERED:
			return true;
		case OUTCOME_REJECTED:
			if (p->kind == PKT_ICMP_UNREACH && tuple_c2s(p, a) && p->seq == a->isn)
				return true;
			break;
		case OUTCOME_REFUSED:
			if (p->kind == PKT_TCP && (f & TCPF_RST) && tuple_s2c(p, a) &&
			    (!(f & TCPF_ACK) || p->ack == a->isn + 1))
				return true;
			break;
		case OUTCOME_SMTP:
			if (p->kind == PKT_TCP && tuple_c2s(p, a) && p->payload_len > 0 &&
			    p->seq == a->isn + 1)
				return true;
			/* data after a SYN-ACK also counts */
			__attribute__((fallthrough));
		default: /* accepted, established */
			if (p->kind == PKT_TCP && (f & TCPF_SYN) && (f & TCPF_ACK) &&
			    tuple_s2c(p, a) && p->ack == a->isn + 1)
				return true;
			/* the SYN-ACK lost, the connection's packets seen */
			if (server_ack(p, a))
				return true;
			break;
		}
	}
	return a->outcome == OUTCOME_UNANSWERED;
}

static void on_attempt(const struct attempt *a, void *userdata)
{
	struct run *run = userdata;

	FUZZ_CHECK(a->outcome < OUTCOME_COUNT);
	FUZZ_CHECK(strnlen(a->helo, sizeof(a->helo)) <= LW_HELO_MAX);
	FUZZ_CHECK(evidence(run, a));
	/* a reply was seen exactly when the outcome rests on one, except
	 * smtp inferred from client data alone */
	if (a->outcome == OUTCOME_REFUSED || a->outcome == OUTCOME_REJECTED ||
	    a->outcome == OUTCOME_ACCEPTED || a->outcome == OUTCOME_ESTABLISHED)
		FUZZ_CHECK(a->replied);
	if (a->outcome == OUTCOME_UNANSWERED)
		FUZZ_CHECK(!a->replied);
	run->emitted++;
}

static uint32_t pick_seq(uint8_t b)
{
	uint32_t v = isns[b & 3] + ((b >> 2) & 1);

	return v + ((uint32_t)(b >> 3) << 20);
}

static void addr(const char *text, struct lw_addr *ret)
{
	FUZZ_CHECK(addr_parse(text, ret) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run run; /* large; one input at a time */
	struct tracker_config cfg;
	struct tracker_stats st;
	uint64_t ts = FUZZ_TS0;

	memset(&run, 0, sizeof(run));
	tracker_config_defaults(&cfg);
	cfg.max_attempts = FUZZ_MAX_ATTEMPTS;
	cfg.timeout_us = FUZZ_TIMEOUT_US;
	cfg.linger_us = FUZZ_LINGER_US;
	cfg.ports = sports;
	cfg.n_ports = sizeof(sports) / sizeof(sports[0]);
	struct tracker *t = tracker_new(&cfg, on_attempt, &run);
	FUZZ_CHECK(t != NULL);

	for (; size >= RECORD_LEN && run.n_log < LOG_MAX; data += RECORD_LEN, size -= RECORD_LEN) {
		struct pkt *p = &run.log[run.n_log];
		unsigned type = data[0] & 3;
		struct lw_addr c, s;
		uint16_t cp = cports[(data[1] >> 5) & 3], sp = sports[data[1] >> 7];

		ts += (uint64_t)((int8_t)data[4] * FUZZ_STEP_US);
		if (type == 3) {
			tracker_advance(t, ts);
			continue;
		}
		addr(clients[data[1] & 7], &c);
		addr(servers[(data[1] >> 3) & 3], &s);
		memset(p, 0, sizeof(*p));
		p->ts_us = ts;
		p->tcp_flags = (uint8_t)((data[0] >> 2) & 0x1f);
		p->seq = pick_seq(data[2]);
		p->ack = pick_seq(data[3]);
		if (type == 1) {
			p->kind = PKT_TCP;
			p->src = s;
			p->dst = c;
			p->sport = sp;
			p->dport = cp;
		} else {
			p->kind = type == 0 ? PKT_TCP : PKT_ICMP_UNREACH;
			p->src = c;
			p->dst = s;
			p->sport = cp;
			p->dport = sp;
		}
		if (p->kind == PKT_ICMP_UNREACH) {
			p->tcp_flags = 0;
			p->icmp_type = 3;
			p->icmp_code = 13;
		} else if (data[5]) {
			p->payload = (const uint8_t *)ehlo;
			p->payload_len = data[5] % sizeof(ehlo);
		}
		run.n_log++;
		tracker_packet(t, p);
	}
	tracker_finish(t);
	tracker_get_stats(t, &st);
	FUZZ_CHECK(run.emitted == st.attempts + st.reached_without_syn);
	FUZZ_CHECK(st.open == 0);
	tracker_free(t);
	return 0;
}
