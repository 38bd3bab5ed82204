/* rules/: the rules language and what is made from it: the loader
 * (rules.c, with the parser rules_parse.c and the warnings, normalised
 * output and digest in rules_check.c), the longest-prefix matcher the
 * rules are looked up in (matcher.c), the firewall export (firewall.c) and
 * the SPF regeneration of sets (spf*.c; its DNS look-ups come in through a
 * callback, dns/ makes them). The shipped rule sets (*.rules) sit beside
 * the code. It may include common/ only: it knows neither packets nor
 * attempts.
 *
 * Rules: which sources may connect to the watched ports (the gateway's
 * ranges), which are known exceptions, and which ports/servers are watched.
 * Loading builds a new immutable object; the old one stays in force until
 * the caller swaps it, so a broken file never half-applies. */
#ifndef LW_RULES_H
#define LW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/diag.h"

enum src_class {
	CLASS_OUTSIDE = 0, /* matches nothing: should be blocked */
	CLASS_ALLOWED,	   /* inside a gateway set in force */
	CLASS_EXCEPTION,   /* a labelled known source, reported apart */
	CLASS_PROBE,	   /* a `probe` vantage point: judged as outside, named apart */
	/* Not a rules class: the watched host's own connection to another
	 * host's watched port (analyzer/servers.h), counted apart, never
	 * judged. The classes before it are the inbound ones. */
	CLASS_OUTBOUND,
	CLASS_COUNT
};

/* true for the classes the verdict judges as outside: outside and probe
 * (the probe's attempts are outside attempts made on purpose). */
static inline bool class_judged_outside(enum src_class c)
{
	return c == CLASS_OUTSIDE || c == CLASS_PROBE;
}

/* "outside", "allowed", "exception", "probe", "outbound" */
const char *class_name(enum src_class c);
/* true when s is one of the language's keywords (set, use, allow, ...):
 * no set may be called that. */
bool rules_is_keyword(const char *s);

/* What a lookup matched. Strings belong to the rules object. */
struct rule_ref {
	enum src_class cls;
	const char *set;     /* allowed: the set's name; exception: NULL */
	const char *label;   /* exception or probe: its label; allowed: NULL */
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
/* Reads one `include` for rules_load_string_with(): `path` is the include
 * joined to the including file's directory, as for files. Returns 0 and a
 * malloc'd NUL-terminated text the parser frees, or an errno value for the
 * message ("cannot read include 'x': No such file or directory"). */
typedef int (*rules_include_fn)(const char *path, char **ret_text, void *userdata);
/* rules_load_string() whose includes come from include_fn instead of the
 * file system (tests, fuzzing, rules held in memory). A path is one file:
 * cycles and repeats are found by the path as joined. */
struct rules *rules_load_string_with(const char *name, const char *text,
				     rules_include_fn include_fn, void *userdata,
				     struct diag *diag);
void rules_free(struct rules *r);

/* Longest-prefix match; IPv4-mapped IPv6 matches as IPv4. ret_ref may be NULL. */
enum src_class rules_classify(const struct rules *r, const struct lw_addr *src,
			      struct rule_ref *ret_ref);

/* Watched server ports (default: 25). */
unsigned rules_ports(const struct rules *r, const uint16_t **ret_ports);
/* true with `server any`: every destination is watched, on purpose (a
 * sensor on a mirror port). Which servers are watched is servers.h's. */
bool rules_server_any(const struct rules *r);
/* How many `probe` vantage points the rules name. */
size_t rules_probe_count(const struct rules *r);
/* The `probe` vantage points as "PREFIX=LABEL", space separated, as many
 * whole ones as fit in buf; returns how many were written. */
size_t rules_probes_format(const struct rules *r, char *buf, size_t len);
/* Short hex digest of the normalised rules, recorded beside each report. */
const char *rules_digest(const struct rules *r);

/* ---- Additions for the CLI (rules check / lookup / dump / export) ---- */

/* true when the set exists and is in force (named by `use` or `allow`). */
bool rules_set_in_force(const struct rules *r, const char *set);
/* Longest-prefix match against every defined set and every exception,
 * whether in force or not: what `rules lookup` shows for a file that only
 * defines sets. ret_ref->cls is CLASS_ALLOWED only when the matching set is
 * in force, else CLASS_OUTSIDE with ret_ref->set naming the set that would
 * match. Returns false when nothing matches (ret_ref as for outside). */
bool rules_match_defined(const struct rules *r, const struct lw_addr *src,
			 struct rule_ref *ret_ref);

/* The rules in force in normalised order (exceptions, then each set in
 * force by name; prefixes by family, address, length): for `rules dump`
 * and firewall export. i < rules_count(r). */
size_t rules_count(const struct rules *r);
void rules_entry(const struct rules *r, size_t i, struct lw_addr *ret_net, unsigned *ret_plen,
		 struct rule_ref *ret_ref);
/* Watched server addresses from `server` lines (none: see servers.h). */
unsigned rules_servers(const struct rules *r, const struct lw_addr **ret_servers);

/* Writes the normalised, merged view of what is in force, one directive a
 * line, each with its origin "file:line" as a comment. The output is itself
 * a valid rules file; its content without comments is what rules_digest()
 * hashes. */
void rules_dump(const struct rules *r, FILE *out);
/* Bytes used by the lookup structures. */
size_t rules_memory(const struct rules *r);

/* ---- Additions for `rules update` (the change summary) ---- */

/* Every defined set, in force or not, sorted by name. i < rules_set_count(r). */
size_t rules_set_count(const struct rules *r);
const char *rules_set_name(const struct rules *r, size_t i);
/* Every prefix the files define, in force or not, in the order read:
 * ret_set names its set, or is NULL for an exception. Any out-parameter
 * may be NULL. i < rules_defined_count(r). */
size_t rules_defined_count(const struct rules *r);
void rules_defined_entry(const struct rules *r, size_t i, struct lw_addr *ret_net,
			 unsigned *ret_plen, const char **ret_set);

#endif
