/* Longest-prefix matcher (see matcher.h): one multibit trie per family with
 * leaf pushing, so a lookup is a few dependent reads and never backtracks.
 * The first level is a direct table on the top 16 bits (256 KiB, stays in
 * cache, resolves most IPv4 addresses in one read); every deeper level is
 * an 8-bit stride stored poptrie-style: a 256-bit bitmap marks where a run
 * of equal slots starts and a popcount finds the run's value, so a node
 * costs 48 bytes plus 4 per run instead of 1 KiB. That keeps a 100,000-
 * prefix table within a few MiB, which is what makes lookups fast.
 * The trie is first built uncompressed (transient) and then compressed. */
#include "config.h"

#include "common/mem.h"

#include "matcher.h"

#include <stdlib.h>
#include <string.h>

/* A slot is 0 (no match), payload + 1, or MATCHER_CHILD | offset of the
 * child node in the same array. */
#define MATCHER_CHILD	  0x80000000u
#define MATCHER_NODES_MAX 0x7fffffffu /* offsets must fit beside the child flag */

/* Without the POPCNT instruction __builtin_popcountll is a libgcc call that
 * halves the lookup rate; baseline x86-64 lacks it, so the lookups are
 * cloned and the dynamic loader picks the clone the CPU supports. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MATCHER_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define MATCHER_CLONES
#endif

static const unsigned strides4[] = {16, 8, 8};
static const unsigned strides6[] = {16, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};

struct mtrie {
	uint32_t *t;
	size_t n, cap; /* slots used and allocated */
	const unsigned *strides;
	unsigned levels;
};

/* A compressed 256-slot node: bit i of bm is set when slot i starts a run;
 * cum[w] counts the set bits in the words before w. */
struct cnode {
	uint64_t bm[4];
	uint32_t vals; /* offset of the node's first run value */
	uint16_t cum[4];
};

struct ctrie {
	uint32_t *root; /* 2^16 slots */
	struct cnode *nodes;
	size_t n_nodes, cap_nodes;
	uint32_t *vals;
	size_t n_vals, cap_vals;
	unsigned levels;
};

