/* lwgen's benchmark modes (bench/run): --realistic (a mail host's day
 * captured without a filter), --flood-sources (a spoofed SYN flood) and
 * the --truth file a correct analysis of either must match. */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/bytes.h"
#include "sensor/decode.h"
#include "tests/frame.h"
#include "tools/lwgen.h"

#define REAL_SNAPLEN	  512	/* bytes: the snap length the README tells operators to use */
#define REAL_GAP_US	  10000 /* mean time between events: 100 a second, a busy mail host */
#define REAL_OUTSIDE_POOL 4096	/* outside sources that ever show up in a day */
#define SEG_MAX		  1448	/* TCP payload of a full-size segment on Ethernet */
#define FLOOD_GAP_US	  10	/* 100,000 spoofed SYNs a second */
#define FLOOD_GATEWAY_US  20000 /* one gateway delivery every 20 ms during a flood */
#define RESOLVER4	  "192.0.2.53"
#define MONITOR4	  "192.0.2.10"

static const char *const server4 = "192.0.2.25", *const server6 = "2001:db8::25";

static uint32_t below(struct gen *g, uint32_t n)
{
	return (uint32_t)(gen_rnd(g) % n);
}

/* A bijection on 32-bit values (xor, odd multiplies, xorshifts): distinct
 * counters give distinct addresses, so the flood's number of distinct
 * sources is exact without remembering a million of them. */
