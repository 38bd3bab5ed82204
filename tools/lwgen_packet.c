/* lwgen's packets: the generator's state, frames on the chosen link type,
 * TCP segments, whole conversations timed like real ones, and the pcapng
 * file they are written to. */
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

uint64_t gen_rnd(struct gen *g)
{
	/* xorshift64*: tiny, seeded, good enough for test traffic */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

int gen_link_dlt(const char *link)
{
	if (!strcmp(link, "sll"))
		return DLT_LINUX_SLL;
	if (!strcmp(link, "sll2"))
		return DLT_LINUX_SLL2;
	if (!strcmp(link, "raw"))
		return DLT_RAW;
	if (!strcmp(link, "null"))
		return DLT_NULL;
	if (!strcmp(link, "loop"))
		return DLT_LOOP;
	if (!strcmp(link, "ether") || !strcmp(link, "vlan1") || !strcmp(link, "vlan2"))
		return DLT_EN10MB;
	return -1;
}

void gen_add_ip(struct gen *g, uint64_t ts, const uint8_t *ip, size_t ip_len)
{
	uint8_t frame[FRAME_MAX];
	size_t len = 0;

	if (!strcmp(g->link, "ether"))
		len = frame_ethernet(frame, sizeof(frame), ip, ip_len, g->tags);
	else if (!strcmp(g->link, "vlan1"))
		len = frame_ethernet(frame, sizeof(frame), ip, ip_len, 1);
	else if (!strcmp(g->link, "vlan2"))
		len = frame_ethernet(frame, sizeof(frame), ip, ip_len, 2);
	else if (!strcmp(g->link, "sll"))
		len = frame_linux_sll(frame, sizeof(frame), ip, ip_len);
	else if (!strcmp(g->link, "sll2"))
		len = frame_linux_sll2(frame, sizeof(frame), ip, ip_len);
	else if (!strcmp(g->link, "null"))
		len = frame_null(frame, sizeof(frame), ip, ip_len, 0);
	else if (!strcmp(g->link, "loop"))
		len = frame_loop(frame, sizeof(frame), ip, ip_len);
	else {
		memcpy(frame, ip, ip_len);
		len = ip_len;
	}
	if (len == 0) {
		fprintf(stderr, "lwgen: frame does not fit\n");
		exit(1);
	}
	gen_add_frame(g, ts, frame, len);
}

void gen_add_frame(struct gen *g, uint64_t ts, const uint8_t *frame, size_t len)
{
	size_t caplen = g->snaplen && len > g->snaplen ? g->snaplen : len;

	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4096;
		g->pkts = realloc(g->pkts, g->cap * sizeof(*g->pkts));
		if (!g->pkts) {
			fprintf(stderr, "lwgen: out of memory\n");
			exit(1);
		}
	}
	struct gpkt *p = &g->pkts[g->n++];
	p->ts = ts;
	p->seqno = g->seqno++;
	p->len = (uint16_t)caplen;
	p->wirelen = (uint16_t)len;
	p->data = malloc(caplen);
	if (!p->data) {
		fprintf(stderr, "lwgen: out of memory\n");
		exit(1);
	}
	memcpy(p->data, frame, caplen);
}

size_t gen_tcp(uint8_t *out, const char *src, const char *dst, uint16_t sport, uint16_t dport,
	       uint32_t seq, uint32_t ack, uint8_t flags, const char *payload)
{
	struct tcp_spec s = {.src = src,
			     .dst = dst,
			     .sport = sport,
			     .dport = dport,
			     .seq = seq,
			     .ack = ack,
			     .flags = flags,
			     .payload = payload,
			     .payload_len = payload ? strlen(payload) : 0};

	return frame_ip_tcp(out, FRAME_MAX, &s);
}

