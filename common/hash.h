/* Seeded hashing of addresses for the tables that spoofed traffic fills
 * (the aggregate's sources, the alerter's de-duplication sets): each table
 * draws its own seed at start, so nobody can aim sources at one slot. */
#ifndef LW_HASH_H
#define LW_HASH_H

#include <stdint.h>
#include <string.h>

#include "common/addr.h"

/* splitmix64's finaliser: cheap, and every input bit reaches every output
 * bit. */
static inline uint64_t lw_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Both families in one layout: IPv4 leaves bytes 4..15 zero. */
static inline uint64_t lw_addr_hash(uint64_t seed, const struct lw_addr *a)
{
	uint64_t w0, w1;

	memcpy(&w0, a->bytes, 8);
	memcpy(&w1, a->bytes + 8, 8);
	return lw_mix64(lw_mix64(seed ^ w0 ^ ((uint64_t)a->family << 56)) ^ w1);
}

#endif
