/* Rules files: parses the language documented in lockwatch.rules(5) into an
 * immutable rules object (sets, exceptions, ports, servers), reports every
 * problem of every file with file:line:col, checks the result for overlaps
 * and builds the longest-prefix matchers the classifier uses. */
#include "config.h"

#include "rules.h"

#include "rules/matcher.h"
#include "common/bounds.h"
#include "common/mem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	long set;	  /* index into sets, -1 for an exception */
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

static const char *pool_dup(struct parser *p, const char *s)
{
	struct rules *r = p->r;
	char *d;

	if (mem_grow(&r->strs, &r->cap_strs, r->n_strs + 1, sizeof(*r->strs), 16) < 0 ||
	    !(d = strdup(s))) {
		p->oom = true;
		return NULL;
	}
	r->strs[r->n_strs++] = d;
	return d;
}

const char *class_name(enum src_class c)
{
	switch (c) {
	case CLASS_OUTSIDE:
		return "outside";
	case CLASS_ALLOWED:
		return "allowed";
	case CLASS_EXCEPTION:
		return "exception";
	case CLASS_OUTBOUND:
		return "outbound";
	default:
		return "?";
	}
}

/* ---- addresses and prefixes ---------------------------------------------- */

static bool prefix_contains(const struct entry *outer, const struct entry *inner)
{
	struct lw_addr a;

	if (outer->net.family != inner->net.family || outer->plen > inner->plen)
		return false;
	a = inner->net;
	addr_mask(&a, outer->plen);
	return addr_equal(&a, &outer->net);
}

static void format_prefix(const struct lw_addr *net, unsigned plen, char *buf, size_t len)
{
	char a[LW_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_format(net, a, sizeof(a)), plen);
}

/* Parses "addr[/len]" (a bare address is a host prefix). Reports errors and
 * the host-bits warning itself. */
static int parse_prefix(struct parser *p, const struct file_ctx *f, unsigned line,
			const struct tok *t, struct lw_addr *ret_net, unsigned *ret_plen)
{
	char buf[LW_ADDR_STRLEN + 8];
	const char *slash = strchr(t->s, '/');
	size_t alen = slash ? (size_t)(slash - t->s) : strlen(t->s);
	struct lw_addr a;
	unsigned long plen;

	if (alen == 0 || alen >= LW_ADDR_STRLEN) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col, "bad address in '%s'", t->s);
		return -1;
	}
	memcpy(buf, t->s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &a) < 0) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col, "bad address '%s'", buf);
		return -1;
	}
	/* ::ffff:a.b.c.d/n is folded to IPv4 by addr_parse; its length follows */
	bool mapped = a.family == LW_AF_INET && strchr(buf, ':') != NULL;
	unsigned bits = mapped ? 128 : addr_bits(&a);
	if (!slash) {
		plen = bits;
	} else {
		const char *l = slash + 1;
		char *end;
		if (*l < '0' || *l > '9' || strlen(l) > 3) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
				 "bad prefix length '%s' in '%s'", l, t->s);
			return -1;
		}
		errno = 0;
		plen = strtoul(l, &end, 10);
		if (*end != '\0' || plen > bits) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
				 "bad prefix length '%s' in '%s' (%s allows 0..%u)", l, t->s,
				 bits == 32 ? "IPv4" : "IPv6", bits);
			return -1;
		}
	}
	if (mapped) {
		if (plen < 96) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
				 "bad prefix length in '%s': an IPv4-mapped prefix needs 96..128",
				 t->s);
			return -1;
		}
		plen -= 96;
	}
	struct lw_addr net = a;
	addr_mask(&net, (unsigned)plen);
	if (!addr_equal(&net, &a)) {
		char fixed[LW_ADDR_STRLEN + 8];
		format_prefix(&net, (unsigned)plen, fixed, sizeof(fixed));
		diag_add(p->diag, DIAG_WARNING, f->name, line, t->col,
			 "host bits set in '%s': using %s", t->s, fixed);
	}
	*ret_net = net;
	*ret_plen = (unsigned)plen;
	return 0;
}

/* ---- sets, entries ------------------------------------------------------- */

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RULES_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static long set_find(const struct rules *r, const char *name)
{
	for (size_t i = 0; i < r->n_sets; i++)
		if (strcmp(r->sets[i].name, name) == 0)
			return (long)i;
	return -1;
}

static long set_add(struct parser *p, const char *name, const char *file, unsigned line,
		    unsigned col)
{
	struct rules *r = p->r;

	if (mem_grow(&r->sets, &r->cap_sets, r->n_sets + 1, sizeof(*r->sets), 16) < 0) {
		p->oom = true;
		return -1;
	}
	struct set *s = &r->sets[r->n_sets];
	memset(s, 0, sizeof(*s));
	s->name = pool_dup(p, name);
	s->file = file;
	s->line = line;
	s->col = col;
	if (!s->name)
		return -1;
	return (long)r->n_sets++;
}

