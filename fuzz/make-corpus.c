/* make-corpus: writes the seed corpora of the fuzz targets from code (the
 * frame builders the tests use), so no binary blobs live in the repository
 * and the seeds follow the formats as they change.
 *   make-corpus DIR   creates DIR/decode, DIR/tracker, DIR/rules,
 *                     DIR/redis_url, DIR/spf, DIR/conf and DIR/redis_reply */
#include "config.h"

#include <errno.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sensor/decode.h"
#include "tests/frame.h"

/* The selector values of fuzz_decode.c's linktypes[] */
enum {
	SEL_EN10MB,
	SEL_SLL,
	SEL_SLL2,
	SEL_RAW,
	SEL_LINKTYPE_RAW,
	SEL_IPV4,
	SEL_IPV6,
	SEL_NULL,
	SEL_LOOP,
	SEL_80211,
	SEL_COUNT
};
#define SEL_MULTI 0x80

static const char *outdir;
static unsigned n_written;

static void put(const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "make-corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	n_written++;
}

static void mkdirs(void)
{
	static const char *const sub[] = {"",		"/decode", "/tracker", "/rules",
					  "/redis_url", "/spf",	   "/conf",    "/redis_reply"};
	char path[4096];

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", outdir, sub[i]);
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "make-corpus: %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
}

/* ---- decode ---- */

static size_t wrap(unsigned sel, const uint8_t *ip, size_t ip_len, uint8_t *out, size_t cap)
{
	switch (sel) {
	case SEL_EN10MB:
		return frame_ethernet(out, cap, ip, ip_len, 0);
	case SEL_SLL:
		return frame_linux_sll(out, cap, ip, ip_len);
	case SEL_SLL2:
		return frame_linux_sll2(out, cap, ip, ip_len);
	case SEL_NULL:
		return frame_null(out, cap, ip, ip_len, 0);
	case SEL_LOOP:
		return frame_loop(out, cap, ip, ip_len);
	default: /* raw IP, DLT_IPV4/6, and the unsupported one */
		if (ip_len > cap)
			return 0;
		memcpy(out, ip, ip_len);
		return ip_len;
	}
}

static struct tcp_spec seg(const char *src, const char *dst, uint16_t sport, uint16_t dport,
			   uint32_t seq, uint32_t ack, uint8_t flags)
{
	return (struct tcp_spec){.src = src,
				 .dst = dst,
				 .sport = sport,
				 .dport = dport,
				 .seq = seq,
				 .ack = ack,
				 .flags = flags};
}

/* One IP packet, in every link type, as a single-frame seed. */
static void decode_seed(const char *name, const uint8_t *ip, size_t ip_len)
{
	uint8_t buf[1 + FRAME_MAX * 2];
	char fname[256];

	for (unsigned sel = 0; sel < SEL_COUNT; sel++) {
		size_t n = wrap(sel, ip, ip_len, buf + 1, sizeof(buf) - 1);
		if (!n)
			continue;
		buf[0] = (uint8_t)sel;
		snprintf(fname, sizeof(fname), "%s-%u", name, sel);
		put("decode", fname, buf, n + 1);
	}
}

struct multi {
	uint8_t buf[16384];
	size_t len;
};

static void multi_add(struct multi *m, unsigned sel, uint8_t dt, const uint8_t *ip, size_t ip_len)
{
	uint8_t frame[FRAME_MAX * 2];
	size_t n = wrap(sel, ip, ip_len, frame, sizeof(frame));

	if (!n || m->len + 3 + n > sizeof(m->buf))
		return;
	m->buf[m->len++] = dt;
	m->buf[m->len++] = (uint8_t)(n >> 8);
	m->buf[m->len++] = (uint8_t)n;
	memcpy(m->buf + m->len, frame, n);
	m->len += n;
}

/* A record that only moves packet time on (an empty frame). */
static void multi_time(struct multi *m, uint8_t dt)
{
	if (m->len + 3 > sizeof(m->buf))
		return;
	m->buf[m->len++] = dt;
	m->buf[m->len++] = 0;
	m->buf[m->len++] = 0;
}

