/* lockwatchd's event loop (see loop.h): opens the rules and the capture,
 * gives up privileges, then runs every source of work on one sd-event
 * loop until a signal stops it, with a final flush on the way out. */
#include "config.h"

#include "daemon/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/report.h"
#include "analyzer/verdict.h"
#include "common/bounds.h"
#include "common/program.h"
#include "daemon/addrwatch.h"
#include "daemon/metrics.h"
#include "daemon/priv.h"
#include "daemon/store.h"

uint64_t daemon_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void daemon_counters(struct daemon *d, struct notify_counters *ret)
{
	struct capture_stats cs;
	const struct aggregate *ag = d->pipe->agg;

	capture_get_stats(d->cap, &cs);
	memset(ret, 0, sizeof(*ret));
	ret->packets = cs.packets;
	ret->kernel_drops = cs.kernel_drops;
	for (int c = 0; c < CLASS_OUTBOUND; c++) /* the host's own mail is no attempt */
		ret->attempts += ag->totals[c].attempts;
	ret->outside_sources = aggregate_sources(ag, CLASS_OUTSIDE, NULL);
	/* outside alone, like outside_sources: the probe's vantage points apart */
	ret->reached_sources = d->reached_sources - d->reached_probe;
}

/* ---- the pipeline's attempt hook --------------------------------------- */

static void on_attempt(const struct attempt *a, const struct rule_ref *ref, void *userdata)
{
	struct daemon *d = userdata;
	const struct source_agg *sa = aggregate_find(d->pipe->agg, &a->src);
	uint64_t n = sa ? source_attempts(sa) : 1;

	/* the hook runs after aggregation: a first reach counts the source */
	if (sa && class_judged_outside(ref->cls) && outcome_reached((enum outcome)a->outcome) &&
	    source_reached(sa) == 1) {
		d->reached_sources++;
		d->reached_probe += ref->cls == CLASS_PROBE;
	}
	alerter_attempt(d->alerter, a, ref, n);
}

/* ---- periodic work ------------------------------------------------------ */

static void raise_summary(struct daemon *d, const char *why)
{
	struct notify_counters nc;
	struct alerter_stats as;
	struct capture_stats cs;
	struct report rep;
	struct alert a;

	daemon_counters(d, &nc);
	alerter_get_stats(d->alerter, &as);
	capture_get_stats(d->cap, &cs);
	memset(&rep, 0, sizeof(rep));
	rep.top = 1; /* the verdict is all a summary says: no copy of every source */
	rep.input_errors = d->input_errors;
	const char *verdict = "unknown";
	if (pipeline_report(d->pipe, &cs, &rep) == 0)
		verdict = verdict_key(rep.verdict);
	alert_init(&a, ALERT_SUMMARY);
	a.has = ALERT_F_ATTEMPTS;
	a.attempts = d->pipe->agg->totals[CLASS_OUTSIDE].attempts;
	alert_add_field(&a, "LOCKWATCH_VERDICT", "%s", verdict);
	alert_add_field(&a, "LOCKWATCH_PACKETS", "%llu", (unsigned long long)nc.packets);
	alert_add_field(&a, "LOCKWATCH_OUTSIDE_SOURCES", "%llu",
			(unsigned long long)nc.outside_sources);
	/* Every LOCKWATCH_OUTSIDE_* and LOCKWATCH_REACHED_* field counts
	 * the outside class alone, the probe's vantage points apart (the
	 * verdict judges both) */
	alert_add_field(&a, "LOCKWATCH_REACHED_SOURCES", "%llu",
			(unsigned long long)nc.reached_sources);
	alert_add_field(&a, "LOCKWATCH_REACHED_WITHOUT_SYN", "%llu",
			(unsigned long long)d->pipe->agg->totals[CLASS_OUTSIDE].without_syn);
	alert_add_field(&a, "LOCKWATCH_KERNEL_DROPS", "%llu", (unsigned long long)nc.kernel_drops);
	const struct counts *pr = &rep.totals[CLASS_PROBE];
	alert_add_field(&a, "LOCKWATCH_PROBE_ATTEMPTS", "%llu", (unsigned long long)pr->attempts);
	alert_add_field(&a, "LOCKWATCH_PROBE_SOURCES", "%llu", (unsigned long long)pr->sources);
	alert_add_field(&a, "LOCKWATCH_PROBE_REACHED_SOURCES", "%llu",
			(unsigned long long)d->reached_probe);
	/* the host's own mail, counted apart (never an outside attempt) */
	const struct counts *ob = &rep.totals[CLASS_OUTBOUND];
	alert_add_field(&a, "LOCKWATCH_OUTBOUND_ATTEMPTS", "%llu",
			(unsigned long long)ob->attempts);
	alert_add_field(&a, "LOCKWATCH_OUTBOUND_SOURCES", "%llu", (unsigned long long)ob->sources);
	alert_add_field(&a, "LOCKWATCH_SERVERS", "%s",
			rep.servers_origin ? rep.servers_origin : "none named");
	alert_add_field(&a, "LOCKWATCH_ALERTS_SUPPRESSED", "%llu",
			(unsigned long long)(as.deduped + as.suppressed));
	alert_add_field(&a, "LOCKWATCH_ALERTS_LOST", "%llu", (unsigned long long)d->alerts_lost);
	alert_set_message(
	    &a,
	    "%s: verdict %s; %llu packets, %llu outside attempts from %llu sources, "
	    "%llu reached (reached_without_syn %llu), %llu kernel drops; %llu probe attempts "
	    "from %llu sources, %llu reached; %llu outbound (the host's own mail)",
	    why, verdict, (unsigned long long)nc.packets, (unsigned long long)a.attempts,
	    (unsigned long long)nc.outside_sources, (unsigned long long)nc.reached_sources,
	    (unsigned long long)d->pipe->agg->totals[CLASS_OUTSIDE].without_syn,
	    (unsigned long long)nc.kernel_drops, (unsigned long long)pr->attempts,
	    (unsigned long long)pr->sources, (unsigned long long)d->reached_probe,
	    (unsigned long long)ob->attempts);
	report_release(&rep);
	alerter_raise(d->alerter, &a, daemon_now_us(), false);
}

