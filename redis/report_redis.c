/* Reads the report from Redis (see report_redis.h): sensors from the
 * `sensors` set, totals from the `hours` index and its series hashes (or,
 * for a short window, from `minutes` and the minute series),
 * sources from the `seen` index and their src: hashes, each read in
 * pipelined rounds so a large window costs few round trips. */
#include "config.h"

#include "redis/report_redis.h"
#include "redis/report_sensors.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPORT_REDIS_ROUND 1000 /* HGETALLs per pipelined round trip */
/* Sources of a window read one by one; past it, only what is printed */
#define REPORT_REDIS_FULL_MAX 10000
/* rounds down the attempts index looking for the window's top sources */
#define REPORT_REDIS_TOP_ROUNDS 16

struct report_strings {
	char **v;
	size_t n, cap;
};

void report_strings_free(struct report_strings *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i]);
	free(st->v);
	free(st);
}

static const char *keep(struct report_strings *st, const char *s)
{
	if (!s)
		return NULL;
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		char **n = realloc(st->v, cap * sizeof(*n));
		if (!n)
			return NULL;
		st->v = n;
		st->cap = cap;
	}
	char *d = strdup(s);
	if (d)
		st->v[st->n++] = d;
	return d;
}

const char *report_strings_keep(struct report_strings *st, const char *s)
{
	return keep(st, s);
}

/* Reads one reply; NULL with s->err set on I/O trouble or an error reply. */
static redisReply *get_reply(struct store *s, const char *key)
{
	redisReply *r = NULL;

	if (redisGetReply(s->c, (void **)&r) != REDIS_OK || !r) {
		store_set_err(s, STORE_ERR_IO, "redis %s: %s", s->where,
			      s->c->errstr[0] ? s->c->errstr : "connection lost");
		redisFree(s->c);
		s->c = NULL;
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		if (strncmp(r->str, "WRONGTYPE", 9) == 0)
			store_set_err(s, STORE_ERR_REPLY,
				      "redis: key %s holds the wrong kind of value", key);
		else if (strncmp(r->str, "NOPERM", 6) == 0 || strncmp(r->str, "NOAUTH", 6) == 0)
			store_set_err(s, STORE_ERR_AUTH, "redis %s: %s", s->where, r->str);
		else
			store_set_err(s, STORE_ERR_REPLY, "redis %s: %s", s->where, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

static redisReply *run(struct store *s, const char *key, int argc, const char **argv)
{
	if (redisAppendCommandArgv(s->c, argc, argv, NULL) != REDIS_OK) {
		store_set_err(s, STORE_ERR_NOMEM, "redis %s: out of memory", s->where);
		return NULL;
	}
	return get_reply(s, key);
}

/* run() for the listing commands (SMEMBERS, ZRANGEBYSCORE): the reply
 * must be an array of strings, which the callers then index without
 * looking again. A server that answers otherwise is refused by name, not
 * trusted into a NULL dereference. */
static redisReply *run_list(struct store *s, const char *key, int argc, const char **argv)
{
	redisReply *r = run(s, key, argc, argv);

	if (!r)
		return NULL;
	bool ok = r->type == REDIS_REPLY_ARRAY;
	for (size_t i = 0; ok && i < r->elements; i++)
		ok = r->element[i] && r->element[i]->type == REDIS_REPLY_STRING;
	if (!ok) {
		freeReplyObject(r);
		store_set_err(s, STORE_ERR_REPLY, "redis %s: %s %s: not a list of strings",
			      s->where, argv[0], key);
		return NULL;
	}
	return r;
}

static uint64_t to_u64(const char *v)
{
	return v ? strtoull(v, NULL, 10) : 0;
}

/* Calls fn for each field of an HGETALL reply. */
static void each_field(const redisReply *r, void (*fn)(void *, const char *, const char *),
		       void *ud)
{
	if (r->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i + 1]->type == REDIS_REPLY_STRING)
			fn(ud, r->element[i]->str, r->element[i + 1]->str);
}

static int class_of(const char *name, size_t len)
{
	for (int c = 0; c < CLASS_COUNT; c++) {
		const char *n = class_name((enum src_class)c);
		if (strlen(n) == len && strncmp(n, name, len) == 0)
			return c;
	}
	return -1;
}

static int outcome_of(const char *name)
{
	for (int o = 0; o < OUTCOME_COUNT; o++)
		if (strcmp(outcome_name((enum outcome)o), name) == 0)
			return o;
	return -1;
}

/* ---- sensors ----------------------------------------------------------- */

struct sensor_ctx {
	struct report_sensor *d;
	struct report *r;
	struct report_strings *st;
	const char *digest;
	bool mixed;
	uint64_t undecodable;	/* malformed packets, summed over the sensors */
	uint64_t minute_keep_s; /* this sensor's minute retention, 0 unknown */
};

static void sensor_field(void *ud, const char *k, const char *v)
{
	struct sensor_ctx *x = ud;
	struct report_sensor *d = x->d;

	if (!strcmp(k, "started"))
		d->started_us = to_u64(v);
	else if (!strcmp(k, "last_flush"))
		d->last_flush_us = to_u64(v);
	else if (!strcmp(k, "packets"))
		d->packets = to_u64(v);
	else if (!strcmp(k, "kernel_drops"))
		d->kernel_drops = to_u64(v);
	else if (!strcmp(k, "evictions"))
		d->evictions = to_u64(v);
	else if (!strcmp(k, "lost"))
		d->lost = to_u64(v);
	else if (!strcmp(k, "minute_retention"))
		x->minute_keep_s = to_u64(v);
	else if (!strcmp(k, "sources_dropped"))
		x->r->sources_dropped += to_u64(v);
	else if (!strcmp(k, "undecodable"))
		x->undecodable += to_u64(v);
	else if (!strcmp(k, "tcp_truncated_tail"))
		x->r->tcp_truncated_tail += to_u64(v);
	else if (!strcmp(k, "clock_jumps"))
		x->r->clock_jumps += to_u64(v);
	else if (!strcmp(k, "sources_folded"))
		x->r->sources_folded += to_u64(v);
	else if (!strcmp(k, "rules_digest") && *v) {
		if (!x->digest)
			x->digest = keep(x->st, v);
		else if (strcmp(x->digest, v) != 0)
			x->mixed = true;
	} else
		report_sensor_field(d, x->st, k, v);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct report_sensor *)a)->name,
		      ((const struct report_sensor *)b)->name);
}

