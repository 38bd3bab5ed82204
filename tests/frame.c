/* Frame builders for tests and lwgen (see frame.h): IPv4/IPv6 packets with
 * TCP or ICMP(v6) unreachables, correct checksums, and the link headers of
 * every link type the decoder handles. */
#include "config.h"

#include "frame.h"

#include <arpa/inet.h>
#include <string.h>

#include "sensor/bytes.h"

#define IP4_HLEN	 20
#define IP6_HLEN	 40
#define IP6_EXT_LEN	 8 /* one hop-by-hop or destination-options header with PadN */
#define TCP_HLEN	 20
#define ICMP_HLEN	 8
#define OPTIONS_MAX	 40   /* IPv4 and TCP options: 15 words minus the fixed 5 */
#define IP4_RFC792_QUOTE 8    /* RFC 792: the IP header and 64 bits of data */
#define IP6_MIN_MTU	 1280 /* RFC 4443 2.4(c): the error must fit the minimum MTU */
#define DEFAULT_TTL	 64
#define TCP_WINDOW	 64240
#define IP4_ID		 0x1234
#define IP4_DF		 0x4000

#define ETH_HLEN	 14
#define VLAN_TAG_LEN	 4
#define VLAN_ID_BASE	 100
#define SLL_HLEN	 16
#define SLL2_HLEN	 20
#define SLL_ARPHRD_ETHER 1
#define NULL_HLEN	 4
#define NULL_AF_INET	 2
#define NULL_AF_INET6	 30 /* Darwin, where most DLT_NULL captures come from */
#define LOOP_AF_INET6	 24 /* OpenBSD, the system that uses DLT_LOOP */

#define PROTO_ICMP	  1
#define PROTO_TCP	  6
#define PROTO_ICMPV6	  58
#define PROTO_HOPOPTS	  0
#define PROTO_DSTOPTS	  60
#define ICMP_UNREACH	  3
#define ICMP6_DST_UNREACH 1
#define PADN		  1

static const uint8_t mac_dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x25};
static const uint8_t mac_src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* One's-complement sum of 16-bit words; only the last chunk may be odd. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += rd_be16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Upper-layer checksum over the pseudo-header (RFC 793, RFC 8200 8.1). */
static uint16_t l4_checksum(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			    const uint8_t *l4, size_t len)
{
	uint8_t ph[40];
	size_t alen = v6 ? 16 : 4;

	memset(ph, 0, sizeof(ph));
	memcpy(ph, src, alen);
	memcpy(ph + alen, dst, alen);
	if (v6) {
		wr_be32(ph + 32, (uint32_t)len);
		ph[39] = proto;
	} else {
		ph[9] = proto;
		wr_be16(ph + 10, (uint16_t)len);
	}
	return csum_fold(csum_add(csum_add(0, ph, v6 ? 40 : 12), l4, len));
}

/* Both addresses of one family into 16-byte buffers; 4 or 6, 0 when bad. */
static int parse_pair(const char *src, const char *dst, uint8_t s[16], uint8_t d[16])
{
	if (!src || !dst)
		return 0;
	if (inet_pton(AF_INET, src, s) == 1 && inet_pton(AF_INET, dst, d) == 1)
		return 4;
	if (inet_pton(AF_INET6, src, s) == 1 && inet_pton(AF_INET6, dst, d) == 1)
		return 6;
	return 0;
}

/* Writes the IP header(s) for l4_len bytes of upper layer; returns the
 * header length or 0 when the packet would not fit in cap. */
