/* bench_store: how many distinct sources per second the Redis store writes
 * on one connection, how many commands a flush takes, and what the
 * redis-server process spends meanwhile (from /proc/PID/stat). It starts
 * its own redis-server on a private Unix socket, so the figures are for a
 * local server; nothing else should run on the machine.
 *
 *   bench/bench_store [--sources N] [--flushes K] [--attempts A]
 *
 * Each flush carries N sources never seen before (the worst case: every
 * source is a new key), A attempts each, through the same path lockwatchd
 * uses: aggregate -> aggregate_take_batch -> store_flush_batch.
 *
 * The peer, measured in the same run on the same server: the fewest plain
 * commands that can hold what DESIGN.md section 6 asks of a new outside
 * source (a new `src:<ip>` hash, its TTL, a member of the `attempts`
 * zset), pipelined without MULTI/EXEC: HSET and EXPIRE per source and one
 * variadic ZADD per 10,000. No schema-conforming writer can beat it, so
 * lockwatch's rate is reported as a fraction of it. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "analyzer/aggregate.h"
#include "analyzer/store_batch.h"
#include "redis/store_redis.h"
#include "tests/redis_server.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of a process, in seconds. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long ut = 0, st = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields 14 and 15, counted after the ")" that ends the command name */
	char *p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The schema floor (see the top comment): N new sources starting at
 * address 11.0.0.0 + base. Returns the seconds it took, or -1; adds
 * redis-server's CPU seconds meanwhile to *server_cpu. */
