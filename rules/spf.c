/* SPF netblock records (see spf.h): the TXT records of a DNS answer and
 * the terms of one SPF record; the walk through include:/redirect= that
 * gathers each host's ip4:/ip6: prefixes is spf_walk.c's. Everything read here comes from
 * the network, so every length is checked before it is used and messages
 * quote the input with control bytes escaped. */
#include "config.h"

#include "common/mem.h"

#include "rules/spf.h"
#include "rules/spf_internal.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPF_DNS_LABELS_MAX 127 /* labels in one wire-format name (255 bytes / 2) */

#define DNS_HEADER_LEN 12
#define DNS_TYPE_TXT   16
#define DNS_CLASS_IN   1
#define DNS_FLAG_QR    0x8000u
#define DNS_FLAG_TC    0x0200u

/* A term as it may be printed: a published record can hold any byte, and
 * it must not reach a terminal or a log raw. */
const char *spf_shown(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= SPF_SHOWN_MAX) {
			snprintf(buf + o, len - o, "...");
			return buf;
		}
		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

int spf_prefix_cmp(const struct spf_prefix *a, const struct spf_prefix *b)
{
	int c = addr_compare(&a->net, &b->net);

	if (c)
		return c;
	return a->plen < b->plen ? -1 : a->plen > b->plen;
}

int spf_prefix_qcmp(const void *a, const void *b)
{
	return spf_prefix_cmp(a, b);
}

/* ---- DNS answers ---------------------------------------------------------- */

/* Skips a wire-format name; compression pointers end it. */
static int skip_name(const uint8_t *m, size_t len, size_t *pos)
{
	size_t p = *pos;

	for (unsigned labels = 0; labels <= SPF_DNS_LABELS_MAX; labels++) {
		if (p >= len)
			return -1;
		uint8_t c = m[p];
		if (c == 0) {
			*pos = p + 1;
			return 0;
		}
		if ((c & 0xc0) == 0xc0) {
			if (p + 2 > len)
				return -1;
			*pos = p + 2;
			return 0;
		}
		if (c & 0xc0) /* 0x40 and 0x80 label types are obsolete (RFC 6891) */
			return -1;
		p += 1 + (size_t)c;
	}
	return -1;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int txt_error(char **reterr, const char *msg)
{
	*reterr = strdup(msg);
	return *reterr ? SPF_EDNS : SPF_ENOMEM;
}

/* One TXT RDATA: its character-strings concatenated. */
static char *txt_join(const uint8_t *rd, size_t rdlen, bool *ret_bad)
{
	char *s = malloc(rdlen + 1);
	size_t o = 0;

	*ret_bad = false;
	if (!s)
		return NULL;
	for (size_t i = 0; i < rdlen;) {
		size_t l = rd[i++];
		if (l > rdlen - i) {
			*ret_bad = true;
			free(s);
			return NULL;
		}
		for (size_t k = 0; k < l; k++) /* a NUL would cut the C string short */
			s[o++] = rd[i + k] ? (char)rd[i + k] : '\x01';
		i += l;
	}
	s[o] = '\0';
	return s;
}

int spf_txt_parse(const uint8_t *msg, size_t len, struct spf_txt_answer *ret, char **reterr)
{
	size_t cap = 0, pos = DNS_HEADER_LEN;

	memset(ret, 0, sizeof(*ret));
	*reterr = NULL;
	if (len < DNS_HEADER_LEN)
		return txt_error(reterr, "answer shorter than a DNS header");
	unsigned flags = get16(msg + 2), qd = get16(msg + 4), an = get16(msg + 6);
	if (!(flags & DNS_FLAG_QR))
		return txt_error(reterr, "the answer is not a DNS response");
	if (flags & DNS_FLAG_TC)
		return txt_error(reterr, "the answer is truncated");
	ret->rcode = flags & 0xf;
	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(msg, len, &pos) < 0 || len - pos < 4)
			return txt_error(reterr, "malformed question section in the answer");
		pos += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		if (skip_name(msg, len, &pos) < 0 || len - pos < 10)
			goto bad;
		unsigned type = get16(msg + pos), cls = get16(msg + pos + 2);
		size_t rdlen = get16(msg + pos + 8);
		pos += 10;
		if (rdlen > len - pos)
			goto bad;
		/* a CNAME in front of the TXT is fine: the resolver answered the one
		 * question we asked, so every TXT of the answer section is ours */
		if (type == DNS_TYPE_TXT && cls == DNS_CLASS_IN) {
			bool bad;
			char *s = txt_join(msg + pos, rdlen, &bad);
			if (!s) {
				spf_txt_clear(ret);
				return bad ? txt_error(reterr, "a TXT string runs past its record")
					   : SPF_ENOMEM;
			}
			if (mem_grow(&ret->txts, &cap, ret->n_txts + 1, sizeof(*ret->txts), 8) <
			    0) {
				free(s);
				spf_txt_clear(ret);
				return SPF_ENOMEM;
			}
			ret->txts[ret->n_txts++] = s;
		}
		pos += rdlen;
	}
	return SPF_OK;