/* *ret_minute_keep_s: the shortest minute retention of the sensors read,
 * 0 when one of them writes no minute series (an older version). */
static int read_sensors(struct store *s, const struct report_query *q, struct report *r,
			struct report_strings *st, uint64_t *ret_minute_keep_s)
{
	char key[256];
	const char *argv[2] = {"SMEMBERS", store_key(s, "sensors", key, sizeof(key))};
	redisReply *m = run_list(s, key, 2, argv);
	struct sensor_ctx x = {.r = r, .st = st};

	*ret_minute_keep_s = 0;
	if (!m)
		return -1;
	r->sensors = calloc(m->elements ? m->elements : 1, sizeof(*r->sensors));
	if (!r->sensors) {
		freeReplyObject(m);
		return store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
	}
	size_t n = 0;
	for (size_t i = 0; i < m->elements; i++) {
		const char *name = m->element[i]->str;
		if (m->element[i]->type != REDIS_REPLY_STRING ||
		    (q->sensor && strcmp(q->sensor, name)))
			continue;
		char skey[256];
		snprintf(skey, sizeof(skey), "%ssensor:%s", s->prefix, name);
		const char *hv[2] = {"HGETALL", skey};
		redisReply *h = run(s, skey, 2, hv);
		if (!h) {
			freeReplyObject(m);
			return -1;
		}
		if (h->type == REDIS_REPLY_ARRAY && h->elements) {
			struct report_sensor *d = &r->sensors[n++];
			snprintf(d->name, sizeof(d->name), "%s", name);
			x.d = d;
			x.minute_keep_s = 0;
			each_field(h, sensor_field, &x);
			if (n == 1 || x.minute_keep_s < *ret_minute_keep_s)
				*ret_minute_keep_s = x.minute_keep_s;
			r->packets += d->packets;
			r->kernel_drops += d->kernel_drops;
			r->evictions += d->evictions;
		}
		freeReplyObject(h);
	}
	freeReplyObject(m);
	r->n_sensors = n;
	qsort(r->sensors, n, sizeof(*r->sensors), name_cmp);
	r->rules_digest = x.mixed ? keep(st, "mixed") : x.digest;
	report_sensors_merge(r, st);
	/* the sensors count malformed packets as one number: an EFFECTIVE
	 * reason names them all the same */
	if (x.undecodable && r->n_malformed < REPORT_MAX_COUNTERS)
		r->malformed[r->n_malformed++] =
		    (struct report_counter){"undecodable", x.undecodable};
	return 0;
}

