/* DNS look-ups through libc's resolver (see resolve.h): TXT for `lockwatch
 * rules update`, MX/A/AAAA for `lockwatch probe --domain`. The
 * resolver state is private so the process-wide _res is never touched, and
 * the query goes out with res_nsend so the answer's response code reaches
 * us: res_nquery folds "no such name" and "server failure" into h_errno
 * values that a clear message cannot be built from. */
#include "config.h"

#include "dns/resolve.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/spf.h"

int dns_resolver_parse(const char *text, struct sockaddr_in6 *ret_sa6, struct sockaddr_in *ret_sa4,
		       int *ret_family)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hlen;
	unsigned long p = 53;

	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || (end[1] != '\0' && end[1] != ':'))
			return -1;
		hlen = (size_t)(end - text - 1);
		text++;
		port = end[1] == ':' ? end + 2 : NULL;
	} else {
		const char *colon = strchr(text, ':');
		/* one colon: IPv4 with a port; more: a bare IPv6 address */
		if (colon && !strchr(colon + 1, ':')) {
			hlen = (size_t)(colon - text);
			port = colon + 1;
		} else {
			hlen = strlen(text);
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (port) {
		char *end;
		if (port[0] < '0' || port[0] > '9')
			return -1;
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end || p == 0 || p > 65535)
			return -1;
	}
	memset(ret_sa6, 0, sizeof(*ret_sa6));
	memset(ret_sa4, 0, sizeof(*ret_sa4));
	if (inet_pton(AF_INET, host, &ret_sa4->sin_addr) == 1) {
		ret_sa4->sin_family = AF_INET;
		ret_sa4->sin_port = htons((uint16_t)p);
		*ret_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &ret_sa6->sin6_addr) == 1) {
		ret_sa6->sin6_family = AF_INET6;
		ret_sa6->sin6_port = htons((uint16_t)p);
		*ret_family = AF_INET6;
		return 0;
	}
	return -1;
}

static void set_err(struct dns_resolver *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(struct dns_resolver *r, int err, const char *fmt, ...)
{
	va_list ap;

	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->errstr, sizeof(r->errstr), fmt, ap);
	va_end(ap);
}

/* The server list as messages show it. */
static void describe(struct dns_resolver *r)
{
	size_t o = 0;

	for (int i = 0; i < r->st.nscount && o < sizeof(r->shown); i++) {
		char a[INET6_ADDRSTRLEN];
		const struct sockaddr_in6 *s6 = r->st._u._ext.nsaddrs[i];
		const struct sockaddr_in *s4 = &r->st.nsaddr_list[i];
		if (s4->sin_family == AF_INET) {
			inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
			o += (size_t)snprintf(r->shown + o, sizeof(r->shown) - o, "%s%s:%u",
					      i ? " " : "", a, ntohs(s4->sin_port));
		} else if (s6 && s6->sin6_family == AF_INET6) {
			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
			o += (size_t)snprintf(r->shown + o, sizeof(r->shown) - o, "%s[%s]:%u",
					      i ? " " : "", a, ntohs(s6->sin6_port));
		}
	}
	if (o == 0)
		snprintf(r->shown, sizeof(r->shown), "(none)");
}

struct dns_resolver *dns_resolver_new(const char *server, unsigned timeout_s, unsigned tries)
{
	struct dns_resolver *r = calloc(1, sizeof(*r));
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	int family;

	if (!r)
		return NULL;
	r->timeout_s = timeout_s;
	r->tries = tries;
	if (server && dns_resolver_parse(server, &sa6, &sa4, &family) < 0) {
		set_err(r, SPF_EDATA, "'%s' is not ADDR[:PORT] (IPv4, IPv6 or [IPv6]:PORT)",
			server);
		return r;
	}
	if (res_ninit(&r->st) != 0) {
		set_err(r, SPF_EDNS, "cannot set up the resolver (res_ninit failed)");
		return r;
	}
	if (server) {
		/* replace what resolv.conf named; libc allocated the IPv6 entries
		 * and frees nsaddrs[0..nscount) itself on res_nclose */
		for (int i = 0; i < r->st.nscount; i++) {
			free(r->st._u._ext.nsaddrs[i]);
			r->st._u._ext.nsaddrs[i] = NULL;
		}
		memset(r->st.nsaddr_list, 0, sizeof(r->st.nsaddr_list));
		r->st.nscount = 1;
		if (family == AF_INET) {
			r->st.nsaddr_list[0] = sa4;
		} else {
			/* IPv6 servers live in the extension list, marked by a zero
			 * family in nsaddr_list */
			struct sockaddr_in6 *p = malloc(sizeof(*p));
			if (!p) {
				r->st.nscount = 0;
				set_err(r, SPF_ENOMEM, "out of memory");
				return r;
			}
			*p = sa6;
			r->st._u._ext.nsaddrs[0] = p;
		}
	}
	describe(r);
	if (r->st.nscount == 0) {
		set_err(r, SPF_EDNS, "no name server configured (give --resolver ADDR[:PORT])");
		return r;
	}
	r->st.retrans = (int)timeout_s;
	r->st.retry = (int)tries;
	/* a SERVFAIL or REFUSED answer is returned to us instead of ending as
	 * "timed out" (libc retries other servers unless pfcode is set, as
	 * dig does) */
	r->st.pfcode = RES_PRF_REPLY;
	return r;
}

