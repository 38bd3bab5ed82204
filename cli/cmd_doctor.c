/* lockwatch doctor: the preflight checks an admin runs before trusting a
 * verdict (rules, interface, capture, both directions, journal, Redis,
 * clock, kernel drops), one PASS or FAIL line each, with what to do. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/doctor.h"
#include "common/bounds.h"
#include "redis/redis_opts.h"
#include "rules/rules.h"

#define DOCTOR_SECONDS_DEFAULT	 10   /* long enough for a test connection by hand */
#define DOCTOR_SECONDS_MAX	 3600 /* a watch longer than an hour is a capture: use lockwatchd */
#define DOCTOR_CLOCK_MIN_YEAR	 2024 /* older than lockwatch itself: the clock was never set */
#define DOCTOR_JOURNAL_SOCKET	 "/run/systemd/journal/socket"
#define DOCTOR_JOURNAL_MESSAGEID "8272ccba4cec4aca81d792d3eef55c16"
#define DOCTOR_KEY_TTL_S	 "60" /* the write probe expires even if its DEL is lost */

static const char doctor_usage[] =
    "usage: lockwatch doctor [OPTIONS]\n"
    "Checks what a verdict depends on, one line each: PASS or FAIL, and on FAIL\n"
    "what to do.\n"
    "\n"
    "  -r, --rules FILE            rules file (default " DEFAULT_RULES ")\n"
    "  -i, --interface IFACE       check IFACE can be captured on, and watch it\n"
    "      --seconds N             how long to watch IFACE for both halves of a\n"
    "                              handshake (default 10)\n"
    "      --capture-file FILE     look for both halves in FILE instead of watching\n"
    "  -s, --server ADDR           an address of the mail host (repeatable): tells its\n"
    "                              own outbound mail from connections to it (default:\n"
    "                              the rules' server lines, else IFACE's addresses)\n"
    "      --redis URL             check Redis is reachable, authenticated and writable,\n"
    "                              and the kernel drops its sensors recorded\n"
    "      --redis-password-file FILE  password on the file's first line\n"
    "                              (default: $" REDIS_PASSWORD_ENV ")\n"
    "      --redis-prefix P        key prefix (default " STORE_PREFIX_DEFAULT ")\n"
    "  -h, --help                  this text\n"
    "\n"
    "The journal check sends one debug-priority entry (MESSAGE_ID=" DOCTOR_JOURNAL_MESSAGEID ");\n"
    "the Redis check writes and deletes one key, <prefix>doctor:<host>:<pid>.\n"
    "Exit status: 0 every check passed, 1 a check failed, 64 bad usage.\n";

#define DOCTOR_SERVERS_MAX 64 /* --server addresses on one command line */

struct doctor_opts {
	const char *rules, *iface, *capture_file;
	struct lw_addr servers[DOCTOR_SERVERS_MAX];
	size_t n_servers;
	struct servers *sv; /* what directions are told by */
	unsigned seconds;
	struct redis_opts ro;
};

struct doctor {
	unsigned passed, failed;
	char not_run[256]; /* checks that were not asked for */
};

/* One check's line: "PASS  name: detail", or "FAIL  name: detail" and an
 * indented line saying what to do. */
__attribute__((format(printf, 5, 6))) static void
result(struct doctor *d, bool pass, const char *name, const char *fix, const char *fmt, ...)
{
	va_list ap;

	printf("%s  %s: ", pass ? "PASS" : "FAIL", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!pass && fix)
		printf("      fix: %s\n", fix);
	if (pass)
		d->passed++;
	else
		d->failed++;
}

static void not_run(struct doctor *d, const char *what)
{
	size_t n = strlen(d->not_run);

	snprintf(d->not_run + n, sizeof(d->not_run) - n, "%s%s", n ? "; " : "", what);
}

