/* lockwatch replay: judge the lockdown from capture files, offline, in
 * packet time, so a replay gives the answer the live run would have. */
#include "config.h"

#include <getopt.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/report.h"
#include "cli/cmd.h"
#include "cli/progress.h"
#include "common/bounds.h"
#include "pipeline/pipeline.h"
#include "redis/redis_opts.h"
#include "render/render.h"

#define REPLAY_SLICE_PACKETS 8192 /* between progress checks: cheap, still smooth */
#define REPLAY_FLUSH_S	     1	  /* packet-time seconds between Redis flushes, as the daemon */

static const char replay_usage[] =
    "usage: lockwatch replay [OPTIONS] FILE...\n"
    "Reads pcap/pcapng files in order ('-' is standard input) and prints the verdict.\n"
    "\n"
    "  -r, --rules FILE        rules file (default " DEFAULT_RULES ")\n"
    "  -s, --server ADDR       an address of the watched host (repeat for each; in\n"
    "                          place of the rules' 'server' lines): connections to\n"
    "                          it are judged, its own to another host's watched port\n"
    "                          are outbound mail, counted apart. None named: every\n"
    "                          connection is judged, and the report names an address\n"
    "                          that looks like the watched host sending mail\n"
    "  -j, --json              print the report as one JSON object\n"
    "      --timeline          chart outside attempts per hour (per day past 3 days)\n"
    "      --top N             worst sources listed, text and JSON (default 20; 0: all)\n"
    "      --timeout SECONDS   handshake timeout in packet time (default 5)\n"
    "      --max-attempts N    open attempts tracked at once (default 131072)\n"
    "      --max-sources N     distinct sources kept (default 262144)\n"
    "  -h, --help              this text\n"
    "\n"
    "Writing the aggregates to Redis, as lockwatchd does:\n"
    "      --redis URL         redis://[USER@]HOST[:PORT][/DB] or unix:/PATH[?db=N][&user=USER]\n"
    "      --redis-password-file FILE  password on the file's first line\n"
    "                          (default: $" REDIS_PASSWORD_ENV ")\n"
    "      --redis-prefix P    key prefix (default " STORE_PREFIX_DEFAULT ")\n"
    "      --sensor-name NAME  this sensor's name in Redis (default: the host name)\n"
    "      --redis-retention DAYS      expiry of the per-source and hourly keys, and the\n"
    "                                  age past which the indexes drop a source (default 30)\n"
    "      --redis-minute-retention HOURS  expiry of the per-minute series that\n"
    "                                  short report windows read (default 48)\n"
    "      --redis-max-pending N       sources held while Redis is away (default 1048576)\n"
    "      --flush-interval SECONDS    packet time between flushes (default 1;\n"
    "                          0: once, at the end)\n"
    "      --redis-wait SECONDS        reading waits for Redis; how long it may be\n"
    "                          away before the replay stops writing to it (default 60)\n"
    "\n"
    "Exit status: 0 EFFECTIVE, 1 UNPROVEN, 2 NOT EFFECTIVE, 3 INCONCLUSIVE,\n"
    "64 bad usage, 65 bad rules or damaged capture, 66 a file cannot be opened,\n"
    "69 Redis unreachable or refusing: not everything was stored (the report is printed).\n";

#define REPLAY_SERVERS_MAX 64 /* --server addresses on one command line */

struct replay_opts {
	const char *rules;
	struct lw_addr servers[REPLAY_SERVERS_MAX];
	size_t n_servers;
	bool json, timeline;
	size_t top;
	struct pipeline_config pc;
	struct redis_opts ro;
	uint32_t flush_s;
	uint32_t redis_wait_s;
};

