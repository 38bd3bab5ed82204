/* The store under a live flood, against a real redis-server: the changes
 * of one flush interval stay within their bound however many sources a
 * flood brings (sent early, or folded while a batch is in flight, never
 * lost), a batch larger than the encoder's buffer is sent as it is encoded
 * and still lands whole or not at all, and the folded sources of batches
 * held while Redis is away are kept as registers, not addresses, and are
 * counted once, when Redis is back. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/store_fx.h"

#define BOUND 64 /* the interval's bound in these tests (LW_STORE_BATCH_SOURCES live) */

/* ---- the interval's bound (the aggregate, no Redis) --------------------- */

struct hook {
	bool take; /* false: a batch is in flight, nothing can be sent early */
	unsigned calls, batches;
	uint32_t max_src, max_folded;
	uint64_t n_src, n_folded, attempts, lost;
};

static void account(struct hook *h, struct store_batch *b)
{
	h->batches++;
	h->n_src += b->n_src;
	h->n_folded += b->n_folded;
	h->lost += b->lost;
	if (b->n_src > h->max_src)
		h->max_src = b->n_src;
	if (b->n_folded > h->max_folded)
		h->max_folded = b->n_folded;
	for (uint32_t i = 0; i < b->n_hours; i++)
		h->attempts +=
		    b->hours[i].c[CLASS_OUTSIDE].attempts + b->hours[i].c[CLASS_EXCEPTION].attempts;
	store_batch_free(b);
}

static void on_full(struct aggregate *ag, void *ctx)
{
	struct hook *h = ctx;

	h->calls++;
	if (h->take)
		account(h, take(ag));
}

/* 5 reached sources and an exception, 2000 blocked one-attempt sources,
 * 5 more reached sources: all within one second of packet time. */
static void flood_interval(struct aggregate *ag)
{
	char ip[48];

	for (unsigned i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%u", i + 1);
		one(ag, ip, 0, OUTCOME_SMTP, CLASS_OUTSIDE);
	}
	one(ag, "192.0.2.50", 0, OUTCOME_REFUSED, CLASS_EXCEPTION);
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:f1::%x", i + 1);
		one(ag, ip, 0, OUTCOME_UNANSWERED, CLASS_OUTSIDE);
	}
	for (unsigned i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%u", i + 101);
		one(ag, ip, 0, OUTCOME_SMTP, CLASS_OUTSIDE);
	}
}

static struct aggregate *bounded(struct hook *h)
{
	struct aggregate *ag = aggregate_new(100000);

	assert_non_null(ag);
	aggregate_track_changes(ag);
	ag->pending_full = on_full;
	ag->pending_full_ctx = h;
	ag->pending_full_at = BOUND;
	return ag;
}

/* A batch in flight all interval: past the bound the flood's sources are
 * folded as they come, reached sources and the exception are still held,
 * and nothing is lost. */
static void test_bound_in_flight(void **state)
{
	struct hook h = {.take = false};
	struct aggregate *ag = bounded(&h);

	(void)state;
	flood_interval(ag);
	assert_true(h.calls > 0);
	assert_int_equal(ag->n_pending, BOUND + 5); /* the last 5 reached ones held too */
	assert_true(ag->cap_pending <= 256);	    /* memory follows the bound */
	assert_int_equal(ag->n_folded, 2000 - (BOUND - 6));
	assert_int_equal(ag->pending_lost, 0);
	struct store_batch *b = take(ag);
	unsigned reached = 0, exception = 0;
	for (uint32_t i = 0; i < b->n_src; i++) {
		reached += b->src[i].c.outcome[OUTCOME_SMTP] == 1;
		exception += b->src[i].cls == CLASS_EXCEPTION;
	}
	assert_int_equal(reached, 10);
	assert_int_equal(exception, 1);
	account(&h, b);
	assert_int_equal(h.n_src + h.n_folded, 2011);
	assert_int_equal(h.attempts, 2011);
	assert_int_equal(h.lost, 0);
	assert_int_equal(ag->sources_folded, h.n_folded);
	aggregate_free(ag);
}

