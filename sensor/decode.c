/* Packet decoding (see decode.h): strips the link header, walks IPv4
 * options or the IPv6 extension-header chain, and reduces a TCP segment or
 * an ICMP(v6) unreachable quoting one to a struct pkt. Runs once per
 * captured packet: no allocation, no system calls, no output. */
#include "config.h"

#include "decode.h"

#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>

#include "bytes.h"
#include "common/bounds.h"

/* The file-format value of raw IP. libpcap maps it to DLT_RAW when it reads
 * a file, but callers that take the header's value verbatim see 101. */
#define LINKTYPE_RAW 101

#define ETH_HLEN       14
#define SLL_HLEN       16
#define SLL_PROTO_OFF  14
#define SLL2_HLEN      20
#define SLL2_PROTO_OFF 0
#define NULL_HLEN      4 /* DLT_NULL and DLT_LOOP: one 32-bit address family */
#define VLAN_TAG_LEN   4

#define ETHERTYPE_IP4	   0x0800
#define ETHERTYPE_IP6	   0x86dd
#define ETHERTYPE_8021Q	   0x8100
#define ETHERTYPE_8021AD   0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-802.1ad Q-in-Q, still sent by some switches */

/* Address families in DLT_NULL/DLT_LOOP headers: the capturing OS's values */
#define NULL_AF_INET	      2
#define NULL_AF_INET6_LINUX   10
#define NULL_AF_INET6_BSD     24 /* NetBSD, OpenBSD, BSD/OS */
#define NULL_AF_INET6_FREEBSD 28
#define NULL_AF_INET6_DARWIN  30

#define IP4_HLEN_MIN	     20
#define IP4_FRAG_OFFSET_MASK 0x1fff
#define IP6_HLEN	     40
#define IP6_FRAG_OFFSET_MASK 0xfff8
#define IP6_EXT_HLEN_MIN     8
#define TCP_HLEN_MIN	     20
#define TCP_HLEN_DECIDES     14 /* ports, seq, ack, data offset, flags: all a verdict needs */
#define ICMP_HLEN	     8
#define QUOTED_TCP_MIN	     8 /* ports and sequence number: RFC 792 guarantees 64 bits */
#define QUOTED_TCP_ACK	     12

#define ICMP_UNREACH	  3
#define ICMP6_DST_UNREACH 1

static const char *const result_names[DECODE_RESULT_COUNT] = {
    [DECODE_OK] = "ok",
    [DECODE_SKIP_NOT_IP] = "not_ip",
    [DECODE_SKIP_FRAGMENT] = "fragment",
    [DECODE_SKIP_PROTO] = "other_protocol",
    [DECODE_SKIP_ICMP_OTHER] = "icmp_other",
    [DECODE_BAD_LINK_TRUNCATED] = "link_truncated",
    [DECODE_BAD_LINKTYPE] = "unsupported_linktype",
    [DECODE_BAD_VLAN_TRUNCATED] = "vlan_truncated",
    [DECODE_BAD_VLAN_DEPTH] = "vlan_too_deep",
    [DECODE_BAD_IP_VERSION] = "ip_version_mismatch",
    [DECODE_BAD_IP4_TRUNCATED] = "ip4_truncated",
    [DECODE_BAD_IP4_HEADER_LEN] = "ip4_header_length",
    [DECODE_BAD_IP4_TOTAL_LEN] = "ip4_total_length",
    [DECODE_BAD_IP6_TRUNCATED] = "ip6_truncated",
    [DECODE_BAD_IP6_EXT] = "ip6_ext_truncated",
    [DECODE_BAD_IP6_EXT_DEPTH] = "ip6_ext_too_deep",
    [DECODE_BAD_TCP_TRUNCATED] = "tcp_truncated",
    [DECODE_BAD_TCP_OFFSET] = "tcp_data_offset",
    [DECODE_BAD_ICMP_TRUNCATED] = "icmp_truncated",
    [DECODE_BAD_ICMP_QUOTE] = "icmp_quote",
};

const char *decode_result_name(enum decode_result r)
{
	if ((unsigned)r >= DECODE_RESULT_COUNT || !result_names[r])
		return "unknown";
	return result_names[r];
}

int decode_linktype_supported(int linktype)
{
	switch (linktype) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	default:
		return 0;
	}
}

/* Skips VLAN tags after an EtherType at data[off - 2]; sets the IP version
 * the final EtherType announces. */
