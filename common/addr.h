/* common/: what every part of lockwatch uses: IP addresses (this file),
 * parser diagnostics (diag.h), array growth (mem.h), hashes (hash.h), the
 * bounds of every table (bounds.h), and the programs' exit codes and error
 * lines (program.h). It includes nothing of lockwatch's outside common/.
 *
 * IP addresses as lockwatch carries them: one struct for IPv4 and IPv6,
 * IPv4-mapped IPv6 folded to IPv4 so one source has one identity. */
#ifndef LW_ADDR_H
#define LW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LW_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

enum lw_family { LW_AF_NONE = 0, LW_AF_INET = 4, LW_AF_INET6 = 6 };

struct lw_addr {
	uint8_t family;	   /* enum lw_family */
	uint8_t bytes[16]; /* network order; IPv4 uses bytes[0..3], rest zero */
};

void addr_set_ip4(struct lw_addr *a, const uint8_t bytes[4]);
/* Stores an IPv6 address; ::ffff:a.b.c.d becomes IPv4 a.b.c.d. */
void addr_set_ip6(struct lw_addr *a, const uint8_t bytes[16]);
/* Parses dotted IPv4 or IPv6 text. Returns 0 or -1. */
int addr_parse(const char *text, struct lw_addr *ret_addr);
/* Writes the canonical text form; returns buf. */
const char *addr_format(const struct lw_addr *a, char *buf, size_t len);
bool addr_equal(const struct lw_addr *a, const struct lw_addr *b);
/* Total order: IPv4 before IPv6, then bytes. */
int addr_compare(const struct lw_addr *a, const struct lw_addr *b);
/* Number of address bits: 32 or 128. */
unsigned addr_bits(const struct lw_addr *a);
/* Clears the host bits below a prefix length of plen. */
void addr_mask(struct lw_addr *a, unsigned plen);

#endif
