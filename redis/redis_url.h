/* Where the Redis store connects, parsed from a URL:
 *   redis://[USER@]HOST[:PORT][/DB]     TCP; HOST may be [IPv6]; PORT 6379, DB 0
 *   unix:PATH[?db=N][&user=USER]        Unix socket; PATH absolute
 * A password is never part of the URL: a command line is visible to every
 * local user through ps, so the secret comes from a file or the
 * environment (see redis_opts.c). */
#ifndef LW_REDIS_URL_H
#define LW_REDIS_URL_H

#include <stdbool.h>
#include <stddef.h>

#define REDIS_URL_HOST_MAX 256
#define REDIS_URL_PATH_MAX 108 /* sun_path */
#define REDIS_URL_USER_MAX 128
#define REDIS_DEFAULT_PORT 6379
#define REDIS_DB_MAX	   65535 /* a sanity bound; the server says how many it has */

struct redis_url {
	bool is_unix;
	char host[REDIS_URL_HOST_MAX]; /* TCP: without the IPv6 brackets */
	int port;
	char path[REDIS_URL_PATH_MAX]; /* Unix socket */
	char user[REDIS_URL_USER_MAX]; /* ACL user, "" for the default user */
	int db;
};

/* Returns 0, or -1 with an allocated message naming the URL in *reterr_msg. */
int redis_url_parse(const char *url, struct redis_url *ret, char **reterr_msg);
/* "127.0.0.1:6379", "[::1]:6379" or "unix:/run/redis.sock": for messages. */
const char *redis_url_where(const struct redis_url *u, char *buf, size_t len);

#endif