struct matcher {
	struct ctrie v4, v6;
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

/* Compresses the node at `off` (a 256-slot level below the root) and its
 * children; returns the compressed node's index or -1. */
static long compress_node(struct ctrie *ct, const struct mtrie *tr, size_t off)
{
	uint32_t slots[256];

	for (unsigned i = 0; i < 256; i++) {
		uint32_t v = tr->t[off + i];
		if (v & MATCHER_CHILD) {
			long c = compress_node(ct, tr, v & ~MATCHER_CHILD);
			if (c < 0)
				return -1;
			v = MATCHER_CHILD | (uint32_t)c;
		}
		slots[i] = v;
	}
	if (ct->n_nodes >= MATCHER_NODES_MAX ||
	    mem_grow(&ct->nodes, &ct->cap_nodes, ct->n_nodes + 1, sizeof(*ct->nodes), 256) < 0 ||
	    mem_grow(&ct->vals, &ct->cap_vals, ct->n_vals + 256, sizeof(*ct->vals), 256) < 0)
		return -1;
	struct cnode *n = &ct->nodes[ct->n_nodes];
	memset(n, 0, sizeof(*n));
	n->vals = (uint32_t)ct->n_vals;
	unsigned runs = 0;
	for (unsigned i = 0; i < 256; i++) {
		if (i % 64 == 0)
			n->cum[i / 64] = (uint16_t)runs;
		if (i == 0 || slots[i] != slots[i - 1]) {
			n->bm[i / 64] |= 1ULL << (i % 64);
			ct->vals[ct->n_vals++] = slots[i];
			runs++;
		}
	}
	return (long)ct->n_nodes++;
}

static int compress(struct ctrie *ct, const struct mtrie *tr)
{
	memset(ct, 0, sizeof(*ct));
	ct->levels = tr->levels;
	ct->root = malloc(((size_t)1 << 16) * sizeof(*ct->root));
	if (!ct->root)
		return -1;
	for (size_t i = 0; i < ((size_t)1 << 16); i++) {
		uint32_t v = tr->t[i];
		if (v & MATCHER_CHILD) {
			long c = compress_node(ct, tr, v & ~MATCHER_CHILD);
			if (c < 0)
				return -1;
			v = MATCHER_CHILD | (uint32_t)c;
		}
		ct->root[i] = v;
	}
	/* the arrays grew by doubling; give back what was not used */
	struct cnode *nodes = realloc(ct->nodes, (ct->n_nodes + 1) * sizeof(*nodes));
	if (nodes) {
		ct->nodes = nodes;
		ct->cap_nodes = ct->n_nodes + 1;
	}
	uint32_t *vals = realloc(ct->vals, (ct->n_vals + 1) * sizeof(*vals));
	if (vals) {
		ct->vals = vals;
		ct->cap_vals = ct->n_vals + 1;
	}
	return 0;
}

static void ctrie_free(struct ctrie *ct)
{
	free(ct->root);
	free(ct->nodes);
	free(ct->vals);
}

static inline uint32_t cnode_get(const struct ctrie *ct, uint32_t node, unsigned idx)
{
	const struct cnode *n = &ct->nodes[node];
	unsigned w = idx >> 6;
	/* 2 << 63 wraps to 0 in unsigned arithmetic, so the mask is all ones */
	uint64_t upto = (2ULL << (idx & 63)) - 1;
	unsigned c = n->cum[w] + (unsigned)__builtin_popcountll(n->bm[w] & upto);

	return ct->vals[n->vals + c - 1];
}

MATCHER_CLONES static uint32_t ctrie_lookup(const struct ctrie *ct, const uint8_t *key)
{
	uint32_t slot = ct->root[(unsigned)key[0] << 8 | key[1]];

	for (unsigned lvl = 1; lvl < ct->levels && (slot & MATCHER_CHILD); lvl++)
		slot = cnode_get(ct, slot & ~MATCHER_CHILD, key[lvl + 1]);
	return slot;
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
	struct mtrie t4 = {0}, t6 = {0};
	struct matcher *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (mtrie_init(&t4, strides4, sizeof(strides4) / sizeof(strides4[0])) < 0 ||
	    mtrie_init(&t6, strides6, sizeof(strides6) / sizeof(strides6[0])) < 0)
		goto fail;
	items = calloc(n + 1, sizeof(*items));
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
		struct mtrie *tr = it->p->net.family == LW_AF_INET ? &t4 : &t6;
		if (mtrie_insert(tr, it->key, it->p->plen, it->p->payload + 1) < 0)
			goto fail;
		m->count++;
	}
	if (compress(&m->v4, &t4) < 0 || compress(&m->v6, &t6) < 0)
		goto fail;
	free(items);
	free(t4.t);
	free(t6.t);
	return m;
fail:
	free(items);
	free(t4.t);
	free(t6.t);
	matcher_free(m);
	return NULL;
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	ctrie_free(&m->v4);
	ctrie_free(&m->v6);
	free(m);
}

MATCHER_CLONES bool matcher_lookup4(const struct matcher *m, uint32_t addr, uint32_t *ret_payload)
{
	const struct ctrie *ct = &m->v4;
	uint32_t slot = ct->root[addr >> 16];

	if (slot & MATCHER_CHILD) {
		slot = cnode_get(ct, slot & ~MATCHER_CHILD, (addr >> 8) & 0xff);
		if (slot & MATCHER_CHILD)
			slot = cnode_get(ct, slot & ~MATCHER_CHILD, addr & 0xff);
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
	slot = ctrie_lookup(&m->v6, a->bytes);
	if (!slot)
		return false;
	if (ret_payload)
		*ret_payload = slot - 1;
	return true;
}

size_t matcher_memory(const struct matcher *m)
{
	const struct ctrie *t[2] = {&m->v4, &m->v6};
	size_t total = sizeof(*m);

	for (int i = 0; i < 2; i++)
		total += ((size_t)1 << 16) * sizeof(uint32_t) +
			 t[i]->cap_nodes * sizeof(struct cnode) + t[i]->cap_vals * sizeof(uint32_t);
	return total;
}

size_t matcher_count(const struct matcher *m)
{
	return m->count;
}