static void entry_add(struct parser *p, const struct file_ctx *f, unsigned line,
		      const struct tok *t, long set, const char *label, const char *comment)
{
	struct rules *r = p->r;
	struct lw_addr net;
	unsigned plen;

	if (parse_prefix(p, f, line, t, &net, &plen) < 0)
		return;
	if (mem_grow(&r->entries, &r->cap_entries, r->n_entries + 1, sizeof(*r->entries), 16) < 0) {
		p->oom = true;
		return;
	}
	struct entry *e = &r->entries[r->n_entries];
	e->net = net;
	e->plen = plen;
	e->set = set;
	e->text = pool_dup(p, t->s);
	e->label = label;
	e->comment = comment;
	e->file = f->name;
	e->line = line;
	e->col = t->col;
	if (!e->text)
		return;
	if (set >= 0)
		r->sets[set].count++;
	r->n_entries++;
}

static void use_add(struct parser *p, const char *name, const char *file, unsigned line,
		    unsigned col)
{
	if (mem_grow(&p->uses, &p->cap_uses, p->n_uses + 1, sizeof(*p->uses), 16) < 0) {
		p->oom = true;
		return;
	}
	struct use *u = &p->uses[p->n_uses];
	u->name = pool_dup(p, name);
	u->file = file;
	u->line = line;
	u->col = col;
	if (u->name)
		p->n_uses++;
}

/* ---- tokens -------------------------------------------------------------- */

/* Splits a line into tokens copied to p->tokbuf. '#' outside quotes starts
 * a comment; '{' and '}' are tokens of their own; "..." is one token with
 * \" and \\ escapes. Returns the number of tokens or -1 after reporting an
 * error. */
static int tokenize(struct parser *p, const struct file_ctx *f, unsigned line, const char *s)
{
	char *out = p->tokbuf; /* 2 * line length + 1 bytes: every token gets a NUL */
	size_t n = 0, i = 0;

	for (;;) {
		while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')
			i++;
		if (s[i] == '\0' || s[i] == '#')
			break;
		if (mem_grow(&p->toks, &p->cap_toks, n + 1, sizeof(*p->toks), 16) < 0) {
			p->oom = true;
			return -1;
		}
		struct tok *t = &p->toks[n++];
		t->col = (unsigned)i + 1;
		t->quoted = false;
		t->s = out;
		if (s[i] == '{' || s[i] == '}') {
			*out++ = s[i++];
		} else if (s[i] == '"') {
			t->quoted = true;
			for (i++; s[i] != '"'; i++) {
				if (s[i] == '\0') {
					diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
						 "unterminated quoted string");
					return -1;
				}
				if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
					i++;
				*out++ = s[i];
			}
			i++;
			if (s[i] != '\0' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
			    s[i] != '#') {
				diag_add(p->diag, DIAG_ERROR, f->name, line, (unsigned)i + 1,
					 "missing space after quoted string");
				return -1;
			}
		} else {
			while (s[i] != '\0' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
			       s[i] != '#' && s[i] != '{' && s[i] != '}' && s[i] != '"')
				*out++ = s[i++];
		}
		*out++ = '\0';
	}
	return (int)n;
}

/* ---- directives ---------------------------------------------------------- */

static int parse_file(struct parser *p, const char *name, const char *text);

static bool is_keyword(const char *s)
{
	static const char *const kw[] = {"set",	 "use",	   "allow",   "exception",
					 "port", "server", "include", NULL};

	for (size_t i = 0; kw[i]; i++)
		if (strcmp(s, kw[i]) == 0)
			return true;
	return false;
}

static char *read_all(const char *path, int *reterr)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!fp) {
		*reterr = errno;
		return NULL;
	}
	for (;;) {
		if (mem_grow(&buf, &cap, len + 4096 + 1, 1, 16) < 0) {
			*reterr = ENOMEM;
			goto fail;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, fp);
		len += got;
		if (got == 0) {
			if (ferror(fp)) {
				*reterr = errno ? errno : EIO;
				goto fail;
			}
			break;
		}
	}
	if (memchr(buf, '\0', len)) {
		*reterr = EILSEQ; /* a binary file is not a rules file */
		goto fail;
	}
	buf[len] = '\0';
	fclose(fp);
	return buf;
fail:
	free(buf);
	fclose(fp);
	return NULL;
}

