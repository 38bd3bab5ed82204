/* Counts handshake halves on a capture for lockwatch doctor (see doctor.h). */
#include "config.h"

#include "cli/doctor.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "sensor/decode.h"

#define DOCTOR_POLL_MS 200 /* the watch's deadline is checked this often */

struct watch_ctx {
	struct doctor_watch *w;
	const uint16_t *ports;
	unsigned n_ports;
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
	if (p.kind == PKT_ICMP_UNREACH) {
		/* the quoted header is the client's SYN: it names the server port */
		if (watched(x, p.dport))
			x->w->icmp++;
		return;
	}
	uint8_t syn_ack = TCPF_SYN | TCPF_ACK;
	if ((p.tcp_flags & syn_ack) == TCPF_SYN && watched(x, p.dport))
		x->w->syns++;
	else if ((p.tcp_flags & syn_ack) == syn_ack && watched(x, p.sport))
		x->w->syn_acks++;
	else if ((p.tcp_flags & TCPF_RST) && watched(x, p.sport))
		x->w->rsts++;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int doctor_watch_run(struct capture *c, const uint16_t *ports, unsigned n_ports, unsigned seconds,
		     struct doctor_watch *ret)
{
	struct watch_ctx x = {.w = ret, .ports = ports, .n_ports = n_ports};
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
