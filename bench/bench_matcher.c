/* Matcher benchmark: lookups per second of the longest-prefix matcher on
 * the shipped Mimecast sets and on seeded random 100,000-prefix IPv4 and
 * IPv6 tables, against a linear scan measured in the same run on the same
 * probes (and checked to give the same answers), with build time and
 * memory. Each figure is the median of --runs runs. Prints Markdown for
 * bench/RESULTS.md. Not part of `make check`: run `make bench-matcher`. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rules/matcher.h"
#include "rules/rules.h"

#define BENCH_RUNS_DEFAULT     5	  /* --runs: the median of this many */
#define BENCH_PREFIXES_DEFAULT 100000	  /* --prefixes: random table size */
#define BENCH_PROBES	       (1u << 20) /* distinct probe addresses, cycled (17 MiB) */
#define BENCH_LOOKUPS_DEFAULT  20000000	  /* --lookups: matcher lookups per run */
#define BENCH_LINEAR_WORK      400000000  /* prefix comparisons per linear-scan run */
#define BENCH_RUNS_MAX	       101

/* xorshift64*: the same tables with every libc */
static uint64_t rng_state = 1;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* CPU time of this thread, not wall time: on a shared machine the wall
 * clock also counts the time other processes held the core. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- tables ------------------------------------------------------------- */

/* Prefix lengths drawn like a routing table: IPv4 mostly /24 with a spread
 * from /8 to /32; IPv6 mostly /32 and /48 with a spread to /128. */
static unsigned random_len(unsigned family)
{
	unsigned r = (unsigned)(rng() % 100);

	if (family == LW_AF_INET) {
		if (r < 55)
			return 24;
		if (r < 85)
			return 16 + (unsigned)(rng() % 8);
		if (r < 92)
			return 8 + (unsigned)(rng() % 8);
		return 25 + (unsigned)(rng() % 8);
	}
	if (r < 30)
		return 48;
	if (r < 50)
		return 32;
	if (r < 85)
		return 20 + (unsigned)(rng() % 45);
	return 65 + (unsigned)(rng() % 64);
}

static struct lw_addr random_addr(unsigned family)
{
	struct lw_addr a;

	memset(&a, 0, sizeof(a));
	a.family = (uint8_t)family;
	for (unsigned i = 0; i < (family == LW_AF_INET ? 4u : 16u); i++)
		a.bytes[i] = (uint8_t)rng();
	if (family == LW_AF_INET6)
		a.bytes[0] = (uint8_t)(0x20 | (a.bytes[0] & 0x0f)); /* 2000::/4, never mapped */
	return a;
}

static struct matcher_prefix *random_table(unsigned family, size_t n)
{
	struct matcher_prefix *p = calloc(n, sizeof(*p));

	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		p[i].net = random_addr(family);
		p[i].plen = random_len(family);
		addr_mask(&p[i].net, p[i].plen);
		p[i].payload = (uint32_t)i;
	}
	return p;
}

/* Prefixes of every set a rules file defines (in force or not). */
static struct matcher_prefix *rules_table(const char *path, size_t *ret_n)
{
	struct diag d;

	diag_init(&d);
	struct rules *r = rules_load_file(path, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i].text);
	diag_clear(&d);
	if (!r)
		return NULL;
	size_t n = rules_defined_count(r);
	struct matcher_prefix *p = calloc(n + 1, sizeof(*p));
	if (p) {
		for (size_t i = 0; i < n; i++) {
			rules_defined_entry(r, i, &p[i].net, &p[i].plen, NULL);
			p[i].payload = (uint32_t)i;
		}
	}
	rules_free(r);
	*ret_n = n;
	return p;
}

/* Half the probes fall inside table prefixes (random host bits), half are
 * uniform: both the hit and the miss paths are timed. */
static struct lw_addr *probes(unsigned family, const struct matcher_prefix *p, size_t n)
{
	struct lw_addr *a = malloc(BENCH_PROBES * sizeof(*a));

	if (!a)
		return NULL;
	for (size_t k = 0; k < BENCH_PROBES; k++) {
		a[k] = random_addr(family);
		if (rng() % 2) {
			const struct matcher_prefix *q = &p[rng() % n];
			struct lw_addr host = a[k];
			struct lw_addr net = q->net;
			for (unsigned i = 0; i < 16; i++) {
				unsigned lo = i * 8;
				uint8_t m = q->plen >= lo + 8 ? 0xff
					    : q->plen > lo    ? (uint8_t)(0xff00u >> (q->plen - lo))
							      : 0;
				a[k].bytes[i] =
				    (uint8_t)((net.bytes[i] & m) | (host.bytes[i] & ~m));
			}
			a[k].family = q->net.family;
			if (q->net.family == LW_AF_INET)
				memset(a[k].bytes + 4, 0, 12);
		}
	}
	return a;
}

/* ---- the linear scan ---------------------------------------------------- */

/* The obvious alternative: every prefix compared under its mask, the
 * longest match kept; masks precomputed so the loop is as lean as it gets. */
struct linear {
	uint64_t (*net)[2], (*mask)[2];
	unsigned *plen;
	uint8_t *family;
	uint32_t *payload;
	size_t n;
};