static uint32_t perm32(uint32_t x, uint32_t key)
{
	x ^= key;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* Addresses a random outside source must not take: unroutable ones, the
 * documentation nets used for the servers, the backup MX, the heavy hitters
 * and the breach, and the gateway ranges rules/sample.rules allows; any of
 * them would make the truth file wrong. */
static int reserved4(uint32_t a)
{
	uint32_t o = a >> 24, n24 = a >> 8;

	return o == 0 || o == 10 || o == 127 || o >= 224 || n24 == 0xc00002 /* 192.0.2 */ ||
	       n24 == 0xc63364 /* 198.51.100 */ || n24 == 0xcb0071 /* 203.0.113 */ ||
	       n24 == 0xc382d9 /* 195.130.217 */ || n24 == 0x5bdc2a /* 91.220.42 */ ||
	       n24 == 0xcd8b6e /* 205.139.110 */;
}

static void fmt4(char *buf, size_t len, uint32_t a)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Picks VLAN tags for the next event on an Ethernet trunk: most frames
 * untagged, some 802.1Q, a few Q-in-Q, so every branch of the filter and
 * the decoder is exercised. */
static void pick_tags(struct gen *g)
{
	uint32_t r = below(g, 100);

	g->tags = r < 70 ? 0 : r < 95 ? 1 : 2;
}

static void die_frame(void)
{
	fprintf(stderr, "lwgen: frame does not fit\n");
	exit(1);
}

/* One TCP connection as both ends send it: sequence numbers advance with
 * the payload, so the file reads like a real exchange to any analyser. */
struct flow {
	const char *cli, *srv;
	uint16_t cport, sport;
	uint32_t cseq, sseq;
	uint64_t t;
};

static const char filler[SEG_MAX] = {0};

static void flow_send(struct gen *g, struct flow *f, int from_client, uint8_t flags,
		      const char *payload, size_t len)
{
	uint8_t ip[FRAME_MAX];
	struct tcp_spec s;
	size_t n;

	memset(&s, 0, sizeof(s));
	s.src = from_client ? f->cli : f->srv;
	s.dst = from_client ? f->srv : f->cli;
	s.sport = from_client ? f->cport : f->sport;
	s.dport = from_client ? f->sport : f->cport;
	s.seq = from_client ? f->cseq : f->sseq;
	s.ack = (flags & TCPF_ACK) ? (from_client ? f->sseq : f->cseq) : 0;
	s.flags = flags;
	s.payload = len ? (payload ? payload : filler) : NULL;
	s.payload_len = len;
	n = frame_ip_tcp(ip, sizeof(ip), &s);
	if (!n)
		die_frame();
	gen_add_ip(g, f->t, ip, n);
	uint32_t adv = (uint32_t)len + ((flags & (TCPF_SYN | TCPF_FIN)) ? 1 : 0);
	if (from_client)
		f->cseq += adv;
	else
		f->sseq += adv;
}

/* Request/response rounds after a handshake, then an orderly close. */
static void flow_rounds(struct gen *g, struct flow *f, uint64_t rtt, unsigned rounds,
			unsigned max_resp_segs)
{
	for (unsigned r = 0; r < rounds; r++) {
		flow_send(g, f, 1, TCPF_ACK | TCPF_PSH, NULL, 150 + below(g, 450));
		f->t += rtt / 2;
		unsigned segs = 1 + below(g, max_resp_segs);
		for (unsigned s = 0; s < segs; s++) {
			flow_send(g, f, 0, TCPF_ACK | (s + 1 == segs ? TCPF_PSH : 0), NULL,
				  s + 1 == segs ? 100 + below(g, SEG_MAX - 100) : SEG_MAX);
			f->t += 50;
			if (s % 2 == 1 || s + 1 == segs) {
				f->t += rtt / 2;
				flow_send(g, f, 1, TCPF_ACK, NULL, 0);
			}
		}
		f->t += 1000 + below(g, 200000);
	}
	flow_send(g, f, 1, TCPF_FIN | TCPF_ACK, NULL, 0);
	f->t += rtt / 2;
	flow_send(g, f, 0, TCPF_FIN | TCPF_ACK, NULL, 0);
	f->t += rtt / 2;
	flow_send(g, f, 1, TCPF_ACK, NULL, 0);
}

static void flow_handshake(struct gen *g, struct flow *f, uint64_t rtt)
{
	flow_send(g, f, 1, TCPF_SYN, NULL, 0);
	f->t += rtt / 2;
	flow_send(g, f, 0, TCPF_SYN | TCPF_ACK, NULL, 0);
	f->t += rtt / 2;
	flow_send(g, f, 1, TCPF_ACK, NULL, 0);
}

enum real_outcome { REAL_UNANSWERED, REAL_REFUSED, REAL_REJECTED, REAL_SMTP };

/* An inbound SMTP attempt: dropped (with SYN retransmits), refused with a
 * RST, rejected with an ICMP(v6) administratively-prohibited, or a whole
 * delivery with body_segs full-size segments of message. */
static void real_smtp(struct gen *g, uint64_t t, const char *cli, const char *srv,
		      enum real_outcome how, const char *helo, unsigned body_segs)
{
	uint64_t rtt = 10000 + below(g, 110000);
	struct flow f = {cli,
			 srv,
			 (uint16_t)(32768 + below(g, 28000)),
			 25,
			 (uint32_t)gen_rnd(g),
			 (uint32_t)gen_rnd(g),
			 t};
	uint32_t isn = f.cseq;
	char buf[512];

	flow_send(g, &f, 1, TCPF_SYN, NULL, 0);
	if (how == REAL_UNANSWERED) {
		unsigned retrans = below(g, 4);
		for (unsigned i = 1; i <= retrans; i++) {
			f.cseq = isn;
			f.t = t + (1000000ULL << (i - 1)); /* Linux: 1 s, 2 s, 4 s */
			flow_send(g, &f, 1, TCPF_SYN, NULL, 0);
		}
		return;
	}
	f.t += rtt / 2;
	if (how == REAL_REFUSED) {
		f.sseq = 0;
		flow_send(g, &f, 0, TCPF_RST | TCPF_ACK, NULL, 0);
		return;
	}
	if (how == REAL_REJECTED) {
		uint8_t syn[FRAME_MAX], icmp[FRAME_MAX];
		struct tcp_spec s;

		memset(&s, 0, sizeof(s));
		s.src = cli;
		s.dst = srv;
		s.sport = f.cport;
		s.dport = 25;
		s.seq = isn;
		s.flags = TCPF_SYN;
		size_t n = frame_ip_tcp(syn, sizeof(syn), &s);
		int v6 = strchr(srv, ':') != NULL;
		size_t m =
		    n ? frame_ip_icmp_unreach(icmp, sizeof(icmp), srv, v6 ? 1 : 13, syn, n, 0) : 0;
		if (!m)
			die_frame();
		gen_add_ip(g, f.t, icmp, m);
		return;
	}
	flow_send(g, &f, 0, TCPF_SYN | TCPF_ACK, NULL, 0);
	f.t += rtt / 2;
	flow_send(g, &f, 1, TCPF_ACK, NULL, 0);
	f.t += 2000;
	flow_send(g, &f, 0, TCPF_ACK | TCPF_PSH, "220 mx.example.net ESMTP Postfix\r\n", 34);
	f.t += rtt / 2;
	snprintf(buf, sizeof(buf), "EHLO %s\r\n", helo);
	flow_send(g, &f, 1, TCPF_ACK | TCPF_PSH, buf, strlen(buf));
	f.t += rtt / 2;
	static const char ehlo_resp[] = "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE "
					"52428800\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
	flow_send(g, &f, 0, TCPF_ACK | TCPF_PSH, ehlo_resp, sizeof(ehlo_resp) - 1);
	f.t += rtt / 2;
	/* gateways pipeline the envelope (RFC 2920) */
	snprintf(buf, sizeof(buf),
		 "MAIL FROM:<bounce-%u@mimecast.example> SIZE=%u\r\nRCPT "
		 "TO:<user%u@example.net>\r\nDATA\r\n",
		 below(g, 100000), body_segs * SEG_MAX, below(g, 500));
	flow_send(g, &f, 1, TCPF_ACK | TCPF_PSH, buf, strlen(buf));
	f.t += rtt / 2;
	static const char env_resp[] = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with "
				       "<CR><LF>.<CR><LF>\r\n";
	flow_send(g, &f, 0, TCPF_ACK | TCPF_PSH, env_resp, sizeof(env_resp) - 1);
	f.t += rtt / 2;
	for (unsigned s = 0; s < body_segs; s++) {
		flow_send(g, &f, 1, TCPF_ACK, NULL, SEG_MAX);
		f.t += 100;
		if (s % 2 == 1) {
			f.t += rtt / 2;
			flow_send(g, &f, 0, TCPF_ACK, NULL, 0);
		}
	}
	flow_send(g, &f, 1, TCPF_ACK | TCPF_PSH, "\r\n.\r\nQUIT\r\n", 11);
	f.t += rtt / 2 + 5000;
	static const char done[] = "250 2.0.0 Ok: queued as 4Yx1Zr3Bq9z8\r\n221 2.0.0 Bye\r\n";
	flow_send(g, &f, 0, TCPF_ACK | TCPF_PSH, done, sizeof(done) - 1);
	flow_send(g, &f, 0, TCPF_FIN | TCPF_ACK, NULL, 0);
	f.t += rtt / 2;
	flow_send(g, &f, 1, TCPF_FIN | TCPF_ACK, NULL, 0);
	f.t += rtt / 2;
	flow_send(g, &f, 0, TCPF_ACK, NULL, 0);
}

/* Internet checksum of an IPv4 header or ICMP message. */
static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += rd_be16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An IPv4 packet of protocol proto with plen bytes of payload after l4
 * bytes of the given header; frame.c builds only TCP and ICMP errors. */
static size_t ip4_packet(uint8_t *out, const char *src, const char *dst, uint8_t proto,
			 const uint8_t *l4, size_t l4_len, size_t plen)
{
	size_t total = 20 + l4_len + plen;

	if (total > FRAME_MAX)
		die_frame();
	memset(out, 0, total);
	out[0] = 0x45;
	wr_be16(out + 2, (uint16_t)total);
	wr_be16(out + 6, 0x4000);
	out[8] = 64;
	out[9] = proto;
	if (inet_pton(AF_INET, src, out + 12) != 1 || inet_pton(AF_INET, dst, out + 16) != 1)
		die_frame();
	wr_be16(out + 10, csum(out, 20));
	memcpy(out + 20, l4, l4_len);
	return total;
}

static void udp_exchange(struct gen *g, uint64_t t, const char *cli, const char *srv, uint16_t port,
			 size_t qlen, size_t rlen)
{
	uint8_t ip[FRAME_MAX], udp[8];
	uint16_t cport = (uint16_t)(1024 + below(g, 60000));

	/* IPv4 UDP may leave its checksum zero (RFC 768) */
	wr_be16(udp, cport);
	wr_be16(udp + 2, port);
	wr_be16(udp + 4, (uint16_t)(8 + qlen));
	wr_be16(udp + 6, 0);
	gen_add_ip(g, t, ip, ip4_packet(ip, cli, srv, 17, udp, 8, qlen));
	wr_be16(udp, port);
	wr_be16(udp + 2, cport);
	wr_be16(udp + 4, (uint16_t)(8 + rlen));
	gen_add_ip(g, t + 1000 + below(g, 30000), ip, ip4_packet(ip, srv, cli, 17, udp, 8, rlen));
}

static void ping(struct gen *g, uint64_t t)
{
	uint8_t ip[FRAME_MAX], icmp[64];
	uint16_t id = (uint16_t)gen_rnd(g);

	for (int reply = 0; reply < 2; reply++) {
		memset(icmp, 0, sizeof(icmp));
		icmp[0] = reply ? 0 : 8; /* echo reply, echo request */
		wr_be16(icmp + 4, id);
		wr_be16(icmp + 6, 1);
		wr_be16(icmp + 2, csum(icmp, sizeof(icmp)));
		gen_add_ip(g, t + (uint64_t)reply * 300, ip,
			   ip4_packet(ip, reply ? server4 : MONITOR4, reply ? MONITOR4 : server4, 1,
				      icmp, sizeof(icmp), 0));
	}
}

/* ARP who-has and is-at: link noise that is not IP at all. Ethernet only. */
static void arp(struct gen *g, uint64_t t)
{
	uint8_t f[60];

	if (strcmp(g->link, "ether"))
		return;
	for (int reply = 0; reply < 2; reply++) {
		memset(f, 0, sizeof(f));
		memset(f, reply ? 0x02 : 0xff, 6);
		f[6] = 0x02;
		f[11] = (uint8_t)(reply ? 0x25 : 0x01);
		wr_be16(f + 12, 0x0806);
		wr_be16(f + 14, 1);
		wr_be16(f + 16, 0x0800);
		f[18] = 6;
		f[19] = 4;
		wr_be16(f + 20, reply ? 2 : 1);
		gen_add_frame(g, t + (uint64_t)reply * 200, f, sizeof(f));
	}
}

static const char *real_gateway(struct gen *g, char *buf, size_t len)
{
	static const char *const nets[] = {"195.130.217", "91.220.42", "205.139.110"};

	snprintf(buf, len, "%s.%u", nets[below(g, 3)], 1 + below(g, 254));
	return buf;
}

static int cmp_truth(const void *a, const void *b)
{
	const struct truth_src *x = a, *y = b;

	if (x->attempts != y->attempts)
		return x->attempts > y->attempts ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

/* Keeps the TRUTH_TOP sources with most attempts out of srcs. */
static void truth_top(struct truth *tr, struct truth_src *srcs, size_t n)
{
	qsort(srcs, n, sizeof(*srcs), cmp_truth);
	tr->n_top = 0;
	for (size_t i = 0; i < n && tr->n_top < TRUTH_TOP; i++)
		if (srcs[i].attempts)
			tr->top[tr->n_top++] = srcs[i];
}

/* A web, IMAP or SSH client: any routable address. */
static uint32_t noise_client4(struct gen *g, uint32_t key)
{
	uint32_t a;

	do
		a = perm32((uint32_t)gen_rnd(g), key);
	while (reserved4(a));
	return a;
}

int gen_run_realistic(struct gen *g, unsigned n, int breach, struct truth *tr)
{
	struct truth_src *pool = calloc(REAL_OUTSIDE_POOL + 1, sizeof(*pool));
	uint32_t key = (uint32_t)gen_rnd(g), ctr = 0;
	uint64_t t = BASE_US;
	char cli[64];

	if (!pool)
		return -1;
	g->snaplen = REAL_SNAPLEN;
	for (unsigned i = 0; i < REAL_OUTSIDE_POOL; i++) {
		if (i % 5 == 4) {
			snprintf(pool[i].addr, sizeof(pool[i].addr), "2001:db8:bad:%x::%x", i,
				 1 + below(g, 0xfff0));
		} else {
			uint32_t a;
			do
				a = perm32(ctr++, key);
			while (reserved4(a));
			fmt4(pool[i].addr, sizeof(pool[i].addr), a);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t kind = below(g, 1000);
		int v6 = below(g, 5) == 0;
		const char *srv = v6 ? server6 : server4;

		t += below(g, 2 * REAL_GAP_US);
		pick_tags(g);
		if (kind < 300) {
			/* Mimecast publishes no IPv6 delivery ranges */
			real_smtp(g, t, real_gateway(g, cli, sizeof(cli)), server4, REAL_SMTP,
				  "eu-smtp-delivery-1.mimecast.com", 1 + below(g, 12));
		} else if (kind < 330) {
			real_smtp(g, t, v6 ? "2001:db8:200::50" : "192.0.2.50", srv, REAL_SMTP,
				  "backup-mx.example.net", 1 + below(g, 6));
		} else if (kind < 600) {
			/* a few persistent sources, a long tail of occasional ones */
			double u = (double)(gen_rnd(g) >> 11) * (1.0 / 9007199254740992.0);
			unsigned idx = (unsigned)(REAL_OUTSIDE_POOL * u * u * u);
			uint32_t o = below(g, 100);
			struct truth_src *s = &pool[idx];

			real_smtp(g, t, s->addr, strchr(s->addr, ':') ? server6 : server4,
				  o < 55   ? REAL_UNANSWERED
				  : o < 80 ? REAL_REFUSED
					   : REAL_REJECTED,
				  NULL, 0);
			s->attempts++;
		} else if (kind < 850) {
			static const uint16_t ports[] = {443, 443, 443, 443, 443,
							 993, 993, 587, 22,  80};
			struct flow f;
			uint64_t rtt = 5000 + below(g, 150000);

			if (v6)
				snprintf(cli, sizeof(cli), "2001:db8:c11:%x::%x", below(g, 4096),
					 1 + below(g, 0xfff0));
			else
				fmt4(cli, sizeof(cli), noise_client4(g, ~key));
			f = (struct flow){cli,
					  srv,
					  (uint16_t)(32768 + below(g, 28000)),
					  ports[below(g, 10)],
					  (uint32_t)gen_rnd(g),
					  (uint32_t)gen_rnd(g),
					  t};
			flow_handshake(g, &f, rtt);
			f.t += rtt / 2;
			flow_rounds(g, &f, rtt, 1 + below(g, 5), 8);
		} else if (kind < 920) {
			udp_exchange(g, t, server4, RESOLVER4, 53, 30 + below(g, 30),
				     60 + below(g, 200));
		} else if (kind < 950) {
			udp_exchange(g, t, server4, RESOLVER4, 123, 48, 48);
		} else if (kind < 980) {
			ping(g, t);
		} else {
			arp(g, t);
		}
		if (breach && i == n / 2) {
			g->tags = 0;
			real_smtp(g, t + 1, "203.0.113.66", server4, REAL_SMTP,
				  "bulk-mailer.example", 3);
			snprintf(pool[REAL_OUTSIDE_POOL].addr, sizeof(pool[0].addr),
				 "203.0.113.66");
			pool[REAL_OUTSIDE_POOL].attempts = 1;
		}
	}
	g->tags = 0;
	for (unsigned i = 0; i <= REAL_OUTSIDE_POOL; i++) {
		tr->outside_attempts += pool[i].attempts;
		tr->outside_sources += pool[i].attempts > 0;
	}
	truth_top(tr, pool, REAL_OUTSIDE_POOL + 1);
	free(pool);
	return 0;
}

/* Attempts of heavy hitter k (0 is the heaviest): all distinct, so the
 * ranking of top offenders has exactly one right answer. */
static unsigned heavy_attempts(unsigned k, unsigned heavy)
{
	return 1000 + 100 * (heavy - k);
}

/* The /48s of 2001:db8::/32 the IPv6 flood keeps for the server (0), the
 * heavy hitters (HEAVY6) and the gateways (GATEWAY6): no spoofed source
 * falls in them. */
#define HEAVY6	 0xffffU
#define GATEWAY6 0x9a7eU

static int reserved6(uint32_t a)
{
	uint32_t net = a >> 16;

	return net == 0 || net == HEAVY6 || net == GATEWAY6;
}

/* Gateways of the IPv6 flood: documentation addresses, so the file can be
 * replayed into a test network (the IPv4 flood uses Mimecast's). */
static const char *const gateways6[5] = {"2001:db8:9a7e::41", "2001:db8:9a7e::77",
					 "2001:db8:9a7e::61", "2001:db8:9a7e::120",
					 "2001:db8:9a7e::18"};

int gen_run_flood_sources(struct gen *g, unsigned n, unsigned heavy, int v6, struct truth *tr)
{
	uint8_t ip[FRAME_MAX];
	char src[64];
	uint32_t key = (uint32_t)gen_rnd(g), ctr = 0;
	uint64_t dur = (uint64_t)n * FLOOD_GAP_US;
	struct truth_src *hh = calloc(heavy ? heavy : 1, sizeof(*hh));
	const char *server = v6 ? server6 : server4;

	if (!hh || heavy > 254)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		uint64_t r = gen_rnd(g);
		uint32_t a;

		if (v6) {
			/* 2001:db8:X:Y::1, one /64 a source: room for 2^32 */
			do
				a = perm32(ctr++, key);
			while (reserved6(a));
			snprintf(src, sizeof(src), "2001:db8:%x:%x::1", a >> 16, a & 0xffff);
		} else {
			do
				a = perm32(ctr++, key);
			while (reserved4(a));
			fmt4(src, sizeof(src), a);
		}
		size_t len = gen_tcp(ip, src, server, (uint16_t)(1024 + r % 60000), 25,
				     (uint32_t)(r >> 16), 0, TCPF_SYN, NULL);
		gen_add_ip(g, BASE_US + (uint64_t)i * FLOOD_GAP_US, ip, len);
	}
	/* the heavy hitters spread over the whole flood, each SYN its own attempt */
	for (unsigned k = 0; k < heavy; k++) {
		if (v6)
			snprintf(hh[k].addr, sizeof(hh[k].addr), "2001:db8:%x::%x", HEAVY6, k + 1);
		else
			snprintf(hh[k].addr, sizeof(hh[k].addr), "198.51.100.%u", k + 1);
		hh[k].attempts = heavy_attempts(k, heavy);
		for (unsigned j = 0; j < hh[k].attempts; j++) {
			size_t len = gen_tcp(ip, hh[k].addr, server, (uint16_t)(1024 + j % 60000),
					     25, (uint32_t)gen_rnd(g), 0, TCPF_SYN, NULL);
			gen_add_ip(g, BASE_US + gen_rnd(g) % dur, ip, len);
		}
		tr->outside_attempts += hh[k].attempts;
	}
	/* the gateway keeps delivering: the capture still shows answered handshakes */
	for (uint64_t t = 0; t < dur; t += FLOOD_GATEWAY_US) {
		struct conv c;

		memset(&c, 0, sizeof(c));
		c.ts = BASE_US + t;
		c.src = v6 ? gateways6[below(g, 5)] : gen_gateways[below(g, 5)];
		c.dst = server;
		c.outcome = "smtp";
		c.helo = "eu-smtp-delivery-1.mimecast.com";
		if (gen_add_conv(g, &c) < 0) {
			free(hh);
			return -1;
		}
	}
	tr->outside_attempts += n;
	tr->outside_sources = (uint64_t)n + heavy;
	truth_top(tr, hh, heavy);
	free(hh);
	return 0;
}

int gen_write_truth(const char *path, const struct truth *tr, size_t packets)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "# lwgen truth: what lockwatch replay -r rules/sample.rules must report\n");
	fprintf(f, "packets %zu\n", packets);
	fprintf(f, "outside_attempts %llu\n", (unsigned long long)tr->outside_attempts);
	fprintf(f, "outside_sources %llu\n", (unsigned long long)tr->outside_sources);
	for (unsigned i = 0; i < tr->n_top; i++)
		fprintf(f, "top %s %llu\n", tr->top[i].addr,
			(unsigned long long)tr->top[i].attempts);
	return fclose(f) == 0 ? 0 : -1;
}