static enum decode_result ether_payload(const uint8_t *data, size_t len, uint16_t type, size_t *off,
					unsigned *ret_version)
{
	unsigned tags = 0;

	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ_OLD) {
		if (tags == LW_MAX_VLAN_TAGS)
			return DECODE_BAD_VLAN_DEPTH;
		if (!have(*off, VLAN_TAG_LEN, len))
			return DECODE_BAD_VLAN_TRUNCATED;
		type = rd_be16(data + *off + 2);
		*off += VLAN_TAG_LEN;
		tags++;
	}
	if (type == ETHERTYPE_IP4)
		*ret_version = 4;
	else if (type == ETHERTYPE_IP6)
		*ret_version = 6;
	else
		return DECODE_SKIP_NOT_IP;
	return DECODE_OK;
}

static enum decode_result null_af(uint32_t af, unsigned *ret_version)
{
	switch (af) {
	case NULL_AF_INET:
		*ret_version = 4;
		return DECODE_OK;
	case NULL_AF_INET6_LINUX:
	case NULL_AF_INET6_BSD:
	case NULL_AF_INET6_FREEBSD:
	case NULL_AF_INET6_DARWIN:
		*ret_version = 6;
		return DECODE_OK;
	default:
		return DECODE_SKIP_NOT_IP;
	}
}

/* The quoted or real TCP header's first 8 bytes; enough for an ICMP quote. */
static void tcp_ports_seq(const uint8_t *t, struct pkt *pk)
{
	pk->sport = rd_be16(t);
	pk->dport = rd_be16(t + 2);
	pk->seq = rd_be32(t + 4);
}

/* len: bytes captured within the segment; seg_len: the segment's length as
 * the IP header claims it (>= len), so that a data offset beyond what was
 * captured is told apart from one beyond the segment itself. A header the
 * snap length cut after its first 14 bytes is decoded: what is lost
 * (window, checksum, options) decides nothing, and a SYN with its options
 * cut is still a SYN (the old tcpdump default of 68 bytes cuts them). */
static enum decode_result decode_tcp(const uint8_t *t, size_t len, size_t seg_len, struct pkt *pk)
{
	size_t doff;

	if (len < TCP_HLEN_DECIDES)
		return DECODE_BAD_TCP_TRUNCATED;
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < TCP_HLEN_MIN || doff > seg_len)
		return DECODE_BAD_TCP_OFFSET;
	pk->kind = PKT_TCP;
	tcp_ports_seq(t, pk);
	pk->ack = rd_be32(t + 8);
	pk->tcp_flags = t[13];
	if (doff > len) {
		/* no payload was captured: an empty one at the end of the capture */
		pk->tcp_tail_cut = 1;
		pk->payload = t + len;
		return DECODE_OK;
	}
	pk->payload = t + doff;
	pk->payload_len = (uint32_t)(len - doff);
	return DECODE_OK;
}

/* The quoted TCP header of an ICMP(v6) unreachable: only the first 8 bytes
 * are promised; the acknowledgment number is taken when it was quoted. */
static enum decode_result quoted_tcp(const uint8_t *t, size_t len, struct pkt *pk)
{
	if (len < QUOTED_TCP_MIN)
		return DECODE_BAD_ICMP_QUOTE;
	pk->kind = PKT_ICMP_UNREACH;
	tcp_ports_seq(t, pk);
	if (len >= QUOTED_TCP_ACK)
		pk->ack = rd_be32(t + 8);
	return DECODE_OK;
}

/* Walks the extension headers after the fixed IPv6 header, bounded by the
 * data and by LW_MAX_IP6_EXT. Leaves *ret_off at the upper-layer header and
 * *ret_nh naming it. */
static enum decode_result ip6_ext_walk(const uint8_t *p, size_t len, size_t *ret_off,
				       uint8_t *ret_nh)
{
	size_t off = IP6_HLEN, hlen;
	uint8_t nh = p[6];
	unsigned depth = 0;

	for (;;) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_FRAGMENT:
		case IPPROTO_AH:
			break;
		default:
			*ret_off = off;
			*ret_nh = nh;
			return DECODE_OK;
		}
		if (depth == LW_MAX_IP6_EXT)
			return DECODE_BAD_IP6_EXT_DEPTH;
		if (!have(off, IP6_EXT_HLEN_MIN, len))
			return DECODE_BAD_IP6_EXT;
		if (nh == IPPROTO_FRAGMENT) {
			/* a first fragment carries the TCP header; later ones do not */
			if (rd_be16(p + off + 2) & IP6_FRAG_OFFSET_MASK)
				return DECODE_SKIP_FRAGMENT;
			hlen = IP6_EXT_HLEN_MIN;
		} else if (nh == IPPROTO_AH) {
			hlen =
			    ((size_t)p[off + 1] + 2) * 4; /* RFC 4302: in 32-bit words, minus 2 */
		} else {
			hlen = ((size_t)p[off + 1] + 1) * 8;
		}
		if (!have(off, hlen, len))
			return DECODE_BAD_IP6_EXT;
		nh = p[off];
		off += hlen;
		depth++;
	}
}

