/* Unit tests of sensor/decode.c: every link type, IPv4 options and IPv6
 * extension headers, fragments, ICMP(v6) unreachables, and the malformed
 * packets the decoder must name instead of trusting. Frames come from
 * tests/frame.c; the cut at every length is test_decode_truncation.c's. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/bounds.h"
#include "sensor/bytes.h"
#include "sensor/decode.h"
#include "tests/decode_fx.h"
#include "tests/frame.h"

/* The client->server tuple of spec() and the rest of a plain TCP decode. */
static void assert_tcp(const struct pkt *p, const char *src, const char *dst, uint8_t flags,
		       const uint8_t *payload, size_t payload_len)
{
	assert_int_equal(p->kind, PKT_TCP);
	assert_true(p->ts_us == TS);
	assert_addr(&p->src, src);
	assert_addr(&p->dst, dst);
	assert_int_equal(p->sport, SPORT);
	assert_int_equal(p->dport, DPORT);
	assert_int_equal(p->seq, SEQ);
	assert_int_equal(p->ack, flags & TCPF_ACK ? ACK : 0);
	assert_int_equal(p->tcp_flags, flags);
	assert_int_equal(p->payload_len, payload_len);
	assert_ptr_equal(p->payload, payload);
	if (payload_len)
		assert_memory_equal(p->payload, ehlo, payload_len);
}

static void assert_unreach(const struct pkt *p, const char *src, const char *dst, uint8_t type,
			   uint8_t code)
{
	assert_int_equal(p->kind, PKT_ICMP_UNREACH);
	assert_true(p->ts_us == TS);
	assert_addr(&p->src, src);
	assert_addr(&p->dst, dst);
	assert_int_equal(p->sport, SPORT);
	assert_int_equal(p->dport, DPORT);
	assert_int_equal(p->seq, SEQ);
	assert_int_equal(p->icmp_type, type);
	assert_int_equal(p->icmp_code, code);
}

/* One's-complement sum over data, for checking the builders' checksums. */
static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += rd_be16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t pseudo_sum(const uint8_t *ip, size_t l4_len, uint8_t proto)
{
	uint8_t ph[40] = {0};

	if (ip[0] >> 4 == 4) {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		wr_be16(ph + 10, (uint16_t)l4_len);
		return sum16(ph, 12, 0);
	}
	memcpy(ph, ip + 8, 32);
	wr_be32(ph + 32, (uint32_t)l4_len);
	ph[39] = proto;
	return sum16(ph, 40, 0);
}

/* ---- link types ---------------------------------------------------------- */

static void test_ethernet_vlan(void **state)
{
	static const char *const pairs[][2] = {{CLIENT4, SERVER4}, {CLIENT6, SERVER6}};
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct pkt p;
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		struct tcp_spec s = spec(pairs[i][0], pairs[i][1], TCPF_SYN);
		size_t n = ip_tcp(ip, &s);

		for (unsigned tags = 0; tags <= LW_MAX_VLAN_TAGS; tags++) {
			size_t len = frame_ethernet(f, sizeof(f), ip, n, tags);

			assert_int_equal(len, ETH_HLEN + 4 * tags + n);
			if (tags >= 2) {
				assert_int_equal(rd_be16(f + 12), 0x88a8);
				assert_int_equal(rd_be16(f + 12 + 4 * (tags - 1)), 0x8100);
			}
			assert_result(dec(DLT_EN10MB, f, len, &p), DECODE_OK);
			assert_tcp(&p, pairs[i][0], pairs[i][1], TCPF_SYN, f + len, 0);
		}
		/* pre-standard Q-in-Q outer tag */
		size_t len = frame_ethernet(f, sizeof(f), ip, n, 2);
		wr_be16(f + 12, 0x9100);
		assert_result(dec(DLT_EN10MB, f, len, &p), DECODE_OK);
		assert_tcp(&p, pairs[i][0], pairs[i][1], TCPF_SYN, f + len, 0);
	}
}

