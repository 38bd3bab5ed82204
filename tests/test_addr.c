/* Unit tests: address parsing, formatting, IPv4-mapped folding, ordering. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "common/addr.h"

static void test_parse_format_v4(void **state)
{
	struct lw_addr a;
	char buf[LW_ADDR_STRLEN];

	(void)state;
	assert_int_equal(addr_parse("203.0.113.7", &a), 0);
	assert_int_equal(a.family, LW_AF_INET);
	assert_int_equal(a.bytes[0], 203);
	assert_int_equal(a.bytes[3], 7);
	assert_int_equal(a.bytes[4], 0);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "203.0.113.7");
	assert_int_equal(addr_bits(&a), 32);
}

/* IPv4 is formatted by hand: it must read as inet_ntop's, every octet
 * value in every position. */
static void test_format_v4_as_inet_ntop(void **state)
{
	struct lw_addr a;
	char got[LW_ADDR_STRLEN], want[INET_ADDRSTRLEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.family = LW_AF_INET;
	for (int pos = 0; pos < 4; pos++)
		for (unsigned v = 0; v < 256; v++) {
			memset(a.bytes, (int)(pos * 61 + 7), 4);
			a.bytes[pos] = (uint8_t)v;
			inet_ntop(AF_INET, a.bytes, want, sizeof(want));
			assert_string_equal(addr_format(&a, got, sizeof(got)), want);
		}
	/* a buffer too small for the longest address gets inet_ntop's answer */
	a.bytes[0] = 255;
	assert_string_equal(addr_format(&a, got, 8), "");
}

static void test_parse_format_v6(void **state)
{
	struct lw_addr a;
	char buf[LW_ADDR_STRLEN];

	(void)state;
	assert_int_equal(addr_parse("2001:DB8:0:0::25", &a), 0);
	assert_int_equal(a.family, LW_AF_INET6);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "2001:db8::25");
	assert_int_equal(addr_bits(&a), 128);
}

static void test_v4_mapped_folds(void **state)
{
	struct lw_addr a, b;

	(void)state;
	assert_int_equal(addr_parse("::ffff:198.51.100.7", &a), 0);
	assert_int_equal(addr_parse("198.51.100.7", &b), 0);
	assert_int_equal(a.family, LW_AF_INET);
	assert_true(addr_equal(&a, &b));
}

static void test_reject_garbage(void **state)
{
	struct lw_addr a;
	static const char *const bad[] = {"",	 "1.2.3",	 "1.2.3.256", "1.2.3.4/24",
					  "::g", "203.0.113.7 ", "localhost"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(addr_parse(bad[i], &a), -1);
}

static void test_compare_orders_families(void **state)
{
	struct lw_addr v4a, v4b, v6;

	(void)state;
	addr_parse("10.0.0.1", &v4a);
	addr_parse("10.0.0.2", &v4b);
	addr_parse("::1", &v6);
	assert_true(addr_compare(&v4a, &v4b) < 0);
	assert_true(addr_compare(&v4b, &v4a) > 0);
	assert_true(addr_compare(&v4b, &v6) < 0);
	assert_int_equal(addr_compare(&v6, &v6), 0);
	assert_false(addr_equal(&v4a, &v4b));
}

static void test_mask(void **state)
{
	struct lw_addr a;
	char buf[LW_ADDR_STRLEN];

	(void)state;
	addr_parse("203.0.113.77", &a);
	addr_mask(&a, 31);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "203.0.113.76");
	addr_parse("203.0.113.77", &a);
	addr_mask(&a, 32);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "203.0.113.77");
	addr_mask(&a, 20);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "203.0.112.0");
	addr_mask(&a, 0);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "0.0.0.0");
	addr_parse("2001:db8:ffff::ff", &a);
	addr_mask(&a, 127);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "2001:db8:ffff::fe");
	addr_mask(&a, 36);
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "2001:db8:f000::");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_format_v4),	    cmocka_unit_test(test_parse_format_v6),
	    cmocka_unit_test(test_v4_mapped_folds),	    cmocka_unit_test(test_reject_garbage),
	    cmocka_unit_test(test_compare_orders_families), cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_format_v4_as_inet_ntop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