static void check_drops(struct daemon *d)
{
	struct capture_stats cs;
	struct alert a;

	capture_get_stats(d->cap, &cs);
	if (cs.kernel_drops <= d->drops_reported)
		return;
	alert_init(&a, ALERT_DROPS);
	a.has = ALERT_F_COUNT;
	a.count = cs.kernel_drops - d->drops_reported;
	alert_add_field(&a, "LOCKWATCH_KERNEL_DROPS", "%llu", (unsigned long long)cs.kernel_drops);
	alert_set_message(&a,
			  "the kernel dropped %llu packets (%llu in all): the verdict for this "
			  "window is inconclusive; raise buffer-size or lower the load",
			  (unsigned long long)a.count, (unsigned long long)cs.kernel_drops);
	/* once per window; the next one carries all drops since this one */
	if (alerter_raise(d->alerter, &a, daemon_now_us(), true))
		d->drops_reported = cs.kernel_drops;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	struct notify_counters nc;

	/* Live time only: a replay's clock is its packets'. */
	if (d->cfg->interface) {
		uint64_t now = daemon_now_us();
		pipeline_advance(d->pipe, now);
		alerter_tick(d->alerter, now);
		check_drops(d);
	}
	daemon_counters(d, &nc);
	notify_status(&nc);
	return sd_event_source_set_time(s, usec + LW_DAEMON_TICK_US);
}

static int on_flush(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	daemon_store_flush(d);
	daemon_metrics_write(d); /* with or without Redis */
	return sd_event_source_set_time(s, usec + d->cfg->flush_interval_us);
}

static int on_summary(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	raise_summary(d, "periodic summary");
	return sd_event_source_set_time(s, usec + d->cfg->summary_interval_us);
}

static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata)
{
	uint64_t *interval = userdata;

	notify_watchdog();
	return sd_event_source_set_time(s, usec + *interval);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	if (si->ssi_signo == SIGHUP) {
		daemon_reload(d);
		return 0;
	}
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* ---- capture ------------------------------------------------------------ */

static int on_capture_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;

	(void)fd;
	(void)revents;
	/* A bounded number of packets per turn, so timers and signals still
	 * run when the interface never goes quiet. */
	int n = capture_next(d->cap, LW_DAEMON_BATCH, pipeline_packet, d->pipe);

	pipeline_drain(d->pipe); /* timers and the store read what it counted */
	if (n < 0) {
		/* The interface went away or the socket broke: with privileges
		 * gone it cannot be reopened, so stop and let the service manager
		 * restart us. */
		fprintf(stderr, "lockwatchd: capture failed: %s\n", d->cap->errstr);
		d->exit_code = LW_EXIT_NOINPUT;
		return sd_event_exit(sd_event_source_get_event(s), LW_EXIT_NOINPUT);
	}
	return 0;
}

