/* The rules language read (lockwatch.rules(5)): tokens, directives, sets
 * and their entries, ports, servers, includes; every problem of every file
 * reported with file:line:col. What it builds is checked and finished by
 * rules.c. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "rules/rules_internal.h"

const char *rules_pool_dup(struct parser *p, const char *s)
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

/* ---- addresses and prefixes ---------------------------------------------- */

bool rules_prefix_contains(const struct entry *outer, const struct entry *inner)
{
	struct lw_addr a;

	if (outer->net.family != inner->net.family || outer->plen > inner->plen)
		return false;
	a = inner->net;
	addr_mask(&a, outer->plen);
	return addr_equal(&a, &outer->net);
}

void rules_format_prefix(const struct lw_addr *net, unsigned plen, char *buf, size_t len)
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
		rules_format_prefix(&net, (unsigned)plen, fixed, sizeof(fixed));
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

long rules_set_find(const struct rules *r, const char *name)
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
	s->name = rules_pool_dup(p, name);
	s->file = file;
	s->line = line;
	s->col = col;
	if (!s->name)
		return -1;
	return (long)r->n_sets++;
}

/* The entry added, NULL when the prefix was bad (said in diag) or memory
 * ran out. */
static struct entry *entry_add(struct parser *p, const struct file_ctx *f, unsigned line,
			       const struct tok *t, long set, const char *label,
			       const char *comment)
{
	struct rules *r = p->r;
	struct lw_addr net;
	unsigned plen;

	if (parse_prefix(p, f, line, t, &net, &plen) < 0)
		return NULL;
	if (mem_grow(&r->entries, &r->cap_entries, r->n_entries + 1, sizeof(*r->entries), 16) < 0) {
		p->oom = true;
		return NULL;
	}
	struct entry *e = &r->entries[r->n_entries];
	e->net = net;
	e->plen = plen;
	e->set = set;
	e->text = rules_pool_dup(p, t->s);
	e->label = label;
	e->comment = comment;
	e->probe = false;
	e->file = f->name;
	e->line = line;
	e->col = t->col;
	if (!e->text)
		return NULL;
	if (set >= 0)
		r->sets[set].count++;
	return &r->entries[r->n_entries++];
}

static void use_add(struct parser *p, const char *name, const char *file, unsigned line,
		    unsigned col)
{
	if (mem_grow(&p->uses, &p->cap_uses, p->n_uses + 1, sizeof(*p->uses), 16) < 0) {
		p->oom = true;
		return;
	}
	struct use *u = &p->uses[p->n_uses];
	u->name = rules_pool_dup(p, name);
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

bool rules_is_keyword(const char *s)
{
	/* `probe` came later and is no keyword: a set or label called probe,
	 * valid before it, stays valid. */
	static const char *const kw[] = {"set",	 "use",	   "allow",   "exception",
					 "port", "server", "include", NULL};

	for (size_t i = 0; kw[i]; i++)
		if (strcmp(s, kw[i]) == 0)
			return true;
	return false;
}

char *rules_read_all(const char *path, int *reterr)
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
		text = rules_read_all(real, &err);
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
	const char *name = rules_pool_dup(p, path);
	if (name) {
		p->stack[p->depth] = real;
		p->stack_name[p->depth] = name;
		rules_parse_file(p, name, text);
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
	if (t->quoted || !valid_name(t->s) || rules_is_keyword(t->s)) {
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
		long s = rules_set_find(r, args[0].s);
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
		long s = rules_set_find(r, args[0].s);
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
		const char *label = rules_pool_dup(p, args[1].s);
		const char *comment = nargs == 3 ? rules_pool_dup(p, args[2].s) : NULL;
		if (label)
			entry_add(p, f, line, &args[0], -1, label, comment);
		return;
	}
	if (strcmp(k, "probe") == 0) {
		/* `probe PREFIX LABEL`: the vantage point of `lockwatch probe` */
		if (nargs < 2) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, kw->col,
				 "'probe' needs a prefix and a label");
			return;
		}
		if (nargs > 2) {
			diag_add(p->diag, DIAG_ERROR, f->name, line, args[2].col,
				 "unexpected '%s' after the probe's label", args[2].s);
			return;
		}
		if (!check_name(p, f, line, &args[1], "label"))
			return;
		const char *label = rules_pool_dup(p, args[1].s);
		struct entry *e = label ? entry_add(p, f, line, &args[0], -1, label, NULL) : NULL;
		if (e)
			e->probe = true;
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

int rules_parse_file(struct parser *p, const char *name, const char *text)
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
				if (f.cur_set >= 0 && !toks[0].quoted &&
				    (rules_is_keyword(toks[0].s) ||
				     strcmp(toks[0].s, "probe") == 0)) {
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
