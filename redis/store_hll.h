/* Redis's HyperLogLog, dense encoding (store_hll.c): the registers of a
 * day's folded sources (common/hll.h) as Redis stores them, sent as one
 * value to merge (PFMERGE) instead of one PFADD element per source. */
#ifndef LW_STORE_HLL_H
#define LW_STORE_HLL_H

#include <stdint.h>

#include "common/hll.h"

#define STORE_HLL_HDR	     16 /* "HYLL", encoding, 3 unused, 8-byte cardinality cache */
#define STORE_HLL_DENSE_SIZE (STORE_HLL_HDR + (LW_HLL_REGISTERS * 6 + 7) / 8)

/* regs (LW_HLL_REGISTERS) as Redis's dense HyperLogLog (STORE_HLL_DENSE_SIZE
 * bytes into out), the cardinality cache marked invalid. */
void store_hll_dense(const uint8_t *regs, uint8_t *out);

#endif