static void test_vlan_too_deep(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_SYN);
	size_t n = ip_tcp(ip, &s);
	size_t len = frame_ethernet(f, sizeof(f), ip, n, LW_MAX_VLAN_TAGS + 1);
	struct pkt p;
	(void)state;

	assert_result(dec(DLT_EN10MB, f, len, &p), DECODE_BAD_VLAN_DEPTH);
	/* a tag header cut short */
	assert_int_equal(frame_ethernet(f, sizeof(f), ip, n, 1), ETH_HLEN + 4 + n);
	assert_result(dec(DLT_EN10MB, f, ETH_HLEN + 2, &p), DECODE_BAD_VLAN_TRUNCATED);
}

static void test_ethernet_not_ip(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_SYN);
	size_t n = ip_tcp(ip, &s);
	size_t len = frame_ethernet(f, sizeof(f), ip, n, 1);
	struct pkt p;
	(void)state;

	wr_be16(f + 16, 0x0806); /* ARP inside the VLAN */
	assert_result(dec(DLT_EN10MB, f, len, &p), DECODE_SKIP_NOT_IP);
	len = frame_ethernet(f, sizeof(f), ip, n, 0);
	wr_be16(f + 12, 0x0026); /* 802.3 length: LLC follows */
	assert_result(dec(DLT_EN10MB, f, len, &p), DECODE_SKIP_NOT_IP);
	/* the EtherType claims IPv6 for an IPv4 packet */
	wr_be16(f + 12, 0x86dd);
	assert_result(dec(DLT_EN10MB, f, len, &p), DECODE_BAD_IP_VERSION);
	assert_result(dec(DLT_EN10MB, f, ETH_HLEN - 1, &p), DECODE_BAD_LINK_TRUNCATED);
}

static void test_linux_sll(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct pkt p;
	(void)state;

	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_SYN);
	size_t n = ip_tcp(ip, &s);
	size_t len = frame_linux_sll(f, sizeof(f), ip, n);
	assert_int_equal(len, 16 + n);
	assert_int_equal(rd_be16(f + 2), 1); /* ARPHRD_ETHER */
	assert_int_equal(rd_be16(f + 4), 6); /* address length */
	assert_int_equal(rd_be16(f + 14), 0x0800);
	assert_result(dec(DLT_LINUX_SLL, f, len, &p), DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_SYN, f + len, 0);
	assert_result(dec(DLT_LINUX_SLL, f, 15, &p), DECODE_BAD_LINK_TRUNCATED);

	s = spec(CLIENT6, SERVER6, TCPF_SYN);
	n = ip_tcp(ip, &s);
	len = frame_linux_sll(f, sizeof(f), ip, n);
	assert_int_equal(rd_be16(f + 14), 0x86dd);
	assert_result(dec(DLT_LINUX_SLL, f, len, &p), DECODE_OK);
	assert_tcp(&p, CLIENT6, SERVER6, TCPF_SYN, f + len, 0);
}

static void test_linux_sll2(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct pkt p;
	(void)state;

	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_SYN);
	size_t n = ip_tcp(ip, &s);
	size_t len = frame_linux_sll2(f, sizeof(f), ip, n);
	assert_int_equal(len, 20 + n);
	assert_int_equal(rd_be16(f), 0x0800);
	assert_int_equal(rd_be32(f + 4), 1); /* ifindex */
	assert_int_equal(rd_be16(f + 8), 1); /* ARPHRD_ETHER */
	assert_int_equal(f[11], 6);
	assert_result(dec(DLT_LINUX_SLL2, f, len, &p), DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_SYN, f + len, 0);
	assert_result(dec(DLT_LINUX_SLL2, f, 19, &p), DECODE_BAD_LINK_TRUNCATED);

	s = spec(CLIENT6, SERVER6, TCPF_SYN);
	n = ip_tcp(ip, &s);
	len = frame_linux_sll2(f, sizeof(f), ip, n);
	assert_int_equal(rd_be16(f), 0x86dd);
	assert_result(dec(DLT_LINUX_SLL2, f, len, &p), DECODE_OK);
	assert_tcp(&p, CLIENT6, SERVER6, TCPF_SYN, f + len, 0);
}

