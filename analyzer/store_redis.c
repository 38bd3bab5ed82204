/* The Redis store's connection and flush (see store_redis.h): connect,
 * authenticate and select with timeouts and backoff; turn a batch into one
 * MULTI/EXEC pipeline encoded here in RESP (hiredis' per-command formatting
 * would allocate per command, and a flush can hold millions); resolve a
 * batch whose EXEC outcome is unknown from the sensor's batch tag. */
#include "config.h"

#include "analyzer/store_redis.h"

#include "common/diag.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

void store_config_defaults(struct store_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->prefix = STORE_PREFIX_DEFAULT;
	cfg->sensor = "lockwatch";
	cfg->retention_s = STORE_RETENTION_S_DEFAULT;
	cfg->max_pending = STORE_MAX_PENDING_DEFAULT;
	cfg->connect_timeout_ms = STORE_CONNECT_TIMEOUT_MS;
	cfg->command_timeout_ms = STORE_COMMAND_TIMEOUT_MS;
	cfg->backoff_min_ms = STORE_BACKOFF_MIN_MS;
	cfg->backoff_max_ms = STORE_BACKOFF_MAX_MS;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int store_set_err(struct store *s, int err, const char *fmt, ...)
{
	va_list ap;

	s->err = err;
	va_start(ap, fmt);
	vsnprintf(s->errstr, sizeof(s->errstr), fmt, ap);
	va_end(ap);
	return -1;
}

static void disconnect(struct store *s)
{
	if (s->c)
		redisFree(s->c);
	s->c = NULL;
}

/* Trouble: wait before the next try, twice as long each time. */
static void delay(struct store *s)
{
	if (s->backoff_ms == 0)
		s->backoff_ms = s->cfg.backoff_min_ms;
	else if (s->backoff_ms < s->cfg.backoff_max_ms / 2)
		s->backoff_ms *= 2;
	else
		s->backoff_ms = s->cfg.backoff_max_ms;
	s->next_try_ms = now_ms() + s->backoff_ms;
}

/* Connection trouble: drop the connection, and wait. */
static void back_off(struct store *s)
{
	disconnect(s);
	delay(s);
}

static struct timeval tv_ms(uint32_t ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};

	return tv;
}

/* Runs one command on the connection; an error reply becomes err. The
 * reply is returned for the caller to free, or NULL (err set). */