static int parse_args(int argc, char **argv, struct replay_opts *o)
{
	enum {
		OPT_TOP = 256,
		OPT_TIMEOUT,
		OPT_MAX_ATTEMPTS,
		OPT_MAX_SOURCES,
		OPT_SENSOR_NAME,
		OPT_RETENTION,
		OPT_MINUTE_RETENTION,
		OPT_MAX_PENDING,
		OPT_FLUSH,
		OPT_REDIS_WAIT,
		OPT_TIMELINE
	};
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"server", required_argument, NULL, 's'},
	    {"top", required_argument, NULL, OPT_TOP},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
	    {"max-sources", required_argument, NULL, OPT_MAX_SOURCES},
	    REDIS_OPTS_LONGOPTS,
	    {"sensor-name", required_argument, NULL, OPT_SENSOR_NAME},
	    {"redis-retention", required_argument, NULL, OPT_RETENTION},
	    {"redis-minute-retention", required_argument, NULL, OPT_MINUTE_RETENTION},
	    {"redis-max-pending", required_argument, NULL, OPT_MAX_PENDING},
	    {"flush-interval", required_argument, NULL, OPT_FLUSH},
	    {"redis-wait", required_argument, NULL, OPT_REDIS_WAIT},
	    {"timeline", no_argument, NULL, OPT_TIMELINE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int c;

	o->rules = DEFAULT_RULES;
	o->json = false;
	o->n_servers = 0;
	o->timeline = false;
	o->top = LW_REPORT_SOURCES_DEFAULT;
	pipeline_config_defaults(&o->pc);
	redis_opts_defaults(&o->ro);
	o->flush_s = REPLAY_FLUSH_S;
	o->redis_wait_s = LW_REDIS_WAIT_S;
	optind = 1;
	while ((c = lw_getopt(argc, argv, ":r:s:jh", longopts, "replay",
			      "lockwatch replay --help")) != -1) {
		switch (c) {
		case 'r':
			o->rules = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			if (o->n_servers == REPLAY_SERVERS_MAX) {
				lw_error("replay: more than %d --server addresses",
					 REPLAY_SERVERS_MAX);
				return -1;
			}
			if (addr_parse(optarg, &o->servers[o->n_servers]) < 0) {
				lw_error("replay: --server: '%s' is not an IPv4 or IPv6 address",
					 optarg);
				return -1;
			}
			o->n_servers++;
			break;
		case OPT_TOP:
			if (parse_uint_flag("--top", optarg, 0, 1000000000, &v) < 0)
				return -1;
			o->top = (size_t)v;
			break;
		case OPT_TIMEOUT:
			if (parse_uint_flag("--timeout", optarg, 1, 3600, &v) < 0)
				return -1;
			o->pc.timeout_us = v * 1000000ULL;
			break;
		case OPT_MAX_ATTEMPTS:
			if (parse_uint_flag("--max-attempts", optarg, 16, 1u << 26, &v) < 0)
				return -1;
			o->pc.max_attempts = (uint32_t)v;
			break;
		case OPT_MAX_SOURCES:
			if (parse_uint_flag("--max-sources", optarg, 16, 1u << 28, &v) < 0)
				return -1;
			o->pc.max_sources = (uint32_t)v;
			break;
		case OPT_SENSOR_NAME:
			o->ro.sensor = optarg;
			break;
		case OPT_RETENTION:
			if (parse_uint_flag("--redis-retention", optarg, 1, 3650, &v) < 0)
				return -1;
			o->ro.retention_days = (uint32_t)v;
			break;
		case OPT_MINUTE_RETENTION:
			if (parse_uint_flag("--redis-minute-retention", optarg, 1, 8760, &v) < 0)
				return -1;
			o->ro.minute_retention_hours = (uint32_t)v;
			break;
		case OPT_MAX_PENDING:
			if (parse_uint_flag("--redis-max-pending", optarg, 1, 1u << 28, &v) < 0)
				return -1;
			o->ro.max_pending = (uint32_t)v;
			break;
		case OPT_TIMELINE:
			o->timeline = true;
			break;
		case OPT_FLUSH:
			if (parse_uint_flag("--flush-interval", optarg, 0, 86400, &v) < 0)
				return -1;
			o->flush_s = (uint32_t)v;
			break;
		case OPT_REDIS_WAIT:
			if (parse_uint_flag("--redis-wait", optarg, 0, 86400, &v) < 0)
				return -1;
			o->redis_wait_s = (uint32_t)v;
			break;
		default:
			if (cmd_redis_option(c, optarg, replay_usage, &o->ro))
				break;
			return -1; /* lw_getopt said what is wrong */
		}
	}
	if (optind >= argc) {
		lw_error("replay: no capture file given (see 'lockwatch replay --help')");
		return -1;
	}
	for (int i = optind; i < argc; i++) {
		if (argv[i][0] == '\0') {
			lw_error("replay: empty capture file name");
			return -1;
		}
	}
	return 0;
}

static int capture_exit(const struct capture *c)
{
	return c->err == CAPTURE_ERR_OPEN ? LW_EXIT_NOINPUT : LW_EXIT_DATAERR;
}

/* --redis: the aggregates go to Redis the way lockwatchd sends them, in
 * batches every flush interval of packet time, so the keys a replay writes
 * are the keys the live run would have written. */
