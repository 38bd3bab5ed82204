/* The watched servers set (see servers.h): a sorted array searched by
 * bisection; a mail host has a handful of addresses. */
#include "config.h"

#include "analyzer/servers.h"

#include "rules/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct servers *servers_new_all(enum servers_origin origin)
{
	struct servers *s = calloc(1, sizeof(*s));

	if (s)
		s->origin = origin;
	return s;
}

static int addr_qcmp(const void *a, const void *b)
{
	return addr_compare(a, b);
}

struct servers *servers_new_list(enum servers_origin origin, const struct lw_addr *addrs, size_t n)
{
	struct servers *s = calloc(1, sizeof(*s) + n * sizeof(s->addr[0]));

	if (!s)
		return NULL;
	s->origin = origin;
	if (n == 0)
		return s;
	memcpy(s->addr, addrs, n * sizeof(s->addr[0]));
	qsort(s->addr, n, sizeof(s->addr[0]), addr_qcmp);
	s->n = 1;
	for (size_t i = 1; i < n; i++)
		if (!addr_equal(&s->addr[i], &s->addr[s->n - 1]))
			s->addr[s->n++] = s->addr[i];
	return s;
}

struct servers *servers_from_rules(const struct rules *r)
{
	const struct lw_addr *addrs;
	unsigned n = rules_servers(r, &addrs);

	if (rules_server_any(r))
		return servers_new_all(SERVERS_ANY);
	return n ? servers_new_list(SERVERS_RULES, addrs, n) : servers_new_all(SERVERS_NONE);
}

void servers_free(struct servers *s)
{
	free(s);
}

bool servers_contains(const struct servers *s, const struct lw_addr *a)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = addr_compare(&s->addr[mid], a);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

enum direction servers_direction(const struct servers *s, const struct lw_addr *src,
				 const struct lw_addr *dst)
{
	if (servers_all(s) || servers_contains(s, dst))
		return DIR_INBOUND;
	return servers_contains(s, src) ? DIR_OUTBOUND : DIR_OTHER;
}

bool servers_equal(const struct servers *a, const struct servers *b)
{
	if (a->origin != b->origin || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!addr_equal(&a->addr[i], &b->addr[i]))
			return false;
	return true;
}

size_t servers_format(const struct servers *s, char *buf, size_t len)
{
	size_t used = 0, i;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < s->n; i++) {
		char a[LW_ADDR_STRLEN];
		addr_format(&s->addr[i], a, sizeof(a));
		int n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", a);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* whole addresses only */
			break;
		}
		used += (size_t)n;
	}
	return i;
}

const char *servers_origin_name(enum servers_origin o)
{
	switch (o) {
	case SERVERS_ANY:
		return "any";
	case SERVERS_RULES:
		return "rules";
	case SERVERS_OPTION:
		return "--server";
	case SERVERS_INTERFACE:
		return "interface";
	default:
		return "none named";
	}
}
