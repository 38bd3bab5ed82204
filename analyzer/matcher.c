/* Longest-prefix matcher (see matcher.h): one multibit trie per family with
 * leaf pushing, so a lookup is a few dependent array reads and never
 * backtracks. IPv4 uses strides 16-8-8 (the 256 KiB first level stays in
 * cache and resolves most addresses in one read); IPv6 uses 16 then 8-bit
 * strides. All nodes of a family live in one uint32_t array addressed by
 * offset, which keeps the structure compact and cheap to free. */
#include "config.h"

#include "matcher.h"

#include <stdlib.h>
#include <string.h>

/* A slot is 0 (no match), payload + 1, or MATCHER_CHILD | offset of the
 * child node in the same array. */
#define MATCHER_CHILD 0x80000000u
#define MATCHER_NODES_MAX 0x7fffffffu /* offsets must fit beside the child flag */

static const unsigned strides4[] = {16, 8, 8};
static const unsigned strides6[] = {16, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};

struct mtrie {
	uint32_t *t;
	size_t n, cap; /* slots used and allocated */
	const unsigned *strides;
	unsigned levels;
};

struct matcher {
	struct mtrie v4, v6;
	size_t count;
};

static unsigned key_bits(const uint8_t *b, unsigned pos, unsigned stride)
{
	if (stride == 16)
		return (unsigned)b[pos / 8] << 8 | b[pos / 8 + 1];
	return b[pos / 8];
}

/* Appends a node of 2^stride slots filled with `fill`; returns its offset or
 * SIZE_MAX when memory runs out. */
static size_t mtrie_node(struct mtrie *tr, unsigned stride, uint32_t fill)
{
	size_t size = (size_t)1 << stride;

	if (tr->n + size > MATCHER_NODES_MAX)
		return SIZE_MAX;
	if (tr->n + size > tr->cap) {
		size_t ncap = tr->cap ? tr->cap : 65536;
		while (ncap < tr->n + size)
			ncap *= 2;
		uint32_t *t = realloc(tr->t, ncap * sizeof(*t));
		if (!t)
			return SIZE_MAX;
		tr->t = t;
		tr->cap = ncap;
	}
	size_t off = tr->n;
	for (size_t i = 0; i < size; i++)
		tr->t[off + i] = fill;
	tr->n += size;
	return off;
}

/* The array grew by doubling; give back what the build did not use. */
static void mtrie_shrink(struct mtrie *tr)
{
	uint32_t *t = realloc(tr->t, tr->n * sizeof(*t));

	if (t) {
		tr->t = t;
		tr->cap = tr->n;
	}
}

static int mtrie_init(struct mtrie *tr, const unsigned *strides, unsigned levels)
{
	memset(tr, 0, sizeof(*tr));
	tr->strides = strides;
	tr->levels = levels;
	return mtrie_node(tr, strides[0], 0) == SIZE_MAX ? -1 : 0;
}

/* Prefixes must arrive shortest first: then a prefix never has to overwrite
 * a child slot (a child exists only below a longer prefix), and a new child
 * inherits the slot's value, which is already the longest match so far. */
static int mtrie_insert(struct mtrie *tr, const uint8_t *key, unsigned plen, uint32_t value)
{
	size_t node = 0;
	unsigned pos = 0;

	for (unsigned lvl = 0; lvl < tr->levels; lvl++) {
		unsigned s = tr->strides[lvl];
		unsigned idx = key_bits(key, pos, s);
		if (plen <= pos + s) {
			unsigned span = pos + s - plen;
			size_t first = node + (idx & ~((1u << span) - 1));
			for (size_t i = 0; i < ((size_t)1 << span); i++)
				tr->t[first + i] = value;
			return 0;
		}
		uint32_t slot = tr->t[node + idx];
		if (!(slot & MATCHER_CHILD)) {
			size_t child = mtrie_node(tr, tr->strides[lvl + 1], slot);
			if (child == SIZE_MAX)
				return -1;
			tr->t[node + idx] = MATCHER_CHILD | (uint32_t)child;
			node = child;
		} else {
			node = slot & ~MATCHER_CHILD;
		}
		pos += s;
	}
	return -1; /* unreachable: plen <= total stride */
}

