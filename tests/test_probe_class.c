/* Tests for the probe class (issue 14, item 5): the rules directive
 * `probe PREFIX LABEL` with its errors named file:line:col, the normalised
 * dump and digest, the firewall export leaving the probe blocked, and the
 * verdict counting the probe's attempts with the outside ones. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/verdict.h"
#include "rules/firewall.h"
#include "rules/rules.h"
#include "tests/rules_fx.h"

static void assert_msg(const struct diag *d, const char *text)
{
	if (has_msg(d, text))
		return;
	for (size_t i = 0; i < d->n; i++)
		print_message("# diag: %s\n", d->msgs[i].text);
	fail_msg("missing diagnostic: %s", text);
}

static char *capture(const struct rules *r, bool dump)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	assert_non_null(mem);
	if (dump)
		rules_dump(r, mem);
	else
		firewall_export(r, "t.rules", FIREWALL_NFT, false, mem);
	fclose(mem);
	return text;
}

static void test_directive_classifies(void **state)
{
	(void)state;
	struct diag d;
	struct rule_ref ref;
	struct rules *r = load("allow gw 192.0.2.0/24\n"
			       "probe 203.0.113.9 vantage-a\n"
			       "probe 2001:db8:99::/48 vantage-b\n"
			       "exception 198.51.100.7 probe\n", /* still a valid label */
			       &d);

	assert_non_null(r);
	assert_int_equal(d.errors, 0);
	assert_int_equal(rules_probe_count(r), 2);
	struct lw_addr a = A("203.0.113.9");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_PROBE);
	assert_int_equal(ref.cls, CLASS_PROBE);
	assert_string_equal(ref.label, "vantage-a");
	assert_string_equal(ref.prefix, "203.0.113.9");
	assert_string_equal(ref.file, "t.rules");
	assert_int_equal(ref.line, 2);
	a = A("2001:db8:99::25");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_PROBE);
	assert_string_equal(ref.label, "vantage-b");
	a = A("::ffff:203.0.113.9"); /* IPv4-mapped matches as IPv4 */
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_PROBE);
	a = A("203.0.113.10");
	assert_int_equal(rules_classify(r, &a, NULL), CLASS_OUTSIDE);
	a = A("198.51.100.7");
	assert_int_equal(rules_classify(r, &a, &ref), CLASS_EXCEPTION);
	assert_string_equal(ref.label, "probe");
	assert_string_equal(class_name(CLASS_PROBE), "probe");
	assert_true(class_judged_outside(CLASS_PROBE));
	assert_true(class_judged_outside(CLASS_OUTSIDE));
	assert_false(class_judged_outside(CLASS_EXCEPTION));
	rules_free(r);
	diag_clear(&d);
}

static void test_directive_errors(void **state)
{
	(void)state;
	struct diag d;
	struct rules *r = load("probe\n"
			       "probe 203.0.113.9\n"
			       "probe 203.0.113.9 a b\n"
			       "probe 300.1.2.3 a\n"
			       "probe 203.0.113.0/33 a\n"
			       "probe 203.0.113.9 bad/label\n"
			       "probe 203.0.113.9 \"quoted\"\n"
			       "set gw {\n"
			       "  192.0.2.0/24\n"
			       "probe 203.0.113.9 late\n",
			       &d);

	assert_null(r);
	assert_msg(&d, "t.rules:1:1: error: 'probe' needs a prefix and a label");
	assert_msg(&d, "t.rules:2:1: error: 'probe' needs a prefix and a label");
	assert_msg(&d, "t.rules:3:21: error: unexpected 'b' after the probe's label");
	assert_msg(&d, "t.rules:4:7: error: bad address '300.1.2.3'");
	assert_msg(&d, "t.rules:5:7: error: bad prefix length '33' in '203.0.113.0/33' "
		       "(IPv4 allows 0..32)");
	assert_msg(&d, "t.rules:6:19: error: bad label name 'bad/label'");
	assert_msg(&d, "t.rules:7:19: error: bad label name 'quoted'");
	assert_msg(&d, "t.rules:10:1: error: missing '}' before 'probe': set 'gw' opened at "
		       "t.rules:8");
	diag_clear(&d);
}

