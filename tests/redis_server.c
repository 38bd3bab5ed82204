/* A private redis-server for the unit tests: see redis_server.h. */
#include "config.h"

#include "tests/redis_server.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>

pid_t test_redis_start(const char *dir, const char *sock)
{
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* the server goes when the test goes, even when it crashes */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		       "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", dir,
		       "--dbfilename", "dump.rdb", "--enable-debug-command", "yes", "--daemonize",
		       "no", (char *)NULL);
		fprintf(stderr, "redis-server: %s: install redis-server\n", strerror(errno));
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "redis-server did not start (install redis-server)\n");
			return -1;
		}
		struct timeval tv = {.tv_sec = 1};
		redisContext *c = redisConnectUnixWithTimeout(sock, tv);
		if (c && !c->err) {
			redisReply *r = redisCommand(c, "PING");
			bool up = r && r->type == REDIS_REPLY_STATUS;
			freeReplyObject(r);
			redisFree(c);
			if (up)
				return pid;
		} else if (c) {
			redisFree(c);
		}
		struct timespec ts = {.tv_nsec = 10000000L};
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "redis-server did not answer on %s\n", sock);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}