static void do_include(struct parser *p, const struct file_ctx *f, unsigned line,
		       const struct tok *t)
{
	char path[PATH_MAX];
	const char *slash = strrchr(f->name, '/');
	int err = 0;

	if (t->s[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", t->s);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - f->name), f->name, t->s);
	/* an include resolver has no file system to canonicalise against: the
	 * joined path is the file's identity */
	char *real = p->include_fn ? strdup(path) : realpath(path, NULL);
#ifdef RULESDIR
	/* A site file copied to /etc/lockwatch names the shipped sets as
	 * `include "mimecast-eu.rules"`: fall back to where they are installed
	 * (LOCKWATCH_RULES_DIR overrides it, e.g. to run from a source tree). */
	if (!real && !p->include_fn && errno == ENOENT && t->s[0] != '/') {
		char shipped[PATH_MAX];
		const char *dir = getenv("LOCKWATCH_RULES_DIR");
		snprintf(shipped, sizeof(shipped), "%s/%s", dir && *dir ? dir : RULESDIR, t->s);
		real = realpath(shipped, NULL);
		if (real)
			snprintf(path, sizeof(path), "%s", shipped);
		else
			errno = ENOENT;
	}
#endif
	if (!real) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col, "cannot read include '%s': %s",
			 path, strerror(errno));
		return;
	}
	for (unsigned i = 0; i < p->depth; i++) {
		if (p->stack[i] && strcmp(p->stack[i], real) == 0) {
			char *chain = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&chain, &len);
			if (mem) {
				for (unsigned j = i; j < p->depth; j++)
					fprintf(mem, "%s -> ", p->stack_name[j]);
				fputs(path, mem);
				if (fclose(mem) != 0) {
					free(chain);
					chain = NULL;
				}
			}
			diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
				 "include cycle: '%s' (%s)", t->s, chain ? chain : path);
			free(chain);
			free(real);
			return;
		}
	}
	if (p->depth > RULES_INCLUDE_DEPTH_MAX) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
			 "include '%s' nested too deeply (limit %u)", t->s,
			 RULES_INCLUDE_DEPTH_MAX);
		free(real);
		return;
	}
	for (size_t i = 0; i < p->n_seen; i++) {
		if (strcmp(p->seen[i], real) == 0) {
			free(real); /* already read once: its sets exist */
			return;
		}
	}
	char *text = NULL;
	if (p->include_fn) {
		err = p->include_fn(real, &text, p->include_data);
		if (err != 0 || !text) {
			free(text);
			text = NULL;
			err = err ? err : EIO;
		}
	} else {
		text = read_all(real, &err);
	}
	if (!text) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col, "cannot read include '%s': %s",
			 path, strerror(err));
		free(real);
		return;
	}
	if (mem_grow(&p->seen, &p->cap_seen, p->n_seen + 1, sizeof(*p->seen), 16) < 0) {
		p->oom = true;
		free(real);
		free(text);
		return;
	}
	p->seen[p->n_seen++] = real;
	const char *name = pool_dup(p, path);
	if (name) {
		p->stack[p->depth] = real;
		p->stack_name[p->depth] = name;
		parse_file(p, name, text);
	}
	free(text);
}

static void do_port(struct parser *p, const struct file_ctx *f, unsigned line, const struct tok *t)
{
	struct rules *r = p->r;
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(t->s, &end, 10);
	if (t->s[0] < '0' || t->s[0] > '9' || *end != '\0' || v == 0 || v > 65535) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
			 "bad port '%s' (expected 1..65535)", t->s);
		return;
	}
	for (unsigned i = 0; i < r->n_ports; i++) {
		if (r->ports[i] == v) {
			diag_add(p->diag, DIAG_WARNING, f->name, line, t->col, "duplicate port %lu",
				 v);
			return;
		}
	}
	if (r->n_ports >= LW_MAX_WATCHED_PORTS) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
			 "too many ports: '%s' (limit %u)", t->s, LW_MAX_WATCHED_PORTS);
		return;
	}
	r->ports[r->n_ports++] = (uint16_t)v;
}

static void do_server(struct parser *p, const struct file_ctx *f, unsigned line,
		      const struct tok *t)
{
	struct rules *r = p->r;
	struct lw_addr a;
	bool any = strcmp(t->s, "any") == 0;

	if (any || r->server_any) {
		if (r->n_servers || (r->server_any && !any))
			diag_add(p->diag, DIAG_ERROR, f->name, line, t->col,
				 "'server any' cannot be combined with server addresses");
		r->server_any = true;
		return;
	}
	if (addr_parse(t->s, &a) < 0) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col, "bad server address '%s'",
			 t->s);
		return;
	}
	for (size_t i = 0; i < r->n_servers; i++) {
		if (addr_equal(&r->servers[i], &a)) {
			diag_add(p->diag, DIAG_WARNING, f->name, line, t->col,
				 "duplicate server address '%s'", t->s);
			return;
		}
	}
	if (mem_grow(&r->servers, &r->cap_servers, r->n_servers + 1, sizeof(*r->servers), 16) < 0) {
		p->oom = true;
		return;
	}
	r->servers[r->n_servers++] = a;
}

static bool check_name(struct parser *p, const struct file_ctx *f, unsigned line,
		       const struct tok *t, const char *what)
{
	if (t->quoted || !valid_name(t->s) || is_keyword(t->s)) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, t->col, "bad %s name '%s'", what,
			 t->s);
		return false;
	}
	return true;
}

/* Prefixes inside a set block until '}'. Returns the index of the first
 * token after '}' or n. */