/* A whole conversation (client, server) ending in `outcome`. */
static void decode_conversation(unsigned sel, const char *c, const char *s, const char *outcome)
{
	struct multi m = {.len = 1};
	uint8_t ip[FRAME_MAX], syn[FRAME_MAX];
	size_t syn_len, n;
	struct tcp_spec t;
	static const char ehlo[] = "EHLO mail.example.org\r\n";
	char fname[256];

	m.buf[0] = (uint8_t)(SEL_MULTI | sel);
	t = seg(c, s, 40000, 25, 1000, 0, TCPF_SYN);
	syn_len = frame_ip_tcp(syn, sizeof(syn), &t);
	multi_add(&m, sel, 0, syn, syn_len);
	multi_add(&m, sel, 10, syn, syn_len); /* a retransmit 1 s later */
	if (!strcmp(outcome, "refused")) {
		t = seg(s, c, 25, 40000, 0, 1001, TCPF_RST | TCPF_ACK);
		n = frame_ip_tcp(ip, sizeof(ip), &t);
		multi_add(&m, sel, 0, ip, n);
	} else if (!strcmp(outcome, "rejected")) {
		n = frame_ip_icmp_unreach(ip, sizeof(ip),
					  strchr(c, ':') ? "2001:db8:ffff::1" : "203.0.113.1",
					  strchr(c, ':') ? 1 : 13, syn, syn_len, 0);
		multi_add(&m, sel, 0, ip, n);
	} else if (!strcmp(outcome, "smtp")) {
		t = seg(s, c, 25, 40000, 5000, 1001, TCPF_SYN | TCPF_ACK);
		n = frame_ip_tcp(ip, sizeof(ip), &t);
		multi_add(&m, sel, 0, ip, n);
		t = seg(c, s, 40000, 25, 1001, 5001, TCPF_ACK);
		n = frame_ip_tcp(ip, sizeof(ip), &t);
		multi_add(&m, sel, 0, ip, n);
		t = seg(c, s, 40000, 25, 1001, 5001, TCPF_ACK | TCPF_PSH);
		t.payload = ehlo;
		t.payload_len = sizeof(ehlo) - 1;
		n = frame_ip_tcp(ip, sizeof(ip), &t);
		multi_add(&m, sel, 0, ip, n);
	}
	/* unanswered: let the timeout pass */
	multi_time(&m, 30);
	snprintf(fname, sizeof(fname), "conv-%s-%s-%u", outcome, strchr(c, ':') ? "6" : "4", sel);
	put("decode", fname, m.buf, m.len);
}

static void decode_corpus(void)
{
	static const char ehlo[] = "EHLO mail.example.org\r\n";
	uint8_t ip[FRAME_MAX], syn[FRAME_MAX], icmp[FRAME_MAX];
	struct tcp_spec t;
	size_t n, syn_len;
	static const char *const outcomes[] = {"unanswered", "refused", "rejected", "smtp"};

	t = seg("198.51.100.7", "192.0.2.25", 40000, 25, 1000, 0, TCPF_SYN);
	syn_len = frame_ip_tcp(syn, sizeof(syn), &t);
	decode_seed("syn4", syn, syn_len);
	t.ip4_options_len = 12;
	t.tcp_options_len = 20;
	n = frame_ip_tcp(ip, sizeof(ip), &t);
	decode_seed("syn4-options", ip, n);

	t = seg("2001:db8::7", "2001:db8:25::25", 40000, 25, 1000, 0, TCPF_SYN);
	n = frame_ip_tcp(ip, sizeof(ip), &t);
	decode_seed("syn6", ip, n);
	t.ip6_ext_headers = 3;
	n = frame_ip_tcp(ip, sizeof(ip), &t);
	decode_seed("syn6-ext", ip, n);
	n = frame_ip_icmp_unreach(icmp, sizeof(icmp), "2001:db8:ffff::1", 1, ip, n, 0);
	decode_seed("unreach6", icmp, n);

	t = seg("192.0.2.25", "198.51.100.7", 25, 40000, 5000, 1001, TCPF_SYN | TCPF_ACK);
	n = frame_ip_tcp(ip, sizeof(ip), &t);
	decode_seed("synack4", ip, n);
	t = seg("198.51.100.7", "192.0.2.25", 40000, 25, 1001, 5001, TCPF_ACK | TCPF_PSH);
	t.payload = ehlo;
	t.payload_len = sizeof(ehlo) - 1;
	n = frame_ip_tcp(ip, sizeof(ip), &t);
	decode_seed("ehlo4", ip, n);

	n = frame_ip_icmp_unreach(icmp, sizeof(icmp), "203.0.113.1", 13, syn, syn_len, 0);
	decode_seed("unreach4", icmp, n);
	n = frame_ip_icmp_unreach(icmp, sizeof(icmp), "203.0.113.1", 13, syn, syn_len, 28);
	decode_seed("unreach4-short", icmp, n);

	/* a non-first fragment and an IPv6 fragment header */
	memcpy(ip, syn, syn_len);
	ip[6] = 0x00;
	ip[7] = 0x10;
	decode_seed("frag4", ip, syn_len);

	/* VLAN-tagged Ethernet: one and the maximum of stacked tags */
	uint8_t frame[FRAME_MAX + 1];
	for (unsigned tags = 1; tags <= 5; tags += 2) {
		char name[32];
		n = frame_ethernet(frame + 1, sizeof(frame) - 1, syn, syn_len, tags);
		frame[0] = SEL_EN10MB;
		snprintf(name, sizeof(name), "vlan%u", tags);
		put("decode", name, frame, n + 1);
	}

	for (size_t o = 0; o < sizeof(outcomes) / sizeof(outcomes[0]); o++) {
		decode_conversation(SEL_EN10MB, "198.51.100.7", "192.0.2.25", outcomes[o]);
		decode_conversation(SEL_RAW, "2001:db8::7", "2001:db8:25::25", outcomes[o]);
	}
}