/* ---- totals from the hourly series ------------------------------------- */

/* Totals and, for the timeline, the hour the hash belongs to. */
struct series_ctx {
	struct report *r;
	struct hour_counts *h; /* NULL: the hour's name did not parse */
};

static void series_field(void *ud, const char *k, const char *v)
{
	struct series_ctx *x = ud;
	struct report *r = x->r;
	const char *colon = strchr(k, ':');

	if (!colon)
		return;
	int c = class_of(k, (size_t)(colon - k));
	if (c < 0)
		return;
	struct counts *t = &r->totals[c];
	struct counts *hc = x->h ? &x->h->c[c] : NULL;
	const char *f = colon + 1;
	uint64_t n = to_u64(v);
	int o;
	if (!strcmp(f, "attempts")) {
		t->attempts += n;
		if (hc)
			hc->attempts += n;
	} else if (!strcmp(f, "replied")) {
		t->replied += n;
		if (hc)
			hc->replied += n;
	} else if (!strcmp(f, "reached_without_syn")) {
		t->without_syn += n;
		if (hc)
			hc->without_syn += n;
	} else if (!strcmp(f, "evicted_open")) {
		if (class_judged_outside((enum src_class)c))
			r->evicted_open_outside += n;
		if (x->h)
			x->h->evicted_open[c] += n;
	} else if ((o = outcome_of(f)) >= 0) {
		t->outcome[o] += n;
		if (hc)
			hc->outcome[o] += n;
	}
}

/* "yyyymmddHH" (UTC) -> hours since the epoch, or with unit_s 60
 * "yyyymmddHHMM" -> minutes since the epoch; -1 when it is not one. */
static int period_of_name(const char *name, uint32_t unit_s, uint32_t *ret)
{
	struct tm tm;
	unsigned y, mo, d, h, mi = 0;
	char tail;
	bool minutes = unit_s == 60;

	if (strlen(name) != (minutes ? 12u : 10u) ||
	    (minutes ? sscanf(name, "%4u%2u%2u%2u%2u%c", &y, &mo, &d, &h, &mi, &tail) != 5
		     : sscanf(name, "%4u%2u%2u%2u%c", &y, &mo, &d, &h, &tail) != 4))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	time_t t = timegm(&tm);
	if (t < 0)
		return -1;
	*ret = (uint32_t)(t / unit_s);
	return 0;
}

/* The totals from the series of the periods (unit_s: 3600 the hours, 60
 * the minutes, each listed by its index) that start at or after since. */
static int read_totals(struct store *s, const struct report_query *q, struct report *r,
		       uint32_t unit_s)
{
	char key[256], min[32];
	const char *argv[4] = {"ZRANGEBYSCORE",
			       store_key(s, unit_s == 60 ? "minutes" : "hours", key, sizeof(key)),
			       min, "+inf"};

	snprintf(min, sizeof(min), "%" PRIu64,
		 (uint64_t)(q->since_us / (unit_s * 1000000ULL) * unit_s));
	redisReply *hours = run_list(s, key, 4, argv);
	if (!hours)
		return -1;
	/* ascending by the hour's start: already the timeline's order */
	r->hours = calloc(hours->elements ? hours->elements : 1, sizeof(*r->hours));
	if (!r->hours) {
		freeReplyObject(hours);
		return store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
	}
	for (size_t i = 0; i < hours->elements; i++) {
		char hkey[256];
		if (q->sensor)
			snprintf(hkey, sizeof(hkey), "%sseries:%s:%s", s->prefix,
				 hours->element[i]->str, q->sensor);
		else
			snprintf(hkey, sizeof(hkey), "%sseries:%s", s->prefix,
				 hours->element[i]->str);
		const char *hv[2] = {"HGETALL", hkey};
		if (redisAppendCommandArgv(s->c, 2, hv, NULL) != REDIS_OK) {
			freeReplyObject(hours);
			return store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
		}
	}
	for (size_t i = 0; i < hours->elements; i++) {
		redisReply *h = get_reply(s, "series");
		if (!h) {
			freeReplyObject(hours);
			return -1;
		}
		struct series_ctx x = {.r = r, .h = NULL};
		uint32_t hour;
		if (hours->element[i]->type == REDIS_REPLY_STRING &&
		    period_of_name(hours->element[i]->str, unit_s, &hour) == 0 &&
		    (r->n_hours == 0 || r->hours[r->n_hours - 1].hour < hour)) {
			x.h = &r->hours[r->n_hours++];
			x.h->hour = hour;
		}
		each_field(h, series_field, &x);
		freeReplyObject(h);
	}
	freeReplyObject(hours);
	return 0;
}

