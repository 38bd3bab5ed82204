/* Tests for the rules language (rules/rules*.c): classification, every
 * error and warning with its exact file:line:col text, includes, the
 * normalised dump and digest, and the shipped rule files. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/servers.h"
#include "rules/rules.h"
#include "tests/rules_fx.h"

static void dump_diag(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("# diag: %s\n", d->msgs[i].text);
}

#define assert_msg(d, text)                                                                        \
	do {                                                                                       \
		if (!has_msg((d), (text))) {                                                       \
			dump_diag(d);                                                              \
			fail_msg("missing diagnostic: %s", (text));                                \
		}                                                                                  \
	} while (0)

static void test_allow_minimal(void **state)
{
	(void)state;
	struct diag d;
	struct rule_ref ref;
	struct rules *r = load("# sample\n"
			       "\n"
			       "allow mimecast-eu 195.130.217.0/24\n"
			       "allow mimecast-us 205.139.110.0/24   # trailing comment\n"
			       "exception 192.0.2.25 backup-mx \"second \\\"MX\\\"\"\n",
			       &d);

	assert_non_null(r);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);

	struct lw_addr a = A("195.130.217.77");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "mimecast-eu");
	assert_null(ref.label);
	assert_string_equal(ref.prefix, "195.130.217.0/24");
	assert_string_equal(ref.file, "t.rules");
	assert_int_equal(ref.line, 3);

	a = A("205.139.110.61");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "mimecast-us");
	assert_int_equal(ref.line, 4);

	a = A("192.0.2.25");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_EXCEPTION);
	assert_null(ref.set);
	assert_string_equal(ref.label, "backup-mx");
	assert_string_equal(ref.comment, "second \"MX\"");
	assert_string_equal(ref.prefix, "192.0.2.25");
	assert_int_equal(ref.line, 5);

	a = A("192.0.2.26");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_OUTSIDE);
	assert_string_equal(ref.prefix, "");
	assert_null(ref.file);
	assert_null(ref.set);
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_OUTSIDE);

	/* IPv4-mapped IPv6 classifies as IPv4 */
	a = A("::ffff:195.130.217.1");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "mimecast-eu");

	assert_string_equal(class_name(CLASS_OUTSIDE), "outside");
	assert_string_equal(class_name(CLASS_ALLOWED), "allowed");
	assert_string_equal(class_name(CLASS_EXCEPTION), "exception");
	rules_free(r);
	diag_clear(&d);
}

static void test_ports_servers(void **state)
{
	(void)state;
	struct diag d;
	const uint16_t *ports;
	struct rules *r = load("allow x 10.0.0.0/8\n", &d);

	assert_non_null(r);
	assert_int_equal(rules_ports(r, &ports), 1);
	assert_int_equal(ports[0], 25);
	struct lw_addr a = A("198.51.100.1"), b = A("192.0.2.7");
	struct servers *sv = servers_from_rules(r);
	assert_int_equal(sv->origin, SERVERS_NONE);
	assert_int_equal(servers_direction(sv, &b, &a), DIR_INBOUND);
	servers_free(sv);
	assert_false(rules_server_any(r));
	rules_free(r);
	diag_clear(&d);

	r = load("port 587 25\nport 2525\nserver 198.51.100.1 2001:db8::25\n"
		 "allow x 10.0.0.0/8\n",
		 &d);
	assert_non_null(r);
	assert_int_equal(rules_ports(r, &ports), 3);
	assert_int_equal(ports[0], 25);
	assert_int_equal(ports[1], 587);
	assert_int_equal(ports[2], 2525);
	sv = servers_from_rules(r);
	assert_int_equal(sv->origin, SERVERS_RULES);
	assert_int_equal(servers_direction(sv, &b, &a), DIR_INBOUND);
	a = A("2001:db8::25");
	assert_true(servers_contains(sv, &a));
	a = A("198.51.100.2");
	assert_int_equal(servers_direction(sv, &b, &a), DIR_OTHER);
	servers_free(sv);
	const struct lw_addr *servers;
	assert_int_equal(rules_servers(r, &servers), 2);
	rules_free(r);
	diag_clear(&d);

	/* `server any`: said on purpose, kept by the dump (and the digest) */
	r = load("server any\nallow x 10.0.0.0/8\n", &d);
	assert_non_null(r);
	assert_true(rules_server_any(r));
	assert_int_equal(rules_servers(r, &servers), 0);
	sv = servers_from_rules(r);
	assert_int_equal(sv->origin, SERVERS_ANY);
	assert_int_equal(servers_direction(sv, &a, &b), DIR_INBOUND);
	servers_free(sv);
	char *dump = NULL;
	size_t dlen = 0;
	FILE *out = open_memstream(&dump, &dlen);
	rules_dump(r, out);
	fclose(out);
	assert_non_null(strstr(dump, "\nserver any\n"));
	free(dump);
	rules_free(r);
	diag_clear(&d);

	/* any with addresses says nothing clear: an error either way round */
	assert_null(load("server any 192.0.2.1\nallow x 10.0.0.0/8\n", &d));
	assert_msg(&d, "t.rules:1:12: error: 'server any' cannot be combined with server "
		       "addresses");
	diag_clear(&d);
	assert_null(load("server 192.0.2.1\nserver any\nallow x 10.0.0.0/8\n", &d));
	assert_msg(&d, "t.rules:2:8: error: 'server any' cannot be combined with server "
		       "addresses");
	diag_clear(&d);
}

