/* Unit tests for rules/spf.c: SPF record terms and their errors, TXT
 * answers in DNS wire format, set names, and the include/redirect walk
 * against an in-memory zone (loops, the look-up limit, missing records),
 * plus seeded random input that must never crash the parsers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/spf.h"

#define FUZZ_ROUNDS 20000 /* random inputs per parser; seconds under ASan */

/* ---- helpers ------------------------------------------------------------- */

static uint64_t rng = 1;
/* xorshift64*: the same sequence with every libc */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static bool diag_has(const struct diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i].text, needle))
			return true;
	return false;
}

static void diag_print(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("# %s\n", d->msgs[i].text);
}

static const char *pfx(const struct spf_prefix *p, char *buf, size_t len)
{
	char a[LW_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_format(&p->net, a, sizeof(a)), p->plen);
	return buf;
}

/* Parses text; expects status; returns the record (clear it). */
static struct spf_record parse_ok(const char *text, int want, struct diag *d)
{
	struct spf_record r;

	diag_init(d);
	int rc = spf_parse("h.example", text, &r, d);
	if (rc != want)
		diag_print(d);
	assert_int_equal(rc, want);
	return r;
}

/* ---- records --------------------------------------------------------------- */

static void test_is_record(void **state)
{
	(void)state;
	assert_true(spf_is_record("v=spf1"));
	assert_true(spf_is_record("v=spf1 -all"));
	assert_true(spf_is_record("V=SPF1 ip4:192.0.2.0/24"));
	assert_false(spf_is_record("v=spf10"));
	assert_false(spf_is_record("v=spf1x ip4:1.2.3.4"));
	assert_false(spf_is_record(" v=spf1"));
	assert_false(spf_is_record("v=spf"));
	assert_false(spf_is_record(""));
	assert_false(spf_is_record("spf2.0/pra ip4:1.2.3.4"));
}

static void test_parse_terms(void **state)
{
	struct diag d;
	char b[64];
	(void)state;

	struct spf_record r =
	    parse_ok("v=spf1  ip4:192.0.2.0/24 +ip4:198.51.100.7 ip6:2001:DB8::/32 "
		     "ip6:2001:db8::1 IP4:203.0.113.0/25 include:Eu._Netblocks."
		     "Example.COM. redirect=_spf.example.net ~all ",
		     SPF_OK, &d);
	assert_int_equal(r.n_prefixes, 5);
	assert_string_equal(pfx(&r.prefixes[0], b, sizeof(b)), "192.0.2.0/24");
	assert_string_equal(pfx(&r.prefixes[1], b, sizeof(b)), "198.51.100.7/32");
	assert_string_equal(pfx(&r.prefixes[2], b, sizeof(b)), "2001:db8::/32");
	assert_string_equal(pfx(&r.prefixes[3], b, sizeof(b)), "2001:db8::1/128");
	assert_string_equal(pfx(&r.prefixes[4], b, sizeof(b)), "203.0.113.0/25");
	assert_int_equal(r.n_includes, 1);
	assert_string_equal(r.includes[0], "eu._netblocks.example.com");
	/* ~all is not "all" qualified as pass, but it is still "all": RFC
	 * 7208 6.1 voids redirect whenever the all mechanism is present */
	assert_null(r.redirect);
	assert_int_equal(r.lookups, 1);
	assert_true(diag_has(&d, "redirect=_spf.example.net is ignored"));
	spf_record_clear(&r);
	diag_clear(&d);

	r = parse_ok("v=spf1 ip4:0.0.0.0/0 ip6:::/0 redirect=_spf.Example.net", SPF_OK, &d);
	assert_int_equal(r.n_prefixes, 2);
	assert_string_equal(pfx(&r.prefixes[0], b, sizeof(b)), "0.0.0.0/0");
	assert_string_equal(pfx(&r.prefixes[1], b, sizeof(b)), "::/0");
	assert_string_equal(r.redirect, "_spf.example.net");
	assert_int_equal(r.lookups, 1);
	assert_int_equal(d.warnings, 0);
	spf_record_clear(&r);
	diag_clear(&d);

	/* an empty record and exp= / unknown modifiers are fine */
	r = parse_ok("v=spf1", SPF_OK, &d);
	assert_int_equal(r.n_prefixes, 0);
	spf_record_clear(&r);
	diag_clear(&d);
	r = parse_ok("v=spf1 exp=explain.example.com foo.bar=%{d}x -all", SPF_OK, &d);
	assert_int_equal(r.lookups, 0);
	assert_int_equal(d.warnings, 0);
	spf_record_clear(&r);
	diag_clear(&d);
}