/* ---- tracker: fuzz_tracker.c records ---- */

struct rec {
	uint8_t b[6];
};

#define T_C2S	    0
#define T_S2C	    1
#define T_ICMP	    2
#define T_TIME	    3
#define F(flags)    ((uint8_t)((flags) << 2))
#define SEQ_ISN(k)  ((uint8_t)(k))
#define SEQ_ISN1(k) ((uint8_t)((k) | 4))

static void tracker_corpus(void)
{
	const struct rec syn = {{T_C2S | F(TCPF_SYN), 0, SEQ_ISN(0), 0, 1, 0}};
	const struct rec synack = {
	    {T_S2C | F(TCPF_SYN | TCPF_ACK), 0, SEQ_ISN(1), SEQ_ISN1(0), 1, 0}};
	const struct rec ack = {{T_C2S | F(TCPF_ACK), 0, SEQ_ISN1(0), SEQ_ISN1(1), 1, 0}};
	const struct rec data = {
	    {T_C2S | F(TCPF_ACK | TCPF_PSH), 0, SEQ_ISN1(0), SEQ_ISN1(1), 1, 23}};
	const struct rec rst = {{T_S2C | F(TCPF_RST | TCPF_ACK), 0, 0, SEQ_ISN1(0), 1, 0}};
	const struct rec icmp = {{T_ICMP, 0, SEQ_ISN(0), 0, 1, 0}};
	const struct rec forged = {{T_ICMP, 0, SEQ_ISN(1), 0, 1, 0}};
	const struct rec wait = {{T_TIME, 0, 0, 0, 100, 0}};
	struct rec seq[64];
	size_t n;

	n = 0;
	seq[n++] = syn;
	seq[n++] = synack;
	seq[n++] = ack;
	seq[n++] = data;
	put("tracker", "smtp", seq, n * sizeof(seq[0]));
	n = 0;
	seq[n++] = syn;
	seq[n++] = rst;
	seq[n++] = syn; /* a retransmit after the refusal */
	put("tracker", "refused", seq, n * sizeof(seq[0]));
	n = 0;
	seq[n++] = syn;
	seq[n++] = forged;
	seq[n++] = icmp;
	seq[n++] = wait;
	put("tracker", "rejected", seq, n * sizeof(seq[0]));
	n = 0;
	seq[n++] = syn;
	seq[n++] = wait;
	seq[n++] = synack; /* too late */
	put("tracker", "unanswered", seq, n * sizeof(seq[0]));
	/* more clients than the table holds: evictions */
	n = 0;
	for (uint8_t c = 0; c < 8; c++) {
		seq[n] = syn;
		seq[n].b[1] = c;
		n++;
	}
	seq[n++] = synack;
	put("tracker", "flood", seq, n * sizeof(seq[0]));
	/* a new ISN on the same 4-tuple, then out-of-order time */
	n = 0;
	seq[n++] = syn;
	seq[n] = syn;
	seq[n++].b[2] = SEQ_ISN(2);
	seq[n] = synack;
	seq[n++].b[4] = 0xf0;
	put("tracker", "new-isn", seq, n * sizeof(seq[0]));
}

/* ---- rules ---- */