static void test_errors_collected(void **state)
{
	(void)state;
	struct diag d;
	struct rules *r = load("allow x 10.0.0.0/8\n"
			       "permit x 10.0.0.0/8\n"
			       "allow x 10.0.0.0/33\n"
			       "allow x 300.1.2.3/24\n"
			       "exception 2001:db8::/129 probe\n"
			       "  port 0 25 http\n"
			       "allow x 10.1.0.0/1x\n"
			       "exception 192.0.2.1 bad/label\n"
			       "exception 192.0.2.1 probe comment\n"
			       "exception 192.0.2.1 \"unterminated\n"
			       "exception 192.0.2.1\n"
			       "server 192.0.2.0/24\n",
			       &d);

	assert_null(r);
	assert_msg(&d, "t.rules:2:1: error: unknown keyword 'permit'");
	assert_msg(&d, "t.rules:3:9: error: bad prefix length '33' in '10.0.0.0/33' "
		       "(IPv4 allows 0..32)");
	assert_msg(&d, "t.rules:4:9: error: bad address '300.1.2.3'");
	assert_msg(&d, "t.rules:5:11: error: bad prefix length '129' in '2001:db8::/129' "
		       "(IPv6 allows 0..128)");
	assert_msg(&d, "t.rules:6:8: error: bad port '0' (expected 1..65535)");
	assert_msg(&d, "t.rules:6:13: error: bad port 'http' (expected 1..65535)");
	assert_msg(&d, "t.rules:7:9: error: bad prefix length '1x' in '10.1.0.0/1x' "
		       "(IPv4 allows 0..32)");
	assert_msg(&d, "t.rules:8:21: error: bad label name 'bad/label'");
	assert_msg(&d, "t.rules:9:27: error: exception comment must be quoted: 'comment'");
	assert_msg(&d, "t.rules:10:21: error: unterminated quoted string");
	assert_msg(&d, "t.rules:11:1: error: 'exception' needs a prefix and a label");
	assert_msg(&d, "t.rules:12:8: error: bad server address '192.0.2.0/24'");
	assert_int_equal(d.errors, 12);
	diag_clear(&d);
}

static void test_sets_and_use(void **state)
{
	(void)state;
	struct diag d;
	struct rule_ref ref;
	struct rules *r = load("set eu {\n"
			       "\t195.130.217.0/24  # comment inside\n"
			       "\t91.220.42.0/24 2001:db8:e0::/48\n"
			       "}\n"
			       "set us { 205.139.110.0/24 }\n"
			       "set unused{10.0.0.0/8}\n"
			       "use eu us\n",
			       &d);

	assert_non_null(r);
	dump_diag(&d);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);
	struct lw_addr a = A("91.220.42.9");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "eu");
	assert_int_equal(ref.line, 3);
	a = A("2001:db8:e0:1::1");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.prefix, "2001:db8:e0::/48");
	a = A("205.139.110.1");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "us");
	assert_int_equal(ref.line, 5);
	/* a defined set that is not in force does not allow */
	a = A("10.1.2.3");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_OUTSIDE);
	assert_true(rules_match_defined(r, &a, &ref));
	assert_int_equal(ref.cls, CLASS_OUTSIDE);
	assert_string_equal(ref.set, "unused");
	assert_int_equal(ref.line, 6);
	assert_true(rules_set_in_force(r, "eu"));
	assert_false(rules_set_in_force(r, "unused"));
	assert_false(rules_set_in_force(r, "nosuch"));
	a = A("8.8.8.8");
	assert_false(rules_match_defined(r, &a, &ref));
	rules_free(r);
	diag_clear(&d);
}

