/* Fuzz target: lockwatchd's settings parser (daemon/conf.c) on arbitrary
 * file text. Whatever the file says, every bad line becomes one message of
 * one line naming the file and line, the result says whether there was
 * one, and every value that was applied lies within its key's bounds. */
#include "config.h"

#include <net/if.h>
#include <string.h>

#include "analyzer/alert.h"
#include "common/bounds.h"
#include "daemon/conf.h"
#include "fuzz/fuzz.h"

#define FUZZ_CONF_NAME "fuzz.conf"
#define US_PER_S       1000000ULL

static void check_string(const char *s)
{
	FUZZ_CHECK(s == NULL || s[0] != '\0');
}

/* The bounds of daemon/conf.c's range table, as the documentation states
 * them (man/lockwatchd.8). */
static void check_config(const struct daemon_config *c)
{
	check_string(c->interface);
	FUZZ_CHECK(c->interface == NULL || strlen(c->interface) < IF_NAMESIZE);
	check_string(c->rules);
	check_string(c->sensor_name);
	check_string(c->user);
	check_string(c->redis);
	check_string(c->redis_password_file);
	check_string(c->redis_prefix);
	FUZZ_CHECK(c->n_replay == 0); /* not a key of the file */
	if (c->sensor_name) {
		FUZZ_CHECK(strlen(c->sensor_name) < ALERT_SENSOR_LEN);
		FUZZ_CHECK(strspn(c->sensor_name, "abcdefghijklmnopqrstuvwxyz"
						  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
			   strlen(c->sensor_name));
	}
	FUZZ_CHECK(c->redis_retention_days <= 3650);
	FUZZ_CHECK(c->redis_max_pending <= 1u << 28);
	FUZZ_CHECK(c->flush_interval_us >= US_PER_S && c->flush_interval_us <= 3600 * US_PER_S);
	FUZZ_CHECK(c->summary_interval_us <= 604800 * US_PER_S);
	FUZZ_CHECK(c->dedup_window_us <= 604800 * US_PER_S);
	FUZZ_CHECK(c->flood_rate >= 1 && c->flood_rate <= 1000000);
	FUZZ_CHECK(c->flood_burst <= 1000000);
	FUZZ_CHECK(c->pc.timeout_us >= US_PER_S && c->pc.timeout_us <= 3600 * US_PER_S);
	FUZZ_CHECK(c->pc.max_attempts >= 16 && c->pc.max_attempts <= 1u << 26);
	FUZZ_CHECK(c->pc.max_sources >= 16 && c->pc.max_sources <= 1u << 28);
	FUZZ_CHECK(c->buffer_mb >= 1 && c->buffer_mb <= 4096);
	FUZZ_CHECK(c->delivery_ms <= 1000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config cfg;
	struct diag d;
	static const char prefix[] = FUZZ_CONF_NAME ":";

	config_init(&cfg);
	diag_init(&d);
	int r = config_load_buffer(&cfg, FUZZ_CONF_NAME, (const char *)data, size, &d);
	/* only a bad line fails a file that is in memory */
	FUZZ_CHECK(r == 0 || r == -1);
	FUZZ_CHECK((r == -1) == (d.errors > 0));
	FUZZ_CHECK(d.warnings == 0);
	FUZZ_CHECK(d.n == d.errors);
	for (size_t i = 0; i < d.n; i++) {
		const char *t = d.msgs[i].text;
		FUZZ_CHECK(t != NULL);
		FUZZ_CHECK(strncmp(t, prefix, sizeof(prefix) - 1) == 0);
		/* "fuzz.conf:LINE: error: ..." on one line, no raw control byte */
		for (const char *p = t; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
	check_config(&cfg);
	config_release(&cfg);
	diag_clear(&d);
	return 0;
}
