/* lwgen: writes capture files of inbound SMTP handshakes, for the shipped
 * sample, the tests and the benchmarks. Seeded: the same arguments always
 * give the same file.
 *
 * Script mode reads one conversation per line:
 *   TIME SRC DST OUTCOME [HELO] [retrans=N] [port=P] [sport=P] [delay=SECONDS]
 * TIME is seconds after the base time, OUTCOME one of unanswered, refused,
 * rejected, accepted, established, smtp. Mixed mode draws conversations
 * at random; flood mode writes SYNs from spoofed random sources. */
#include "config.h"

#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/decode.h"
#include "tests/frame.h"

#define BASE_US 1793610000000000ULL /* 2026-11-02T09:00:00Z */

struct gpkt {
	uint64_t ts;
	uint32_t seqno; /* keeps the order of packets with the same time */
	uint16_t len;
	uint8_t *data;
};

struct gen {
	struct gpkt *pkts;
	size_t n, cap;
	uint32_t seqno;
	uint64_t rng;
	const char *link;
	int oneway;
};

static uint64_t rnd(struct gen *g)
{
	/* xorshift64*: tiny, seeded, good enough for test traffic */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

static int link_dlt(const char *link)
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

static void add_ip(struct gen *g, uint64_t ts, const uint8_t *ip, size_t ip_len)
{
	uint8_t frame[FRAME_MAX];
	size_t len = 0;

	if (!strcmp(g->link, "ether"))
		len = frame_ethernet(frame, sizeof(frame), ip, ip_len, 0);
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
	p->len = (uint16_t)len;
	p->data = malloc(len);
	if (!p->data) {
		fprintf(stderr, "lwgen: out of memory\n");
		exit(1);
	}
	memcpy(p->data, frame, len);
}

static size_t tcp(uint8_t *out, const char *src, const char *dst, uint16_t sport, uint16_t dport,
		  uint32_t seq, uint32_t ack, uint8_t flags, const char *payload)
{
	struct tcp_spec s;

	memset(&s, 0, sizeof(s));
	s.src = src;
	s.dst = dst;
	s.sport = sport;
	s.dport = dport;
	s.seq = seq;
	s.ack = ack;
	s.flags = flags;
	s.payload = payload;
	s.payload_len = payload ? strlen(payload) : 0;
	return frame_ip_tcp(out, FRAME_MAX, &s);
}

struct conv {
	uint64_t ts;
	const char *src, *dst;
	const char *outcome;
	const char *helo;
	unsigned retrans;
	uint16_t port, sport;
	uint64_t delay_us; /* server's first reply comes this late (0: half an RTT) */
};

/* One conversation, every packet of it, timed like a real exchange. */
static int add_conv(struct gen *g, const struct conv *c)
{
	uint8_t ip[FRAME_MAX], icmp[FRAME_MAX];
	uint32_t isn = (uint32_t)rnd(g), sisn = (uint32_t)rnd(g);
	uint16_t sport = c->sport ? c->sport : (uint16_t)(32768 + rnd(g) % 28000);
	uint16_t dport = c->port ? c->port : 25;
	uint64_t t = c->ts;
	const uint64_t rtt = 20000; /* 20 ms */
	size_t n;

	n = tcp(ip, c->src, c->dst, sport, dport, isn, 0, TCPF_SYN, NULL);
	if (!n)
		return -1;
	add_ip(g, t, ip, n);
	for (unsigned i = 1; i <= c->retrans; i++)
		add_ip(g, t + (1000000ULL << (i - 1)), ip, n); /* 1 s, 2 s, 4 s ... */
	t += c->delay_us ? c->delay_us : rtt / 2;

	if (!strcmp(c->outcome, "unanswered"))
		return 0;
	if (!strcmp(c->outcome, "refused")) {
		if (!g->oneway)
			add_ip(g, t, ip,
			       tcp(ip, c->dst, c->src, dport, sport, 0, isn + 1,
				   TCPF_RST | TCPF_ACK, NULL));
		return 0;
	}
	if (!strcmp(c->outcome, "rejected")) {
		size_t m = frame_ip_icmp_unreach(icmp, sizeof(icmp), c->dst,
						 strchr(c->dst, ':') ? 1 : 13, ip, n, 0);
		if (!m)
			return -1;
		if (!g->oneway)
			add_ip(g, t, icmp, m);
		return 0;
	}
	if (strcmp(c->outcome, "accepted") && strcmp(c->outcome, "established") &&
	    strcmp(c->outcome, "smtp"))
		return -1;
	if (!g->oneway)
		add_ip(g, t, ip,
		       tcp(ip, c->dst, c->src, dport, sport, sisn, isn + 1, TCPF_SYN | TCPF_ACK,
			   NULL));
	t += rtt / 2;
	if (!strcmp(c->outcome, "accepted"))
		return 0;
	add_ip(g, t, ip, tcp(ip, c->src, c->dst, sport, dport, isn + 1, sisn + 1, TCPF_ACK, NULL));
	if (!strcmp(c->outcome, "established"))
		return 0;
	static const char banner[] = "220 mail.example.net ESMTP ready\r\n";
	t += 1000;
	if (!g->oneway)
		add_ip(g, t, ip,
		       tcp(ip, c->dst, c->src, dport, sport, sisn + 1, isn + 1, TCPF_ACK | TCPF_PSH,
			   banner));
	char ehlo[300];
	snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n", c->helo ? c->helo : "client.example");
	t += rtt;
	add_ip(g, t, ip,
	       tcp(ip, c->src, c->dst, sport, dport, isn + 1, sisn + 1 + (uint32_t)strlen(banner),
		   TCPF_ACK | TCPF_PSH, ehlo));
	t += rtt / 2;
	add_ip(g, t, ip,
	       tcp(ip, c->src, c->dst, sport, dport, isn + 1 + (uint32_t)strlen(ehlo),
		   sisn + 1 + (uint32_t)strlen(banner), TCPF_ACK | TCPF_FIN, NULL));
	return 0;
}

static int run_script(struct gen *g, FILE *in, const char *name)
{
	char line[1024];
	unsigned lineno = 0;

	while (fgets(line, sizeof(line), in)) {
		char *tok[16], *save = NULL;
		int nt = 0;
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (char *t = strtok_r(line, " \t\r\n", &save); t && nt < 16;
		     t = strtok_r(NULL, " \t\r\n", &save))
			tok[nt++] = t;
		if (nt == 0)
			continue;
		if (nt < 4) {
			fprintf(stderr, "lwgen: %s:%u: need TIME SRC DST OUTCOME\n", name, lineno);
			return -1;
		}
		struct conv c;
		memset(&c, 0, sizeof(c));
		c.ts = BASE_US + (uint64_t)(strtod(tok[0], NULL) * 1e6);
		c.src = tok[1];
		c.dst = tok[2];
		c.outcome = tok[3];
		for (int i = 4; i < nt; i++) {
			if (!strncmp(tok[i], "retrans=", 8))
				c.retrans = (unsigned)atoi(tok[i] + 8);
			else if (!strncmp(tok[i], "port=", 5))
				c.port = (uint16_t)atoi(tok[i] + 5);
			else if (!strncmp(tok[i], "delay=", 6))
				c.delay_us = (uint64_t)(strtod(tok[i] + 6, NULL) * 1e6);
			else if (!strncmp(tok[i], "sport=", 6))
				c.sport = (uint16_t)atoi(tok[i] + 6);
			else
				c.helo = tok[i];
		}
		/* strtok_r pointers die with the line buffer: copy them. */
		c.src = strdup(c.src);
		c.dst = strdup(c.dst);
		c.outcome = strdup(c.outcome);
		c.helo = c.helo ? strdup(c.helo) : NULL;
		int r = add_conv(g, &c);
		free((void *)c.src);
		free((void *)c.dst);
		free((void *)c.outcome);
		free((void *)c.helo);
		if (r < 0) {
			fprintf(stderr, "lwgen: %s:%u: bad conversation (outcome or address)\n",
				name, lineno);
			return -1;
		}
	}
	return 0;
}

/* Gateway addresses from Mimecast's published ranges, outside ones from the
 * documentation ranges: the sample reads like a real mail host's capture. */
static const char *const gateways[] = {"195.130.217.41", "195.130.217.77", "205.139.110.61",
				       "205.139.110.120", "91.220.42.18"};

static int run_mixed(struct gen *g, unsigned n, int breach)
{
	char src[64];

	for (unsigned i = 0; i < n; i++) {
		struct conv c;
		uint64_t r = rnd(g);
		memset(&c, 0, sizeof(c));
		c.ts = BASE_US + (uint64_t)i * 3000000ULL / 2 + r % 500000;
		c.dst = (r >> 8) % 5 == 0 ? "2001:db8::25" : "192.0.2.25";
		unsigned kind = (unsigned)((r >> 16) % 100);
		if (kind < 55) {
			/* Mimecast publishes no IPv6 delivery ranges */
			c.dst = "192.0.2.25";
			c.src = gateways[(r >> 24) % 5];
			c.outcome = "smtp";
			c.helo = "eu-smtp-delivery-1.mimecast.com";
		} else if (kind < 60) {
			c.src = c.dst[0] == '2' ? "2001:db8:200::50" : "192.0.2.50";
			c.outcome = "smtp";
			c.helo = "backup-mx.example.net";
		} else {
			if (c.dst[0] == '2')
				snprintf(src, sizeof(src), "2001:db8:bad::%x",
					 (unsigned)(r >> 32) % 40);
			else
				snprintf(src, sizeof(src), "203.0.113.%u",
					 1 + (unsigned)(r >> 32) % 40);
			c.src = src;
			static const char *const blocked[] = {"unanswered", "refused", "rejected"};
			c.outcome = blocked[(r >> 40) % 3];
			c.retrans = !strcmp(c.outcome, "unanswered") ? 2 : 0;
		}
		if (add_conv(g, &c) < 0)
			return -1;
	}
	if (breach) {
		struct conv c = {.ts = BASE_US + (uint64_t)n * 1000000ULL,
				 .src = "203.0.113.66",
				 .dst = "192.0.2.25",
				 .outcome = "smtp",
				 .helo = "bulk-mailer.example"};
		if (add_conv(g, &c) < 0)
			return -1;
	}
	return 0;
}

static int run_flood(struct gen *g, unsigned n)
{
	uint8_t ip[FRAME_MAX];
	char src[64];

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = rnd(g);
		uint32_t a = (uint32_t)(r >> 32);
		/* random public-looking sources; pcap files may hold any address */
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + (a >> 24) % 223, (a >> 16) & 255,
			 (a >> 8) & 255, a & 255);
		size_t len = tcp(ip, src, "192.0.2.25", (uint16_t)(1024 + r % 60000), 25,
				 (uint32_t)r, 0, TCPF_SYN, NULL);
		add_ip(g, BASE_US + (uint64_t)i * 10, ip, len);
	}
	return 0;
}