static void test_raw_ipv4_ipv6(void **state)
{
	uint8_t ip4[FRAME_MAX], ip6[FRAME_MAX];
	struct tcp_spec s4 = spec(CLIENT4, SERVER4, TCPF_SYN | TCPF_ACK);
	struct tcp_spec s6 = spec(CLIENT6, SERVER6, TCPF_SYN | TCPF_ACK);
	size_t n4 = ip_tcp(ip4, &s4), n6 = ip_tcp(ip6, &s6);
	static const int raw[] = {DLT_RAW, LINKTYPE_RAW};
	struct pkt p;
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		assert_result(dec(raw[i], ip4, n4, &p), DECODE_OK);
		assert_tcp(&p, CLIENT4, SERVER4, TCPF_SYN | TCPF_ACK, ip4 + n4, 0);
		assert_result(dec(raw[i], ip6, n6, &p), DECODE_OK);
		assert_tcp(&p, CLIENT6, SERVER6, TCPF_SYN | TCPF_ACK, ip6 + n6, 0);
		assert_result(dec(raw[i], ip4, 0, &p), DECODE_BAD_LINK_TRUNCATED);
	}
	assert_result(dec(DLT_IPV4, ip4, n4, &p), DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_SYN | TCPF_ACK, ip4 + n4, 0);
	assert_result(dec(DLT_IPV6, ip6, n6, &p), DECODE_OK);
	assert_tcp(&p, CLIENT6, SERVER6, TCPF_SYN | TCPF_ACK, ip6 + n6, 0);
	/* the link type names the version; the packet must agree */
	assert_result(dec(DLT_IPV4, ip6, n6, &p), DECODE_BAD_IP_VERSION);
	assert_result(dec(DLT_IPV6, ip4, n4, &p), DECODE_BAD_IP_VERSION);
	ip4[0] = 0x55;
	assert_result(dec(DLT_RAW, ip4, n4, &p), DECODE_BAD_IP_VERSION);
}

static void test_null_loop(void **state)
{
	static const uint32_t af6[] = {10, 24, 28, 30};
	uint8_t ip4[FRAME_MAX], ip6[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s4 = spec(CLIENT4, SERVER4, TCPF_SYN);
	struct tcp_spec s6 = spec(CLIENT6, SERVER6, TCPF_SYN);
	size_t n4 = ip_tcp(ip4, &s4), n6 = ip_tcp(ip6, &s6), len;
	struct pkt p;
	(void)state;

	for (int be = 0; be <= 1; be++) {
		len = frame_null(f, sizeof(f), ip4, n4, be);
		assert_int_equal(be ? rd_be32(f) : rd_le32(f), 2);
		assert_result(dec(DLT_NULL, f, len, &p), DECODE_OK);
		assert_tcp(&p, CLIENT4, SERVER4, TCPF_SYN, f + len, 0);

		len = frame_null(f, sizeof(f), ip6, n6, be);
		for (size_t i = 0; i < sizeof(af6) / sizeof(af6[0]); i++) {
			if (be)
				wr_be32(f, af6[i]);
			else
				wr_le32(f, af6[i]);
			assert_result(dec(DLT_NULL, f, len, &p), DECODE_OK);
			assert_tcp(&p, CLIENT6, SERVER6, TCPF_SYN, f + len, 0);
		}
		/* AF_INET claimed for an IPv6 packet */
		if (be)
			wr_be32(f, 2);
		else
			wr_le32(f, 2);
		assert_result(dec(DLT_NULL, f, len, &p), DECODE_BAD_IP_VERSION);
		wr_le32(f, 17); /* AF_LINK-ish */
		assert_result(dec(DLT_NULL, f, len, &p), DECODE_SKIP_NOT_IP);
	}
	assert_result(dec(DLT_NULL, f, 3, &p), DECODE_BAD_LINK_TRUNCATED);

	len = frame_loop(f, sizeof(f), ip4, n4);
	assert_int_equal(rd_be32(f), 2);
	assert_result(dec(DLT_LOOP, f, len, &p), DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_SYN, f + len, 0);
	len = frame_loop(f, sizeof(f), ip6, n6);
	assert_result(dec(DLT_LOOP, f, len, &p), DECODE_OK);
	assert_tcp(&p, CLIENT6, SERVER6, TCPF_SYN, f + len, 0);
	/* DLT_LOOP is network order only */
	wr_le32(f, 24);
	assert_result(dec(DLT_LOOP, f, len, &p), DECODE_SKIP_NOT_IP);
	assert_result(dec(DLT_LOOP, f, 2, &p), DECODE_BAD_LINK_TRUNCATED);
}

static void test_unsupported_linktype(void **state)
{
	static const int ok[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, LINKTYPE_RAW,
				 DLT_IPV4,   DLT_IPV6,	    DLT_NULL,	    DLT_LOOP};
	uint8_t f[64] = {0x45};
	struct pkt p;
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(decode_linktype_supported(ok[i]), 1);
	assert_int_equal(decode_linktype_supported(DLT_PPP), 0);
	assert_int_equal(decode_linktype_supported(DLT_IEEE802_11), 0);
	assert_int_equal(decode_linktype_supported(-1), 0);
	assert_result(dec(DLT_PPP, f, sizeof(f), &p), DECODE_BAD_LINKTYPE);
	assert_result(dec(DLT_IEEE802_11_RADIO, f, sizeof(f), &p), DECODE_BAD_LINKTYPE);
}

/* ---- IPv4 / IPv6 / TCP ---------------------------------------------------- */

static void test_ip4_options_tcp_options(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH);
	size_t n, len;
	struct pkt p;
	(void)state;

	s.payload = ehlo;
	s.payload_len = strlen(ehlo);
	s.ip4_options_len = 40;
	s.tcp_options_len = 12;
	n = ip_tcp(ip, &s);
	assert_int_equal(ip[0], 0x4f);
	len = frame_ethernet(f, sizeof(f), ip, n, 1);
	assert_result(dec(DLT_EN10MB, f, len, &p), DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH, f + 18 + 60 + 32, strlen(ehlo));
}

