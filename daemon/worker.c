/* Bounded job queue and its thread (see worker.h). */
#include "config.h"

#include "daemon/worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

struct worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	worker_fn run, done;
	void *ctx;
	void **jobs;
	unsigned cap, head, n;
	bool busy, stop;
	uint64_t refused;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->n == 0 && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->n == 0 && w->stop)
			break;
		void *job = w->jobs[w->head];
		w->head = (w->head + 1) % w->cap;
		w->n--;
		w->busy = true;
		pthread_mutex_unlock(&w->lock);
		w->run(job, w->ctx);
		if (w->done)
			w->done(job, w->ctx);
		pthread_mutex_lock(&w->lock);
		w->busy = false;
		if (w->n == 0)
			pthread_cond_broadcast(&w->idle);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct worker *worker_new(worker_fn run, worker_fn done, void *ctx, unsigned capacity)
{
	struct worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;

	if (!w)
		return NULL;
	w->run = run;
	w->done = done;
	w->ctx = ctx;
	w->cap = capacity ? capacity : 1;
	w->jobs = calloc(w->cap, sizeof(*w->jobs));
	if (!w->jobs)
		goto fail;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->idle, NULL);
	/* Signals belong to the event loop: the thread starts with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int r = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		errno = r;
		goto fail;
	}
	return w;
fail:
	free(w->jobs);
	free(w);
	return NULL;
}

int worker_submit(struct worker *w, void *job)
{
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->n == w->cap) {
		w->refused++;
		r = -EAGAIN;
	} else {
		w->jobs[(w->head + w->n) % w->cap] = job;
		w->n++;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

void worker_drain(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->n > 0 || w->busy)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

uint64_t worker_refused(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t n = w->refused;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->jobs);
	free(w);
}