static size_t in_set(struct parser *p, struct file_ctx *f, unsigned line, struct tok *toks,
		     size_t i, size_t n)
{
	for (; i < n; i++) {
		if (!toks[i].quoted && strcmp(toks[i].s, "}") == 0) {
			f->cur_set = -1;
			return i + 1;
		}
		if (!toks[i].quoted && strcmp(toks[i].s, "{") == 0) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, toks[i].col,
				 "unexpected '{' inside set '%s'", p->r->sets[f->cur_set].name);
			continue;
		}
		entry_add(p, f, line, &toks[i], f->cur_set, NULL, NULL);
	}
	return n;
}

static void directive(struct parser *p, struct file_ctx *f, unsigned line, struct tok *toks,
		      size_t n)
{
	struct rules *r = p->r;
	const struct tok *kw = &toks[0];
	const char *k = kw->s;
	size_t nargs = n - 1;
	struct tok *args = toks + 1;

	if (kw->quoted) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col, "unknown keyword '\"%s\"'",
			 k);
		return;
	}
	if (strcmp(k, "set") == 0) {
		if (nargs < 1) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col,
				 "'set' needs a name and '{'");
			return;
		}
		if (nargs < 2 || args[1].quoted || strcmp(args[1].s, "{") != 0) {
			diag_add(p->diag, DIAG_ERROR, f->name, line,
				 nargs < 2 ? args[0].col : args[1].col,
				 nargs < 2 ? "expected '{' after 'set %s'"
					   : "expected '{' after 'set %s', got '%s'",
				 args[0].s, nargs < 2 ? "" : args[1].s);
			return;
		}
		if (!check_name(p, f, line, &args[0], "set"))
			return;
		long s = set_find(r, args[0].s);
		if (s >= 0 && r->sets[s].block) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, args[0].col,
				 "set '%s' already defined at %s:%u", args[0].s, r->sets[s].file,
				 r->sets[s].line);
		} else if (s < 0) {
			s = set_add(p, args[0].s, f->name, line, args[0].col);
			if (s < 0)
				return;
		}
		r->sets[s].block = true;
		f->cur_set = s;
		f->set_line = line;
		f->set_col = kw->col;
		size_t next = in_set(p, f, line, toks, 3, n);
		if (next < n)
			directive(p, f, line, toks + next, n - next);
		return;
	}
	if (strcmp(k, "use") == 0) {
		if (nargs < 1) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col,
				 "'use' needs at least one set name");
			return;
		}
		for (size_t i = 0; i < nargs; i++)
			if (check_name(p, f, line, &args[i], "set"))
				use_add(p, args[i].s, f->name, line, args[i].col);
		return;
	}
	if (strcmp(k, "allow") == 0) {
		/* the original minimal format: `allow SET PREFIX...`, set in force */
		if (nargs < 2) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col,
				 "'allow' needs a set name and a prefix");
			return;
		}
		if (!check_name(p, f, line, &args[0], "set"))
			return;
		long s = set_find(r, args[0].s);
		if (s < 0 && (s = set_add(p, args[0].s, f->name, line, args[0].col)) < 0)
			return;
		use_add(p, args[0].s, f->name, line, args[0].col);
		for (size_t i = 1; i < nargs; i++)
			entry_add(p, f, line, &args[i], s, NULL, NULL);
		return;
	}
	if (strcmp(k, "exception") == 0) {
		if (nargs < 2) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col,
				 "'exception' needs a prefix and a label");
			return;
		}
		if (!check_name(p, f, line, &args[1], "label"))
			return;
		if (nargs >= 3 && !args[2].quoted) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, args[2].col,
				 "exception comment must be quoted: '%s'", args[2].s);
			return;
		}
		if (nargs > 3) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, args[3].col,
				 "unexpected '%s' after the exception's comment", args[3].s);
			return;
		}
		if (nargs == 3 && strlen(args[2].s) > RULES_COMMENT_MAX) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, args[2].col,
				 "exception comment too long (limit %u bytes)", RULES_COMMENT_MAX);
			return;
		}
		const char *label = pool_dup(p, args[1].s);
		const char *comment = nargs == 3 ? pool_dup(p, args[2].s) : NULL;
		if (label)
			entry_add(p, f, line, &args[0], -1, label, comment);
		return;
	}
	if (strcmp(k, "port") == 0) {
		if (nargs < 1)
			diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col,
				 "'port' needs at least one port number");
		for (size_t i = 0; i < nargs; i++)
			do_port(p, f, line, &args[i]);
		return;
	}
	if (strcmp(k, "server") == 0) {
		if (nargs < 1)
			diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col,
				 "'server' needs at least one address");
		for (size_t i = 0; i < nargs; i++)
			do_server(p, f, line, &args[i]);
		return;
	}
	if (strcmp(k, "include") == 0) {
		if (nargs != 1) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, nargs ? args[1].col : kw->col,
				 nargs ? "unexpected '%s' after the include path"
				       : "'include' needs a path%s",
				 nargs ? args[1].s : "");
			return;
		}
		do_include(p, f, line, &args[0]);
		return;
	}
	if (strcmp(k, "}") == 0) {
		diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col,
			 "unexpected '}' outside a set");
		return;
	}
	diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col, "unknown keyword '%s'", k);
}

