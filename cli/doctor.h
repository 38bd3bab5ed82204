/* lockwatch doctor's capture probe: counts, on a live interface for a few
 * seconds or in a capture file, the client SYNs to the watched ports and
 * the server's replies to them, which tells whether the capture sees both
 * directions of a handshake. */
#ifndef LW_DOCTOR_H
#define LW_DOCTOR_H

#include <stdint.h>

#include "analyzer/servers.h"
#include "rules/rules.h"
#include "sensor/capture.h"

struct doctor_watch {
	uint64_t packets;
	uint64_t syns;	   /* client SYNs to a watched port */
	uint64_t syn_acks; /* server SYN-ACKs from a watched port */
	uint64_t rsts;	   /* server RSTs from a watched port */
	uint64_t icmp;	   /* ICMP(v6) unreachables quoting a SYN to a watched port */
	/* with the watched servers known: the host's own connections to
	 * another host's watched port (its mail going out) and their replies,
	 * and what passed between two other hosts; none of it is counted above */
	uint64_t out_syns, out_replies, other;
	uint64_t kernel_drops;
};

static inline uint64_t doctor_watch_replies(const struct doctor_watch *w)
{
	return w->syn_acks + w->rsts + w->icmp;
}

/* Reads an open capture to its end (files) or for `seconds` (live),
 * counting into *ret. Returns 0, or -1 with c->err/errstr set. */
int doctor_watch_run(struct capture *c, const uint16_t *ports, unsigned n_ports,
		     const struct servers *servers, unsigned seconds, struct doctor_watch *ret);

/* The servers doctor tells directions by, as lockwatchd would: the
 * addresses given (--server), else the rules' server lines, else the
 * interface's own addresses (iface may be NULL: every destination). NULL
 * when out of memory. */
struct servers *doctor_servers(const struct rules *r, const char *iface,
			       const struct lw_addr *given, size_t n_given);

#endif