struct replay_store {
	struct store *s;
	struct pipeline *p;
	struct capture *cap;
	uint64_t interval_us, next_us, started_us;
	bool refused;	 /* the server refused part of a batch (wrong key type, OOM) */
	bool gave_up;	 /* Redis stayed away longer than --redis-wait */
	uint64_t unsent; /* attempts of the batches taken after giving up */
	char last_err[sizeof(((struct store *)0)->errstr)];
};

/* drain: first finish what the pipeline has read ahead (not from inside
 * the aggregate, which the pipeline is calling). */
static void replay_send(struct replay_store *rs, bool drain)
{
	struct store_batch *b;

	if (drain)
		pipeline_drain(rs->p); /* the batch holds every packet read so far */
	b = aggregate_take_batch(rs->p->agg);
	if (b) /* else out of memory: the changes stay in the aggregate */
		pipeline_store_health(rs->p, rs->cap, rs->started_us, &b->health);
	if (rs->gave_up) { /* counted, not sent: the report still covers them */
		rs->unsent += b ? store_batch_attempts(b) : 0;
		store_batch_free(b);
		return;
	}
	/* Reading waits while the batch is sent, and while Redis is away,
	 * up to --redis-wait: an offline run never drops counts. A batch the
	 * server answered with errors landed except for what failed (said
	 * once per message); one that could not be sent in time ends the
	 * writing, and the replay reads on for its report. */
	if (store_flush_wait(rs->s, b) == 0)
		return;
	if (rs->s->pending || rs->s->unknown) {
		rs->gave_up = true;
		lw_error("%s (Redis %s; no more counts are sent, the report covers the whole "
			 "capture)",
			 rs->s->errstr,
			 rs->s->err == STORE_ERR_AUTH ? "refused the login"
						      : "did not come back in time");
		return;
	}
	rs->refused = true;
	if (strcmp(rs->last_err, rs->s->errstr) != 0) {
		lw_error("%s (the rest of the batch was stored)", rs->s->errstr);
		snprintf(rs->last_err, sizeof(rs->last_err), "%s", rs->s->errstr);
	}
}

static void replay_flush(struct replay_store *rs)
{
	replay_send(rs, true);
}

/* Back-pressure: a flood of new sources filled the aggregate's table of
 * changes before the flush interval ended; send them now, waiting for
 * Redis, rather than lose them. */
static void replay_pending_full(struct aggregate *ag, void *ctx)
{
	(void)ag;
	replay_send(ctx, false);
}

static void replay_packet(int linktype, const struct pcap_pkthdr *h, const uint8_t *data,
			  void *userdata)
{
	struct replay_store *rs = userdata;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;

	pipeline_packet(linktype, h, data, rs->p);
	if (!rs->interval_us)
		return;
	if (rs->next_us == 0) {
		rs->next_us = ts + rs->interval_us;
	} else if (ts >= rs->next_us) {
		replay_flush(rs);
		rs->next_us = ts + rs->interval_us;
	}
}

/* Opens the store; returns 0 or an exit status. */
static int replay_store_open(struct replay_opts *o, struct replay_store *rs)
{
	struct store_config cfg;
	char *password;
	char sensor[STORE_SENSOR_NAME_MAX + 1];

	int rc = redis_opts_config(&o->ro, &cfg, &password, sensor, sizeof(sensor));
	if (rc)
		return rc;
	cfg.offline_wait_ms = o->redis_wait_s ? o->redis_wait_s * 1000u : 1u;
	rs->s = store_new(&cfg);
	redis_opts_free_password(password);
	if (!rs->s) {
		lw_error("replay: out of memory");
		return LW_EXIT_SOFTWARE;
	}
	/* A refused login is for good: the replay runs without Redis. */
	rs->gave_up = rs->s->err == STORE_ERR_AUTH;
	if (rs->gave_up)
		lw_error("%s (replaying without Redis: no counts are sent)", rs->s->errstr);
	else if (rs->s->err)
		lw_error("%s (replaying; reading waits up to %u s for Redis)", rs->s->errstr,
			 o->redis_wait_s);

	/* hiredis writes with write(2): a server that went away must give
	 * EPIPE, not kill the replay */
	signal(SIGPIPE, SIG_IGN);
	rs->interval_us = (uint64_t)o->flush_s * 1000000u;
	rs->started_us = (uint64_t)time(NULL) * 1000000u;
	return 0;
}

/* The last batch (waiting for Redis as every flush does); returns 0 or
 * LW_EXIT_UNAVAILABLE when something could not be stored. */
