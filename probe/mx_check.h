/* The MX half of the lockdown (issue 14 item 4): a domain's MX records
 * through dns/, each exchange's A/AAAA, every address classified by the
 * rules. An MX with an address outside the gateway sets in force is a door
 * around the gateway. No MX means the domain's own addresses receive its
 * mail (RFC 5321 5.1); a null MX (RFC 7505), NXDOMAIN and a CNAME chain
 * that ends in no MX are each said as such. */
#ifndef LW_PROBE_MX_CHECK_H
#define LW_PROBE_MX_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/records.h"
#include "dns/resolve.h"
#include "probe/probe.h"
#include "rules/rules.h"

#define MX_EXCHANGES_MAX 16 /* MX records judged; more are listed as dropped */
#define MX_ADDRS_MAX	 16 /* addresses kept per exchange */

struct mx_addr {
	struct lw_addr addr;
	enum src_class cls;
	char match[80]; /* the set or the exception's label, "" when outside */
};

struct mx_exchange {
	char name[DNS_NAME_MAX];
	unsigned pref;
	bool implicit; /* no MX: the domain itself */
	struct mx_addr addrs[MX_ADDRS_MAX];
	size_t n_addrs;
	bool gateway;	/* every address inside a gateway set in force */
	char note[160]; /* why it has no address, ... */
};

struct mx_check {
	char domain[DNS_NAME_MAX];
	const char *status; /* "mx", "implicit", "null_mx", "nxdomain", "cname_loop", "no_mail" */
	enum verdict verdict;
	char reason[PROBE_REASON_MAX];
	struct mx_exchange ex[MX_EXCHANGES_MAX];
	size_t n;
	size_t dropped;
};

/* Returns 0 (ret filled, verdict set), or SPF_EDNS / SPF_ENOMEM with a
 * message in err when the resolver gave no usable answer. */
int mx_check_run(const char *domain, struct dns_resolver *rv, const struct rules *rules,
		 struct mx_check *ret, char *err, size_t errlen);

#endif
