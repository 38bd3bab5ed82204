/* A batch that landed while the server refused some of its commands that
 * concern no single source (a series hash, the indexes, a day's
 * HyperLogLog), against a real redis-server the test starts: every
 * refused key is named (the store's error names the first, its notice
 * each), the attempts a refused series held are counted as lost, once
 * for the series of all sensors and this sensor's, and reach the
 * sensor's `lost`; what was not refused is stored. A refusal before
 * EXEC names its key too. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/store_fx.h"

/* one() writes at 2026-11-02 09:00 UTC plus seconds */
#define HOUR "2026110209"
#define DAY  "20261102"

static void set_string(redisContext *c, const char *key)
{
	redisReply *r = redisCommand(c, "SET %s not-what-lockwatch-writes", key);

	assert_non_null(r);
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
}

static void expect_in(const char *what, const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("%s \"%s\" does not say \"%s\"", what, text, part);
}

/* Three attempts from two outside sources in one hour. */
static struct store_batch *three_attempts(struct aggregate *ag)
{
	one(ag, "203.0.113.1", 1, OUTCOME_REFUSED, CLASS_OUTSIDE);
	one(ag, "203.0.113.1", 2, OUTCOME_REFUSED, CLASS_OUTSIDE);
	one(ag, "203.0.113.2", 3, OUTCOME_UNANSWERED, CLASS_OUTSIDE);
	return take(ag);
}

/* The hour's series for all sensors refuses its HINCRBYs: its 3 attempts
 * are lost there (this sensor's series and the sources have them). */