static void test_set_errors(void **state)
{
	(void)state;
	struct diag d;
	struct rules *r = load("set a {\n"
			       "  10.0.0.0/8\n"
			       "use a b\n"
			       "set a { 10.0.0.0/8 }\n"
			       "}\n"
			       "set c\n"
			       "set d {\n"
			       "  1.2.3.0/24 { \n",
			       &d);

	assert_null(r);
	assert_msg(&d, "t.rules:3:1: error: missing '}' before 'use': set 'a' opened at t.rules:1");
	assert_msg(&d, "t.rules:3:7: error: set 'b' is used but never defined");
	assert_msg(&d, "t.rules:4:5: error: set 'a' already defined at t.rules:1");
	assert_msg(&d, "t.rules:5:1: error: unexpected '}' outside a set");
	assert_msg(&d, "t.rules:6:5: error: expected '{' after 'set c'");
	assert_msg(&d, "t.rules:8:14: error: unexpected '{' inside set 'd'");
	assert_msg(&d, "t.rules:7:1: error: set 'd' is not closed with '}'");
	assert_int_equal(d.errors, 7);
	diag_clear(&d);
}

static void test_warnings(void **state)
{
	(void)state;
	struct diag d;
	struct rule_ref ref;
	struct rules *r = load("set a {\n"
			       "  10.1.2.3/16\n"   /* 2: host bits */
			       "  10.1.0.0/16\n"   /* 3: duplicate of 2 */
			       "  10.1.128.0/17\n" /* 4: covered by 2 */
			       "}\n"
			       "set b { 10.1.4.0/24 }\n" /* 6: covered, across sets in force */
			       "set c { 10.1.5.0/24 }\n" /* 7: not in force: no warning */
			       "set empty {\n"
			       "}\n"
			       "use a b\n"
			       "exception 10.1.9.9 relay \"inside a\"\n" /* 11 */
			       "exception 10.1.9.9/32 probe\n"		 /* 12: duplicate */
			       "port 25 25\n",				 /* 13 */
			       &d);

	assert_non_null(r);
	assert_int_equal(d.errors, 0);
	assert_msg(&d, "t.rules:2:3: warning: host bits set in '10.1.2.3/16': using 10.1.0.0/16");
	assert_msg(&d, "t.rules:3:3: warning: duplicate prefix 10.1.0.0/16 (a), first at "
		       "t.rules:2 (a)");
	assert_msg(&d, "t.rules:4:3: warning: prefix 10.1.128.0/17 (a) is covered by 10.1.0.0/16 "
		       "at t.rules:2 (a)");
	assert_msg(&d, "t.rules:6:9: warning: prefix 10.1.4.0/24 (b) is covered by 10.1.0.0/16 "
		       "at t.rules:2 (a)");
	assert_msg(&d, "t.rules:8:5: warning: set 'empty' is empty");
	assert_msg(&d, "t.rules:11:11: warning: exception 10.1.9.9/32 (relay) lies inside "
		       "allowed prefix 10.1.0.0/16 of set 'a' at t.rules:2; it is reported as an "
		       "exception");
	assert_msg(&d, "t.rules:12:11: warning: duplicate prefix 10.1.9.9/32 (exception), first "
		       "at t.rules:11 (exception)");
	assert_msg(&d, "t.rules:13:9: warning: duplicate port 25");
	assert_int_equal(d.warnings, 8);

	/* longest prefix wins; the exception wins over the range around it */
	struct lw_addr a = A("10.1.9.9");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_EXCEPTION);
	assert_string_equal(ref.label, "relay");
	assert_int_equal(ref.line, 11);
	a = A("10.1.4.1");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "b");
	a = A("10.1.200.1");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.prefix, "10.1.128.0/17");
	a = A("10.1.5.1");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "a");
	rules_free(r);
	diag_clear(&d);
}

