/* Unit tests: the watched servers set (analyzer/servers.h): lookups in a
 * sorted set with duplicates and both families, the direction of an
 * attempt under each origin, and equality for the swap that follows an
 * interface. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/hints.h"
#include "analyzer/servers.h"

static struct lw_addr A(const char *s) {
	struct lw_addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void
test_list(void **state)
{
	(void)state;
	struct lw_addr in[] = {A("2001:db8::25"), A("192.0.2.25"),	   A("198.51.100.1"),
			       A("192.0.2.25"),	  A("::ffff:203.0.113.9"), A("fe80::1")};
	struct servers *s = servers_new_list(SERVERS_INTERFACE, in, 6);

	assert_non_null(s);
	assert_int_equal(s->n, 5); /* the duplicate dropped */
	for (size_t i = 1; i < s->n; i++)
		assert_true(addr_compare(&s->addr[i - 1], &s->addr[i]) < 0);
	for (size_t i = 0; i < 6; i++)
		assert_true(servers_contains(s, &in[i]));
	struct lw_addr mapped = A("203.0.113.9"); /* IPv4-mapped is IPv4 */
	assert_true(servers_contains(s, &mapped));
	struct lw_addr other[] = {A("192.0.2.24"), A("192.0.2.26"), A("2001:db8::24"),
				  A("0.0.0.0"),	   A("::"),	    A("255.255.255.255")};
	for (size_t i = 0; i < 6; i++)
		assert_false(servers_contains(s, &other[i]));
	assert_false(servers_all(s));
	servers_free(s);
	servers_free(NULL);
}

static void test_direction(void **state)
{
	(void)state;
	struct lw_addr mx = A("192.0.2.25"), mx6 = A("2001:db8::25");
	struct lw_addr out = A("198.51.100.7"), remote = A("203.0.113.25");
	struct lw_addr both[] = {mx, mx6};
	struct servers *s = servers_new_list(SERVERS_INTERFACE, both, 2);

	/* to the host: judged; from it: its own mail; neither: not ours */
	assert_int_equal(servers_direction(s, &out, &mx), DIR_INBOUND);
	assert_int_equal(servers_direction(s, &out, &mx6), DIR_INBOUND);
	assert_int_equal(servers_direction(s, &mx, &remote), DIR_OUTBOUND);
	assert_int_equal(servers_direction(s, &mx6, &remote), DIR_OUTBOUND);
	assert_int_equal(servers_direction(s, &out, &remote), DIR_OTHER);
	/* the host to itself is to a watched server */
	assert_int_equal(servers_direction(s, &mx6, &mx), DIR_INBOUND);
	servers_free(s);

	/* nobody named a server, or `server any`: every destination */
	for (int o = SERVERS_NONE; o <= SERVERS_ANY; o++) {
		s = servers_new_all((enum servers_origin)o);
		assert_true(servers_all(s));
		assert_int_equal(servers_direction(s, &mx, &remote), DIR_INBOUND);
		assert_int_equal(servers_direction(s, &out, &remote), DIR_INBOUND);
		servers_free(s);
	}

	/* an interface without addresses watches nothing */
	s = servers_new_list(SERVERS_INTERFACE, NULL, 0);
	assert_non_null(s);
	assert_false(servers_all(s));
	assert_int_equal(servers_direction(s, &out, &mx), DIR_OTHER);
	servers_free(s);
}

