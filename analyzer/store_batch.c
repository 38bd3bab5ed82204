/* Store batches (see store_batch.h): building them and merging a batch that
 * could not be sent with the next one, within a bound. */
#include "config.h"

#include "analyzer/store_batch.h"

#include <stdlib.h>
#include <string.h>

struct store_batch *store_batch_new(void)
{
	return calloc(1, sizeof(struct store_batch));
}

void store_batch_free(struct store_batch *b)
{
	if (!b)
		return;
	free(b->src);
	free(b->hours);
	free(b->minutes);
	free(b->days);
	free(b->strs);
	free(b);
}

static int grow(void *ptrp, uint32_t *cap, uint64_t need, size_t elem, uint32_t first)
{
	void **ptr = ptrp;

	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX / 2)
		return -1;
	uint32_t ncap = *cap ? *cap : first;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*ptr, (size_t)ncap * elem);
	if (!n)
		return -1;
	*ptr = n;
	*cap = ncap;
	return 0;
}

static uint32_t add_str(struct store_batch *b, const char *s, int *failed)
{
	if (!s)
		return BATCH_NOSTR;
	size_t len = strlen(s) + 1;
	if (grow(&b->strs, &b->cap_strs, (uint64_t)b->n_strs + len, 1, 4096) < 0) {
		*failed = 1;
		return BATCH_NOSTR;
	}
	uint32_t off = b->n_strs;
	memcpy(b->strs + off, s, len);
	b->n_strs += (uint32_t)len;
	return off;
}

struct batch_source *store_batch_add_source(struct store_batch *b, const struct lw_addr *addr,
					    const char *label, const char *helo)
{
	int failed = 0;

	if (grow(&b->src, &b->cap_src, (uint64_t)b->n_src + 1, sizeof(*b->src), 256) < 0)
		return NULL;
	uint32_t l = add_str(b, label, &failed);
	uint32_t h = add_str(b, helo, &failed);
	if (failed)
		return NULL;
	struct batch_source *s = &b->src[b->n_src++];
	memset(s, 0, sizeof(*s));
	s->addr = *addr;
	s->label = l;
	s->helo = h;
	return s;
}

int store_batch_add_folded(struct store_batch *b, const struct lw_addr *addr, uint64_t last_us)
{
	uint32_t day = (uint32_t)(last_us / 86400000000ULL);
	int rc = lw_hll_days_add(&b->days, &b->n_days, addr, day);

	if (rc < 0)
		return -1;
	if (rc > 0) {
		b->hll_dropped++;
		b->hll_dropped_day = day;
	}
	b->n_folded++;
	return 0;
}

static struct hour_counts *period(struct hour_counts **v, uint32_t *n, uint32_t *cap, uint32_t key)
{
	for (uint32_t i = *n; i > 0; i--)
		if ((*v)[i - 1].hour == key)
			return &(*v)[i - 1];
	if (grow(v, cap, (uint64_t)*n + 1, sizeof(**v), 4) < 0)
		return NULL;
	struct hour_counts *h = &(*v)[(*n)++];
	memset(h, 0, sizeof(*h));
	h->hour = key;
	return h;
}

/* A batch spans one flush interval, so it holds one or two hours (or
 * minutes); only a replay flushed at its end holds many, and then rarely
 * more than a few hundred hours. */
struct hour_counts *store_batch_hour(struct store_batch *b, uint32_t hour)
{
	return period(&b->hours, &b->n_hours, &b->cap_hours, hour);
}

struct hour_counts *store_batch_minute(struct store_batch *b, uint32_t minute)
{
	return period(&b->minutes, &b->n_minutes, &b->cap_minutes, minute);
}

static void counts_add(struct counts *into, const struct counts *from)
{
	into->attempts += from->attempts;
	for (int o = 0; o < OUTCOME_COUNT; o++)
		into->outcome[o] += from->outcome[o];
	into->replied += from->replied;
	into->without_syn += from->without_syn;
	into->sources += from->sources;
}

uint32_t store_batch_fold(struct store_batch *b, uint32_t max_sources)
{
	uint32_t kept = 0, folded = 0;

	for (uint32_t i = 0; i < b->n_src; i++) {
		const struct batch_source *s = &b->src[i];
		bool foldable = b->n_src - folded > max_sources && s->cls == CLASS_OUTSIDE &&
				s->c.attempts == 1 && !s->reached_us && s->label == BATCH_NOSTR &&
				s->helo == BATCH_NOSTR;
		struct hour_counts *h =
		    foldable ? store_batch_hour(b, (uint32_t)(s->first_us / 3600000000ULL)) : NULL;
		if (h && store_batch_add_folded(b, &s->addr, s->last_us) == 0) {
			h->sources_folded++;
			folded++;
			continue;
		}
		b->src[kept++] = *s;
	}
	b->n_src = kept;
	return folded;
}

uint64_t store_batch_attempts(const struct store_batch *b)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < b->n_src; i++)
		n += b->src[i].c.attempts;
	return n;
}

void store_batch_trim(struct store_batch *b, uint32_t max_sources)
{
	for (uint32_t i = max_sources; i < b->n_src; i++)
		b->lost += b->src[i].c.attempts;
	if (b->n_src > max_sources)
		b->n_src = max_sources;
}

static uint32_t addr_hash(const struct lw_addr *a, uint32_t mask)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a: the table lives for one merge */

	h = (h ^ a->family) * 0x100000001b3ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->bytes[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32)) & mask;
}

/* Newer absolute values win; an older batch's strings fill in what the
 * newer one lacks. */
