/* MX, A and AAAA answers read from a DNS message (see records.h). */
#include "config.h"

#include "dns/records.h"

#include <arpa/nameser.h>
#include <ctype.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

#define DNS_HDR 12

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void lower_nodot(char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = '\0';
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "malformed DNS answer: %s", what);
	return -1;
}

int dns_answer_parse(const uint8_t *msg, size_t len, int qtype, struct dns_answer *ret, char *err,
		     size_t errlen)
{
	const uint8_t *end = msg + len;
	size_t pos = DNS_HDR;

	memset(ret, 0, sizeof(*ret));
	if (len < DNS_HDR)
		return fail(err, errlen, "shorter than a DNS header");
	unsigned flags = get16(msg + 2), qd = get16(msg + 4), an = get16(msg + 6);
	if (!(flags & 0x8000u))
		return fail(err, errlen, "not a response");
	if (flags & 0x0200u)
		return fail(err, errlen, "truncated");
	ret->rcode = flags & 0xf;
	for (unsigned i = 0; i < qd; i++) {
		int n = dn_skipname(msg + pos, end);
		if (n < 0 || len - pos < (size_t)n + 4)
			return fail(err, errlen, "question section");
		pos += (size_t)n + 4;
	}
	for (unsigned i = 0; i < an; i++) {
		int n = dn_skipname(msg + pos, end);
		if (n < 0 || len - pos < (size_t)n + 10)
			return fail(err, errlen, "answer section");
		pos += (size_t)n;
		unsigned type = get16(msg + pos), cls = get16(msg + pos + 2);
		size_t rdlen = get16(msg + pos + 8);
		pos += 10;
		if (rdlen > len - pos)
			return fail(err, errlen, "a record runs past the message");
		const uint8_t *rd = msg + pos;
		pos += rdlen;
		if (cls != ns_c_in)
			continue;
		if (type == ns_t_cname) {
			if (dn_expand(msg, end, rd, ret->cname_last, sizeof(ret->cname_last)) < 0)
				return fail(err, errlen, "CNAME target");
			lower_nodot(ret->cname_last);
			ret->n_cname++;
			continue;
		}
		if ((int)type != qtype)
			continue;
		if (type == ns_t_mx) {
			if (rdlen < 3)
				return fail(err, errlen, "MX record too short");
			if (ret->n_mx == DNS_RECORDS_MAX) {
				ret->dropped++;
				continue;
			}
			struct dns_mx *mx = &ret->mx[ret->n_mx];
			mx->pref = get16(rd);
			int m = dn_expand(msg, end, rd + 2, mx->exchange, sizeof(mx->exchange));
			if (m < 0 || (size_t)m != rdlen - 2)
				return fail(err, errlen, "MX exchange name");
			lower_nodot(mx->exchange);
			ret->n_mx++;
		} else if (type == ns_t_a || type == ns_t_aaaa) {
			if (rdlen != (type == ns_t_a ? 4u : 16u))
				return fail(err, errlen, "address record of the wrong length");
			if (ret->n_addrs == DNS_RECORDS_MAX) {
				ret->dropped++;
				continue;
			}
			if (type == ns_t_a)
				addr_set_ip4(&ret->addrs[ret->n_addrs++], rd);
			else
				addr_set_ip6(&ret->addrs[ret->n_addrs++], rd);
		}
	}
	return 0;
}
