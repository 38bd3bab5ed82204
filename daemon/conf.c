/* lockwatchd settings (see config.h): one key table read by both the file
 * parser and the command line, so the two can never disagree. */
#include "config.h"

#include "daemon/conf.h"

#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/alert.h"
#include "common/bounds.h"

enum key_id {
	K_INTERFACE,
	K_RULES,
	K_SENSOR_NAME,
	K_USER,
	K_REDIS,
	K_REDIS_PASSWORD_FILE,
	K_REDIS_PREFIX,
	K_REDIS_RETENTION,
	K_REDIS_MINUTE_RETENTION,
	K_REDIS_MAX_PENDING,
	K_REDIS_WAIT,
	K_FOREGROUND,
	K_LINGER,
	K_FLUSH_INTERVAL,
	K_SUMMARY_INTERVAL,
	K_DEDUP_WINDOW,
	K_FLOOD_RATE,
	K_FLOOD_BURST,
	K_TIMEOUT,
	K_MAX_ATTEMPTS,
	K_MAX_SOURCES,
	K_BUFFER_SIZE,
	K_DELIVERY_MS,
	K_METRICS_FILE,
	K_COUNT
};

struct key_range {
	unsigned long long min, max;
};

const struct config_key config_keys[] = {
    [K_INTERFACE] = {"interface", CONFIG_STRING, "IFACE", "capture live from IFACE"},
    [K_RULES] = {"rules", CONFIG_STRING, "FILE", "rules file (" DAEMON_DEFAULT_RULES ")"},
    [K_SENSOR_NAME] = {"sensor-name", CONFIG_STRING, "NAME",
		       "name in alerts and Redis (default: the host name)"},
    [K_USER] = {"user", CONFIG_STRING, "USER",
		"run as USER after opening the capture (" DAEMON_DEFAULT_USER ")"},
    [K_REDIS] = {"redis", CONFIG_STRING, "URL",
		 "store aggregates in Redis: redis://[USER@]HOST[:PORT][/DB] or unix:/PATH"},
    [K_REDIS_PASSWORD_FILE] = {"redis-password-file", CONFIG_STRING, "FILE",
			       "Redis password on the file's first line"},
    [K_REDIS_PREFIX] = {"redis-prefix", CONFIG_STRING, "PREFIX", "Redis key prefix (lockwatch:)"},
    [K_REDIS_RETENTION] = {"redis-retention", CONFIG_UINT, "DAYS",
			   "expiry of per-source and hourly keys, index trim age (30)"},
    [K_REDIS_MINUTE_RETENTION] = {"redis-minute-retention", CONFIG_UINT, "HOURS",
				  "expiry of the per-minute series (48)"},
    [K_REDIS_MAX_PENDING] = {"redis-max-pending", CONFIG_UINT, "N",
			     "sources held while Redis is away (1048576)"},
    [K_REDIS_WAIT] = {"redis-wait", CONFIG_SECONDS, "SECONDS",
		      "with -r: how long Redis may be away before giving up (60)"},
    [K_FOREGROUND] = {"foreground", CONFIG_BOOL, NULL, "alerts and messages to stderr"},
    [K_LINGER] = {"linger-after-replay", CONFIG_BOOL, NULL,
		  "with -r: keep running after the files, until SIGTERM"},
    [K_FLUSH_INTERVAL] = {"flush-interval", CONFIG_SECONDS, "SECONDS", "between Redis flushes (1)"},
    [K_SUMMARY_INTERVAL] = {"summary-interval", CONFIG_SECONDS, "SECONDS",
			    "between summary alerts, 0 never (3600)"},
    [K_DEDUP_WINDOW] = {"dedup-window", CONFIG_SECONDS, "SECONDS",
			"one alert per source and event within (600)"},
    [K_FLOOD_RATE] = {"flood-rate", CONFIG_UINT, "N", "alerts per second sustained (10)"},
    [K_FLOOD_BURST] = {"flood-burst", CONFIG_UINT, "N", "alerts at once, 0 no guard (100)"},
    [K_TIMEOUT] = {"timeout", CONFIG_SECONDS, "SECONDS", "handshake timeout (5)"},
    [K_MAX_ATTEMPTS] = {"max-attempts", CONFIG_UINT, "N", "open attempts tracked (131072)"},
    [K_MAX_SOURCES] = {"max-sources", CONFIG_UINT, "N", "distinct sources kept (262144)"},
    [K_BUFFER_SIZE] = {"buffer-size", CONFIG_UINT, "MIB", "kernel capture buffer (16)"},
    [K_DELIVERY_MS] = {"delivery-ms", CONFIG_UINT, "MS",
		       "kernel hands packets over at least this often, 0 each at once (50)"},
    [K_METRICS_FILE] = {"metrics-file", CONFIG_STRING, "FILE",
			"Prometheus metrics, replaced after each flush tick; none: no file"},
};
const unsigned config_n_keys = K_COUNT;
_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) == K_COUNT, "one row per key");

