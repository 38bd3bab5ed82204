/* A held batch merged with the next one while memory runs out: what finds
 * no room is counted as lost (sources, hours, minutes: an attempt once),
 * a day's registers that find none is said, and the store says it in its
 * notice and writes the lost count to the sensor once Redis is back (a
 * real redis-server, started by the test). Out of memory is injected at
 * link time: this test alone is linked with -Wl,--wrap=realloc and
 * -Wl,--wrap=calloc (Makefile.am), so the library's calls come through
 * the wrappers below, which fail while armed; nothing in the library
 * knows. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/store_fx.h"

/* ---- injected allocation failures ---------------------------------------- */

static bool fail_realloc, fail_calloc;
static unsigned n_failed;

void *__real_realloc(void *p, size_t n);
void *__real_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_calloc(size_t n, size_t size);

void *__wrap_realloc(void *p, size_t n)
{
	if (fail_realloc) {
		n_failed++;
		return NULL;
	}
	return __real_realloc(p, n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	if (fail_calloc) {
		n_failed++;
		return NULL;
	}
	return __real_calloc(n, size);
}

/* ---- batches --------------------------------------------------------------- */

#define T0_US  1793610000000000ULL /* 2026-11-02 09:00 UTC */
#define HOUR0  ((uint32_t)(T0_US / 3600000000ULL))
#define MINUTE ((uint32_t)(T0_US / 60000000ULL))

static void outside_attempts(struct hour_counts *h, uint64_t n)
{
	assert_non_null(h);
	h->c[CLASS_OUTSIDE].attempts += n;
}

static void add_source(struct store_batch *b, const char *ip, uint64_t attempts, const char *helo)
{
	struct lw_addr a;

	assert_int_equal(addr_parse(ip, &a), 0);
	struct batch_source *s = store_batch_add_source(b, &a, NULL, helo);
	assert_non_null(s);
	s->cls = CLASS_OUTSIDE;
	s->c.attempts = attempts;
	s->first_us = T0_US;
	s->last_us = T0_US + 1000;
}

static void health(struct store_batch *b)
{
	b->health.packets = 100;
	snprintf(b->health.rules_digest, sizeof(b->health.rules_digest), "digest");
}

/* Held: four hours (their array full), four minutes of the first hour
 * (full too), one source; no registers. */
static struct store_batch *held_batch(void)
{
	struct store_batch *b = store_batch_new();

	assert_non_null(b);
	for (uint32_t h = 0; h < 4; h++)
		outside_attempts(store_batch_hour(b, HOUR0 + h), 10);
	for (uint32_t m = 0; m < 4; m++)
		outside_attempts(store_batch_minute(b, MINUTE + m), 1);
	add_source(b, "203.0.113.1", 4, NULL);
	health(b);
	return b;
}

/* Next: the held source again (with a HELO to copy), 3 attempts in the
 * first hour in a new minute, 2 in a new hour (and its new minute), and
 * a folded source in a day's registers. */
static struct store_batch *next_batch(void)
{
	struct store_batch *b = store_batch_new();
	struct lw_addr a;

	assert_non_null(b);
	outside_attempts(store_batch_hour(b, HOUR0), 3);
	outside_attempts(store_batch_hour(b, HOUR0 + 5), 2);
	outside_attempts(store_batch_minute(b, MINUTE + 10), 3);
	outside_attempts(store_batch_minute(b, (HOUR0 + 5) * 60), 2);
	add_source(b, "203.0.113.1", 5, "mx.example");
	assert_int_equal(addr_parse("198.51.100.7", &a), 0);
	assert_int_equal(store_batch_add_folded(b, &a, T0_US), 0);
	health(b);
	return b;
}

static const struct hour_counts *find(const struct hour_counts *v, uint32_t n, uint32_t key)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i].hour == key)
			return &v[i];
	return NULL;
}

/* ---- tests ------------------------------------------------------------------ */

/* Every growth fails: the new hour and the new minute of a kept hour are
 * lost (2 + 3), the minute of the lost hour not twice, the day said; what
 * needed no memory is merged. */