static void test_parse_warnings(void **state)
{
	struct diag d;
	char b[64];
	(void)state;

	/* mechanisms that name hosts count as look-ups and are named */
	struct spf_record r = parse_ok(
	    "v=spf1 a mx:mail.example.com/24 a/24//64 ptr exists:%{i}.x.example -all", SPF_OK, &d);
	assert_int_equal(r.lookups, 5);
	assert_int_equal(r.n_prefixes, 0);
	assert_int_equal(d.warnings, 5);
	assert_true(diag_has(&d, "'a' names hosts, not networks"));
	assert_true(diag_has(&d, "'mx:mail.example.com/24' names hosts"));
	assert_true(diag_has(&d, "'ptr' depends on"));
	assert_true(diag_has(&d, "'exists:%{i}.x.example' depends on"));
	spf_record_clear(&r);
	diag_clear(&d);

	/* only pass terms allow; a non-pass include is still a look-up */
	r = parse_ok("v=spf1 -ip4:192.0.2.1 ~ip6:2001:db8::/48 ?include:x.example "
		     "include:%{d}.example ip4:192.0.2.77/24 ip6:::ffff:192.0.2.0/120",
		     SPF_OK, &d);
	assert_int_equal(r.n_prefixes, 2);
	assert_string_equal(pfx(&r.prefixes[0], b, sizeof(b)), "192.0.2.0/24");
	/* IPv4-mapped is matched as IPv4 by lockwatch, so stored as IPv4 */
	assert_string_equal(pfx(&r.prefixes[1], b, sizeof(b)), "192.0.2.0/24");
	assert_int_equal(r.n_includes, 0);
	assert_int_equal(r.lookups, 2);
	assert_true(diag_has(&d, "'-ip4:192.0.2.1' is not a pass"));
	assert_true(diag_has(&d, "'?include:x.example' is not a pass"));
	assert_true(diag_has(&d, "'include:%{d}.example' uses macros"));
	assert_true(diag_has(&d, "host bits set in 'ip4:192.0.2.77/24': using 192.0.2.0/24"));
	spf_record_clear(&r);
	diag_clear(&d);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"v=spf1 ip4:300.1.2.3/24", "bad IPv4 address in 'ip4:300.1.2.3/24'"},
	    {"v=spf1 ip4:1.2.3.0/40", "bad prefix length in 'ip4:1.2.3.0/40' (0 to 32)"},
	    {"v=spf1 ip4:1.2.3.0/024", "bad prefix length"},
	    {"v=spf1 ip4:1.2.3.0/", "bad prefix length"},
	    {"v=spf1 ip4:1.2.3.0/-1", "bad prefix length"},
	    {"v=spf1 ip4:01.2.3.4", "bad IPv4 address"},
	    {"v=spf1 ip4:1.2.3", "bad IPv4 address"},
	    {"v=spf1 ip4:2001:db8::", "bad IPv4 address"},
	    {"v=spf1 ip4:", "no IPv4 address"},
	    {"v=spf1 ip4", "'ip4' needs ':address[/length]'"},
	    {"v=spf1 ip6:2001:db8::/129", "bad prefix length in 'ip6:2001:db8::/129' (0 to 128)"},
	    {"v=spf1 ip6:192.0.2.1", "bad IPv6 address"},
	    {"v=spf1 ip6:::ffff:0:0/80", "covers IPv4-mapped and other addresses"},
	    {"v=spf1 junk", "unknown mechanism in 'junk'"},
	    {"v=spf1 ip4:192.0.2.0/24 foo:bar", "unknown mechanism in 'foo:bar'"},
	    {"v=spf1 include", "'include' needs ':domain'"},
	    {"v=spf1 include:", "bad domain in 'include:'"},
	    {"v=spf1 include:a..example", "bad domain"},
	    {"v=spf1 include:a b", "unknown mechanism in 'b'"},
	    {"v=spf1 include:%{z", "bad domain"},
	    {"v=spf1 all:x", "'all' takes no argument"},
	    {"v=spf1 redirect=a.example redirect=b.example", "repeats a modifier"},
	    {"v=spf1 exp=a.example exp=b.example", "repeats a modifier"},
	    {"v=spf1 +redirect=a.example", "malformed term"},
	    {"v=spf1 1x=y", "malformed term"},
	    {"v=spf1 redirect=", "bad domain"},
	    {"v=spf1 mx:", "malformed term 'mx:'"},
	    {"v=spf1 a/33", "malformed term 'a/33'"},
	    {"v=spf1 ptr/24", "malformed term"},
	    {"v=spf1 exists", "malformed term"},
	    {"v=spf1 ip4:192.0.2.0/24\tip4:198.51.100.0/24",
	     "bad character in 'ip4:192.0.2.0/24\\x09"},
	    {"v=spf1 ip4:192.0.2.0/24\x01", "bad character in 'ip4:192.0.2.0/24\\x01'"},
	    {"spf2.0/pra ip4:1.2.3.4", "not an SPF record"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct diag d;
		struct spf_record r;
		diag_init(&d);
		int rc = spf_parse("h.example", bad[i].text, &r, &d);
		if (rc != SPF_EDATA || !diag_has(&d, bad[i].msg)) {
			print_message("# input: %s\n# expected: %s\n", bad[i].text, bad[i].msg);
			diag_print(&d);
		}
		assert_int_equal(rc, SPF_EDATA);
		assert_true(diag_has(&d, bad[i].msg));
		assert_true(diag_has(&d, "h.example: error: "));
		spf_record_clear(&r);
		diag_clear(&d);
	}

	/* every error of a record is listed, not only the first */
	struct diag d;
	struct spf_record r;
	diag_init(&d);
	assert_int_equal(
	    spf_parse("h", "v=spf1 ip4:1.2.3.4/33 junk ip6:zz:: ip4:10.0.0.0/8", &r, &d),
	    SPF_EDATA);
	assert_int_equal(d.errors, 3);
	spf_record_clear(&r);
	diag_clear(&d);
}

