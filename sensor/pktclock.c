/* Packet time with jumps held back (see pktclock.h). The tracker matches a
 * packet before its time expires anything, so a held stamp costs nothing:
 * the packet is still matched, at the clock's time. */
#include "config.h"

#include "sensor/pktclock.h"

#include "common/bounds.h"

/* ts lies in the time line that starts at base: not behind it by more than
 * the slack that reordering explains, not ahead by more than a jump. */
static bool in_line(uint64_t base, uint64_t ts)
{
	if (ts < base)
		return base - ts <= LW_CLOCK_BACK_SLACK_US;
	return ts - base <= LW_CLOCK_JUMP_US;
}

enum pkt_clock_move pkt_clock_observe(struct pkt_clock *c, uint64_t ts_us)
{
	if (!c->started) {
		c->started = true;
		c->now_us = ts_us;
		return PKT_CLOCK_KEPT;
	}
	if (in_line(c->now_us, ts_us)) {
		/* back in line: a held stamp was one record out of line */
		c->held = false;
		if (ts_us > c->now_us)
			c->now_us = ts_us;
		return PKT_CLOCK_KEPT;
	}
	if (c->held && in_line(c->held_us, ts_us)) {
		/* a second stamp in the new line: the clock really stepped */
		c->held = false;
		c->now_us = ts_us > c->held_us ? ts_us : c->held_us;
		return PKT_CLOCK_STEPPED;
	}
	c->held = true;
	c->held_us = ts_us;
	c->jumps++;
	return PKT_CLOCK_HELD;
}
