/* The Redis store's connection and flush (see store_redis.h): connect,
 * authenticate and select with timeouts and backoff; send a batch (encoded
 * by store_encode.c) as one MULTI/EXEC pipeline and read what the server
 * made of it; resolve a batch whose EXEC outcome is unknown from the
 * sensor's batch tag. */
#include "config.h"

#include "redis/store_hll.h"
#include "redis/store_internal.h"

#include "common/diag.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

void store_config_defaults(struct store_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->prefix = STORE_PREFIX_DEFAULT;
	cfg->sensor = "lockwatch";
	cfg->retention_s = STORE_RETENTION_S_DEFAULT;
	cfg->minute_retention_s = STORE_MINUTES_S_DEFAULT;
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

uint64_t store_wall_us(void)
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

void store_notice(struct store *s, bool lost, const char *fmt, ...)
{
	char text[sizeof(s->notice)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!s->notice_new) {
		s->notice[0] = '\0';
		s->notice_lost = false;
	} else if (strstr(s->notice, text)) {
		return;
	}
	size_t used = strlen(s->notice);
	snprintf(s->notice + used, sizeof(s->notice) - used, "%s%s", used ? "; " : "", text);
	s->notice_new = true;
	s->notice_lost |= lost;
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
	if (s->cfg.minute_retention_s == 0)
		s->cfg.minute_retention_s = STORE_MINUTES_S_DEFAULT;
	if (s->cfg.max_pending == 0)
		s->cfg.max_pending = STORE_MAX_PENDING_DEFAULT;
	if (s->cfg.backoff_min_ms == 0)
		s->cfg.backoff_min_ms = STORE_BACKOFF_MIN_MS;
	if (s->cfg.backoff_max_ms < s->cfg.backoff_min_ms)
		s->cfg.backoff_max_ms = s->cfg.backoff_min_ms;
	redis_url_where(&cfg->url, s->where, sizeof(s->where));
	/* The batch tag must differ between runs of one sensor, or a new
	 * run's batch 1 could be taken for the previous run's batch 1. */
	s->run_id = store_wall_us() ^ ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)s;
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
	free(s->cmd_keys);
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

/* What the replies to a batch's MULTI and queued commands said: the first
 * error among them aborts the EXEC, and names the source or key it
 * concerns (a cmd_src value). */
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

/* The key a command (its cmd_src value) writes, with the prefix; "" when
 * it names none. */
static const char *cmd_key(const struct store *s, const struct store_batch *b, int32_t ref,
			   char *buf, size_t len)
{
	buf[0] = '\0';
	if (ref >= 0 && (uint32_t)ref < b->n_src) {
		char ip[LW_ADDR_STRLEN];
		snprintf(buf, len, "%ssrc:%s", s->prefix,
			 addr_format(&b->src[ref].addr, ip, sizeof(ip)));
	} else if (ref <= -2 && (uint32_t)(-2 - (int64_t)ref) < s->n_keys) {
		snprintf(buf, len, "%s%s", s->prefix, s->cmd_keys[-2 - (int64_t)ref].part);
	}
	return buf;
}

/* A refusal in s->errstr: the key named when known. */
static int refused(struct store *s, const char *key, const char *err)
{
	char shown[sizeof(s->errstr)];

	if (key[0] && err && strncmp(err, "WRONGTYPE", 9) == 0)
		return store_set_err(s, STORE_ERR_REPLY,
				     "redis: key %s holds the wrong kind of value", key);
	if (key[0])
		return store_set_err(s, STORE_ERR_REPLY, "redis %s: key %s: %s", s->where, key,
				     said(err, shown, sizeof(shown)));
	return store_set_err(s, STORE_ERR_REPLY, "redis %s: %s", s->where,
			     said(err, shown, sizeof(shown)));
}

/* Was the command (cmd_src value ref) the first refused of its source or
 * key in this EXEC? If so, what it carried is lost: added to *lost. */
static bool first_refusal(struct store *s, const struct store_batch *b, int32_t ref,
			  int32_t *last_src, uint64_t *lost)
{
	if (ref >= 0 && (uint32_t)ref < b->n_src) {
		if (ref == *last_src) /* a source's commands come together */
			return false;
		*last_src = ref;
		*lost += b->src[ref].c.attempts;
		return true;
	}
	if (ref <= -2 && (uint32_t)(-2 - (int64_t)ref) < s->n_keys) {
		struct store_cmd_key *k = &s->cmd_keys[-2 - (int64_t)ref];
		if (k->refused)
			return false;
		k->refused = true;
		/* a sensor's series holds the attempts of the series for all:
		 * lost once if both refuse */
		struct store_cmd_key *c =
		    k->shares >= 0 && (uint32_t)k->shares < s->n_keys ? &s->cmd_keys[k->shares] : k;
		if (!c->charged)
			*lost += c->attempts;
		c->charged = true;
	}
	return true;
}

/* EXEC's reply. Returns 0 when the batch landed, 1 when it landed with
 * refused commands (what they carried added to lost, each refused key
 * said in the notice), -1 when nothing was applied; err set unless 0. */
static int exec_reply(struct store *s, const struct store_batch *b, const struct queued *q,
		      const redisReply *r)
{
	char key[sizeof(s->errstr)], list[160] = "", more[32] = "";

	if (r->type != REDIS_REPLY_ARRAY) {
		/* EXECABORT or nil: nothing of the batch was applied */
		if (q->first_err[0])
			return refused(s, cmd_key(s, b, q->first_err_src, key, sizeof(key)),
				       q->first_err);
		return refused(s, "",
			       r->type == REDIS_REPLY_ERROR ? r->str : "transaction aborted");
	}
	/* EXEC ran: the batch landed, whatever single commands refused (a
	 * key of the wrong type). What they carried could not be stored (a
	 * source's counts, a series' attempts): counted as lost rather than
	 * resend and double everything else, and every refused key named. */
	for (uint32_t k = 0; k < s->n_keys; k++)
		s->cmd_keys[k].refused = s->cmd_keys[k].charged = false;
	int32_t last_src = -1;
	uint64_t lost = 0;
	unsigned n_keys = 0, n_unsaid = 0;
	size_t used = 0;
	for (size_t i = 0; i < r->elements && i < s->n_cmds; i++) {
		const redisReply *e = r->element[i];
		if (e->type != REDIS_REPLY_ERROR ||
		    !first_refusal(s, b, s->cmd_src[i], &last_src, &lost))
			continue;
		cmd_key(s, b, s->cmd_src[i], key, sizeof(key));
		if (n_keys++ == 0)
			refused(s, key, e->str);
		/* the error's code (WRONGTYPE, ERR, ...) beside its key */
		char code[24], shown[48];
		snprintf(code, sizeof(code), "%.*s", (int)strcspn(e->str ? e->str : "", " "),
			 e->str ? e->str : "");
		char needle[sizeof(key) + 4];
		snprintf(needle, sizeof(needle), "%s (", key);
		if (key[0] && strstr(list, needle)) /* PFADD and PFMERGE of one day */
			continue;
		int n = snprintf(list + used, sizeof(list) - used, "%s%s (%s)", used ? ", " : "",
				 key[0] ? key : "a command", said(code, shown, sizeof(shown)));
		if (n < 0 || (size_t)n >= sizeof(list) - used) {
			list[used] = '\0';
			n_unsaid++;
		} else {
			used += (size_t)n;
		}
	}
	if (!n_keys)
		return 0;
	s->lost += lost;
	s->lost_dirty = true;
	if (n_unsaid)
		snprintf(more, sizeof(more), "%s%u more", used ? " and " : "", n_unsaid);
	store_notice(s, true,
		     "redis %s: refused in a batch that landed, %" PRIu64
		     " attempt(s) counted as lost: %s%s",
		     s->where, lost, list, more);
	return 1;
}

/* Writes len bytes to the connection's socket (blocking, within the
 * command timeout); on failure the connection is dropped. 0 or -1. */
static int send_all(struct store *s, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(s->c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			const char *why = n == 0 ? "connection lost"
					  : errno == EAGAIN || errno == EWOULDBLOCK
					      ? "timed out sending a batch"
					      : strerror(errno);
			store_set_err(s, STORE_ERR_IO, "redis %s: %s", s->where, why);
			back_off(s);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int store_spill(struct store *s)
{
	if (send_all(s, s->buf, s->len) < 0)
		return -1;
	s->len = 0;
	if (s->fault == STORE_FAULT_MID_BATCH) {
		s->fault = STORE_FAULT_NONE;
		store_set_err(s, STORE_ERR_IO, "redis %s: connection lost (test: mid-batch)",
			      s->where);
		back_off(s);
		return -1;
	}
	return 0;
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
	/* Written straight to the socket as it is encoded (store_spill):
	 * hiredis would first copy the whole pipeline into a buffer of its
	 * own, and even ours need not hold it all. Until EXEC is sent whole
	 * the server applies nothing, and a connection dropped before it
	 * makes the server discard the MULTI. */
	if (send_all(s, multi, sizeof(multi) - 1) < 0)
		return -1;
	s->spilling = true;
	int enc = store_encode_batch(s, b, lost, tag);
	s->spilling = false;
	if (enc == -1) { /* part may be queued: drop it with the connection */
		store_set_err(s, STORE_ERR_NOMEM, "redis %s: out of memory building a batch",
			      s->where);
		disconnect(s);
		return -1;
	}
	s->commands_last = s->n_cmds + 2;
	if (enc < 0 || send_all(s, s->buf, s->len) < 0)
		return -1;
	/* From here on the server may have the batch: any failure to send
	 * EXEC or read its reply leaves its outcome unknown. */
	*ret_unknown = true;
	if (!before_exec && send_all(s, exec, sizeof(exec) - 1) < 0)
		return -1;
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
	if (store_encode_batch(s, b, s->lost + b->lost, tag) < 0)
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

/* Says that folded sources found no room in their day's registers (at
 * most LW_HLL_DAYS_MAX days a batch, or out of memory): their attempts
 * are stored, the day's distinct outside sources are undercounted. */
static void say_hll_dropped(struct store *s, struct store_batch *p)
{
	time_t t = (time_t)p->hll_dropped_day * 86400;
	struct tm tm;
	char day[16];

	if (!p->hll_dropped)
		return;
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	store_notice(s, true,
		     "redis %s: the distinct outside sources of %s are undercounted: folded "
		     "sources found no room in a batch's registers (their attempts are stored)",
		     s->where, day);
	p->hll_dropped = 0;
}

/* Merges from into into, a held batch: what could not be merged (out of
 * memory) is counted in into->lost and said. */
static void merge_held(struct store *s, struct store_batch *into, const struct store_batch *from)
{
	uint64_t before = into->lost + from->lost;

	if (store_batch_merge(into, from, UINT32_MAX) < 0)
		store_notice(s, true,
			     "redis: out of memory holding a batch, %" PRIu64
			     " attempt(s) counted as lost",
			     into->lost - before);
	say_hll_dropped(s, into);
}

/* Keeps a held batch within the bounds, in sources (max_pending) and in
 * bytes (STORE_MAX_PENDING_BYTES): blocked one-attempt outside sources are
 * folded first (their attempts are in the series already, their addresses
 * go into their day's registers, 16 KiB a day however many), and only what
 * still does not fit is dropped and counted as lost. An offline run never
 * drops anything (it waits for Redis instead, store_flush_wait). */
static void bound_held(struct store *s, struct store_batch *p)
{
	uint32_t max = s->cfg.max_pending;

	if (!p || s->cfg.offline_wait_ms)
		return;
	size_t by_bytes =
	    (STORE_MAX_PENDING_BYTES - p->n_days * sizeof(*p->days)) / sizeof(struct batch_source);
	if (by_bytes < max)
		max = (uint32_t)by_bytes;
	if (p->n_src > max) {
		s->sources_folded += store_batch_fold(p, max);
		s->lost_dirty = true; /* the sensor's sources_folded changed */
		say_hll_dropped(s, p);
	}
	store_batch_trim(p, max);
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
		merge_held(s, s->unknown, s->pending);
		bound_held(s, s->unknown);
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
	bound_held(s, s->pending);
	return -1;
}

int store_flush_batch(struct store *s, struct store_batch *b)
{
	char tag[48];
	bool unknown;

	if (b) {
		if (!s->pending) {
			s->pending = b;
			say_hll_dropped(s, b);
		} else {
			merge_held(s, s->pending, b);
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
		store_trim_indexes(s, p);
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
		bound_held(s, p);
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

int store_flush_wait(struct store *s, struct store_batch *b)
{
	uint64_t deadline = now_ms() + s->cfg.offline_wait_ms;
	int rc = store_flush_batch(s, b);

	for (;;) {
		if (rc == 0)
			return 0;
		/* landed with refused commands (said, counted), or refused for
		 * good (AUTH, SELECT): waiting would not help */
		if ((!s->pending && !s->unknown) || s->err == STORE_ERR_AUTH ||
		    s->err == STORE_ERR_NOMEM)
			return -1;
		uint64_t now = now_ms();
		if (now >= deadline)
			return -1;
		uint64_t wake = s->next_try_ms > now ? s->next_try_ms : now + 10;
		usleep((useconds_t)(((wake < deadline ? wake : deadline) - now) * 1000));
		rc = store_flush_batch(s, NULL);
	}
}

uint64_t store_unsent_attempts(const struct store *s)
{
	return (s->pending ? store_batch_attempts(s->pending) + s->pending->lost : 0) +
	       (s->unknown ? store_batch_attempts(s->unknown) + s->unknown->lost : 0);
}