/* ---- sources ------------------------------------------------------------ */

struct src_fields {
	struct report_source d;
	int cls;
	uint64_t reached_us, seen_by_us;
	const char *label, *helo;
	const char *seen_by_key;
};

static void src_field(void *ud, const char *k, const char *v)
{
	struct src_fields *x = ud;
	int o;

	if (!strcmp(k, "attempts"))
		x->d.c.attempts = to_u64(v);
	else if (!strcmp(k, "replied"))
		x->d.c.replied = to_u64(v);
	else if (!strcmp(k, "reached_without_syn"))
		x->d.c.without_syn = to_u64(v);
	else if ((o = outcome_of(k)) >= 0)
		x->d.c.outcome[o] = to_u64(v);
	else if (!strcmp(k, "first_seen"))
		x->d.first_us = to_u64(v);
	else if (!strcmp(k, "last_seen"))
		x->d.last_us = to_u64(v);
	else if (!strcmp(k, "class"))
		x->cls = class_of(v, strlen(v));
	else if (!strcmp(k, "label"))
		x->label = v;
	else if (!strcmp(k, "last_helo"))
		x->helo = v;
	else if (!strcmp(k, "reached"))
		x->reached_us = to_u64(v);
	else if (x->seen_by_key && !strcmp(k, x->seen_by_key))
		x->seen_by_us = to_u64(v);
}

static int add_source(struct report *r, struct report_strings *st, const struct report_query *q,
		      const redisReply *h, const char *ip, uint64_t score, size_t *cap)
{
	struct src_fields x;
	char seen_by[96];

	memset(&x, 0, sizeof(x));
	x.cls = -1;
	if (q->sensor) {
		snprintf(seen_by, sizeof(seen_by), "seen_by:%s", q->sensor);
		x.seen_by_key = seen_by;
	}
	each_field(h, src_field, &x);
	if (x.cls < 0 || addr_parse(ip, &x.d.addr) < 0)
		return 0; /* expired meanwhile, or not ours: nothing to show */
	if (q->sensor && (x.seen_by_us == 0 || x.seen_by_us < q->since_us))
		return 0;
	/* the index holds the latest time any sensor saw it */
	if (score > x.d.last_us)
		x.d.last_us = score;
	if (r->from_us == 0 || (x.d.first_us && x.d.first_us < r->from_us))
		r->from_us = x.d.first_us;
	if (x.d.last_us > r->to_us)
		r->to_us = x.d.last_us;
	r->totals[x.cls].sources++;
	if (!class_listed((enum src_class)x.cls))
		return 0;
	if (r->n_sources == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct report_source *n = realloc(r->sources, ncap * sizeof(*n));
		if (!n)
			return -1;
		r->sources = n;
		*cap = ncap;
	}
	x.d.cls = (enum src_class)x.cls;
	x.d.label = keep(st, x.label);
	x.d.helo = keep(st, x.helo);
	/* reached in the window, not at some time in the source's history */
	x.d.reached = x.reached_us != 0 && x.reached_us >= q->since_us;
	for (int o = OUTCOME_COUNT - 1; o >= 0; o--)
		if (x.d.c.outcome[o]) {
			x.d.best = (uint8_t)o;
			break;
		}
	r->sources[r->n_sources++] = x.d;
	return 0;
}

