/* Tests for the longest-prefix matcher (rules/matcher.c): edge prefixes,
 * duplicates, bad input, and agreement with two independent references
 * (a linear scan and a per-length binary search) on seeded random IPv4 and
 * IPv6 tables with 100,000 random addresses each. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/matcher.h"

#define N_ADDRS 100000 /* random addresses checked per table */

/* xorshift64*: deterministic across libcs, unlike rand() */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static struct lw_addr make_addr(unsigned family)
{
	struct lw_addr a;

	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)family;
	for (unsigned i = 0; i < (family == LW_AF_INET ? 4u : 16u); i++)
		a.bytes[i] = (uint8_t)rng();
	return a;
}

static void mask(struct lw_addr *a, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		if (plen <= i * 8)
			a->bytes[i] = 0;
		else if (plen < i * 8 + 8)
			a->bytes[i] &= (uint8_t)(0xff00u >> (plen - i * 8));
	}
}

static bool in_prefix(const struct lw_addr *a, const struct matcher_prefix *p)
{
	struct lw_addr m = *a, n = p->net;

	if (a->family != p->net.family)
		return false;
	mask(&m, p->plen);
	mask(&n, p->plen);
	return memcmp(m.bytes, n.bytes, 16) == 0;
}

/* Reference 1: linear scan; the first of equal longest prefixes wins. */
static bool ref_linear(const struct matcher_prefix *p, size_t n, const struct lw_addr *a,
		       uint32_t *ret)
{
	long best = -1;

	for (size_t i = 0; i < n; i++)
		if (in_prefix(a, &p[i]) && (best < 0 || p[i].plen > p[best].plen))
			best = (long)i;
	if (best < 0)
		return false;
	*ret = p[best].payload;
	return true;
}

/* Reference 2: for each length, a sorted array of masked networks; an
 * address is looked up length by length from the longest. */
struct ref_item {
	uint8_t key[16];
	size_t order;
	uint32_t payload;
};

struct ref_table {
	struct ref_item *items[129];
	size_t n[129];
};

