/* lwgen's parts (lwgen.c: the script and simple modes and main;
 * lwgen_packet.c: the packets and the pcapng writer; lwgen_bench.c: the
 * benchmark modes and their truth file). */
#ifndef LW_LWGEN_H
#define LW_LWGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BASE_US 1793610000000000ULL /* 2026-11-02T09:00:00Z */

struct gpkt {
	uint64_t ts;
	uint32_t seqno; /* keeps the order of packets with the same time */
	uint16_t len;	/* bytes stored and written (captured) */
	uint16_t wirelen;
	uint8_t *data;
};

struct gen {
	struct gpkt *pkts;
	size_t n, cap;
	uint32_t seqno;
	uint64_t rng;
	const char *link;
	int oneway;
	unsigned tags;	  /* VLAN tags on "ether" frames; only the benchmark modes set it */
	uint16_t snaplen; /* 0: whole frames; else cut like tcpdump -s */
};

struct conv {
	uint64_t ts;
	const char *src, *dst;
	const char *outcome;
	const char *helo;
	unsigned retrans;
	uint16_t port, sport;
	uint64_t delay_us; /* server's first reply comes this late (0: half an RTT) */
};

#define TRUTH_TOP 20 /* top offenders written to the truth file */

struct truth_src {
	char addr[64];
	uint64_t attempts;
};

/* What a correct analysis of the file must report for outside sources. */
struct truth {
	uint64_t outside_attempts, outside_sources;
	struct truth_src top[TRUTH_TOP];
	unsigned n_top;
};

/* Gateway addresses from Mimecast's published ranges (lwgen.c). */
extern const char *const gen_gateways[5];

/* ---- lwgen_packet.c ---- */
uint64_t gen_rnd(struct gen *g);
/* The DLT of a --link name, -1 when unknown. */
int gen_link_dlt(const char *link);
void gen_add_ip(struct gen *g, uint64_t ts, const uint8_t *ip, size_t ip_len);
void gen_add_frame(struct gen *g, uint64_t ts, const uint8_t *frame, size_t len);
size_t gen_tcp(uint8_t *out, const char *src, const char *dst, uint16_t sport, uint16_t dport,
	       uint32_t seq, uint32_t ack, uint8_t flags, const char *payload);
/* One conversation, every packet of it, timed like a real exchange. */
int gen_add_conv(struct gen *g, const struct conv *c);
int gen_cmp_pkt(const void *a, const void *b);
int gen_write_pcapng(const char *path, int dlt, const struct gen *g);

/* ---- lwgen_bench.c ---- */
int gen_run_realistic(struct gen *g, unsigned n, int breach, struct truth *tr);
/* v6: sources, heavy hitters and gateways from 2001:db8::/32, to 2001:db8::25. */
int gen_run_flood_sources(struct gen *g, unsigned n, unsigned heavy, int v6, struct truth *tr);
int gen_write_truth(const char *path, const struct truth *tr, size_t packets);

#endif
