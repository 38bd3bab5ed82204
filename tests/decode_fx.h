/* test_decode's fixture, shared by the decoder's test programs
 * (test_decode, test_decode_truncation): the addresses and ports of the
 * frames, the client segment they carry, and decoding one. */
#ifndef LW_DECODE_FX_H
#define LW_DECODE_FX_H

#include <stdint.h>
#include <string.h>

#include "common/addr.h"
#include "sensor/decode.h"
#include "tests/frame.h"

#define TS	     1700000000123456ULL
#define CLIENT4	     "198.51.100.7"
#define SERVER4	     "192.0.2.25"
#define CLIENT6	     "2001:db8::7"
#define SERVER6	     "2001:db8:25::25"
#define REPORTER4    "203.0.113.1"
#define REPORTER6    "2001:db8:ffff::1"
#define SPORT	     40000
#define DPORT	     25
#define SEQ	     0x11223344u
#define ACK	     0x55667788u
#define LINKTYPE_RAW 101
#define ETH_HLEN     14

static const char ehlo[] = "EHLO mail.example.org\r\n";

/* A client segment to port 25 with the given shape. */
static inline struct tcp_spec spec(const char *src, const char *dst, uint8_t flags)
{
	struct tcp_spec s;

	memset(&s, 0, sizeof(s));
	s.src = src;
	s.dst = dst;
	s.sport = SPORT;
	s.dport = DPORT;
	s.seq = SEQ;
	s.ack = flags & TCPF_ACK ? ACK : 0;
	s.flags = flags;
	return s;
}

static inline size_t ip_tcp(uint8_t *out, const struct tcp_spec *s)
{
	size_t n = frame_ip_tcp(out, FRAME_MAX, s);

	assert_true(n > 0);
	return n;
}

static inline enum decode_result dec(int linktype, const uint8_t *f, size_t len, struct pkt *p)
{
	memset(p, 0xa5, sizeof(*p)); /* so that a field left unset shows */
	return decode_packet(linktype, f, (uint32_t)len, (uint32_t)len, TS, p);
}

static inline void assert_addr(const struct lw_addr *a, const char *text)
{
	struct lw_addr want;

	assert_int_equal(addr_parse(text, &want), 0);
	if (!addr_equal(a, &want)) {
		char got[LW_ADDR_STRLEN];
		fail_msg("address %s, want %s", addr_format(a, got, sizeof(got)), text);
	}
}

static inline void assert_result(enum decode_result got, enum decode_result want)
{
	if (got != want)
		fail_msg("result %s, want %s", decode_result_name(got), decode_result_name(want));
}

#endif
