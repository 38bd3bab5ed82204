/* Unit tests of sensor/decode.c cut by the snap length: every frame shape
 * decoded at every captured length, each copy in an exactly-sized heap
 * buffer so that ASan catches any read past the captured length. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "sensor/decode.h"
#include "tests/decode_fx.h"
#include "tests/frame.h"

struct trunc_case {
	const char *name;
	int linktype;
	uint8_t frame[FRAME_MAX];
	size_t len;
	size_t min_ok;	    /* shortest capture that decodes: TCP's first 14 bytes */
	size_t payload_off; /* TCP: shorter captures decode with tcp_tail_cut */
};

static void check_truncations(const struct trunc_case *c)
{
	struct pkt full, p;

	assert_result(dec(c->linktype, c->frame, c->len, &full), DECODE_OK);
	/* cut == len: the whole frame, also in an exactly sized buffer */
	for (size_t cut = 0; cut <= c->len; cut++) {
		/* exactly sized so that ASan sees any read past the capture */
		uint8_t *buf = malloc(cut ? cut : 1);

		assert_non_null(buf);
		memcpy(buf, c->frame, cut);
		for (int snapped = 0; snapped <= 1; snapped++) {
			memset(&p, 0, sizeof(p));
			enum decode_result r =
			    decode_packet(c->linktype, buf, (uint32_t)cut,
					  (uint32_t)(snapped ? c->len : cut), TS, &p);
			const char *name = decode_result_name(r);
			assert_true((int)r >= 0 && (int)r < DECODE_RESULT_COUNT);
			assert_string_not_equal(name, "unknown");
			if (cut < c->min_ok) {
				if (!decode_result_is_bad(r))
					fail_msg("%s cut at %zu: %s", c->name, cut, name);
				continue;
			}
			if (r != DECODE_OK)
				fail_msg("%s cut at %zu: %s", c->name, cut, name);
			assert_int_equal(p.kind, full.kind);
			assert_true(addr_equal(&p.src, &full.src));
			assert_true(addr_equal(&p.dst, &full.dst));
			assert_int_equal(p.sport, full.sport);
			assert_int_equal(p.dport, full.dport);
			assert_int_equal(p.seq, full.seq);
			if (full.kind == PKT_TCP) {
				assert_int_equal(p.ack, full.ack);
				assert_int_equal(p.tcp_flags, full.tcp_flags);
				bool tail_cut = cut < c->payload_off;
				assert_int_equal(p.tcp_tail_cut, tail_cut);
				assert_ptr_equal(p.payload,
						 tail_cut ? buf + cut : buf + c->payload_off);
				assert_int_equal(p.payload_len,
						 tail_cut ? 0 : cut - c->payload_off);
			} else {
				assert_int_equal(p.icmp_type, full.icmp_type);
				assert_int_equal(p.icmp_code, full.icmp_code);
			}
		}
		free(buf);
	}
}

static void test_truncation_every_length(void **state)
{
	static struct trunc_case c[6];
	uint8_t ip[FRAME_MAX], syn[FRAME_MAX];
	struct tcp_spec s;
	size_t n, sn;
	(void)state;

	/* Ethernet, two VLAN tags, IPv4 options, TCP options, payload */
	s = spec(CLIENT4, SERVER4, TCPF_ACK | TCPF_PSH);
	s.payload = ehlo;
	s.payload_len = strlen(ehlo);
	s.ip4_options_len = 8;
	s.tcp_options_len = 12;
	n = ip_tcp(ip, &s);
	c[0].name = "ethernet/vlan/ip4";
	c[0].linktype = DLT_EN10MB;
	c[0].len = frame_ethernet(c[0].frame, FRAME_MAX, ip, n, 2);
	c[0].payload_off = 22 + 28 + 32;
	c[0].min_ok = 22 + 28 + 14;

	/* SLL2, IPv6 with extension headers, payload */
	s = spec(CLIENT6, SERVER6, TCPF_ACK | TCPF_PSH);
	s.payload = ehlo;
	s.payload_len = strlen(ehlo);
	s.ip6_ext_headers = 3;
	s.tcp_options_len = 4;
	n = ip_tcp(ip, &s);
	c[1].name = "sll2/ip6/ext";
	c[1].linktype = DLT_LINUX_SLL2;
	c[1].len = frame_linux_sll2(c[1].frame, FRAME_MAX, ip, n);
	c[1].payload_off = 20 + 40 + 24 + 24;
	c[1].min_ok = 20 + 40 + 24 + 14;

	/* DLT_NULL, IPv4 SYN */
	s = spec(CLIENT4, SERVER4, TCPF_SYN);
	n = ip_tcp(ip, &s);
	c[2].name = "null/ip4";
	c[2].linktype = DLT_NULL;
	c[2].len = frame_null(c[2].frame, FRAME_MAX, ip, n, 0);
	c[2].payload_off = 4 + 40;
	c[2].min_ok = 4 + 20 + 14;

	/* ICMP unreachable quoting a SYN with IP options */
	s = spec(CLIENT4, SERVER4, TCPF_SYN);
	s.ip4_options_len = 4;
	sn = ip_tcp(syn, &s);
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER4, 3, syn, sn, 0);
	c[3].name = "sll/icmp4";
	c[3].linktype = DLT_LINUX_SLL;
	c[3].len = frame_linux_sll(c[3].frame, FRAME_MAX, ip, n);
	c[3].min_ok = 16 + 20 + 8 + 24 + 8;

	/* ICMPv6 unreachable quoting a SYN with extension headers */
	s = spec(CLIENT6, SERVER6, TCPF_SYN);
	s.ip6_ext_headers = 2;
	sn = ip_tcp(syn, &s);
	n = frame_ip_icmp_unreach(ip, sizeof(ip), REPORTER6, 1, syn, sn, 0);
	c[4].name = "raw/icmp6";
	c[4].linktype = DLT_RAW;
	memcpy(c[4].frame, ip, n);
	c[4].len = n;
	c[4].min_ok = 40 + 8 + 40 + 16 + 8;

	/* DLT_LOOP, IPv6 SYN-ACK */
	s = spec(SERVER6, CLIENT6, TCPF_SYN | TCPF_ACK);
	n = ip_tcp(ip, &s);
	c[5].name = "loop/ip6";
	c[5].linktype = DLT_LOOP;
	c[5].len = frame_loop(c[5].frame, FRAME_MAX, ip, n);
	c[5].payload_off = 4 + 40 + 20;
	c[5].min_ok = 4 + 40 + 14;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_true(c[i].len >= c[i].min_ok);
		check_truncations(&c[i]);
	}
}
int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_truncation_every_length),
	};

	return cmocka_run_group_tests_name("decode_truncation", tests, NULL, NULL);
}