static double schema_floor(const char *sock, pid_t rpid, unsigned n, unsigned base,
			   double *server_cpu)
{
	struct timeval tv = {.tv_sec = 60};
	redisContext *c = redisConnectUnixWithTimeout(sock, tv);
	char ip[16], key[48], ts[24];
	enum { ZCHUNK = 10000 };
	static char zmem[ZCHUNK][16];
	static const char *zargv[2 + 2 * ZCHUNK];
	static char zts[24];
	unsigned queued = 0;

	if (!c || c->err)
		return -1;
	redisSetTimeout(c, tv);
	double cpu0 = proc_cpu_s(rpid), t0 = now_s();
	for (unsigned i = 0; i < n;) {
		unsigned chunk = ZCHUNK;
		if (n - i < chunk)
			chunk = n - i;
		snprintf(zts, sizeof(zts), "%u", 1793610000u + i);
		zargv[0] = "ZADD";
		zargv[1] = "floor:attempts";
		for (unsigned j = 0; j < chunk; j++, i++) {
			uint32_t a = 0x0b000000u + base + i;
			snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255u,
				 (a >> 8) & 255u, a & 255u);
			snprintf(key, sizeof(key), "floor:src:%s", ip);
			snprintf(ts, sizeof(ts), "%u", 1793610000u + i);
			redisAppendCommand(c, "HSET %s last_seen %s", key, ts);
			redisAppendCommand(c, "EXPIRE %s 2592000", key);
			memcpy(zmem[j], ip, sizeof(ip));
			zargv[2 + 2 * j] = zts;
			zargv[3 + 2 * j] = zmem[j];
			queued += 2;
		}
		redisAppendCommandArgv(c, 2 + 2 * (int)chunk, zargv, NULL);
		queued++;
	}
	for (unsigned i = 0; i < queued; i++) {
		void *r = NULL;
		if (redisGetReply(c, &r) != REDIS_OK) {
			redisFree(c);
			return -1;
		}
		freeReplyObject(r);
	}
	double t1 = now_s();
	*server_cpu += proc_cpu_s(rpid) - cpu0;
	redisFree(c);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"sources", required_argument, NULL, 's'},
	    {"flushes", required_argument, NULL, 'f'},
	    {"attempts", required_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	unsigned n_src = 100000, flushes = 10, per_src = 1;
	int c;

	while ((c = getopt_long(argc, argv, "s:f:a:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			n_src = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			flushes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			per_src = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
				"usage: bench_store [--sources N] [--flushes K] [--attempts A]\n");
			return 64;
		}
	}
	if (!n_src || !flushes || !per_src || n_src > 4000000) {
		fprintf(stderr, "bench_store: N 1..4000000, K and A at least 1\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);

	char dir[] = "/tmp/lwbench.XXXXXX", sock[64];
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	pid_t rpid = test_redis_start(dir, sock); /* says why on stderr */
	if (rpid < 0)
		return 1;

	struct store_config cfg;
	char url[96], *msg = NULL;
	store_config_defaults(&cfg);
	snprintf(url, sizeof(url), "unix:%s", sock);
	redis_url_parse(url, &cfg.url, &msg);
	cfg.sensor = "bench";
	cfg.command_timeout_ms = 60000; /* a big batch is slow to queue, not stalled */
	struct store *s = store_new(&cfg);
	struct aggregate *ag = aggregate_new(n_src * 2);
	if (!s || s->err || !ag) {
		fprintf(stderr, "bench_store: %s\n", s ? s->errstr : "out of memory");
		return 1;
	}
	aggregate_track_changes(ag);

	double t_add = 0, t_take = 0, t_flush = 0, r_cpu = 0, c_cpu = 0, floor_s = 0, floor_cpu = 0;
	uint64_t cmds = 0, k = 0;
	struct rule_ref ref;
	memset(&ref, 0, sizeof(ref));
	ref.cls = CLASS_OUTSIDE;
	for (unsigned f = 0; f < flushes; f++) {
		/* a fresh aggregate per flush keeps every source new */
		aggregate_free(ag);
		ag = aggregate_new(n_src * 2);
		aggregate_track_changes(ag);
		double t0 = now_s();
		for (unsigned i = 0; i < n_src; i++) {
			struct attempt a;
			uint32_t ip = 0x0a000000u + f * n_src + i; /* 10.0.0.0/8, distinct */
			uint8_t b[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16),
					(uint8_t)(ip >> 8), (uint8_t)ip};
			memset(&a, 0, sizeof(a));
			addr_set_ip4(&a.src, b);
			addr_parse("192.0.2.25", &a.dst);
			a.dport = 25;
			for (unsigned j = 0; j < per_src; j++, k++) {
				a.first_us = 1793610000000000ULL + k;
				a.last_us = a.first_us + 1000;
				a.outcome = (uint8_t)(j % 2 ? OUTCOME_REFUSED : OUTCOME_UNANSWERED);
				a.replied = a.outcome == OUTCOME_REFUSED;
				aggregate_add(ag, &a, &ref);
			}
		}
		double t1 = now_s();
		struct store_batch *batch = aggregate_take_batch(ag);
		double t2 = now_s(), rc0 = proc_cpu_s(rpid), cc0 = self_cpu_s();
		if (!batch || store_flush_batch(s, batch) < 0) {
			fprintf(stderr, "bench_store: flush %u: %s\n", f, s->errstr);
			return 1;
		}
		double t3 = now_s();
		r_cpu += proc_cpu_s(rpid) - rc0;
		c_cpu += self_cpu_s() - cc0;
		cmds += s->commands_last;
		/* the peer right after, so a load spike hits both alike */
		double tf = schema_floor(sock, rpid, n_src, f * n_src, &floor_cpu);
		if (tf < 0) {
			fprintf(stderr, "bench_store: the schema floor's pipeline failed\n");
			return 1;
		}
		floor_s += tf;
		t_add += t1 - t0;
		t_take += t2 - t1;
		t_flush += t3 - t2;
	}
	double total = (double)n_src * flushes;
	printf("sources per flush      %u (%u attempt(s) each, every source new)\n", n_src,
	       per_src);
	printf("flushes                %u\n", flushes);
	printf("commands per flush     %.0f (%.2f per source)\n", (double)cmds / flushes,
	       (double)cmds / total);
	printf("flush time             %.3f s per flush\n", t_flush / flushes);
	printf("sources per second     %.0f (flush only, one connection)\n", total / t_flush);
	printf("commands per second    %.0f\n", (double)cmds / t_flush);
	printf("redis-server CPU       %.2f s (%.0f%% of one core during the flushes)\n", r_cpu,
	       100.0 * r_cpu / t_flush);
	printf("lockwatch CPU          %.2f s (%.0f%%: encoding and reading replies)\n", c_cpu,
	       100.0 * c_cpu / t_flush);
	double floor_rate = total / floor_s;
	printf("schema floor           %.0f sources per second (HSET + EXPIRE each, variadic "
	       "ZADD; redis-server CPU %.1f us per source)\n",
	       floor_rate, 1e6 * floor_cpu / total);
	printf("lockwatch / floor      %.2f of the floor's rate (redis-server CPU %.1f us per "
	       "source)\n",
	       total / t_flush / floor_rate, 1e6 * r_cpu / total);
	printf("aggregate_add          %.0f ns per attempt\n", 1e9 * t_add / (total * per_src));
	printf("aggregate_take_batch   %.1f ms per flush (capture thread)\n",
	       1e3 * t_take / flushes);

	store_free(s);
	aggregate_free(ag);
	kill(rpid, SIGTERM);
	waitpid(rpid, NULL, 0);
	unlink(sock);
	rmdir(dir);
	return 0;
}