/* ICMP destination unreachable: the quoted IPv4 header (options included)
 * and the first 8 bytes of the quoted TCP header. The quoted total length
 * is not trusted: old BSD stacks quote it in host order, minus the header. */
static enum decode_result decode_icmp4(const uint8_t *icmp, size_t len, struct pkt *pk)
{
	const uint8_t *q = icmp + ICMP_HLEN;
	size_t qlen, hlen;

	if (len < ICMP_HLEN)
		return DECODE_BAD_ICMP_TRUNCATED;
	if (icmp[0] != ICMP_UNREACH)
		return DECODE_SKIP_ICMP_OTHER;
	qlen = len - ICMP_HLEN;
	if (qlen < IP4_HLEN_MIN || q[0] >> 4 != 4)
		return DECODE_BAD_ICMP_QUOTE;
	hlen = (size_t)(q[0] & 0x0f) * 4;
	if (hlen < IP4_HLEN_MIN || hlen > qlen)
		return DECODE_BAD_ICMP_QUOTE;
	if (q[9] != IPPROTO_TCP || (rd_be16(q + 6) & IP4_FRAG_OFFSET_MASK))
		return DECODE_SKIP_ICMP_OTHER;
	addr_set_ip4(&pk->src, q + 12);
	addr_set_ip4(&pk->dst, q + 16);
	pk->icmp_type = icmp[0];
	pk->icmp_code = icmp[1];
	return quoted_tcp(q + hlen, qlen - hlen, pk);
}

static enum decode_result decode_icmp6(const uint8_t *icmp, size_t len, struct pkt *pk)
{
	const uint8_t *q = icmp + ICMP_HLEN;
	size_t qlen, off;
	uint8_t nh;
	enum decode_result r;

	if (len < ICMP_HLEN)
		return DECODE_BAD_ICMP_TRUNCATED;
	if (icmp[0] != ICMP6_DST_UNREACH)
		return DECODE_SKIP_ICMP_OTHER;
	qlen = len - ICMP_HLEN;
	if (qlen < IP6_HLEN || q[0] >> 4 != 6)
		return DECODE_BAD_ICMP_QUOTE;
	r = ip6_ext_walk(q, qlen, &off, &nh);
	if (r == DECODE_SKIP_FRAGMENT)
		return DECODE_SKIP_ICMP_OTHER;
	if (r != DECODE_OK)
		return DECODE_BAD_ICMP_QUOTE;
	if (nh != IPPROTO_TCP)
		return DECODE_SKIP_ICMP_OTHER;
	addr_set_ip6(&pk->src, q + 8);
	addr_set_ip6(&pk->dst, q + 24);
	pk->icmp_type = icmp[0];
	pk->icmp_code = icmp[1];
	return quoted_tcp(q + off, qlen - off, pk);
}

/* addr_set_ip4() for the hot path: pk was zeroed by decode_packet(), so
 * only the family and the four bytes are left to write, here, without the
 * out-of-line call and its second clearing of the address. */
static inline void set_ip4_zeroed(struct lw_addr *a, const uint8_t *bytes)
{
	a->family = LW_AF_INET;
	memcpy(a->bytes, bytes, 4);
}

static enum decode_result decode_ip4(const uint8_t *p, size_t len, struct pkt *pk)
{
	size_t hlen, total;

	if (len < 1)
		return DECODE_BAD_IP4_TRUNCATED;
	if (p[0] >> 4 != 4)
		return DECODE_BAD_IP_VERSION;
	if (len < IP4_HLEN_MIN)
		return DECODE_BAD_IP4_TRUNCATED;
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < IP4_HLEN_MIN)
		return DECODE_BAD_IP4_HEADER_LEN;
	total = rd_be16(p + 2);
	if (total < hlen)
		return DECODE_BAD_IP4_TOTAL_LEN;
	/* the header fits in the packet it describes but was not all captured */
	if (hlen > len)
		return DECODE_BAD_IP4_TRUNCATED;
	/* honour a smaller total length: Ethernet padding, etherleak-type trailers */
	if (total < len)
		len = total;
	if (rd_be16(p + 6) & IP4_FRAG_OFFSET_MASK)
		return DECODE_SKIP_FRAGMENT;

	switch (p[9]) {
	case IPPROTO_TCP:
		set_ip4_zeroed(&pk->src, p + 12);
		set_ip4_zeroed(&pk->dst, p + 16);
		return decode_tcp(p + hlen, len - hlen, total - hlen, pk);
	case IPPROTO_ICMP:
		return decode_icmp4(p + hlen, len - hlen, pk);
	default:
		return DECODE_SKIP_PROTO;
	}
}

