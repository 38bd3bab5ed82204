/* IP address storage, parsing and formatting (see addr.h). */
#include "config.h"

#include "addr.h"

#include <arpa/inet.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void addr_set_ip4(struct lw_addr *a, const uint8_t bytes[4])
{
	memset(a, 0, sizeof(*a));
	a->family = LW_AF_INET;
	memcpy(a->bytes, bytes, 4);
}

void addr_set_ip6(struct lw_addr *a, const uint8_t bytes[16])
{
	if (memcmp(bytes, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
		addr_set_ip4(a, bytes + 12);
		return;
	}
	memset(a, 0, sizeof(*a));
	a->family = LW_AF_INET6;
	memcpy(a->bytes, bytes, 16);
}

int addr_parse(const char *text, struct lw_addr *ret_addr)
{
	uint8_t buf[16];

	if (inet_pton(AF_INET, text, buf) == 1) {
		addr_set_ip4(ret_addr, buf);
		return 0;
	}
	if (inet_pton(AF_INET6, text, buf) == 1) {
		addr_set_ip6(ret_addr, buf);
		return 0;
	}
	return -1;
}

/* IPv4 by hand: glibc's inet_ntop prints it with sprintf, and the store
 * formats an address per source of a flood. */
static void format4(const uint8_t *b, char *buf)
{
	char *p = buf;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

const char *addr_format(const struct lw_addr *a, char *buf, size_t len)
{
	int af = a->family == LW_AF_INET ? AF_INET : AF_INET6;

	if (a->family == LW_AF_INET && len >= 16) {
		format4(a->bytes, buf);
		return buf;
	}
	if (a->family == LW_AF_NONE || inet_ntop(af, a->bytes, buf, (socklen_t)len) == NULL) {
		if (len > 0)
			buf[0] = '\0';
	}
	return buf;
}

bool addr_equal(const struct lw_addr *a, const struct lw_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

int addr_compare(const struct lw_addr *a, const struct lw_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

unsigned addr_bits(const struct lw_addr *a)
{
	return a->family == LW_AF_INET ? 32 : 128;
}

void addr_mask(struct lw_addr *a, unsigned plen)
{
	unsigned bits = addr_bits(a);

	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8;
		if (lo >= bits || plen <= lo)
			a->bytes[i] = 0;
		else if (plen < lo + 8)
			a->bytes[i] &= (uint8_t)(0xff00u >> (plen - lo));
	}
}