static int parse_file(struct parser *p, const char *name, const char *text)
{
	struct file_ctx f = {.name = name, .cur_set = -1};
	char *buf = malloc(LW_RULES_LINE_MAX + 2);
	const char *s = text;
	unsigned line = 0;

	if (!p->tokbuf)
		p->tokbuf = malloc(2 * LW_RULES_LINE_MAX + 2);
	if (!buf || !p->tokbuf) {
		free(buf);
		p->oom = true;
		return -1;
	}
	p->depth++;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		line++;
		if (len > LW_RULES_LINE_MAX) {
			diag_add(p->diag, DIAG_ERROR, name, line, LW_RULES_LINE_MAX + 1,
				 "line too long (limit %u bytes)", LW_RULES_LINE_MAX);
		} else {
			memcpy(buf, s, len);
			buf[len] = '\0';
			int n = tokenize(p, &f, line, buf);
			if (n > 0) {
				struct tok *toks = p->toks;
				size_t i = 0;
				if (f.cur_set >= 0 && !toks[0].quoted && is_keyword(toks[0].s)) {
					diag_add(p->diag, DIAG_ERROR, name, line, toks[0].col,
						 "missing '}' before '%s': set '%s' opened at "
						 "%s:%u",
						 toks[0].s, p->r->sets[f.cur_set].name, name,
						 f.set_line);
					f.cur_set = -1;
				}
				if (f.cur_set >= 0)
					i = in_set(p, &f, line, toks, 0, (size_t)n);
				if (i < (size_t)n)
					directive(p, &f, line, toks + i, (size_t)n - i);
			}
		}
		s += len;
		if (*s == '\n')
			s++;
	}
	if (f.cur_set >= 0)
		diag_add(p->diag, DIAG_ERROR, name, f.set_line, f.set_col,
			 "set '%s' is not closed with '}'", p->r->sets[f.cur_set].name);
	p->depth--;
	free(buf);
	return 0;
}

/* ---- checks after parsing ------------------------------------------------ */

static int entry_cmp(const struct entry *x, const struct entry *y)
{
	int c = addr_compare(&x->net, &y->net);

	if (c)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return 0;
}

