/* Packet decoding: from a link-layer frame to the few TCP/ICMP facts the
 * handshake tracker needs. Every read is bounds-checked; a malformed packet
 * yields a named reason and is never trusted. */
#ifndef LW_DECODE_H
#define LW_DECODE_H

#include <stdint.h>

#include "common/addr.h"

/* Results of decode_packet(). DECODE_OK means *ret_pkt is filled.
 * The "skip" results are ordinary traffic lockwatch does not need; the
 * "bad" results are malformed packets, each counted under its own name. */
enum decode_result {
	DECODE_OK = 0,
	/* skipped, not malformed */
	DECODE_SKIP_NOT_IP,	/* ARP, LLDP, ... */
	DECODE_SKIP_FRAGMENT,	/* non-first IP fragment */
	DECODE_SKIP_PROTO,	/* IP but neither TCP nor ICMP/ICMPv6 */
	DECODE_SKIP_ICMP_OTHER, /* ICMP that is not an unreachable quoting TCP */
	DECODE_SKIP_LAST = DECODE_SKIP_ICMP_OTHER,
	/* malformed */
	DECODE_BAD_LINK_TRUNCATED, /* shorter than its link header */
	DECODE_BAD_LINKTYPE,	   /* link type we do not decode */
	DECODE_BAD_VLAN_TRUNCATED,
	DECODE_BAD_VLAN_DEPTH, /* more than LW_MAX_VLAN_TAGS tags */
	DECODE_BAD_IP_VERSION, /* version nibble disagrees with the link's claim */
	DECODE_BAD_IP4_TRUNCATED,
	DECODE_BAD_IP4_HEADER_LEN, /* IHL < 5 or beyond the packet */
	DECODE_BAD_IP4_TOTAL_LEN,  /* total length < header length */
	DECODE_BAD_IP6_TRUNCATED,
	DECODE_BAD_IP6_EXT,	  /* extension header truncated */
	DECODE_BAD_IP6_EXT_DEPTH, /* more than LW_MAX_IP6_EXT extension headers */
	DECODE_BAD_TCP_TRUNCATED, /* not even the header's first 14 bytes captured */
	DECODE_BAD_TCP_OFFSET,	  /* data offset < 5 or beyond the segment */
	DECODE_BAD_ICMP_TRUNCATED,
	DECODE_BAD_ICMP_QUOTE, /* quoted datagram too short or inconsistent */
	DECODE_RESULT_COUNT
};

/* Stable snake_case name of a result ("ip4_truncated"), used in reports. */
const char *decode_result_name(enum decode_result r);
static inline int decode_result_is_bad(enum decode_result r)
{
	return r > DECODE_SKIP_LAST;
}

enum pkt_kind {
	PKT_TCP = 1,	      /* a TCP segment */
	PKT_ICMP_UNREACH = 2, /* ICMP(v6) destination unreachable quoting a TCP header */
};

/* TCP flag bits as on the wire */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

/* One decoded packet. For PKT_ICMP_UNREACH the addresses, ports and seq are
 * those of the *quoted* TCP header (the original segment, usually the
 * client's SYN), so the tracker can look the attempt up directly. */
struct pkt {
	uint64_t ts_us;	   /* packet time, microseconds since the epoch */
	uint8_t kind;	   /* enum pkt_kind */
	uint8_t tcp_flags; /* TCPF_* (PKT_TCP only) */
	uint8_t icmp_type; /* PKT_ICMP_UNREACH: ICMP or ICMPv6 type and code */
	uint8_t icmp_code;
	uint8_t tcp_tail_cut; /* PKT_TCP: the snap length cut the header after its
			       * first 14 bytes (window, checksum, options): the
			       * payload is empty, at the end of the capture */
	struct lw_addr src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t payload_len;	/* bytes of TCP payload captured (<= on the wire) */
	const uint8_t *payload; /* into the caller's buffer; valid during the callback */
};

/* Link types handled: DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
 * DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP. caplen is what was captured,
 * wirelen the original length. */
enum decode_result decode_packet(int linktype, const uint8_t *data, uint32_t caplen,
				 uint32_t wirelen, uint64_t ts_us, struct pkt *ret_pkt);

/* 1 when decode_packet() knows the link type. */
int decode_linktype_supported(int linktype);

#endif