static void test_exception_equal_to_allowed(void **state)
{
	(void)state;
	struct diag d;
	struct rule_ref ref;
	struct rules *r = load("allow a 192.0.2.0/24\nexception 192.0.2.0/24 lab\n", &d);

	assert_non_null(r);
	struct lw_addr a = A("192.0.2.1");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_EXCEPTION);
	assert_int_equal(d.warnings, 1);
	rules_free(r);
	diag_clear(&d);
}

static void test_digest_and_dump(void **state)
{
	(void)state;
	struct diag d;
	struct rules *r1 = load("allow b 10.0.0.0/8\nallow a 192.0.2.0/24\nport 587 25\n"
				"exception 198.51.100.7 probe \"x\"\n",
				&d);
	diag_clear(&d);
	struct rules *r2 = load("exception 198.51.100.7/32 probe \"x\" # same rules\n"
				"set a { 192.0.2.0/24 }\nset b {\n10.0.0.0/8\n}\nuse b a\n"
				"port 25\nport 587\n",
				&d);
	diag_clear(&d);
	struct rules *r3 = load("allow b 10.0.0.0/8\nallow a 192.0.2.0/25\nport 587 25\n"
				"exception 198.51.100.7 probe \"x\"\n",
				&d);
	diag_clear(&d);

	assert_non_null(r1);
	assert_non_null(r2);
	assert_non_null(r3);
	assert_int_equal(strlen(rules_digest(r1)), 16);
	assert_int_equal(strspn(rules_digest(r1), "0123456789abcdef"), 16);
	assert_string_equal(rules_digest(r1), rules_digest(r2));
	assert_string_not_equal(rules_digest(r1), rules_digest(r3));

	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	assert_non_null(mem);
	rules_dump(r1, mem);
	fclose(mem);
	assert_non_null(strstr(text, "port 25 587\n"));
	assert_non_null(strstr(text, "exception 198.51.100.7/32 probe \"x\"\t# t.rules:4\n"));
	assert_non_null(strstr(text, "set a {\n\t192.0.2.0/24\t# t.rules:2\n}\n"));
	assert_non_null(strstr(text, "use a b\n"));
	/* the dump is a rules file with the same digest */
	struct rules *r4 = load(text, &d);
	assert_non_null(r4);
	assert_int_equal(d.errors + d.warnings, 0);
	assert_string_equal(rules_digest(r4), rules_digest(r1));
	free(text);

	assert_int_equal(rules_count(r1), 3);
	struct lw_addr net;
	unsigned plen;
	struct rule_ref ref;
	rules_entry(r1, 0, &net, &plen, &ref);
	assert_int_equal(ref.cls, CLASS_EXCEPTION);
	assert_int_equal(plen, 32);
	rules_entry(r1, 1, &net, &plen, &ref);
	assert_string_equal(ref.set, "a");
	assert_int_equal(plen, 24);
	assert_true(rules_memory(r1) > 0);

	rules_free(r1);
	rules_free(r2);
	rules_free(r3);
	rules_free(r4);
	diag_clear(&d);
	rules_free(NULL);
}

/* ---- includes: files in a temporary directory ---------------------------- */

static char tmpdir[64];

static void put_file(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lw-rules-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct rules *load_path(const char *name, struct diag *d)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	diag_init(d);
	return rules_load_file(path, d);
}

static void test_include(void **state)
{
	(void)state;
	struct diag d;
	struct rule_ref ref;
	char want[512];

	put_file("regions.rules", "set eu { 195.130.217.0/24 }\n"
				  "include \"sub/us.rules\"\n");
	char sub[128];
	snprintf(sub, sizeof(sub), "mkdir -p '%s/sub'", tmpdir);
	assert_int_equal(system(sub), 0);
	put_file("sub/us.rules", "# US\nset us {\n  205.139.110.0/24\n}\n");
	put_file("site.rules", "include regions.rules\ninclude \"regions.rules\"  # read once\n"
			       "use us\n");
	struct rules *r = load_path("site.rules", &d);
	dump_diag(&d);
	assert_non_null(r);
	assert_int_equal(d.errors + d.warnings, 0);
	struct lw_addr a = A("205.139.110.61");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "us");
	snprintf(want, sizeof(want), "%s/sub/us.rules", tmpdir);
	assert_string_equal(ref.file, want);
	assert_int_equal(ref.line, 3);
	a = A("195.130.217.1");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_OUTSIDE);
	rules_free(r);
	diag_clear(&d);
}