bad:
	spf_txt_clear(ret);
	return txt_error(reterr, "malformed answer section");
}

void spf_txt_clear(struct spf_txt_answer *a)
{
	for (size_t i = 0; i < a->n_txts; i++)
		free(a->txts[i]);
	free(a->txts);
	memset(a, 0, sizeof(*a));
}

/* ---- one record ------------------------------------------------------------ */

bool spf_is_record(const char *txt)
{
	return spf_ieq(txt, strnlen(txt, 6), "v=spf1") && (txt[6] == ' ' || txt[6] == '\0');
}

struct rec_ctx {
	const char *host;
	struct diag *diag;
	struct spf_record *r;
	size_t cap_prefixes, cap_includes;
	bool oom;
	char q[SPF_SHOWN_MAX * 4 + 8]; /* the quoted term of the message being built */
};

/* RFC 7208 ip4-cidr-length: no leading zeros, at most max. */
static int parse_len(const char *s, unsigned max, unsigned *ret)
{
	unsigned v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!spf_is_digit(s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*ret = v;
	return 0;
}

/* Checks a domain-spec. Returns 1 and the lower-case name without its
 * trailing dot in buf, 0 when it holds macros (which need the connecting
 * client's data and cannot be followed), -1 when malformed. */
int spf_domain_check(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (strchr(s, '%')) {
		/* macro-expand: "%{" ... "}", "%%", "%_", "%-" (RFC 7208 7.1) */
		for (const char *p = s; (p = strchr(p, '%')) != NULL;) {
			if (p[1] == '%' || p[1] == '_' || p[1] == '-') {
				p += 2;
			} else if (p[1] == '{') {
				const char *e = strchr(p, '}');
				if (!e)
					return -1;
				p = e + 1;
			} else {
				return -1;
			}
		}
		return 0;
	}
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > SPF_NAME_MAX || n >= len)
		return -1;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (spf_is_alpha(c) || spf_is_digit(c) || c == '-' || c == '_') {
			if (++label > SPF_LABEL_MAX)
				return -1;
		} else {
			return -1;
		}
		buf[i] = spf_lower(c);
	}
	buf[n] = '\0';
	return label == 0 ? -1 : 1;
}

/* Messages quote the offending term through q (one term a message). */
static void rec_msg(struct rec_ctx *c, enum diag_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rec_msg(struct rec_ctx *c, enum diag_severity sev, const char *fmt, ...)
{
	char body[SPF_SHOWN_MAX * 4 + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	diag_add(c->diag, sev, c->host, 0, 0, "%s", body);
}

#define Q(t)		    spf_shown((t), c->q, sizeof(c->q))
#define rec_error(c, ...)   rec_msg((c), DIAG_ERROR, __VA_ARGS__)
#define rec_warning(c, ...) rec_msg((c), DIAG_WARNING, __VA_ARGS__)

/* ip4:/ip6: argument "addr[/len]"; a bare address is a host prefix. */
static void term_ip(struct rec_ctx *c, const char *term, const char *arg, bool v6, bool pass)
{
	char abuf[LW_ADDR_STRLEN];
	const char *slash = strchr(arg, '/');
	size_t alen = slash ? (size_t)(slash - arg) : strlen(arg);
	unsigned max = v6 ? 128 : 32, plen = max;
	uint8_t bytes[16];
	struct spf_prefix p;

	if (alen == 0 || alen >= sizeof(abuf)) {
		rec_error(c, v6 ? "no IPv6 address in '%s'" : "no IPv4 address in '%s'", Q(term));
		return;
	}
	memcpy(abuf, arg, alen);
	abuf[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, abuf, bytes) != 1) {
		rec_error(c, v6 ? "bad IPv6 address in '%s'" : "bad IPv4 address in '%s'", Q(term));
		return;
	}
	if (slash && parse_len(slash + 1, max, &plen) < 0) {
		rec_error(c,
			  v6 ? "bad prefix length in '%s' (0 to 128)"
			     : "bad prefix length in '%s' (0 to 32)",
			  Q(term));
		return;
	}
	if (v6) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		bool is_mapped = memcmp(bytes, mapped, sizeof(mapped)) == 0;
		/* lockwatch matches IPv4-mapped sources as IPv4, so the prefix is
		 * stored as IPv4; one shorter than /96 reaches outside that space */
		if (is_mapped && plen < 96) {
			rec_error(c, "'%s' covers IPv4-mapped and other addresses: not supported",
				  Q(term));
			return;
		}
		addr_set_ip6(&p.net, bytes);
		p.plen = is_mapped ? plen - 96 : plen;
	} else {
		addr_set_ip4(&p.net, bytes);
		p.plen = plen;
	}
	struct lw_addr m = p.net;
	addr_mask(&m, p.plen);
	if (!addr_equal(&m, &p.net)) {
		char fixed[LW_ADDR_STRLEN];
		rec_warning(c, "host bits set in '%s': using %s/%u", Q(term),
			    addr_format(&m, fixed, sizeof(fixed)), p.plen);
		p.net = m;
	}
	if (!pass) {
		rec_warning(c,
			    "'%s' is not a pass (its qualifier is not '+'): not an allowed range",
			    Q(term));
		return;
	}
	struct spf_record *r = c->r;
	if (mem_grow(&r->prefixes, &c->cap_prefixes, r->n_prefixes + 1, sizeof(*r->prefixes), 8) <
	    0) {
		c->oom = true;
		return;
	}
	r->prefixes[r->n_prefixes++] = p;
}

