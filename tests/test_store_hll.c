/* The HyperLogLog built for folded sources (common/hll.c, store_hll.c),
 * against a real redis-server started by the test: PFMERGE accepts it,
 * and the registers it merges are exactly those PFADD of the same
 * addresses makes, so PFCOUNT answers the same (and common/hll.c's own
 * estimate with it), for 0, 1, 1,000 and 200,000 addresses of both
 * families. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "redis/store_hll.h"
#include "common/addr.h"
#include "tests/redis_server.h"

static char tmpdir[64], sock[128];
static pid_t redis_pid;
static redisContext *rc;

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lwhll.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/redis.sock", tmpdir);
	redis_pid = test_redis_start(tmpdir, sock);
	if (redis_pid < 0)
		return -1;
	struct timeval tv = {.tv_sec = 10};
	rc = redisConnectUnixWithTimeout(sock, tv);
	return rc && !rc->err ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	if (rc)
		redisFree(rc);
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
	}
	unlink(sock);
	rmdir(tmpdir);
	return 0;
}

/* Address i: one in five IPv6, the others IPv4 spread over all octets. */
static void address(unsigned i, struct lw_addr *a)
{
	char text[64];

	if (i % 5 == 0)
		snprintf(text, sizeof(text), "2001:db8:%x::%x", i >> 16, i & 0xffff);
	else
		snprintf(text, sizeof(text), "%u.%u.%u.%u", 1 + (i >> 24) % 223, (i >> 16) & 255,
			 (i >> 8) & 255, i & 255);
	assert_int_equal(addr_parse(text, a), 0);
}

static long long command_int(const char *fmt, const char *key)
{
	redisReply *r = redisCommand(rc, fmt, key);

	assert_non_null(r);
	if (r->type != REDIS_REPLY_INTEGER)
		fail_msg("%s %s: %s", fmt, key,
			 r->type == REDIS_REPLY_ERROR ? r->str : "not a number");
	long long v = r->integer;
	freeReplyObject(r);
	return v;
}

static void command_ok(redisReply *r, const char *what)
{
	assert_non_null(r);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("%s: %s", what, r->str);
	freeReplyObject(r);
}

/* The registers of a key, made dense first (PFADD of a few keeps them
 * sparse). */
static redisReply *registers(const char *key)
{
	command_ok(redisCommand(rc, "PFDEBUG TODENSE %s", key), "PFDEBUG TODENSE");
	redisReply *r = redisCommand(rc, "GET %s", key);

	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_int_equal(r->len, STORE_HLL_DENSE_SIZE);
	assert_memory_equal(r->str, "HYLL", 4);
	assert_int_equal(r->str[4], 0); /* dense */
	return r;
}

static void compare(unsigned n)
{
	uint8_t *regs = calloc(LW_HLL_REGISTERS, 1), *dense = malloc(STORE_HLL_DENSE_SIZE);
	const char **argv = malloc(sizeof(*argv) * 10002);
	char(*text)[LW_ADDR_STRLEN] = malloc(10000 * sizeof(*text));
	struct lw_addr a;

	assert_non_null(regs);
	assert_non_null(dense);
	assert_non_null(argv);
	assert_non_null(text);
	command_ok(redisCommand(rc, "DEL ref mine merged refdense"), "DEL");
	for (unsigned i = 0; i < n;) {
		unsigned k = 0;
		argv[0] = "PFADD";
		argv[1] = "ref";
		for (; k < 10000 && i < n; k++, i++) {
			address(i, &a);
			lw_hll_add_addr(regs, &a);
			argv[2 + k] = addr_format(&a, text[k], sizeof(text[k]));
		}
		command_ok(redisCommandArgv(rc, (int)k + 2, argv, NULL), "PFADD");
	}
	store_hll_dense(regs, dense);
	command_ok(redisCommand(rc, "SET mine %b", dense, (size_t)STORE_HLL_DENSE_SIZE), "SET");
	/* PFMERGE accepts it, as the store sends it: into a new key */
	command_ok(redisCommand(rc, "PFMERGE merged mine"), "PFMERGE");
	long long want = n ? command_int("PFCOUNT %s", "ref") : 0;
	assert_int_equal(command_int("PFCOUNT %s", "merged"), want);
	assert_int_equal(command_int("PFCOUNT %s", "mine"), want);
	/* the estimator the aggregate counts with is PFCOUNT's, to the unit */
	assert_int_equal((long long)lw_hll_count(regs), want);
	if (n == 1)
		assert_int_equal(want, 1);
	if (n >= 1000) /* Redis's own estimate, within its error */
		assert_true(llabs(want - (long long)n) < (long long)n / 50);
	/* exactly the same registers, not only the same estimate */
	if (n) {
		command_ok(redisCommand(rc, "PFMERGE refdense ref"), "PFMERGE");
		redisReply *x = registers("refdense"), *y = registers("merged");
		assert_memory_equal(x->str + STORE_HLL_HDR, y->str + STORE_HLL_HDR,
				    STORE_HLL_DENSE_SIZE - STORE_HLL_HDR);
		freeReplyObject(x);
		freeReplyObject(y);
	}
	free(regs);
	free(dense);
	free(argv);
	free(text);
}

