/* lockwatchd's flusher: batches from the aggregate to the Redis store on a
 * worker thread (see store.c). All three run on the loop thread. */
#ifndef LW_DAEMON_STORE_H
#define LW_DAEMON_STORE_H

struct daemon;

/* Opens the store when --redis is set. Returns 0 or an exit status. */
int daemon_store_start(struct daemon *d);
/* The flush tick: hands the changes to the store worker. */
void daemon_store_flush(struct daemon *d);
/* Final flush, waiting a little for an absent Redis. Returns 0 or
 * LW_EXIT_UNAVAILABLE when counts could not be stored. */
int daemon_store_stop(struct daemon *d);

#endif