void dns_resolver_free(struct dns_resolver *r)
{
	if (!r)
		return;
	if (r->st.options & RES_INIT)
		res_nclose(&r->st);
	free(r);
}

static int fetch_error(char **reterr, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fetch_error(char **reterr, int status, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*reterr = strdup(buf);
	return *reterr ? status : SPF_ENOMEM;
}

static const char *rcode_name(unsigned rcode)
{
	switch (rcode) {
	case 1:
		return "FORMERR";
	case 2:
		return "SERVFAIL";
	case 4:
		return "NOTIMP";
	case 5:
		return "REFUSED";
	default:
		return "an error";
	}
}

int dns_resolver_query(struct dns_resolver *r, const char *name, int type, const char *tname,
		       unsigned char **ret_ans, size_t *ret_len, char **reterr)
{
	unsigned char q[NS_PACKETSZ];

	*ret_ans = NULL;
	*ret_len = 0;
	*reterr = NULL;
	int qlen =
	    res_nmkquery(&r->st, ns_o_query, name, ns_c_in, type, NULL, 0, NULL, q, sizeof(q));
	if (qlen < 0)
		return fetch_error(reterr, SPF_EDATA, "cannot build a query for this name");
	unsigned char *ans = malloc(DNS_ANSWER_MAX);
	if (!ans)
		return SPF_ENOMEM;
	r->queries++;
	errno = 0;
	int alen = res_nsend(&r->st, q, qlen, ans, DNS_ANSWER_MAX);
	if (alen < 0) {
		int e = errno;
		free(ans);
		if (e == ETIMEDOUT || e == 0)
			return fetch_error(reterr, SPF_EDNS,
					   "resolver %s did not answer the %s query: timed out "
					   "after %u tr%s of %u s",
					   r->shown, tname, r->tries, r->tries == 1 ? "y" : "ies",
					   r->timeout_s);
		if (e == ECONNREFUSED)
			return fetch_error(reterr, SPF_EDNS,
					   "resolver %s refused the %s query (nothing listening "
					   "there?)",
					   r->shown, tname);
		return fetch_error(reterr, SPF_EDNS, "resolver %s: %s query failed: %s", r->shown,
				   tname, strerror(e));
	}
	*ret_ans = ans;
	*ret_len = (size_t)alen;
	return SPF_OK;
}

const char *dns_rcode_name(unsigned rcode)
{
	return rcode_name(rcode);
}

int spf_resolver_fetch(void *ctx, const char *name, char ***ret_txts, size_t *ret_n, char **reterr)
{
	struct dns_resolver *r = ctx;
	struct spf_txt_answer a;
	unsigned char *ans;
	size_t alen;
	char *msg = NULL;

	*ret_txts = NULL;
	*ret_n = 0;
	int rc = dns_resolver_query(r, name, ns_t_txt, "TXT", &ans, &alen, reterr);
	if (rc != SPF_OK)
		return rc;
	rc = spf_txt_parse(ans, alen, &a, &msg);
	free(ans);
	if (rc != SPF_OK) {
		rc = msg ? fetch_error(reterr, rc, "resolver %s: %s", r->shown, msg) : rc;
		free(msg);
		return rc;
	}
	if (a.rcode == ns_r_nxdomain) {
		spf_txt_clear(&a);
		return fetch_error(reterr, SPF_EDATA, "no such name (NXDOMAIN from %s)", r->shown);
	}
	if (a.rcode != ns_r_noerror) {
		unsigned rcode = a.rcode;
		spf_txt_clear(&a);
		return fetch_error(reterr, SPF_EDNS, "resolver %s answered %s (rcode %u)", r->shown,
				   rcode_name(rcode), rcode);
	}
	*ret_txts = a.txts;
	*ret_n = a.n_txts;
	return SPF_OK;
}