static void test_none(void **state)
{
	(void)state;
	compare(0);
}

static void test_one(void **state)
{
	(void)state;
	compare(1);
}

static void test_thousand(void **state)
{
	(void)state;
	compare(1000);
}

static void test_many(void **state)
{
	(void)state;
	compare(200000);
}

/* Merged into a key that PFADD already filled (the day's sources written
 * before the flood): the union, as PFADD of both would give. */
static void test_merge_into_existing(void **state)
{
	uint8_t *regs = calloc(LW_HLL_REGISTERS, 1), *dense = malloc(STORE_HLL_DENSE_SIZE);
	char ip[LW_ADDR_STRLEN];
	struct lw_addr a;

	(void)state;
	assert_non_null(regs);
	assert_non_null(dense);
	command_ok(redisCommand(rc, "DEL day both mine"), "DEL");
	for (unsigned i = 0; i < 3000; i++) {
		address(i, &a);
		addr_format(&a, ip, sizeof(ip));
		command_ok(redisCommand(rc, "PFADD both %s", ip), "PFADD");
		if (i < 1000)
			command_ok(redisCommand(rc, "PFADD day %s", ip), "PFADD");
		else
			lw_hll_add_addr(regs, &a);
	}
	store_hll_dense(regs, dense);
	command_ok(redisCommand(rc, "SET mine %b", dense, (size_t)STORE_HLL_DENSE_SIZE), "SET");
	command_ok(redisCommand(rc, "PFMERGE day mine"), "PFMERGE");
	/* merging the same registers again changes nothing (a resent batch) */
	long long once = command_int("PFCOUNT %s", "day");
	command_ok(redisCommand(rc, "PFMERGE day mine"), "PFMERGE");
	assert_int_equal(command_int("PFCOUNT %s", "day"), once);
	assert_int_equal(once, command_int("PFCOUNT %s", "both"));
	free(regs);
	free(dense);
}

/* Redis's MurmurHash64A on its short and long inputs: the tail of every
 * length (0 to 7 bytes past a multiple of 8) lands in the same register
 * as Redis puts it. */
static void test_every_tail(void **state)
{
	uint8_t *regs = calloc(LW_HLL_REGISTERS, 1), *dense = malloc(STORE_HLL_DENSE_SIZE);
	static const char text[] = "abcdefghijklmnopqrstuvwx";

	(void)state;
	assert_non_null(regs);
	assert_non_null(dense);
	command_ok(redisCommand(rc, "DEL tails mine merged"), "DEL");
	for (size_t len = 0; len < sizeof(text) - 1; len++) {
		lw_hll_add(regs, text, len);
		command_ok(redisCommand(rc, "PFADD tails %b", text, len), "PFADD");
	}
	store_hll_dense(regs, dense);
	command_ok(redisCommand(rc, "SET mine %b", dense, (size_t)STORE_HLL_DENSE_SIZE), "SET");
	command_ok(redisCommand(rc, "PFMERGE merged mine"), "PFMERGE");
	redisReply *x = registers("tails"), *y = registers("merged");
	assert_memory_equal(x->str + STORE_HLL_HDR, y->str + STORE_HLL_HDR,
			    STORE_HLL_DENSE_SIZE - STORE_HLL_HDR);
	freeReplyObject(x);
	freeReplyObject(y);
	free(regs);
	free(dense);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_none),
	    cmocka_unit_test(test_one),
	    cmocka_unit_test(test_thousand),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_merge_into_existing),
	    cmocka_unit_test(test_every_tail),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