/* ---- DNS answers ----------------------------------------------------------- */

struct msg {
	uint8_t b[1024];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	if (n) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct msg *m, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(m, b, 2);
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		size_t l = strcspn(name, ".");
		uint8_t c = (uint8_t)l;
		put(m, &c, 1);
		put(m, name, l);
		name += l;
		if (*name == '.')
			name++;
	}
	put(m, "", 1);
}

/* A response with one question (qname at offset 12) and n answers. */
static void header(struct msg *m, unsigned flags, unsigned an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, flags);
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
	put_name(m, "eu._netblocks.test.example");
	put16(m, 16);
	put16(m, 1);
}

/* An answer RR owned by the question's name (compressed pointer). */
static void rr(struct msg *m, unsigned type, const uint8_t *rdata, size_t rdlen)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, (unsigned)rdlen);
	put(m, rdata, rdlen);
}

static void test_txt_answer(void **state)
{
	struct msg m;
	struct spf_txt_answer a;
	char *err = NULL;
	(void)state;

	/* one TXT split into two character-strings, one plain, one CNAME */
	static const uint8_t split[] = "\x0bv=spf1 ip4:\x0e"
				       "192.0.2.0/24 a";
	static const uint8_t plain[] = "\x05hello";
	static const uint8_t cname[] = "\x01x\x07"
				       "example\x00";
	header(&m, 0x8180, 3);
	rr(&m, 5, cname, sizeof(cname) - 1);
	rr(&m, 16, split, sizeof(split) - 1);
	rr(&m, 16, plain, sizeof(plain) - 1);
	assert_int_equal(spf_txt_parse(m.b, m.n, &a, &err), SPF_OK);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.n_txts, 2);
	assert_string_equal(a.txts[0], "v=spf1 ip4:192.0.2.0/24 a");
	assert_string_equal(a.txts[1], "hello");
	spf_txt_clear(&a);

	/* NUL inside a string stays visible to the SPF parser */
	static const uint8_t nul[] = "\x03"
				     "a\0b";
	header(&m, 0x8180, 1);
	rr(&m, 16, nul, 4);
	assert_int_equal(spf_txt_parse(m.b, m.n, &a, &err), SPF_OK);
	assert_string_equal(a.txts[0], "a\x01"
				       "b");
	spf_txt_clear(&a);

	/* an empty TXT (no strings) is an empty record */
	header(&m, 0x8180, 1);
	rr(&m, 16, NULL, 0);
	assert_int_equal(spf_txt_parse(m.b, m.n, &a, &err), SPF_OK);
	assert_int_equal(a.n_txts, 1);
	assert_string_equal(a.txts[0], "");
	spf_txt_clear(&a);

	/* NXDOMAIN, no answers */
	header(&m, 0x8183, 0);
	assert_int_equal(spf_txt_parse(m.b, m.n, &a, &err), SPF_OK);
	assert_int_equal(a.rcode, 3);
	assert_int_equal(a.n_txts, 0);
	spf_txt_clear(&a);

	static const struct {
		unsigned flags, an;
		const uint8_t *rd;
		size_t rdlen, cut;
		const char *msg;
	} bad[] = {
	    {0x0100, 0, NULL, 0, 0, "not a DNS response"},
	    {0x8380, 0, NULL, 0, 0, "truncated"},
	    {0x8180, 1, (const uint8_t *)"\x09short", 6, 0, "runs past its record"},
	    {0x8180, 1,
	     (const uint8_t *)"\x03"
			      "abc",
	     4, 2, "malformed answer section"},
	    {0x8180, 2,
	     (const uint8_t *)"\x03"
			      "abc",
	     4, 0, "malformed answer section"},
	    {0x8180, 0, NULL, 0, 3, "malformed question section"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		header(&m, bad[i].flags, bad[i].an);
		if (bad[i].rd)
			rr(&m, 16, bad[i].rd, bad[i].rdlen);
		m.n -= bad[i].cut;
		err = NULL;
		assert_int_equal(spf_txt_parse(m.b, m.n, &a, &err), SPF_EDNS);
		assert_non_null(err);
		if (!strstr(err, bad[i].msg))
			print_message("# case %zu: %s\n", i, err);
		assert_non_null(strstr(err, bad[i].msg));
		free(err);
		assert_int_equal(a.n_txts, 0);
	}
	assert_int_equal(spf_txt_parse(m.b, 11, &a, &err), SPF_EDNS);
	free(err);

	/* a label type 0x40 and a name longer than the message */
	header(&m, 0x8180, 1);
	m.b[12] = 0x41;
	assert_int_equal(spf_txt_parse(m.b, m.n, &a, &err), SPF_EDNS);
	free(err);
	header(&m, 0x8180, 1);
	m.b[12] = 0x3f;
	m.n = 20;
	assert_int_equal(spf_txt_parse(m.b, m.n, &a, &err), SPF_EDNS);
	free(err);
}

