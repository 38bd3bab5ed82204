/* The reply-only connection set (see reply_seen.h): 4-way set-associative,
 * each way the connection's 64-bit keyed hash and the time it was last
 * seen. The hash stands for the key: the seed is secret, so a flooder
 * cannot aim two connections at one value, and a chance collision (one in
 * 2^64 per pair) at worst counts a connection once too few. */
#include "config.h"

#include "sensor/reply_seen.h"

#include <stdlib.h>
#include <string.h>

#include "common/bounds.h"

#define WAYS 4u

struct way {
	uint64_t h; /* hash | 1: 0 is an empty way */
	uint64_t seen_us;
};

struct reply_seen {
	struct way *ways;
	uint32_t mask; /* sets - 1 */
};

struct reply_seen *reply_seen_new(uint32_t max)
{
	struct reply_seen *s;
	uint32_t sets = 1;

	if (max == 0)
		return NULL;
	while ((uint64_t)sets * WAYS < max && sets < (1u << 28))
		sets *= 2;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ways = calloc((size_t)sets * WAYS, sizeof(*s->ways));
	if (!s->ways) {
		free(s);
		return NULL;
	}
	s->mask = sets - 1;
	return s;
}

void reply_seen_free(struct reply_seen *s)
{
	if (!s)
		return;
	free(s->ways);
	free(s);
}

static bool idle(const struct way *w, uint64_t now_us)
{
	return now_us > w->seen_us && now_us - w->seen_us >= LW_REPLY_IDLE_US;
}

bool reply_seen_add(struct reply_seen *s, uint64_t h, uint64_t now_us, uint64_t *evictions)
{
	/* the set from the high bits: the tracker's index uses the low ones */
	struct way *set = &s->ways[(size_t)((h >> 40) & s->mask) * WAYS];
	struct way *victim = &set[0];
	uint64_t tag = h | 1;

	for (unsigned i = 0; i < WAYS; i++) {
		struct way *w = &set[i];

		if (w->h == tag) {
			bool fresh = idle(w, now_us);
			w->seen_us = now_us;
			return fresh;
		}
		if (victim->h && (!w->h || w->seen_us < victim->seen_us))
			victim = w;
	}
	if (victim->h && !idle(victim, now_us))
		(*evictions)++;
	victim->h = tag;
	victim->seen_us = now_us;
	return true;
}

void reply_seen_attempt(const struct pkt *p, enum outcome o, uint64_t now_us, struct attempt *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->src = p->dst; /* the client */
	ret->dst = p->src;
	ret->sport = p->dport;
	ret->dport = p->sport;
	ret->isn = o == OUTCOME_ACCEPTED ? p->ack - 1 : 0; /* a SYN-ACK acks isn + 1 */
	ret->first_us = ret->last_us = ret->judged_us = now_us;
	ret->outcome = (uint8_t)o;
	ret->replied = true;
	ret->without_syn = true;
}

void reply_seen_rebase(struct reply_seen *s, uint64_t now_us)
{
	for (size_t i = 0; i < ((size_t)s->mask + 1) * WAYS; i++)
		if (s->ways[i].h)
			s->ways[i].seen_us = now_us;
}
