/* HyperLogLog registers counted the way Redis's PFADD counts them (P = 14,
 * MurmurHash64A with Redis's seed over the element's bytes, the position
 * of the first 1 in the other 50 bits): registers built here and merged
 * into Redis (redis/store_hll.c sends their dense encoding to PFMERGE)
 * count exactly what PFADD of the same elements would. The aggregate's
 * own count of distinct outside sources uses the same registers. The aggregate and
 * the store batch fold a flood's sources into them, one array per day,
 * so a flood costs 16 KiB a day instead of an address per source. */
#ifndef LW_HLL_H
#define LW_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define LW_HLL_P	 14
#define LW_HLL_REGISTERS (1u << LW_HLL_P)
/* days one array of days holds: a batch rarely spans more than two (past
 * it, a source is counted in the series but not in a day's registers) */
#define LW_HLL_DAYS_MAX 4

/* Redis's MurmurHash64A (hyperloglog.c), byte for byte. */
uint64_t lw_hll_murmur64a(const void *key, size_t len, uint64_t seed);

/* Counts an element into regs (LW_HLL_REGISTERS bytes, one register each)
 * as `PFADD key <element>` would count it. */
void lw_hll_add(uint8_t *regs, const void *ele, size_t len);

/* The same for an address, by its text form (as the store writes it). */
void lw_hll_add_addr(uint8_t *regs, const struct lw_addr *a);

/* The distinct elements counted into regs, estimated as PFCOUNT does
 * (Ertl's improved estimator; standard error 0.81 %). */
uint64_t lw_hll_count(const uint8_t *regs);

/* One day's registers (day: days since the epoch). */
struct lw_hll_day {
	uint32_t day;
	uint8_t regs[LW_HLL_REGISTERS];
};

/* Counts a into the registers of `day` in *days (*n of them, grown by
 * one for a new day, at most LW_HLL_DAYS_MAX). 0; 1 when a new day found
 * no room (not counted); -1 when out of memory (not counted). */
int lw_hll_days_add(struct lw_hll_day **days, uint32_t *n, const struct lw_addr *a, uint32_t day);

/* Merges n_from days into *days, register by register (the larger
 * wins, as PFMERGE does: merging twice counts nothing twice). 0; 1 when
 * a day found no room; -1 when out of memory. */
int lw_hll_days_merge(struct lw_hll_day **days, uint32_t *n, const struct lw_hll_day *from,
		      uint32_t n_from);

#endif
