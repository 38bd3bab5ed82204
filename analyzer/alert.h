/* Alert policy (DESIGN.md section 7): which attempts become alerts, one
 * alert per source and event within a window, a flood guard that turns a
 * storm into one line with the number suppressed, and the interface to the
 * sinks that carry an alert out (journal/ has the journal's and stderr's;
 * a test brings its own). The policy never talks to the journal itself,
 * so it is testable without one. */
#ifndef LW_ALERT_H
#define LW_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/bounds.h"
#include "rules/rules.h"
#include "sensor/attempt.h"

enum alert_event {
	ALERT_ATTEMPT = 0,    /* an outside source is attempting (notice) */
	ALERT_REACHED,	      /* an outside source reached the server (crit) */
	ALERT_SMTP,	      /* an outside source spoke SMTP (crit, with HELO) */
	ALERT_EXCEPTION,      /* a labelled exception connected (info) */
	ALERT_DROPS,	      /* the kernel dropped packets (warning) */
	ALERT_REDIS_LOST,     /* the store cannot write (warning) */
	ALERT_REDIS_REGAINED, /* the store writes again (notice) */
	ALERT_RULES_RELOADED, /* SIGHUP: new rules in force (info) */
	ALERT_RULES_REJECTED, /* SIGHUP: broken file, old rules kept (err) */
	ALERT_SUMMARY,	      /* periodic counters (info) */
	ALERT_FLOOD,	      /* alerts suppressed by the flood guard (warning) */
	ALERT_EVENT_COUNT
};

/* "attempt", "reached", ... : the LOCKWATCH_EVENT value. */
const char *alert_event_name(enum alert_event e);
/* The fixed 128-bit MESSAGE_ID, 32 lowercase hex digits (lockwatch.catalog). */
const char *alert_message_id(enum alert_event e);
/* syslog priority, 0 (emerg) .. 7 (debug). */
int alert_priority(enum alert_event e);

/* Which of the optional fields an alert carries. */
#define ALERT_F_SRC	 (1u << 0) /* src, sport */
#define ALERT_F_DST	 (1u << 1) /* dst, dport */
#define ALERT_F_OUTCOME	 (1u << 2)
#define ALERT_F_ATTEMPTS (1u << 3)
#define ALERT_F_HELO	 (1u << 4)
#define ALERT_F_SET	 (1u << 5) /* allowed set or exception label */
#define ALERT_F_COUNT	 (1u << 6) /* suppressed alerts, new drops */
#define ALERT_F_TIME	 (1u << 7) /* time_us is the event's (packet) time */

#define ALERT_EXTRA_MAX	  16 /* the summary carries 14 */
#define ALERT_EXTRA_LEN	  320
#define ALERT_MESSAGE_LEN 512
#define ALERT_SET_LEN	  64
#define ALERT_SENSOR_LEN  64

struct alert {
	enum alert_event event;
	unsigned has; /* ALERT_F_* */
	struct lw_addr src, dst;
	uint16_t sport, dport;
	uint8_t outcome; /* enum outcome */
	uint64_t attempts;
	uint64_t count;
	uint64_t time_us;
	char helo[LW_HELO_MAX + 1];
	char set[ALERT_SET_LEN];
	char message[ALERT_MESSAGE_LEN];
	/* Further "LOCKWATCH_KEY=value" fields (summary counters, rules file). */
	char extra[ALERT_EXTRA_MAX][ALERT_EXTRA_LEN];
	unsigned n_extra;
};

void alert_init(struct alert *a, enum alert_event e);
void alert_set_message(struct alert *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* key is the whole field name ("LOCKWATCH_PACKETS"); a field beyond
 * ALERT_EXTRA_MAX is left out. */
void alert_add_field(struct alert *a, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An alert rendered as journal fields "KEY=value": what every sink sends. */
#define ALERT_FIELDS_MAX 32
struct alert_text {
	char buf[8192];
	size_t used;
	const char *field[ALERT_FIELDS_MAX];
	size_t len[ALERT_FIELDS_MAX];
	size_t n;
};

/* MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER=lockwatchd, LOCKWATCH_* (only
 * the fields that apply), MESSAGE. sensor may be NULL. */
void alert_render(const struct alert *a, const char *sensor, struct alert_text *ret);

/* Where alerts go. emit returns 0 when delivered, -errno otherwise. */
struct alert_sink {
	int (*emit)(const struct alert *a, const struct alert_text *t, void *userdata);
	void *userdata;
};

struct alerter_config {
	uint64_t dedup_window_us; /* 0: every alert goes out */
	uint32_t flood_rate;	  /* alerts per second */
	uint32_t flood_burst;	  /* 0: no flood guard */
	const char *sensor;	  /* LOCKWATCH_SENSOR; copied */
};

struct alerter_stats {
	uint64_t raised[ALERT_EVENT_COUNT]; /* handed to the sink */
	uint64_t deduped;		    /* same source and event inside the window */
	uint64_t suppressed;		    /* held back by the flood guard */
	uint64_t sink_failures;		    /* the sink said it could not deliver */
};

struct alerter;

void alerter_config_defaults(struct alerter_config *cfg);
struct alerter *alerter_new(const struct alerter_config *cfg, const struct alert_sink *sink);
void alerter_free(struct alerter *al);

/* One classified attempt. Outside sources raise "attempt", and "reached"
 * and "smtp" as far as the attempt got; exceptions raise "exception";
 * allowed sources nothing. src_attempts: attempts by this source so far.
 * Time is the attempt's packet time. */
void alerter_attempt(struct alerter *al, const struct attempt *a, const struct rule_ref *ref,
		     uint64_t src_attempts);
/* A daemon event (drops, Redis, rules, summary). These bypass the flood
 * guard: they come from timers and signals, not from traffic. With
 * dedup, one per event within the window. Returns true when sent. */
bool alerter_raise(struct alerter *al, struct alert *a, uint64_t now_us, bool dedup);
/* Called each second: ends a storm with its summary line when the guard
 * has refilled, or once per LW_ALERT_FLOOD_REPORT_US of a long storm. */
void alerter_tick(struct alerter *al, uint64_t now_us);
/* End of input or shutdown: any pending storm summary goes out now. */
void alerter_flush(struct alerter *al);
void alerter_get_stats(const struct alerter *al, struct alerter_stats *ret);

#endif