static void test_include_errors(void **state)
{
	(void)state;
	struct diag d;
	char want[512];

	/* unreadable */
	put_file("missing.rules", "allow a 10.0.0.0/8\n\ninclude \"nope.rules\"\n");
	struct rules *r = load_path("missing.rules", &d);
	assert_null(r);
	snprintf(want, sizeof(want),
		 "%s/missing.rules:3:9: error: cannot read include '%s/nope.rules': No such "
		 "file or directory",
		 tmpdir, tmpdir);
	assert_msg(&d, want);
	assert_int_equal(d.errors, 1);
	diag_clear(&d);

	/* cycle: a -> b -> a */
	put_file("cyc-a.rules", "include cyc-b.rules\n");
	put_file("cyc-b.rules", "allow x 10.0.0.0/8\ninclude cyc-a.rules\n");
	r = load_path("cyc-a.rules", &d);
	assert_null(r);
	snprintf(want, sizeof(want),
		 "%s/cyc-b.rules:2:9: error: include cycle: 'cyc-a.rules' (%s/cyc-a.rules -> "
		 "%s/cyc-b.rules -> %s/cyc-a.rules)",
		 tmpdir, tmpdir, tmpdir, tmpdir);
	assert_msg(&d, want);
	assert_int_equal(d.errors, 1);
	diag_clear(&d);

	/* self include */
	put_file("self.rules", "include self.rules\n");
	r = load_path("self.rules", &d);
	assert_null(r);
	assert_int_equal(d.errors, 1);
	diag_clear(&d);

	/* too deep: d0 includes d1 ... d9 */
	for (int i = 0; i < 10; i++) {
		char name[32], text[64];
		snprintf(name, sizeof(name), "d%d.rules", i);
		snprintf(text, sizeof(text), "include d%d.rules\n", i + 1);
		put_file(name, text);
	}
	put_file("d10.rules", "allow a 10.0.0.0/8\n");
	r = load_path("d0.rules", &d);
	assert_null(r);
	snprintf(want, sizeof(want),
		 "%s/d8.rules:1:9: error: include 'd9.rules' nested too deeply (limit 8)", tmpdir);
	assert_msg(&d, want);
	assert_int_equal(d.errors, 1);
	diag_clear(&d);
	/* eight levels below the top are fine */
	r = load_path("d2.rules", &d);
	assert_non_null(r);
	rules_free(r);
	diag_clear(&d);

	/* errors inside an included file name that file */
	put_file("bad-inner.rules", "set x {\n  10.0.0.0/40\n}\n");
	put_file("bad-outer.rules", "include bad-inner.rules\nuse x\nfrob\n");
	r = load_path("bad-outer.rules", &d);
	assert_null(r);
	snprintf(want, sizeof(want),
		 "%s/bad-inner.rules:2:3: error: bad prefix length '40' in '10.0.0.0/40' (IPv4 "
		 "allows 0..32)",
		 tmpdir);
	assert_msg(&d, want);
	snprintf(want, sizeof(want), "%s/bad-outer.rules:3:1: error: unknown keyword 'frob'",
		 tmpdir);
	assert_msg(&d, want);
	assert_int_equal(d.errors, 2);
	diag_clear(&d);

	/* top-level file missing */
	r = load_path("absent.rules", &d);
	assert_null(r);
	snprintf(want, sizeof(want),
		 "%s/absent.rules: error: cannot read rules file: No such file or directory",
		 tmpdir);
	assert_msg(&d, want);
	diag_clear(&d);
}

/* ---- shipped files -------------------------------------------------------- */

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : ".";
}

static unsigned line_of(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	unsigned line = 0;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		line++;
		if (strstr(buf, needle) && buf[strspn(buf, " \t")] != '#') {
			fclose(f);
			return line;
		}
	}
	fclose(f);
	return 0;
}

static struct rules *load_shipped(const char *name, struct diag *d)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/rules/%s", srcdir(), name);
	diag_init(d);
	struct rules *r = rules_load_file(path, d);
	dump_diag(d);
	return r;
}