static int merge_source(struct store_batch *into, struct batch_source *d,
			const struct store_batch *from, const struct batch_source *s)
{
	int failed = 0;

	counts_add(&d->c, &s->c);
	if (s->first_us && (d->first_us == 0 || s->first_us < d->first_us))
		d->first_us = s->first_us;
	if (s->reached_us > d->reached_us)
		d->reached_us = s->reached_us;
	d->cls = s->cls;
	/* A batch whose source's latest attempt came in an earlier interval
	 * has no destination (family 0); it must not erase the known one. */
	if (s->last_dst.family && s->last_us >= d->last_us) {
		d->last_dst = s->last_dst;
		d->last_dport = s->last_dport;
	}
	if (s->last_us >= d->last_us)
		d->last_us = s->last_us;
	/* add_str() grows strs, never src, so d stays valid */
	if (s->helo != BATCH_NOSTR)
		d->helo = add_str(into, store_batch_str(from, s->helo), &failed);
	if (s->label != BATCH_NOSTR)
		d->label = add_str(into, store_batch_str(from, s->label), &failed);
	return failed ? -1 : 0;
}

/* Day by day, so that a day that finds no room is known and counted; its
 * folded sources stay counted in the hours, their addresses are not. */
static int merge_folded(struct store_batch *into, const struct store_batch *from)
{
	int rc = 0;

	into->n_folded += from->n_folded;
	if (from->hll_dropped) {
		into->hll_dropped += from->hll_dropped;
		into->hll_dropped_day = from->hll_dropped_day;
	}
	for (uint32_t i = 0; i < from->n_days; i++) {
		int r = lw_hll_days_merge(&into->days, &into->n_days, &from->days[i], 1);
		if (r == 0)
			continue;
		into->hll_dropped++;
		into->hll_dropped_day = from->days[i].day;
		if (r < 0)
			rc = -1;
	}
	return rc;
}

static uint64_t period_attempts(const struct hour_counts *h)
{
	uint64_t n = 0;

	for (int c = 0; c < CLASS_COUNT; c++)
		n += h->c[c].attempts;
	return n;
}

static bool has_hour(const struct store_batch *b, uint32_t hour)
{
	for (uint32_t i = 0; i < b->n_hours; i++)
		if (b->hours[i].hour == hour)
			return true;
	return false;
}

/* The hours (or the minutes) of from into into's; the attempts of a
 * period that finds no room are lost, counted once: a dropped minute
 * whose hour was dropped as well is counted with its hour. */
static int merge_periods(struct store_batch *into, const struct store_batch *from, bool minutes)
{
	const struct hour_counts *v = minutes ? from->minutes : from->hours;
	uint32_t n = minutes ? from->n_minutes : from->n_hours;
	int rc = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct hour_counts *h = minutes ? store_batch_minute(into, v[i].hour)
						: store_batch_hour(into, v[i].hour);
		if (!h) {
			if (!minutes || has_hour(into, v[i].hour / 60))
				into->lost += period_attempts(&v[i]);
			rc = -1;
			continue;
		}
		for (int c = 0; c < CLASS_COUNT; c++) {
			counts_add(&h->c[c], &v[i].c[c]);
			h->evicted_open[c] += v[i].evicted_open[c];
		}
		h->sources_folded += v[i].sources_folded;
	}
	return rc;
}

static int merge_sources(struct store_batch *into, const struct store_batch *from,
			 uint32_t max_sources)
{
	uint32_t n_buckets = 1024, *buckets;
	int rc = 0;

	while (n_buckets < 2 * (into->n_src + from->n_src) && n_buckets < (1u << 30))
		n_buckets <<= 1;
	buckets = calloc(n_buckets, sizeof(*buckets));
	if (!buckets) {
		into->lost += store_batch_attempts(from);
		return -1;
	}
	for (uint32_t i = 0; i < into->n_src; i++) {
		uint32_t b = addr_hash(&into->src[i].addr, n_buckets - 1);
		into->src[i].next = buckets[b];
		buckets[b] = i + 1;
	}
	for (uint32_t i = 0; i < from->n_src; i++) {
		const struct batch_source *s = &from->src[i];
		uint32_t b = addr_hash(&s->addr, n_buckets - 1), j;
		for (j = buckets[b]; j; j = into->src[j - 1].next)
			if (addr_equal(&into->src[j - 1].addr, &s->addr))
				break;
		if (!j) {
			if (into->n_src >= max_sources || rc < 0) {
				into->lost += s->c.attempts;
				continue;
			}
			struct batch_source *n = store_batch_add_source(into, &s->addr, NULL, NULL);
			if (!n) {
				into->lost += s->c.attempts;
				rc = -1;
				continue;
			}
			n->first_us = s->first_us;
			j = into->n_src;
			n->next = buckets[b];
			buckets[b] = j;
		}
		if (merge_source(into, &into->src[j - 1], from, s) < 0)
			rc = -1;
	}
	free(buckets);
	return rc;
}

int store_batch_merge(struct store_batch *into, const struct store_batch *from,
		      uint32_t max_sources)
{
	int rc = merge_sources(into, from, max_sources);

	/* hours first: a dropped minute is counted unless its hour was */
	if (merge_periods(into, from, false) < 0)
		rc = -1;
	if (merge_periods(into, from, true) < 0)
		rc = -1;
	if (merge_folded(into, from) < 0)
		rc = -1;
	into->health = from->health;
	into->lost += from->lost;
	return rc;
}
