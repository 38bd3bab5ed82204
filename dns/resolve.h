/* dns/: the DNS look-ups lockwatch makes, through libc's resolver on a
 * private resolver state: one server the user names (or the system's), a
 * bounded timeout and try count. TXT answers are parsed by rules/spf.c
 * (rules update), MX/A/AAAA answers by dns/records.c (probe --domain).
 * May include common/ and rules/; never cli/, daemon/ or probe/. */
#ifndef LW_DNS_RESOLVE_H
#define LW_DNS_RESOLVE_H

#include <netinet/in.h>
#include <resolv.h>

#define DNS_RESOLVER_TEXT_MAX 128   /* "[v6addr]:port" or the system's list */
#define DNS_ANSWER_MAX	      65535 /* bytes: the largest DNS message (over TCP) */

struct dns_resolver {
	struct __res_state st;
	char shown[DNS_RESOLVER_TEXT_MAX]; /* the server(s) as messages name them */
	unsigned timeout_s, tries;
	unsigned queries; /* sent so far */
	int err;	  /* 0, or an enum spf_status */
	char errstr[256];
};

/* Parses ADDR[:PORT]: IPv4 "a.b.c.d[:port]", IPv6 "addr" or "[addr][:port]";
 * the port defaults to 53. Returns 0 or -1. */
int dns_resolver_parse(const char *text, struct sockaddr_in6 *ret_sa6, struct sockaddr_in *ret_sa4,
		       int *ret_family);

/* server NULL: the name servers of /etc/resolv.conf. Always returns an
 * object (NULL only when out of memory); check ->err. */
struct dns_resolver *dns_resolver_new(const char *server, unsigned timeout_s, unsigned tries);
void dns_resolver_free(struct dns_resolver *r);

/* Sends one query of type (ns_t_mx, ...; tname names it in messages) and
 * returns the raw answer (caller frees) whatever its response code.
 * SPF_OK, SPF_EDNS with *reterr (caller frees) when no answer came, or
 * SPF_ENOMEM. */
int dns_resolver_query(struct dns_resolver *r, const char *name, int type, const char *tname,
		       unsigned char **ret_ans, size_t *ret_len, char **reterr);
/* "SERVFAIL", "REFUSED", ... */
const char *dns_rcode_name(unsigned rcode);

/* An spf_fetch_fn: ctx is the struct dns_resolver. */
int spf_resolver_fetch(void *ctx, const char *name, char ***ret_txts, size_t *ret_n, char **reterr);

#endif