static void test_dump_and_digest(void **state)
{
	(void)state;
	struct diag d;
	struct rules *r1 = load("allow gw 192.0.2.0/24\nprobe 203.0.113.9 vantage-a\n", &d);
	diag_clear(&d);
	struct rules *r2 = load("allow gw 192.0.2.0/24\nexception 203.0.113.9 vantage-a\n", &d);
	diag_clear(&d);

	assert_non_null(r1);
	assert_non_null(r2);
	/* a probe is not an exception: the rules differ */
	assert_string_not_equal(rules_digest(r1), rules_digest(r2));
	char *text = capture(r1, true);
	assert_non_null(strstr(text, "probe 203.0.113.9/32 vantage-a\t# t.rules:2\n"));
	/* the dump is a rules file with the same digest */
	struct rules *r3 = load(text, &d);
	assert_non_null(r3);
	assert_string_equal(rules_digest(r1), rules_digest(r3));
	assert_int_equal(rules_probe_count(r3), 1);
	free(text);
	rules_free(r1);
	rules_free(r2);
	rules_free(r3);
	diag_clear(&d);
}

static void test_firewall_blocks_probe(void **state)
{
	(void)state;
	struct diag d;
	struct rules *r = load("allow gw 192.0.2.0/24\nexception 198.51.100.7 relay\n"
			       "probe 203.0.113.9 vantage-a\n",
			       &d);

	assert_non_null(r);
	char *text = capture(r, false);
	assert_non_null(strstr(text, "192.0.2.0/24"));
	assert_non_null(strstr(text, "198.51.100.7/32"));
	assert_null(strstr(text, "203.0.113.9"));
	free(text);
	rules_free(r);
	diag_clear(&d);
}

static void test_verdict_counts_probe_as_outside(void **state)
{
	(void)state;
	struct verdict_input in;
	char reason[512];

	/* only the probe tried, all refused, replies seen: judged, not unproven */
	memset(&in, 0, sizeof(in));
	in.totals[CLASS_ALLOWED].attempts = 2;
	in.totals[CLASS_ALLOWED].replied = 2;
	in.totals[CLASS_ALLOWED].outcome[OUTCOME_SMTP] = 2;
	in.totals[CLASS_PROBE].attempts = 3;
	in.totals[CLASS_PROBE].replied = 3;
	in.totals[CLASS_PROBE].sources = 1;
	in.totals[CLASS_PROBE].outcome[OUTCOME_REFUSED] = 3;
	assert_int_equal(verdict_decide(&in, reason, sizeof(reason)), VERDICT_EFFECTIVE);
	assert_non_null(strstr(reason, "All 3 outside attempt(s) from 1 source(s)"));

	/* the probe reached the server: the lockdown is not effective */
	in.totals[CLASS_PROBE].outcome[OUTCOME_REFUSED] = 2;
	in.totals[CLASS_PROBE].outcome[OUTCOME_ESTABLISHED] = 1;
	in.reached_outside_sources = 1;
	assert_int_equal(verdict_decide(&in, reason, sizeof(reason)), VERDICT_NOT_EFFECTIVE);

	/* an exception alone is still nothing to judge by */
	memset(&in, 0, sizeof(in));
	in.totals[CLASS_EXCEPTION].attempts = 1;
	in.totals[CLASS_EXCEPTION].replied = 1;
	assert_int_equal(verdict_decide(&in, reason, sizeof(reason)), VERDICT_UNPROVEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_directive_classifies),
	    cmocka_unit_test(test_directive_errors),
	    cmocka_unit_test(test_dump_and_digest),
	    cmocka_unit_test(test_firewall_blocks_probe),
	    cmocka_unit_test(test_verdict_counts_probe_as_outside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
