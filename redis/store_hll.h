/* Redis's HyperLogLog built on this side (store_hll.c): the distinct
 * sources a flood folds are counted into one register array per day, in
 * Redis's own format, and sent as one dense HyperLogLog to merge
 * (PFMERGE) instead of one PFADD element per source. */
#ifndef LW_STORE_HLL_H
#define LW_STORE_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define STORE_HLL_P	     14
#define STORE_HLL_REGISTERS  (1u << STORE_HLL_P)
#define STORE_HLL_HDR	     16 /* "HYLL", encoding, 3 unused, 8-byte cardinality cache */
#define STORE_HLL_DENSE_SIZE (STORE_HLL_HDR + (STORE_HLL_REGISTERS * 6 + 7) / 8)

/* Redis's MurmurHash64A (hyperloglog.c), byte for byte. */
uint64_t store_hll_murmur64a(const void *key, size_t len, uint64_t seed);

/* Counts an element into regs (one byte per register, STORE_HLL_REGISTERS
 * of them) as `PFADD key <element>` would count it. */
void store_hll_add(uint8_t *regs, const void *ele, size_t len);

/* The same for an address, by its text form (as the store writes it). */
void store_hll_add_addr(uint8_t *regs, const struct lw_addr *a);

/* One day's folded sources as registers: what the store holds instead
 * of their addresses while Redis is away (16 KiB a day, however many). */
struct store_hll_day {
	uint32_t day; /* days since the epoch */
	uint8_t regs[STORE_HLL_REGISTERS];
};
#define STORE_HLL_HELD_DAYS 4 /* a held batch rarely spans more than two */

struct store_batch;

/* Moves b's folded addresses into the registers of their day in days[]
 * (*n_days of them, at most STORE_HLL_HELD_DAYS, allocated on first use),
 * and releases b's address list. Addresses of a day with no room stay in
 * b. -1 when out of memory (b then unchanged). */
int store_hll_hold(struct store_hll_day **days, uint32_t *n_days, struct store_batch *b);

/* regs as Redis's dense HyperLogLog (STORE_HLL_DENSE_SIZE bytes into out),
 * the cardinality cache marked invalid. */
void store_hll_dense(const uint8_t *regs, uint8_t *out);

#endif
