/* Unit tests of the Redis store against a real redis-server that the test
 * starts on a private Unix socket and stops, restarts, pauses and stalls
 * between batches: per-source counts after an outage equal those written
 * without one, a batch whose EXEC outcome is unknown is never counted
 * twice, server errors (wrong type, OOM) are reported and counted, and the
 * bound on what is held is kept and accounted. Also the URL parser. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/aggregate.h"
#include "analyzer/store_batch.h"
#include "redis/redis_url.h"
#include "redis/store_redis.h"
#include "tests/redis_server.h"
#include "tests/store_fx.h"

/* ---- data ---------------------------------------------------------------- */

static void source_addr(unsigned i, struct lw_addr *a)
{
	char text[64];

	if (i % 7 == 0)
		snprintf(text, sizeof(text), "2001:db8:bad::%x", i + 1);
	else
		snprintf(text, sizeof(text), "203.0.%u.%u", (i / 250) % 256, i % 250 + 1);
	assert_int_equal(addr_parse(text, a), 0);
}

/* Attempt k of a deterministic stream over n_src sources; time grows by
 * 100 ms per attempt so batches and hours split it. */
static void add_attempt(struct aggregate *ag, unsigned k, unsigned n_src)
{
	struct attempt a;
	struct rule_ref ref;
	unsigned i = (k * 7919u) % n_src;

	memset(&a, 0, sizeof(a));
	memset(&ref, 0, sizeof(ref));
	source_addr(i, &a.src);
	assert_int_equal(addr_parse("192.0.2.25", &a.dst), 0);
	a.dport = 25;
	a.sport = (uint16_t)(40000 + k);
	a.first_us = 1793610000000000ULL + (uint64_t)k * 100000u;
	a.last_us = a.first_us + 500;
	a.outcome = (uint8_t)((k + i) % OUTCOME_COUNT);
	a.replied = a.outcome != OUTCOME_UNANSWERED;
	if (a.outcome == OUTCOME_SMTP)
		snprintf(a.helo, sizeof(a.helo), "host%u.example", i);
	ref.cls = i % 11 == 0 ? CLASS_ALLOWED : i % 13 == 0 ? CLASS_EXCEPTION : CLASS_OUTSIDE;
	ref.set = ref.cls == CLASS_ALLOWED ? "test-gw" : NULL;
	ref.label = ref.cls == CLASS_EXCEPTION ? "backup-mx" : NULL;
	aggregate_add(ag, &a, &ref);
}

/* Writes attempts [0, n) of the stream in one batch under `prefix`: the
 * reference an outage run must equal. */
static void write_reference(const char *prefix, unsigned n, unsigned n_src)
{
	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store(prefix, STORE_MAX_PENDING_DEFAULT);

	aggregate_track_changes(ag);
	for (unsigned k = 0; k < n; k++)
		add_attempt(ag, k, n_src);
	assert_int_equal(store_flush_batch(s, take(ag)), 0);
	store_free(s);
	aggregate_free(ag);
}

static int pair_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* HGETALL as sorted "field=value" lines, the per-sensor fields dropped. */
static char *hash_text(redisContext *c, const char *key)
{
	redisReply *r = redisCommand(c, "HGETALL %s", key);
	char *lines[64] = {0}, *out;
	size_t n = 0, len = 1;

	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	for (size_t i = 0; i + 1 < r->elements && n < 64; i += 2) {
		if (asprintf(&lines[n], "%s=%s", r->element[i]->str, r->element[i + 1]->str) < 0)
			fail();
		len += strlen(lines[n++]) + 1;
	}
	qsort(lines, n, sizeof(*lines), pair_cmp);
	out = calloc(1, len);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
		free(lines[i]);
	}
	freeReplyObject(r);
	return out;
}