/* HGETALL of each named source (pipelined in rounds), added to r. */
static int fetch_sources(struct store *s, const struct report_query *q, struct report *r,
			 struct report_strings *st, const char *const *ips, const uint64_t *scores,
			 size_t n, size_t *cap)
{
	int rc = 0;

	for (size_t base = 0; base < n && rc == 0; base += REPORT_REDIS_ROUND) {
		size_t end = base + REPORT_REDIS_ROUND < n ? base + REPORT_REDIS_ROUND : n;
		for (size_t i = base; i < end; i++) {
			char skey[256];
			snprintf(skey, sizeof(skey), "%ssrc:%s", s->prefix, ips[i]);
			const char *hv[2] = {"HGETALL", skey};
			if (redisAppendCommandArgv(s->c, 2, hv, NULL) != REDIS_OK)
				return store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
		}
		for (size_t i = base; i < end; i++) {
			char skey[256];
			snprintf(skey, sizeof(skey), "%ssrc:%s", s->prefix, ips[i]);
			if (!s->c)
				break;
			redisReply *h = get_reply(s, skey);
			if (!h) {
				rc = -1;
				continue; /* read the rest of the round, report an error */
			}
			if (rc == 0 && add_source(r, st, q, h, ips[i], scores[i], cap) < 0)
				rc = store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
			freeReplyObject(h);
		}
	}
	return rc;
}

/* The names and scores of a WITHSCORES listing, appended to a pick list. */
struct picks {
	const char **ips;
	uint64_t *scores;
	size_t n, cap;
};

static int pick(struct picks *p, const char *ip, uint64_t score)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		const char **ips = realloc(p->ips, cap * sizeof(*ips));
		if (ips)
			p->ips = ips;
		uint64_t *sc = realloc(p->scores, cap * sizeof(*sc));
		if (sc)
			p->scores = sc;
		if (!ips || !sc)
			return -1;
		p->cap = cap;
	}
	p->ips[p->n] = ip;
	p->scores[p->n++] = score;
	return 0;
}

static void picks_release(struct picks *p)
{
	free(p->ips);
	free(p->scores);
}

/* Every source of the window: exact, for windows of up to
 * REPORT_REDIS_FULL_MAX sources (and for --top 0). */
static int read_all_sources(struct store *s, const struct report_query *q, struct report *r,
			    struct report_strings *st)
{
	char key[256], min[32];
	const char *argv[5] = {"ZRANGEBYSCORE", store_key(s, "seen", key, sizeof(key)), min, "+inf",
			       "WITHSCORES"};
	struct picks p = {0};
	size_t cap = 0;
	int rc = 0;

	snprintf(min, sizeof(min), "%" PRIu64, q->since_us);
	redisReply *seen = run_list(s, key, 5, argv);
	if (!seen)
		return -1;
	for (size_t i = 0; rc == 0 && i + 1 < seen->elements; i += 2)
		if (pick(&p, seen->element[i]->str, to_u64(seen->element[i + 1]->str)) < 0)
			rc = store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
	if (rc == 0)
		rc = fetch_sources(s, q, r, st, p.ips, p.scores, p.n, &cap);
	picks_release(&p);
	freeReplyObject(seen);
	r->sources_total = r->n_sources;
	return rc;
}

static uint64_t count_in(struct store *s, const char *part, uint64_t since_us, int *rc)
{
	char key[256], min[32];
	const char *argv[4] = {"ZCOUNT", store_key(s, part, key, sizeof(key)), min, "+inf"};

	snprintf(min, sizeof(min), "%" PRIu64, since_us);
	redisReply *c = run(s, key, 4, argv);
	if (!c) {
		*rc = -1;
		return 0;
	}
	uint64_t n = c->type == REDIS_REPLY_INTEGER && c->integer > 0 ? (uint64_t)c->integer : 0;
	freeReplyObject(c);
	return n;
}

/* A window of many sources (a busy week, a flood): only what the report
 * prints is read. Every outside source that reached the server (the
 * evidence), every exception (few), and the top sources by attempts whose
 * last sighting is in the window, found down the `attempts` index in
 * rounds; gateways are counted by their index, distinct outside sources
 * by the days' HyperLogLogs (an estimate, said as such). */