static int linear_build(struct linear *l, const struct matcher_prefix *p, size_t n)
{
	l->n = n;
	l->net = calloc(n + 1, sizeof(*l->net));
	l->mask = calloc(n + 1, sizeof(*l->mask));
	l->plen = calloc(n + 1, sizeof(*l->plen));
	l->family = calloc(n + 1, 1);
	l->payload = calloc(n + 1, sizeof(*l->payload));
	if (!l->net || !l->mask || !l->plen || !l->family || !l->payload)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct lw_addr m;
		memset(&m, 0xff, sizeof(m));
		m.family = p[i].net.family;
		addr_mask(&m, p[i].plen);
		memcpy(l->net[i], p[i].net.bytes, 16);
		memcpy(l->mask[i], m.bytes, 16);
		l->plen[i] = p[i].plen;
		l->family[i] = p[i].net.family;
		l->payload[i] = p[i].payload;
	}
	return 0;
}

static void linear_free(struct linear *l)
{
	free(l->net);
	free(l->mask);
	free(l->plen);
	free(l->family);
	free(l->payload);
}

/* First of equal prefixes wins, as in matcher_build. */
static bool linear_lookup(const struct linear *l, const struct lw_addr *a, uint32_t *ret)
{
	uint64_t x[2];
	long best = -1;
	unsigned best_len = 0;

	memcpy(x, a->bytes, 16);
	for (size_t i = 0; i < l->n; i++) {
		if (l->family[i] != a->family)
			continue;
		if (((x[0] & l->mask[i][0]) ^ l->net[i][0]) |
		    ((x[1] & l->mask[i][1]) ^ l->net[i][1]))
			continue;
		if (best < 0 || l->plen[i] > best_len) {
			best = (long)i;
			best_len = l->plen[i];
		}
	}
	if (best < 0)
		return false;
	*ret = l->payload[best];
	return true;
}

/* ---- one workload ------------------------------------------------------- */

struct figures {
	double build_ms, mlps, mlps4, linear_mlps;
	size_t memory, distinct, n;
};

static volatile uint64_t sink; /* keeps the lookups from being optimised away */

static int workload(const char *title, unsigned family, struct matcher_prefix *p, size_t n,
		    unsigned runs, size_t lookups, struct figures *f)
{
	double t[BENCH_RUNS_MAX], t4[BENCH_RUNS_MAX], tl[BENCH_RUNS_MAX], tb[BENCH_RUNS_MAX];
	struct lw_addr *a = probes(family, p, n);
	uint32_t *a4 = malloc(BENCH_PROBES * sizeof(*a4));
	struct matcher *m = NULL;
	struct linear lin;
	/* as many linear lookups as fit in the work budget, at least 1000 */
	size_t lin_lookups = BENCH_LINEAR_WORK / (n ? n : 1);

	memset(&lin, 0, sizeof(lin));
	if (lin_lookups < 1000)
		lin_lookups = 1000;
	if (lin_lookups > BENCH_PROBES)
		lin_lookups = BENCH_PROBES;
	if (!a || !a4 || linear_build(&lin, p, n) < 0) {
		fprintf(stderr, "bench_matcher: out of memory\n");
		goto fail;
	}
	for (size_t k = 0; k < BENCH_PROBES; k++)
		a4[k] = (uint32_t)a[k].bytes[0] << 24 | (uint32_t)a[k].bytes[1] << 16 |
			(uint32_t)a[k].bytes[2] << 8 | a[k].bytes[3];
	for (unsigned r = 0; r < runs; r++) {
		double t0 = now();
		struct matcher *b = matcher_build(p, n);
		tb[r] = (now() - t0) * 1e3;
		if (!b) {
			fprintf(stderr, "bench_matcher: %s: matcher_build failed\n", title);
			goto fail;
		}
		matcher_free(m);
		m = b;
	}
	/* the scan and the matcher must agree, or the comparison means nothing */
	for (size_t k = 0; k < lin_lookups; k++) {
		uint32_t x = 0, y = 0;
		bool g = matcher_lookup(m, &a[k], &x), w = linear_lookup(&lin, &a[k], &y);
		if (g != w || (g && x != y)) {
			char buf[LW_ADDR_STRLEN];
			fprintf(stderr, "bench_matcher: %s: %s: matcher %d/%u, linear scan %d/%u\n",
				title, addr_format(&a[k], buf, sizeof(buf)), g, x, w, y);
			goto fail;
		}
	}
	for (unsigned r = 0; r < runs; r++) {
		uint64_t s = 0;
		uint32_t v;
		double t0 = now();
		for (size_t k = 0; k < lookups; k++)
			if (matcher_lookup(m, &a[k & (BENCH_PROBES - 1)], &v))
				s += v;
		t[r] = now() - t0;
		if (family == LW_AF_INET) {
			t0 = now();
			for (size_t k = 0; k < lookups; k++)
				if (matcher_lookup4(m, a4[k & (BENCH_PROBES - 1)], &v))
					s += v;
			t4[r] = now() - t0;
		}
		t0 = now();
		for (size_t k = 0; k < lin_lookups; k++)
			if (linear_lookup(&lin, &a[k], &v))
				s += v;
		tl[r] = now() - t0;
		sink += s;
	}
	f->n = n;
	f->distinct = matcher_count(m);
	f->memory = matcher_memory(m);
	f->build_ms = median(tb, runs);
	f->mlps = (double)lookups / median(t, runs) / 1e6;
	f->mlps4 = family == LW_AF_INET ? (double)lookups / median(t4, runs) / 1e6 : 0;
	f->linear_mlps = (double)lin_lookups / median(tl, runs) / 1e6;
	matcher_free(m);
	linear_free(&lin);
	free(a);
	free(a4);
	return 0;
fail:
	matcher_free(m);
	linear_free(&lin);
	free(a);
	free(a4);
	return -1;
}