static void test_ip4_trailer_and_cut(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s;
	size_t n, len;
	struct pkt p;
	(void)state;

	/* Ethernet padding after a short IPv4 packet is not payload */
	s = spec(CLIENT4, SERVER4, TCPF_SYN);
	n = ip_tcp(ip, &s);
	len = frame_ethernet(f, sizeof(f), ip, n, 0);
	memset(f + len, 0xee, 60 - len);
	assert_result(dec(DLT_EN10MB, f, 60, &p), DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_SYN, f + len, 0);

	s = spec(CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH);
	s.payload = ehlo;
	s.payload_len = 10;
	n = ip_tcp(ip, &s);
	len = frame_ethernet(f, sizeof(f), ip, n, 0);
	memset(f + len, 0xee, 8);
	assert_result(dec(DLT_EN10MB, f, len + 8, &p), DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH, f + 14 + 40, 10);

	/* a snaplen cut inside the payload: what was captured is the payload */
	memset(&p, 0, sizeof(p));
	assert_result(decode_packet(DLT_EN10MB, f, (uint32_t)len - 4, (uint32_t)len, TS, &p),
		      DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH, f + 14 + 40, 6);
	/* a caplen larger than the wire length is not believed */
	assert_result(decode_packet(DLT_EN10MB, f, (uint32_t)len, (uint32_t)len - 4, TS, &p),
		      DECODE_OK);
	assert_int_equal(p.payload_len, 6);
}

static void test_ip4_bad_lengths(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_SYN);
	size_t n = ip_tcp(ip, &s);
	struct pkt p;
	(void)state;

	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		memcpy(f, ip, n);
		f[0] = (uint8_t)(0x40 | ihl);
		assert_result(dec(DLT_RAW, f, n, &p), DECODE_BAD_IP4_HEADER_LEN);
	}
	/* IHL 15 in a 40-byte packet that says it is 40 bytes */
	memcpy(f, ip, n);
	f[0] = 0x4f;
	assert_result(dec(DLT_RAW, f, n, &p), DECODE_BAD_IP4_TOTAL_LEN);
	/* ... and in one that claims more than was captured */
	wr_be16(f + 2, 1500);
	assert_result(dec(DLT_RAW, f, n, &p), DECODE_BAD_IP4_TRUNCATED);
	/* total length below the header length */
	for (uint16_t total = 0; total < 20; total++) {
		memcpy(f, ip, n);
		wr_be16(f + 2, total);
		assert_result(dec(DLT_RAW, f, n, &p), DECODE_BAD_IP4_TOTAL_LEN);
	}
	/* total length leaves no room for the TCP header */
	memcpy(f, ip, n);
	wr_be16(f + 2, 30);
	assert_result(dec(DLT_RAW, f, n, &p), DECODE_BAD_TCP_TRUNCATED);
	/* other protocols are skipped, not malformed */
	memcpy(f, ip, n);
	f[9] = 17;
	assert_result(dec(DLT_RAW, f, n, &p), DECODE_SKIP_PROTO);
}