static int parse_args(int argc, char **argv, struct doctor_opts *o)
{
	enum { OPT_SECONDS = 256, OPT_CAPFILE };
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"interface", required_argument, NULL, 'i'},
	    {"seconds", required_argument, NULL, OPT_SECONDS},
	    {"capture-file", required_argument, NULL, OPT_CAPFILE},
	    {"server", required_argument, NULL, 's'},
	    REDIS_OPTS_LONGOPTS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->rules = DEFAULT_RULES;
	o->seconds = DOCTOR_SECONDS_DEFAULT;
	redis_opts_defaults(&o->ro);
	optind = 1;
	while ((c = lw_getopt(argc, argv, ":r:i:s:h", longopts, "doctor",
			      "lockwatch doctor --help")) != -1) {
		switch (c) {
		case 'r':
			o->rules = optarg;
			break;
		case 'i':
			if (!*optarg || strlen(optarg) >= IF_NAMESIZE) {
				lw_error("doctor: -i: '%s' is not an interface name", optarg);
				return -1;
			}
			o->iface = optarg;
			break;
		case OPT_SECONDS:
			if (parse_uint_flag("--seconds", optarg, 1, DOCTOR_SECONDS_MAX, &v) < 0)
				return -1;
			o->seconds = (unsigned)v;
			break;
		case OPT_CAPFILE:
			o->capture_file = optarg;
			break;
		case 's':
			if (o->n_servers == DOCTOR_SERVERS_MAX ||
			    addr_parse(optarg, &o->servers[o->n_servers]) < 0) {
				lw_error("doctor: --server: '%s' is not an IPv4 or IPv6 address%s",
					 optarg, o->n_servers ? " (or one too many)" : "");
				return -1;
			}
			o->n_servers++;
			break;
		default:
			if (cmd_redis_option(c, optarg, doctor_usage, &o->ro))
				break;
			return -1; /* lw_getopt said what is wrong */
		}
	}
	return cmd_no_operands(argc, argv, "doctor");
}

/* ---- rules ---------------------------------------------------------------- */

static struct rules *check_rules(struct doctor *d, const char *path)
{
	struct diag dg;
	char sets[256] = "";
	size_t n_in_force = 0;