static const struct key_range ranges[K_COUNT] = {
    [K_REDIS_RETENTION] = {1, 3650},
    [K_REDIS_MAX_PENDING] = {1, 1u << 28},
    [K_FLUSH_INTERVAL] = {1, 3600},
    [K_SUMMARY_INTERVAL] = {0, 604800},
    [K_DEDUP_WINDOW] = {0, 604800},
    [K_FLOOD_RATE] = {1, 1000000},
    [K_FLOOD_BURST] = {0, 1000000},
    [K_TIMEOUT] = {1, 3600},
    [K_MAX_ATTEMPTS] = {16, 1u << 26},
    [K_MAX_SOURCES] = {16, 1u << 28},
    [K_BUFFER_SIZE] = {1, 4096},
    [K_DELIVERY_MS] = {0, 1000},
    [K_REDIS_MINUTE_RETENTION] = {1, 8760},
    [K_REDIS_WAIT] = {0, 86400},
};

void config_init(struct daemon_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->flush_interval_us = LW_DAEMON_FLUSH_US;
	cfg->redis_wait_s = LW_REDIS_WAIT_S;
	cfg->summary_interval_us = LW_DAEMON_SUMMARY_US;
	cfg->dedup_window_us = LW_ALERT_DEDUP_WINDOW_US;
	cfg->flood_rate = LW_ALERT_FLOOD_RATE;
	cfg->flood_burst = LW_ALERT_FLOOD_BURST;
	cfg->buffer_mb = LW_PCAP_BUFFER_MB;
	cfg->delivery_ms = LW_PCAP_DELIVERY_MS;
	pipeline_config_defaults(&cfg->pc);
}

void config_release(struct daemon_config *cfg)
{
	free(cfg->interface);
	for (unsigned i = 0; i < cfg->n_replay; i++)
		free(cfg->replay[i]);
	free(cfg->replay);
	free(cfg->rules);
	free(cfg->sensor_name);
	free(cfg->user);
	free(cfg->redis);
	free(cfg->redis_password_file);
	free(cfg->redis_prefix);
	free(cfg->metrics_file);
	memset(cfg, 0, sizeof(*cfg));
}

int config_default_metrics(struct daemon_config *cfg, const char *state_dir)
{
	if (cfg->metrics_file || cfg->metrics_off || !cfg->interface || !state_dir || !*state_dir)
		return 0;
	/* several StateDirectory= entries come colon-separated: the first */
	size_t n = strcspn(state_dir, ":");
	size_t len = n + sizeof("/" DAEMON_METRICS_NAME);
	char *path = malloc(len);
	if (!path)
		return -ENOMEM;
	snprintf(path, len, "%.*s/%s", (int)n, state_dir, DAEMON_METRICS_NAME);
	cfg->metrics_file = path;
	return 0;
}

int config_add_replay(struct daemon_config *cfg, const char *file)
{
	char **n = realloc(cfg->replay, (cfg->n_replay + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	cfg->replay = n;
	n[cfg->n_replay] = strdup(file);
	if (!n[cfg->n_replay])
		return -ENOMEM;
	cfg->n_replay++;
	return 0;
}

static int parse_bool(const char *v, bool *ret)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (unsigned i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -1;
}

static int parse_number(const char *key, const char *v, struct key_range r, unsigned long long *ret,
			char *err, size_t errlen)
{
	char *end;

	if (!*v || !isdigit((unsigned char)v[0])) {
		snprintf(err, errlen, "%s: '%s' is not a number (expected %llu to %llu)", key, v,
			 r.min, r.max);
		return -1;
	}
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end) {
		snprintf(err, errlen, "%s: '%s' is not a number (expected %llu to %llu)", key, v,
			 r.min, r.max);
		return -1;
	}
	if (errno == ERANGE || n < r.min || n > r.max) {
		snprintf(err, errlen, "%s: %s is out of range (expected %llu to %llu)", key, v,
			 r.min, r.max);
		return -1;
	}
	*ret = n;
	return 0;
}

/* Sensor names end up in Redis keys and journal fields: keep them plain. */
static bool sensor_name_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= ALERT_SENSOR_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("._-", v[i]))
			return false;
	return true;
}