/* The store idle: the interval's changes go out early in batches of at
 * most the bound, so nothing needs folding (normal traffic's token bucket
 * covers 2011 sources) and nothing is lost. */
static void test_bound_sent_early(void **state)
{
	struct hook h = {.take = true};
	struct aggregate *ag = bounded(&h);

	(void)state;
	flood_interval(ag);
	account(&h, take(ag));
	assert_true(h.batches >= 2011 / BOUND);
	assert_true(h.max_src <= BOUND);
	assert_int_equal(h.n_folded, 0);
	assert_int_equal(h.n_src, 2011);
	assert_int_equal(h.attempts, 2011);
	assert_int_equal(h.lost, 0);
	aggregate_free(ag);
}

/* ---- a batch larger than the encoder's buffer --------------------------- */

static long long integer(redisContext *c, const char *fmt, const char *arg)
{
	redisReply *r = redisCommand(c, fmt, arg);
	long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

	freeReplyObject(r);
	return v;
}

#define N_LARGE 20000

/* 20,000 sources with two attempts each (never folded): many MiB of
 * commands, sent as they are encoded. The connection lost after the first
 * part leaves nothing applied; the batch is held and lands whole, once. */
static void test_large_batch_spilled(void **state)
{
	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store("lg:", 1048576);
	char ip[48];

	(void)state;
	aggregate_track_changes(ag);
	for (unsigned i = 0; i < N_LARGE; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:1a:%x::%x", i / 1000, i % 1000 + 1);
		one(ag, ip, 1, OUTCOME_UNANSWERED, CLASS_OUTSIDE);
		one(ag, ip, 2, OUTCOME_REFUSED, CLASS_OUTSIDE);
	}
	s->fault = STORE_FAULT_MID_BATCH;
	assert_int_equal(store_flush_batch(s, take(ag)), -1);
	assert_non_null(strstr(s->errstr, "mid-batch"));
	redisContext *c = control();
	assert_int_equal(integer(c, "EXISTS %s", "lg:series:2026110209"), 0);
	assert_int_equal(integer(c, "ZCARD %s", "lg:attempts"), 0);
	assert_true(store_holding(s));

	flush_all(s);
	assert_int_equal(s->lost, 0);
	assert_true(s->commands_last > 2 * N_LARGE);  /* the batch was large ... */
	assert_true(s->cap <= 2 * STORE_SPILL_BYTES); /* ... its encoding never whole */
	assert_int_equal(integer(c, "ZCARD %s", "lg:attempts"), N_LARGE);
	assert_int_equal(hget_int(c, "lg:series:2026110209", "outside:attempts"), 2 * N_LARGE);
	assert_int_equal(hget_int(c, "lg:src:2001:db8:1a:13::3e8", "attempts"), 2);
	assert_int_equal(hget_int(c, "lg:src:2001:db8:1a::1", "refused"), 1);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* ---- folded sources held while Redis is away ----------------------------- */

#define DAY1_US 1793610000000000ULL /* 2026-11-02 */
#define DAY_US	86400000000ULL

/* A batch of n folded sources of one day (their attempts in the hour). */
static struct store_batch *folded_batch(unsigned from, unsigned n, uint64_t when_us)
{
	struct store_batch *b = store_batch_new();
	struct lw_addr a;
	char ip[48];

	assert_non_null(b);
	for (unsigned i = from; i < from + n; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:f0:%x::%x", i >> 12, (i & 0xfff) + 1);
		assert_int_equal(addr_parse(ip, &a), 0);
		assert_int_equal(store_batch_add_folded(b, &a, when_us), 0);
	}
	struct hour_counts *h = store_batch_hour(b, (uint32_t)(when_us / 3600000000ULL));
	assert_non_null(h);
	h->c[CLASS_OUTSIDE].attempts += n;
	h->c[CLASS_OUTSIDE].outcome[OUTCOME_UNANSWERED] += n;
	h->sources_folded += n;
	b->health.packets = 1000;
	return b;
}

static void assert_near(long long got, long long want)
{
	if (got < want * 98 / 100 || got > want * 102 / 100)
		fail_msg("%lld distinct sources, want %lld within 2 %%", got, want);
}

/* 40,000 folded sources over two days while Redis is away: the held
 * batch is two days of registers, whatever the number of sources; when
 * Redis is back (the first try lost before EXEC, the second's reply lost
 * after it), each day counts its own sources once and the fold is
 * counted once. */
static void test_held_as_registers(void **state)
{
	struct store *s = open_store("hr:", 1048576);

	(void)state;
	redis_stop_saving();
	for (unsigned k = 0; k < 3; k++)
		assert_int_equal(store_flush_batch(s, folded_batch(k * 10000, 10000, DAY1_US)), -1);
	assert_int_equal(store_flush_batch(s, folded_batch(30000, 10000, DAY1_US + DAY_US)), -1);
	assert_non_null(s->pending);
	assert_int_equal(s->pending->n_folded, 40000);
	assert_int_equal(s->pending->n_days, 2);
	assert_int_equal(s->lost, 0);

	redis_start();
	s->fault = STORE_FAULT_BEFORE_EXEC; /* queued, connection lost before EXEC */
	assert_int_equal(store_flush_batch(s, NULL), -1);
	assert_int_equal(s->fault, STORE_FAULT_NONE);
	assert_non_null(s->unknown);	   /* found not applied on the next try */
	msleep(50);			   /* past the reconnect delay */
	s->fault = STORE_FAULT_LOSE_REPLY; /* EXEC applied, its reply lost */
	assert_int_equal(store_flush_batch(s, NULL), -1);
	assert_int_equal(s->fault, STORE_FAULT_NONE);
	assert_non_null(s->unknown);
	flush_all(s);
	redisContext *c = control();
	assert_near(integer(c, "PFCOUNT %s", "hr:sources:20261102"), 30000);
	assert_near(integer(c, "PFCOUNT %s", "hr:sources:20261103"), 10000);
	assert_int_equal(hget_int(c, "hr:series:2026110209", "outside:sources_folded"), 30000);
	assert_int_equal(hget_int(c, "hr:series:2026110309", "outside:sources_folded"), 10000);
	assert_int_equal(hget_int(c, "hr:series:2026110209", "outside:attempts"), 30000);
	redisFree(c);
	store_free(s);
}

/* A flood while a batch is in flight folds every source past the bound as
 * it comes, however many: their day's registers stay 16 KiB, and all of
 * them are in the day's distinct sources once the batch lands. (The fold
 * kept at most 262,144 addresses before, the rest uncounted.) */
static void test_fold_many_in_flight(void **state)
{
	struct hook h = {.take = false};
	struct aggregate *ag = aggregate_new(400000);
	struct store *s = open_store("fm:", 1048576);
	char ip[48];

	(void)state;
	assert_non_null(ag);
	aggregate_track_changes(ag);
	ag->pending_full = on_full;
	ag->pending_full_ctx = &h;
	ag->pending_full_at = BOUND;
	for (unsigned i = 0; i < 300000; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:f2:%x::%x", i >> 12, (i & 0xfff) + 1);
		one(ag, ip, 0, OUTCOME_UNANSWERED, CLASS_OUTSIDE);
	}
	assert_int_equal(ag->n_folded, 300000 - BOUND);
	assert_int_equal(ag->n_fold_days, 1);
	struct store_batch *b = take(ag);
	assert_int_equal(ag->n_fold_days, 0); /* handed to the batch */
	assert_int_equal(b->n_src + b->n_folded, 300000);
	assert_int_equal(b->n_days, 1);
	store_flush_batch(s, b);
	flush_all(s);
	redisContext *c = control();
	assert_near(integer(c, "PFCOUNT %s", "fm:sources:20261102"), 300000);
	assert_int_equal(hget_int(c, "fm:series:2026110209", "outside:attempts"), 300000);
	assert_int_equal(hget_int(c, "fm:series:2026110209", "outside:sources_folded"),
			 300000 - BOUND);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bound_in_flight),	cmocka_unit_test(test_bound_sent_early),
	    cmocka_unit_test(test_large_batch_spilled), cmocka_unit_test(test_held_as_registers),
	    cmocka_unit_test(test_fold_many_in_flight),
	};

	signal(SIGPIPE, SIG_IGN); /* a write to a server that went away */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