static void test_equal_and_names(void **state)
{
	(void)state;
	struct lw_addr a[] = {A("192.0.2.25"), A("2001:db8::25")};
	struct lw_addr b[] = {A("2001:db8::25"), A("192.0.2.25")};
	struct lw_addr c[] = {A("2001:db8::25"), A("192.0.2.26")};
	struct servers *sa = servers_new_list(SERVERS_INTERFACE, a, 2);
	struct servers *sb = servers_new_list(SERVERS_INTERFACE, b, 2);
	struct servers *sc = servers_new_list(SERVERS_INTERFACE, c, 2);
	struct servers *sd = servers_new_list(SERVERS_RULES, a, 2);
	struct servers *se = servers_new_list(SERVERS_INTERFACE, a, 1);

	assert_true(servers_equal(sa, sb)); /* order in does not matter */
	assert_false(servers_equal(sa, sc));
	assert_false(servers_equal(sa, sd));
	assert_false(servers_equal(sa, se));
	servers_free(sa);
	servers_free(sb);
	servers_free(sc);
	servers_free(sd);
	servers_free(se);
	assert_string_equal(servers_origin_name(SERVERS_NONE), "none named");
	assert_string_equal(servers_origin_name(SERVERS_ANY), "any");
	assert_string_equal(servers_origin_name(SERVERS_RULES), "rules");
	assert_string_equal(servers_origin_name(SERVERS_OPTION), "--server");
	assert_string_equal(servers_origin_name(SERVERS_INTERFACE), "interface");
}

static void hint(struct hints *h, const char *src, const char *dst, enum outcome o,
		 enum src_class cls)
{
	struct attempt a;

	memset(&a, 0, sizeof(a));
	a.src = A(src);
	a.dst = A(dst);
	a.outcome = (uint8_t)o;
	a.replied = o != OUTCOME_UNANSWERED;
	hints_attempt(h, &a, cls);
}

static void test_probable_servers(void **state)
{
	(void)state;
	struct hints *h = calloc(1, sizeof(*h));
	struct hint_addr got[4];
	char buf[LW_ADDR_STRLEN];

	/* a flood of unanswered or refused SYNs remembers nothing */
	for (unsigned i = 0; i < 5000; i++) {
		struct attempt a;
		memset(&a, 0, sizeof(a));
		uint8_t b[4] = {203, 0, 113, (uint8_t)i};
		addr_set_ip4(&a.src, b);
		a.dst = A("192.0.2.25");
		a.outcome = (uint8_t)(i & 1 ? OUTCOME_REFUSED : OUTCOME_UNANSWERED);
		a.replied = i & 1;
		hints_attempt(h, &a, CLASS_OUTSIDE);
	}
	assert_int_equal(h->n_answered + h->n_opened, 0);

	/* the MX and a remote MX deliver to each other: alike on the wire */
	hint(h, "192.0.2.25", "198.51.100.25", OUTCOME_SMTP, CLASS_OUTSIDE);
	hint(h, "198.51.100.25", "192.0.2.25", OUTCOME_SMTP, CLASS_OUTSIDE);
	assert_int_equal(hints_probable(h, got, 4), 0);
	/* the gateway delivers to the MX: the MX answers others, the remote not */
	hint(h, "198.51.100.10", "192.0.2.25", OUTCOME_SMTP, CLASS_ALLOWED);
	assert_int_equal(hints_probable(h, got, 4), 1);
	assert_string_equal(addr_format(&got[0].addr, buf, sizeof(buf)), "192.0.2.25");
	assert_int_equal(got[0].n, 1);
	/* the gateway answering the MX's relayed mail is never a candidate */
	hint(h, "192.0.2.25", "198.51.100.10", OUTCOME_ACCEPTED, CLASS_OUTSIDE);
	assert_int_equal(hints_probable(h, got, 4), 1);
	assert_int_equal(got[0].n, 2);
	free(h);

	/* an outside sender the MX answered counts as the others too */
	h = calloc(1, sizeof(*h));
	hint(h, "2001:db8::25", "2001:db8:f::25", OUTCOME_ESTABLISHED, CLASS_OUTSIDE);
	hint(h, "2001:db8:113::7", "2001:db8::25", OUTCOME_ACCEPTED, CLASS_OUTSIDE);
	assert_int_equal(hints_probable(h, got, 4), 1);
	assert_string_equal(addr_format(&got[0].addr, buf, sizeof(buf)), "2001:db8::25");
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_direction),
	    cmocka_unit_test(test_equal_and_names),
	    cmocka_unit_test(test_probable_servers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