static int cmp_pkt(const void *a, const void *b)
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

static int write_pcapng(const char *path, int dlt, const struct gen *g)
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
		put32(f, g->pkts[i].len);
		fwrite(g->pkts[i].data, 1, g->pkts[i].len, f);
		fwrite(zero, 1, padded - g->pkts[i].len, f);
		put32(f, total);
	}
	return fclose(f) == 0 ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lwgen -o FILE [--link ether|vlan1|vlan2|sll|sll2|raw|null|loop]\n"
		   "             [--seed N] [--oneway] [--pcapng]\n"
		   "             (--script FILE|- | --mixed N [--breach] | --flood N)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
						 {"link", required_argument, NULL, 'l'},
						 {"seed", required_argument, NULL, 's'},
						 {"oneway", no_argument, NULL, '1'},
						 {"script", required_argument, NULL, 'S'},
						 {"mixed", required_argument, NULL, 'm'},
						 {"breach", no_argument, NULL, 'b'},
						 {"flood", required_argument, NULL, 'f'},
						 {"pcapng", no_argument, NULL, 'n'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct gen g = {.rng = 0x9E3779B97F4A7C15ULL, .link = "ether"};
	const char *out = NULL, *script = NULL;
	unsigned mixed = 0, flood = 0;
	int breach = 0, pcapng = 0, c;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'l':
			g.link = optarg;
			break;
		case 's':
			g.rng ^= strtoull(optarg, NULL, 10) * 0x100000001B3ULL;
			break;
		case '1':
			g.oneway = 1;
			break;
		case 'S':
			script = optarg;
			break;
		case 'm':
			mixed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			breach = 1;
			break;
		case 'n':
			pcapng = 1;
			break;
		case 'f':
			flood = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	int dlt = link_dlt(g.link);
	if (!out || dlt < 0 || (!script && !mixed && !flood)) {
		usage(stderr);
		return 64;
	}
	int r = 0;
	if (script) {
		FILE *in = strcmp(script, "-") ? fopen(script, "r") : stdin;
		if (!in) {
			perror(script);
			return 66;
		}
		r = run_script(&g, in, script);
		if (in != stdin)
			fclose(in);
	}
	if (!r && mixed)
		r = run_mixed(&g, mixed, breach);
	if (!r && flood)
		r = run_flood(&g, flood);
	if (r < 0)
		return 65;

	qsort(g.pkts, g.n, sizeof(*g.pkts), cmp_pkt);
	int rc = 0;
	if (pcapng) {
		if (write_pcapng(out, dlt, &g) < 0) {
			perror(out);
			rc = 73;
		}
	} else {
		char errbuf[256];
		struct pcapw *w = pcapw_open(out, dlt, errbuf, sizeof(errbuf));
		if (!w) {
			fprintf(stderr, "lwgen: %s: %s\n", out, errbuf);
			rc = 73;
		} else {
			for (size_t i = 0; i < g.n; i++)
				pcapw_write(w, g.pkts[i].ts, g.pkts[i].data, g.pkts[i].len);
			pcapw_close(w);
		}
	}
	for (size_t i = 0; i < g.n; i++)
		free(g.pkts[i].data);
	free(g.pkts);
	return rc;
}