static size_t put_ip(uint8_t *out, size_t cap, int version, const uint8_t *src, const uint8_t *dst,
		     uint8_t proto, uint8_t ttl, size_t ip4_opts, size_t ip6_ext, size_t l4_len)
{
	size_t hlen;

	if (version == 4) {
		hlen = IP4_HLEN + ip4_opts;
		if (hlen + l4_len > cap || hlen + l4_len > 0xffff)
			return 0;
		memset(out, 0, IP4_HLEN);
		out[0] = (uint8_t)(0x40 | hlen / 4);
		wr_be16(out + 2, (uint16_t)(hlen + l4_len));
		wr_be16(out + 4, IP4_ID);
		wr_be16(out + 6, IP4_DF);
		out[8] = ttl;
		out[9] = proto;
		memcpy(out + 12, src, 4);
		memcpy(out + 16, dst, 4);
		memset(out + IP4_HLEN, 1, ip4_opts); /* NOP */
		wr_be16(out + 10, csum_fold(csum_add(0, out, hlen)));
		return hlen;
	}

	hlen = IP6_HLEN + ip6_ext * IP6_EXT_LEN;
	if (hlen + l4_len > cap || hlen + l4_len - IP6_HLEN > 0xffff)
		return 0;
	memset(out, 0, hlen);
	out[0] = 0x60;
	wr_be16(out + 4, (uint16_t)(hlen - IP6_HLEN + l4_len));
	out[6] = ip6_ext ? PROTO_HOPOPTS : proto;
	out[7] = ttl;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	for (size_t i = 0; i < ip6_ext; i++) {
		uint8_t *e = out + IP6_HLEN + i * IP6_EXT_LEN;

		e[0] = i + 1 < ip6_ext ? PROTO_DSTOPTS : proto;
		e[1] = 0; /* (0 + 1) * 8 bytes */
		e[2] = PADN;
		e[3] = IP6_EXT_LEN - 4;
	}
	return hlen;
}

size_t frame_ip_tcp(uint8_t *out, size_t cap, const struct tcp_spec *s)
{
	uint8_t src[16], dst[16];
	size_t hlen, tlen;
	uint8_t *t;
	int version;

	if (!s || s->tcp_options_len > OPTIONS_MAX || s->tcp_options_len % 4 ||
	    (s->payload_len && !s->payload))
		return 0;
	version = parse_pair(s->src, s->dst, src, dst);
	if (!version)
		return 0;
	if (version == 4 && (s->ip4_options_len > OPTIONS_MAX || s->ip4_options_len % 4))
		return 0;
	/* the other family's knob is ignored so one spec can serve both */
	tlen = TCP_HLEN + s->tcp_options_len + s->payload_len;
	if (tlen > cap)
		return 0;
	hlen = put_ip(out, cap, version, src, dst, PROTO_TCP, s->ttl ? s->ttl : DEFAULT_TTL,
		      version == 4 ? s->ip4_options_len : 0, version == 6 ? s->ip6_ext_headers : 0,
		      tlen);
	if (!hlen)
		return 0;

	t = out + hlen;
	memset(t, 0, TCP_HLEN);
	wr_be16(t, s->sport);
	wr_be16(t + 2, s->dport);
	wr_be32(t + 4, s->seq);
	wr_be32(t + 8, s->ack);
	t[12] = (uint8_t)(((TCP_HLEN + s->tcp_options_len) / 4) << 4);
	t[13] = s->flags;
	wr_be16(t + 14, TCP_WINDOW);
	memset(t + TCP_HLEN, 1, s->tcp_options_len); /* NOP */
	if (s->payload_len)
		memcpy(t + TCP_HLEN + s->tcp_options_len, s->payload, s->payload_len);
	wr_be16(t + 16, l4_checksum(version == 6, src, dst, PROTO_TCP, t, tlen));
	return hlen + tlen;
}

size_t frame_ip_icmp_unreach(uint8_t *out, size_t cap, const char *reporter, uint8_t code,
			     const uint8_t *quoted, size_t quoted_len, size_t quote_len)
{
	uint8_t src[16], dst[16];
	size_t hlen, ilen, qmax;
	uint8_t *icmp;
	int version;

	if (!reporter || !quoted || quoted_len < 1)
		return 0;
	version = quoted[0] >> 4;
	if (version == 4) {
		if (quoted_len < IP4_HLEN || inet_pton(AF_INET, reporter, src) != 1)
			return 0;
		memcpy(dst, quoted + 12, 4);
		qmax = (size_t)(quoted[0] & 0x0f) * 4 + IP4_RFC792_QUOTE;
	} else if (version == 6) {
		if (quoted_len < IP6_HLEN || inet_pton(AF_INET6, reporter, src) != 1)
			return 0;
		memcpy(dst, quoted + 8, 16);
		qmax = IP6_MIN_MTU - IP6_HLEN - ICMP_HLEN;
	} else {
		return 0;
	}
	if (!quote_len)
		quote_len = qmax;
	if (quote_len > quoted_len)
		quote_len = quoted_len;

	ilen = ICMP_HLEN + quote_len;
	if (ilen > cap)
		return 0;
	hlen = put_ip(out, cap, version, src, dst, version == 4 ? PROTO_ICMP : PROTO_ICMPV6,
		      DEFAULT_TTL, 0, 0, ilen);
	if (!hlen)
		return 0;
	icmp = out + hlen;
	memset(icmp, 0, ICMP_HLEN);
	icmp[0] = version == 4 ? ICMP_UNREACH : ICMP6_DST_UNREACH;
	icmp[1] = code;
	memcpy(icmp + ICMP_HLEN, quoted, quote_len);
	if (version == 4)
		wr_be16(icmp + 2, csum_fold(csum_add(0, icmp, ilen)));
	else
		wr_be16(icmp + 2, l4_checksum(1, src, dst, PROTO_ICMPV6, icmp, ilen));
	return hlen + ilen;
}

