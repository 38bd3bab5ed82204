/* lwgen: writes capture files of inbound SMTP handshakes, for the shipped
 * sample, the tests and the benchmarks. Seeded: the same arguments always
 * give the same file.
 *
 * Script mode reads one conversation per line:
 *   TIME SRC DST OUTCOME [HELO] [retrans=N] [port=P] [sport=P] [delay=SECONDS]
 * TIME is seconds after the base time, OUTCOME one of unanswered, refused,
 * rejected, accepted, established, smtp. Mixed mode draws conversations
 * at random; flood mode writes SYNs from spoofed random sources.
 *
 * The benchmark modes (bench/run) are separate flags so that the files the
 * tests and samples/sample.pcap rely on stay byte-identical:
 *  --realistic N      N events of a mail host's day captured without a
 *                     filter at -s 512: gateway deliveries with whole SMTP
 *                     sessions, a backup MX, outside sources (a few
 *                     persistent ones, many occasional ones; IPv4 and IPv6)
 *                     dropped, refused or rejected, 802.1Q and Q-in-Q tagged
 *                     frames, and non-SMTP noise (HTTPS, IMAPS, SSH,
 *                     submission, DNS, NTP, ping, ARP).
 *  --flood-sources N  SYNs from N distinct spoofed IPv4 sources (one each),
 *                     --heavy K sources sending many, and a trickle of
 *                     gateway deliveries so the capture still shows replies.
 *  --ipv6             with --flood-sources: every address from 2001:db8::/32
 *                     (one /64 a spoofed source, the gateways too), so the
 *                     file can be replayed into a test network as it is.
 *  --truth FILE       what a correct analysis must find (outside attempts,
 *                     distinct outside sources, top offenders) for the two
 *                     modes above, judged with rules/sample.rules.
 *
 * Here: the script parser, the mixed and flood modes and main();
 * lwgen_packet.c builds the packets and writes the file, lwgen_bench.c
 * has the benchmark modes. */
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

/* Gateway addresses from Mimecast's published ranges, outside ones from the
 * documentation ranges: the sample reads like a real mail host's capture. */
const char *const gen_gateways[5] = {"195.130.217.41", "195.130.217.77", "205.139.110.61",
				     "205.139.110.120", "91.220.42.18"};

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
		int r = gen_add_conv(g, &c);
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

static int run_mixed(struct gen *g, unsigned n, int breach)
{
	char src[64];

	for (unsigned i = 0; i < n; i++) {
		struct conv c;
		uint64_t r = gen_rnd(g);
		memset(&c, 0, sizeof(c));
		c.ts = BASE_US + (uint64_t)i * 3000000ULL / 2 + r % 500000;
		c.dst = (r >> 8) % 5 == 0 ? "2001:db8::25" : "192.0.2.25";
		unsigned kind = (unsigned)((r >> 16) % 100);
		if (kind < 55) {
			/* Mimecast publishes no IPv6 delivery ranges */
			c.dst = "192.0.2.25";
			c.src = gen_gateways[(r >> 24) % 5];
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
		if (gen_add_conv(g, &c) < 0)
			return -1;
	}
	if (breach) {
		struct conv c = {.ts = BASE_US + (uint64_t)n * 1000000ULL,
				 .src = "203.0.113.66",
				 .dst = "192.0.2.25",
				 .outcome = "smtp",
				 .helo = "bulk-mailer.example"};
		if (gen_add_conv(g, &c) < 0)
			return -1;
	}
	return 0;
}

static int run_flood(struct gen *g, unsigned n)
{
	uint8_t ip[FRAME_MAX];
	char src[64];

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = gen_rnd(g);
		uint32_t a = (uint32_t)(r >> 32);
		/* random public-looking sources; pcap files may hold any address */
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + (a >> 24) % 223, (a >> 16) & 255,
			 (a >> 8) & 255, a & 255);
		size_t len = gen_tcp(ip, src, "192.0.2.25", (uint16_t)(1024 + r % 60000), 25,
				     (uint32_t)r, 0, TCPF_SYN, NULL);
		gen_add_ip(g, BASE_US + (uint64_t)i * 10, ip, len);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: lwgen -o FILE [--link ether|vlan1|vlan2|sll|sll2|raw|null|loop]\n"
	    "             [--seed N] [--oneway] [--pcapng]\n"
	    "             (--script FILE|- | --mixed N [--breach] | --flood N)\n"
	    "       lwgen -o FILE [--link L] [--seed N] [--pcapng] [--truth FILE]\n"
	    "             (--realistic N [--breach] | --flood-sources N [--heavy K] [--ipv6])\n");
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
						 {"realistic", required_argument, NULL, 'R'},
						 {"flood-sources", required_argument, NULL, 'F'},
						 {"heavy", required_argument, NULL, 'K'},
						 {"truth", required_argument, NULL, 'T'},
						 {"ipv6", no_argument, NULL, '6'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct gen g = {.rng = 0x9E3779B97F4A7C15ULL, .link = "ether"};
	const char *out = NULL, *script = NULL, *truth_path = NULL;
	unsigned mixed = 0, flood = 0, realistic = 0, flood_sources = 0, heavy = 20;
	struct truth tr;
	int breach = 0, pcapng = 0, ipv6 = 0, c;

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
		case 'R':
			realistic = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'F':
			flood_sources = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'K':
			heavy = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			truth_path = optarg;
			break;
		case '6':
			ipv6 = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	int dlt = gen_link_dlt(g.link);
	if (!out || dlt < 0 || (!script && !mixed && !flood && !realistic && !flood_sources) ||
	    (truth_path && !realistic && !flood_sources) || (ipv6 && !flood_sources)) {
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
	memset(&tr, 0, sizeof(tr));
	if (!r && realistic)
		r = gen_run_realistic(&g, realistic, breach, &tr);
	if (!r && flood_sources)
		r = gen_run_flood_sources(&g, flood_sources, heavy, ipv6, &tr);
	if (r < 0)
		return 65;
	if (truth_path && gen_write_truth(truth_path, &tr, g.n) < 0) {
		perror(truth_path);
		return 73;
	}

	qsort(g.pkts, g.n, sizeof(*g.pkts), gen_cmp_pkt);
	int rc = 0;
	if (pcapng) {
		if (gen_write_pcapng(out, dlt, &g) < 0) {
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
				pcapw_write_cut(w, g.pkts[i].ts, g.pkts[i].data, g.pkts[i].len,
						g.pkts[i].wirelen);
			pcapw_close(w);
		}
	}
	for (size_t i = 0; i < g.n; i++)
		free(g.pkts[i].data);
	free(g.pkts);
	return rc;
}
