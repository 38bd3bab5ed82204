/* MX, A and AAAA answers (RFC 1035, RFC 3596, RFC 7505) read from a DNS
 * message: pure code without I/O, names expanded by libc's dn_expand, every
 * length checked against the message, so it can be unit-tested and fuzzed
 * on bytes alone. */
#ifndef LW_DNS_RECORDS_H
#define LW_DNS_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define DNS_NAME_MAX	  255 /* bytes of a presentation name with its NUL */
#define DNS_RECORDS_MAX	  64  /* records of one kind kept from one answer */
#define DNS_CNAME_MAX_HOP 8   /* CNAMEs followed by hand before calling it a loop */

struct dns_mx {
	unsigned pref;
	char exchange[DNS_NAME_MAX]; /* lower case, no trailing dot; "" for a null MX */
};

struct dns_answer {
	unsigned rcode; /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, ... */
	struct dns_mx mx[DNS_RECORDS_MAX];
	size_t n_mx;
	struct lw_addr addrs[DNS_RECORDS_MAX];
	size_t n_addrs;
	unsigned n_cname;	       /* CNAME records in the answer section */
	char cname_last[DNS_NAME_MAX]; /* the last CNAME's target */
	size_t dropped;		       /* records past DNS_RECORDS_MAX */
};

/* Reads the answer section of a response to a query of qtype (ns_t_mx,
 * ns_t_a or ns_t_aaaa). Returns 0, or -1 with a message in err. */
int dns_answer_parse(const uint8_t *msg, size_t len, int qtype, struct dns_answer *ret, char *err,
		     size_t errlen);

#endif