static void row(const char *title, const struct figures *f)
{
	char v4[32] = "n/a";

	if (f->mlps4 > 0)
		snprintf(v4, sizeof(v4), "%.1f", f->mlps4);
	printf("| %s | %zu (%zu distinct) | %.1f | %s | %.3f | %.0fx | %.2f | %.1f |\n", title,
	       f->n, f->distinct, f->mlps, v4, f->linear_mlps, f->mlps / f->linear_mlps,
	       f->build_ms, (double)f->memory / 1024);
}

static void machine(void)
{
	char line[512], model[256] = "unknown";
	FILE *c = fopen("/proc/cpuinfo", "r");

	while (c && fgets(line, sizeof(line), c)) {
		if (strncmp(line, "model name", 10) == 0) {
			const char *v = strchr(line, ':');
			if (v) {
				snprintf(model, sizeof(model), "%s", v + 2);
				model[strcspn(model, "\n")] = '\0';
			}
			break;
		}
	}
	if (c)
		fclose(c);
	printf("Machine: %s, nproc %ld; compiler %s", model, sysconf(_SC_NPROCESSORS_ONLN),
	       __VERSION__);
#if defined(__SANITIZE_ADDRESS__)
	printf(" (AddressSanitizer build: figures are NOT representative)");
#endif
	double load = -1;
	FILE *l = fopen("/proc/loadavg", "r");
	if (l && fscanf(l, "%lf", &load) != 1)
		load = -1;
	if (l)
		fclose(l);
	printf("; load average %.2f at the start; one thread; times are the thread's CPU "
	       "time.\n\n",
	       load);
}

static void usage(void)
{
	fputs("usage: bench_matcher [--rules FILE] [--runs N] [--lookups N] [--prefixes N] "
	      "[--seed N]\n",
	      stderr);
	exit(64);
}

static unsigned long long num(const char *s)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	const char *rules = "rules/mimecast-all.rules";
	unsigned runs = BENCH_RUNS_DEFAULT;
	size_t lookups = BENCH_LOOKUPS_DEFAULT, nprefixes = BENCH_PREFIXES_DEFAULT;
	uint64_t seed = 1;
	struct figures f;
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--rules"))
			rules = argv[++i];
		else if (!strcmp(argv[i], "--runs"))
			runs = (unsigned)num(argv[++i]);
		else if (!strcmp(argv[i], "--lookups"))
			lookups = (size_t)num(argv[++i]);
		else if (!strcmp(argv[i], "--prefixes"))
			nprefixes = (size_t)num(argv[++i]);
		else if (!strcmp(argv[i], "--seed"))
			seed = num(argv[++i]);
		else
			usage();
	}
	if (runs == 0 || runs > BENCH_RUNS_MAX || lookups == 0 || nprefixes == 0 ||
	    nprefixes > MATCHER_PAYLOAD_MAX)
		usage();

	machine();
	printf("Median of %u runs; %zu matcher lookups a run over %u probe addresses (half inside "
	       "a table prefix, half uniform), seed %llu.\n\n",
	       runs, lookups, BENCH_PROBES, (unsigned long long)seed);
	printf("| table | prefixes | matcher Mlookups/s | lookup4 Mlookups/s | linear scan "
	       "Mlookups/s | speed-up | build ms | memory KiB |\n");
	printf("|---|---|---|---|---|---|---|---|\n");

	struct matcher_prefix *p = rules_table(rules, &n);
	if (!p || n == 0) {
		fprintf(stderr, "bench_matcher: %s: no prefixes loaded\n", rules);
		free(p);
		return 1;
	}
	rng_state = seed;
	if (workload("shipped", LW_AF_INET, p, n, runs, lookups, &f) < 0)
		return 1;
	const char *slash = strrchr(rules, '/');
	char title[128];
	snprintf(title, sizeof(title), "shipped sets (%s)", slash ? slash + 1 : rules);
	row(title, &f);
	free(p);

	for (unsigned family = LW_AF_INET; family <= LW_AF_INET6; family += 2) {
		rng_state = seed + family;
		p = random_table(family, nprefixes);
		if (!p || workload("random", family, p, nprefixes, runs, lookups, &f) < 0) {
			free(p);
			return 1;
		}
		snprintf(title, sizeof(title), "random IPv%u", family);
		row(title, &f);
		free(p);
	}
	return 0;
}