static int on_replay(sd_event_source *s, void *userdata)
{
	struct daemon *d = userdata;

	if (daemon_store_gave_up(d)) {
		/* an offline run never drops counts: it stops, and says so */
		fprintf(stderr,
			"lockwatchd: replay stopped: Redis stayed away longer than "
			"redis-wait (%u s)\n",
			d->cfg->redis_wait_s);
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		d->exit_code = LW_EXIT_UNAVAILABLE;
		return sd_event_exit(sd_event_source_get_event(s), LW_EXIT_UNAVAILABLE);
	}
	int n = capture_next(d->cap, LW_DAEMON_BATCH, pipeline_packet, d->pipe);

	pipeline_drain(d->pipe); /* timers and the store read what it counted */
	if (n >= 0)
		return 0;
	if (n != CAPTURE_END) {
		fprintf(stderr, "lockwatchd: %s (the packets before it are counted)\n",
			d->cap->errstr);
		d->input_errors++;
		return 0;
	}
	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	pipeline_finish(d->pipe);
	alerter_flush(d->alerter);
	daemon_store_replay_done(d);
	d->replay_done = true;
	raise_summary(d, "replay finished");
	if (d->input_errors)
		d->exit_code = LW_EXIT_DATAERR;
	if (!d->cfg->linger)
		return sd_event_exit(sd_event_source_get_event(s), 0);
	return 0;
}

/* ---- setup -------------------------------------------------------------- */

static struct rules *load_rules(const char *path, int *ret_exit)
{
	struct diag dg;

	if (access(path, R_OK) != 0) {
		fprintf(stderr, "lockwatchd: %s: cannot read rules: %s\n", path, strerror(errno));
		*ret_exit = LW_EXIT_NOINPUT;
		return NULL;
	}
	diag_init(&dg);
	struct rules *r = rules_load_file(path, &dg);
	for (size_t i = 0; i < dg.n; i++)
		fprintf(stderr, "lockwatchd: %s\n", dg.msgs[i].text);
	if (!r && dg.errors == 0)
		fprintf(stderr, "lockwatchd: %s: cannot load rules\n", path);
	diag_clear(&dg);
	*ret_exit = LW_EXIT_DATAERR;
	return r;
}

static int open_capture(struct daemon *d)
{
	const struct daemon_config *cfg = d->cfg;
	const uint16_t *ports;
	unsigned n_ports = rules_ports(d->pipe->rules, &ports);

	if (cfg->interface) {
		struct capture_live_opts lo = {
		    .iface = cfg->interface,
		    .snaplen = LW_SNAPLEN,
		    .buffer_mb = (int)cfg->buffer_mb,
		    .promisc = false,
		    /* Immediate mode wakes the daemon for every packet: under a SYN
		     * flood that costs more than the analysis (bench/RESULTS.md,
		     * "Live capture"). Blocks handed over every delivery_ms keep
		     * alerts within a fraction of a second at a fraction of the CPU. */
		    .immediate = cfg->delivery_ms == 0,
		    .timeout_ms = (int)cfg->delivery_ms,
		};
		d->cap = capture_open_live(&lo, ports, n_ports);
	} else {
		d->cap = capture_open_files(cfg->replay, cfg->n_replay, ports, n_ports);
	}
	if (!d->cap) {
		fprintf(stderr, "lockwatchd: out of memory\n");
		return LW_EXIT_SOFTWARE;
	}
	if (d->cap->err) {
		fprintf(stderr, "lockwatchd: %s\n", d->cap->errstr);
		switch (d->cap->err) {
		case CAPTURE_ERR_OPEN:
		case CAPTURE_ERR_PERM:
			return LW_EXIT_NOINPUT;
		default:
			return LW_EXIT_DATAERR;
		}
	}
	return 0;
}

static int drop_privileges(struct daemon *d)
{
	struct priv_result pr;
	char err[512];

	/* A replay reads its files lazily, one after the other: it keeps the
	 * caller's user (whose files they are) and loses every capability. */
	if (priv_drop(d->cfg->user, d->cfg->interface != NULL, &pr, err, sizeof(err)) < 0) {
		fprintf(stderr, "lockwatchd: cannot drop privileges: %s\n", err);
		return LW_EXIT_SOFTWARE;
	}
	return 0;
}

static int add_timer(struct daemon *d, uint64_t interval, sd_event_time_handler_t fn,
		     void *userdata)
{
	uint64_t now;
	sd_event_source *s;

	sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	int r = sd_event_add_time(d->event, &s, CLOCK_MONOTONIC, now + interval, 0, fn, userdata);
	if (r < 0)
		return r;
	r = sd_event_source_set_enabled(s, SD_EVENT_ON);
	/* the loop owns it from here: freed with the loop */
	sd_event_source_set_floating(s, 1);
	sd_event_source_unref(s);
	return r;
}