/* ---- set names ------------------------------------------------------------- */

static void test_set_names(void **state)
{
	static const struct {
		const char *host;
		bool root;
		const char *want;
	} cases[] = {
	    {"eu._netblocks.mimecast.com", false, "mimecast-eu"},
	    {"ca._netblocks.mimecast.com", false, "mimecast-ca"},
	    {"EU._NetBlocks.Mimecast.COM", false, "mimecast-eu"},
	    {"_netblocks.mimecast.com", true, "mimecast"},
	    {"_spf.google.com", true, "google"},
	    {"_spf.google.com", false, "spf.google.com"},
	    {"spf.protection.outlook.com", true, "spf"},
	    {"_netblocks.test.example", true, "test"},
	    {"us._netblocks.test.example", true, "test-us"},
	    {"a.b._netblocks.test.example", false, "a.b._netblocks.test.example"},
	    {"include.example", true, "include-spf"},
	    {"x_y._netblocks.a+b.example", false, "a-b-x_y"},
	    {"_x._netblocks.test.example", false, "test-_x"},
	    {"_a._b", true, "b"},
	};
	char buf[SPF_SET_MAX + 1];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spf_set_name(cases[i].host, cases[i].root, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want))
			print_message("# %s -> %s\n", cases[i].host, buf);
		assert_string_equal(buf, cases[i].want);
	}
	char longname[300];
	memset(longname, 'a', 250);
	strcpy(longname + 250, ".example");
	spf_set_name(longname, false, buf, sizeof(buf));
	assert_int_equal(strlen(buf), SPF_SET_MAX);
}

