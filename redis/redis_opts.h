/* The Redis options `lockwatch replay`, `report` and `doctor` share (and
 * lockwatchd's settings go through the same redis_opts_config()): the
 * URL, where the password comes from (a file or the environment, never
 * the command line), the key prefix and the sensor name. */
#ifndef LW_REDIS_OPTS_H
#define LW_REDIS_OPTS_H

#include <getopt.h> /* required_argument, for REDIS_OPTS_LONGOPTS */
#include <stdbool.h>
#include <stdint.h>

#include "redis/store_redis.h"

#define REDIS_PASSWORD_ENV "LOCKWATCH_REDIS_PASSWORD"
#define REDIS_PASSWORD_MAX 512 /* bytes of a password file's first line */

struct redis_opts {
	const char *url;	   /* NULL: no Redis */
	const char *password_file; /* NULL: $LOCKWATCH_REDIS_PASSWORD if set */
	const char *prefix;
	const char *sensor; /* NULL: the host name */
	uint32_t retention_days;
	uint32_t minute_retention_hours;
	uint32_t max_pending;
};

/* The long options every Redis-speaking command takes, for its option
 * table; their codes sit above any command's own. */
enum { REDIS_OPT_URL = 0x1000, REDIS_OPT_PASSWORD_FILE, REDIS_OPT_PREFIX };
/* clang-format off */
#define REDIS_OPTS_LONGOPTS                                                           \
	{"redis", required_argument, NULL, REDIS_OPT_URL},                            \
	{"redis-password-file", required_argument, NULL, REDIS_OPT_PASSWORD_FILE},    \
	{"redis-prefix", required_argument, NULL, REDIS_OPT_PREFIX}
/* clang-format on */

void redis_opts_defaults(struct redis_opts *o);
/* Takes one of REDIS_OPTS_LONGOPTS (the code getopt returned and its
 * value); false when c is none of them. */
bool redis_opts_take(struct redis_opts *o, int c, const char *value);

/* Fills a store configuration; prints one line naming the URL, file or
 * name that is wrong. Returns 0 or an exit status (64 usage, 66 password
 * file unreadable). *ret_password is allocated (NULL when none); wipe and
 * free it with redis_opts_free_password() once the store holds a copy. */
int redis_opts_config(const struct redis_opts *o, struct store_config *cfg, char **ret_password,
		      char *sensor_buf, size_t sensor_len);
void redis_opts_free_password(char *password);

#endif