static void test_series_refused(void **state)
{
	(void)state;
	redisContext *c = control();
	struct aggregate *ag = aggregate_new(1000);
	struct store *s = open_store("rs1:", STORE_MAX_PENDING_DEFAULT);

	set_string(c, "rs1:series:" HOUR);
	aggregate_track_changes(ag);
	assert_int_equal(store_flush_batch(s, three_attempts(ag)), -1);
	assert_int_equal(s->err, STORE_ERR_REPLY);
	expect_in("error", s->errstr, "key rs1:series:" HOUR " holds the wrong kind of value");
	assert_int_equal(s->lost, 3);
	assert_true(s->notice_new);
	assert_true(s->notice_lost);
	expect_in("notice", s->notice,
		  "refused in a batch that landed, 3 attempt(s) counted as lost: rs1:series:" HOUR
		  " (WRONGTYPE)");
	assert_null(s->pending); /* landed: not sent again */
	flush_all(s);
	assert_int_equal(hget_int(c, "rs1:sensor:t1", "lost"), 3);
	assert_int_equal(hget_int(c, "rs1:series:" HOUR ":t1", "outside:attempts"), 3);
	assert_int_equal(hget_int(c, "rs1:src:203.0.113.1", "attempts"), 2);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* Both series of the hour refuse: the same 3 attempts, lost once; both
 * keys named. */
static void test_both_series_refused(void **state)
{
	(void)state;
	redisContext *c = control();
	struct aggregate *ag = aggregate_new(1000);
	struct store *s = open_store("rs2:", STORE_MAX_PENDING_DEFAULT);

	set_string(c, "rs2:series:" HOUR);
	set_string(c, "rs2:series:" HOUR ":t1");
	aggregate_track_changes(ag);
	assert_int_equal(store_flush_batch(s, three_attempts(ag)), -1);
	assert_int_equal(s->lost, 3);
	expect_in("notice", s->notice,
		  "3 attempt(s) counted as lost: rs2:series:" HOUR " (WRONGTYPE), rs2:series:" HOUR
		  ":t1 (WRONGTYPE)");
	flush_all(s);
	assert_int_equal(hget_int(c, "rs2:sensor:t1", "lost"), 3);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* The indexes and the day's HyperLogLog refuse (PFADD of the sources,
 * PFMERGE of folded ones' registers): every count is in the series and
 * the sources' hashes, nothing is counted as lost, but every refused key
 * is said, the day once. */
static void test_indexes_refused(void **state)
{
	(void)state;
	redisContext *c = control();
	struct aggregate *ag = aggregate_new(1000);
	struct store *s = open_store("rs3:", STORE_MAX_PENDING_DEFAULT);
	struct lw_addr folded;

	set_string(c, "rs3:attempts");
	set_string(c, "rs3:seen");
	set_string(c, "rs3:sources:" DAY);
	aggregate_track_changes(ag);
	struct store_batch *b = three_attempts(ag);
	assert_int_equal(addr_parse("198.51.100.9", &folded), 0);
	assert_int_equal(store_batch_add_folded(b, &folded, 1793610000000000ULL), 0);
	assert_int_equal(store_flush_batch(s, b), -1);
	assert_int_equal(s->err, STORE_ERR_REPLY);
	expect_in("error", s->errstr, "key rs3:attempts holds the wrong kind of value");
	assert_int_equal(s->lost, 0);
	assert_true(s->notice_new);
	expect_in("notice", s->notice,
		  "0 attempt(s) counted as lost: rs3:attempts (WRONGTYPE), rs3:seen (WRONGTYPE), "
		  "rs3:sources:" DAY " (WRONGTYPE)");
	if (strstr(strstr(s->notice, "rs3:sources:" DAY) + 1, "rs3:sources:" DAY))
		fail_msg("the day is named twice: %s", s->notice);
	flush_all(s);
	assert_int_equal(hget_int(c, "rs3:sensor:t1", "lost"), 0);
	assert_int_equal(hget_int(c, "rs3:series:" HOUR, "outside:attempts"), 3);
	assert_int_equal(hget_int(c, "rs3:src:203.0.113.2", "attempts"), 1);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* A refusal before EXEC (an ACL user that may not write the series):
 * nothing is applied, the batch is held whole, and the error names the
 * key. */
static void test_queued_refusal_named(void **state)
{
	(void)state;
	redisContext *c = control();
	struct aggregate *ag = aggregate_new(1000);
	struct store_config cfg;
	char *msg = NULL, url[192];

	/* every key under rs4: but series:* */
	redisReply *r = redisCommand(c, "ACL SETUSER rs4w on >rs4pw +@all ~rs4:[^s]* "
					"~rs4:s[^e]* ~rs4:se[^r]*");
	assert_non_null(r);
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
	store_config_defaults(&cfg);
	snprintf(url, sizeof(url), "unix:%s?user=rs4w", sock);
	assert_int_equal(redis_url_parse(url, &cfg.url, &msg), 0);
	cfg.password = "rs4pw";
	cfg.prefix = "rs4:";
	cfg.sensor = "t1";
	cfg.command_timeout_ms = cfg.connect_timeout_ms = 1000;
	struct store *s = store_new(&cfg);
	assert_non_null(s);
	assert_int_equal(s->err, STORE_OK);
	aggregate_track_changes(ag);
	assert_int_equal(store_flush_batch(s, three_attempts(ag)), -1);
	assert_int_equal(s->err, STORE_ERR_REPLY);
	expect_in("error", s->errstr, ": key rs4:series:" HOUR ": NOPERM");
	assert_int_equal(s->lost, 0);
	assert_non_null(s->pending); /* held whole */
	assert_int_equal(hget_int(c, "rs4:src:203.0.113.1", "attempts"), -1);
	store_free(s);
	freeReplyObject(redisCommand(c, "ACL DELUSER rs4w"));
	redisFree(c);
	aggregate_free(ag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_series_refused),
	    cmocka_unit_test(test_both_series_refused),
	    cmocka_unit_test(test_indexes_refused),
	    cmocka_unit_test(test_queued_refusal_named),
	};

	signal(SIGPIPE, SIG_IGN); /* a write to a server that went away */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