static int ref_cmp(const void *a, const void *b)
{
	const struct ref_item *x = a, *y = b;
	int c = memcmp(x->key, y->key, 16);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void ref_build(struct ref_table *t, const struct matcher_prefix *p, size_t n)
{
	memset(t, 0, sizeof(*t));
	for (unsigned l = 0; l <= 128; l++)
		t->items[l] = calloc(n + 1, sizeof(struct ref_item));
	for (size_t i = 0; i < n; i++) {
		struct lw_addr m = p[i].net;
		mask(&m, p[i].plen);
		struct ref_item *it = &t->items[p[i].plen][t->n[p[i].plen]++];
		memcpy(it->key, m.bytes, 16);
		it->order = i;
		it->payload = p[i].payload;
	}
	for (unsigned l = 0; l <= 128; l++)
		qsort(t->items[l], t->n[l], sizeof(struct ref_item), ref_cmp);
}

static void ref_free(struct ref_table *t)
{
	for (unsigned l = 0; l <= 128; l++)
		free(t->items[l]);
}

static bool ref_bsearch(const struct ref_table *t, unsigned bits, const struct lw_addr *a,
			uint32_t *ret)
{
	for (int l = (int)bits; l >= 0; l--) {
		struct lw_addr m = *a;
		mask(&m, (unsigned)l);
		size_t lo = 0, hi = t->n[l];
		while (lo < hi) { /* first item with key >= m */
			size_t mid = (lo + hi) / 2;
			if (memcmp(t->items[l][mid].key, m.bytes, 16) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < t->n[l] && memcmp(t->items[l][lo].key, m.bytes, 16) == 0) {
			*ret = t->items[l][lo].payload;
			return true;
		}
	}
	return false;
}

/* A random table of one family with the edge lengths forced in. */
static struct matcher_prefix *random_table(unsigned family, size_t n, bool with_default)
{
	unsigned bits = family == LW_AF_INET ? 32 : 128;
	struct matcher_prefix *p = calloc(n, sizeof(*p));

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		p[i].net = make_addr(family);
		/* most lengths from bits/8 + 12 up, so that uniform probes also
		 * miss; a few host and very short prefixes for the edges */
		unsigned min = family == LW_AF_INET ? 16 : 12;
		if (i < 8)
			p[i].plen = bits;
		else if (i < 16)
			p[i].plen = 4 + (unsigned)(rng() % 5);
		else
			p[i].plen = min + (unsigned)(rng() % (bits - min + 1));
		if (i > 16 && rng() % 50 == 0) {
			/* nest: a longer prefix inside an earlier one, or a duplicate */
			size_t j = (size_t)(rng() % i);
			p[i].net = p[j].net;
			if (rng() % 2 && p[j].plen < bits)
				p[i].plen = p[j].plen + 1 + (unsigned)(rng() % (bits - p[j].plen));
			else
				p[i].plen = p[j].plen;
		}
		p[i].payload = (uint32_t)i;
	}
	if (with_default)
		p[n / 2].plen = 0;
	return p;
}

/* Half the addresses fall inside table prefixes (random host bits), half
 * are uniform. */
static struct lw_addr random_probe(unsigned family, const struct matcher_prefix *p, size_t n)
{
	struct lw_addr a = make_addr(family);

	if (rng() % 2) {
		const struct matcher_prefix *q = &p[rng() % n];
		for (unsigned i = 0; i < 16; i++) {
			unsigned lo = i * 8;
			if (q->plen >= lo + 8)
				a.bytes[i] = q->net.bytes[i];
			else if (q->plen > lo) {
				uint8_t m = (uint8_t)(0xff00u >> (q->plen - lo));
				a.bytes[i] = (uint8_t)((q->net.bytes[i] & m) | (a.bytes[i] & ~m));
			}
		}
		if (family == LW_AF_INET)
			memset(a.bytes + 4, 0, 12);
	}
	return a;
}

static void check_random(unsigned family, size_t n, bool with_default, bool linear, uint64_t seed)
{
	unsigned bits = family == LW_AF_INET ? 32 : 128;
	struct ref_table ref;
	size_t hits = 0;

	rng_seed(seed);
	struct matcher_prefix *p = random_table(family, n, with_default);
	struct matcher *m = matcher_build(p, n);
	assert_non_null(m);
	ref_build(&ref, p, n);
	for (size_t k = 0; k < N_ADDRS; k++) {
		struct lw_addr a = random_probe(family, p, n);
		uint32_t got = UINT32_MAX, want = UINT32_MAX, want2 = UINT32_MAX;
		bool g = matcher_lookup(m, &a, &got);
		bool w = ref_bsearch(&ref, bits, &a, &want);
		if (g != w || (g && got != want)) {
			char buf[LW_ADDR_STRLEN];
			fail_msg("seed %llu: %s: matcher %d/%u, reference %d/%u",
				 (unsigned long long)seed, addr_format(&a, buf, sizeof(buf)), g,
				 got, w, want);
		}
		if (linear) {
			bool w2 = ref_linear(p, n, &a, &want2);
			assert_int_equal(w2, w);
			if (w)
				assert_int_equal(want2, want);
		}
		if (family == LW_AF_INET) {
			uint32_t v4 = (uint32_t)a.bytes[0] << 24 | (uint32_t)a.bytes[1] << 16 |
				      (uint32_t)a.bytes[2] << 8 | a.bytes[3];
			uint32_t got4 = UINT32_MAX;
			assert_int_equal(matcher_lookup4(m, v4, &got4), g);
			if (g)
				assert_int_equal(got4, got);
		}
		hits += g;
	}
	/* the probes must exercise both outcomes */
	if (with_default)
		assert_int_equal(hits, N_ADDRS);
	else if (hits <= N_ADDRS / 3 || hits >= N_ADDRS)
		fail_msg("%zu of %d probes matched: both outcomes must be tested", hits, N_ADDRS);
	print_message("# IPv%u, %zu prefixes (%zu distinct): %zu/%d matched, %zu KiB\n", family, n,
		      matcher_count(m), hits, N_ADDRS, matcher_memory(m) / 1024);
	ref_free(&ref);
	matcher_free(m);
	free(p);
}

static void test_random_v4_small_linear(void **state)
{
	(void)state;
	check_random(LW_AF_INET, 1000, false, true, 1);
}

static void test_random_v4_large(void **state)
{
	(void)state;
	check_random(LW_AF_INET, 100000, false, false, 2);
	check_random(LW_AF_INET, 100000, true, false, 3);
}

static void test_random_v6_small_linear(void **state)
{
	(void)state;
	check_random(LW_AF_INET6, 200, false, true, 4);
}

static void test_random_v6_large(void **state)
{
	(void)state;
	check_random(LW_AF_INET6, 5000, false, false, 5);
	check_random(LW_AF_INET6, 5000, true, false, 6);
}

static struct matcher_prefix P(const char *text, unsigned plen, uint32_t payload) {
	struct matcher_prefix p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(addr_parse(text, &p.net), 0);
	p.plen = plen;
	p.payload = payload;
	return p;
}

static bool
look(const struct matcher *m, const char *text, uint32_t *ret)
{
	struct lw_addr a;

	assert_int_equal(addr_parse(text, &a), 0);
	*ret = UINT32_MAX;
	return matcher_lookup(m, &a, ret);
}

static void test_edges(void **state)
{
	(void)state;
	uint32_t v;

	/* empty */
	struct matcher *m = matcher_build(NULL, 0);
	assert_non_null(m);
	assert_false(look(m, "0.0.0.0", &v));
	assert_false(look(m, "::", &v));
	assert_int_equal(matcher_count(m), 0);
	matcher_free(m);
	matcher_free(NULL);

	struct matcher_prefix p[] = {
	    P("0.0.0.0", 0, 1),
	    P("255.255.255.255", 32, 2),
	    P("0.0.0.0", 32, 3),
	    P("10.0.0.0", 8, 4),
	    P("10.0.0.0", 8, 5), /* duplicate: the first wins */
	    P("10.1.2.0", 24, 6),
	    P("10.1.2.128", 25, 7),
	    P("10.1.2.3", 32, 8),
	    P("::", 0, 9),
	    P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, 10),
	    P("2001:db8::", 32, 11),
	    P("2001:db8::1", 128, 12),
	    P("2001:db8:0:1::", 63, 13),
	    P("10.200.0.0", 17, 14),
	};
	m = matcher_build(p, sizeof(p) / sizeof(p[0]));
	assert_non_null(m);
	assert_int_equal(matcher_count(m), 13);
	assert_true(matcher_memory(m) > 0);
	assert_true(look(m, "1.2.3.4", &v));
	assert_int_equal(v, 1);
	assert_true(look(m, "255.255.255.255", &v));
	assert_int_equal(v, 2);
	assert_true(look(m, "255.255.255.254", &v));
	assert_int_equal(v, 1);
	assert_true(look(m, "0.0.0.0", &v));
	assert_int_equal(v, 3);
	assert_true(look(m, "0.0.0.1", &v));
	assert_int_equal(v, 1);
	assert_true(look(m, "10.9.9.9", &v));
	assert_int_equal(v, 4);
	assert_true(look(m, "10.1.2.1", &v));
	assert_int_equal(v, 6);
	assert_true(look(m, "10.1.2.200", &v));
	assert_int_equal(v, 7);
	assert_true(look(m, "10.1.2.3", &v));
	assert_int_equal(v, 8);
	assert_true(look(m, "10.200.127.255", &v));
	assert_int_equal(v, 14);
	assert_true(look(m, "10.200.128.0", &v));
	assert_int_equal(v, 4);
	/* IPv6 is separate from IPv4, even for /0 */
	assert_true(look(m, "2001:db9::", &v));
	assert_int_equal(v, 9);
	assert_true(look(m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &v));
	assert_int_equal(v, 10);
	assert_true(look(m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", &v));
	assert_int_equal(v, 9);
	assert_true(look(m, "2001:db8::1", &v));
	assert_int_equal(v, 12);
	assert_true(look(m, "2001:db8::2", &v));
	assert_int_equal(v, 13); /* 2001:db8:0:1::/63 is 2001:db8::/63 */
	assert_true(look(m, "2001:db8:ffff::", &v));
	assert_int_equal(v, 11);
	assert_true(look(m, "2001:db8:0:1:ffff::", &v));
	assert_int_equal(v, 13);
	assert_true(look(m, "2001:db8:0:0:ffff::", &v));
	assert_int_equal(v, 13); /* /63 covers ...:0::/64 too */
	assert_true(look(m, "2001:db8:0:2::", &v));
	assert_int_equal(v, 11);
	/* IPv4-mapped IPv6 is folded to IPv4 by addr_parse */
	assert_true(look(m, "::ffff:10.1.2.3", &v));
	assert_int_equal(v, 8);
	struct lw_addr none;
	memset(&none, 0, sizeof(none));
	assert_false(matcher_lookup(m, &none, &v));
	/* ret_payload may be NULL */
	assert_true(matcher_lookup4(m, 0x0a010203, NULL));
	matcher_free(m);

	/* a lone IPv6 default does not match IPv4 */
	struct matcher_prefix only6 = P("::", 0, 0);
	m = matcher_build(&only6, 1);
	assert_false(look(m, "1.2.3.4", &v));
	assert_true(look(m, "::1", &v));
	assert_int_equal(v, 0);
	matcher_free(m);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct matcher_prefix p = P("10.0.0.0", 33, 1);

	assert_null(matcher_build(&p, 1));
	p = P("::", 129, 1);
	assert_null(matcher_build(&p, 1));
	p = P("10.0.0.0", 8, MATCHER_PAYLOAD_MAX + 1);
	assert_null(matcher_build(&p, 1));
	p = P("10.0.0.0", 8, MATCHER_PAYLOAD_MAX);
	struct matcher *m = matcher_build(&p, 1);
	uint32_t v;
	assert_true(look(m, "10.0.0.1", &v));
	assert_int_equal(v, MATCHER_PAYLOAD_MAX);
	matcher_free(m);
	p.net.family = LW_AF_NONE;
	assert_null(matcher_build(&p, 1));
}

/* Throughput is reported, not asserted: this runs under sanitizers too. The
 * benchmark in bench/ measures it on an optimised build. */
static void test_throughput_report(void **state)
{
	(void)state;
	enum { N = 100000, LOOKUPS = 4000000 };
	struct timespec t0, t1, t2;

	rng_seed(7);
	struct matcher_prefix *p = random_table(LW_AF_INET, N, false);
	uint32_t *addrs = malloc(LOOKUPS * sizeof(*addrs));
	assert_non_null(addrs);
	for (size_t i = 0; i < LOOKUPS; i++)
		addrs[i] = (uint32_t)rng();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct matcher *m = matcher_build(p, N);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(m);
	uint64_t sum = 0;
	for (size_t i = 0; i < LOOKUPS; i++) {
		uint32_t v = 0;
		if (matcher_lookup4(m, addrs[i], &v))
			sum += v;
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	double build = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double lookup_s = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
	print_message("# 100,000 IPv4 prefixes: build %.3f s, %.1f M lookups/s, %zu KiB "
		      "(checksum %llu)\n",
		      build, LOOKUPS / lookup_s / 1e6, matcher_memory(m) / 1024,
		      (unsigned long long)sum);
	matcher_free(m);
	free(addrs);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edges),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_random_v4_small_linear),
	    cmocka_unit_test(test_random_v4_large),
	    cmocka_unit_test(test_random_v6_small_linear),
	    cmocka_unit_test(test_random_v6_large),
	    cmocka_unit_test(test_throughput_report),
	};

	return cmocka_run_group_tests_name("matcher", tests, NULL, NULL);
}