static int set_string(char **dst, const char *v, char *err, size_t errlen)
{
	char *s = strdup(v);

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

int config_set(struct daemon_config *cfg, const char *key, const char *value, char *err,
	       size_t errlen)
{
	unsigned id;
	unsigned long long n = 0;
	bool b = false;

	for (id = 0; id < K_COUNT; id++)
		if (strcmp(config_keys[id].name, key) == 0)
			break;
	if (id == K_COUNT) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -1;
	}
	const struct config_key *k = &config_keys[id];
	switch (k->type) {
	case CONFIG_STRING:
		if (!*value) {
			snprintf(err, errlen, "%s: missing value", key);
			return -1;
		}
		break;
	case CONFIG_BOOL:
		if (parse_bool(value, &b) < 0) {
			snprintf(err, errlen, "%s: '%s' is not yes or no", key, value);
			return -1;
		}
		break;
	case CONFIG_UINT:
	case CONFIG_SECONDS:
		if (parse_number(key, value, ranges[id], &n, err, errlen) < 0)
			return -1;
		break;
	}

	switch ((enum key_id)id) {
	case K_INTERFACE:
		if (strlen(value) >= IF_NAMESIZE) {
			snprintf(err, errlen, "interface: '%s' is longer than an interface name",
				 value);
			return -1;
		}
		return set_string(&cfg->interface, value, err, errlen);
	case K_RULES:
		return set_string(&cfg->rules, value, err, errlen);
	case K_SENSOR_NAME:
		if (!sensor_name_ok(value)) {
			snprintf(
			    err, errlen,
			    "sensor-name: '%s' must be 1 to %d letters, digits, '.', '_' or '-'",
			    value, ALERT_SENSOR_LEN - 1);
			return -1;
		}
		return set_string(&cfg->sensor_name, value, err, errlen);
	case K_USER:
		return set_string(&cfg->user, value, err, errlen);
	case K_REDIS:
		return set_string(&cfg->redis, value, err, errlen);
	case K_REDIS_PASSWORD_FILE:
		return set_string(&cfg->redis_password_file, value, err, errlen);
	case K_REDIS_PREFIX:
		return set_string(&cfg->redis_prefix, value, err, errlen);
	case K_REDIS_RETENTION:
		cfg->redis_retention_days = (uint32_t)n;
		return 0;
	case K_REDIS_MINUTE_RETENTION:
		cfg->redis_minute_retention_hours = (uint32_t)n;
		return 0;
	case K_REDIS_WAIT:
		cfg->redis_wait_s = (uint32_t)n;
		return 0;
	case K_REDIS_MAX_PENDING:
		cfg->redis_max_pending = (uint32_t)n;
		return 0;
	case K_FOREGROUND:
		cfg->foreground = b;
		return 0;
	case K_LINGER:
		cfg->linger = b;
		return 0;
	case K_FLUSH_INTERVAL:
		cfg->flush_interval_us = n * 1000000ULL;
		return 0;
	case K_SUMMARY_INTERVAL:
		cfg->summary_interval_us = n * 1000000ULL;
		return 0;
	case K_DEDUP_WINDOW:
		cfg->dedup_window_us = n * 1000000ULL;
		return 0;
	case K_FLOOD_RATE:
		cfg->flood_rate = (uint32_t)n;
		return 0;
	case K_FLOOD_BURST:
		cfg->flood_burst = (uint32_t)n;
		return 0;
	case K_TIMEOUT:
		cfg->pc.timeout_us = n * 1000000ULL;
		return 0;
	case K_MAX_ATTEMPTS:
		cfg->pc.max_attempts = (uint32_t)n;
		return 0;
	case K_MAX_SOURCES:
		cfg->pc.max_sources = (uint32_t)n;
		return 0;
	case K_BUFFER_SIZE:
		cfg->buffer_mb = (uint32_t)n;
		return 0;
	case K_DELIVERY_MS:
		cfg->delivery_ms = (uint32_t)n;
		return 0;
	case K_METRICS_FILE:
		/* the file is replaced by a rename in its directory: it needs one */
		cfg->metrics_off = strcmp(value, "none") == 0;
		if (cfg->metrics_off) {
			free(cfg->metrics_file);
			cfg->metrics_file = NULL;
			return 0;
		}
		if (value[strlen(value) - 1] == '/') {
			snprintf(err, errlen, "metrics-file: '%s' names a directory, not a file",
				 value);
			return -1;
		}
		return set_string(&cfg->metrics_file, value, err, errlen);
	case K_COUNT:
		break;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* A message about a line: what the file said is quoted escaped, so a stray
 * control byte cannot split the message or reach the terminal raw. */
__attribute__((format(printf, 4, 5))) static void bad_line(struct diag *diag, const char *path,
							   unsigned lineno, const char *fmt, ...)
{
	char body[1024], shown[1024]; /* diag_add keeps 1024 bytes of a message */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	diag_add(diag, DIAG_ERROR, path, lineno, 0, "%s", diag_escape(body, shown, sizeof(shown)));
}

/* One line: blank, a comment, or `key = value` with an optional comment
 * after the value (a '#' after a blank) and optional double quotes. */
static void parse_line(struct daemon_config *cfg, const char *path, unsigned lineno, char *line,
		       struct diag *diag)
{
	char err[512];
	char *s = trim(line);

	if (*s == '\0' || *s == '#')
		return;
	char *eq = strchr(s, '=');
	if (!eq) {
		bad_line(diag, path, lineno, "expected 'key = value', got '%s'", s);
		return;
	}
	*eq = '\0';
	char *key = trim(s);
	char *value = trim(eq + 1);
	if (*value == '"') {
		char *close = strchr(value + 1, '"');
		if (!close) {
			bad_line(diag, path, lineno, "%s: unterminated quote", key);
			return;
		}
		*close = '\0';
		char *rest = trim(close + 1);
		if (*rest && *rest != '#') {
			bad_line(diag, path, lineno, "%s: unexpected '%s' after the quoted value",
				 key, rest);
			return;
		}
		value++;
	} else {
		for (char *p = value; *p; p++) {
			if (*p == '#' && (p == value || p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				value = trim(value);
				break;
			}
		}
	}
	if (*key == '\0') {
		bad_line(diag, path, lineno, "missing key before '='");
		return;
	}
	if (config_set(cfg, key, value, err, sizeof(err)) < 0)
		bad_line(diag, path, lineno, "%s", err);
}

/* The lines of f, named path in the messages. */
static int load_stream(struct daemon_config *cfg, const char *path, FILE *f, struct diag *diag)
{
	char line[LW_CONF_LINE_MAX];
	unsigned lineno = 0;
	unsigned errors = diag->errors;

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof(line) - 1 && line[n - 1] != '\n' && !feof(f)) {
			diag_add(diag, DIAG_ERROR, path, lineno, 0, "line longer than %d bytes",
				 LW_CONF_LINE_MAX - 1);
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		parse_line(cfg, path, lineno, line, diag);
	}
	if (ferror(f)) /* fgets() leaves errno: EISDIR says more than EIO */
		return errno > 0 ? -errno : -EIO;
	return diag->errors > errors ? -1 : 0;
}

int config_load_file(struct daemon_config *cfg, const char *path, struct diag *diag)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	int r = load_stream(cfg, path, f, diag);
	fclose(f);
	return r;
}

int config_load_buffer(struct daemon_config *cfg, const char *name, const char *text, size_t len,
		       struct diag *diag)
{
	if (len == 0)
		return 0; /* fmemopen() refuses an empty buffer */
	/* fmemopen reads the bytes as they are (a NUL too), as fopen would */
	FILE *f = fmemopen((void *)(uintptr_t)text, len, "r");
	if (!f)
		return -errno;
	int r = load_stream(cfg, name, f, diag);
	fclose(f);
	return r;
}