static int setup_loop(struct daemon *d, uint64_t *watchdog_interval)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	int r;

	if ((r = sd_event_default(&d->event)) < 0)
		return r;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if ((r = sd_event_add_signal(d->event, NULL, sigs[i], on_signal, d)) < 0)
			return r;
	if (d->cfg->interface) {
		r = sd_event_add_io(d->event, &d->capture_src, capture_fd(d->cap), EPOLLIN,
				    on_capture_io, d);
	} else {
		r = sd_event_add_defer(d->event, &d->capture_src, on_replay, d);
		if (r >= 0)
			r = sd_event_source_set_enabled(d->capture_src, SD_EVENT_ON);
	}
	if (r < 0)
		return r;
	if ((r = add_timer(d, LW_DAEMON_TICK_US, on_tick, d)) < 0 ||
	    (r = add_timer(d, d->cfg->flush_interval_us, on_flush, d)) < 0)
		return r;
	if (d->cfg->summary_interval_us &&
	    (r = add_timer(d, d->cfg->summary_interval_us, on_summary, d)) < 0)
		return r;
	*watchdog_interval = notify_watchdog_usec() / 2;
	if (*watchdog_interval &&
	    (r = add_timer(d, *watchdog_interval, on_watchdog, watchdog_interval)) < 0)
		return r;
	return 0;
}

static void teardown(struct daemon *d)
{
	daemon_store_stop(d); /* only when setup failed half-way: no-op otherwise */
	daemon_servers_stop(d);
	sd_event_source_unref(d->capture_src);
	sd_event_unref(d->event);
	daemon_alerts_stop(d);
	capture_free(d->cap);
	pipeline_free(d->pipe);
}

int daemon_run(const struct daemon_config *cfg)
{
	struct daemon d;
	struct notify_counters nc;
	uint64_t watchdog_interval = 0;
	sigset_t mask;
	int rc;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.started_us = daemon_now_us();
	struct rules *rules = load_rules(cfg->rules, &rc);
	if (!rules)
		return rc;
	d.rules_loaded_us = daemon_now_us();
	d.pipe = pipeline_new(&cfg->pc, rules);
	if (!d.pipe) {
		fprintf(stderr, "lockwatchd: out of memory\n");
		return LW_EXIT_SOFTWARE;
	}
	d.pipe->on_attempt = on_attempt;
	d.pipe->on_attempt_data = &d;
	if ((rc = open_capture(&d)) != 0 || (rc = drop_privileges(&d)) != 0) {
		teardown(&d);
		return rc;
	}
	/* Signals are blocked before any thread starts, so all of them reach
	 * the loop's signalfd; capabilities were cleared before too, because
	 * capset() changes only the calling thread. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (daemon_alerts_start(&d) < 0) {
		fprintf(stderr, "lockwatchd: %s\n", d.err);
		teardown(&d);
		return LW_EXIT_SOFTWARE;
	}
	if ((rc = daemon_store_start(&d)) != 0) {
		teardown(&d);
		return rc;
	}
	int r = setup_loop(&d, &watchdog_interval);
	if (r < 0) {
		fprintf(stderr, "lockwatchd: cannot set up the event loop: %s\n", strerror(-r));
		teardown(&d);
		return LW_EXIT_SOFTWARE;
	}
	if ((rc = daemon_servers_apply(&d)) != 0) {
		teardown(&d);
		return rc;
	}
	char sline[136] = "";
	if (cfg->interface) { /* a replay's opening line stays as it was */
		char sdesc[128];
		snprintf(sline, sizeof(sline), ", %s",
			 daemon_servers_describe(&d, sdesc, sizeof(sdesc)));
	}
	fprintf(stderr, "lockwatchd: %s %s as sensor %s, rules %s (digest %s)%s, uid %u\n",
		cfg->interface ? "capturing on" : "replaying",
		cfg->interface ? cfg->interface : cfg->replay[0], cfg->sensor_name, cfg->rules,
		rules_digest(d.pipe->rules), sline, (unsigned)geteuid());
	daemon_counters(&d, &nc);
	notify_ready(&nc);
	daemon_metrics_write(&d);

	r = sd_event_loop(d.event);
	if (r < 0 && d.exit_code == 0) {
		fprintf(stderr, "lockwatchd: event loop failed: %s\n", strerror(-r));
		d.exit_code = LW_EXIT_SOFTWARE;
	}

	notify_stopping();
	if (!d.replay_done) {
		/* what is open is counted as it stands, never lost */
		pipeline_finish(d.pipe);
		alerter_flush(d.alerter);
		raise_summary(&d, "stopping");
	}
	rc = d.exit_code;
	/* A signal's stop is clean even when Redis is away (the message says
	 * what was not stored); a replay says so in its status. */
	int store_rc = daemon_store_stop(&d);
	if (rc == 0 && store_rc && !cfg->interface)
		rc = store_rc;
	daemon_metrics_write(&d); /* the final counts, Redis's last word included */
	teardown(&d);
	return rc;
}