static void test_tcp_data_offset(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_SYN);
	size_t n = ip_tcp(ip, &s);
	struct pkt p;
	(void)state;

	for (uint8_t doff = 0; doff < 5; doff++) {
		memcpy(f, ip, n);
		f[20 + 12] = (uint8_t)(doff << 4);
		assert_result(dec(DLT_RAW, f, n, &p), DECODE_BAD_TCP_OFFSET);
	}
	/* 60-byte TCP header claimed in a 20-byte segment */
	memcpy(f, ip, n);
	f[20 + 12] = 0xf0;
	assert_result(dec(DLT_RAW, f, n, &p), DECODE_BAD_TCP_OFFSET);
	/* ... in a segment the IP header says is longer than was captured */
	assert_result(decode_packet(DLT_RAW, f, (uint32_t)n, 1500, TS, &p), DECODE_BAD_TCP_OFFSET);
	/* ... within it: the snap length cut the header after its first 14 bytes */
	wr_be16(f + 2, 100);
	assert_result(decode_packet(DLT_RAW, f, (uint32_t)n, 100, TS, &p), DECODE_OK);
	assert_true(p.tcp_tail_cut && p.payload_len == 0 && p.payload == f + n);
	/* an offset that exactly covers the segment: no payload */
	memcpy(f, ip, n);
	f[20 + 12] = 0x50;
	assert_result(dec(DLT_RAW, f, n, &p), DECODE_OK);
	assert_int_equal(p.payload_len, 0);
}

static void test_ip4_fragments(void **state)
{
	uint8_t ip[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH);
	size_t n;
	struct pkt p;
	(void)state;

	s.payload = ehlo;
	s.payload_len = strlen(ehlo);
	n = ip_tcp(ip, &s);
	wr_be16(ip + 6, 0x2000); /* MF, offset 0: the TCP header is here */
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_OK);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH, ip + 40, strlen(ehlo));
	wr_be16(ip + 6, 0x2001); /* MF, offset 8 bytes */
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_FRAGMENT);
	wr_be16(ip + 6, 0x0001); /* last fragment */
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_FRAGMENT);
	wr_be16(ip + 6, 0x4000); /* DF alone */
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_OK);
}

/* Inserts an extension header right after the fixed IPv6 header. */
static size_t ip6_insert_ext(uint8_t *ip, size_t n, uint8_t type, const uint8_t *ext,
			     size_t ext_len)
{
	memmove(ip + 40 + ext_len, ip + 40, n - 40);
	memcpy(ip + 40, ext, ext_len);
	ip[40] = ip[6];
	ip[6] = type;
	wr_be16(ip + 4, (uint16_t)(rd_be16(ip + 4) + ext_len));
	return n + ext_len;
}

static void test_ip6_ext_headers(void **state)
{
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT6, SERVER6, TCPF_ACK | TCPF_PSH);
	size_t n, len;
	struct pkt p;
	(void)state;

	s.payload = ehlo;
	s.payload_len = strlen(ehlo);
	s.ip6_ext_headers = 3;
	s.tcp_options_len = 8;
	n = ip_tcp(ip, &s);
	assert_int_equal(ip[6], 0);   /* hop-by-hop first */
	assert_int_equal(ip[40], 60); /* then destination options */
	len = frame_linux_sll2(f, sizeof(f), ip, n);
	memset(f + len, 0xee, 8); /* trailer beyond the payload length */
	assert_result(dec(DLT_LINUX_SLL2, f, len + 8, &p), DECODE_OK);
	assert_tcp(&p, CLIENT6, SERVER6, TCPF_ACK | TCPF_PSH, f + 20 + 40 + 24 + 28, strlen(ehlo));

	/* the deepest chain allowed, then one more */
	s.ip6_ext_headers = LW_MAX_IP6_EXT;
	n = ip_tcp(ip, &s);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_OK);
	assert_tcp(&p, CLIENT6, SERVER6, TCPF_ACK | TCPF_PSH, ip + n - strlen(ehlo), strlen(ehlo));
	s.ip6_ext_headers = LW_MAX_IP6_EXT + 1;
	n = ip_tcp(ip, &s);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_BAD_IP6_EXT_DEPTH);

	/* an extension header longer than the packet */
	s.ip6_ext_headers = 1;
	n = ip_tcp(ip, &s);
	ip[41] = 200;
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_BAD_IP6_EXT);

	/* payload length shorter than the chain */
	s.ip6_ext_headers = 2;
	n = ip_tcp(ip, &s);
	wr_be16(ip + 4, 12);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_BAD_IP6_EXT);

	/* no next header, ESP: not TCP */
	s.ip6_ext_headers = 1;
	n = ip_tcp(ip, &s);
	ip[40] = 59;
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_PROTO);
	ip[40] = 50;
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_PROTO);
}

