/* Rules: which sources may connect to the watched ports (the gateway's
 * ranges), which are known exceptions, and which ports/servers are watched.
 * Loading builds a new immutable object; the old one stays in force until
 * the caller swaps it, so a broken file never half-applies. */
#ifndef LW_RULES_H
#define LW_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/diag.h"

enum src_class {
	CLASS_OUTSIDE = 0, /* matches nothing: should be blocked */
	CLASS_ALLOWED,     /* inside a gateway set in force */
	CLASS_EXCEPTION,   /* a labelled known source, reported apart */
	CLASS_COUNT
};

/* "outside", "allowed", "exception" */
const char *class_name(enum src_class c);

/* What a lookup matched. Strings belong to the rules object. */
struct rule_ref {
	enum src_class cls;
	const char *set;     /* allowed: the set's name; exception: NULL */
	const char *label;   /* exception: its label; allowed: NULL */
	const char *comment; /* exception's quoted comment or NULL */
	const char *prefix;  /* the matching prefix as written, "" when outside */
	const char *file;    /* where the matching line is, NULL when outside */
	unsigned line;
};

struct rules;

/* Returns NULL when the file has errors; every error and warning is in diag. */
struct rules *rules_load_file(const char *path, struct diag *diag);
/* Same from memory; `name` stands in for the file name in messages. */
struct rules *rules_load_string(const char *name, const char *text, struct diag *diag);
void rules_free(struct rules *r);

/* Longest-prefix match; IPv4-mapped IPv6 matches as IPv4. ret_ref may be NULL. */
enum src_class rules_classify(const struct rules *r, const struct lw_addr *src,
			      struct rule_ref *ret_ref);

/* Watched server ports (default: 25). */
unsigned rules_ports(const struct rules *r, const uint16_t **ret_ports);
/* true when no server addresses are configured or dst is one of them. */
bool rules_server_watched(const struct rules *r, const struct lw_addr *dst);
/* Short hex digest of the normalised rules, recorded beside each report. */
const char *rules_digest(const struct rules *r);

#endif
