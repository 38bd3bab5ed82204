/* Redis's dense HyperLogLog encoding on this side of the socket (P = 14,
 * 6-bit registers packed little-endian after a 16-byte "HYLL" header), for
 * registers counted by common/hll.c: merged with PFMERGE they count
 * exactly what PFADD of the same elements would have counted. Owns
 * nothing else; the encoder (store_encode.c) decides when to send it. */
#include "config.h"

#include "redis/store_hll.h"

#include <string.h>

void store_hll_dense(const uint8_t *regs, uint8_t *out)
{
	uint8_t *r = out + STORE_HLL_HDR;

	memset(out, 0, STORE_HLL_DENSE_SIZE);
	memcpy(out, "HYLL", 4);
	out[4] = 0;	    /* dense */
	out[15] |= 1u << 7; /* the cardinality cache is invalid */
	for (uint32_t i = 0; i < LW_HLL_REGISTERS; i++) {
		uint32_t bit = i * 6, byte = bit / 8, shift = bit & 7;
		uint32_t v = (uint32_t)(regs[i] & 63) << shift;
		r[byte] |= (uint8_t)v;
		if (v >> 8)
			r[byte + 1] |= (uint8_t)(v >> 8);
	}
}