/* ---- the walk --------------------------------------------------------------- */

struct zone_rec {
	const char *name;
	const char *txt[3];
	int status; /* what the fake resolver returns */
};

struct zone {
	const struct zone_rec *recs;
	size_t n;
	unsigned fetches;
};

static int zone_fetch(void *ctx, const char *name, char ***ret_txts, size_t *ret_n, char **reterr)
{
	struct zone *z = ctx;

	z->fetches++;
	*ret_txts = NULL;
	*ret_n = 0;
	for (size_t i = 0; i < z->n; i++) {
		const struct zone_rec *r = &z->recs[i];
		if (strcmp(r->name, name))
			continue;
		if (r->status != SPF_OK) {
			*reterr = strdup(r->status == SPF_EDNS ? "resolver timed out" : "NXDOMAIN");
			return r->status;
		}
		size_t n = 0;
		while (n < 3 && r->txt[n])
			n++;
		*ret_txts = calloc(n + 1, sizeof(char *));
		for (size_t k = 0; k < n; k++)
			(*ret_txts)[k] = strdup(r->txt[k]);
		*ret_n = n;
		return SPF_OK;
	}
	*reterr = strdup("no such name (NXDOMAIN)");
	return SPF_EDATA;
}

static int walk(const struct zone_rec *recs, size_t n, const char *root, struct spf_result *res,
		struct diag *d)
{
	struct zone z = {recs, n, 0};

	diag_init(d);
	return spf_walk(root, zone_fetch, &z, res, d);
}

#define WALK(recs, root, res, d) walk(recs, sizeof(recs) / sizeof(recs[0]), root, res, d)

static void test_walk_tree(void **state)
{
	static const struct zone_rec zone[] = {
	    {.name = "_netblocks.test.example",
	     .txt = {"google-site-verification=x",
		     "v=spf1 include:eu._netblocks.test.example include:us._netblocks.test.example "
		     "ip4:192.0.2.0/24 ~all"}},
	    {.name = "eu._netblocks.test.example",
	     .txt = {"v=spf1 ip4:198.51.100.128/25 ip4:198.51.100.0/25 ip4:198.51.100.0/25 -all"}},
	    {.name = "us._netblocks.test.example",
	     .txt = {"v=spf1 ip6:2001:db8::/32 redirect=r.test.example"}},
	    {.name = "r.test.example", .txt = {"v=spf1 ip4:203.0.113.0/24 -all"}},
	};
	struct spf_result res;
	struct diag d;
	char b[64];
	(void)state;

	assert_int_equal(WALK(zone, "_netblocks.test.example.", &res, &d), SPF_OK);
	assert_int_equal(res.n_hosts, 4);
	assert_int_equal(res.lookups, 3);
	assert_string_equal(res.hosts[0].name, "_netblocks.test.example");
	assert_string_equal(res.hosts[0].set, "test");
	assert_null(res.hosts[0].parent);
	assert_string_equal(res.hosts[1].set, "test-eu");
	assert_string_equal(res.hosts[1].parent, "_netblocks.test.example");
	/* sorted, the duplicate dropped with a warning */
	assert_int_equal(res.hosts[1].n_prefixes, 2);
	assert_string_equal(pfx(&res.hosts[1].prefixes[0], b, sizeof(b)), "198.51.100.0/25");
	assert_string_equal(pfx(&res.hosts[1].prefixes[1], b, sizeof(b)), "198.51.100.128/25");
	assert_true(diag_has(&d, "198.51.100.0/25 is listed twice"));
	assert_string_equal(res.hosts[2].set, "test-us");
	assert_string_equal(res.hosts[3].name, "r.test.example");
	assert_string_equal(res.hosts[3].set, "r.test.example");
	assert_true(res.hosts[3].redirect);
	assert_string_equal(res.hosts[3].parent, "us._netblocks.test.example");
	assert_int_equal(d.errors, 0);
	spf_result_clear(&res);
	diag_clear(&d);
}

