/* The watched servers: which addresses are the host whose lockdown is
 * judged (DESIGN.md section 3, "Direction"). Only attempts to one of them
 * are judged; the host's own connections to another host's watched port
 * are outbound, counted apart; attempts between two other hosts are not
 * ours. A set is immutable once built: whoever learns new addresses (the
 * rules, --server, the capture interface followed by lockwatchd) builds a
 * new one and swaps it into the pipeline between two packets. */
#ifndef LW_SERVERS_H
#define LW_SERVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/addr.h"

enum direction {
	DIR_INBOUND = 0, /* to a watched server: an attempt to judge */
	DIR_OUTBOUND,	 /* from a watched server to another host */
	DIR_OTHER	 /* neither end is a watched server */
};

/* Where the addresses came from, for the report and the daemon's log. */
enum servers_origin {
	SERVERS_NONE = 0,  /* nobody named a server: every destination is judged */
	SERVERS_ANY,	   /* `server any`: every destination is judged, on purpose */
	SERVERS_RULES,	   /* the rules' `server` lines */
	SERVERS_OPTION,	   /* lockwatch replay --server */
	SERVERS_INTERFACE, /* the capture interface's own addresses */
};

struct servers {
	enum servers_origin origin;
	size_t n;	       /* 0 with NONE and ANY */
	struct lw_addr addr[]; /* sorted by addr_compare, no duplicates */
};

/* A set judging every destination (origin NONE or ANY). NULL: no memory. */
struct servers *servers_new_all(enum servers_origin origin);
/* A set of n addresses (copied, sorted, duplicates dropped). An empty list
 * watches nothing at all, which is what an interface without addresses
 * means. NULL: no memory. */
struct servers *servers_new_list(enum servers_origin origin, const struct lw_addr *addrs, size_t n);
/* From the rules: their `server` lines (RULES), `server any` (ANY), or
 * NONE when they name no server. NULL: no memory. */
struct rules;
struct servers *servers_from_rules(const struct rules *r);
void servers_free(struct servers *s);

/* true when every destination is judged (NONE, ANY). */
static inline bool servers_all(const struct servers *s)
{
	return s->origin == SERVERS_NONE || s->origin == SERVERS_ANY;
}
bool servers_contains(const struct servers *s, const struct lw_addr *a);
/* Which way an attempt from src to dst goes. A watched destination wins
 * (the host connecting to itself is judged). */
enum direction servers_direction(const struct servers *s, const struct lw_addr *src,
				 const struct lw_addr *dst);
/* true when both hold the same addresses under the same origin. */
bool servers_equal(const struct servers *a, const struct servers *b);
/* The addresses, space separated, as many whole ones as fit in buf (for
 * the sensor: hash in Redis); returns how many were written. */
size_t servers_format(const struct servers *s, char *buf, size_t len);
/* "none named", "any", "rules", "--server", "interface" */
const char *servers_origin_name(enum servers_origin o);

#endif