/* Every source's hash and every hour's series equal between prefixes. */
static void assert_same(const char *prefix, const char *ref, unsigned n_src)
{
	redisContext *c = control();
	char ka[256], kb[256], ip[LW_ADDR_STRLEN];

	for (unsigned i = 0; i < n_src; i++) {
		struct lw_addr a;
		source_addr(i, &a);
		addr_format(&a, ip, sizeof(ip));
		snprintf(ka, sizeof(ka), "%ssrc:%s", prefix, ip);
		snprintf(kb, sizeof(kb), "%ssrc:%s", ref, ip);
		char *ta = hash_text(c, ka), *tb = hash_text(c, kb);
		if (strcmp(ta, tb) != 0)
			fail_msg("%s differs from %s:\n%s---\n%s", ka, kb, ta, tb);
		free(ta);
		free(tb);
	}
	redisReply *hours = redisCommand(c, "ZRANGE %shours 0 -1", ref);
	assert_non_null(hours);
	assert_true(hours->elements > 0);
	for (size_t h = 0; h < hours->elements; h++) {
		snprintf(ka, sizeof(ka), "%sseries:%s", prefix, hours->element[h]->str);
		snprintf(kb, sizeof(kb), "%sseries:%s", ref, hours->element[h]->str);
		char *ta = hash_text(c, ka), *tb = hash_text(c, kb);
		if (strcmp(ta, tb) != 0)
			fail_msg("%s differs from %s:\n%s---\n%s", ka, kb, ta, tb);
		free(ta);
		free(tb);
	}
	freeReplyObject(hours);
	redisFree(c);
}

/* ---- tests --------------------------------------------------------------- */

#define N_SRC 400
#define PHASE 1500 /* attempts per phase: 150 s of packet time */

static void test_outage_restart(void **state)
{
	(void)state;
	write_reference("ref1:", 4 * PHASE, N_SRC);
	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store("out1:", STORE_MAX_PENDING_DEFAULT);
	aggregate_track_changes(ag);
	unsigned k = 0;

	for (; k < PHASE; k++)
		add_attempt(ag, k, N_SRC);
	assert_int_equal(store_flush_batch(s, take(ag)), 0);

	redis_stop_saving();
	for (; k < 2 * PHASE; k++)
		add_attempt(ag, k, N_SRC);
	assert_int_equal(store_flush_batch(s, take(ag)), -1);
	assert_int_equal(s->err, STORE_ERR_IO);
	assert_non_null(strstr(s->errstr, sock));
	assert_true(store_holding(s));
	msleep(50);
	for (; k < 3 * PHASE; k++)
		add_attempt(ag, k, N_SRC);
	assert_int_equal(store_flush_batch(s, take(ag)), -1); /* merged, still held */

	redis_start(); /* loads what was saved at shutdown */
	for (; k < 4 * PHASE; k++)
		add_attempt(ag, k, N_SRC);
	store_flush_batch(s, take(ag)); /* lands, or is held until the backoff ends */
	flush_all(s);
	assert_int_equal(s->lost, 0);
	assert_same("out1:", "ref1:", N_SRC);
	store_free(s);
	aggregate_free(ag);
}

/* Stalls: CLIENT PAUSE holds the batch's commands, DEBUG SLEEP stops the
 * server; either way the flush times out with its outcome unknown, and
 * what happened is found out from the batch tag. */
