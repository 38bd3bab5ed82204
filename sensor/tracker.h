/* Handshake tracker: follows each client SYN to a watched port until its
 * outcome is known, in packet time, in a bounded table; and counts, once per
 * connection, a reach the server's reply alone proves (SYN never seen). */
#ifndef LW_TRACKER_H
#define LW_TRACKER_H

#include <stdint.h>

#include "sensor/attempt.h"
#include "sensor/decode.h"

struct tracker;

/* Called once per attempt when its outcome is final (reply seen, timeout,
 * eviction, or tracker_finish()). The attempt is only valid during the call,
 * and the callback must not call back into the tracker. */
typedef void (*tracker_emit_fn)(const struct attempt *a, void *userdata);

/* Called, when set, with the client address of an open attempt that a full
 * table will evict a few SYNs from now (a flood evicts in age order), so
 * the consumer can start loading what it will need for it then. Must be
 * cheap and must not call back into the tracker. */
typedef void (*tracker_ahead_fn)(const struct lw_addr *src, void *userdata);

struct tracker_config {
	uint32_t max_attempts; /* table bound; LW_TRACKER_MAX_DEFAULT */
	uint64_t timeout_us;   /* LW_HANDSHAKE_TIMEOUT_US */
	uint64_t linger_us;    /* LW_LINGER_US */
	const uint16_t *ports; /* watched server ports */
	unsigned n_ports;
	tracker_ahead_fn ahead;	 /* optional; gets the emit callback's userdata */
	uint32_t max_reply_seen; /* LW_REPLY_SEEN_MAX: connections reached without a SYN */
};

struct tracker_stats {
	uint64_t attempts;	       /* attempts started */
	uint64_t retransmits;	       /* SYNs merged into an existing attempt */
	uint64_t evictions;	       /* open attempts pushed out by a full table */
	uint64_t unmatched_replies;    /* RST for no attempt, SYN-ACK acking another ISN */
	uint64_t unmatched_icmp;       /* unreachables quoting no attempt we know */
	uint64_t pending_at_end;       /* open attempts the end of the capture cut short */
	uint64_t open;		       /* attempts open now */
	uint64_t reached_without_syn;  /* reaches the server's reply alone proved */
	uint64_t reply_seen_evictions; /* such connections forgotten by a full set (each
					* may count again if it goes on) */
	uint64_t clock_jumps;	       /* packet stamps that jumped (pktclock.h) */
};

void tracker_config_defaults(struct tracker_config *cfg);
/* Returns NULL only on allocation failure or a nonsensical config. */
struct tracker *tracker_new(const struct tracker_config *cfg, tracker_emit_fn emit, void *userdata);
void tracker_free(struct tracker *t);

/* Feed one decoded packet: it is matched first, then the tracker's clock
 * moves to p->ts_us (unless that is a jump, see pktclock.h) and what timed
 * out before it expires. Emits an attempt with without_syn set for a
 * server packet from a watched port (SYN-ACK, or ACK, data, FIN of an
 * established connection) that no open attempt explains. */
void tracker_packet(struct tracker *t, const struct pkt *p);
/* Starts loading the index slot tracker_packet() will first read for p: a
 * caller that decodes a few packets ahead hides that cache miss behind the
 * packets between. A hint; no effect on the result. */
void tracker_prefetch(const struct tracker *t, const struct pkt *p);
/* Whether tracker_packet() may read p's payload: only a client's, for its
 * HELO line (at most LW_HELO_MAX + 7 bytes of it); a server's banner and
 * replies are never read, so a caller keeping packets may drop them. */
bool tracker_reads_payload(const struct tracker *t, const struct pkt *p);
/* Advance packet time without a packet (live idle periods). */
void tracker_advance(struct tracker *t, uint64_t now_us);
/* End of capture: emit every open attempt as it stands. */
void tracker_finish(struct tracker *t);
void tracker_get_stats(const struct tracker *t, struct tracker_stats *ret_stats);

#endif
