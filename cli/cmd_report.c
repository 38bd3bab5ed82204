/* lockwatch report: the verdict and evidence for a window, read from the
 * Redis aggregates every sensor writes, printed by the same renderers as
 * `lockwatch replay`. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "common/bounds.h"
#include "redis/redis_opts.h"
#include "redis/report_redis.h"
#include "render/render.h"

#define REPORT_REDIS_DEFAULT "redis://127.0.0.1:6379"

static const char report_usage[] =
    "usage: lockwatch report [OPTIONS]\n"
    "Judges the lockdown from what the sensors wrote to Redis.\n"
    "\n"
    "      --redis URL                redis://[USER@]HOST[:PORT][/DB] or\n"
    "                                 unix:/PATH[?db=N][&user=USER]\n"
    "                                 (default " REPORT_REDIS_DEFAULT ")\n"
    "      --redis-password-file FILE the password is the file's first line\n"
    "                                 (default: $" REDIS_PASSWORD_ENV ")\n"
    "      --redis-prefix P           key prefix (default " STORE_PREFIX_DEFAULT ")\n"
    "      --since DURATION           only the last N s, m, h, d or w (e.g. 2m, 2h, 7d);\n"
    "                                 exact to the minute within the minute\n"
    "                                 retention; default: everything Redis retains\n"
    "      --sensor NAME              one sensor's view (default: all merged)\n"
    "  -j, --json                     print the report as one JSON object\n"
    "      --timeline                 chart outside attempts per hour (per day past 3 days)\n"
    "      --top N                    worst sources listed, text and JSON (default 20;\n"
    "                                 0: all)\n"
    "  -h, --help                     this text\n"
    "\n"
    "Exit status: 0 EFFECTIVE, 1 UNPROVEN, 2 NOT EFFECTIVE, 3 INCONCLUSIVE,\n"
    "64 bad usage, 65 unexpected data in Redis, 69 Redis unreachable or refusing.\n";

struct report_opts {
	struct redis_opts ro;
	const char *sensor;
	uint64_t since_s;
	bool json, timeline;
	size_t top;
};

/* "90s", "15m", "2h", "7d", "1w"; a bare number is seconds. */
static int parse_duration(const char *text, uint64_t *ret_s)
{
	char *end;
	unsigned long long v;

	if (!text || text[0] < '0' || text[0] > '9')
		return -1;
	v = strtoull(text, &end, 10);
	uint64_t mult = 1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	case 'w':
		mult = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (*end && end[1])
		return -1;
	if (v == 0 || v > 100ULL * 365 * 86400 / mult)
		return -1;
	*ret_s = v * mult;
	return 0;
}

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	enum { OPT_SINCE = 256, OPT_SENSOR, OPT_TOP, OPT_TIMELINE };
	static const struct option longopts[] = {
	    REDIS_OPTS_LONGOPTS,
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"sensor", required_argument, NULL, OPT_SENSOR},
	    {"json", no_argument, NULL, 'j'},
	    {"top", required_argument, NULL, OPT_TOP},
	    {"timeline", no_argument, NULL, OPT_TIMELINE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	redis_opts_defaults(&o->ro);
	o->ro.url = REPORT_REDIS_DEFAULT;
	o->top = LW_REPORT_SOURCES_DEFAULT;
	optind = 1;
	while ((c = lw_getopt(argc, argv, ":jh", longopts, "report", "lockwatch report --help")) !=
	       -1) {
		switch (c) {
		case OPT_SINCE:
			if (parse_duration(optarg, &o->since_s) < 0) {
				lw_error(
				    "--since: '%s' is not a duration (e.g. 90s, 15m, 2h, 7d, 1w)",
				    optarg);
				return -1;
			}
			break;
		case OPT_SENSOR:
			o->sensor = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case OPT_TIMELINE:
			o->timeline = true;
			break;
		case OPT_TOP:
			if (parse_uint_flag("--top", optarg, 0, 1000000000, &v) < 0)
				return -1;
			o->top = (size_t)v;
			break;
		default:
			if (cmd_redis_option(c, optarg, report_usage, &o->ro))
				break;
			return -1; /* lw_getopt said what is wrong */
		}
	}
	return cmd_no_operands(argc, argv, "report");
}

/* The report's "now", in microseconds. LOCKWATCH_REPORT_CLOCK=EPOCH (in
 * seconds) stands in for the system clock in tests, as
 * LOCKWATCH_DOCTOR_CLOCK does for doctor: a window ending "now" over a
 * generated capture needs a now the test chooses. */
static uint64_t report_now_us(void)
{
	const char *fake = getenv("LOCKWATCH_REPORT_CLOCK");
	struct timespec ts;

	if (fake && *fake)
		return strtoull(fake, NULL, 10) * 1000000ULL;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000u;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o;
	struct store_config cfg;
	struct report_query q = {0};
	struct report rep;
	struct report_strings *strs = NULL;
	char sensor[STORE_SENSOR_NAME_MAX + 1], *password;
	int rc;

	if (parse_args(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	o.ro.sensor = o.sensor;
	rc = redis_opts_config(&o.ro, &cfg, &password, sensor, sizeof(sensor));
	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN); /* a server that goes away gives EPIPE */
	/* a report waits for no reconnect: one try, then say why */
	struct store *s = store_new(&cfg);
	redis_opts_free_password(password);
	if (!s) {
		lw_error("report: out of memory");
		return LW_EXIT_SOFTWARE;
	}
	if (s->err) {
		lw_error("%s", s->errstr);
		store_free(s);
		return LW_EXIT_UNAVAILABLE;
	}
	q.now_us = report_now_us();
	if (o.since_s) {
		uint64_t span_us = o.since_s * 1000000ULL;
		q.since_us = q.now_us > span_us ? q.now_us - span_us : 1;
	}
	q.sensor = o.sensor;
	memset(&rep, 0, sizeof(rep));
	rep.top = o.top;
	if (report_from_redis(s, &q, &rep, &strs) < 0) {
		lw_error("%s", s->errstr);
		rc = s->err == STORE_ERR_REPLY	 ? LW_EXIT_DATAERR
		     : s->err == STORE_ERR_NOMEM ? LW_EXIT_SOFTWARE
						 : LW_EXIT_UNAVAILABLE;
		goto out;
	}
	if (o.sensor && rep.n_sensors == 0)
		lw_error("report: no sensor '%s' in Redis (prefix '%s')", o.sensor, o.ro.prefix);
	if (o.json)
		report_print_json(stdout, &rep);
	else if (o.timeline)
		report_print_text_timeline(stdout, &rep, o.top);
	else
		report_print_text(stdout, &rep, o.top);
	fflush(stdout);
	rc = (int)rep.verdict;
out:
	report_release(&rep);
	report_strings_free(strs);
	store_free(s);
	return rc;
}