static void test_ip6_fragment_ah_routing(void **state)
{
	uint8_t ip[FRAME_MAX];
	uint8_t frag[8] = {0}, ah[24] = {0}, rt[24] = {0};
	struct tcp_spec s = spec(CLIENT6, SERVER6, TCPF_ACK | TCPF_PSH);
	size_t n;
	struct pkt p;
	(void)state;

	s.payload = ehlo;
	s.payload_len = strlen(ehlo);
	ah[1] = 4; /* (4 + 2) * 4 = 24 bytes */
	rt[1] = 2; /* (2 + 1) * 8 = 24 bytes */

	/* first fragment (offset 0, M) behind AH and a routing header */
	n = ip_tcp(ip, &s);
	wr_be16(frag + 2, 0x0001);
	n = ip6_insert_ext(ip, n, 44, frag, sizeof(frag));
	n = ip6_insert_ext(ip, n, 51, ah, sizeof(ah));
	n = ip6_insert_ext(ip, n, 43, rt, sizeof(rt));
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_OK);
	assert_tcp(&p, CLIENT6, SERVER6, TCPF_ACK | TCPF_PSH, ip + 40 + 24 + 24 + 8 + 20,
		   strlen(ehlo));

	/* a later fragment */
	n = ip_tcp(ip, &s);
	wr_be16(frag + 2, 185 << 3);
	n = ip6_insert_ext(ip, n, 44, frag, sizeof(frag));
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_FRAGMENT);
}

static void test_ip4_mapped(void **state)
{
	uint8_t ip[FRAME_MAX];
	struct tcp_spec s = spec("::ffff:" CLIENT4, "::ffff:" SERVER4, TCPF_SYN);
	size_t n = ip_tcp(ip, &s);
	struct pkt p;
	(void)state;

	assert_int_equal(ip[0] >> 4, 6);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_OK);
	assert_int_equal(p.src.family, LW_AF_INET);
	assert_int_equal(p.dst.family, LW_AF_INET);
	assert_tcp(&p, CLIENT4, SERVER4, TCPF_SYN, ip + n, 0);
}

/* ---- ICMP ------------------------------------------------------------------ */

static void test_icmp4_unreach(void **state)
{
	uint8_t syn[FRAME_MAX], ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_SYN);
	size_t sn, n, len;
	struct pkt p;
	(void)state;

	s.tcp_options_len = 20;
	sn = ip_tcp(syn, &s);
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER4, 13, syn, sn, 0);
	assert_int_equal(n, 20 + 8 + 20 + 8); /* RFC 792: header + 64 bits */
	len = frame_ethernet(f, sizeof(f), ip, n, 0);
	assert_result(dec(DLT_EN10MB, f, len, &p), DECODE_OK);
	assert_unreach(&p, CLIENT4, SERVER4, 3, 13);

	/* quoted header with options, whole SYN quoted (RFC 1812 style) */
	s.ip4_options_len = 12;
	sn = ip_tcp(syn, &s);
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER4, 1, syn, sn, sn);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_OK);
	assert_unreach(&p, CLIENT4, SERVER4, 3, 1);

	/* quote too short for ports and sequence number */
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER4, 1, syn, sn, 32 + 7);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_BAD_ICMP_QUOTE);
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER4, 1, syn, sn, 19);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_BAD_ICMP_QUOTE);
	/* quoted IHL nonsense */
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER4, 1, syn, sn, 0);
	ip[28] = 0x44;
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_BAD_ICMP_QUOTE);

	/* quoting UDP */
	memcpy(f, syn, sn);
	f[9] = 17;
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER4, 3, f, sn, 0);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_ICMP_OTHER);

	/* other ICMP types */
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER4, 1, syn, sn, 0);
	ip[20] = 11; /* time exceeded */
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_ICMP_OTHER);
	ip[20] = 0; /* echo reply */
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_ICMP_OTHER);
	assert_result(dec(DLT_RAW, ip, 20 + 7, &p), DECODE_BAD_ICMP_TRUNCATED);
}