static int read_top_sources(struct store *s, const struct report_query *q, struct report *r,
			    struct report_strings *st, uint64_t n_seen)
{
	char key[256], min[32], from[24], to[24];
	const char *reached_argv[5] = {"ZRANGEBYSCORE", store_key(s, "reached", key, sizeof(key)),
				       min, "+inf", "WITHSCORES"};
	redisReply *lists[2 + REPORT_REDIS_TOP_ROUNDS] = {NULL};
	unsigned n_lists = 0;
	struct picks p = {0};
	size_t cap = 0, n_reached;
	int rc = 0;

	snprintf(min, sizeof(min), "%" PRIu64, q->since_us);
	if (!(lists[n_lists++] = run_list(s, key, 5, reached_argv)))
		goto out_err;
	for (size_t i = 0; i + 1 < lists[0]->elements; i += 2)
		if (pick(&p, lists[0]->element[i]->str, to_u64(lists[0]->element[i + 1]->str)) < 0)
			goto out_nomem;
	n_reached = p.n;
	char ekey[256];
	const char *exc_argv[5] = {"ZRANGEBYSCORE",
				   store_key(s, "seen:exception", ekey, sizeof(ekey)), min, "+inf",
				   "WITHSCORES"};
	if (!(lists[n_lists++] = run_list(s, ekey, 5, exc_argv)))
		goto out_err;
	for (size_t i = 0; i + 1 < lists[1]->elements; i += 2)
		if (pick(&p, lists[1]->element[i]->str, to_u64(lists[1]->element[i + 1]->str)) < 0)
			goto out_nomem;
	/* the worst blocked ones: by attempts, in the window, not yet picked */
	size_t want = r->top, got = 0, chunk = want * 4 > 256 ? want * 4 : 256;
	char akey[256], skey[256];
	store_key(s, "attempts", akey, sizeof(akey));
	store_key(s, "seen", skey, sizeof(skey));
	for (unsigned k = 0; got < want && k < REPORT_REDIS_TOP_ROUNDS; k++) {
		snprintf(from, sizeof(from), "%zu", k * chunk);
		snprintf(to, sizeof(to), "%zu", (k + 1) * chunk - 1);
		const char *zr[4] = {"ZREVRANGE", akey, from, to};
		redisReply *m = run_list(s, akey, 4, zr);
		if (!m)
			goto out_err;
		lists[n_lists++] = m;
		if (m->elements == 0)
			break;
		/* their last sightings, in one command */
		const char **zm = malloc((m->elements + 2) * sizeof(*zm));
		if (!zm)
			goto out_nomem;
		zm[0] = "ZMSCORE";
		zm[1] = skey;
		for (size_t i = 0; i < m->elements; i++)
			zm[2 + i] = m->element[i]->str;
		redisReply *sc = run(s, skey, (int)(m->elements + 2), zm);
		free(zm);
		if (!sc)
			goto out_err;
		for (size_t i = 0; got < want && sc->type == REDIS_REPLY_ARRAY &&
				   i < sc->elements && i < m->elements;
		     i++) {
			uint64_t seen_us = sc->element[i]->type == REDIS_REPLY_STRING
					       ? to_u64(sc->element[i]->str)
					       : 0;
			bool dup = false;
			for (size_t j = 0; j < n_reached && !dup; j++)
				dup = strcmp(p.ips[j], m->element[i]->str) == 0;
			if (seen_us < q->since_us || seen_us == 0 || dup)
				continue;
			if (pick(&p, m->element[i]->str, seen_us) < 0) {
				freeReplyObject(sc);
				goto out_nomem;
			}
			got++;
		}
		freeReplyObject(sc);
		if (m->elements < chunk)
			break;
	}
	rc = fetch_sources(s, q, r, st, p.ips, p.scores, p.n, &cap);
	/* the counts the listing cannot give */
	uint64_t allowed = count_in(s, "seen:allowed", q->since_us, &rc);
	uint64_t outbound = count_in(s, "seen:outbound", q->since_us, &rc);
	r->totals[CLASS_ALLOWED].sources = allowed;
	r->totals[CLASS_OUTBOUND].sources = outbound;
	r->sources_total = n_seen > allowed + outbound ? n_seen - allowed - outbound : 0;
	r->sources_partial = true;
	goto out;
out_nomem:
	rc = store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
	goto out;
out_err:
	rc = -1;
out:
	picks_release(&p);
	for (unsigned i = 0; i < n_lists; i++)
		freeReplyObject(lists[i]);
	return rc;
}