static void test_walk_errors(void **state)
{
	static const struct zone_rec loop[] = {
	    {.name = "a.example", .txt = {"v=spf1 include:b.example"}},
	    {.name = "b.example", .txt = {"v=spf1 ip4:192.0.2.0/24 redirect=c.example"}},
	    {.name = "c.example", .txt = {"v=spf1 include:a.example"}},
	};
	static const struct zone_rec self[] = {
	    {.name = "a.example", .txt = {"v=spf1 include:A.example."}}};
	static const struct zone_rec missing[] = {
	    {.name = "a.example", .txt = {"v=spf1 include:b.example"}},
	    {.name = "b.example", .txt = {"hello", "v=spf2 ip4:192.0.2.0/24"}},
	};
	static const struct zone_rec nx[] = {
	    {.name = "a.example", .txt = {"v=spf1 include:gone.example"}}};
	static const struct zone_rec two[] = {
	    {.name = "a.example", .txt = {"v=spf1 -all", "V=spf1 ~all"}}};
	static const struct zone_rec dns[] = {
	    {.name = "a.example", .txt = {"v=spf1 include:b.example"}},
	    {.name = "b.example", .txt = {NULL}, .status = SPF_EDNS},
	};
	static const struct zone_rec notxt[] = {{.name = "a.example", .txt = {NULL}}};
	static const struct zone_rec bad[] = {
	    {.name = "a.example", .txt = {"v=spf1 include:b.example"}},
	    {.name = "b.example", .txt = {"v=spf1 ip4:300.1.2.3/24"}},
	};
	struct spf_result res;
	struct diag d;
	(void)state;

	assert_int_equal(WALK(loop, "a.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "loop: a.example -> b.example -> c.example -> a.example"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(self, "a.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "loop: a.example -> a.example"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(missing, "a.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "b.example: error: no SPF record: none of its 2 TXT record(s)"));
	assert_true(diag_has(&d, "reached via a.example -> b.example"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(nx, "a.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "gone.example: error: no such name (NXDOMAIN) (reached via"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(nx, "nothere.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "nothere.example: error: no such name"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(two, "a.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "2 SPF records where RFC 7208 4.5 allows one"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(dns, "a.example", &res, &d), SPF_EDNS);
	assert_true(diag_has(&d, "b.example: error: resolver timed out"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(notxt, "a.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "none of its 0 TXT record(s)"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(bad, "a.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "b.example: error: bad IPv4 address in 'ip4:300.1.2.3/24'"));
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(notxt, "bad..name", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "'bad..name' is not a domain name"));
	spf_result_clear(&res);
	diag_clear(&d);
}

static void test_walk_limit(void **state)
{
	/* ten includes are allowed, the eleventh look-up is not */
	static const struct zone_rec ten[] = {
	    {.name = "a.example",
	     .txt = {"v=spf1 include:h1.example include:h2.example include:h3.example "
		     "include:h4.example include:h5.example include:h6.example include:h7.example "
		     "include:h8.example include:h9.example a"}},
	    {.name = "h1.example", .txt = {"v=spf1 ip4:10.0.1.0/24"}},
	    {.name = "h2.example", .txt = {"v=spf1 ip4:10.0.2.0/24"}},
	    {.name = "h3.example", .txt = {"v=spf1 ip4:10.0.3.0/24"}},
	    {.name = "h4.example", .txt = {"v=spf1 ip4:10.0.4.0/24"}},
	    {.name = "h5.example", .txt = {"v=spf1 ip4:10.0.5.0/24"}},
	    {.name = "h6.example", .txt = {"v=spf1 ip4:10.0.6.0/24"}},
	    {.name = "h7.example", .txt = {"v=spf1 ip4:10.0.7.0/24"}},
	    {.name = "h8.example", .txt = {"v=spf1 ip4:10.0.8.0/24"}},
	    {.name = "h9.example", .txt = {"v=spf1 ip4:10.0.9.0/24"}},
	};
	/* a chain: each host spends one, the limit trips deep down */
	static const struct zone_rec chain[] = {
	    {.name = "c0.example", .txt = {"v=spf1 include:c1.example"}},
	    {.name = "c1.example", .txt = {"v=spf1 include:c2.example"}},
	    {.name = "c2.example", .txt = {"v=spf1 include:c3.example"}},
	    {.name = "c3.example", .txt = {"v=spf1 include:c4.example"}},
	    {.name = "c4.example", .txt = {"v=spf1 include:c5.example"}},
	    {.name = "c5.example", .txt = {"v=spf1 include:c6.example"}},
	    {.name = "c6.example", .txt = {"v=spf1 include:c7.example"}},
	    {.name = "c7.example", .txt = {"v=spf1 include:c8.example"}},
	    {.name = "c8.example", .txt = {"v=spf1 include:c9.example"}},
	    {.name = "c9.example", .txt = {"v=spf1 include:c10.example"}},
	    {.name = "c10.example", .txt = {"v=spf1 redirect=c11.example"}},
	    {.name = "c11.example", .txt = {"v=spf1 ip4:10.0.0.0/8"}},
	};
	struct spf_result res;
	struct diag d;
	(void)state;

	assert_int_equal(WALK(ten, "a.example", &res, &d), SPF_OK);
	assert_int_equal(res.lookups, 10);
	assert_int_equal(res.n_hosts, 10);
	spf_result_clear(&res);
	diag_clear(&d);

	assert_int_equal(WALK(chain, "c0.example", &res, &d), SPF_EDATA);
	assert_true(diag_has(&d, "c10.example: error: too many DNS look-ups: 11"));
	spf_result_clear(&res);
	diag_clear(&d);

	/* one record with eleven includes stops before any is read */
	struct zone_rec wide[] = {{.name = "w.example",
				   .txt = {"v=spf1 include:a.x include:b.x include:c.x include:d.x "
					   "include:e.x include:f.x exists:g.x ptr mx a:i.x "
					   "include:j.x -all"}}};
	struct zone z = {wide, 1, 0};
	diag_init(&d);
	assert_int_equal(spf_walk("w.example", zone_fetch, &z, &res, &d), SPF_EDATA);
	assert_int_equal(z.fetches, 1);
	assert_true(diag_has(&d, "too many DNS look-ups: 11"));
	spf_result_clear(&res);
	diag_clear(&d);
}

static void test_walk_shared_and_names(void **state)
{
	/* a host reached on two branches is read once; two hosts that map to
	 * one set name stay apart */
	static const struct zone_rec zone[] = {
	    {.name = "_netblocks.a.example",
	     .txt = {"v=spf1 include:eu._netblocks.a.example include:eu._netblocks.a.net "
		     "include:x.example"}},
	    {.name = "eu._netblocks.a.example",
	     .txt = {"v=spf1 ip4:10.1.0.0/16 include:shared.example"}},
	    {.name = "eu._netblocks.a.net", .txt = {"v=spf1 ip4:10.2.0.0/16"}},
	    {.name = "x.example", .txt = {"v=spf1 include:shared.example"}},
	    {.name = "shared.example", .txt = {"v=spf1 ip4:10.3.0.0/16"}},
	};
	struct spf_result res;
	struct diag d;
	(void)state;

	assert_int_equal(WALK(zone, "_netblocks.a.example", &res, &d), SPF_OK);
	assert_int_equal(res.n_hosts, 5);
	assert_string_equal(res.hosts[1].set, "a-eu");
	assert_string_equal(res.hosts[2].name, "shared.example");
	assert_string_equal(res.hosts[3].name, "eu._netblocks.a.net");
	assert_string_equal(res.hosts[3].set, "eu._netblocks.a.net");
	assert_true(diag_has(&d, "shared.example: warning: named again by x.example"));
	assert_int_equal(res.lookups, 5);
	spf_result_clear(&res);
	diag_clear(&d);
}

/* ---- random input ------------------------------------------------------------ */

static void test_fuzz_record(void **state)
{
	static const char *const parts[] = {
	    "v=spf1", " ", "  ",   "ip4:", "ip6:", "1.2.3.4", "/",	  "24",	 "33",
	    "::",     ":", "ffff", "a",	   "mx",   "ptr",     "all",	  "-",	 "+",
	    "~",      "?", "=",	   "%{",   "}",	   "include", "redirect", "exp", ".",
	    "x",      "0", "\x01", "\xff", "//",   "exists",  "%%",	  "_",	 "..",
	};
	(void)state;

	rng = 42;
	for (unsigned i = 0; i < FUZZ_ROUNDS; i++) {
		char buf[256] = "v=spf1 ";
		size_t n = rnd() % 16;
		for (size_t k = 0; k < n; k++) {
			const char *p = parts[rnd() % (sizeof(parts) / sizeof(parts[0]))];
			if (strlen(buf) + strlen(p) + 1 < sizeof(buf))
				strcat(buf, p);
		}
		struct spf_record r;
		struct diag d;
		diag_init(&d);
		int rc = spf_parse("f", buf, &r, &d);
		assert_true(rc == SPF_OK || rc == SPF_EDATA);
		for (size_t k = 0; k < r.n_prefixes; k++)
			assert_true(r.prefixes[k].plen <= addr_bits(&r.prefixes[k].net));
		spf_record_clear(&r);
		diag_clear(&d);
	}
}

static void test_fuzz_answer(void **state)
{
	struct msg m;
	(void)state;

	rng = 7;
	for (unsigned i = 0; i < FUZZ_ROUNDS; i++) {
		/* a valid answer with random bytes flipped and a random cut */
		static const uint8_t txt[] = "\x06v=spf1\x0a ip4:1.2.3";
		header(&m, 0x8180, 2);
		rr(&m, 16, txt, sizeof(txt) - 1);
		rr(&m, 16, txt, sizeof(txt) - 1);
		unsigned flips = (unsigned)(rnd() % 4);
		for (unsigned k = 0; k < flips; k++)
			m.b[rnd() % m.n] = (uint8_t)rnd();
		size_t len = (size_t)(rnd() % (m.n + 1));
		/* a copy of exactly len bytes so ASan sees any read past it */
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, m.b, len);
		struct spf_txt_answer a;
		char *err = NULL;
		int rc = spf_txt_parse(copy, len, &a, &err);
		assert_true(rc == SPF_OK || rc == SPF_EDNS);
		assert_true(rc == SPF_OK || err != NULL);
		spf_txt_clear(&a);
		free(err);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_is_record),	   cmocka_unit_test(test_parse_terms),
	    cmocka_unit_test(test_parse_warnings), cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_txt_answer),	   cmocka_unit_test(test_set_names),
	    cmocka_unit_test(test_walk_tree),	   cmocka_unit_test(test_walk_errors),
	    cmocka_unit_test(test_walk_limit),	   cmocka_unit_test(test_walk_shared_and_names),
	    cmocka_unit_test(test_fuzz_record),	   cmocka_unit_test(test_fuzz_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