static void test_icmp6_unreach(void **state)
{
	uint8_t syn[FRAME_MAX], ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT6, SERVER6, TCPF_SYN);
	size_t sn, n, len;
	struct pkt p;
	(void)state;

	s.ip6_ext_headers = 2;
	sn = ip_tcp(syn, &s);
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER6, 4, syn, sn, 0);
	assert_int_equal(n, 40 + 8 + sn); /* all of it fits in 1280 */
	len = frame_linux_sll(f, sizeof(f), ip, n);
	assert_result(dec(DLT_LINUX_SLL, f, len, &p), DECODE_OK);
	assert_unreach(&p, CLIENT6, SERVER6, 1, 4);

	/* just the ports and sequence number */
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER6, 1, syn, sn, 40 + 16 + 8);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_OK);
	assert_unreach(&p, CLIENT6, SERVER6, 1, 1);
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER6, 1, syn, sn, 40 + 16 + 7);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_BAD_ICMP_QUOTE);
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER6, 1, syn, sn, 40 + 12);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_BAD_ICMP_QUOTE);

	/* quoting UDP: the last extension header names it */
	memcpy(f, syn, sn);
	f[48] = 17;
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER6, 1, f, sn, 0);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_ICMP_OTHER);

	/* packet too big, echo request */
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER6, 0, syn, sn, 0);
	ip[40] = 2;
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_ICMP_OTHER);
	ip[40] = 128;
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_SKIP_ICMP_OTHER);
}

static void test_icmp_quote_mapped(void **state)
{
	uint8_t syn[FRAME_MAX], ip[FRAME_MAX];
	struct tcp_spec s = spec("::ffff:" CLIENT4, "::ffff:" SERVER4, TCPF_SYN);
	size_t sn = ip_tcp(syn, &s), n;
	struct pkt p;
	(void)state;

	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER6, 1, syn, sn, 0);
	assert_result(dec(DLT_RAW, ip, n, &p), DECODE_OK);
	assert_int_equal(p.src.family, LW_AF_INET);
	assert_unreach(&p, CLIENT4, SERVER4, 1, 1);
}

/* ---- names, builders, pcap writer --------------------------------------- */

static void test_result_names(void **state)
{
	(void)state;

	for (int i = 0; i < DECODE_RESULT_COUNT; i++) {
		const char *a = decode_result_name((enum decode_result)i);

		assert_non_null(a);
		assert_true(a[0] != '\0');
		assert_string_not_equal(a, "unknown");
		for (const char *c = a; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
				    *c == '_');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, decode_result_name((enum decode_result)j));
		assert_int_equal(decode_result_is_bad((enum decode_result)i), i > DECODE_SKIP_LAST);
	}
	assert_string_equal(decode_result_name(DECODE_BAD_IP4_TRUNCATED), "ip4_truncated");
	assert_string_equal(decode_result_name(DECODE_SKIP_FRAGMENT), "fragment");
	assert_string_equal(decode_result_name(DECODE_RESULT_COUNT), "unknown");
	assert_string_equal(decode_result_name((enum decode_result) - 1), "unknown");
}

