/* lockwatchd's one event loop (sd-event): capture I/O (or replay in packet
 * time), the idle tick, store flushes, summaries, the watchdog, SIGHUP
 * reload and SIGTERM/SIGINT shutdown. Everything touching the pipeline or
 * the alert policy runs on this thread; what may block (journal, Redis)
 * runs on worker threads (worker.h). */
#ifndef LW_DAEMON_LOOP_H
#define LW_DAEMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "analyzer/alert.h"
#include "daemon/conf.h"
#include "daemon/notify.h"
#include "daemon/worker.h"
#include "journal/journal.h"
#include "pipeline/pipeline.h"

struct daemon {
	const struct daemon_config *cfg;
	sd_event *event;
	struct capture *cap;
	struct pipeline *pipe;
	struct alerter *alerter;
	struct journal_sink jsink;    /* used on the alert worker's thread only */
	struct worker *alert_worker;  /* journal or stderr writes */
	sd_event_source *capture_src; /* live: I/O; replay: defer */
	struct daemon_store *store;   /* NULL without --redis (store.c) */
	struct addrwatch *addrwatch;  /* following the interface (addrwatch.c), or NULL */
	uint64_t reached_sources;     /* outside and probe sources that reached, distinct */
	uint64_t reached_probe;	      /* of them, probe vantage points */
	uint64_t drops_reported;      /* kernel drops already alerted */
	uint64_t alerts_lost;	      /* alert queue full: counted, never silent */
	unsigned input_errors;	      /* replay files cut short */
	uint64_t started_us;	      /* wall clock */
	uint64_t rules_loaded_us;     /* when the rules in force were loaded */
	/* Redis as of the last flush (store.c), for the metrics */
	struct {
		bool on, up;
		uint64_t held, lost; /* sources held for Redis; attempts lost */
	} redis;
	bool metrics_failing; /* the last metrics write failed (said once) */
	bool replay_done;
	int exit_code;
	char err[512];
};

/* Runs lockwatchd with the given settings until a signal (or, for replay
 * without linger, the end of the files). Returns the exit status; messages
 * are printed to stderr. */
int daemon_run(const struct daemon_config *cfg);

/* Pieces used by loop.c (alertq.c, reload.c). */
int daemon_alerts_start(struct daemon *d);
void daemon_alerts_stop(struct daemon *d);
void daemon_reload(struct daemon *d);
void daemon_counters(struct daemon *d, struct notify_counters *ret);
uint64_t daemon_now_us(void);

#endif
