/* sensor/: packets only: capture (capture.c, filter.c), decoding
 * (decode.c), packet time (pktclock.c) and the handshake tracker
 * (tracker.c with tuple_hash.c, reply_seen.c, helo.c) that turns packets
 * into attempts. It may include common/ only, never hiredis or libsystemd.
 *
 * The seam between sensor and analyzer: one finished connection attempt.
 * The sensor knows packets, the analyzer knows policy; this is all that
 * passes between them. */
#ifndef LW_ATTEMPT_H
#define LW_ATTEMPT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/bounds.h"

/* How far an attempt got; ordered so that a larger value is "further".
 * Each attempt is counted under exactly one outcome, the furthest it got. */
enum outcome {
	OUTCOME_UNANSWERED = 0, /* no reply within the handshake timeout (Zeek S0) */
	OUTCOME_REFUSED,	/* server sent RST (REJ) */
	OUTCOME_REJECTED,	/* ICMP(v6) unreachable quoting the SYN */
	OUTCOME_ACCEPTED,	/* server sent SYN-ACK (S1) */
	OUTCOME_ESTABLISHED,	/* client ACKed the SYN-ACK */
	OUTCOME_SMTP,		/* client sent payload (SF) */
	OUTCOME_COUNT
};

const char *outcome_name(enum outcome o);
static inline bool outcome_reached(enum outcome o)
{
	return o >= OUTCOME_ACCEPTED;
}

struct attempt {
	struct lw_addr src, dst; /* client, server */
	uint16_t sport, dport;
	uint32_t isn;		    /* client's initial sequence number */
	uint64_t first_us;	    /* first SYN, packet time */
	uint64_t last_us;	    /* last packet of the attempt */
	uint64_t judged_us;	    /* packet time the outcome became final: the
				     * timeout's deadline, or the packet that ended it */
	uint32_t syns;		    /* SYNs seen, retransmits included */
	uint8_t outcome;	    /* enum outcome */
	bool replied;		    /* a server reply was seen (SYN-ACK, RST, ICMP); an
				     * smtp outcome inferred from client data alone has none */
	bool evicted;		    /* pushed out of a full table before its end */
	bool pending_at_end;	    /* capture ended before the timeout could decide */
	bool without_syn;	    /* reached, proved by the server's reply alone: the SYN
				     * was never seen (syns 0, isn the reply's guess) */
	char helo[LW_HELO_MAX + 1]; /* HELO/EHLO argument, "" if none */
};

#endif