/* a and mx: [":" domain-spec] [ "/" len ] [ "//" len6 ] */
static bool host_arg_ok(const char *rest)
{
	unsigned v;

	if (*rest == ':') {
		size_t n = strcspn(rest + 1, "/");
		if (n == 0 || n > SPF_NAME_MAX)
			return false;
		char spec[SPF_NAME_MAX + 2], name[SPF_NAME_MAX + 2];
		memcpy(spec, rest + 1, n);
		spec[n] = '\0';
		if (spf_domain_check(spec, name, sizeof(name)) < 0)
			return false;
		rest += 1 + n;
	}
	if (*rest == '\0')
		return true;
	const char *v6 = strstr(rest, "//");
	if (v6 != rest) {
		char len4[8];
		size_t n = v6 ? (size_t)(v6 - rest) : strlen(rest);
		if (rest[0] != '/' || n < 2 || n > sizeof(len4))
			return false;
		memcpy(len4, rest + 1, n - 1);
		len4[n - 1] = '\0';
		if (parse_len(len4, 32, &v) < 0)
			return false;
	}
	return !v6 || parse_len(v6 + 2, 128, &v) == 0;
}

static void term_include(struct rec_ctx *c, const char *term, const char *arg, bool pass)
{
	char name[SPF_NAME_MAX + 2];
	int k = spf_domain_check(arg, name, sizeof(name));

	if (k < 0) {
		rec_error(c, "bad domain in '%s'", Q(term));
		return;
	}
	c->r->lookups++;
	if (k == 0) {
		rec_warning(c,
			    "'%s' uses macros, which depend on the connecting client: not followed",
			    Q(term));
		return;
	}
	if (!pass) {
		rec_warning(c, "'%s' is not a pass (its qualifier is not '+'): not followed",
			    Q(term));
		return;
	}
	struct spf_record *r = c->r;
	char *d = strdup(name);
	if (!d || mem_grow(&r->includes, &c->cap_includes, r->n_includes + 1, sizeof(*r->includes),
			   8) < 0) {
		free(d);
		c->oom = true;
		return;
	}
	r->includes[r->n_includes++] = d;
}