static int read_sources(struct store *s, const struct report_query *q, struct report *r,
			struct report_strings *st)
{
	int rc = 0;
	uint64_t n_seen = r->top ? count_in(s, "seen", q->since_us, &rc) : 0;

	if (rc < 0)
		return -1;
	rc = n_seen > REPORT_REDIS_FULL_MAX ? read_top_sources(s, q, r, st, n_seen)
					    : read_all_sources(s, q, r, st);
	if (q->since_us && r->from_us && r->from_us < q->since_us)
		r->from_us = q->since_us;
	r->totals_whole_hours = q->since_us % 3600000000ULL != 0;
	return rc;
}

/* With folded sources the per-source records miss some: the distinct
 * outside sources are the window's days' HyperLogLogs merged, an
 * estimate (said as such). */
static int read_distinct(struct store *s, struct report *r, uint32_t unit_s)
{
	const char *argv[2 + 64];
	char keys[64][96];
	uint32_t days[64];
	int n = 0;

	for (size_t i = 0; i < r->n_hours && n < 64; i++) {
		uint32_t day = (uint32_t)((uint64_t)r->hours[i].hour * unit_s / 86400u);
		if (n && days[n - 1] == day)
			continue;
		time_t t = (time_t)day * 86400;
		struct tm tm;
		char name[16];
		gmtime_r(&t, &tm);
		strftime(name, sizeof(name), "%Y%m%d", &tm);
		days[n] = day;
		snprintf(keys[n], sizeof(keys[n]), "%ssources:%s", s->prefix, name);
		argv[1 + n] = keys[n];
		n++;
	}
	if (n == 0)
		return 0;
	argv[0] = "PFCOUNT";
	redisReply *c = run(s, "sources", 1 + n, argv);
	if (!c)
		return -1;
	if (c->type == REDIS_REPLY_INTEGER && c->integer >= 0) {
		r->totals[CLASS_OUTSIDE].sources = (uint64_t)c->integer;
		r->sources_estimated = true;
	}
	freeReplyObject(c);
	return 0;
}

int report_from_redis(struct store *s, const struct report_query *q, struct report *r,
		      struct report_strings **ret_strings)
{
	struct report_strings *st = calloc(1, sizeof(*st));

	*ret_strings = st;
	if (!st)
		return store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
	if (!s->c && store_connect(s) < 0)
		return -1;
	uint64_t minute_keep_s;
	if (read_sensors(s, q, r, st, &minute_keep_s) < 0)
		return -1;
	/* A window that starts inside an hour cannot be cut from the hourly
	 * series; the minute series can, while every sensor keeps it that
	 * long. The window is then rounded out to whole minutes, and the
	 * totals, the verdict and the sources all follow that window. */
	struct report_query w = *q;
	r->by_minute = q->since_us % 3600000000ULL != 0 && minute_keep_s &&
		       q->now_us >= q->since_us &&
		       q->now_us - q->since_us <= minute_keep_s * 1000000ULL;
	if (r->by_minute)
		w.since_us = q->since_us / 60000000ULL * 60000000ULL;
	if (read_totals(s, &w, r, r->by_minute ? 60 : 3600) < 0 || read_sources(s, &w, r, st) < 0 ||
	    ((r->sources_folded || r->sources_partial) &&
	     read_distinct(s, r, r->by_minute ? 60 : 3600) < 0))
		return -1;
	if (r->by_minute) {
		r->totals_whole_hours = false;
		r->from_us = w.since_us;
		r->to_us = (q->now_us + 59999999ULL) / 60000000ULL * 60000000ULL;
	}
	r->source_counts_retained = q->since_us != 0;
	if (!r->sources) {
		r->sources = calloc(1, sizeof(*r->sources));
		if (!r->sources)
			return store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
	}
	report_finish(r);
	return 0;
}