	if (access(path, R_OK) != 0) {
		result(d, false, "rules",
		       "copy /usr/share/lockwatch/rules/site.example.rules there "
		       "and choose your gateway's sets, or give -r FILE",
		       "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	diag_init(&dg);
	struct rules *r = rules_load_file(path, &dg);
	if (!r) {
		result(d, false, "rules", "'lockwatch rules check FILE' lists every error",
		       "%s does not load: %s", path, dg.n ? dg.msgs[0].text : "cannot load rules");
		diag_clear(&dg);
		return NULL;
	}
	diag_clear(&dg);
	for (size_t i = 0; i < rules_set_count(r); i++) {
		const char *name = rules_set_name(r, i);
		if (!rules_set_in_force(r, name))
			continue;
		size_t len = strlen(sets);
		snprintf(sets + len, sizeof(sets) - len, "%s%s", n_in_force ? ", " : "", name);
		n_in_force++;
	}
	const uint16_t *ports;
	unsigned n_ports = rules_ports(r, &ports);
	char plist[64] = "";
	for (unsigned i = 0; i < n_ports; i++) {
		size_t len = strlen(plist);
		snprintf(plist + len, sizeof(plist) - len, "%s%u", i ? "," : "", ports[i]);
	}
	if (n_in_force == 0)
		result(d, false, "rules",
		       "name your gateway's set with 'use SET' (see lockwatch.rules(5))",
		       "%s loads but puts no gateway set in force: every source would be outside",
		       path);
	else
		result(d, true, "rules", NULL,
		       "%s loads; sets in force: %s; %zu prefix(es); port %s", path, sets,
		       rules_count(r), plist);
	return r;
}

/* ---- interface, capture, both directions, kernel drops --------------------- */

/* Inbound seen nowhere, the host's own mail seen: a capture that works,
 * but nothing shows the server's replies to a client. */
static bool outbound_only(struct doctor *d, const struct doctor_watch *w, const char *where,
			  const char *ports)
{
	if (w->syns || doctor_watch_replies(w) || !w->out_syns)
		return false;
	result(d, false, "directions",
	       "make a test connection to the mail host's port 25 from another host while doctor "
	       "watches (e.g. 'nc -zv MX 25'), or watch longer with --seconds",
	       "outbound mail only: %" PRIu64 " SYN(s) from the mail host to another host's port "
	       "%s and %" PRIu64 " repl%s %s, but no connection to the mail host itself; its own "
	       "mail shows nothing of the lockdown",
	       w->out_syns, ports, w->out_replies, w->out_replies == 1 ? "y" : "ies", where);
	return true;
}

static void check_directions(struct doctor *d, const struct doctor_watch *w, const char *where,
			     const char *ports)
{
	uint64_t replies = doctor_watch_replies(w);

	if (outbound_only(d, w, where, ports))
		return;
	if (w->syns && replies)
		result(d, true, "directions", NULL,
		       "%" PRIu64 " SYN(s) to port %s and %" PRIu64 " server repl%s (%" PRIu64
		       " SYN-ACK, %" PRIu64 " RST, %" PRIu64 " ICMP unreachable) %s",
		       w->syns, ports, replies, replies == 1 ? "y" : "ies", w->syn_acks, w->rsts,
		       w->icmp, where);
	else if (w->syns)
		result(d, false, "directions",
		       "capture on the mail host itself, or mirror both directions of its port; a "
		       "connection from a gateway address whose reply shows proves it",
		       "%" PRIu64 " SYN(s) to port %s but no server reply %s: the capture sees "
		       "one direction only, so 'unanswered' would mean nothing",
		       w->syns, ports, where);
	else if (replies)
		result(d, false, "directions",
		       "capture on the mail host itself, or mirror both directions of its port",
		       "%" PRIu64 " server repl%s from port %s but no SYN %s: the capture sees "
		       "the outbound direction only",
		       replies, replies == 1 ? "y" : "ies", ports, where);
	else
		result(
		    d, false, "directions",
		    "make a test connection to port 25 while doctor watches (e.g. 'nc -zv MX 25' "
		    "from another host), or watch longer with --seconds",
		    "no handshake on port %s %s (%" PRIu64 " packets): nothing shows both "
		    "directions",
		    ports, where, w->packets);
}

static void check_capture(struct doctor *d, const struct doctor_opts *o, const uint16_t *ports,
			  unsigned n_ports, const char *plist, struct doctor_watch *ret_live,
			  bool *ret_watched)
{
	struct capture_live_opts lo = {.iface = o->iface,
				       .snaplen = LW_SNAPLEN,
				       .buffer_mb = LW_PCAP_BUFFER_MB,
				       .promisc = false,
				       .immediate = true};
	char where[64];

	*ret_watched = false;
	if (if_nametoindex(o->iface) == 0) {
		result(d, false, "interface", "'ip -br link' lists the interfaces; give -i NAME",
		       "%s: no such interface (%s)", o->iface, strerror(errno));
		not_run(d, "capture (no interface)");
		return;
	}
	result(d, true, "interface", NULL, "%s exists (index %u)", o->iface,
	       if_nametoindex(o->iface));
	struct capture *c = capture_open_live(&lo, ports, n_ports);
	if (!c || c->err) {
		result(d, false, "capture",
		       c && c->err == CAPTURE_ERR_PERM
			   ? "run doctor as root or with CAP_NET_RAW (the lockwatchd unit grants "
			     "it)"
			   : "check the interface is up ('ip link set IFACE up') and is Ethernet "
			     "or another link type lockwatch decodes",
		       "%s", c ? c->errstr : "out of memory");
		capture_free(c);
		return;
	}
	result(d, true, "capture", NULL, "%s opened for capture (pcap_activate, filter on port %s)",
	       o->iface, plist);
	if (o->capture_file) {
		capture_free(c);
		return;
	}
	fflush(stdout); /* the lines so far show while the watch runs */
	if (doctor_watch_run(c, ports, n_ports, o->sv, o->seconds, ret_live) < 0) {
		result(d, false, "directions", "check the interface stays up", "%s", c->errstr);
		capture_free(c);
		return;
	}
	capture_free(c);
	*ret_watched = true;
	snprintf(where, sizeof(where), "in %u s on %s", o->seconds, o->iface);
	check_directions(d, ret_live, where, plist);
}

static void check_capture_file(struct doctor *d, const char *path, const uint16_t *ports,
			       unsigned n_ports, const struct servers *sv, const char *plist)
{
	struct doctor_watch w;
	char *files[1] = {(char *)path};
	char where[300];

	struct capture *c = capture_open_files(files, 1, ports, n_ports);
	if (!c || c->err || doctor_watch_run(c, ports, n_ports, sv, 0, &w) < 0) {
		result(d, false, "directions", "give a pcap or pcapng file taken on the mail host",
		       "%s", c ? c->errstr : "out of memory");
		capture_free(c);
		return;
	}
	capture_free(c);
	snprintf(where, sizeof(where), "in %s", path);
	check_directions(d, &w, where, plist);
}

/* ---- journal ---------------------------------------------------------------- */

/* The socket first (its absence says the most), then one real entry:
 * a socket file nobody reads refuses the datagram. */
static void check_journal(struct doctor *d)
{
	struct stat st;

	if (stat(DOCTOR_JOURNAL_SOCKET, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		result(d, false, "journal",
		       "start systemd-journald ('systemctl start systemd-journald'); without it "
		       "lockwatchd writes its alerts to standard error",
		       "no socket at " DOCTOR_JOURNAL_SOCKET ": %s",
		       errno ? strerror(errno) : "not a socket");
		return;
	}
	int r = sd_journal_send("MESSAGE=lockwatch doctor: journal check",
				"MESSAGE_ID=" DOCTOR_JOURNAL_MESSAGEID, "PRIORITY=7",
				"SYSLOG_IDENTIFIER=lockwatch", NULL);
	if (r < 0)
		result(d, false, "journal",
		       "check systemd-journald is running ('systemctl status systemd-journald')",
		       DOCTOR_JOURNAL_SOCKET " exists but refused a test entry: %s", strerror(-r));
	else
		result(d, true, "journal", NULL,
		       DOCTOR_JOURNAL_SOCKET " accepted a test entry (priority debug, "
					     "MESSAGE_ID=" DOCTOR_JOURNAL_MESSAGEID ")");
}

/* ---- Redis -------------------------------------------------------------------- */

static const char *redis_fix(const struct store *s)
{
	if (s->err == STORE_ERR_AUTH)
		return "check the password (--redis-password-file or $" REDIS_PASSWORD_ENV
		       ") and the ACL user in the URL";
	return "is redis-server running and listening there? ('systemctl status redis-server'; "
	       "check the URL)";
}

/* SET then DEL of a key of our own, under the prefix, with a TTL so a
 * lost DEL leaves nothing behind for long. */
static void check_redis_write(struct doctor *d, struct store *s)
{
	char key[256], host[64] = "host", pid[24];

	gethostname(host, sizeof(host) - 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	snprintf(key, sizeof(key), "%sdoctor:%s:%s", s->prefix, host, pid);
	const char *set[5] = {"SET", key, "lockwatch doctor", "EX", DOCTOR_KEY_TTL_S};
	redisReply *r = redisCommandArgv(s->c, 5, set, NULL);
	if (r && r->type != REDIS_REPLY_ERROR) {
		const char *del[2] = {"DEL", key};
		freeReplyObject(r);
		r = redisCommandArgv(s->c, 2, del, NULL);
	}
	if (!r)
		result(d, false, "redis-write", redis_fix(s), "%s: %s", key,
		       s->c->errstr[0] ? s->c->errstr : "connection lost");
	else if (r->type == REDIS_REPLY_ERROR)
		result(d, false, "redis-write",
		       "grant the ACL user write access to the prefix's keys (e.g. ACL SETUSER "
		       "NAME ~lockwatch:* +@write)",
		       "SET/DEL %s refused: %s", key, r->str);
	else
		result(d, true, "redis-write", NULL, "SET and DEL of %s succeeded", key);
	if (r)
		freeReplyObject(r);
}

/* The kernel drops each sensor recorded in sensor:<name>. Appends
 * "name N, ..." to buf; returns the sum, or -1 on a Redis error. */
static int64_t redis_sensor_drops(struct store *s, char *buf, size_t len, unsigned *ret_n)
{
	char key[256];
	int64_t sum = 0;

	*ret_n = 0;
	snprintf(key, sizeof(key), "%ssensors", s->prefix);
	const char *smembers[2] = {"SMEMBERS", key};
	redisReply *m = redisCommandArgv(s->c, 2, smembers, NULL);
	if (!m || m->type != REDIS_REPLY_ARRAY) {
		if (m)
			freeReplyObject(m);
		return -1;
	}
	for (size_t i = 0; i < m->elements; i++) {
		if (m->element[i]->type != REDIS_REPLY_STRING)
			continue;
		snprintf(key, sizeof(key), "%ssensor:%s", s->prefix, m->element[i]->str);
		const char *hget[3] = {"HGET", key, "kernel_drops"};
		redisReply *h = redisCommandArgv(s->c, 3, hget, NULL);
		if (!h)
			break;
		long long n = h->type == REDIS_REPLY_STRING ? strtoll(h->str, NULL, 10) : 0;
		freeReplyObject(h);
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s %lld", *ret_n ? ", " : "",
			 m->element[i]->str, n);
		sum += n > 0 ? n : 0;
		(*ret_n)++;
	}
	freeReplyObject(m);
	return sum;
}

/* Returns the connected store (for the drops), or NULL. */
static struct store *check_redis(struct doctor *d, const struct doctor_opts *o, int *ret_usage)
{
	struct store_config cfg;
	char *password;
	char sensor[STORE_SENSOR_NAME_MAX + 1];

	*ret_usage = 0;
	int rc = redis_opts_config(&o->ro, &cfg, &password, sensor, sizeof(sensor));
	if (rc == LW_EXIT_USAGE) {
		*ret_usage = rc; /* a typo in the URL is bad usage, as everywhere */
		return NULL;
	}
	if (rc) {
		result(d, false, "redis", "make the password file readable by this user",
		       "the password cannot be read (see the message above)");
		return NULL;
	}
	cfg.backoff_min_ms = 0;
	struct store *s = store_new(&cfg);
	redis_opts_free_password(password);
	if (!s) {
		result(d, false, "redis", NULL, "out of memory");
		return NULL;
	}
	if (s->err || !s->c) {
		result(d, false, "redis", redis_fix(s), "%s", s->errstr);
		store_free(s);
		return NULL;
	}
	result(d, true, "redis", NULL, "%s: connected%s", o->ro.url,
	       cfg.password || cfg.url.user[0] ? " and authenticated" : " (no password set)");
	check_redis_write(d, s);
	return s;
}

/* ---- clock ---------------------------------------------------------------------- */

/* LOCKWATCH_DOCTOR_CLOCK=EPOCH:synced|unsynced stands in for the system
 * clock in tests: neither the time nor the kernel's synchronisation state
 * can be changed from a test without changing them for everyone. */
static int clock_state(time_t *ret_now, int *ret_sync, long *ret_maxerror_us)
{
	const char *fake = getenv("LOCKWATCH_DOCTOR_CLOCK");
	struct timex tx;

	*ret_maxerror_us = 0;
	if (fake) {
		char *end;
		*ret_now = (time_t)strtoll(fake, &end, 10);
		*ret_sync = strcmp(end, ":synced") == 0 ? 1 : 0;
		return 0;
	}
	*ret_now = time(NULL);
	memset(&tx, 0, sizeof(tx));
	int st = adjtimex(&tx); /* modes 0: only reads */
	if (st < 0) {
		*ret_sync = -1; /* not allowed to ask: unknown */
		return -errno;
	}
	*ret_sync = st != TIME_ERROR && !(tx.status & STA_UNSYNC);
	*ret_maxerror_us = tx.maxerror;
	return 0;
}

static void check_clock(struct doctor *d)
{
	time_t now;
	int sync;
	long maxerr;
	struct tm tm;
	char when[32] = "?";

	int r = clock_state(&now, &sync, &maxerr);
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (tm.tm_year + 1900 < DOCTOR_CLOCK_MIN_YEAR)
		result(d, false, "clock",
		       "set the time and keep it set: 'timedatectl set-ntp true' "
		       "(systemd-timesyncd) or install chrony",
		       "the system time is %s, before %d: it was never set", when,
		       DOCTOR_CLOCK_MIN_YEAR);
	else if (sync == 0)
		result(
		    d, false, "clock",
		    "enable time synchronisation: 'timedatectl set-ntp true' (systemd-timesyncd) "
		    "or install chrony; sensors sharing Redis must agree on the hour",
		    "%s, but the kernel says the clock is not synchronised (adjtimex)", when);
	else if (sync < 0)
		result(d, true, "clock", NULL,
		       "%s; whether it is synchronised is not known here (adjtimex: %s)", when,
		       strerror(-r));
	else
		result(d, true, "clock", NULL, "%s, synchronised (adjtimex; max error %ld ms)",
		       when, maxerr / 1000);
}

/* ---- kernel drops ----------------------------------------------------------------- */

static void check_drops(struct doctor *d, const struct doctor_opts *o, bool watched,
			const struct doctor_watch *live, struct store *s)
{
	char sensors[512] = "", detail[700] = "";
	unsigned n_sensors = 0;
	int64_t redis_drops = 0;

	if (s) {
		redis_drops = redis_sensor_drops(s, sensors, sizeof(sensors), &n_sensors);
		if (redis_drops < 0) {
			result(d, false, "kernel-drops", redis_fix(s),
			       "cannot read the sensors from Redis: %s",
			       s->c && s->c->errstr[0] ? s->c->errstr : "unexpected reply");
			return;
		}
	}
	if (!watched && n_sensors == 0) {
		not_run(d, s ? "kernel-drops (no sensor in Redis yet, and no -i watch)"
			     : "kernel-drops (give -i IFACE or --redis URL)");
		return;
	}
	if (watched)
		snprintf(detail, sizeof(detail), "%" PRIu64 " during the %u s watch of %s",
			 live->kernel_drops, o->seconds, o->iface);
	if (n_sensors) {
		size_t len = strlen(detail);
		snprintf(detail + len, sizeof(detail) - len, "%ssensors in Redis: %s",
			 len ? "; " : "", sensors);
	}
	if ((watched && live->kernel_drops) || redis_drops > 0)
		result(d, false, "kernel-drops",
		       "the capture lost packets: raise buffer-size in lockwatchd.conf, keep the "
		       "host's CPU free, and restart lockwatchd (its count starts over)",
		       "%s", detail);
	else
		result(d, true, "kernel-drops", NULL, "none: %s", detail);
}

int cmd_doctor(int argc, char **argv)
{
	struct doctor_opts o;
	struct doctor d;
	struct doctor_watch live;
	bool watched = false;
	static const uint16_t default_port = 25;
	const uint16_t *ports = &default_port;
	unsigned n_ports = 1;
	char plist[64] = "";
	int usage = 0;

	if (parse_args(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	memset(&d, 0, sizeof(d));
	memset(&live, 0, sizeof(live));
	signal(SIGPIPE, SIG_IGN); /* a Redis that goes away gives EPIPE */

	struct rules *rules = check_rules(&d, o.rules);
	if (rules) /* else the checks below watch port 25 */
		n_ports = rules_ports(rules, &ports);
	for (unsigned i = 0; i < n_ports; i++) {
		size_t len = strlen(plist);
		snprintf(plist + len, sizeof(plist) - len, "%s%u", i ? "," : "", ports[i]);
	}
	o.sv = doctor_servers(rules, o.iface, o.servers, o.n_servers);
	if (!o.sv) {
		rules_free(rules);
		lw_error("doctor: out of memory");
		return LW_EXIT_SOFTWARE;
	}
	if (o.iface)
		check_capture(&d, &o, ports, n_ports, plist, &live, &watched);
	else
		not_run(&d, "interface, capture (give -i IFACE)");
	if (o.capture_file)
		check_capture_file(&d, o.capture_file, ports, n_ports, o.sv, plist);
	else if (!o.iface)
		not_run(&d, "directions (give -i IFACE or --capture-file FILE)");
	check_journal(&d);
	struct store *s = NULL;
	if (o.ro.url) {
		s = check_redis(&d, &o, &usage);
		if (usage) {
			servers_free(o.sv);
			rules_free(rules);
			return LW_EXIT_USAGE;
		}
	} else {
		not_run(&d, "redis (give --redis URL)");
	}
	check_clock(&d);
	check_drops(&d, &o, watched, &live, s);
	store_free(s);
	rules_free(rules);
	servers_free(o.sv);

	printf("\n%u passed, %u failed", d.passed, d.failed);
	if (d.not_run[0])
		printf("; not checked: %s", d.not_run);
	printf("\n");
	fflush(stdout);
	return d.failed ? 1 : 0;
}
