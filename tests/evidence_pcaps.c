/* Writes the captures of tests/replay_evidence.sh (issue 12): SYNs with
 * options cut at the snap lengths tcpdump users meet, a capture starting
 * mid-session, a lost SYN, a flood of forged SYN-ACKs, and stamps that jump
 * both ways. Frames come from tests/frame.c, files from tests/pcapw.c.
 *
 *   evidence_pcaps DIR     writes DIR/<scenario>.pcap for every scenario
 *
 * Addresses: the watched server 192.0.2.25 / 2001:db8::25, gateways in
 * 198.51.100.0/24, outside clients in 203.0.113.0/24 and 2001:db8:bad::/48
 * (the rules of the test script). */
#include "config.h"

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/decode.h"
#include "tests/frame.h"

#define BASE_US	 1793610000000000ULL /* 2026-11-02T09:00:00Z */
#define SEC	 1000000ULL
#define RTT	 20000ULL /* 20 ms */
#define SYN_OPTS 20	  /* MSS, SACK-permitted, timestamps, window scale */
#define FLOOD_N	 70000	  /* forged SYN-ACKs: more than the reply set holds */
#define YEARS_48 (48ULL * 365 * 86400 * SEC)
#define SERVER4	 "192.0.2.25"
#define SERVER6	 "2001:db8::25"
#define GATEWAY4 "198.51.100.10"
#define OUTSIDE4 "203.0.113.66"
#define OUTSIDE6 "2001:db8:bad::66"
#define REFUSED4 "203.0.113.7"

struct out {
	struct pcapw *w;
	unsigned tags; /* 802.1Q tags on each frame */
	size_t snap;   /* 0: whole frames */
};

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "evidence_pcaps: %s\n", what);
	exit(1);
}

static void open_out(struct out *o, const char *name, unsigned tags, size_t snap)
{
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	o->w = pcapw_open_snaplen(path, DLT_EN10MB, snap ? (int)snap : 65535, err, sizeof(err));
	if (!o->w)
		die(err);
	o->tags = tags;
	o->snap = snap;
}

/* One TCP segment, framed and cut at the snap length. */
static void seg(struct out *o, uint64_t ts, const char *src, const char *dst, uint16_t sport,
		uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const char *payload,
		uint8_t opts)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = {.src = src,
			     .dst = dst,
			     .sport = sport,
			     .dport = dport,
			     .seq = seq,
			     .ack = ack,
			     .flags = flags,
			     .payload = payload,
			     .payload_len = payload ? strlen(payload) : 0,
			     .tcp_options_len = opts};
	size_t n = frame_ip_tcp(ip, sizeof(ip), &s), len;

	if (!n)
		die("bad segment");
	len = frame_ethernet(f, sizeof(f), ip, n, o->tags);
	if (!len)
		die("frame does not fit");
	pcapw_write_cut(o->w, ts, f, o->snap && len > o->snap ? o->snap : len, len);
}

/* What of a session to write: a bit per part. */
#define S_SYN	 0x01
#define S_SYNACK 0x02
#define S_ACK	 0x04
#define S_DATA	 0x08 /* banner, EHLO, FIN */

/* A client's SMTP session with the server on port 25, the parts chosen;
 * the SYN-ACK stamped synack_ts when that is not 0. */
static void session(struct out *o, uint64_t t, const char *cli, const char *srv, uint16_t cport,
		    unsigned parts, uint64_t synack_ts, const char *helo)
{
	static const char banner[] = "220 mx.example.net ESMTP\r\n";
	char ehlo[300];
	uint32_t isn = 1000u + cport, sisn = 7000000u + cport;

	snprintf(ehlo, sizeof(ehlo), "EHLO %s\r\n", helo);
	if (parts & S_SYN)
		seg(o, t, cli, srv, cport, 25, isn, 0, TCPF_SYN, NULL, SYN_OPTS);
	t += RTT / 2;
	if (parts & S_SYNACK)
		seg(o, synack_ts ? synack_ts : t, srv, cli, 25, cport, sisn, isn + 1,
		    TCPF_SYN | TCPF_ACK, NULL, SYN_OPTS);
	t += RTT / 2;
	if (parts & S_ACK)
		seg(o, t, cli, srv, cport, 25, isn + 1, sisn + 1, TCPF_ACK, NULL, 0);
	if (!(parts & S_DATA))
		return;
	t += 1000;
	seg(o, t, srv, cli, 25, cport, sisn + 1, isn + 1, TCPF_ACK | TCPF_PSH, banner, 0);
	t += RTT;
	seg(o, t, cli, srv, cport, 25, isn + 1, sisn + 1 + sizeof(banner) - 1, TCPF_ACK | TCPF_PSH,
	    ehlo, 0);
	t += RTT;
	seg(o, t, srv, cli, 25, cport, sisn + 1 + sizeof(banner) - 1,
	    isn + 1 + (uint32_t)strlen(ehlo), TCPF_ACK | TCPF_FIN, NULL, 0);
}

#define FULL (S_SYN | S_SYNACK | S_ACK | S_DATA)

/* A refused attempt: SYN, RST. */
static void refused(struct out *o, uint64_t t, const char *cli, uint16_t cport)
{
	uint32_t isn = 1000u + cport;

	seg(o, t, cli, SERVER4, cport, 25, isn, 0, TCPF_SYN, NULL, SYN_OPTS);
	seg(o, t + RTT / 2, SERVER4, cli, 25, cport, 0, isn + 1, TCPF_RST | TCPF_ACK, NULL, 0);
}

/* SYN, SYN-ACK (both with options) and the client's ACK from an outside
 * client, at one snap length, on one link: what survives the cut. */