static uint32_t mtrie_lookup(const struct mtrie *tr, const uint8_t *key)
{
	size_t node = 0;
	unsigned pos = 0;

	for (unsigned lvl = 0; lvl < tr->levels; lvl++) {
		uint32_t slot = tr->t[node + key_bits(key, pos, tr->strides[lvl])];
		if (!(slot & MATCHER_CHILD))
			return slot;
		node = slot & ~MATCHER_CHILD;
		pos += tr->strides[lvl];
	}
	return 0;
}

struct sort_item {
	const struct matcher_prefix *p;
	uint8_t key[16]; /* masked */
	size_t order;
};

static int sort_cmp(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	if (x->p->net.family != y->p->net.family)
		return x->p->net.family < y->p->net.family ? -1 : 1;
	if (x->p->plen != y->p->plen)
		return x->p->plen < y->p->plen ? -1 : 1;
	int c = memcmp(x->key, y->key, sizeof(x->key));
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void mask_key(uint8_t key[16], const uint8_t bytes[16], unsigned plen)
{
	memset(key, 0, 16);
	for (unsigned i = 0; i < 16 && plen > 0; i++) {
		unsigned take = plen >= 8 ? 8 : plen;
		key[i] = bytes[i] & (uint8_t)(0xff00u >> take);
		plen -= take;
	}
}

struct matcher *matcher_build(const struct matcher_prefix *prefixes, size_t n)
{
	struct sort_item *items = NULL;
	struct matcher *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (mtrie_init(&m->v4, strides4, sizeof(strides4) / sizeof(strides4[0])) < 0 ||
	    mtrie_init(&m->v6, strides6, sizeof(strides6) / sizeof(strides6[0])) < 0)
		goto fail;
	if (n == 0)
		return m;
	items = calloc(n, sizeof(*items));
	if (!items)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct matcher_prefix *p = &prefixes[i];
		unsigned bits = p->net.family == LW_AF_INET ? 32 : 128;
		if ((p->net.family != LW_AF_INET && p->net.family != LW_AF_INET6) ||
		    p->plen > bits || p->payload > MATCHER_PAYLOAD_MAX)
			goto fail;
		items[i].p = p;
		items[i].order = i;
		mask_key(items[i].key, p->net.bytes, p->plen);
	}
	qsort(items, n, sizeof(*items), sort_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct sort_item *it = &items[i];
		if (i > 0 && items[i - 1].p->net.family == it->p->net.family &&
		    items[i - 1].p->plen == it->p->plen &&
		    memcmp(items[i - 1].key, it->key, sizeof(it->key)) == 0)
			continue; /* duplicate: the earlier one in the input wins */
		struct mtrie *tr = it->p->net.family == LW_AF_INET ? &m->v4 : &m->v6;
		if (mtrie_insert(tr, it->key, it->p->plen, it->p->payload + 1) < 0)
			goto fail;
		m->count++;
	}
	free(items);
	mtrie_shrink(&m->v4);
	mtrie_shrink(&m->v6);
	return m;
fail:
	free(items);
	matcher_free(m);
	return NULL;
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	free(m->v4.t);
	free(m->v6.t);
	free(m);
}

bool matcher_lookup4(const struct matcher *m, uint32_t addr, uint32_t *ret_payload)
{
	const uint32_t *t = m->v4.t;
	uint32_t slot = t[addr >> 16];

	if (slot & MATCHER_CHILD) {
		slot = t[(slot & ~MATCHER_CHILD) + ((addr >> 8) & 0xff)];
		if (slot & MATCHER_CHILD)
			slot = t[(slot & ~MATCHER_CHILD) + (addr & 0xff)];
	}
	if (!slot)
		return false;
	if (ret_payload)
		*ret_payload = slot - 1;
	return true;
}

bool matcher_lookup(const struct matcher *m, const struct lw_addr *a, uint32_t *ret_payload)
{
	uint32_t slot;

	if (a->family == LW_AF_INET) {
		uint32_t v4 = (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
			      (uint32_t)a->bytes[2] << 8 | a->bytes[3];
		return matcher_lookup4(m, v4, ret_payload);
	}
	if (a->family != LW_AF_INET6)
		return false;
	slot = mtrie_lookup(&m->v6, a->bytes);
	if (!slot)
		return false;
	if (ret_payload)
		*ret_payload = slot - 1;
	return true;
}

size_t matcher_memory(const struct matcher *m)
{
	return sizeof(*m) + m->v4.cap * sizeof(uint32_t) + m->v6.cap * sizeof(uint32_t);
}

size_t matcher_count(const struct matcher *m)
{
	return m->count;
}