/* qsort over arrays of entry pointers; ties keep the file order */
static int order_cmp(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	int c = entry_cmp(x, y);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* Normalised order for dump and digest: exceptions, then sets (already
 * sorted by name, so by index). */
static int norm_cmp(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	if (x->set != y->set)
		return x->set < y->set ? -1 : 1;
	int c = entry_cmp(x, y);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static const char *set_name_of(const struct rules *r, const struct entry *e)
{
	return e->set >= 0 ? r->sets[e->set].name : "exception";
}

static void warn_overlap(struct diag *diag, const struct rules *r, const struct entry *e,
			 const struct entry *a)
{
	char pe[LW_ADDR_STRLEN + 8], pa[LW_ADDR_STRLEN + 8];

	format_prefix(&e->net, e->plen, pe, sizeof(pe));
	format_prefix(&a->net, a->plen, pa, sizeof(pa));
	if (e->set < 0 && a->set >= 0)
		diag_add(diag, DIAG_WARNING, e->file, e->line, e->col,
			 "exception %s (%s) lies inside allowed prefix %s of set '%s' at %s:%u; "
			 "it is reported as an exception",
			 pe, e->label, pa, r->sets[a->set].name, a->file, a->line);
	else if (e->plen == a->plen)
		diag_add(diag, DIAG_WARNING, e->file, e->line, e->col,
			 "duplicate prefix %s (%s), first at %s:%u (%s)", pe, set_name_of(r, e),
			 a->file, a->line, set_name_of(r, a));
	else
		diag_add(diag, DIAG_WARNING, e->file, e->line, e->col,
			 "prefix %s (%s) is covered by %s at %s:%u (%s)", pe, set_name_of(r, e), pa,
			 a->file, a->line, set_name_of(r, a));
}

static bool overlap_matters(const struct rules *r, const struct entry *e, const struct entry *a)
{
	if (e->set >= 0 && a->set >= 0)
		return e->set == a->set || (r->sets[e->set].in_force && r->sets[a->set].in_force);
	if (e->set < 0 && a->set < 0)
		return true;
	if (e->set < 0)
		return r->sets[a->set].in_force;
	return false; /* an allowed prefix inside an exception is carved out of it */
}

/* Sorted by address then length, prefixes nest like intervals: a stack of
 * the enclosing prefixes gives every prefix's ancestors in one pass. */
static int check_overlaps(struct rules *r, struct diag *diag)
{
	const struct entry **idx = malloc((r->n_entries + 1) * sizeof(*idx));
	const struct entry *stack[129 + 1];
	size_t depth = 0;

	if (!idx)
		return -1;
	for (size_t i = 0; i < r->n_entries; i++)
		idx[i] = &r->entries[i];
	qsort(idx, r->n_entries, sizeof(*idx), order_cmp);
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct entry *e = idx[i];
		while (depth > 0 && !prefix_contains(stack[depth - 1], e))
			depth--;
		for (size_t j = depth; j > 0; j--) {
			const struct entry *a = stack[j - 1];
			if (overlap_matters(r, e, a)) {
				warn_overlap(diag, r, e, a);
				break;
			}
		}
		/* equal prefixes stack too; the depth stays bounded by keeping one */
		if (depth > 0 && entry_cmp(stack[depth - 1], e) == 0)
			continue;
		if (depth < sizeof(stack) / sizeof(stack[0]))
			stack[depth++] = e;
	}
	free(idx);
	return 0;
}

/* ---- normalised output and digest ---------------------------------------- */

static void put_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int u16_cmp(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (x > y) - (x < y);
}

static int addr_qcmp(const void *a, const void *b)
{
	return addr_compare(a, b);
}

/* Merged `use` and `server` lists may be longer than any line the parser
 * reads (many files, many lines): start a new directive before an item that
 * would not fit. Lines that fit are left as they were, so their digests do
 * not change. Returns the width of the current line after the item. */
static size_t wrap_list(FILE *out, const char *keyword, size_t width, size_t item)
{
	if (width + 1 + item > LW_RULES_LINE_MAX) {
		fprintf(out, "\n%s", keyword);
		width = strlen(keyword);
	}
	return width + 1 + item;
}

static void write_rules(const struct rules *r, FILE *out, bool origin)
{
	char pfx[LW_ADDR_STRLEN + 8];
	long cur = -2;
	bool first_use = true;

	size_t width = 0;

	fputs("port", out);
	for (unsigned i = 0; i < r->n_ports; i++)
		fprintf(out, " %u", r->ports[i]);
	fputc('\n', out);
	if (r->server_any)
		fputs("server any\n", out);
	if (r->n_servers) {
		char a[LW_ADDR_STRLEN];

		fputs("server", out);
		width = strlen("server");
		for (size_t i = 0; i < r->n_servers; i++) {
			addr_format(&r->servers[i], a, sizeof(a));
			width = wrap_list(out, "server", width, strlen(a));
			fprintf(out, " %s", a);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->n_order; i++) {
		const struct entry *e = &r->entries[r->order[i]];
		format_prefix(&e->net, e->plen, pfx, sizeof(pfx));
		if (e->set < 0) {
			fprintf(out, "exception %s %s", pfx, e->label);
			if (e->comment) {
				fputc(' ', out);
				put_quoted(out, e->comment);
			}
		} else {
			if (e->set != cur) {
				if (cur >= 0)
					fputs("}\n", out);
				fprintf(out, "set %s {\n", r->sets[e->set].name);
				cur = e->set;
			}
			fprintf(out, "\t%s", pfx);
		}
		if (origin)
			fprintf(out, "\t# %s:%u", e->file, e->line);
		fputc('\n', out);
	}
	if (cur >= 0)
		fputs("}\n", out);
	/* empty sets in force have no entries to open them */
	for (size_t i = 0; i < r->n_sets; i++)
		if (r->sets[i].in_force && r->sets[i].count == 0)
			fprintf(out, "set %s {\n}\n", r->sets[i].name);
	for (size_t i = 0; i < r->n_sets; i++) {
		if (!r->sets[i].in_force)
			continue;
		if (first_use) {
			fputs("use", out);
			width = strlen("use");
		}
		width = wrap_list(out, "use", width, strlen(r->sets[i].name));
		fprintf(out, " %s", r->sets[i].name);
		first_use = false;
	}
	if (!first_use)
		fputc('\n', out);
}

static int compute_digest(struct rules *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */

	if (!mem)
		return -1;
	write_rules(r, mem, false);
	if (fclose(mem) != 0) {
		free(text);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL; /* FNV-1a 64 prime */
	}
	free(text);
	snprintf(r->digest, sizeof(r->digest), "%016llx", (unsigned long long)h);
	return 0;
}

/* ---- building ------------------------------------------------------------ */

static int set_name_cmp(const void *a, const void *b)
{
	const struct set *x = *(const struct set *const *)a;
	const struct set *y = *(const struct set *const *)b;

	return strcmp(x->name, y->name);
}

/* Exceptions first so that an exception wins over an allowed prefix that is
 * exactly the same (the matcher keeps the first of equal prefixes). */
static struct matcher *build_matcher(const struct rules *r, bool in_force_only)
{
	struct matcher_prefix *mp = malloc((r->n_entries + 1) * sizeof(*mp));
	size_t n = 0;

	if (!mp)
		return NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n_entries; i++) {
			const struct entry *e = &r->entries[i];
			if ((pass == 0) != (e->set < 0))
				continue;
			if (e->set >= 0 && in_force_only && !r->sets[e->set].in_force)
				continue;
			mp[n].net = e->net;
			mp[n].plen = e->plen;
			mp[n].payload = (uint32_t)i;
			n++;
		}
	}
	struct matcher *m = matcher_build(mp, n);
	free(mp);
	return m;
}

