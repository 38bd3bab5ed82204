/* The store under a live flood: the changes of one flush interval stay
 * within their bound however many sources a flood brings (sent early, or
 * folded while a batch is in flight, never lost). */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bound_in_flight),
	    cmocka_unit_test(test_bound_sent_early),
	};

	signal(SIGPIPE, SIG_IGN); /* a write to a server that went away */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
