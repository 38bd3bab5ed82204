/* The metrics file (see metrics.h): rendering in Prometheus' text
 * exposition format (version 0.0.4), the atomic replacement of the file,
 * and the daemon's sample of its own counters. Names follow Prometheus'
 * conventions: counters end in _total, times are seconds since the epoch. */
#include "config.h"

#include "daemon/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/report.h"
#include "daemon/loop.h"

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *v)
{
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

/* Microseconds since the epoch as seconds with their fraction. */
static void seconds(FILE *f, const char *name, const char *help, uint64_t us)
{
	head(f, name, "gauge", help);
	fprintf(f, "%s %llu.%06llu\n", name, (unsigned long long)(us / 1000000u),
		(unsigned long long)(us % 1000000u));
}

static void attempts(FILE *f, const struct metrics_sample *m)
{
	/* outbound: the host's own mail, apart, as in the report's totals */
	static const enum src_class classes[] = {CLASS_ALLOWED, CLASS_OUTSIDE, CLASS_EXCEPTION,
						 CLASS_PROBE, CLASS_OUTBOUND};

	head(f, "lockwatch_attempts_total", "counter",
	     "Attempts to the watched ports by source class and furthest outcome (each attempt "
	     "counts under one outcome); class outbound is the host's own mail.");
	for (unsigned i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		for (int o = 0; o < OUTCOME_COUNT; o++)
			fprintf(f, "lockwatch_attempts_total{class=\"%s\",outcome=\"%s\"} %llu\n",
				class_name(classes[i]), outcome_name((enum outcome)o),
				(unsigned long long)m->totals[classes[i]].outcome[o]);
}

static void verdict(FILE *f, const struct metrics_sample *m)
{
	static const enum verdict all[] = {VERDICT_EFFECTIVE, VERDICT_NOT_EFFECTIVE,
					   VERDICT_UNPROVEN, VERDICT_INCONCLUSIVE};

	head(f, "lockwatch_verdict", "gauge",
	     "The lockdown's verdict on everything seen since start: 1 for the current one.");
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		fprintf(f, "lockwatch_verdict{verdict=\"%s\"} %d\n", verdict_key(all[i]),
			all[i] == m->verdict);
}

int metrics_render(FILE *f, const struct metrics_sample *m)
{
	head(f, "lockwatch_info", "gauge", "The sensor's name and lockwatchd's version.");
	fputs("lockwatch_info{sensor=\"", f);
	put_label(f, m->sensor);
	fputs("\",version=\"", f);
	put_label(f, m->version);
	fputs("\"} 1\n", f);
	seconds(f, "lockwatch_start_time_seconds", "When lockwatchd started.", m->started_us);
	attempts(f, m);
	one(f, "lockwatch_outside_sources", "gauge",
	    "Distinct outside sources that attempted (an estimate when "
	    "lockwatch_outside_sources_estimated is 1).",
	    m->totals[CLASS_OUTSIDE].sources);
	one(f, "lockwatch_outside_sources_estimated", "gauge",
	    "1 when the source table overflowed and the outside source count is a "
	    "HyperLogLog estimate.",
	    m->outside_estimated);
	one(f, "lockwatch_reached_sources", "gauge",
	    "Distinct outside sources with an attempt accepted or better (reached the server).",
	    m->reached_sources);
	one(f, "lockwatch_probe_reached_sources", "gauge",
	    "Distinct probe vantage points (the rules' probe lines) with an attempt accepted or "
	    "better: a probe that got through.",
	    m->probe_reached_sources);
	verdict(f, m);
	one(f, "lockwatch_packets_total", "counter", "Packets captured and analysed.", m->packets);
	one(f, "lockwatch_kernel_drops_total", "counter",
	    "Packets the kernel dropped before lockwatchd could read them.", m->kernel_drops);
	one(f, "lockwatch_evictions_total", "counter",
	    "Open attempts evicted from the full handshake table (raise max-attempts).",
	    m->evictions);
	head(f, "lockwatch_alerts_suppressed_total", "counter",
	     "Alerts not sent: the same source and event inside dedup-window, or held back by "
	     "the flood guard.");
	fprintf(f, "lockwatch_alerts_suppressed_total{reason=\"dedup\"} %llu\n",
		(unsigned long long)m->alerts_deduped);
	fprintf(f, "lockwatch_alerts_suppressed_total{reason=\"flood\"} %llu\n",
		(unsigned long long)m->alerts_flood);
	one(f, "lockwatch_alerts_lost_total", "counter",
	    "Alerts lost because the journal writer's queue was full.", m->alerts_lost);
	if (m->redis) {
		one(f, "lockwatch_redis_up", "gauge", "1 when the last Redis flush landed.",
		    m->redis_up);
		one(f, "lockwatch_redis_pending_sources", "gauge",
		    "Sources whose counts are held in memory until Redis takes them.",
		    m->redis_held);
		one(f, "lockwatch_redis_lost_total", "counter",
		    "Attempts whose per-source counts were dropped (redis-max-pending reached).",
		    m->redis_lost);
	}
	head(f, "lockwatch_rules_info", "gauge", "The rules in force: file and digest.");
	fputs("lockwatch_rules_info{file=\"", f);
	put_label(f, m->rules_file);
	fputs("\",digest=\"", f);
	put_label(f, m->rules_digest);
	fputs("\"} 1\n", f);
	seconds(f, "lockwatch_rules_loaded_timestamp_seconds",
		"When the rules in force were loaded (start or reload).", m->rules_loaded_us);
	return ferror(f) ? -1 : 0;
}

int metrics_write_file(const char *path, const struct metrics_sample *m, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	const char *base = slash ? slash + 1 : path;
	size_t len = strlen(path) + sizeof("/.XXXXXX");
	char *tmp = malloc(len);

	if (!tmp) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	snprintf(tmp, len, "%.*s.%s.XXXXXX", dirlen, path, base);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", path,
			 strerror(errno));
		free(tmp);
		return -1;
	}
	/* the collector runs as another user; mkostemp made it 0600 */
	FILE *f = fchmod(fd, 0644) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	int r = metrics_render(f, m);
	if (fclose(f) != 0 || r < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: cannot replace it: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return -1;
}

void daemon_metrics_write(struct daemon *d)
{
	struct metrics_sample m;
	struct capture_stats cs;
	struct alerter_stats as;
	struct report rep;
	char err[512];

	if (!d->cfg->metrics_file)
		return;
	memset(&m, 0, sizeof(m));
	memset(&rep, 0, sizeof(rep));
	capture_get_stats(d->cap, &cs);
	rep.top = 1; /* the verdict and totals are all the file needs */
	rep.input_errors = d->input_errors;
	m.verdict = VERDICT_INCONCLUSIVE; /* should the report fail (memory) */
	if (pipeline_report(d->pipe, &cs, &rep) == 0) {
		m.verdict = rep.verdict;
		memcpy(m.totals, rep.totals, sizeof(m.totals));
		m.outside_estimated = rep.sources_estimated;
		m.evictions = rep.evictions;
	}
	report_release(&rep);
	alerter_get_stats(d->alerter, &as);
	m.sensor = d->cfg->sensor_name;
	m.version = PACKAGE_VERSION;
	m.started_us = d->started_us;
	m.reached_sources = d->reached_sources - d->reached_probe;
	m.probe_reached_sources = d->reached_probe;
	m.packets = cs.packets;
	m.kernel_drops = cs.kernel_drops;
	m.alerts_deduped = as.deduped;
	m.alerts_flood = as.suppressed;
	m.alerts_lost = d->alerts_lost;
	m.redis = d->redis.on;
	m.redis_up = d->redis.up;
	m.redis_held = d->redis.held;
	m.redis_lost = d->redis.lost;
	m.rules_file = d->cfg->rules;
	m.rules_digest = rules_digest(d->pipe->rules);
	m.rules_loaded_us = d->rules_loaded_us;
	if (metrics_write_file(d->cfg->metrics_file, &m, err, sizeof(err)) < 0) {
		if (!d->metrics_failing)
			fprintf(stderr, "lockwatchd: metrics: %s (said once until it works)\n",
				err);
		d->metrics_failing = true;
	} else if (d->metrics_failing) {
		fprintf(stderr, "lockwatchd: metrics: %s written again\n", d->cfg->metrics_file);
		d->metrics_failing = false;
	}
}
