/* Redis's HyperLogLog register update on this side (see hll.h): the hash
 * and the register rule of Redis's hyperloglog.c, and arrays of them by
 * day. Owns no encoding: redis/store_hll.c turns registers into what
 * Redis stores. */
#include "config.h"

#include "common/hll.h"

#include <stdlib.h>
#include <string.h>

#define HLL_SEED 0xadc83b19ULL
#define HLL_Q	 (64 - LW_HLL_P)

uint64_t lw_hll_murmur64a(const void *key, size_t len, uint64_t seed)
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

void lw_hll_add(uint8_t *regs, const void *ele, size_t len)
{
	uint64_t hash = lw_hll_murmur64a(ele, len, HLL_SEED);
	uint32_t index = (uint32_t)(hash & (LW_HLL_REGISTERS - 1));
	uint8_t count = 1;

	/* the position of the first 1 in the other 50 bits, a 1 put at the
	 * end so that the count stops at 51 */
	hash >>= LW_HLL_P;
	hash |= 1ULL << HLL_Q;
	while ((hash & 1) == 0) {
		count++;
		hash >>= 1;
	}
	if (count > regs[index])
		regs[index] = count;
}

void lw_hll_add_addr(uint8_t *regs, const struct lw_addr *a)
{
	char ip[LW_ADDR_STRLEN];

	addr_format(a, ip, sizeof(ip));
	lw_hll_add(regs, ip, strlen(ip));
}

/* The day's registers, added (zeroed) when new and there is room; NULL
 * with *rc set otherwise. */
static struct lw_hll_day *day_of(struct lw_hll_day **days, uint32_t *n, uint32_t day, int *rc)
{
	for (uint32_t i = 0; i < *n; i++)
		if ((*days)[i].day == day)
			return &(*days)[i];
	if (*n >= LW_HLL_DAYS_MAX) {
		*rc = 1;
		return NULL;
	}
	struct lw_hll_day *v = realloc(*days, (size_t)(*n + 1) * sizeof(*v));
	if (!v) {
		*rc = -1;
		return NULL;
	}
	*days = v;
	v[*n].day = day;
	memset(v[*n].regs, 0, LW_HLL_REGISTERS);
	return &v[(*n)++];
}

int lw_hll_days_add(struct lw_hll_day **days, uint32_t *n, const struct lw_addr *a, uint32_t day)
{
	int rc = 0;
	struct lw_hll_day *d = day_of(days, n, day, &rc);

	if (d)
		lw_hll_add_addr(d->regs, a);
	return rc;
}

int lw_hll_days_merge(struct lw_hll_day **days, uint32_t *n, const struct lw_hll_day *from,
		      uint32_t n_from)
{
	int rc = 0;

	for (uint32_t i = 0; i < n_from; i++) {
		int r = 0;
		struct lw_hll_day *d = day_of(days, n, from[i].day, &r);
		if (!d) {
			rc = rc < 0 ? rc : r;
			continue;
		}
		for (uint32_t k = 0; k < LW_HLL_REGISTERS; k++)
			if (from[i].regs[k] > d->regs[k])
				d->regs[k] = from[i].regs[k];
	}
	return rc;
}
