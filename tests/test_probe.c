/* Unit tests: the probe's SMTP reply parser (multi-line, enhanced status
 * codes, bounds, garbage), its verdicts per target and overall, and the
 * MX/A answer parser on hand-built DNS messages. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dns/records.h"
#include "probe/judge.h"
#include "probe/smtp_dialog.h"

static int feed(struct smtp_reply_acc *acc, const char *line)
{
	return smtp_reply_line(acc, line, strlen(line));
}

static void test_single_line(void **state)
{
	struct probe_reply r;
	struct smtp_reply_acc acc;

	(void)state;
	smtp_reply_begin(&acc, &r);
	assert_int_equal(feed(&acc, "550 5.7.1 <postmaster@example.com>: Client host rejected"), 1);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.enhanced, "5.7.1");
	assert_string_equal(r.text, "5.7.1 <postmaster@example.com>: Client host rejected");
	/* a bare code is a whole reply */
	smtp_reply_begin(&acc, &r);
	assert_int_equal(feed(&acc, "250"), 1);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.enhanced, "");
}

static void test_multi_line(void **state)
{
	struct probe_reply r;
	struct smtp_reply_acc acc;

	(void)state;
	smtp_reply_begin(&acc, &r);
	assert_int_equal(feed(&acc, "250-mx.example.com"), 0);
	assert_int_equal(feed(&acc, "250-PIPELINING"), 0);
	assert_int_equal(feed(&acc, "250 8BITMIME"), 1);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.text, "mx.example.com PIPELINING 8BITMIME");
	/* a code that changes inside one reply is not SMTP */
	smtp_reply_begin(&acc, &r);
	assert_int_equal(feed(&acc, "250-a"), 0);
	assert_int_equal(feed(&acc, "251 b"), -1);
}

static void test_garbage_and_bounds(void **state)
{
	struct probe_reply r;
	struct smtp_reply_acc acc;
	char long_line[2000];

	(void)state;
	const char *bad[] = {
	    "", "HTTP/1.1 400 Bad Request", "25", "2500 x", "199 x", "600 x", "abc", "250x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smtp_reply_begin(&acc, &r);
		assert_int_equal(feed(&acc, bad[i]), -1);
	}
	/* too many lines */
	smtp_reply_begin(&acc, &r);
	for (int i = 0; i < PROBE_REPLY_LINES; i++)
		assert_int_equal(feed(&acc, "250-x"), 0);
	assert_int_equal(feed(&acc, "250-x"), -1);
	/* text cut to the bound, control bytes shown as '?' */
	memset(long_line, 'a', sizeof(long_line));
	memcpy(long_line, "554 \x01", 5);
	long_line[sizeof(long_line) - 1] = '\0';
	smtp_reply_begin(&acc, &r);
	assert_int_equal(feed(&acc, long_line), 1);
	assert_int_equal(strlen(r.text), PROBE_REPLY_TEXT_MAX - 1);
	assert_int_equal(r.text[0], '?');
}

static void test_enhanced(void **state)
{
	char b[16];

	(void)state;
	smtp_enhanced(554, "5.7.1 rejected", b, sizeof(b));
	assert_string_equal(b, "5.7.1");
	smtp_enhanced(550, "5.1.1", b, sizeof(b));
	assert_string_equal(b, "5.1.1");
	smtp_enhanced(450, "4.7.1 try later", b, sizeof(b));
	assert_string_equal(b, "4.7.1");
	smtp_enhanced(550, "4.7.1 class differs from the code", b, sizeof(b));
	assert_string_equal(b, "");
	smtp_enhanced(550, "5.7 too short", b, sizeof(b));
	assert_string_equal(b, "");
	smtp_enhanced(550, "5.7.1000 too long", b, sizeof(b));
	assert_string_equal(b, "");
	smtp_enhanced(550, "No such user", b, sizeof(b));
	assert_string_equal(b, "");
}

static struct probe_target accepted(void)
{
	struct probe_target t;

	memset(&t, 0, sizeof(t));
	addr_parse("192.0.2.25", &t.addr);
	t.port = 25;
	t.tcp = PROBE_TCP_ACCEPTED;
	t.decided = -1;
	return t;
}

static void add(struct probe_target *t, enum probe_stage st, const char *cmd, unsigned code,
		const char *enh)
{
	struct probe_reply *r = &t->replies[t->n_replies++];
	r->stage = st;
	r->command = cmd;
	r->code = code;
	snprintf(r->enhanced, sizeof(r->enhanced), "%s", enh);
	t->stage = st;
}