/* One conversation, every packet of it, timed like a real exchange. */
int gen_add_conv(struct gen *g, const struct conv *c)
{
	uint8_t ip[FRAME_MAX];
	uint32_t isn = (uint32_t)gen_rnd(g), sisn = (uint32_t)gen_rnd(g);
	uint16_t sport = c->sport ? c->sport : (uint16_t)(32768 + gen_rnd(g) % 28000);
	uint16_t dport = c->port ? c->port : 25;
	uint64_t t = c->ts;
	const uint64_t rtt = 20000; /* 20 ms */
	size_t n;

	n = gen_tcp(ip, c->src, c->dst, sport, dport, isn, 0, TCPF_SYN, NULL);
	if (!n)
		return -1;
	gen_add_ip(g, t, ip, n);
	for (unsigned i = 1; i <= c->retrans; i++)
		gen_add_ip(g, t + (1000000ULL << (i - 1)), ip, n); /* 1 s, 2 s, 4 s ... */
	t += c->delay_us ? c->delay_us : rtt / 2;

	if (!strcmp(c->outcome, "unanswered"))
		return 0;
	if (!strcmp(c->outcome, "refused")) {
		if (!g->oneway)
			gen_add_ip(g, t, ip,
				   gen_tcp(ip, c->dst, c->src, dport, sport, 0, isn + 1,
					   TCPF_RST | TCPF_ACK, NULL));
		return 0;
	}
	if (!strcmp(c->outcome, "rejected")) {
		uint8_t icmp[FRAME_MAX];
		size_t m = frame_ip_icmp_unreach(icmp, sizeof(icmp), c->dst,
						 strchr(c->dst, ':') ? 1 : 13, ip, n, 0);
		if (!m)
			return -1;
		if (!g->oneway)
			gen_add_ip(g, t, icmp, m);
		return 0;
	}
	if (strcmp(c->outcome, "accepted") && strcmp(c->outcome, "established") &&
	    strcmp(c->outcome, "smtp"))
		return -1;
	if (!g->oneway)
		gen_add_ip(g, t, ip,
			   gen_tcp(ip, c->dst, c->src, dport, sport, sisn, isn + 1,
				   TCPF_SYN | TCPF_ACK, NULL));
	t += rtt / 2;
	if (!strcmp(c->outcome, "accepted"))
		return 0;
	gen_add_ip(g, t, ip,
		   gen_tcp(ip, c->src, c->dst, sport, dport, isn + 1, sisn + 1, TCPF_ACK, NULL));
	if (!strcmp(c->outcome, "established"))
		return 0;
	static const char banner[] = "220 mail.example.net ESMTP ready\r\n";
	t += 1000;
	if (!g->oneway)
		gen_add_ip(g, t, ip,
			   gen_tcp(ip, c->dst, c->src, dport, sport, sisn + 1, isn + 1,
				   TCPF_ACK | TCPF_PSH, banner));
	char ehlo[300];
	snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n", c->helo ? c->helo : "client.example");
	t += rtt;
	gen_add_ip(g, t, ip,
		   gen_tcp(ip, c->src, c->dst, sport, dport, isn + 1,
			   sisn + 1 + (uint32_t)strlen(banner), TCPF_ACK | TCPF_PSH, ehlo));
	t += rtt / 2;
	gen_add_ip(g, t, ip,
		   gen_tcp(ip, c->src, c->dst, sport, dport, isn + 1 + (uint32_t)strlen(ehlo),
			   sisn + 1 + (uint32_t)strlen(banner), TCPF_ACK | TCPF_FIN, NULL));
	return 0;
}

int gen_cmp_pkt(const void *a, const void *b)
{
	const struct gpkt *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seqno < y->seqno ? -1 : (x->seqno > y->seqno);
}

/* pcapng: libpcap reads it but cannot write it, so the few blocks a
 * reader needs (section header, one interface, enhanced packets) are
 * written here by hand, in host byte order as the format allows. */
static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

int gen_write_pcapng(const char *path, int dlt, const struct gen *g)
{
	FILE *f = fopen(path, "wb");
	static const uint8_t zero[4] = {0};

	if (!f)
		return -1;
	put32(f, 0x0A0D0D0A); /* section header block */
	put32(f, 28);
	put32(f, 0x1A2B3C4D);
	put32(f, 0x00000001); /* version 1.0 */
	put32(f, 0xFFFFFFFF); /* section length unknown (64 bits) */
	put32(f, 0xFFFFFFFF);
	put32(f, 28);
	put32(f, 0x00000001); /* interface description block */
	put32(f, 20);
	put32(f, (uint32_t)dlt & 0xFFFF); /* link type, reserved 0 */
	put32(f, 65535);		  /* snaplen */
	put32(f, 20);			  /* default resolution: microseconds */
	for (size_t i = 0; i < g->n; i++) {
		uint32_t padded = (g->pkts[i].len + 3u) & ~3u;
		uint32_t total = 32 + padded;
		put32(f, 0x00000006); /* enhanced packet block */
		put32(f, total);
		put32(f, 0); /* interface 0 */
		put32(f, (uint32_t)(g->pkts[i].ts >> 32));
		put32(f, (uint32_t)g->pkts[i].ts);
		put32(f, g->pkts[i].len);
		put32(f, g->pkts[i].wirelen);
		fwrite(g->pkts[i].data, 1, g->pkts[i].len, f);
		fwrite(zero, 1, padded - g->pkts[i].len, f);
		put32(f, total);
	}
	return fclose(f) == 0 ? 0 : -1;
}
