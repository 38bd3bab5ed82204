/* A private redis-server for the unit tests (tests/redis_server.c): on a
 * Unix socket in the test's directory, no persistence but a dump file
 * there, killed with the test even when it crashes. */
#ifndef LW_TESTS_REDIS_SERVER_H
#define LW_TESTS_REDIS_SERVER_H

#include <sys/types.h>

/* Starts redis-server on `sock`, its files in `dir`, and waits until it
 * answers PING. Its pid, or -1 with the reason (and what to install) on
 * stderr. */
pid_t test_redis_start(const char *dir, const char *sock);

#endif