static int replay_store_close(struct replay_store *rs)
{
	int rc = 0;

	replay_flush(rs);
	if (!rs->gave_up && store_holding(rs->s)) /* the lost count of a refusal */
		store_flush_wait(rs->s, NULL);
	if (rs->gave_up || rs->s->lost) {
		uint64_t unsent = rs->unsent + store_unsent_attempts(rs->s);
		if (rs->gave_up)
			lw_error("redis: %llu attempt(s) were not stored (the report below counts "
				 "them)",
				 (unsigned long long)unsent);
		if (rs->s->lost)
			lw_error("redis: %llu attempt(s) could not be stored whole "
				 "(recorded as 'lost' in the sensor)",
				 (unsigned long long)rs->s->lost);
		rc = LW_EXIT_UNAVAILABLE;
	}
	if (rs->refused)
		rc = LW_EXIT_UNAVAILABLE; /* Redis refused part of what was sent */
	if (rs->s->notice_new)		  /* unless it tells of a loss (counted above): a warning */
		lw_error("%s%s", rs->s->notice,
			 rs->s->notice_lost ? "" : "; every count was stored");
	store_free(rs->s);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o;
	struct report rep;
	struct capture_stats cs;
	struct progress prog;
	struct replay_store rs;
	int rc;

	if (parse_args(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	struct rules *rules = lw_load_rules(o.rules, &rc, NULL);
	if (!rules)
		return rc;
	struct pipeline *p = pipeline_new(&o.pc, rules);
	if (!p || pipeline_keep_hours(p) < 0) {
		pipeline_free(p);
		lw_error("replay: out of memory");
		return LW_EXIT_SOFTWARE;
	}
	if (o.n_servers) {
		struct servers *sv = servers_new_list(SERVERS_OPTION, o.servers, o.n_servers);
		if (!sv) {
			pipeline_free(p);
			lw_error("replay: out of memory");
			return LW_EXIT_SOFTWARE;
		}
		servers_free(pipeline_swap_servers(p, sv));
	}
	const uint16_t *ports;
	unsigned n_ports = rules_ports(p->rules, &ports);
	struct capture *cap =
	    capture_open_files(argv + optind, (unsigned)(argc - optind), ports, n_ports);
	if (!cap || cap->err) {
		rc = cap ? capture_exit(cap) : LW_EXIT_SOFTWARE;
		lw_error("%s", cap ? cap->errstr : "out of memory");
		capture_free(cap);
		pipeline_free(p);
		return rc;
	}

	memset(&rs, 0, sizeof(rs));
	if (o.ro.url) {
		rs.p = p;
		rs.cap = cap;
		rc = replay_store_open(&o, &rs);
		if (rc) {
			capture_free(cap);
			pipeline_free(p);
			return rc;
		}
		aggregate_track_changes(p->agg);
		p->agg->pending_full = replay_pending_full;
		p->agg->pending_full_ctx = &rs;
		p->agg->pending_full_at = LW_STORE_BATCH_SOURCES;
	}
	memset(&rep, 0, sizeof(rep));
	rep.top = o.top;
	progress_init(&prog, stderr);
	for (;;) {
		/* In slices, so the progress line moves during a large file. */
		int n = rs.s ? capture_next(cap, REPLAY_SLICE_PACKETS, replay_packet, &rs)
			     : capture_next(cap, REPLAY_SLICE_PACKETS, pipeline_packet, p);
		if (n == CAPTURE_END)
			break;
		if (n < 0) {
			progress_finish(&prog);
			/* What came before the damage stays counted. */
			lw_error("%s (the packets before it are counted)", cap->errstr);
			rep.input_errors++;
			continue;
		}
		uint64_t done, total;
		capture_progress(cap, &done, &total);
		progress_update(&prog, done, total, cap->stats.packets);
	}
	progress_finish(&prog);
	pipeline_finish(p);
	int store_rc = rs.s ? replay_store_close(&rs) : 0;
	capture_get_stats(cap, &cs);
	if (pipeline_report(p, &cs, &rep) < 0) {
		lw_error("replay: out of memory");
		rc = LW_EXIT_SOFTWARE;
		goto out;
	}
	if (o.json)
		report_print_json(stdout, &rep);
	else if (o.timeline)
		report_print_text_timeline(stdout, &rep, o.top);
	else
		report_print_text(stdout, &rep, o.top);
	fflush(stdout);
	rc = rep.input_errors ? LW_EXIT_DATAERR : store_rc ? store_rc : (int)rep.verdict;
out:
	report_release(&rep);
	capture_free(cap);
	pipeline_free(p);
	return rc;
}
