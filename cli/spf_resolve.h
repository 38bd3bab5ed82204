/* TXT look-ups for `lockwatch rules update` through libc's resolver on a
 * private resolver state: one server the user names (or the system's),
 * a bounded timeout and try count, answers parsed by analyzer/spf.c. */
#ifndef LW_SPF_RESOLVE_H
#define LW_SPF_RESOLVE_H

#include <netinet/in.h>
#include <resolv.h>

#define SPF_RESOLVER_TEXT_MAX 128 /* "[v6addr]:port" or the system's list */

struct spf_resolver {
	struct __res_state st;
	char shown[SPF_RESOLVER_TEXT_MAX]; /* the server(s) as messages name them */
	unsigned timeout_s, tries;
	unsigned queries; /* sent so far */
	int err;	  /* 0, or an enum spf_status */
	char errstr[256];
};

/* Parses ADDR[:PORT]: IPv4 "a.b.c.d[:port]", IPv6 "addr" or "[addr][:port]";
 * the port defaults to 53. Returns 0 or -1. */
int spf_resolver_parse(const char *text, struct sockaddr_in6 *ret_sa6, struct sockaddr_in *ret_sa4,
		       int *ret_family);

/* server NULL: the name servers of /etc/resolv.conf. Always returns an
 * object (NULL only when out of memory); check ->err. */
struct spf_resolver *spf_resolver_new(const char *server, unsigned timeout_s, unsigned tries);
void spf_resolver_free(struct spf_resolver *r);

/* An spf_fetch_fn: ctx is the struct spf_resolver. */
int spf_resolver_fetch(void *ctx, const char *name, char ***ret_txts, size_t *ret_n, char **reterr);

#endif
