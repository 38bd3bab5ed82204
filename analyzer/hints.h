/* Probable servers: with no server named (a capture replayed without
 * --server or `server` lines), every connection is judged, and nothing is
 * excluded by guesswork. But an address that both answers on the watched
 * port and opens connections that another host's watched port answers is
 * most likely the watched host sending its own mail: the report names it
 * and says to name it with --server, so a host's own mail never silently
 * reads as a breach. Two mail hosts that deliver to each other look alike
 * from the wire: the watched one also answers someone it never connected
 * to (the gateway, other senders); a remote peer answers only the host it
 * talks to, so it is never named. Only answered handshakes are
 * remembered, so a flood of unanswered SYNs fills nothing. */
#ifndef LW_HINTS_H
#define LW_HINTS_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"
#include "sensor/attempt.h"

/* addresses remembered per side; a capture of one mail host has a few */
#define LW_HINTS_MAX 256
/* peers remembered per address; past it, "many" */
#define LW_HINTS_PEERS 8

struct hint_addr {
	struct lw_addr addr;
	uint64_t n; /* answered attempts to it, or reached attempts from it */
	/* answered: the clients it answered, gateways apart */
	struct lw_addr peer[LW_HINTS_PEERS];
	uint8_t n_peers;
	bool many_peers;
	bool from_gateway; /* it answered a gateway (allowed) source */
};

struct hints {
	struct hint_addr answered[LW_HINTS_MAX]; /* answered on a watched port */
	struct hint_addr opened[LW_HINTS_MAX];	 /* opened a connection another host answered */
	size_t n_answered, n_opened;
};

/* One judged attempt and the class its source got: a gateway (allowed)
 * connects to the host and relays its mail, so it is never a candidate. */
void hints_attempt(struct hints *h, const struct attempt *a, enum src_class cls);
/* Addresses on both sides, at most max into ret (with the number of
 * connections they opened); returns how many. */
size_t hints_probable(const struct hints *h, struct hint_addr *ret, size_t max);

#endif