static void test_frame_checksums(void **state)
{
	uint8_t ip[FRAME_MAX], icmp[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH);
	size_t n, m;
	(void)state;

	s.payload = ehlo;
	s.payload_len = 7; /* odd */
	s.ip4_options_len = 4;
	n = ip_tcp(ip, &s);
	assert_int_equal(sum16(ip, 24, 0), 0xffff);
	assert_int_equal(sum16(ip + 24, n - 24, pseudo_sum(ip, n - 24, 6)), 0xffff);
	m = frame_ip_icmp_unreach(icmp, sizeof(icmp), REPORTER4, 3, ip, n, 0);
	assert_int_equal(sum16(icmp, 20, 0), 0xffff);
	assert_int_equal(sum16(icmp + 20, m - 20, 0), 0xffff);

	s = spec(CLIENT6, SERVER6, TCPF_ACK | TCPF_PSH);
	s.payload = ehlo;
	s.payload_len = 7;
	n = ip_tcp(ip, &s);
	assert_int_equal(sum16(ip + 40, n - 40, pseudo_sum(ip, n - 40, 6)), 0xffff);
	m = frame_ip_icmp_unreach(icmp, sizeof(icmp), REPORTER6, 1, ip, n, 0);
	assert_int_equal(sum16(icmp + 40, m - 40, pseudo_sum(icmp, m - 40, 58)), 0xffff);

	/* bad specs */
	s.tcp_options_len = 3;
	assert_int_equal(frame_ip_tcp(ip, sizeof(ip), &s), 0);
	s = spec(CLIENT4, SERVER6, TCPF_SYN);
	assert_int_equal(frame_ip_tcp(ip, sizeof(ip), &s), 0);
	s = spec(CLIENT4, SERVER4, TCPF_SYN);
	assert_int_equal(frame_ip_tcp(ip, 39, &s), 0);
}

static void test_pcapw_roundtrip(void **state)
{
	char path[] = "/tmp/test_decode.XXXXXX";
	char errbuf[PCAP_ERRBUF_SIZE];
	uint8_t ip[FRAME_MAX], f[FRAME_MAX];
	struct tcp_spec s = spec(CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH);
	struct pcap_pkthdr *h;
	const u_char *data;
	struct pcapw *w;
	pcap_t *pc;
	size_t n, len;
	struct pkt p;
	int fd;
	(void)state;

	s.payload = ehlo;
	s.payload_len = strlen(ehlo);
	n = ip_tcp(ip, &s);
	len = frame_ethernet(f, sizeof(f), ip, n, 1);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	w = pcapw_open(path, DLT_EN10MB, errbuf, sizeof(errbuf));
	assert_non_null(w);
	pcapw_write(w, TS, f, len);
	pcapw_write_cut(w, TS + 1, f, len - 5, len);
	pcapw_close(w);

	pc = pcap_open_offline(path, errbuf);
	assert_non_null(pc);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
	assert_int_equal(h->caplen, len);
	assert_int_equal(h->len, len);
	assert_int_equal(h->ts.tv_sec, TS / 1000000);
	assert_int_equal(h->ts.tv_usec, TS % 1000000);
	assert_memory_equal(data, f, len);
	assert_int_equal(pcap_next_ex(pc, &h, &data), 1);
	assert_int_equal(h->caplen, len - 5);
	assert_int_equal(h->len, len);
	assert_result(decode_packet(pcap_datalink(pc), data, h->caplen, h->len, TS, &p), DECODE_OK);
	assert_int_equal(p.payload_len, strlen(ehlo) - 5);
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);
	unlink(path);

	assert_null(pcapw_open("/nonexistent/dir/x.pcap", DLT_EN10MB, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "/nonexistent/dir/x.pcap"));
	pcapw_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ethernet_vlan),
	    cmocka_unit_test(test_vlan_too_deep),
	    cmocka_unit_test(test_ethernet_not_ip),
	    cmocka_unit_test(test_linux_sll),
	    cmocka_unit_test(test_linux_sll2),
	    cmocka_unit_test(test_raw_ipv4_ipv6),
	    cmocka_unit_test(test_null_loop),
	    cmocka_unit_test(test_unsupported_linktype),
	    cmocka_unit_test(test_ip4_options_tcp_options),
	    cmocka_unit_test(test_ip4_trailer_and_cut),
	    cmocka_unit_test(test_ip4_bad_lengths),
	    cmocka_unit_test(test_tcp_data_offset),
	    cmocka_unit_test(test_ip4_fragments),
	    cmocka_unit_test(test_ip6_ext_headers),
	    cmocka_unit_test(test_ip6_fragment_ah_routing),
	    cmocka_unit_test(test_ip4_mapped),
	    cmocka_unit_test(test_icmp4_unreach),
	    cmocka_unit_test(test_icmp6_unreach),
	    cmocka_unit_test(test_icmp_quote_mapped),
	    cmocka_unit_test(test_result_names),
	    cmocka_unit_test(test_frame_checksums),
	    cmocka_unit_test(test_pcapw_roundtrip),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
