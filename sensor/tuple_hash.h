/* The tracker's keyed hash of a connection's 4-tuple, shared by its index
 * and its set of connections reached without a SYN. */
#ifndef LW_TUPLE_HASH_H
#define LW_TUPLE_HASH_H

#include <stdint.h>
#include <string.h>

#include "common/addr.h"

#define TUPLE_HASH_SEED_WORDS 6

static inline uint64_t tuple_mum(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	uint64_t ha = a >> 32, la = (uint32_t)a, hb = b >> 32, lb = (uint32_t)b;
	uint64_t rh = ha * hb, rm0 = ha * lb, rm1 = hb * la, rl = la * lb;
	uint64_t t = rl + (rm0 << 32), c = t < rl;
	uint64_t lo = t + (rm1 << 32);

	c += lo < t;
	return lo ^ (rh + (rm0 >> 32) + (rm1 >> 32) + c);
#endif
}

static inline uint64_t tuple_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* wyhash-style: every multiplicand is xored with its own secret word, so a
 * flooder who controls the key cannot force a zero operand or a collision
 * without knowing the seed. IPv4 leaves bytes[4..15] zero, so one layout
 * fits both families. */
static inline uint64_t tuple_hash(const uint64_t seed[TUPLE_HASH_SEED_WORDS],
				  const struct lw_addr *src, const struct lw_addr *dst,
				  uint16_t sport, uint16_t dport)
{
	uint64_t w4 = (uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)src->family << 32 |
		      (uint64_t)dst->family << 40;
	uint64_t h;

	h = tuple_mum(tuple_load64(src->bytes) ^ seed[0], tuple_load64(src->bytes + 8) ^ seed[1]);
	h = tuple_mum(tuple_load64(dst->bytes) ^ seed[2] ^ h,
		      tuple_load64(dst->bytes + 8) ^ seed[3]);
	h = tuple_mum(w4 ^ seed[4] ^ h, seed[5]);
	return h;
}

/* Fills the seed from getrandom(), or from clocks and the pid when early
 * boot has no entropy yet. */
void tuple_hash_seed(uint64_t seed[TUPLE_HASH_SEED_WORDS]);

#endif
