/* Redis options shared by the subcommands (see redis_opts.h). */
#include "config.h"

#include "redis/redis_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/program.h"

void redis_opts_defaults(struct redis_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->prefix = STORE_PREFIX_DEFAULT;
	o->retention_days = STORE_RETENTION_S_DEFAULT / 86400u;
	o->minute_retention_hours = STORE_MINUTES_S_DEFAULT / 3600u;
	o->max_pending = STORE_MAX_PENDING_DEFAULT;
}

bool redis_opts_take(struct redis_opts *o, int c, const char *value)
{
	switch (c) {
	case REDIS_OPT_URL:
		o->url = value;
		return true;
	case REDIS_OPT_PASSWORD_FILE:
		o->password_file = value;
		return true;
	case REDIS_OPT_PREFIX:
		o->prefix = value;
		return true;
	default:
		return false;
	}
}

/* Names become parts of keys: keep them to characters that need no
 * quoting anywhere and cannot be confused with the ':' separators. */
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

static int valid_name(const char *s, size_t max, const char *chars)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strspn(s, chars) == n;
}

static char *read_password_file(const char *path, int *ret_exit)
{
	char buf[REDIS_PASSWORD_MAX + 2];
	FILE *f = fopen(path, "r");

	*ret_exit = LW_EXIT_NOINPUT;
	if (!f) {
		lw_error("%s: cannot read the Redis password: %s", path, strerror(errno));
		return NULL;
	}
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		lw_error("%s: the Redis password file is empty", path);
		*ret_exit = LW_EXIT_USAGE;
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	char *p = strdup(buf);
	memset(buf, 0, sizeof(buf));
	if (!p) {
		lw_error("out of memory");
		*ret_exit = LW_EXIT_SOFTWARE;
	}
	return p;
}

int redis_opts_config(const struct redis_opts *o, struct store_config *cfg, char **ret_password,
		      char *sensor_buf, size_t sensor_len)
{
	char *msg = NULL;
	int rc;

	*ret_password = NULL;
	store_config_defaults(cfg);
	if (redis_url_parse(o->url, &cfg->url, &msg) < 0) {
		lw_error("%s", msg ? msg : "out of memory");
		free(msg);
		return LW_EXIT_USAGE;
	}
	if (!valid_name(o->prefix, STORE_PREFIX_MAX, NAME_CHARS ":")) {
		lw_error("--redis-prefix: '%s' is not a key prefix (letters, digits, '.', '_', "
			 "'-', ':'; at most %u bytes)",
			 o->prefix, STORE_PREFIX_MAX);
		return LW_EXIT_USAGE;
	}
	if (o->sensor) {
		if (!valid_name(o->sensor, STORE_SENSOR_NAME_MAX, NAME_CHARS)) {
			lw_error("--sensor-name: '%s' is not a sensor name (letters, digits, '.', "
				 "'_', '-'; at most %u bytes)",
				 o->sensor, STORE_SENSOR_NAME_MAX);
			return LW_EXIT_USAGE;
		}
		snprintf(sensor_buf, sensor_len, "%s", o->sensor);
	} else if (gethostname(sensor_buf, sensor_len) != 0 || !sensor_buf[0]) {
		snprintf(sensor_buf, sensor_len, "lockwatch");
	} else {
		sensor_buf[sensor_len - 1] = '\0';
		sensor_buf[strcspn(sensor_buf, ".")] = '\0'; /* the short host name */
		if (!valid_name(sensor_buf, STORE_SENSOR_NAME_MAX, NAME_CHARS))
			snprintf(sensor_buf, sensor_len, "lockwatch");
	}
	cfg->prefix = o->prefix;
	cfg->sensor = sensor_buf;
	cfg->retention_s = o->retention_days * 86400u;
	cfg->minute_retention_s = o->minute_retention_hours * 3600u;
	cfg->max_pending = o->max_pending;
	if (o->password_file) {
		*ret_password = read_password_file(o->password_file, &rc);
		if (!*ret_password)
			return rc;
	} else if (getenv(REDIS_PASSWORD_ENV) && *getenv(REDIS_PASSWORD_ENV)) {
		*ret_password = strdup(getenv(REDIS_PASSWORD_ENV));
		if (!*ret_password) {
			lw_error("out of memory");
			return LW_EXIT_SOFTWARE;
		}
	}
	cfg->password = *ret_password;
	return 0;
}

void redis_opts_free_password(char *password)
{
	if (!password)
		return;
	memset(password, 0, strlen(password));
	free(password);
}
