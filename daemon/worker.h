/* A worker thread with a bounded queue: what may block (the journal's
 * socket, Redis) runs here, so the capture loop never waits on it. A full
 * queue refuses the job at once; the caller counts that and keeps the data
 * (the aggregate stays dirty, the alert is counted as lost). */
#ifndef LW_DAEMON_WORKER_H
#define LW_DAEMON_WORKER_H

#include <stdint.h>

typedef void (*worker_fn)(void *job, void *ctx);

struct worker;

/* run(job, ctx) runs on the thread for each job, then done(job, ctx) frees
 * it (done may be NULL). Returns NULL with errno set on failure. */
struct worker *worker_new(worker_fn run, worker_fn done, void *ctx, unsigned capacity);
/* 0, or -EAGAIN when the queue is full (the job stays the caller's). */
int worker_submit(struct worker *w, void *job);
/* Waits until every job submitted so far has run. */
void worker_drain(struct worker *w);
/* Runs what is queued, then stops and joins the thread. NULL is fine. */
void worker_free(struct worker *w);
uint64_t worker_refused(struct worker *w);

#endif