static void test_judge_tcp(void **state)
{
	struct probe_target t = accepted();

	(void)state;
	probe_judge_target(&t, PROBE_LEVEL_TCP, false);
	assert_int_equal(t.verdict, VERDICT_NOT_EFFECTIVE);
	const enum probe_tcp eff[] = {PROBE_TCP_REFUSED, PROBE_TCP_REJECTED, PROBE_TCP_UNANSWERED};
	for (size_t i = 0; i < 3; i++) {
		t.tcp = eff[i];
		probe_judge_target(&t, PROBE_LEVEL_TCP, false);
		assert_int_equal(t.verdict, VERDICT_EFFECTIVE);
	}
	t.tcp = PROBE_TCP_UNANSWERED;
	probe_judge_target(&t, PROBE_LEVEL_TCP, false);
	assert_non_null(strstr(t.reason, "dropped, or the host is down"));
	/* our own firewall is never the target's answer */
	t.tcp = PROBE_TCP_LOCAL;
	probe_judge_target(&t, PROBE_LEVEL_TCP, false);
	assert_int_equal(t.verdict, VERDICT_INCONCLUSIVE);
	/* at the TCP level an SMTP refusal changes nothing: the port is open */
	t = accepted();
	add(&t, PROBE_STAGE_BANNER, "banner", 554, "5.7.1");
	probe_judge_target(&t, PROBE_LEVEL_TCP, false);
	assert_int_equal(t.verdict, VERDICT_NOT_EFFECTIVE);
}

static void test_judge_smtp(void **state)
{
	struct probe_target t;

	(void)state;
	/* refusal about the client at RCPT: effective, and that reply decided */
	t = accepted();
	add(&t, PROBE_STAGE_BANNER, "banner", 220, "");
	add(&t, PROBE_STAGE_EHLO, "EHLO", 250, "");
	add(&t, PROBE_STAGE_MAIL, "MAIL FROM", 250, "2.1.0");
	add(&t, PROBE_STAGE_RCPT, "RCPT TO", 554, "5.7.1");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_EFFECTIVE);
	assert_int_equal(t.decided, 3);
	/* 554 greeting without an enhanced code */
	t = accepted();
	add(&t, PROBE_STAGE_BANNER, "banner", 554, "");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_EFFECTIVE);
	/* unknown user: about the request */
	t = accepted();
	add(&t, PROBE_STAGE_BANNER, "banner", 220, "");
	add(&t, PROBE_STAGE_RCPT, "RCPT TO", 550, "5.1.1");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(t.reason, "about the request"));
	/* no enhanced code: nothing tells it is the lockdown */
	t = accepted();
	add(&t, PROBE_STAGE_RCPT, "RCPT TO", 550, "");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_INCONCLUSIVE);
	/* greylisting */
	t = accepted();
	add(&t, PROBE_STAGE_RCPT, "RCPT TO", 450, "4.7.1");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(t.reason, "4xx"));
	/* recipient accepted, no --send */
	t = accepted();
	add(&t, PROBE_STAGE_RCPT, "RCPT TO", 250, "2.1.5");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(t.reason, "--send"));
	/* refused after DATA: effective */
	add(&t, PROBE_STAGE_DATA, "DATA", 354, "");
	add(&t, PROBE_STAGE_MESSAGE, "end of data", 550, "5.7.1");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, true);
	assert_int_equal(t.verdict, VERDICT_EFFECTIVE);
	/* message accepted */
	t.replies[2].code = 250;
	snprintf(t.replies[2].enhanced, sizeof(t.replies[2].enhanced), "2.0.0");
	t.sent = true;
	probe_judge_target(&t, PROBE_LEVEL_SMTP, true);
	assert_int_equal(t.verdict, VERDICT_NOT_EFFECTIVE);
	/* EHLO 502 then HELO accepted: the fallback is no refusal */
	t = accepted();
	add(&t, PROBE_STAGE_BANNER, "banner", 220, "");
	add(&t, PROBE_STAGE_EHLO, "EHLO", 502, "5.5.1");
	add(&t, PROBE_STAGE_EHLO, "HELO", 250, "");
	add(&t, PROBE_STAGE_MAIL, "MAIL FROM", 250, "");
	add(&t, PROBE_STAGE_RCPT, "RCPT TO", 550, "5.7.1");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_EFFECTIVE);
	/* a stall */
	t = accepted();
	add(&t, PROBE_STAGE_BANNER, "banner", 220, "");
	t.end = PROBE_END_TIMEOUT;
	snprintf(t.end_detail, sizeof(t.end_detail), "no complete reply to EHLO");
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(t.reason, "broke off"));
	/* port closed is a lockdown at the SMTP level too */
	t = accepted();
	t.tcp = PROBE_TCP_REFUSED;
	probe_judge_target(&t, PROBE_LEVEL_SMTP, false);
	assert_int_equal(t.verdict, VERDICT_EFFECTIVE);
}

