/* Packet time as the handshake tracker keeps it: the capture's timestamps,
 * trusted while they move forward by less than LW_CLOCK_JUMP_US and back by
 * no more than LW_CLOCK_BACK_SLACK_US. A stamp beyond that is a clock jump:
 * counted, and held (the clock stays where it was) until a second stamp
 * confirms the new time line. One stamp out of line (a record 48 years
 * ahead in a public pcapng) therefore never moves the clock, and a real
 * step (NTP, a gap between capture files) moves it one packet later. */
#ifndef LW_PKTCLOCK_H
#define LW_PKTCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct pkt_clock {
	uint64_t now_us;  /* the clock: what expiry and new attempts use */
	uint64_t held_us; /* the stamp of a jump not yet confirmed */
	bool started;	  /* now_us holds a stamp */
	bool held;
	uint64_t jumps; /* stamps that jumped (capture.clock_jumps) */
};

enum pkt_clock_move {
	PKT_CLOCK_KEPT = 0, /* the clock moved forward in line, or stayed */
	PKT_CLOCK_HELD,	    /* a jump, not applied: the clock stayed */
	PKT_CLOCK_STEPPED,  /* a jump was confirmed: the clock stepped to it */
};

/* Takes one stamp (a packet's, or the live clock's on an idle tick). */
enum pkt_clock_move pkt_clock_observe(struct pkt_clock *c, uint64_t ts_us);

#endif