/* One directive or modifier. */
static void term(struct rec_ctx *c, const char *t, bool *has_all, bool *has_redirect, bool *has_exp)
{
	const char *term = t;
	bool pass = true, qualified = false;

	for (const char *p = t; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			rec_error(c, "bad character in '%s'", Q(term));
			return;
		}
	}
	if (*t == '+' || *t == '-' || *t == '~' || *t == '?') {
		pass = *t == '+';
		qualified = true;
		t++;
	}
	size_t nl = strcspn(t, ":/=");
	char sep = t[nl];
	const char *arg = sep ? t + nl + 1 : t + nl;

	if (sep == '=') {
		bool name_ok = nl > 0 && spf_is_alpha(t[0]) && !qualified;
		for (size_t i = 1; i < nl && name_ok; i++)
			name_ok = spf_is_alpha(t[i]) || spf_is_digit(t[i]) || t[i] == '-' ||
				  t[i] == '_' || t[i] == '.';
		if (!name_ok) {
			rec_error(c, "malformed term '%s'", Q(term));
			return;
		}
		if (spf_ieq(t, nl, "redirect") || spf_ieq(t, nl, "exp")) {
			bool *seen = spf_ieq(t, nl, "redirect") ? has_redirect : has_exp;
			char name[SPF_NAME_MAX + 2];
			int k = spf_domain_check(arg, name, sizeof(name));
			if (*seen) {
				rec_error(
				    c, "'%s' repeats a modifier that may appear once (RFC 7208 6)",
				    Q(term));
				return;
			}
			*seen = true;
			if (k < 0) {
				rec_error(c, "bad domain in '%s'", Q(term));
				return;
			}
			if (seen ==
			    has_exp) /* the explanation text: not a range, not a lookup here */
				return;
			if (k == 0) {
				rec_warning(c, "'%s' uses macros: not followed", Q(term));
				return;
			}
			if (!(c->r->redirect = strdup(name)))
				c->oom = true;
		}
		/* unknown modifiers are ignored (RFC 7208 6) */
		return;
	}
	if (spf_ieq(t, nl, "all")) {
		if (sep)
			rec_error(c, "'all' takes no argument: '%s'", Q(term));
		*has_all = true;
	} else if (spf_ieq(t, nl, "include")) {
		if (sep != ':')
			rec_error(c, "'include' needs ':domain': '%s'", Q(term));
		else
			term_include(c, term, arg, pass);
	} else if (spf_ieq(t, nl, "ip4") || spf_ieq(t, nl, "ip6")) {
		if (sep != ':')
			rec_error(c, "'%s' needs ':address[/length]'", Q(term));
		else
			term_ip(c, term, arg, t[2] == '6', pass);
	} else if (spf_ieq(t, nl, "a") || spf_ieq(t, nl, "mx")) {
		if (!host_arg_ok(t + nl)) {
			rec_error(c, "malformed term '%s'", Q(term));
			return;
		}
		c->r->lookups++;
		rec_warning(c, "'%s' names hosts, not networks: it cannot be turned into ranges",
			    Q(term));
	} else if (spf_ieq(t, nl, "ptr") || spf_ieq(t, nl, "exists")) {
		char name[SPF_NAME_MAX + 2];
		bool exists = spf_ieq(t, nl, "exists");
		if ((exists && sep != ':') || (sep && sep != ':') ||
		    (sep == ':' && spf_domain_check(arg, name, sizeof(name)) < 0)) {
			rec_error(c, "malformed term '%s'", Q(term));
			return;
		}
		c->r->lookups++;
		rec_warning(c,
			    "'%s' depends on the connecting client's DNS: it cannot be turned "
			    "into ranges",
			    Q(term));
	} else {
		rec_error(c, "unknown mechanism in '%s'", Q(term));
	}
}

int spf_parse(const char *host, const char *text, struct spf_record *ret, struct diag *diag)
{
	struct rec_ctx c = {.host = host, .diag = diag, .r = ret};
	unsigned errors = diag->errors;
	bool has_all = false, has_redirect = false, has_exp = false;

	memset(ret, 0, sizeof(*ret));
	if (!spf_is_record(text)) {
		rec_error(&c, "not an SPF record (does not start with 'v=spf1'): '%s'",
			  spf_shown(text, c.q, sizeof(c.q)));
		return SPF_EDATA;
	}
	char *buf = strdup(text);
	if (!buf)
		return SPF_ENOMEM;
	/* terms are separated by spaces (RFC 7208 12: 1*SP) */
	for (char *p = buf + 6; *p && !c.oom;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t n = strcspn(p, " ");
		char save = p[n];
		p[n] = '\0';
		term(&c, p, &has_all, &has_redirect, &has_exp);
		p[n] = save;
		p += n;
	}
	free(buf);
	if (has_redirect && has_all) {
		/* RFC 7208 6.1: redirect is ignored when the record has "all" */
		if (ret->redirect)
			diag_add(diag, DIAG_WARNING, host, 0, 0,
				 "redirect=%s is ignored because the record has 'all' (RFC 7208 "
				 "6.1)",
				 ret->redirect);
		free(ret->redirect);
		ret->redirect = NULL;
	} else if (has_redirect) {
		c.r->lookups++; /* counted even when macros stop us from following it */
	}
	if (c.oom)
		return SPF_ENOMEM;
	return diag->errors != errors ? SPF_EDATA : SPF_OK;
}

void spf_record_clear(struct spf_record *r)
{
	free(r->prefixes);
	for (size_t i = 0; i < r->n_includes; i++)
		free(r->includes[i]);
	free(r->includes);
	free(r->redirect);
	memset(r, 0, sizeof(*r));
}