static void test_overall(void **state)
{
	struct probe_target t[3];
	char reason[256];

	(void)state;
	for (int i = 0; i < 3; i++) {
		t[i] = accepted();
		t[i].verdict = VERDICT_EFFECTIVE;
		snprintf(t[i].reason, sizeof(t[i].reason), "fine");
	}
	assert_int_equal(
	    probe_judge_overall(t, 3, false, VERDICT_EFFECTIVE, "", reason, sizeof(reason)),
	    VERDICT_EFFECTIVE);
	t[1].verdict = VERDICT_INCONCLUSIVE;
	t[2].verdict = VERDICT_NOT_EFFECTIVE;
	snprintf(t[2].reason, sizeof(t[2].reason), "open");
	assert_int_equal(
	    probe_judge_overall(t, 3, false, VERDICT_EFFECTIVE, "", reason, sizeof(reason)),
	    VERDICT_NOT_EFFECTIVE);
	assert_string_equal(reason, "192.0.2.25 port 25: open");
	/* the MX half decides when it is worse */
	t[2].verdict = VERDICT_EFFECTIVE;
	assert_int_equal(
	    probe_judge_overall(t, 3, true, VERDICT_NOT_EFFECTIVE, "door", reason, sizeof(reason)),
	    VERDICT_NOT_EFFECTIVE);
	assert_string_equal(reason, "MX: door");
	assert_int_equal(
	    probe_judge_overall(NULL, 0, true, VERDICT_UNPROVEN, "null MX", reason, sizeof(reason)),
	    VERDICT_UNPROVEN);
}

/* A response to "MX example.com" with the given answer records. */
static size_t dns_msg(uint8_t *m, unsigned rcode, const uint8_t *an, size_t anlen, unsigned ancount)
{
	static const uint8_t q[] = {7,	 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,
				    'c', 'o', 'm', 0,	0,   15,  0,   1};
	uint8_t h[12] = {0x12, 0x34, 0x81, (uint8_t)(0x80 | rcode), 0, 1, 0, (uint8_t)ancount, 0,
			 0,    0,    0};

	memcpy(m, h, 12);
	memcpy(m + 12, q, sizeof(q));
	if (anlen)
		memcpy(m + 12 + sizeof(q), an, anlen);
	return 12 + sizeof(q) + anlen;
}

static void test_dns_answers(void **state)
{
	uint8_t m[512];
	struct dns_answer a;
	char err[128];

	(void)state;
	/* MX 10 mx.example.com (compressed), then a null MX */
	static const uint8_t mx[] = {0xc0, 12, 0, 15,  0,   1,	  0,  0,    0,	60, 0,	7,
				     0,	   10, 2, 'm', 'x', 0xc0, 12, 0xc0, 12, 0,  15, 0,
				     1,	   0,  0, 0,   60,  0,	  3,  0,    0,	0};
	size_t n = dns_msg(m, 0, mx, sizeof(mx), 2);
	assert_int_equal(dns_answer_parse(m, n, 15, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n_mx, 2);
	assert_int_equal(a.mx[0].pref, 10);
	assert_string_equal(a.mx[0].exchange, "mx.example.com");
	assert_string_equal(a.mx[1].exchange, "");
	/* every cut of the message is an error or a shorter answer, never a crash */
	for (size_t cut = 0; cut < n; cut++)
		(void)dns_answer_parse(m, cut, 15, &a, err, sizeof(err));
	assert_int_equal(dns_answer_parse(m, n - 1, 15, &a, err, sizeof(err)), -1);
	/* an A record and an A of the wrong length */
	static const uint8_t arec[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 25};
	n = dns_msg(m, 0, arec, sizeof(arec), 1);
	assert_int_equal(dns_answer_parse(m, n, 1, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n_addrs, 1);
	char s[LW_ADDR_STRLEN];
	assert_string_equal(addr_format(&a.addrs[0], s, sizeof(s)), "192.0.2.25");
	static const uint8_t abad[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 3, 192, 0, 2};
	n = dns_msg(m, 0, abad, sizeof(abad), 1);
	assert_int_equal(dns_answer_parse(m, n, 1, &a, err, sizeof(err)), -1);
	/* NXDOMAIN */
	n = dns_msg(m, 3, NULL, 0, 0);
	assert_int_equal(dns_answer_parse(m, n, 15, &a, err, sizeof(err)), 0);
	assert_int_equal(a.rcode, 3);
	/* a CNAME and no MX */
	static const uint8_t cn[] = {0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 12};
	n = dns_msg(m, 0, cn, sizeof(cn), 1);
	assert_int_equal(dns_answer_parse(m, n, 15, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n_cname, 1);
	assert_string_equal(a.cname_last, "example.com");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_single_line),
	    cmocka_unit_test(test_multi_line),
	    cmocka_unit_test(test_garbage_and_bounds),
	    cmocka_unit_test(test_enhanced),
	    cmocka_unit_test(test_judge_tcp),
	    cmocka_unit_test(test_judge_smtp),
	    cmocka_unit_test(test_overall),
	    cmocka_unit_test(test_dns_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