static void rules_corpus(void)
{
	static const struct {
		const char *name, *text;
	} seeds[] = {
	    {"minimal", "allow test-gw 198.51.100.0/24\n"},
	    {"full", "# site\nport 25 587\nserver 192.0.2.25 2001:db8:25::25\n"
		     "set gw-eu {\n\t195.130.217.0/24\n\t2a00:1450::/32 # v6\n}\nuse gw-eu\n"
		     "exception 192.0.2.50/32 backup-mx \"secondary \\\"MX\\\"\"\n"
		     "exception ::ffff:203.0.113.0/120 probe\n"},
	    {"include", "include sets/eu.rules\nuse eu\n%%% sets/eu.rules\n"
			"set eu { 195.130.217.0/24 }\ninclude us.rules\n"
			"%%% sets/us.rules\nset us {\n 2001:db8::/32\n}\n"},
	    {"include-cycle", "include a.rules\n%%% a.rules\ninclude b.rules\n"
			      "%%% b.rules\ninclude a.rules\nallow x 10.0.0.0/8\n"},
	    {"include-missing", "include nowhere.rules\nallow x 10.0.0.0/8\n"},
	    {"overlaps", "allow a 10.0.0.0/8 10.1.0.0/16 10.1.0.0/16\nexception 10.1.2.3 lbl\n"
			 "set b { 10.0.0.0/8 }\nuse b\nset c { 0.0.0.0/0 ::/0 }\n"},
	    {"errors", "allow\nallow x\nallow x 1.2.3.4/33\nallow x 300.1.1.1\n"
		       "exception 1.2.3.4 bad!label\nexception 1.2.3.4 l unquoted\n"
		       "port 0 65536 x\nserver nope\nset s\nset s x\nset s {\n"
		       "use nothing\n}\n}\n\"quoted\" kw\nbogus\ninclude\n"
		       "exception 1.2.3.4 l \"unterminated\n"
		       "set t { 1.2.3.4 } set u { { }\n"},
	    {"hostbits", "allow x 10.1.2.3/8 2001:db8::1/32 ::ffff:1.2.3.4/100\n"},
	    {"many-sets", "set a1 { 10.0.0.0/24 }\nset a2 { 10.0.1.0/24 }\n"
			  "set a3 { 10.0.2.0/24 }\nuse a1 a2 a3\nserver 192.0.2.1 192.0.2.2\n"},
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		put("rules", seeds[i].name, seeds[i].text, strlen(seeds[i].text));
}

/* ---- redis URLs ---- */

static void redis_url_corpus(void)
{
	static const char *const seeds[] = {
	    "redis://127.0.0.1",
	    "redis://lockwatch@redis.example.org:6380/2",
	    "redis://[::1]:6379/0",
	    "redis://[2001:db8::1]",
	    "unix:/run/redis/redis.sock",
	    "unix:/run/redis.sock?db=3&user=lw",
	    "redis://host:0",
	    "redis://host:65536/65536",
	    "rediss://host",
	    "unix:relative.sock",
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "url%zu", i);
		put("redis_url", name, seeds[i], strlen(seeds[i]));
	}
}

/* ---- SPF: fuzz_spf.c's modes (0 wire, 1 record, 2 zone) ---- */

/* A DNS response to "TXT name" holding each of txts as one TXT record,
 * split into 255-byte character-strings. Returns the length. */
static size_t dns_answer(uint8_t *out, size_t cap, const char *name, unsigned rcode,
			 const char *const *txts, size_t n)
{
	size_t o = 0;

	if (cap < 512)
		return 0;
	const uint8_t hdr[12] = {0x12, 0x34, 0x81, (uint8_t)(0x80 | rcode), 0, 1, 0, (uint8_t)n, 0,
				 0,    0,    0};
	memcpy(out, hdr, sizeof(hdr));
	o = sizeof(hdr);
	for (const char *p = name; *p;) { /* the question */
		size_t l = strcspn(p, ".");
		out[o++] = (uint8_t)l;
		memcpy(out + o, p, l);
		o += l;
		p += l + (p[l] == '.');
	}
	out[o++] = 0;
	const uint8_t q[4] = {0, 16, 0, 1};
	memcpy(out + o, q, 4);
	o += 4;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(txts[i]), rd = len + (len + 254) / 255 + (len == 0);
		if (o + 12 + rd > cap)
			return 0;
		/* the name as a pointer to the question, TXT IN, TTL 300 */
		const uint8_t rr[10] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 44};
		memcpy(out + o, rr, 10);
		o += 10;
		out[o++] = (uint8_t)(rd >> 8);
		out[o++] = (uint8_t)rd;
		size_t k = 0;
		do {
			size_t chunk = len - k > 255 ? 255 : len - k;
			out[o++] = (uint8_t)chunk;
			memcpy(out + o, txts[i] + k, chunk);
			o += chunk;
			k += chunk;
		} while (k < len);
	}
	return o;
}