static void test_merge_periods_oom(void **state)
{
	(void)state;
	struct store_batch *into = held_batch(), *from = next_batch();

	n_failed = 0;
	fail_realloc = true;
	int rc = store_batch_merge(into, from, UINT32_MAX);
	fail_realloc = false;
	assert_int_equal(rc, -1);
	assert_true(n_failed > 0);
	assert_int_equal(into->lost, 2 + 3);
	assert_int_equal(into->n_hours, 4);
	assert_int_equal(find(into->hours, into->n_hours, HOUR0)->c[CLASS_OUTSIDE].attempts, 13);
	assert_int_equal(into->n_minutes, 4);
	assert_int_equal(into->n_src, 1);
	assert_int_equal(into->src[0].c.attempts, 9);
	assert_int_equal(into->n_days, 0);
	assert_int_equal(into->hll_dropped, 1);
	assert_int_equal(into->hll_dropped_day, (uint32_t)(T0_US / 86400000000ULL));
	store_batch_free(into);
	store_batch_free(from);
}

/* No memory for the merge's table of sources: their attempts are lost,
 * and the hours, minutes and registers (which need none here) are still
 * merged rather than dropped with them. */
static void test_merge_sources_oom(void **state)
{
	(void)state;
	struct store_batch *into = held_batch(), *from = next_batch();

	add_source(from, "203.0.113.2", 7, NULL);
	n_failed = 0;
	fail_calloc = true;
	int rc = store_batch_merge(into, from, UINT32_MAX);
	fail_calloc = false;
	assert_int_equal(rc, -1);
	assert_true(n_failed > 0);
	/* the sources' 5 + 7 */
	assert_int_equal(into->lost, 12);
	assert_int_equal(into->n_src, 1);
	assert_int_equal(into->src[0].c.attempts, 4);
	assert_int_equal(find(into->hours, into->n_hours, HOUR0)->c[CLASS_OUTSIDE].attempts, 13);
	assert_non_null(find(into->hours, into->n_hours, HOUR0 + 5));
	assert_non_null(find(into->minutes, into->n_minutes, MINUTE + 10));
	assert_int_equal(into->n_days, 1);
	assert_int_equal(into->hll_dropped, 0);
	store_batch_free(into);
	store_batch_free(from);
}

/* The store: Redis away, a batch held, the next one merged without
 * memory. The loss is said in the notice, and once Redis is back the
 * sensor's lost count carries it beside the counts that were kept. */
static void test_store_held_merge_oom(void **state)
{
	(void)state;
	struct store *s = open_store("mo:", STORE_MAX_PENDING_DEFAULT);
	char key[64], hour[16];

	redis_stop_saving();
	assert_int_equal(store_flush_batch(s, held_batch()), -1);
	assert_true(store_holding(s));
	struct store_batch *b = next_batch();
	n_failed = 0;
	fail_realloc = true;
	int rc = store_flush_batch(s, b);
	fail_realloc = false;
	assert_int_equal(rc, -1);
	assert_true(n_failed > 0);
	assert_true(s->notice_new);
	assert_true(s->notice_lost);
	if (!strstr(s->notice, "out of memory holding a batch, 5 attempt(s) counted as lost") ||
	    !strstr(s->notice, "distinct outside sources of 20261102 are undercounted"))
		fail_msg("unexpected notice: %s", s->notice);

	redis_start();
	flush_all(s);
	redisContext *c = control();
	assert_int_equal(hget_int(c, "mo:sensor:t1", "lost"), 5);
	time_t t = (time_t)(T0_US / 1000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(hour, sizeof(hour), "%Y%m%d%H", &tm);
	snprintf(key, sizeof(key), "mo:series:%s", hour);
	assert_int_equal(hget_int(c, key, "outside:attempts"), 13);
	assert_int_equal(hget_int(c, "mo:src:203.0.113.1", "attempts"), 9);
	redisFree(c);
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_periods_oom),
	    cmocka_unit_test(test_merge_sources_oom),
	    cmocka_unit_test(test_store_held_merge_oom),
	};

	signal(SIGPIPE, SIG_IGN); /* a write to a server that went away */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
