/* BPF filter construction (see filter.h). */
#include "config.h"

#include "sensor/filter.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "common/bounds.h"

/* Appends to buf at *pos; returns -1 once it no longer fits. */
static int append(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n + 1 > len)
		return -1;
	memcpy(buf + *pos, s, n + 1);
	*pos += n;
	return 0;
}

int filter_build(const uint16_t *ports, unsigned n_ports, int linktype, char *buf, size_t len)
{
	char core[2048];
	size_t pos = 0;
	char item[32];

	/* On DLT_NULL/DLT_LOOP libpcap tests the compiling host's AF_INET6
	 * (10 on Linux) and so drops IPv6 captured on a BSD or macOS (24,
	 * 28, 30). No filter there: the decoder and tracker select on their
	 * own, the filter only saves work. */
	if (linktype == DLT_NULL || linktype == DLT_LOOP) {
		if (len)
			buf[0] = '\0';
		return n_ports >= 1 && n_ports <= LW_MAX_WATCHED_PORTS ? 0 : -1;
	}
	if (n_ports == 0 || n_ports > LW_MAX_WATCHED_PORTS) {
		snprintf(buf, len, "%u watched ports: need 1 to %d", n_ports, LW_MAX_WATCHED_PORTS);
		return -1;
	}
	/* "tcp port N" matches either direction, which the evidence needs:
	 * the server's SYN-ACK or RST is the proof, not the client's SYN.
	 * ICMP type 3 / ICMPv6 type 1 carry nftables/iptables "reject".
	 * libpcap's "tcp" and "icmp6" only look at the fixed IPv6 header's
	 * next-header byte, so an IPv6 packet whose chain starts with an
	 * extension header (hop-by-hop 0, routing 43, fragment 44, AH 51,
	 * destination options 60) passes whole and the decoder walks the
	 * chain: otherwise a client could hide its SYN behind one header and
	 * reach the server unseen. Such packets are rare, so this costs
	 * nothing on ordinary traffic. */
	if (append(core, sizeof(core), &pos, "((tcp and (") < 0)
		goto toolong;
	for (unsigned i = 0; i < n_ports; i++) {
		if (ports[i] == 0) {
			snprintf(buf, len, "port 0 cannot be watched");
			return -1;
		}
		snprintf(item, sizeof(item), "%sport %u", i ? " or " : "", ports[i]);
		if (append(core, sizeof(core), &pos, item) < 0)
			goto toolong;
	}
	if (append(core, sizeof(core), &pos,
		   ")) or (icmp and icmp[icmptype] == icmp-unreach) or "
		   "(icmp6 and ip6[40] == 1) or "
		   "(ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or "
		   "ip6[6] == 51 or ip6[6] == 60)))") < 0)
		goto toolong;

	/* "vlan" shifts every later offset by one tag, so the expression is
	 * repeated: untagged, one tag, two tags (802.1Q inside 802.1ad).
	 * libpcap accepts "vlan" on Ethernet only. */
	int n;
	if (linktype != DLT_EN10MB)
		n = snprintf(buf, len, "%s", core);
	else
		n = snprintf(buf, len, "%s or (vlan and (%s or (vlan and %s)))", core, core, core);
	if (n < 0 || (size_t)n >= len)
		goto toolong;
	return 0;
toolong:
	snprintf(buf, len, "filter for %u ports is too long", n_ports);
	return -1;
}