static void spf_corpus(void)
{
	static const char *const records[] = {
	    "v=spf1 ip4:195.130.217.0/24 ip6:2a00:1450::/32 include:_spf.example.org -all",
	    "v=spf1 redirect=_spf.example.com",
	    "v=spf1 a mx/24 a:mail.example.org/28//64 ptr exists:%{i}.x.example ~all",
	    "v=spf1 ip4:10.1.2.3/8 ip6:::ffff:1.2.3.0/120 -ip4:192.0.2.0/24 ?all",
	    "v=spf1 include:%{d}.example exp=explain.example redirect=a.example all",
	    "v=spf1 ip4:1.2.3.4/33 ip6:2001:db8::/129 ip4:/24 include: bogus:x +-all",
	    "V=SPF1 IP4:192.0.2.1 INCLUDE:Example.ORG. unknown-mod=1",
	};
	static const struct {
		const char *name, *zone;
	} zones[] = {
	    {"tree", "example.com v=spf1 include:_spf.example.com ip4:192.0.2.0/24 -all\n"
		     "_spf.example.com v=spf1 include:eu._netblocks.example.com "
		     "include:us._netblocks.example.com ~all\n"
		     "eu._netblocks.example.com v=spf1 ip4:195.130.217.0/24 ip6:2a00:1450::/32\n"
		     "us._netblocks.example.com v=spf1 ip4:198.51.100.0/24 -all\n"
		     "us._netblocks.example.com google-site-verification=abc\n"},
	    {"loop", "a.example v=spf1 include:b.example\nb.example v=spf1 redirect=a.example\n"},
	    {"diamond", "r.example v=spf1 include:x.example include:y.example\n"
			"x.example v=spf1 include:z.example\ny.example v=spf1 include:z.example\n"
			"z.example v=spf1 ip4:203.0.113.0/24\n"},
	    {"limit", "l.example v=spf1 include:l1.example include:l2.example include:l3.example "
		      "include:l4.example include:l5.example include:l6.example a mx ptr "
		      "exists:x.example include:l7.example\n"},
	    {"failures", "f.example v=spf1 include:nx.example include:sf.example\n"
			 "nx.example !nx\nsf.example !fail\n"},
	    {"two-records", "t.example v=spf1 -all\nt.example v=spf1 +all\n"},
	    {"names", "_netblocks.mimecast.com v=spf1 include:eu._netblocks.a.example "
		      "include:eu._netblocks.a.other\n"
		      "eu._netblocks.a.example v=spf1 ip4:10.0.0.0/8\n"
		      "eu._netblocks.a.other v=spf1 ip4:10.0.0.0/8 ip4:10.0.0.0/8\n"},
	};
	uint8_t buf[4096];
	char name[64];

	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		size_t n = strlen(records[i]);
		buf[0] = 1;
		memcpy(buf + 1, records[i], n);
		snprintf(name, sizeof(name), "record%zu", i);
		put("spf", name, buf, n + 1);
		buf[0] = 0;
		n = dns_answer(buf + 1, sizeof(buf) - 1, "example.com", 0, &records[i], 1);
		snprintf(name, sizeof(name), "wire%zu", i);
		put("spf", name, buf, n + 1);
	}
	/* several TXT records, one split into character-strings, and NXDOMAIN */
	static const char *const mixed[] = {
	    "google-site-verification=abc",
	    "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ip4:203.0.113.0/24 ip6:2001:db8:1::/48 "
	    "ip6:2001:db8:2::/48 ip6:2001:db8:3::/48 ip6:2001:db8:4::/48 ip6:2001:db8:5::/48 "
	    "ip6:2001:db8:6::/48 ip6:2001:db8:7::/48 ip6:2001:db8:8::/48 -all",
	    ""};
	buf[0] = 0;
	put("spf", "wire-mixed", buf,
	    1 + dns_answer(buf + 1, sizeof(buf) - 1, "_spf.example.org", 0, mixed, 3));
	put("spf", "wire-nxdomain", buf,
	    1 + dns_answer(buf + 1, sizeof(buf) - 1, "nx.example.org", 3, NULL, 0));
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		size_t n = strlen(zones[i].zone);
		buf[0] = 2;
		memcpy(buf + 1, zones[i].zone, n);
		snprintf(name, sizeof(name), "zone-%s", zones[i].name);
		put("spf", name, buf, n + 1);
	}
}

