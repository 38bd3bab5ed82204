/* lockwatchd's flusher: batches from the aggregate to the Redis store on a
 * worker thread (see store.c). All three run on the loop thread. */
#ifndef LW_DAEMON_STORE_H
#define LW_DAEMON_STORE_H

#include <stdbool.h>

struct daemon;

/* Opens the store when --redis is set. Returns 0 or an exit status. */
int daemon_store_start(struct daemon *d);
/* The flush tick: hands the changes to the store worker. */
void daemon_store_flush(struct daemon *d);
/* A replay whose Redis stayed away longer than redis-wait: it stops
 * (exit 69). Back-pressure itself is the aggregate's pending_full hook. */
bool daemon_store_gave_up(struct daemon *d);
/* The replay read its files: sends what it counted (waiting as before);
 * from then on (a lingering replay) the store behaves as a live one. */
void daemon_store_replay_done(struct daemon *d);
/* Final flush, waiting a little for an absent Redis. Returns 0 or
 * LW_EXIT_UNAVAILABLE when counts could not be stored. */
int daemon_store_stop(struct daemon *d);

#endif