static void snap_case(const char *fam, unsigned tags, size_t snap)
{
	struct out o;
	char name[64];
	bool v6 = !strcmp(fam, "ip6");

	snprintf(name, sizeof(name), "snap-%s-%s-%zu", tags ? "vlan" : "ether", fam, snap);
	open_out(&o, name, tags, snap);
	session(&o, BASE_US, v6 ? OUTSIDE6 : OUTSIDE4, v6 ? SERVER6 : SERVER4, 40000,
		S_SYN | S_SYNACK | S_ACK, 0, "");
	pcapw_close(o.w);
}

/* A flood of n forged SYN-ACKs (and ACKs) from the server port to
 * addresses that sent no SYN, between real attempts: a refused one, an
 * unanswered one, and two gateway sessions. */
static void forged_flood(const char *name, uint32_t n)
{
	struct out o;
	char addr[64];

	open_out(&o, name, 0, 0);
	session(&o, BASE_US, GATEWAY4, SERVER4, 30000, FULL, 0, "gw1.example");
	refused(&o, BASE_US + 1000, REFUSED4, 30001);
	seg(&o, BASE_US + 2000, "203.0.113.9", SERVER4, 30002, 25, 1, 0, TCPF_SYN, NULL, SYN_OPTS);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:f:%x:%x::1", i >> 16, i & 0xffff);
		seg(&o, BASE_US + 3000 + i, SERVER6, addr, 25, 1024, 77, 1,
		    i & 1 ? TCPF_ACK : TCPF_SYN | TCPF_ACK, NULL, 0);
	}
	session(&o, BASE_US + 3000 + n + SEC, GATEWAY4, SERVER4, 30003, FULL, 0, "gw2.example");
	pcapw_close(o.w);
}

int main(int argc, char **argv)
{
	static const size_t snaps[] = {54, 62, 68, 74, 78, 96};
	struct out o;

	if (argc != 2) {
		fprintf(stderr, "usage: evidence_pcaps DIR\n");
		return 2;
	}
	dir = argv[1];

	for (size_t i = 0; i < sizeof(snaps) / sizeof(snaps[0]); i++)
		for (unsigned tags = 0; tags <= 1; tags++) {
			snap_case("ip4", tags, snaps[i]);
			snap_case("ip6", tags, snaps[i]);
		}

	/* the old tcpdump default of 68 bytes: a whole outside session after
	 * refused attempts from another source */
	open_out(&o, "snap68-session", 0, 68);
	session(&o, BASE_US, GATEWAY4, SERVER4, 30000, FULL, 0, "gw1.example");
	refused(&o, BASE_US + SEC, REFUSED4, 30001);
	refused(&o, BASE_US + 2 * SEC, REFUSED4, 30002);
	session(&o, BASE_US + 3 * SEC, OUTSIDE4, SERVER4, 40000, FULL, 0, "spammer.example");
	pcapw_close(o.w);

	/* the capture starts while the server sends data to an outside client */
	open_out(&o, "midsession", 0, 0);
	session(&o, BASE_US, GATEWAY4, SERVER4, 30000, FULL, 0, "gw1.example");
	seg(&o, BASE_US + SEC, SERVER4, OUTSIDE4, 25, 40000, 5000, 6000, TCPF_ACK | TCPF_PSH,
	    "250 OK\r\n", 0);
	seg(&o, BASE_US + SEC + RTT, OUTSIDE4, SERVER4, 40000, 25, 6000, 5008, TCPF_ACK, NULL, 0);
	seg(&o, BASE_US + 2 * SEC, SERVER4, OUTSIDE4, 25, 40000, 5008, 6000, TCPF_ACK | TCPF_FIN,
	    NULL, 0);
	refused(&o, BASE_US + 3 * SEC, REFUSED4, 30001);
	pcapw_close(o.w);

	/* the outside client's SYN was lost; the rest of its session is there */
	open_out(&o, "syn-lost", 0, 0);
	session(&o, BASE_US, GATEWAY4, SERVER4, 30000, FULL, 0, "gw1.example");
	session(&o, BASE_US + SEC, OUTSIDE6, SERVER6, 40000, S_SYNACK | S_ACK | S_DATA, 0,
		"spammer.example");
	pcapw_close(o.w);

	forged_flood("forged-flood", FLOOD_N);
	forged_flood("forged-flood-5x", 5 * FLOOD_N);

	/* the gateway's SYN-ACK stamped 48 years ahead, then a day behind:
	 * the handshake stays answered */
	open_out(&o, "jump-ahead", 0, 0);
	session(&o, BASE_US, GATEWAY4, SERVER4, 30000, FULL, BASE_US + YEARS_48, "gw1.example");
	refused(&o, BASE_US + SEC, REFUSED4, 30001);
	pcapw_close(o.w);
	open_out(&o, "jump-back", 0, 0);
	session(&o, BASE_US, GATEWAY4, SERVER4, 30000, FULL, BASE_US - 86400 * SEC, "gw1.example");
	refused(&o, BASE_US + SEC, REFUSED4, 30001);
	pcapw_close(o.w);

	/* an EFFECTIVE capture with two packets cut before their ports */
	open_out(&o, "effective-undecodable", 0, 0);
	session(&o, BASE_US, GATEWAY4, SERVER4, 30000, FULL, 0, "gw1.example");
	refused(&o, BASE_US + SEC, REFUSED4, 30001);
	o.snap = 62;
	session(&o, BASE_US + 2 * SEC, OUTSIDE6, SERVER6, 40000, S_SYN | S_SYNACK, 0, "");
	pcapw_close(o.w);
	return 0;
}
