/* What the rules parser (rules_parse.c), its checks and normalised output
 * (rules_check.c) and the loader with its queries (rules.c) share: the
 * rules object's insides and the parser's state. Not for use outside
 * rules/. */
#ifndef LW_RULES_INTERNAL_H
#define LW_RULES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/bounds.h"
#include "rules/matcher.h"
#include "rules/rules.h"

/* Include nesting limit: a deeper chain is certainly a mistake (or a cycle
 * through different spellings of one path) and it bounds the parser's
 * recursion. Counted in files below the top-level one. */
#define RULES_INCLUDE_DEPTH_MAX 8
#define RULES_NAME_MAX		64 /* bytes in a set name or exception label */
/* bytes in an exception's comment: with its escapes doubled it must still
 * fit on one line of the normalised dump, which is itself a rules file */
#define RULES_COMMENT_MAX 1024

struct entry {
	struct lw_addr net; /* host bits cleared */
	unsigned plen;
	long set;	  /* index into sets, -1 for an exception or a probe */
	bool probe;	  /* a `probe` vantage point (set -1) */
	const char *text; /* the prefix as written */
	const char *label, *comment;
	const char *file;
	unsigned line, col;
};

struct set {
	const char *name;
	const char *file; /* where it was defined (set block or first allow) */
	unsigned line, col;
	bool block; /* defined by a `set` block (a second block is an error) */
	bool in_force;
	size_t count;
};

struct rules {
	struct entry *entries;
	size_t n_entries, cap_entries;
	struct set *sets;
	size_t n_sets, cap_sets;
	char **strs;
	size_t n_strs, cap_strs;
	uint16_t ports[LW_MAX_WATCHED_PORTS];
	unsigned n_ports;
	struct lw_addr *servers;
	size_t n_servers, cap_servers;
	bool server_any; /* `server any`: every destination, said on purpose */
	size_t *order;	 /* entries in force, normalised order */
	size_t n_order;
	struct matcher *force; /* exceptions + sets in force */
	struct matcher *all;   /* exceptions + every set */
	char digest[17];
};

struct use {
	const char *name;
	const char *file;
	unsigned line, col;
};

struct tok {
	char *s;
	unsigned col;
	bool quoted;
};

struct parser {
	struct rules *r;
	struct diag *diag;
	struct use *uses;
	size_t n_uses, cap_uses;
	struct tok *toks;
	size_t cap_toks;
	char *tokbuf;
	char *stack[RULES_INCLUDE_DEPTH_MAX + 1]; /* real paths of the files being read */
	const char *stack_name[RULES_INCLUDE_DEPTH_MAX + 1];
	unsigned depth;
	char **seen; /* real paths of every file read: each is read once */
	size_t n_seen, cap_seen;
	rules_include_fn include_fn; /* NULL: includes are files */
	void *include_data;
	bool oom;
};

/* One file being read. */
struct file_ctx {
	const char *name; /* as shown in messages */
	long cur_set;	  /* open set block or -1 */
	unsigned set_line, set_col;
};

/* ---- rules_parse.c: the language read into a rules object --------------- */

/* A copy of s owned by the rules object; NULL (and p->oom) when out of memory. */
const char *rules_pool_dup(struct parser *p, const char *s);
/* The index of the set called name, -1 when there is none. */
long rules_set_find(const struct rules *r, const char *name);
/* Reads one file's text (the top-level one or an include); 0 or -1 with
 * diagnostics added. */
int rules_parse_file(struct parser *p, const char *name, const char *text);
/* A whole file in memory, NUL-terminated; NULL with *reterr = errno. */
char *rules_read_all(const char *path, int *reterr);
bool rules_prefix_contains(const struct entry *outer, const struct entry *inner);
void rules_format_prefix(const struct lw_addr *net, unsigned plen, char *buf, size_t len);

/* ---- rules_check.c: warnings after parsing, normalised output, digest ---- */

int rules_norm_cmp(const void *a, const void *b);
int rules_u16_cmp(const void *a, const void *b);
int rules_addr_qcmp(const void *a, const void *b);
/* Warns about prefixes that overlap in ways that matter; -1 when out of memory. */
int rules_check_overlaps(struct rules *r, struct diag *diag);
/* The normalised rules file; origin: with the file:line each entry came from. */
void rules_write_rules(const struct rules *r, FILE *out, bool origin);
int rules_compute_digest(struct rules *r);

#endif
