/* Longest-prefix matcher for IPv4 and IPv6: built once from a prefix list,
 * then immutable and read-only during lookups (safe to share between
 * threads). Each prefix carries a caller-chosen payload, usually the index
 * of the rule that wrote it. */
#ifndef LW_MATCHER_H
#define LW_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define MATCHER_PAYLOAD_MAX 0x7ffffffeu /* payloads share a 32-bit slot with a child flag */

struct matcher_prefix {
	struct lw_addr net; /* host bits are ignored */
	unsigned plen;	    /* 0..32 for IPv4, 0..128 for IPv6 */
	uint32_t payload;   /* 0..MATCHER_PAYLOAD_MAX */
};

struct matcher;

/* Builds the matcher. When the same prefix appears more than once, the
 * first one in the array wins. Returns NULL on allocation failure or when a
 * prefix is invalid (bad family, length or payload). */
struct matcher *matcher_build(const struct matcher_prefix *prefixes, size_t n);
void matcher_free(struct matcher *m);

/* Longest-prefix match. Returns true and the payload when a prefix matches. */
bool matcher_lookup(const struct matcher *m, const struct lw_addr *a, uint32_t *ret_payload);
/* IPv4 fast path: addr in host byte order. */
bool matcher_lookup4(const struct matcher *m, uint32_t addr, uint32_t *ret_payload);

/* Bytes held by the lookup structure. */
size_t matcher_memory(const struct matcher *m);
/* Distinct prefixes stored (after removing duplicates). */
size_t matcher_count(const struct matcher *m);

#endif
