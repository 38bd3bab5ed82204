/* The connections the server's reply alone proved reached (their SYN was
 * never seen: the capture started mid-session, the SYN was lost, or it was
 * cut), remembered so that each connection counts once, in a fixed-size
 * set that no flood can grow and that shares nothing with the attempts. */
#ifndef LW_REPLY_SEEN_H
#define LW_REPLY_SEEN_H

#include <stdbool.h>
#include <stdint.h>

#include "sensor/attempt.h"
#include "sensor/decode.h"

struct reply_seen;

/* max: connections remembered (rounded up to a multiple of the set size);
 * NULL when out of memory or max is 0. */
struct reply_seen *reply_seen_new(uint32_t max);
void reply_seen_free(struct reply_seen *s);

/* Looks the connection up by its keyed 64-bit hash (the tracker's), and
 * remembers it as seen at now_us. Returns true when it was not remembered
 * (or had been idle for LW_REPLY_IDLE_US): a new connection. Forgetting the
 * least recently seen of a full set is counted in *evictions. */
bool reply_seen_add(struct reply_seen *s, uint64_t h, uint64_t now_us, uint64_t *evictions);

/* The attempt such a reach is counted as, from the server's packet p:
 * without_syn, syns 0, replied, at now_us; accepted for a SYN-ACK (isn from
 * its acknowledgement), established for the rest. */
void reply_seen_attempt(const struct pkt *p, enum outcome o, uint64_t now_us, struct attempt *ret);

/* Every remembered connection is seen at now_us (the clock stepped). */
void reply_seen_rebase(struct reply_seen *s, uint64_t now_us);

#endif
