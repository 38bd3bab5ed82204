/* Unit tests: lockwatchd's settings file and keys: values applied, comments
 * and quotes, and every kind of bad line reported as file:line naming the
 * key and the value, with the good lines still applied. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/conf.h"

static char path[64];

static void write_file(const char *text)
{
	snprintf(path, sizeof(path), "/tmp/lwconf.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_good_file(void **state)
{
	struct daemon_config cfg;
	struct diag d;

	(void)state;
	write_file("# lockwatchd settings\n"
		   "\n"
		   "interface = eth0\n"
		   "  rules=/etc/lockwatch/site.rules   # trailing comment\n"
		   "sensor-name = \"mx1.example\"\n"
		   "foreground = yes\n"
		   "flush-interval = 2\n"
		   "dedup-window = 0\n"
		   "flood-rate = 5\n"
		   "flood-burst = 50\n"
		   "timeout = 10\n"
		   "max-attempts = 4096\n"
		   "delivery-ms = 0\n"
		   "redis = redis://127.0.0.1:6379/2\n");
	config_init(&cfg);
	assert_int_equal(cfg.delivery_ms, 50); /* the default: blocks, not immediate */
	diag_init(&d);
	assert_int_equal(config_load_file(&cfg, path, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg.interface, "eth0");
	assert_string_equal(cfg.rules, "/etc/lockwatch/site.rules");
	assert_string_equal(cfg.sensor_name, "mx1.example");
	assert_string_equal(cfg.redis, "redis://127.0.0.1:6379/2");
	assert_true(cfg.foreground);
	assert_int_equal(cfg.flush_interval_us, 2000000);
	assert_int_equal(cfg.dedup_window_us, 0);
	assert_int_equal(cfg.flood_rate, 5);
	assert_int_equal(cfg.flood_burst, 50);
	assert_int_equal(cfg.pc.timeout_us, 10000000);
	assert_int_equal(cfg.pc.max_attempts, 4096);
	assert_int_equal(cfg.delivery_ms, 0);
	diag_clear(&d);
	config_release(&cfg);
	unlink(path);
}

static void test_bad_lines(void **state)
{
	struct daemon_config cfg;
	struct diag d;
	char expect[256];

	(void)state;
	write_file("interface = eth1\n"
		   "colour = blue\n"
		   "flush-interval = soon\n"
		   "flood-rate = 0\n"
		   "just some words\n"
		   "foreground = maybe\n"
		   "sensor-name = has space\n"
		   "= 3\n"
		   "user = lockwatch\n");
	config_init(&cfg);
	diag_init(&d);
	assert_int_equal(config_load_file(&cfg, path, &d), -1);
	assert_int_equal(d.errors, 7);
	const char *want[] = {
	    ":2: error: unknown key 'colour'",
	    ":3: error: flush-interval: 'soon' is not a number (expected 1 to 3600)",
	    ":4: error: flood-rate: 0 is out of range (expected 1 to 1000000)",
	    ":5: error: expected 'key = value', got 'just some words'",
	    ":6: error: foreground: 'maybe' is not yes or no",
	    ":7: error: sensor-name: 'has space' must be",
	    ":8: error: missing key before '='",
	};
	for (unsigned i = 0; i < 7; i++) {
		snprintf(expect, sizeof(expect), "%s%s", path, want[i]);
		assert_true(strncmp(d.msgs[i].text, expect, strlen(expect)) == 0);
	}
	/* the good lines around the bad ones still count */
	assert_string_equal(cfg.interface, "eth1");
	assert_string_equal(cfg.user, "lockwatch");
	diag_clear(&d);
	config_release(&cfg);
	unlink(path);
}

static void test_missing_file(void **state)
{
	struct daemon_config cfg;
	struct diag d;

	(void)state;
	config_init(&cfg);
	diag_init(&d);
	assert_int_equal(config_load_file(&cfg, "/nonexistent/lockwatchd.conf", &d), -ENOENT);
	config_release(&cfg);
}

static void test_keys_are_options(void **state)
{
	struct daemon_config cfg;
	char err[256];

	(void)state;
	config_init(&cfg);
	/* every key of the table is accepted by config_set with a sane value */
	for (unsigned i = 0; i < config_n_keys; i++) {
		const struct config_key *k = &config_keys[i];
		const char *v = k->type == CONFIG_BOOL	   ? "no"
				: k->type == CONFIG_STRING ? "x"
							   : "16";
		assert_int_equal(config_set(&cfg, k->name, v, err, sizeof(err)), 0);
	}
	assert_int_equal(config_set(&cfg, "interface", "averyveryverylongname0", err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "interface"));
	config_release(&cfg);
}

/* metrics-file: a file, `none`, a directory refused; the unit's default
 * only for a live daemon with a state directory and no setting. */
static void test_metrics_file(void **state)
{
	struct daemon_config cfg;
	char err[256];

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_default_metrics(&cfg, "/var/lib/lockwatch"), 0);
	assert_null(cfg.metrics_file); /* a replay: no interface */
	assert_int_equal(config_set(&cfg, "interface", "eth0", err, sizeof(err)), 0);
	assert_int_equal(config_default_metrics(&cfg, NULL), 0);
	assert_null(cfg.metrics_file); /* not under systemd */
	assert_int_equal(config_default_metrics(&cfg, "/var/lib/lockwatch:/var/lib/other"), 0);
	assert_string_equal(cfg.metrics_file, "/var/lib/lockwatch/lockwatch.prom");
	assert_int_equal(config_set(&cfg, "metrics-file", "/srv/m.prom", err, sizeof(err)), 0);
	assert_int_equal(config_default_metrics(&cfg, "/var/lib/lockwatch"), 0);
	assert_string_equal(cfg.metrics_file, "/srv/m.prom"); /* a setting wins */
	assert_int_equal(config_set(&cfg, "metrics-file", "none", err, sizeof(err)), 0);
	assert_null(cfg.metrics_file);
	assert_int_equal(config_default_metrics(&cfg, "/var/lib/lockwatch"), 0);
	assert_null(cfg.metrics_file); /* none: not even the default */
	assert_int_equal(config_set(&cfg, "metrics-file", "/srv/", err, sizeof(err)), -1);
	assert_string_equal(err, "metrics-file: '/srv/' names a directory, not a file");
	assert_int_equal(config_set(&cfg, "metrics-file", "", err, sizeof(err)), -1);
	assert_string_equal(err, "metrics-file: missing value");
	config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_file),	 cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_missing_file), cmocka_unit_test(test_keys_are_options),
	    cmocka_unit_test(test_metrics_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