static void stall(const char *how)
{
	char prefix[32], ref[32];
	snprintf(prefix, sizeof(prefix), "%s:", how);
	snprintf(ref, sizeof(ref), "ref-%s:", how);
	write_reference(ref, 3 * PHASE, N_SRC);
	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store(prefix, STORE_MAX_PENDING_DEFAULT);
	aggregate_track_changes(ag);
	unsigned k = 0;

	for (; k < PHASE; k++)
		add_attempt(ag, k, N_SRC);
	assert_int_equal(store_flush_batch(s, take(ag)), 0);

	redisContext *c = control();
	if (strcmp(how, "pause") == 0) {
		redisReply *r = redisCommand(c, "CLIENT PAUSE 1000 ALL");
		assert_non_null(r);
		freeReplyObject(r);
	} else {
		/* sent, not waited for: the server sleeps with it */
		int done = 0;
		assert_int_equal(redisAppendCommand(c, "DEBUG SLEEP 1"), REDIS_OK);
		while (!done)
			assert_int_equal(redisBufferWrite(c, &done), REDIS_OK);
		msleep(50);
	}
	for (; k < 2 * PHASE; k++)
		add_attempt(ag, k, N_SRC);
	assert_int_equal(store_flush_batch(s, take(ag)), -1);
	assert_int_equal(s->err, STORE_ERR_IO);
	assert_true(store_holding(s));
	for (; k < 3 * PHASE; k++)
		add_attempt(ag, k, N_SRC);
	store_flush_batch(s, take(ag)); /* may still be stalled */
	msleep(1100);
	flush_all(s);
	assert_same(prefix, ref, N_SRC);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

static void test_stall_client_pause(void **state)
{
	(void)state;
	stall("pause");
}

static void test_stall_debug_sleep(void **state)
{
	(void)state;
	stall("sleep");
}

/* The batch landed but its EXEC reply was lost: resolving by the tag must
 * not send it again. Then the opposite: lost before EXEC, so resent. */
static void test_unknown_exec_outcome(void **state)
{
	(void)state;
	write_reference("ref2:", 3 * PHASE, N_SRC);
	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store("unk:", STORE_MAX_PENDING_DEFAULT);
	aggregate_track_changes(ag);
	unsigned k = 0;

	for (; k < PHASE; k++)
		add_attempt(ag, k, N_SRC);
	s->fault = STORE_FAULT_LOSE_REPLY;
	assert_int_equal(store_flush_batch(s, take(ag)), -1);
	assert_non_null(s->unknown);
	for (; k < 2 * PHASE; k++)
		add_attempt(ag, k, N_SRC);
	msleep(20);
	assert_int_equal(store_flush_batch(s, take(ag)), 0);
	assert_null(s->unknown);

	for (; k < 3 * PHASE; k++)
		add_attempt(ag, k, N_SRC);
	s->fault = STORE_FAULT_BEFORE_EXEC;
	assert_int_equal(store_flush_batch(s, take(ag)), -1);
	assert_non_null(s->unknown);
	flush_all(s);
	assert_same("unk:", "ref2:", N_SRC);

	/* the tag on record is this run's last batch */
	redisContext *c = control();
	redisReply *r = redisCommand(c, "HGET unk:sensor:t1 batch");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_non_null(strstr(r->str, ":"));
	freeReplyObject(r);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* One source's key holds a string: its counts are lost (and said so),
 * every other source's land exactly once. */
static void test_wrong_type(void **state)
{
	(void)state;
	write_reference("ref3:", PHASE, N_SRC);
	redisContext *c = control();
	struct lw_addr a;
	char ip[LW_ADDR_STRLEN], key[128];
	source_addr(5, &a);
	addr_format(&a, ip, sizeof(ip));
	snprintf(key, sizeof(key), "wt:src:%s", ip);
	freeReplyObject(redisCommand(c, "SET %s not-a-hash", key));

	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store("wt:", STORE_MAX_PENDING_DEFAULT);
	aggregate_track_changes(ag);
	for (unsigned k = 0; k < PHASE; k++)
		add_attempt(ag, k, N_SRC);
	uint64_t want_lost = source_attempts(aggregate_find(ag, &a));
	assert_int_equal(store_flush_batch(s, take(ag)), -1);
	assert_int_equal(s->err, STORE_ERR_REPLY);
	if (!strstr(s->errstr, "holds the wrong kind of value") || !strstr(s->errstr, key))
		fail_msg("unexpected message: %s", s->errstr);
	assert_int_equal(s->lost, want_lost);
	flush_all(s); /* writes the lost count */
	assert_int_equal(hget_int(c, "wt:sensor:t1", "lost"), (long long)want_lost);
	/* the others are right */
	for (unsigned i = 0; i < N_SRC; i++) {
		char ka[128], kb[128];
		if (i == 5)
			continue;
		source_addr(i, &a);
		addr_format(&a, ip, sizeof(ip));
		snprintf(ka, sizeof(ka), "wt:src:%s", ip);
		snprintf(kb, sizeof(kb), "ref3:src:%s", ip);
		assert_int_equal(hget_int(c, ka, "attempts"), hget_int(c, kb, "attempts"));
	}
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* maxmemory reached: the whole batch is refused (nothing half-applied),
 * held, and lands once memory is back. */
static void test_oom(void **state)
{
	(void)state;
	write_reference("ref4:", 2 * PHASE, N_SRC);
	redisContext *c = control();
	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store("oom:", STORE_MAX_PENDING_DEFAULT);
	aggregate_track_changes(ag);
	unsigned k = 0;

	freeReplyObject(redisCommand(c, "CONFIG SET maxmemory 1"));
	for (; k < PHASE; k++)
		add_attempt(ag, k, N_SRC);
	assert_int_equal(store_flush_batch(s, take(ag)), -1);
	assert_int_equal(s->err, STORE_ERR_REPLY);
	if (!strstr(s->errstr, "OOM"))
		fail_msg("unexpected message: %s", s->errstr);
	assert_int_equal(hget_int(c, "oom:sensor:t1", "packets"), -1); /* nothing landed */
	for (; k < 2 * PHASE; k++)
		add_attempt(ag, k, N_SRC);
	assert_int_equal(store_flush_batch(s, take(ag)), -1);
	freeReplyObject(redisCommand(c, "CONFIG SET maxmemory 0"));
	flush_all(s);
	assert_int_equal(s->lost, 0);
	assert_same("oom:", "ref4:", N_SRC);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* Past the bound, blocked one-attempt sources are folded first and what is
 * dropped is counted: per-source attempts stored plus folded plus lost
 * equal all attempts, and the hourly totals lose nothing. */
static void test_bound(void **state)
{
	(void)state;
	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store("bound:", 50);
	aggregate_track_changes(ag);
	unsigned k = 0, total = 3 * PHASE;

	redis_stop_saving();
	for (int phase = 0; phase < 3; phase++) {
		for (unsigned end = k + PHASE; k < end; k++)
			add_attempt(ag, k, N_SRC);
		assert_int_equal(store_flush_batch(s, take(ag)), -1);
		msleep(20);
	}
	redis_start();
	flush_all(s);
	assert_true(s->lost > 0);

	redisContext *c = control();
	long long stored = 0, series = 0;
	for (unsigned i = 0; i < N_SRC; i++) {
		struct lw_addr a;
		char ip[LW_ADDR_STRLEN], key[128];
		source_addr(i, &a);
		addr_format(&a, ip, sizeof(ip));
		snprintf(key, sizeof(key), "bound:src:%s", ip);
		long long v = hget_int(c, key, "attempts");
		stored += v > 0 ? v : 0;
	}
	/* a folded source had one attempt, counted in the series only */
	assert_int_equal((uint64_t)stored + s->lost + s->sources_folded, total);
	assert_int_equal(hget_int(c, "bound:sensor:t1", "lost"), (long long)s->lost);
	assert_int_equal(hget_int(c, "bound:sensor:t1", "sources_folded"),
			 (long long)s->sources_folded);
	redisReply *hours = redisCommand(c, "ZRANGE bound:hours 0 -1");
	for (size_t h = 0; h < hours->elements; h++) {
		char key[128];
		snprintf(key, sizeof(key), "bound:series:%s", hours->element[h]->str);
		for (int cls = 0; cls < CLASS_COUNT; cls++) {
			char field[64];
			snprintf(field, sizeof(field), "%s:attempts",
				 class_name((enum src_class)cls));
			long long v = hget_int(c, key, field);
			series += v > 0 ? v : 0;
		}
	}
	freeReplyObject(hours);
	assert_int_equal(series, total);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* A flood held while Redis is away: the held batch keeps max_pending
 * sources and folds the blocked one-attempt ones beyond, so nothing is
 * lost; when Redis is back the fold is counted and the distinct sources
 * are still in the day's HyperLogLog. */
static void test_held_flood_folded(void **state)
{
	struct aggregate *ag = aggregate_new(100000);
	struct store *s = open_store("hf:", 100);
	char ip[32];

	(void)state;
	aggregate_track_changes(ag);
	redis_stop_saving();
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(ip, sizeof(ip), "203.%u.%u.%u", i / 62500, (i / 250) % 250, i % 250 + 1);
		one(ag, ip, i / 100, OUTCOME_UNANSWERED, CLASS_OUTSIDE);
		if (i % 1000 == 999) {
			assert_int_equal(store_flush_batch(s, take(ag)), -1);
			/* (the first batch may be the one whose outcome is unknown) */
			assert_true(!s->pending || s->pending->n_src <= 100);
		}
	}
	assert_int_equal(s->lost, 0);
	assert_true(s->sources_folded >= 1900);
	redis_start();
	flush_all(s);
	assert_int_equal(s->lost, 0);
	redisContext *c = control();
	long long folded = (long long)s->sources_folded;
	assert_int_equal(hget_int(c, "hf:sensor:t1", "sources_folded"), folded);
	assert_int_equal(hget_int(c, "hf:series:2026110209", "outside:attempts"), 3000);
	assert_int_equal(hget_int(c, "hf:series:2026110209", "outside:sources_folded"), folded);
	redisReply *n = redisCommand(c, "EVAL %s 0", "return #redis.call('KEYS', 'hf:src:*')");
	assert_non_null(n);
	assert_int_equal(n->integer + folded, 3000);
	freeReplyObject(n);
	redisReply *r = redisCommand(c, "PFCOUNT hf:sources:20261102");
	assert_non_null(r);
	assert_true(r->integer > 2940 && r->integer < 3060);
	freeReplyObject(r);
	redisFree(c);
	store_free(s);
	aggregate_free(ag);
}

/* An unreachable server: the constructor still returns the store, with the
 * socket and the cause in errstr. */
static void test_unreachable(void **state)
{
	struct store_config cfg;
	char *msg = NULL;

	(void)state;
	store_config_defaults(&cfg);
	assert_int_equal(redis_url_parse("unix:/nonexistent/redis.sock", &cfg.url, &msg), 0);
	struct store *s = store_new(&cfg);
	assert_non_null(s);
	assert_int_equal(s->err, STORE_ERR_IO);
	assert_string_equal(s->errstr,
			    "redis unix:/nonexistent/redis.sock: No such file or directory");
	struct aggregate *ag = aggregate_new(100);
	aggregate_track_changes(ag);
	add_attempt(ag, 0, 10);
	assert_int_equal(store_flush_batch(s, take(ag)), -1); /* held, in backoff */
	assert_true(store_holding(s));
	store_free(s);
	store_free(NULL);
	store_batch_free(NULL);
	aggregate_free(ag);
}

static void test_url(void **state)
{
	struct redis_url u;
	char *msg = NULL, buf[160];

	(void)state;
	assert_int_equal(redis_url_parse("redis://127.0.0.1", &u, &msg), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 0);
	assert_int_equal(redis_url_parse("redis://lw@[::1]:6390/3", &u, &msg), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.user, "lw");
	assert_int_equal(u.port, 6390);
	assert_int_equal(u.db, 3);
	assert_string_equal(redis_url_where(&u, buf, sizeof(buf)), "[::1]:6390");
	assert_int_equal(redis_url_parse("unix:/run/redis/redis.sock?db=2&user=lw", &u, &msg), 0);
	assert_true(u.is_unix);
	assert_string_equal(u.path, "/run/redis/redis.sock");
	assert_int_equal(u.db, 2);
	assert_string_equal(u.user, "lw");

	static const char *const bad[] = {
	    "",
	    "localhost:6379",
	    "redis://",
	    "redis://host:0",
	    "redis://host:x",
	    "redis://host:70000",
	    "redis://host/db",
	    "redis://u:pw@host",
	    "unix:relative",
	    "unix:/s?db=x",
	    "unix:/s?pass=1",
	    "redis://[::1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (redis_url_parse(bad[i], &u, &msg) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(msg);
		if (!strstr(msg, bad[i]))
			fail_msg("message does not name the URL: %s", msg);
		free(msg);
	}
}

/* Merging held batches: counts add, the newer absolute values win. */
static void test_batch_merge(void **state)
{
	struct lw_addr a, b;

	(void)state;
	assert_int_equal(addr_parse("203.0.113.7", &a), 0);
	assert_int_equal(addr_parse("203.0.113.8", &b), 0);
	struct store_batch *x = store_batch_new(), *y = store_batch_new();
	struct batch_source *s = store_batch_add_source(x, &a, NULL, "old.example");
	s->c.attempts = 2;
	s->first_us = 10;
	s->last_us = 20;
	s = store_batch_add_source(y, &a, "lbl", "new.example");
	s->c.attempts = 3;
	s->first_us = 15;
	s->last_us = 30;
	s = store_batch_add_source(y, &b, NULL, NULL);
	s->c.attempts = 4;
	store_batch_hour(y, 7)->c[CLASS_OUTSIDE].attempts = 7;
	assert_int_equal(store_batch_merge(x, y, 1), 0); /* room for one source only */
	assert_int_equal(x->n_src, 1);
	assert_int_equal(x->src[0].c.attempts, 5);
	assert_int_equal(x->src[0].first_us, 10);
	assert_int_equal(x->src[0].last_us, 30);
	assert_string_equal(store_batch_str(x, x->src[0].helo), "new.example");
	assert_string_equal(store_batch_str(x, x->src[0].label), "lbl");
	assert_int_equal(x->lost, 4);
	assert_int_equal(x->n_hours, 1);
	assert_int_equal(x->hours[0].c[CLASS_OUTSIDE].attempts, 7);
	store_batch_free(x);
	store_batch_free(y);
}

/* The fold: once the source table is full, blocked one-attempt outside
 * sources go to the batch's folded list (HyperLogLog and per-hour count
 * only); a reached source, an exception and a source that attempts again
 * are written, the latter with the attempt that was folded. */
static void test_fold(void **state)
{
	struct aggregate *ag = aggregate_new(16);
	struct store_batch *b;
	uint64_t written = 0, folded = 0;
	char ip[32];

	(void)state;
	aggregate_track_changes(ag);
	one(ag, "203.0.113.66", 0, OUTCOME_SMTP, CLASS_OUTSIDE);
	one(ag, "192.0.2.50", 0, OUTCOME_REFUSED, CLASS_EXCEPTION);
	b = aggregate_take_batch(ag);
	assert_non_null(b);
	assert_int_equal(b->n_src, 2); /* the table has room: nothing folded */
	assert_int_equal(b->n_folded, 0);
	store_batch_free(b);
	for (unsigned i = 0; i < 40; i++) {
		snprintf(ip, sizeof(ip), "203.0.%u.%u", 100 + i / 200, i % 200 + 1);
		one(ag, ip, 2, OUTCOME_UNANSWERED, CLASS_OUTSIDE);
		if (i % 8 == 7) {
			b = aggregate_take_batch(ag);
			assert_non_null(b);
			written += b->n_src;
			folded += b->n_folded;
			if (b->n_folded)
				assert_int_equal(b->hours[0].sources_folded, b->n_folded);
			store_batch_free(b);
		}
	}
	assert_true(folded >= 24); /* once the table is full, every one of them */
	assert_int_equal(written + folded, 40);
	assert_int_equal(ag->sources_folded, folded);

	/* a folded source that attempts again is written with both attempts */
	one(ag, "198.51.100.9", 3, OUTCOME_UNANSWERED, CLASS_OUTSIDE);
	b = aggregate_take_batch(ag);
	assert_non_null(b);
	assert_int_equal(b->n_folded, 1);
	assert_int_equal(b->health.sources_folded, folded + 1);
	store_batch_free(b);
	one(ag, "198.51.100.9", 4, OUTCOME_REFUSED, CLASS_OUTSIDE);
	one(ag, "203.0.113.66", 4, OUTCOME_REFUSED, CLASS_OUTSIDE); /* reached: never folded */
	b = aggregate_take_batch(ag);
	assert_non_null(b);
	assert_int_equal(b->n_folded, 0);
	assert_int_equal(b->n_src, 2);
	for (uint32_t i = 0; i < b->n_src; i++) {
		addr_format(&b->src[i].addr, ip, sizeof(ip));
		if (strcmp(ip, "198.51.100.9") == 0) {
			assert_int_equal(b->src[i].c.attempts, 2);
			assert_int_equal(b->src[i].c.outcome[OUTCOME_UNANSWERED], 1);
			assert_int_equal(b->src[i].c.outcome[OUTCOME_REFUSED], 1);
		} else {
			assert_int_equal(b->src[i].c.attempts, 1);
		}
	}
	assert_int_equal(ag->sources_folded, folded);
	store_batch_free(b);
	aggregate_free(ag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_batch_merge),
	    cmocka_unit_test(test_fold),
	    cmocka_unit_test(test_unreachable),
	    cmocka_unit_test(test_outage_restart),
	    cmocka_unit_test(test_stall_client_pause),
	    cmocka_unit_test(test_stall_debug_sleep),
	    cmocka_unit_test(test_unknown_exec_outcome),
	    cmocka_unit_test(test_wrong_type),
	    cmocka_unit_test(test_oom),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_held_flood_folded),
	};

	signal(SIGPIPE, SIG_IGN); /* a write to a server that went away */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
