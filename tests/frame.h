/* Frame builders for tests and the capture generator: IP packets carrying
 * TCP segments or ICMP unreachables, wrapped in every link type the decoder
 * knows. Checksums are correct so frames can be replayed onto a real link. */
#ifndef LW_FRAME_H
#define LW_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX 2048

struct tcp_spec {
	const char *src, *dst; /* textual IPv4 or IPv6 addresses; same family */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* TCPF_* from sensor/decode.h */
	const void *payload;
	size_t payload_len;
	uint8_t tcp_options_len; /* 0..40, multiple of 4: NOP padding to test offsets */
	uint8_t ip4_options_len; /* 0..40, multiple of 4: NOP options in the IPv4 header */
	uint8_t ip6_ext_headers; /* number of IPv6 hop-by-hop/dest-options headers to chain */
	uint8_t ttl;		 /* 0 means 64 */
};

/* An IP packet (v4 or v6 by the addresses' family) carrying one TCP segment.
 * Returns its length, 0 on a bad spec or if it does not fit in cap. */
size_t frame_ip_tcp(uint8_t *out, size_t cap, const struct tcp_spec *s);

/* An ICMP (type 3) or ICMPv6 (type 1) destination-unreachable from
 * reporter to the quoted packet's source, quoting the first quote_len bytes
 * (0 = as much as RFC 792/4443 allow) of the IP packet `quoted`. */
size_t frame_ip_icmp_unreach(uint8_t *out, size_t cap, const char *reporter, uint8_t code,
			     const uint8_t *quoted, size_t quoted_len, size_t quote_len);

/* Link wrappers: prepend the link header to an IP packet. */
size_t frame_ethernet(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len,
		      unsigned vlan_tags /* 0.., outer tags are 802.1ad */);
size_t frame_linux_sll(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len);
size_t frame_linux_sll2(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len);
size_t frame_null(uint8_t *out, size_t cap, const uint8_t *ip, size_t ip_len,
		  int big_endian /* DLT_NULL is host order; both occur in the wild */);
size_t frame_loop(uint8_t *out, size_t cap, const uint8_t *ip,
		  size_t ip_len); /* DLT_LOOP: network order */

/* A pcap file writer on top of libpcap's pcap_dump. */
struct pcapw;
struct pcapw *pcapw_open(const char *path, int linktype, char *errbuf, size_t errlen);
/* The same with the file header's snapshot length (tcpdump -s) */
struct pcapw *pcapw_open_snaplen(const char *path, int linktype, int snaplen, char *errbuf,
				 size_t errlen);
void pcapw_write(struct pcapw *w, uint64_t ts_us, const uint8_t *data, size_t len);
/* Writes with a captured length smaller than the original (snaplen cut). */
void pcapw_write_cut(struct pcapw *w, uint64_t ts_us, const uint8_t *data, size_t caplen,
		     size_t wirelen);
void pcapw_close(struct pcapw *w);

#endif