static int build(struct rules *r)
{
	if (r->n_entries > MATCHER_PAYLOAD_MAX)
		return -1;
	if (r->n_ports == 0)
		r->ports[r->n_ports++] = 25;
	qsort(r->ports, r->n_ports, sizeof(r->ports[0]), u16_cmp);
	if (r->n_servers)
		qsort(r->servers, r->n_servers, sizeof(*r->servers), addr_qcmp);
	/* sets sorted by name so the normalised output does not depend on the
	 * order of definition; entries refer to sets by index, so remap */
	const struct set **perm = malloc((r->n_sets + 1) * sizeof(*perm));
	long *inv = malloc((r->n_sets + 1) * sizeof(*inv));
	struct set *sorted = malloc((r->n_sets + 1) * sizeof(*sorted));
	if (!perm || !inv || !sorted) {
		free(perm);
		free(inv);
		free(sorted);
		return -1;
	}
	for (size_t i = 0; i < r->n_sets; i++)
		perm[i] = &r->sets[i];
	qsort(perm, r->n_sets, sizeof(*perm), set_name_cmp);
	for (size_t i = 0; i < r->n_sets; i++) {
		sorted[i] = *perm[i];
		inv[perm[i] - r->sets] = (long)i;
	}
	/* no sets (an empty file): sets is NULL, and memcpy(NULL, ..., 0) is
	 * undefined behaviour the compiler may build on */
	if (r->n_sets)
		memcpy(r->sets, sorted, r->n_sets * sizeof(*sorted));
	for (size_t i = 0; i < r->n_entries; i++)
		if (r->entries[i].set >= 0)
			r->entries[i].set = inv[r->entries[i].set];
	free(perm);
	free(inv);
	free(sorted);

	const struct entry **ord = malloc((r->n_entries + 1) * sizeof(*ord));
	r->order = malloc((r->n_entries + 1) * sizeof(*r->order));
	if (!ord || !r->order) {
		free(ord);
		return -1;
	}
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct entry *e = &r->entries[i];
		if (e->set < 0 || r->sets[e->set].in_force)
			ord[r->n_order++] = e;
	}
	qsort(ord, r->n_order, sizeof(*ord), norm_cmp);
	for (size_t i = 0; i < r->n_order; i++)
		r->order[i] = (size_t)(ord[i] - r->entries);
	free(ord);
	r->force = build_matcher(r, true);
	r->all = build_matcher(r, false);
	if (!r->force || !r->all)
		return -1;
	return compute_digest(r);
}

static struct rules *load(const char *name, const char *text, char *real,
			  rules_include_fn include_fn, void *include_data, struct diag *diag)
{
	struct parser p = {.diag = diag, .include_fn = include_fn, .include_data = include_data};
	unsigned errors_before = diag->errors;

	p.r = calloc(1, sizeof(*p.r));
	if (!p.r) {
		free(real);
		diag_add(diag, DIAG_ERROR, name, 0, 0, "out of memory");
		return NULL;
	}
	if (real) {
		if (mem_grow(&p.seen, &p.cap_seen, 1, sizeof(*p.seen), 16) < 0) {
			free(real);
			p.oom = true;
		} else {
			p.seen[p.n_seen++] = real;
		}
	}
	const char *shown = pool_dup(&p, name);
	if (shown) {
		p.stack[0] = real;
		p.stack_name[0] = shown;
		parse_file(&p, shown, text);
	}
	for (size_t i = 0; i < p.n_uses; i++) {
		const struct use *u = &p.uses[i];
		long s = set_find(p.r, u->name);
		if (s < 0)
			diag_add(diag, DIAG_ERROR, u->file, u->line, u->col,
				 "set '%s' is used but never defined", u->name);
		else
			p.r->sets[s].in_force = true;
	}
	for (size_t i = 0; i < p.r->n_sets; i++) {
		const struct set *s = &p.r->sets[i];
		if (s->count == 0)
			diag_add(diag, DIAG_WARNING, s->file, s->line, s->col, "set '%s' is empty",
				 s->name);
	}
	if (check_overlaps(p.r, diag) < 0)
		p.oom = true;
	if (!p.oom && diag->errors == errors_before && build(p.r) < 0)
		p.oom = true;
	if (p.oom)
		diag_add(diag, DIAG_ERROR, name, 0, 0, "out of memory");
	for (size_t i = 0; i < p.n_seen; i++)
		free(p.seen[i]);
	free(p.seen);
	free(p.uses);
	free(p.toks);
	free(p.tokbuf);
	if (diag->errors != errors_before) {
		rules_free(p.r);
		return NULL;
	}
	return p.r;
}

