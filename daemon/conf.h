/* lockwatchd's settings: defaults, /etc/lockwatch/lockwatchd.conf
 * (`key = value`, `#` comments) and the command line, which share one key
 * table, so every configuration key is also a long option of that name. */
#ifndef LW_DAEMON_CONF_H
#define LW_DAEMON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "pipeline/pipeline.h"

#define DAEMON_DEFAULT_CONFIG SYSCONFDIR "/lockwatch/lockwatchd.conf"
#define DAEMON_DEFAULT_RULES  SYSCONFDIR "/lockwatch/lockwatch.rules"
#define DAEMON_DEFAULT_USER   "lockwatch"
#define DAEMON_METRICS_NAME   "lockwatch.prom" /* in the unit's StateDirectory= */

struct daemon_config {
	char *interface; /* live capture; NULL with replay files */
	char **replay;	 /* -r FILE...: replay in packet time */
	unsigned n_replay;
	char *rules;
	char *sensor_name;	   /* default: the host name */
	char *user;		   /* switched to when started as root */
	char *redis;		   /* store URL; NULL: no store */
	char *redis_password_file; /* NULL: $LOCKWATCH_REDIS_PASSWORD if set */
	char *redis_prefix;
	uint32_t redis_retention_days, redis_max_pending; /* 0: the store's default */
	uint32_t redis_minute_retention_hours;		  /* 0: the store's default */
	uint32_t redis_wait_s; /* replay: how long Redis may be away before giving up */
	bool foreground;       /* alerts and messages to stderr, not the journal */
	bool linger;	       /* replay: keep running after the files, until a signal */
	uint64_t flush_interval_us;
	uint64_t summary_interval_us;
	uint64_t dedup_window_us;
	uint32_t flood_rate, flood_burst;
	uint32_t buffer_mb;
	uint32_t delivery_ms; /* 0: immediate mode */
	char *metrics_file;   /* Prometheus text file; NULL: none */
	bool metrics_off;     /* `metrics-file = none`: no file, not even the default */
	struct pipeline_config pc;
};

void config_init(struct daemon_config *cfg);
void config_release(struct daemon_config *cfg);

/* Sets one key from text. Returns 0, or -1 with a message naming the key
 * and the value in err. */
int config_set(struct daemon_config *cfg, const char *key, const char *value, char *err,
	       size_t errlen);
/* Reads a whole file; every bad line goes to diag as "file:line: error:
 * ...". Returns 0, -1 when any line was bad (the good ones are applied),
 * or -errno when the file cannot be read. */
int config_load_file(struct daemon_config *cfg, const char *path, struct diag *diag);
/* The same for settings text already in memory (len bytes, NUL or not),
 * named `name` in the messages: for the fuzz target and tests. */
int config_load_buffer(struct daemon_config *cfg, const char *name, const char *text, size_t len,
		       struct diag *diag);
/* Under systemd with StateDirectory= (state_dir: $STATE_DIRECTORY, NULL
 * otherwise), a live daemon without a metrics-file setting writes
 * DAEMON_METRICS_NAME there. Returns 0 or -ENOMEM. */
int config_default_metrics(struct daemon_config *cfg, const char *state_dir);
/* Adds a replay file. Returns 0 or -ENOMEM. */
int config_add_replay(struct daemon_config *cfg, const char *file);

/* The key table, for getopt and --help. */
enum config_type { CONFIG_STRING, CONFIG_BOOL, CONFIG_UINT, CONFIG_SECONDS };
struct config_key {
	const char *name;
	enum config_type type;
	const char *arg; /* metavariable in --help */
	const char *help;
};
extern const struct config_key config_keys[];
extern const unsigned config_n_keys;

#endif
