/* Redis's HyperLogLog on this side of the socket: the hash, the register
 * update and the dense encoding of Redis's hyperloglog.c (P = 14, 6-bit
 * registers packed little-endian after a 16-byte "HYLL" header), so that a
 * register array built here and merged with PFMERGE counts exactly what
 * PFADD of the same elements would have counted. Owns nothing else; the
 * encoder (store_encode.c) decides when to send it. */
#include "config.h"

#include "redis/store_hll.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/store_batch.h"

#define HLL_SEED 0xadc83b19ULL
#define HLL_Q	 (64 - STORE_HLL_P)

uint64_t store_hll_murmur64a(const void *key, size_t len, uint64_t seed)
{
	const uint64_t m = 0xc6a4a7935bd1e995ULL;
	const int r = 47;
	const uint8_t *data = key;
	const uint8_t *end = data + (len - (len & 7));
	uint64_t h = seed ^ ((uint64_t)len * m);

	for (; data != end; data += 8) {
		/* little-endian load, whatever the host */
		uint64_t k = 0;
		for (int i = 7; i >= 0; i--)
			k = (k << 8) | data[i];
		k *= m;
		k ^= k >> r;
		k *= m;
		h ^= k;
		h *= m;
	}
	switch (len & 7) {
	case 7:
		h ^= (uint64_t)data[6] << 48;
		/* fall through */
	case 6:
		h ^= (uint64_t)data[5] << 40;
		/* fall through */
	case 5:
		h ^= (uint64_t)data[4] << 32;
		/* fall through */
	case 4:
		h ^= (uint64_t)data[3] << 24;
		/* fall through */
	case 3:
		h ^= (uint64_t)data[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint64_t)data[1] << 8;
		/* fall through */
	case 1:
		h ^= (uint64_t)data[0];
		h *= m;
		break;
	default:
		break;
	}
	h ^= h >> r;
	h *= m;
	h ^= h >> r;
	return h;
}

void store_hll_add(uint8_t *regs, const void *ele, size_t len)
{
	uint64_t hash = store_hll_murmur64a(ele, len, HLL_SEED);
	uint32_t index = (uint32_t)(hash & (STORE_HLL_REGISTERS - 1));
	uint8_t count = 1;

	/* the position of the first 1 in the other 50 bits, a 1 put at the
	 * end so that the count stops at 51 */
	hash >>= STORE_HLL_P;
	hash |= 1ULL << HLL_Q;
	while ((hash & 1) == 0) {
		count++;
		hash >>= 1;
	}
	if (count > regs[index])
		regs[index] = count;
}

void store_hll_add_addr(uint8_t *regs, const struct lw_addr *a)
{
	char ip[LW_ADDR_STRLEN];

	addr_format(a, ip, sizeof(ip));
	store_hll_add(regs, ip, strlen(ip));
}

void store_hll_dense(const uint8_t *regs, uint8_t *out)
{
	uint8_t *r = out + STORE_HLL_HDR;

	memset(out, 0, STORE_HLL_DENSE_SIZE);
	memcpy(out, "HYLL", 4);
	out[4] = 0;	    /* dense */
	out[15] |= 1u << 7; /* the cardinality cache is invalid */
	for (uint32_t i = 0; i < STORE_HLL_REGISTERS; i++) {
		uint32_t bit = i * 6, byte = bit / 8, shift = bit & 7;
		uint32_t v = (uint32_t)(regs[i] & 63) << shift;
		r[byte] |= (uint8_t)v;
		if (v >> 8)
			r[byte + 1] |= (uint8_t)(v >> 8);
	}
}

int store_hll_hold(struct store_hll_day **days, uint32_t *n_days, struct store_batch *b)
{
	uint32_t kept = 0;

	if (!b->n_folded)
		return 0;
	if (!*days) {
		*days = malloc(STORE_HLL_HELD_DAYS * sizeof(**days));
		if (!*days)
			return -1;
	}
	for (uint32_t i = 0; i < b->n_folded; i++) {
		const struct batch_folded *f = &b->folded[i];
		uint32_t d = 0;
		while (d < *n_days && (*days)[d].day != f->day)
			d++;
		if (d == *n_days && d < STORE_HLL_HELD_DAYS) {
			(*days)[d].day = f->day;
			memset((*days)[d].regs, 0, STORE_HLL_REGISTERS);
			(*n_days)++;
		}
		if (d < *n_days)
			store_hll_add_addr((*days)[d].regs, &f->addr);
		else
			b->folded[kept++] = *f; /* a fifth day: stays an address */
	}
	b->n_folded = kept;
	if (!kept) { /* a flood's worth of addresses: give the memory back */
		free(b->folded);
		b->folded = NULL;
		b->cap_folded = 0;
	}
	return 0;
}
