/* SPF netblock records (RFC 7208) turned into prefix lists: parsing of the
 * DNS answer that carries the TXT records, of one SPF record, and the walk
 * through include: and redirect= that collects ip4:/ip6: per host. Pure
 * code without I/O: the look-ups come in through a callback, so everything
 * here can be fuzzed and unit-tested without a network. */
#ifndef LW_SPF_H
#define LW_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/diag.h"

#define SPF_LOOKUP_MAX 10  /* RFC 7208 4.6.4: DNS-querying terms in one evaluation */
#define SPF_NAME_MAX   253 /* bytes in a domain name without the root dot (RFC 1035) */
#define SPF_LABEL_MAX  63  /* bytes in one label (RFC 1035) */
#define SPF_SET_MAX    64  /* bytes in a set name: the rules language's limit */

/* Results. Data errors are in what was published (a broken, missing or
 * looping record); DNS errors mean no usable answer came back. */
enum spf_status {
	SPF_OK = 0,
	SPF_EDATA = -1,
	SPF_EDNS = -2,
	SPF_ENOMEM = -3,
};

struct spf_prefix {
	struct lw_addr net; /* host bits cleared; IPv4-mapped IPv6 folded to IPv4 */
	unsigned plen;
};

/* The terms of one record that matter to lockwatch. */
struct spf_record {
	struct spf_prefix *prefixes; /* pass ip4:/ip6:, in record order */
	size_t n_prefixes;
	char **includes; /* pass include: targets, lower case, no trailing dot */
	size_t n_includes;
	char *redirect;	  /* redirect= target or NULL (also NULL when `all` voids it) */
	unsigned lookups; /* DNS-querying terms: include a mx ptr exists redirect */
};

/* Parses one SPF record ("v=spf1 ..."). `host` names the record in the
 * messages. Every error and warning goes to diag (a term that cannot become
 * a range, such as a or mx, is a warning that names it); returns SPF_OK, or
 * SPF_EDATA after listing all the record's errors, or SPF_ENOMEM. */
int spf_parse(const char *host, const char *text, struct spf_record *ret, struct diag *diag);
void spf_record_clear(struct spf_record *r);

/* true when a TXT record is an SPF record: "v=spf1" (any case) followed by
 * a space or the end (RFC 7208 4.5). */
bool spf_is_record(const char *txt);

/* A DNS response to a TXT query: the response code and each TXT record of
 * the answer section, its character-strings concatenated (RFC 7208 3.3). */
struct spf_txt_answer {
	unsigned rcode; /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ... */
	char **txts;
	size_t n_txts;
};
/* Returns SPF_OK, or SPF_EDNS with a message in reterr (caller frees) when
 * the message is malformed, or SPF_ENOMEM. A NUL byte inside a string is
 * kept as 0x01 so that C strings stay whole and the SPF parser rejects it. */
int spf_txt_parse(const uint8_t *msg, size_t len, struct spf_txt_answer *ret, char **reterr);
void spf_txt_clear(struct spf_txt_answer *a);

/* The set name for a host (see lockwatch-rules update in README):
 * "<label>._netblocks.<domain>" -> "<first label of domain>-<label>";
 * the root name itself -> the first label of the name without its leading
 * "_" labels; any other host -> the host name. Always a valid set name
 * (lower case, [a-z0-9._-], at most SPF_SET_MAX bytes). */
void spf_set_name(const char *host, bool is_root, char *buf, size_t len);

/* Look-up callback: the TXT records of name, each one concatenated.
 * Returns SPF_OK (no TXT record at all: *ret_n 0), SPF_EDATA when the name
 * does not exist (NXDOMAIN), SPF_EDNS when no usable answer came, with a
 * message in *reterr (caller frees), or SPF_ENOMEM. */
typedef int (*spf_fetch_fn)(void *ctx, const char *name, char ***ret_txts, size_t *ret_n,
			    char **reterr);

/* One host whose record was read. */
struct spf_host {
	char *name;		     /* as queried: lower case, no trailing dot */
	char *set;		     /* set name, unique in the result */
	char *parent;		     /* the host that named it; NULL for the root */
	bool redirect;		     /* reached through redirect= rather than include: */
	struct spf_prefix *prefixes; /* sorted, without duplicates */
	size_t n_prefixes;
};

struct spf_result {
	struct spf_host *hosts; /* in the order they were read */
	size_t n_hosts, cap_hosts;
	unsigned lookups; /* DNS-querying terms met (at most SPF_LOOKUP_MAX) */
};

/* Reads name's SPF record and everything it includes or redirects to.
 * Errors: no or more than one SPF record, malformed record, a loop (the
 * message shows the path), more than SPF_LOOKUP_MAX DNS-querying terms,
 * and whatever fetch reports. A host reached a second time on another
 * branch (not a loop) is read once. Returns an enum spf_status; messages
 * in diag. On error *ret holds what was read so far; clear it anyway. */
int spf_walk(const char *name, spf_fetch_fn fetch, void *ctx, struct spf_result *ret,
	     struct diag *diag);
void spf_result_clear(struct spf_result *r);

/* Orders prefixes: IPv4 before IPv6, then address, then length. */
int spf_prefix_cmp(const struct spf_prefix *a, const struct spf_prefix *b);

#endif
