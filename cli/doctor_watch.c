/* Counts handshake halves on a capture for lockwatch doctor (see doctor.h). */
#include "config.h"

#include "cli/doctor.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/mem.h"

#include "sensor/decode.h"

#define DOCTOR_POLL_MS 200 /* the watch's deadline is checked this often */

struct watch_ctx {
	struct doctor_watch *w;
	const uint16_t *ports;
	unsigned n_ports;
	const struct servers *servers;
};

static bool watched(const struct watch_ctx *x, uint16_t port)
{
	for (unsigned i = 0; i < x->n_ports; i++)
		if (x->ports[i] == port)
			return true;
	return false;
}

static void on_packet(int linktype, const struct pcap_pkthdr *h, const uint8_t *data, void *ud)
{
	struct watch_ctx *x = ud;
	struct pkt p;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;

	x->w->packets++;
	if (decode_packet(linktype, data, h->caplen, h->len, ts, &p) != DECODE_OK)
		return;
	uint8_t syn_ack = TCPF_SYN | TCPF_ACK;
	bool icmp = p.kind == PKT_ICMP_UNREACH;
	/* the quoted header of an ICMP error is the client's SYN */
	bool syn = !icmp && (p.tcp_flags & syn_ack) == TCPF_SYN && watched(x, p.dport);
	bool reply = !icmp && watched(x, p.sport) &&
		     ((p.tcp_flags & syn_ack) == syn_ack || (p.tcp_flags & TCPF_RST));
	if (!(icmp && watched(x, p.dport)) && !syn && !reply)
		return;
	/* client to server, whichever way the packet goes */
	const struct lw_addr *client = reply ? &p.dst : &p.src;
	const struct lw_addr *server = reply ? &p.src : &p.dst;
	enum direction dir =
	    x->servers ? servers_direction(x->servers, client, server) : DIR_INBOUND;
	if (dir == DIR_OTHER) {
		x->w->other++;
	} else if (dir == DIR_OUTBOUND) {
		if (syn)
			x->w->out_syns++;
		else
			x->w->out_replies++;
	} else if (icmp) {
		x->w->icmp++;
	} else if (syn) {
		x->w->syns++;
	} else if (p.tcp_flags & TCPF_RST) {
		x->w->rsts++;
	} else {
		x->w->syn_acks++;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int doctor_watch_run(struct capture *c, const uint16_t *ports, unsigned n_ports,
		     const struct servers *servers, unsigned seconds, struct doctor_watch *ret)
{
	struct watch_ctx x = {.w = ret, .ports = ports, .n_ports = n_ports, .servers = servers};
	struct capture_stats cs;
	int fd = capture_fd(c);

	memset(ret, 0, sizeof(*ret));
	if (fd < 0) {
		int n;
		while ((n = capture_next(c, 0, on_packet, &x)) != CAPTURE_END)
			if (n < 0)
				return -1;
		return 0;
	}
	uint64_t end = now_ms() + (uint64_t)seconds * 1000u;
	for (uint64_t now = now_ms(); now < end; now = now_ms()) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t left = end - now;
		if (poll(&pfd, 1, left < DOCTOR_POLL_MS ? (int)left : DOCTOR_POLL_MS) > 0 &&
		    capture_next(c, 0, on_packet, &x) < 0)
			return -1;
	}
	capture_next(c, 0, on_packet, &x); /* what arrived with the deadline */
	capture_get_stats(c, &cs);
	ret->kernel_drops = cs.kernel_drops;
	return 0;
}

struct servers *doctor_servers(const struct rules *r, const char *iface,
			       const struct lw_addr *given, size_t n_given)
{
	struct ifaddrs *ifs, *i;
	struct lw_addr *addrs = NULL;
	size_t n = 0, cap = 0;

	if (n_given)
		return servers_new_list(SERVERS_OPTION, given, n_given);
	struct servers *sv = r ? servers_from_rules(r) : servers_new_all(SERVERS_NONE);
	if (!sv || sv->origin != SERVERS_NONE || !iface || getifaddrs(&ifs) < 0)
		return sv;
	for (i = ifs; i; i = i->ifa_next) {
		struct lw_addr a;
		if (!i->ifa_addr || strcmp(i->ifa_name, iface) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			addr_set_ip4(&a, (const uint8_t *)&(
					     (const struct sockaddr_in *)(const void *)i->ifa_addr)
					     ->sin_addr);
		else if (i->ifa_addr->sa_family == AF_INET6)
			addr_set_ip6(&a, ((const struct sockaddr_in6 *)(const void *)i->ifa_addr)
					     ->sin6_addr.s6_addr);
		else
			continue;
		if (mem_grow(&addrs, &cap, n + 1, sizeof(*addrs), 8) < 0)
			break;
		addrs[n++] = a;
	}
	freeifaddrs(ifs);
	servers_free(sv);
	sv = servers_new_list(SERVERS_INTERFACE, addrs, n);
	free(addrs);
	return sv;
}
