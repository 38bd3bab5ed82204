/* Redis's HyperLogLog on this side (see hll.h): the hash and the register
 * rule of Redis's hyperloglog.c, Ertl's estimator as Redis 5+ counts, and
 * arrays of registers by day. Owns no encoding: redis/store_hll.c turns registers into what
 * Redis stores. */
#include "config.h"

#include "common/hll.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#define HLL_SEED 0xadc83b19ULL
#define HLL_Q	 (64 - LW_HLL_P)

static uint64_t load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return le64toh(v);
}

uint64_t lw_hll_murmur64a(const void *key, size_t len, uint64_t seed)
{
	const uint64_t m = 0xc6a4a7935bd1e995ULL;
	const int r = 47;
	const uint8_t *data = key;
	uint64_t h = seed ^ ((uint64_t)len * m);
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t k = load_le(data + i, 8);
		k *= m;
		k ^= k >> r;
		k *= m;
		h ^= k;
		h *= m;
	}
	if (len & 7) { /* the tail, as Redis's switch builds it */
		h ^= load_le(data + i, len & 7);
		h *= m;
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
	/* the position of the first 1 in the other 50 bits, a 1 put at the
	 * end so that the count stops at 51 */
	uint64_t rest = (hash >> LW_HLL_P) | (1ULL << HLL_Q);
	uint8_t count = (uint8_t)(__builtin_ctzll(rest) + 1);

	if (count > regs[index])
		regs[index] = count;
}

void lw_hll_add_addr(uint8_t *regs, const struct lw_addr *a)
{
	char ip[LW_ADDR_STRLEN];

	addr_format(a, ip, sizeof(ip));
	lw_hll_add(regs, ip, strlen(ip));
}

/* No libm in the link: Newton's method is plenty for an estimate. */
static double hll_sqrt(double x)
{
	double y = x > 1 ? x : 1;

	if (x <= 0)
		return 0;
	for (int i = 0; i < 64; i++) {
		double n = 0.5 * (y + x / y);
		if (n == y)
			break;
		y = n;
	}
	return y;
}

static double hll_sigma(double x)
{
	double y = 1, z = x, prev;

	if (x == 1.)
		return 1e300; /* every register empty: the estimate is 0 */
	do {
		x *= x;
		prev = z;
		z += x * y;
		y += y;
	} while (prev != z);
	return z;
}

static double hll_tau(double x)
{
	double y = 1.0, z = 1 - x, prev;

	if (x == 0. || x == 1.)
		return 0.;
	do {
		x = hll_sqrt(x);
		prev = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (prev != z);
	return z / 3;
}

uint64_t lw_hll_count(const uint8_t *reg)
{
	const double m = LW_HLL_REGISTERS;
	uint32_t histo[HLL_Q + 2] = {0};

	for (uint32_t i = 0; i < LW_HLL_REGISTERS; i++)
		histo[reg[i]]++;
	double z = m * hll_tau((m - histo[HLL_Q + 1]) / m);
	for (int j = HLL_Q; j >= 1; j--) {
		z += histo[j];
		z *= 0.5;
	}
	z += m * hll_sigma(histo[0] / m);
	return (uint64_t)(0.721347520444481703680 * m * m / z + 0.5); /* 0.5 / ln 2 */
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
