/* What the Redis store's unit tests share: a private redis-server on a
 * Unix socket (started by the group setup, stopped and restarted by the
 * tests), a control connection to it, a store opened on it with short
 * timeouts, and an attempt added to an aggregate. Include after cmocka.h
 * and once per test program (it holds the server's state). */
#ifndef LW_TESTS_STORE_FX_H
#define LW_TESTS_STORE_FX_H

#include <errno.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/aggregate.h"
#include "analyzer/store_batch.h"
#include "redis/redis_url.h"
#include "redis/store_redis.h"
#include "tests/redis_server.h"

static char tmpdir[64], sock[128];
static pid_t redis_pid;

static inline void msleep(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static inline redisContext *control(void)
{
	struct timeval tv = {.tv_sec = 5};
	redisContext *c = redisConnectUnixWithTimeout(sock, tv);

	if (!c || c->err)
		fail_msg("control connection to %s: %s", sock, c ? c->errstr : "out of memory");
	return c;
}

static inline void redis_start(void)
{
	redis_pid = test_redis_start(tmpdir, sock);
	if (redis_pid < 0)
		fail_msg("no redis-server on %s (see above)", sock);
}

/* A restart keeps the data, as a production server's persistence would. */
static inline void redis_stop_saving(void)
{
	redisContext *c = control();
	redisReply *r = redisCommand(c, "SHUTDOWN SAVE");

	freeReplyObject(r);
	redisFree(c);
	waitpid(redis_pid, NULL, 0);
	redis_pid = 0;
}

static inline int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lwstore.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/redis.sock", tmpdir);
	redis_start();
	return 0;
}

static inline int group_teardown(void **state)
{
	char path[192];

	(void)state;
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
	}
	snprintf(path, sizeof(path), "%s/dump.rdb", tmpdir);
	unlink(path);
	unlink(sock);
	rmdir(tmpdir);
	return 0;
}

static inline struct store *open_store(const char *prefix, uint32_t max_pending)
{
	struct store_config cfg;
	char *msg = NULL, url[160];

	store_config_defaults(&cfg);
	snprintf(url, sizeof(url), "unix:%s", sock);
	assert_int_equal(redis_url_parse(url, &cfg.url, &msg), 0);
	cfg.prefix = prefix;
	cfg.sensor = "t1";
	cfg.max_pending = max_pending;
	cfg.command_timeout_ms = 300; /* stalls in these tests last about a second */
	cfg.connect_timeout_ms = 300;
	cfg.backoff_min_ms = 10;
	cfg.backoff_max_ms = 40;
	struct store *s = store_new(&cfg);
	assert_non_null(s);
	return s;
}

static inline struct store_batch *take(struct aggregate *ag)
{
	struct store_batch *b = aggregate_take_batch(ag);

	assert_non_null(b);
	b->health.packets = 1000;
	snprintf(b->health.rules_digest, sizeof(b->health.rules_digest), "digest");
	return b;
}

static inline void flush_all(struct store *s)
{
	assert_int_equal(store_drain(s, 5000), 0);
	assert_false(store_holding(s));
}

static inline long long hget_int(redisContext *c, const char *key, const char *field)
{
	redisReply *r = redisCommand(c, "HGET %s %s", key, field);
	long long v = r && r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;

	freeReplyObject(r);
	return v;
}

static inline void one(struct aggregate *ag, const char *src, uint64_t t_s, enum outcome o,
		       enum src_class cls)
{
	struct attempt a;
	struct rule_ref ref;

	memset(&a, 0, sizeof(a));
	memset(&ref, 0, sizeof(ref));
	assert_int_equal(addr_parse(src, &a.src), 0);
	assert_int_equal(addr_parse("192.0.2.25", &a.dst), 0);
	a.dport = 25;
	a.first_us = 1793610000000000ULL + t_s * 1000000u;
	a.last_us = a.first_us + 500;
	a.outcome = (uint8_t)o;
	a.replied = o != OUTCOME_UNANSWERED;
	ref.cls = cls;
	ref.label = cls == CLASS_EXCEPTION ? "backup-mx" : NULL;
	aggregate_add(ag, &a, &ref);
}

#endif