/* Link wrappers compute what they need from the IP packet before moving it,
 * so out may be the very buffer ip lies at the start of. */
static uint16_t ethertype_of(const uint8_t *ip, size_t ip_len)
{
	return ip_len && ip[0] >> 4 == 6 ? 0x86dd : 0x0800;
}

static int ip_version_of(const uint8_t *ip, size_t ip_len)
{
	return ip_len && ip[0] >> 4 == 6 ? 6 : 4;
}

size_t frame_ethernet(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len,
		      unsigned vlan_tags)
{
	uint16_t type = ethertype_of(ip, ip_len);
	size_t hlen, off = 12;

	if (vlan_tags > FRAME_MAX / VLAN_TAG_LEN)
		return 0;
	hlen = ETH_HLEN + (size_t)vlan_tags * VLAN_TAG_LEN;
	if (ip_len > cap || hlen > cap - ip_len)
		return 0;
	memmove(out + hlen, ip, ip_len);
	memcpy(out, mac_dst, 6);
	memcpy(out + 6, mac_src, 6);
	for (unsigned i = 0; i < vlan_tags; i++) {
		/* outer tags are the 802.1ad S-tags, the innermost the C-tag */
		wr_be16(out + off, i + 1 < vlan_tags ? 0x88a8 : 0x8100);
		wr_be16(out + off + 2, (uint16_t)(VLAN_ID_BASE + i));
		off += VLAN_TAG_LEN;
	}
	wr_be16(out + off, type);
	return hlen + ip_len;
}

size_t frame_linux_sll(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len)
{
	uint16_t type = ethertype_of(ip, ip_len);

	if (ip_len > cap || SLL_HLEN > cap - ip_len)
		return 0;
	memmove(out + SLL_HLEN, ip, ip_len);
	memset(out, 0, SLL_HLEN);
	wr_be16(out, 0); /* PACKET_HOST */
	wr_be16(out + 2, SLL_ARPHRD_ETHER);
	wr_be16(out + 4, 6);
	memcpy(out + 6, mac_src, 6);
	wr_be16(out + 14, type);
	return SLL_HLEN + ip_len;
}

size_t frame_linux_sll2(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len)
{
	uint16_t type = ethertype_of(ip, ip_len);

	if (ip_len > cap || SLL2_HLEN > cap - ip_len)
		return 0;
	memmove(out + SLL2_HLEN, ip, ip_len);
	memset(out, 0, SLL2_HLEN);
	wr_be16(out, type);
	wr_be32(out + 4, 1); /* interface index */
	wr_be16(out + 8, SLL_ARPHRD_ETHER);
	out[10] = 0; /* PACKET_HOST */
	out[11] = 6;
	memcpy(out + 12, mac_src, 6);
	return SLL2_HLEN + ip_len;
}

size_t frame_null(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len, int big_endian)
{
	uint32_t af = ip_version_of(ip, ip_len) == 6 ? NULL_AF_INET6 : NULL_AF_INET;

	if (ip_len > cap || NULL_HLEN > cap - ip_len)
		return 0;
	memmove(out + NULL_HLEN, ip, ip_len);
	if (big_endian)
		wr_be32(out, af);
	else
		wr_le32(out, af);
	return NULL_HLEN + ip_len;
}

size_t frame_loop(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len)
{
	uint32_t af = ip_version_of(ip, ip_len) == 6 ? LOOP_AF_INET6 : NULL_AF_INET;

	if (ip_len > cap || NULL_HLEN > cap - ip_len)
		return 0;
	memmove(out + NULL_HLEN, ip, ip_len);
	wr_be32(out, af);
	return NULL_HLEN + ip_len;
}