struct rules *rules_load_file(const char *path, struct diag *diag)
{
	int err = 0;
	char *text = read_all(path, &err);

	if (!text) {
		diag_add(diag, DIAG_ERROR, path, 0, 0, "cannot read rules file: %s", strerror(err));
		return NULL;
	}
	struct rules *r = load(path, text, realpath(path, NULL), NULL, NULL, diag);
	free(text);
	return r;
}

struct rules *rules_load_string(const char *name, const char *text, struct diag *diag)
{
	return load(name, text, NULL, NULL, NULL, diag);
}

struct rules *rules_load_string_with(const char *name, const char *text,
				     rules_include_fn include_fn, void *userdata, struct diag *diag)
{
	/* the top-level name is the first file seen, so including it is a cycle */
	char *real = include_fn ? strdup(name) : NULL;

	if (include_fn && !real) {
		diag_add(diag, DIAG_ERROR, name, 0, 0, "out of memory");
		return NULL;
	}
	return load(name, text, real, include_fn, userdata, diag);
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_strs; i++)
		free(r->strs[i]);
	free(r->strs);
	free(r->entries);
	free(r->sets);
	free(r->servers);
	free(r->order);
	matcher_free(r->force);
	matcher_free(r->all);
	free(r);
}

/* ---- queries ------------------------------------------------------------- */

static void ref_outside(struct rule_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	ref->cls = CLASS_OUTSIDE;
	ref->prefix = "";
}

static void ref_fill(const struct rules *r, const struct entry *e, struct rule_ref *ref)
{
	ref_outside(ref);
	if (e->set < 0) {
		ref->cls = CLASS_EXCEPTION;
		ref->label = e->label;
		ref->comment = e->comment;
	} else {
		ref->cls = r->sets[e->set].in_force ? CLASS_ALLOWED : CLASS_OUTSIDE;
		ref->set = r->sets[e->set].name;
	}
	ref->prefix = e->text;
	ref->file = e->file;
	ref->line = e->line;
}

enum src_class rules_classify(const struct rules *r, const struct lw_addr *src,
			      struct rule_ref *ret_ref)
{
	uint32_t i;

	if (!matcher_lookup(r->force, src, &i)) {
		if (ret_ref)
			ref_outside(ret_ref);
		return CLASS_OUTSIDE;
	}
	const struct entry *e = &r->entries[i];
	if (ret_ref)
		ref_fill(r, e, ret_ref);
	return e->set < 0 ? CLASS_EXCEPTION : CLASS_ALLOWED;
}

bool rules_match_defined(const struct rules *r, const struct lw_addr *src, struct rule_ref *ret_ref)
{
	uint32_t i;

	if (!matcher_lookup(r->all, src, &i)) {
		ref_outside(ret_ref);
		return false;
	}
	ref_fill(r, &r->entries[i], ret_ref);
	return true;
}

bool rules_set_in_force(const struct rules *r, const char *set)
{
	long s = set_find(r, set);

	return s >= 0 && r->sets[s].in_force;
}

unsigned rules_ports(const struct rules *r, const uint16_t **ret_ports)
{
	*ret_ports = r->ports;
	return r->n_ports;
}

bool rules_server_any(const struct rules *r)
{
	return r->server_any;
}

unsigned rules_servers(const struct rules *r, const struct lw_addr **ret_servers)
{
	*ret_servers = r->servers;
	return (unsigned)r->n_servers;
}

const char *rules_digest(const struct rules *r)
{
	return r->digest;
}

size_t rules_count(const struct rules *r)
{
	return r->n_order;
}

void rules_entry(const struct rules *r, size_t i, struct lw_addr *ret_net, unsigned *ret_plen,
		 struct rule_ref *ret_ref)
{
	const struct entry *e = &r->entries[r->order[i]];

	if (ret_net)
		*ret_net = e->net;
	if (ret_plen)
		*ret_plen = e->plen;
	if (ret_ref)
		ref_fill(r, e, ret_ref);
}

void rules_dump(const struct rules *r, FILE *out)
{
	fprintf(out, "# lockwatch rules in force, normalised (digest %s)\n", r->digest);
	write_rules(r, out, true);
}

size_t rules_memory(const struct rules *r)
{
	return matcher_memory(r->force) + matcher_memory(r->all);
}

size_t rules_set_count(const struct rules *r)
{
	return r->n_sets;
}

const char *rules_set_name(const struct rules *r, size_t i)
{
	return r->sets[i].name;
}

size_t rules_defined_count(const struct rules *r)
{
	return r->n_entries;
}

void rules_defined_entry(const struct rules *r, size_t i, struct lw_addr *ret_net,
			 unsigned *ret_plen, const char **ret_set)
{
	const struct entry *e = &r->entries[i];

	if (ret_net)
		*ret_net = e->net;
	if (ret_plen)
		*ret_plen = e->plen;
	if (ret_set)
		*ret_set = e->set >= 0 ? r->sets[e->set].name : NULL;
}