static enum decode_result decode_ip6(const uint8_t *p, size_t len, struct pkt *pk)
{
	size_t wire, off;
	uint8_t nh;
	enum decode_result r;

	if (len < 1)
		return DECODE_BAD_IP6_TRUNCATED;
	if (p[0] >> 4 != 6)
		return DECODE_BAD_IP_VERSION;
	if (len < IP6_HLEN)
		return DECODE_BAD_IP6_TRUNCATED;
	/* payload length 0 is a jumbogram or a GRO/BIG TCP super-packet whose
	 * real length only the capture knows */
	wire = rd_be16(p + 4);
	wire = wire ? IP6_HLEN + wire : SIZE_MAX;
	if (wire < len)
		len = wire;
	r = ip6_ext_walk(p, len, &off, &nh);
	if (r != DECODE_OK)
		return r;

	switch (nh) {
	case IPPROTO_TCP:
		addr_set_ip6(&pk->src, p + 8);
		addr_set_ip6(&pk->dst, p + 24);
		return decode_tcp(p + off, len - off, wire - off, pk);
	case IPPROTO_ICMPV6:
		return decode_icmp6(p + off, len - off, pk);
	default:
		return DECODE_SKIP_PROTO;
	}
}

enum decode_result decode_packet(int linktype, const uint8_t *data, uint32_t caplen,
				 uint32_t wirelen, uint64_t ts_us, struct pkt *ret_pkt)
{
	size_t len = caplen < wirelen ? caplen : wirelen;
	size_t off = 0;
	unsigned version = 0; /* what the link header claims; 0: the nibble decides */
	enum decode_result r = DECODE_OK;
	struct pkt pk;

	switch (linktype) {
	case DLT_EN10MB:
		if (len < ETH_HLEN)
			return DECODE_BAD_LINK_TRUNCATED;
		off = ETH_HLEN;
		r = ether_payload(data, len, rd_be16(data + 12), &off, &version);
		break;
	case DLT_LINUX_SLL:
		/* tags are normally in the metadata, but not when VLAN offload is off */
		if (len < SLL_HLEN)
			return DECODE_BAD_LINK_TRUNCATED;
		off = SLL_HLEN;
		r = ether_payload(data, len, rd_be16(data + SLL_PROTO_OFF), &off, &version);
		break;
	case DLT_LINUX_SLL2:
		if (len < SLL2_HLEN)
			return DECODE_BAD_LINK_TRUNCATED;
		off = SLL2_HLEN;
		r = ether_payload(data, len, rd_be16(data + SLL2_PROTO_OFF), &off, &version);
		break;
	case DLT_RAW:
	case LINKTYPE_RAW:
		/* an empty packet on a link that promised an IP header */
		if (len < 1)
			return DECODE_BAD_LINK_TRUNCATED;
		version = data[0] >> 4;
		if (version != 4 && version != 6)
			return DECODE_BAD_IP_VERSION;
		break;
	case DLT_IPV4:
		version = 4;
		break;
	case DLT_IPV6:
		version = 6;
		break;
	case DLT_NULL: {
		/* host order of the capturing machine, which need not be ours;
		 * every valid value is small, so the other order is never ambiguous */
		uint32_t af;

		if (len < NULL_HLEN)
			return DECODE_BAD_LINK_TRUNCATED;
		af = rd_le32(data);
		if (af > 0xffff)
			af = rd_be32(data);
		off = NULL_HLEN;
		r = null_af(af, &version);
		break;
	}
	case DLT_LOOP:
		if (len < NULL_HLEN)
			return DECODE_BAD_LINK_TRUNCATED;
		off = NULL_HLEN;
		r = null_af(rd_be32(data), &version);
		break;
	default:
		return DECODE_BAD_LINKTYPE;
	}
	if (r != DECODE_OK)
		return r;

	memset(&pk, 0, sizeof(pk));
	if (version == 4)
		r = decode_ip4(data + off, len - off, &pk);
	else
		r = decode_ip6(data + off, len - off, &pk);
	if (r != DECODE_OK)
		return r;
	pk.ts_us = ts_us;
	*ret_pkt = pk;
	return DECODE_OK;
}