static redisReply *command(struct store *s, int err_kind, int argc, const char **argv)
{
	redisReply *r = redisCommandArgv(s->c, argc, argv, NULL);

	if (!r) {
		store_set_err(s, STORE_ERR_IO, "redis %s: %s", s->where,
			      s->c->errstr[0] ? s->c->errstr : "connection lost");
		back_off(s);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		store_set_err(s, err_kind, "redis %s: %s", s->where, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

int store_connect(struct store *s)
{
	const struct redis_url *u = &s->cfg.url;
	char db[16], id[32];
	redisReply *r;

	if (s->c)
		return 0;
	struct timeval ctv = tv_ms(s->cfg.connect_timeout_ms);
	s->c = u->is_unix ? redisConnectUnixWithTimeout(u->path, ctv)
			  : redisConnectWithTimeout(u->host, u->port, ctv);
	if (!s->c)
		return store_set_err(s, STORE_ERR_NOMEM, "redis %s: out of memory", s->where);
	if (s->c->err) {
		store_set_err(s, STORE_ERR_IO, "redis %s: %s", s->where, s->c->errstr);
		back_off(s);
		return -1;
	}
	if (redisSetTimeout(s->c, tv_ms(s->cfg.command_timeout_ms)) != REDIS_OK ||
	    (!u->is_unix && redisEnableKeepAlive(s->c) != REDIS_OK)) {
		store_set_err(s, STORE_ERR_IO, "redis %s: %s", s->where, s->c->errstr);
		back_off(s);
		return -1;
	}
	if (s->password) {
		const char *auth[3] = {"AUTH", u->user, s->password};
		int n = u->user[0] ? 3 : 2;
		if (n == 2)
			auth[1] = s->password;
		if (!(r = command(s, STORE_ERR_AUTH, n, auth)))
			goto fail;
		freeReplyObject(r);
	} else if (u->user[0]) {
		/* a user without a password: one created with nopass */
		const char *auth[3] = {"AUTH", u->user, ""};
		if (!(r = command(s, STORE_ERR_AUTH, 3, auth)))
			goto fail;
		freeReplyObject(r);
	}
	if (u->db) {
		snprintf(db, sizeof(db), "%d", u->db);
		const char *sel[2] = {"SELECT", db};
		if (!(r = command(s, STORE_ERR_AUTH, 2, sel)))
			goto fail;
		freeReplyObject(r);
	}
	if (s->unknown && s->unknown_conn_id > 0) {
		/* The connection that sent the unknown batch may still sit in
		 * the server (a paused or stalled server has not noticed it
		 * closed): end it, so its EXEC cannot land after we looked.
		 * A user without the right to do so relies on the server
		 * having dropped it already. */
		snprintf(id, sizeof(id), "%lld", s->unknown_conn_id);
		const char *kill[4] = {"CLIENT", "KILL", "ID", id};
		r = redisCommandArgv(s->c, 4, kill, NULL);
		if (!r) {
			store_set_err(s, STORE_ERR_IO, "redis %s: %s", s->where, s->c->errstr);
			back_off(s);
			return -1;
		}
		freeReplyObject(r);
	}
	/* CLIENT ID also proves the connection is usable (NOAUTH shows here) */
	const char *cid[2] = {"CLIENT", "ID"};
	if (!(r = command(s, STORE_ERR_AUTH, 2, cid)))
		goto fail;
	s->conn_id = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	return 0;
fail:
	/* refused AUTH/SELECT: retrying at once would only be refused again */
	if (s->c)
		back_off(s);
	return -1;
}

struct store *store_new(const struct store_config *cfg)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->prefix = strdup(cfg->prefix ? cfg->prefix : STORE_PREFIX_DEFAULT);
	s->sensor = strdup(cfg->sensor ? cfg->sensor : "lockwatch");
	s->password = cfg->password ? strdup(cfg->password) : NULL;
	if (!s->prefix || !s->sensor || (cfg->password && !s->password))
		goto fail;
	s->cfg.password = s->password;
	s->cfg.prefix = s->prefix;
	s->cfg.sensor = s->sensor;
	if (s->cfg.max_pending == 0)
		s->cfg.max_pending = STORE_MAX_PENDING_DEFAULT;
	if (s->cfg.backoff_min_ms == 0)
		s->cfg.backoff_min_ms = STORE_BACKOFF_MIN_MS;
	if (s->cfg.backoff_max_ms < s->cfg.backoff_min_ms)
		s->cfg.backoff_max_ms = s->cfg.backoff_min_ms;
	redis_url_where(&cfg->url, s->where, sizeof(s->where));
	/* The batch tag must differ between runs of one sensor, or a new
	 * run's batch 1 could be taken for the previous run's batch 1. */
	s->run_id = wall_us() ^ ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)s;
	store_connect(s);
	return s;
fail:
	store_free(s);
	return NULL;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	disconnect(s);
	store_batch_free(s->pending);
	store_batch_free(s->unknown);
	if (s->password) {
		/* not a guarantee, but the secret need not linger in freed memory */
		memset(s->password, 0, strlen(s->password));
		free(s->password);
	}
	free(s->prefix);
	free(s->sensor);
	free(s->buf);
	free(s->cmd_src);
	free(s);
}

bool store_holding(const struct store *s)
{
	return s->pending || s->unknown || s->lost_dirty;
}

const char *store_key(const struct store *s, const char *part, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", s->prefix, part);
	return buf;
}

/* ---- RESP encoding into s->buf ---------------------------------------- */

static int reserve(struct store *s, size_t more)
{
	if (s->len + more <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 65536;
	while (cap < s->len + more)
		cap *= 2;
	char *n = realloc(s->buf, cap);
	if (!n)
		return -1;
	s->buf = n;
	s->cap = cap;
	return 0;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Failure to grow the buffer is remembered and reported once at the end. */
struct enc {
	struct store *s;
	int failed;
};

static void cmd_begin(struct enc *e, unsigned argc, int32_t src)
{
	struct store *s = e->s;

	if (e->failed || reserve(s, 24) < 0) {
		e->failed = 1;
		return;
	}
	if (s->n_cmds == s->cap_cmds) {
		uint32_t cap = s->cap_cmds ? s->cap_cmds * 2 : 4096;
		int32_t *n = realloc(s->cmd_src, (size_t)cap * sizeof(*n));
		if (!n) {
			e->failed = 1;
			return;
		}
		s->cmd_src = n;
		s->cap_cmds = cap;
	}
	s->cmd_src[s->n_cmds++] = src;
	char *p = s->buf + s->len;
	*p++ = '*';
	p = put_u64(p, argc);
	*p++ = '\r';
	*p++ = '\n';
	s->len = (size_t)(p - s->buf);
}

/* One bulk string made of up to two parts (a prefix and a name). */
static void arg2(struct enc *e, const char *a, size_t alen, const char *b, size_t blen)
{
	struct store *s = e->s;

	if (e->failed || reserve(s, alen + blen + 32) < 0) {
		e->failed = 1;
		return;
	}
	char *p = s->buf + s->len;
	*p++ = '$';
	p = put_u64(p, alen + blen);
	*p++ = '\r';
	*p++ = '\n';
	memcpy(p, a, alen);
	p += alen;
	if (blen)
		memcpy(p, b, blen);
	p += blen;
	*p++ = '\r';
	*p++ = '\n';
	s->len = (size_t)(p - s->buf);
}

static void arg(struct enc *e, const char *a)
{
	arg2(e, a, strlen(a), NULL, 0);
}

static void arg_u64(struct enc *e, uint64_t v)
{
	char tmp[24];
	char *end = put_u64(tmp, v);

	arg2(e, tmp, (size_t)(end - tmp), NULL, 0);
}

/* A key: the prefix, then up to two parts. */
static void arg_key(struct enc *e, const char *part1, const char *part2)
{
	char key[256];
	int n = snprintf(key, sizeof(key), "%s%s", part1, part2 ? part2 : "");

	arg2(e, e->s->prefix, strlen(e->s->prefix), key,
	     n < 0		       ? 0
	     : (size_t)n < sizeof(key) ? (size_t)n
				       : sizeof(key) - 1);
}

/* ---- the flush --------------------------------------------------------- */

static void hour_name(uint32_t hour, char *buf, size_t len)
{
	time_t t = (time_t)hour * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d%H", &tm);
}

static void day_name(uint64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d", &tm);
}

static void encode_source(struct enc *e, const struct store_batch *b, uint32_t i)
{
	const struct batch_source *src = &b->src[i];
	const struct store *s = e->s;
	char ip[LW_ADDR_STRLEN], seen_by[96];
	int32_t idx = (int32_t)i;
	const char *label = store_batch_str(b, src->label);
	const char *helo = store_batch_str(b, src->helo);
	bool outside = src->cls == CLASS_OUTSIDE;

	addr_format(&src->addr, ip, sizeof(ip));
	if (src->c.attempts) {
		cmd_begin(e, 4, idx);
		arg(e, "HINCRBY");
		arg_key(e, "src:", ip);
		arg(e, "attempts");
		arg_u64(e, src->c.attempts);
	}
	/* the outcomes, then these */
	static const char *const more[] = {"replied", "reached_without_syn"};
	const uint64_t more_n[] = {src->c.replied, src->c.without_syn};
	for (int o = 0; o < OUTCOME_COUNT + 2; o++) {
		uint64_t n = o < OUTCOME_COUNT ? src->c.outcome[o] : more_n[o - OUTCOME_COUNT];
		if (!n)
			continue;
		cmd_begin(e, 4, idx);
		arg(e, "HINCRBY");
		arg_key(e, "src:", ip);
		arg(e, o < OUTCOME_COUNT ? outcome_name((enum outcome)o) : more[o - OUTCOME_COUNT]);
		arg_u64(e, n);
	}
	cmd_begin(e, 4, idx);
	arg(e, "HSETNX");
	arg_key(e, "src:", ip);
	arg(e, "first_seen");
	arg_u64(e, src->first_us);

	unsigned n = 2 + 2 * 4 + (label ? 2 : 0) + (helo ? 2 : 0) + (src->last_dst.family ? 2 : 0) +
		     (src->reached_us ? 2 : 0);
	cmd_begin(e, n, idx);
	arg(e, "HSET");
	arg_key(e, "src:", ip);
	arg(e, "last_seen");
	arg_u64(e, src->last_us);
	arg(e, "last_sensor");
	arg(e, s->sensor);
	arg(e, "class");
	arg(e, class_name((enum src_class)src->cls));
	snprintf(seen_by, sizeof(seen_by), "seen_by:%s", s->sensor);
	arg(e, seen_by);
	arg_u64(e, src->last_us);
	if (label) {
		arg(e, "label");
		arg(e, label);
	}
	if (helo) {
		arg(e, "last_helo");
		arg(e, helo);
	}
	if (src->last_dst.family) {
		char dst[LW_ADDR_STRLEN];
		arg(e, "last_dst");
		arg(e, addr_format(&src->last_dst, dst, sizeof(dst)));
	}
	if (src->reached_us) {
		arg(e, "reached");
		arg_u64(e, src->reached_us);
	}
	cmd_begin(e, 3, idx);
	arg(e, "EXPIRE");
	arg_key(e, "src:", ip);
	arg_u64(e, s->cfg.retention_s);

	/* The indexes carry -1: an error there is not this source's hash
	 * refusing its counts. The `seen` index is written for the whole
	 * batch at once (encode_seen). */
	if (outside && src->c.attempts) {
		cmd_begin(e, 4, -1);
		arg(e, "ZINCRBY");
		arg_key(e, "attempts", NULL);
		arg_u64(e, src->c.attempts);
		arg(e, ip);
	}
	if (outside && src->reached_us) {
		cmd_begin(e, 5, -1);
		arg(e, "ZADD");
		arg_key(e, "reached", NULL);
		arg(e, "GT");
		arg_u64(e, src->reached_us);
		arg(e, ip);
	}
}

/* The report's index of every source by last sighting: one variadic ZADD
 * per chunk, not one per source (a command less per new source; GT keeps
 * the latest sighting when several sensors write). */
static void encode_seen(struct enc *e, const struct store_batch *b)
{
	char ip[LW_ADDR_STRLEN];

	for (uint32_t i = 0; i < b->n_src;) {
		uint32_t chunk = STORE_VARIADIC_CHUNK;
		if (b->n_src - i < chunk)
			chunk = b->n_src - i;
		cmd_begin(e, 3 + 2 * chunk, -1);
		arg(e, "ZADD");
		arg_key(e, "seen", NULL);
		arg(e, "GT");
		for (uint32_t end = i + chunk; i < end; i++) {
			arg_u64(e, b->src[i].last_us);
			arg(e, addr_format(&b->src[i].addr, ip, sizeof(ip)));
		}
	}
}

/* Distinct outside sources per day: one PFADD per day and chunk. */
static void encode_days(struct enc *e, const struct store_batch *b)
{
	uint64_t done_days[64];
	unsigned n_done = 0;

	for (uint32_t i = 0; i < b->n_src; i++) {
		if (b->src[i].cls != CLASS_OUTSIDE)
			continue;
		uint64_t day = b->src[i].last_us / 86400000000ULL;
		bool seen = false;
		for (unsigned k = 0; k < n_done; k++)
			seen |= done_days[k] == day;
		if (seen)
			continue;
		if (n_done < 64)
			done_days[n_done++] = day;
		else
			n_done =
			    0; /* over 64 days in one batch: restart, a PFADD repeats harmlessly */
		/* count this day's sources, then emit them in chunks */
		char dname[16], ip[LW_ADDR_STRLEN];
		day_name(b->src[i].last_us, dname, sizeof(dname));
		uint32_t total = 0;
		for (uint32_t j = i; j < b->n_src; j++)
			total += b->src[j].cls == CLASS_OUTSIDE &&
				 b->src[j].last_us / 86400000000ULL == day;
		uint32_t j = i;
		while (total) {
			uint32_t chunk = STORE_VARIADIC_CHUNK;
			if (total < chunk)
				chunk = total;
			cmd_begin(e, 2 + chunk, -1);
			arg(e, "PFADD");
			arg_key(e, "sources:", dname);
			for (uint32_t k = 0; k < chunk; j++) {
				if (b->src[j].cls != CLASS_OUTSIDE ||
				    b->src[j].last_us / 86400000000ULL != day)
					continue;
				arg(e, addr_format(&b->src[j].addr, ip, sizeof(ip)));
				k++;
			}
			total -= chunk;
		}
		cmd_begin(e, 3, -1);
		arg(e, "EXPIRE");
		arg_key(e, "sources:", dname);
		arg_u64(e, e->s->cfg.retention_s);
	}
}

static void encode_series_key(struct enc *e, const struct hour_counts *h, const char *key)
{
	char field[48];

	for (int c = 0; c < CLASS_COUNT; c++) {
		const char *cls = class_name((enum src_class)c);
		const struct counts *k = &h->c[c];
		struct {
			const char *name;
			uint64_t n;
		} f[OUTCOME_COUNT + 4];
		unsigned nf = 0;
		f[nf].name = "attempts";
		f[nf++].n = k->attempts;
		for (int o = 0; o < OUTCOME_COUNT; o++) {
			f[nf].name = outcome_name((enum outcome)o);
			f[nf++].n = k->outcome[o];
		}
		f[nf].name = "replied";
		f[nf++].n = k->replied;
		f[nf].name = "reached_without_syn";
		f[nf++].n = k->without_syn;
		f[nf].name = "evicted_open";
		f[nf++].n = h->evicted_open[c];
		for (unsigned i = 0; i < nf; i++) {
			if (!f[i].n)
				continue;
			snprintf(field, sizeof(field), "%s:%s", cls, f[i].name);
			cmd_begin(e, 4, -1);
			arg(e, "HINCRBY");
			arg_key(e, key, NULL);
			arg(e, field);
			arg_u64(e, f[i].n);
		}
	}
	cmd_begin(e, 3, -1);
	arg(e, "EXPIRE");
	arg_key(e, key, NULL);
	arg_u64(e, e->s->cfg.retention_s);
}

static void encode_hours(struct enc *e, const struct store_batch *b)
{
	char hname[16], key[160];

	for (uint32_t i = 0; i < b->n_hours; i++) {
		const struct hour_counts *h = &b->hours[i];
		hour_name(h->hour, hname, sizeof(hname));
		snprintf(key, sizeof(key), "series:%s", hname);
		encode_series_key(e, h, key);
		snprintf(key, sizeof(key), "series:%s:%s", hname, e->s->sensor);
		encode_series_key(e, h, key);
		cmd_begin(e, 4, -1);
		arg(e, "ZADD");
		arg_key(e, "hours", NULL);
		arg_u64(e, (uint64_t)h->hour * 3600u);
		arg(e, hname);
	}
}

/* The indexes outlive their sources unless trimmed: they expire only when
 * every sensor has stopped writing, while each src: hash expires on its
 * own. Every batch therefore drops, atomically, up to STORE_TRIM_MAX
 * sources last seen more than the retention before the batch's newest
 * sighting (data time, so an old capture replayed never trims newer data)
 * from `seen`, `attempts` and `reached`, and the hours that old from
 * `hours`. A script, because which members go is decided by `seen` while
 * other sensors may be writing it; ZREM and ZREMRANGEBYSCORE are allowed
 * under maxmemory, so trimming still frees memory when writes are refused. */
static const char trim_script[] =
    "local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, "
    "ARGV[2])\n"
    "for i = 1, #old, 500 do\n"
    "  local part = {unpack(old, i, math.min(i + 499, #old))}\n"
    "  redis.call('ZREM', KEYS[1], unpack(part))\n"
    "  redis.call('ZREM', KEYS[2], unpack(part))\n"
    "  redis.call('ZREM', KEYS[3], unpack(part))\n"
    "end\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[3])\n"
    "return #old\n";

static void encode_sensor(struct enc *e, const struct store_health *hl, uint64_t lost,
			  const char *tag)
{
	struct store *s = e->s;
	static const char *const indexes[] = {"seen", "hours", "attempts", "reached", "sensors"};
	static const char *const names[] = {
	    "started",	   "last_flush",	"packets",	   "kernel_drops",
	    "evictions",   "sources_dropped",	"undecodable",	   "tcp_truncated_tail",
	    "clock_jumps", "outbound:attempts", "outbound:sources"};
	const uint64_t n[] = {hl->started_us,	   wall_us(),
			      hl->packets,	   hl->kernel_drops,
			      hl->evictions,	   hl->sources_dropped,
			      hl->undecodable,	   hl->tcp_truncated_tail,
			      hl->clock_jumps,	   hl->outbound_attempts,
			      hl->outbound_sources};

	const unsigned nn = sizeof(n) / sizeof(n[0]);

	cmd_begin(e, 2 + 2 * (nn + 5), -1); /* and the 5 below */
	arg(e, "HSET");
	arg_key(e, "sensor:", s->sensor);
	for (unsigned i = 0; i < nn; i++) {
		arg(e, names[i]);
		arg_u64(e, n[i]);
	}
	arg(e, "rules_digest");
	arg(e, hl->rules_digest);
	arg(e, "version");
	arg(e, PACKAGE_VERSION);
	arg(e, "lost");
	arg_u64(e, lost);
	arg(e, "name");
	arg(e, s->sensor);
	arg(e, "batch");
	arg(e, tag);
	cmd_begin(e, 3, -1);
	arg(e, "EXPIRE");
	arg_key(e, "sensor:", s->sensor);
	arg_u64(e, s->cfg.retention_s);
	cmd_begin(e, 3, -1);
	arg(e, "SADD");
	arg_key(e, "sensors", NULL);
	arg(e, s->sensor);
	/* The indexes live as long as some sensor keeps writing. */
	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
		cmd_begin(e, 3, -1);
		arg(e, "EXPIRE");
		arg_key(e, indexes[i], NULL);
		arg_u64(e, s->cfg.retention_s);
	}
}

static int encode_batch(struct store *s, const struct store_batch *b, uint64_t lost,
			const char *tag)
{
	struct enc e = {.s = s, .failed = 0};

	s->len = 0;
	s->n_cmds = 0;
	for (uint32_t i = 0; i < b->n_src; i++)
		encode_source(&e, b, i);
	encode_seen(&e, b);
	encode_days(&e, b);
	encode_hours(&e, b);
	encode_sensor(&e, &b->health, lost, tag);
	return e.failed ? -1 : 0;
}

/* What the replies to a batch's MULTI and queued commands said: the first
 * error among them aborts the EXEC, and names the source it concerns. */
struct queued {
	char first_err[96];
	int32_t first_err_src;
};

static void queued_reply(const struct store *s, uint32_t i, const redisReply *r, struct queued *q)
{
	/* MULTI's +OK or a command's +QUEUED; an error here (OOM, syntax)
	 * makes the server abort the EXEC */
	if (r->type == REDIS_REPLY_ERROR && !q->first_err[0]) {
		snprintf(q->first_err, sizeof(q->first_err), "%s", r->str ? r->str : "error");
		q->first_err_src = i > 0 && i <= s->n_cmds ? s->cmd_src[i - 1] : -1;
	}
}

/* A server's text in a message: escaped, so a reply cannot split the
 * message into lines or drive a terminal. */
static const char *said(const char *text, char *buf, size_t len)
{
	return diag_escape(text ? text : "", buf, len);
}

/* EXEC's reply. Returns 0 when the batch landed, 1 when it landed with
 * refused commands (their sources' counts added to lost), -1 when nothing
 * was applied; err set unless 0. */
static int exec_reply(struct store *s, const struct store_batch *b, const struct queued *q,
		      const redisReply *r)
{
	char shown[sizeof(s->errstr)];

	if (r->type != REDIS_REPLY_ARRAY) {
		/* EXECABORT or nil: nothing of the batch was applied */
		if (q->first_err_src >= 0 && strncmp(q->first_err, "WRONGTYPE", 9) == 0) {
			char ip[LW_ADDR_STRLEN];
			return store_set_err(
			    s, STORE_ERR_REPLY, "redis: key %ssrc:%s holds the wrong kind of value",
			    s->prefix, addr_format(&b->src[q->first_err_src].addr, ip, sizeof(ip)));
		}
		return store_set_err(s, STORE_ERR_REPLY, "redis %s: %s", s->where,
				     said(q->first_err[0]		 ? q->first_err
					  : r->type == REDIS_REPLY_ERROR ? r->str
									 : "transaction aborted",
					  shown, sizeof(shown)));
	}
	/* EXEC ran: the batch landed, whatever single commands refused (a
	 * key of the wrong type). Their sources' counts could not be stored:
	 * count them as lost rather than resend and double everything else. */
	int32_t last_bad = -1;
	int rc = 0;
	for (size_t i = 0; i < r->elements && i < s->n_cmds; i++) {
		const redisReply *e = r->element[i];
		if (e->type != REDIS_REPLY_ERROR)
			continue;
		int32_t src = s->cmd_src[i];
		if (src >= 0 && src != last_bad) {
			s->lost += b->src[src].c.attempts;
			s->lost_dirty = true;
			last_bad = src;
		}
		if (rc == 0) {
			if (src >= 0 && e->str && strncmp(e->str, "WRONGTYPE", 9) == 0) {
				char ip[LW_ADDR_STRLEN];
				store_set_err(s, STORE_ERR_REPLY,
					      "redis: key %ssrc:%s holds the wrong kind of value",
					      s->prefix,
					      addr_format(&b->src[src].addr, ip, sizeof(ip)));
			} else {
				store_set_err(s, STORE_ERR_REPLY, "redis %s: %s", s->where,
					      said(e->str, shown, sizeof(shown)));
			}
			rc = 1;
		}
	}
	return rc;
}

/* Sends MULTI, the batch, EXEC. Returns 0 when EXEC ran (per-command
 * errors are then counted as lost and reported), -1 with err set
 * otherwise; *ret_unknown tells whether the batch may have landed. */
static int send_batch(struct store *s, const struct store_batch *b, uint64_t lost, const char *tag,
		      bool *ret_unknown)
{
	static const char multi[] = "*1\r\n$5\r\nMULTI\r\n", exec[] = "*1\r\n$4\r\nEXEC\r\n";
	redisReply *r = NULL;
	struct queued q = {.first_err = "", .first_err_src = -1};
	bool before_exec = s->fault == STORE_FAULT_BEFORE_EXEC;

	*ret_unknown = false;
	if (encode_batch(s, b, lost, tag) < 0)
		return store_set_err(s, STORE_ERR_NOMEM, "redis %s: out of memory building a batch",
				     s->where);
	s->commands_last = s->n_cmds + 2;
	if (redisAppendFormattedCommand(s->c, multi, sizeof(multi) - 1) != REDIS_OK ||
	    redisAppendFormattedCommand(s->c, s->buf, s->len) != REDIS_OK ||
	    (!before_exec && redisAppendFormattedCommand(s->c, exec, sizeof(exec) - 1) != REDIS_OK))
		return store_set_err(s, STORE_ERR_NOMEM, "redis %s: out of memory", s->where);
	/* From here on the server may have the batch: any failure to read
	 * EXEC's reply leaves its outcome unknown. */
	*ret_unknown = true;
	uint32_t n_replies = s->n_cmds + (before_exec ? 1 : 2);
	for (uint32_t i = 0; i < n_replies; i++) {
		if (redisGetReply(s->c, (void **)&r) != REDIS_OK || !r) {
			store_set_err(s, STORE_ERR_IO, "redis %s: %s", s->where,
				      s->c->errstr[0] ? s->c->errstr : "connection lost");
			back_off(s);
			return -1;
		}
		bool is_exec = i == n_replies - 1 && !before_exec;
		if (!is_exec) {
			queued_reply(s, i, r, &q);
			freeReplyObject(r);
			continue;
		}
		break;
	}
	if (before_exec) {
		s->fault = STORE_FAULT_NONE;
		store_set_err(s, STORE_ERR_IO, "redis %s: connection lost (test: before EXEC)",
			      s->where);
		back_off(s);
		return -1;
	}
	if (r->type == REDIS_REPLY_ARRAY && s->fault == STORE_FAULT_LOSE_REPLY) {
		s->fault = STORE_FAULT_NONE;
		freeReplyObject(r);
		store_set_err(s, STORE_ERR_IO, "redis %s: connection lost (test: reply lost)",
			      s->where);
		back_off(s);
		return -1;
	}
	int rc = exec_reply(s, b, &q, r);
	freeReplyObject(r);
	*ret_unknown = false;
	return rc;
}

int store_replies_for_test(struct store *s, const struct store_batch *b,
			   const struct redisReply *const *replies, size_t n_replies)
{
	struct queued q = {.first_err = "", .first_err_src = -1};
	char tag[48];

	snprintf(tag, sizeof(tag), "%016" PRIx64 ":%" PRIu64, s->run_id, s->seq + 1);
	if (encode_batch(s, b, s->lost + b->lost, tag) < 0)
		return store_set_err(s, STORE_ERR_NOMEM, "redis %s: out of memory building a batch",
				     s->where);
	for (uint32_t i = 0; i <= s->n_cmds; i++) {
		if (i >= n_replies)
			return store_set_err(s, STORE_ERR_IO, "redis %s: connection lost",
					     s->where);
		queued_reply(s, i, replies[i], &q);
	}
	if (n_replies <= s->n_cmds + 1)
		return store_set_err(s, STORE_ERR_IO, "redis %s: connection lost", s->where);
	return exec_reply(s, b, &q, replies[s->n_cmds + 1]);
}

bool store_tag_landed(const struct redisReply *r, const char *tag)
{
	/* the whole string: a tag with a NUL inside is another tag */
	return r->type == REDIS_REPLY_STRING && r->str && r->len == strlen(tag) &&
	       memcmp(r->str, tag, r->len) == 0;
}

/* After a reconnect: did the batch whose EXEC outcome is unknown land? */
static int resolve_unknown(struct store *s)
{
	char key[256];
	const char *argv[3] = {"HGET", key, "batch"};

	snprintf(key, sizeof(key), "%ssensor:%s", s->prefix, s->sensor);
	redisReply *r = command(s, STORE_ERR_REPLY, 3, argv);
	if (!r)
		return -1;
	bool landed = store_tag_landed(r, s->unknown_tag);
	freeReplyObject(r);
	if (landed) {
		s->lost += s->unknown->lost;
		store_batch_free(s->unknown);
	} else if (s->pending) {
		/* not applied: the older batch absorbs the newer */
		store_batch_merge(s->unknown, s->pending, s->cfg.max_pending);
		store_batch_free(s->pending);
		s->pending = s->unknown;
	} else {
		s->pending = s->unknown;
	}
	s->unknown = NULL;
	s->unknown_conn_id = 0;
	return 0;
}

/* What could not be sent is held within the bound; returns -1. */
static int hold(struct store *s)
{
	if (s->pending)
		store_batch_trim(s->pending, s->cfg.max_pending);
	return -1;
}

/* After a batch landed: its own round trip, outside the transaction, so
 * that a server refusing scripts (an ACL user without @scripting rejects
 * EVAL at queueing time, which would abort the whole MULTI) still takes
 * every count. A refusal is said once and trimming stops; a lost
 * connection is found by the next flush. */
static void trim_indexes(struct store *s, const struct store_batch *b)
{
	uint64_t newest = 0, keep_us = (uint64_t)s->cfg.retention_s * 1000000u;
	char k[4][256], cutoff[24], limit[16], hour[24];

	if (s->trim_refused || !s->c)
		return;
	for (uint32_t i = 0; i < b->n_src; i++)
		if (b->src[i].last_us > newest)
			newest = b->src[i].last_us;
	if (newest <= keep_us)
		return;
	snprintf(cutoff, sizeof(cutoff), "%" PRIu64, newest - keep_us);
	snprintf(limit, sizeof(limit), "%u", STORE_TRIM_MAX);
	/* `hours` holds the start of each hour in seconds */
	snprintf(hour, sizeof(hour), "%" PRIu64, (newest - keep_us) / 3600000000u * 3600u);
	const char *argv[10] = {"EVAL",
				trim_script,
				"4",
				store_key(s, "seen", k[0], sizeof(k[0])),
				store_key(s, "attempts", k[1], sizeof(k[1])),
				store_key(s, "reached", k[2], sizeof(k[2])),
				store_key(s, "hours", k[3], sizeof(k[3])),
				cutoff,
				limit,
				hour};
	redisReply *r = redisCommandArgv(s->c, 10, argv, NULL);
	if (!r) {
		redisFree(s->c); /* the next flush reconnects */
		s->c = NULL;
		return;
	}
	/* refused for good: no scripting for this user, or EVAL renamed away;
	 * anything else (a busy server) is tried again with the next batch */
	if (r->type == REDIS_REPLY_ERROR && (strncmp(r->str, "NOPERM", 6) == 0 ||
					     strncmp(r->str, "ERR unknown command", 19) == 0)) {
		char shown[160];
		s->trim_refused = true;
		s->notice_new = true;
		snprintf(s->notice, sizeof(s->notice), "redis %s: the indexes are not trimmed (%s)",
			 s->where, said(r->str, shown, sizeof(shown)));
	}
	freeReplyObject(r);
}

int store_flush_batch(struct store *s, struct store_batch *b)
{
	char tag[48];
	bool unknown;

	if (b) {
		if (!s->pending) {
			s->pending = b;
		} else {
			if (store_batch_merge(s->pending, b, s->cfg.max_pending) < 0)
				store_set_err(s, STORE_ERR_NOMEM,
					      "redis: out of memory holding a batch");
			store_batch_free(b);
		}
	}
	if (!store_holding(s))
		return 0;
	if (now_ms() < s->next_try_ms) {
		if (s->err == STORE_OK)
			store_set_err(s, STORE_ERR_BACKOFF, "redis %s: not connected", s->where);
		return hold(s);
	}
	if (!s->c && store_connect(s) < 0)
		return hold(s);
	if (s->unknown && resolve_unknown(s) < 0)
		return hold(s);
	if (!s->pending) {
		if (!s->lost_dirty) {
			s->err = STORE_OK;
			s->errstr[0] = '\0';
			return 0;
		}
		/* only the lost count changed: an empty batch carries it */
		s->pending = store_batch_new();
		if (!s->pending)
			return store_set_err(s, STORE_ERR_NOMEM, "redis: out of memory");
	}
	struct store_batch *p = s->pending;
	uint64_t lost = s->lost + p->lost;
	snprintf(tag, sizeof(tag), "%016" PRIx64 ":%" PRIu64, s->run_id, ++s->seq);
	int rc = send_batch(s, p, lost, tag, &unknown);
	if (rc >= 0) {
		/* landed: per-command refusals (rc 1) were added to s->lost */
		s->lost += p->lost;
		s->lost_dirty = rc == 1;
		s->batches++;
		s->sources_written += p->n_src;
		trim_indexes(s, p);
		s->backoff_ms = 0;
		s->next_try_ms = 0;
		store_batch_free(p);
		s->pending = NULL;
		if (rc == 0) {
			s->err = STORE_OK;
			s->errstr[0] = '\0';
		}
		return rc == 0 ? 0 : -1;
	}
	if (unknown) {
		s->unknown = p;
		s->pending = NULL;
		s->unknown_conn_id = s->conn_id;
		snprintf(s->unknown_tag, sizeof(s->unknown_tag), "%s", tag);
	} else {
		/* not applied: held, within the bound */
		store_batch_trim(p, s->cfg.max_pending);
		if (s->err == STORE_ERR_REPLY) /* refused whole (OOM): do not hammer */
			delay(s);
	}
	return -1;
}

int store_drain(struct store *s, uint32_t max_wait_ms)
{
	uint64_t deadline = now_ms() + max_wait_ms;

	for (;;) {
		if (store_flush_batch(s, NULL) == 0 && !store_holding(s))
			return 0;
		uint64_t now = now_ms();
		if (now >= deadline)
			return -1;
		uint64_t wake = s->next_try_ms > now ? s->next_try_ms : now + 10;
		if (wake > deadline)
			wake = deadline;
		usleep((useconds_t)((wake - now) * 1000));
	}
}