/* ---- lockwatchd settings files ---- */

static void conf_corpus(void)
{
	static const struct {
		const char *name, *text;
	} seeds[] = {
	    {"default", "# lockwatchd settings\ninterface = eth0\nrules = "
			"/etc/lockwatch/lockwatch.rules\nsensor-name = mx1.example\nuser = "
			"lockwatch\nredis = redis://127.0.0.1:6379/0\nredis-password-file = "
			"/etc/lockwatch/redis.pass\nredis-prefix = lockwatch:\n"
			"redis-retention = 30\nredis-max-pending = 1048576\n"},
	    {"numbers", "flush-interval = 1\nsummary-interval = 0\ndedup-window = 604800\n"
			"flood-rate = 1000000\nflood-burst = 0\ntimeout = 3600\nmax-attempts = 16\n"
			"max-sources = 268435456\nbuffer-size = 4096\ndelivery-ms = 0\n"},
	    {"quoting", "sensor-name = \"mx-1\"  # quoted\nforeground = yes\n"
			"linger-after-replay = off\nrules = /a#b/c.rules # a '#' inside\n"
			"\t redis-prefix\t=\t\"lw:\"\r\n"},
	    {"errors", "interface\n= value\nbogus = 1\ntimeout = 0\ntimeout = 3601\n"
		       "timeout = ten\nmax-sources = -5\nforeground = maybe\nsensor-name = a b\n"
		       "rules =\nuser = \"unterminated\nredis-prefix = \"x\" y\n"
		       "interface = averyveryverylonginterfacename\n"
		       "flood-rate = 99999999999999999999999\n"},
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		put("conf", seeds[i].name, seeds[i].text, strlen(seeds[i].text));
}

/* ---- Redis replies: fuzz_redis_reply.c's header bytes, then RESP ---- */

static void redis_reply_corpus(void)
{
	static const struct {
		const char *name;
		uint8_t shape, slot;
		const char *resp;
	} seeds[] = {
	    /* a whole transaction of an empty batch: MULTI, 8 commands, EXEC */
	    {"empty-batch", 0x00, 0,
	     "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
	     "+QUEUED\r\n+QUEUED\r\n*8\r\n:0\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n"},
	    {"exec-ok", 0x15, 0, "*3\r\n:1\r\n:1\r\n$-1\r\n"},
	    {"exec-wrongtype", 0x17, 0,
	     "*4\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
	     ":1\r\n-WRONGTYPE Operation against a key\r\n:0\r\n"},
	    {"execabort", 0x2e, 1,
	     "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
	     "-EXECABORT Transaction discarded because of previous errors.\r\n"},
	    {"oom", 0x2d, 0,
	     "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
	     "-EXECABORT Transaction discarded\r\n"},
	    {"exec-nil", 0x11, 0, "*-1\r\n"},
	    {"exec-nested", 0x13, 0, "*2\r\n*2\r\n$1\r\na\r\n:1\r\n-ERR x\r\n"},
	    {"exec-status", 0x11, 0, "+OK\r\n"},
	    {"hget", 0x30, 0,
	     "$18\r\n0123456789abcdef:1\r\n$-1\r\n:5\r\n$3\r\nold\r\n-NOPERM no\r\n"},
	};
	uint8_t buf[1024];

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		size_t n = strlen(seeds[i].resp);
		buf[0] = seeds[i].shape;
		buf[1] = seeds[i].slot;
		memcpy(buf + 2, seeds[i].resp, n);
		put("redis_reply", seeds[i].name, buf, n + 2);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make-corpus DIR\n");
		return 64;
	}
	outdir = argv[1];
	mkdirs();
	decode_corpus();
	tracker_corpus();
	rules_corpus();
	redis_url_corpus();
	spf_corpus();
	conf_corpus();
	redis_reply_corpus();
	printf("make-corpus: %u seeds in %s\n", n_written, outdir);
	return 0;
}