static void test_shipped_files_load(void **state)
{
	(void)state;
	static const char *const files[] = {
	    "mimecast-eu.rules",  "mimecast-de.rules",	    "mimecast-us.rules",
	    "mimecast-ca.rules",  "mimecast-za.rules",	    "mimecast-au.rules",
	    "mimecast-all.rules", "mimecast-lowconf.rules", "site.example.rules",
	    "sample.rules",
	};
	struct diag d;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct rules *r = load_shipped(files[i], &d);
		if (!r || d.errors || d.warnings)
			fail_msg("%s: %u errors, %u warnings", files[i], d.errors, d.warnings);
		rules_free(r);
		diag_clear(&d);
	}
}

static void test_shipped_classify(void **state)
{
	(void)state;
	struct diag d;
	struct rule_ref ref;
	char path[512];
	struct rules *r = load_shipped("mimecast-all.rules", &d);

	assert_non_null(r);
	struct lw_addr a = A("205.139.110.61");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "mimecast-us");
	snprintf(path, sizeof(path), "%s/rules/mimecast-us.rules", srcdir());
	assert_string_equal(ref.file, path);
	assert_int_equal(ref.line, line_of(path, "205.139.110.0/24"));
	assert_string_equal(ref.prefix, "205.139.110.0/24");

	/* one observed delivery IP per region */
	static const struct {
		const char *ip, *set;
	} obs[] = {
	    {"185.58.85.151", "mimecast-eu"},  {"62.140.7.102", "mimecast-de"},
	    {"170.10.133.124", "mimecast-us"}, {"170.10.145.1", "mimecast-ca"},
	    {"41.74.205.57", "mimecast-za"},   {"180.189.28.108", "mimecast-au"},
	};
	for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
		a = A(obs[i].ip);
		assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
		assert_string_equal(ref.set, obs[i].set);
	}
	/* not Mimecast despite some public lists; and US B grid is low confidence */
	a = A("91.220.43.1");
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_OUTSIDE);
	a = A("170.10.151.120");
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_OUTSIDE);
	rules_free(r);
	diag_clear(&d);

	/* region files alone define sets without putting them in force */
	r = load_shipped("mimecast-us.rules", &d);
	assert_non_null(r);
	a = A("205.139.110.61");
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_OUTSIDE);
	assert_true(rules_match_defined(r, &a, &ref));
	assert_string_equal(ref.set, "mimecast-us");
	rules_free(r);
	diag_clear(&d);

	r = load_shipped("mimecast-lowconf.rules", &d);
	assert_non_null(r);
	a = A("170.10.151.120");
	assert_true(rules_match_defined(r, &a, &ref));
	assert_string_equal(ref.set, "mimecast-usb-lowconf");
	a = A("213.167.81.36");
	assert_true(rules_match_defined(r, &a, &ref));
	assert_string_equal(ref.set, "mimecast-offshore-lowconf");
	rules_free(r);
	diag_clear(&d);

	r = load_shipped("sample.rules", &d);
	assert_non_null(r);
	a = A("195.130.217.10");
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_ALLOWED);
	a = A("205.139.110.10");
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_ALLOWED);
	/* the sample's mail host is 192.0.2.25; its backup MX is .50 */
	a = A("192.0.2.50");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_EXCEPTION);
	assert_string_equal(ref.label, "backup-mx");
	a = A("192.0.2.25");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_OUTSIDE);
	rules_free(r);
	diag_clear(&d);

	r = load_shipped("site.example.rules", &d);
	assert_non_null(r);
	a = A("195.130.217.10");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_ALLOWED);
	assert_string_equal(ref.set, "mimecast-eu");
	a = A("205.139.110.61");
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_OUTSIDE);
	rules_free(r);
	diag_clear(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allow_minimal),
	    cmocka_unit_test(test_ports_servers),
	    cmocka_unit_test(test_errors_collected),
	    cmocka_unit_test(test_sets_and_use),
	    cmocka_unit_test(test_set_errors),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_exception_equal_to_allowed),
	    cmocka_unit_test(test_digest_and_dump),
	    cmocka_unit_test(test_include),
	    cmocka_unit_test(test_include_errors),
	    cmocka_unit_test(test_shipped_files_load),
	    cmocka_unit_test(test_shipped_classify),
	};

	return cmocka_run_group_tests_name("rules", tests, make_tmpdir, remove_tmpdir);
}
