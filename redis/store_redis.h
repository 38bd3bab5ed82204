/* redis/: everything that talks to Redis: this store (the writer, with
 * store_encode.c, store_trim.c), the report's reader (report_redis.c), the
 * URL (redis_url.c) and the options both programs take (redis_opts.c).
 * It may include common/, sensor/, rules/, analyzer/ and hiredis; nothing
 * below it (analyzer/ and down) knows Redis exists.
 *
 * The Redis store: writes store batches under the key schema of DESIGN.md
 * section 6 (one MULTI/EXEC pipeline per batch, counts as increments) and
 * survives outages: a batch that could not be sent is held and merged
 * with the next, within a bound; one whose EXEC outcome is unknown is
 * checked against the per-sensor batch tag before it is ever sent again,
 * so nothing is counted twice. The flush may run on a thread other than
 * the capture's; one store is used by one thread at a time. hiredis
 * writes with write(2): the program must ignore SIGPIPE.
 *
 * Keys (prefix P, default "lockwatch:"; times are microseconds since the
 * epoch, UTC):
 *   P src:<ip>              hash  first_seen last_seen attempts <outcome>...
 *                                 replied reached_without_syn last_helo last_dst
 *                                 last_sensor class
 *                                 label reached seen_by:<sensor>
 *   P reached               zset  outside source -> last time reached
 *   P attempts              zset  outside source -> attempts
 *   P sources:<yyyymmdd>    HLL   distinct outside sources that day
 *   P series:<yyyymmddHH>   hash  <class>:attempts|<outcome>|replied|evicted_open|
 *                                 reached_without_syn, outside:sources_folded
 *   P series:<yyyymmddHH>:<sensor>  the same, for one sensor
 *   P series:<yyyymmddHHMM>[:<sensor>]  the same per minute, kept for
 *                                 the minute retention (short windows)
 *   P sensor:<name>         hash  started last_flush packets kernel_drops
 *                                 evictions sources_dropped undecodable
 *                                 tcp_truncated_tail clock_jumps sources_folded
 *                                 rules_digest version lost batch minute_retention
 *                                 servers_origin servers_count servers
 *                                 not_watched_attempts probes probe_prefixes
 * and the indexes that spare the report a SCAN:
 *   P seen                  zset  source (every class) -> last_seen
 *   P seen:<class>          zset  the same for allowed, exception, probe
 *                                 and outbound sources
 *   P hours                 zset  yyyymmddHH -> start of the hour (s)
 *   P minutes               zset  yyyymmddHHMM -> start of the minute (s)
 *   P sensors               set   sensor names
 * Under a flood, blocked one-attempt outside sources are folded (see
 * aggregate_take_batch): counted in the series and the day's HyperLogLog,
 * without a src: hash. Their HyperLogLog is built here and merged in the
 * batch's transaction through P hll:tmp:<sensor> (SET, PFMERGE, DEL: it
 * never outlives the transaction).
 * Keys expire after the retention; the indexes, refreshed by every flush,
 * are trimmed instead: after each batch lands, one script drops what is
 * older than the retention before the batch's newest sighting from seen,
 * seen:<class>, attempts, reached and hours, and the minutes older than the minute
 * retention from minutes (best effort, outside the transaction: a
 * server that refuses scripts still gets every count). */
#ifndef LW_STORE_REDIS_H
#define LW_STORE_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/store_batch.h"
#include "redis/redis_url.h"

/* Defaults; each is an option of lockwatch replay / lockwatchd. */
#define STORE_PREFIX_DEFAULT	  "lockwatch:"
#define STORE_RETENTION_S_DEFAULT (30u * 86400u) /* --redis-retention: 30 days */
#define STORE_MINUTES_S_DEFAULT	  (48u * 3600u)	 /* --redis-minute-retention: 48 h */
#define STORE_MAX_PENDING_BYTES	  (16u << 20)	 /* held while Redis is away, within 64 MiB */
#define STORE_MAX_PENDING_DEFAULT 1048576u	 /* --redis-max-pending sources held */
#define STORE_CONNECT_TIMEOUT_MS  2000u		 /* a dead host must not hold a flush long */
#define STORE_COMMAND_TIMEOUT_MS  5000u		 /* a stalled server (DEBUG SLEEP) likewise */
#define STORE_BACKOFF_MIN_MS	  100u		 /* first reconnect delay, doubled each time */
#define STORE_BACKOFF_MAX_MS	  30000u	 /* cap: a restarted Redis is found within 30 s */
#define STORE_VARIADIC_CHUNK	  10000u /* elements per PFADD or ZADD: keeps a command small */
#define STORE_SPILL_BYTES	  (256u << 10) /* encoded batch bytes held before they are sent */
#define STORE_TRIM_MAX		  10000u /* stale sources dropped from the indexes per batch */
#define STORE_SENSOR_NAME_MAX	  63u
#define STORE_PREFIX_MAX	  64u

enum store_err {
	STORE_OK = 0,
	STORE_ERR_IO,	   /* cannot connect, connection lost, timeout */
	STORE_ERR_AUTH,	   /* AUTH or SELECT refused */
	STORE_ERR_REPLY,   /* the server answered an error (wrong type, OOM, ...) */
	STORE_ERR_NOMEM,   /* out of memory here */
	STORE_ERR_BACKOFF, /* not connected; the next attempt is not due yet */
};

struct store_config {
	struct redis_url url;
	const char *password; /* NULL: no AUTH */
	const char *prefix;
	const char *sensor; /* this sensor's name */
	uint32_t retention_s;
	uint32_t minute_retention_s; /* of the minute series */
	uint32_t max_pending;	     /* sources held while Redis is away */
	/* An offline run (a replay): 0 for the live sensor, which holds up to
	 * max_pending sources and counts the rest as lost; otherwise nothing
	 * is ever dropped and store_flush_wait() waits this long for an
	 * absent Redis before giving up. */
	uint32_t offline_wait_ms;
	uint32_t connect_timeout_ms, command_timeout_ms;
	uint32_t backoff_min_ms, backoff_max_ms;
};

/* Test hooks: simulate a connection lost while a batch is sent (one-shot). */
enum store_fault {
	STORE_FAULT_NONE = 0,
	STORE_FAULT_LOSE_REPLY,	 /* EXEC applied, its reply never read */
	STORE_FAULT_BEFORE_EXEC, /* the batch queued, connection lost before EXEC */
	STORE_FAULT_MID_BATCH,	 /* part of a large batch sent, connection lost */
};

struct redisContext;

/* A key written by commands that concern no single source (series,
 * indexes, registers, the sensor): named when the server refuses one of
 * them; attempts: what is lost then (a series' attempts, else 0). */
struct store_cmd_key {
	char part[112]; /* the key without the prefix */
	uint64_t attempts;
	int32_t shares;	       /* the index of the key whose loss this one's is, -1: none */
	bool refused, charged; /* while reading one EXEC's reply */
};

struct store {
	int err;	  /* enum store_err of the last failure, 0 after a success */
	char errstr[128]; /* "redis 127.0.0.1:6379: Connection refused" */
	/* statistics */
	uint64_t batches, commands_last, sources_written;
	uint64_t lost; /* attempts whose per-source counts were dropped */
	/* blocked one-attempt sources folded to keep a held batch within its
	 * bounds (their attempts stay in the series) */
	uint64_t sources_folded;
	/* What the caller says once, then clears notice_new: the server
	 * refused to trim the indexes (a user without @scripting: the counts
	 * are stored, the indexes grow); or, with notice_lost set, something
	 * could not be stored or held and was counted in lost (refused
	 * commands in a batch that landed, named by key; out of memory
	 * holding a batch) or undercounted (a day's registers). Notices
	 * made before the caller read them are joined with "; ". */
	char notice[384];
	bool notice_new;
	bool notice_lost; /* the notice tells of a loss: "every count is stored" is not true */
	/* private */
	bool trim_refused;
	struct store_config cfg;
	char where[160];
	char *password, *prefix, *sensor;
	struct redisContext *c;
	long long conn_id;	   /* CLIENT ID of the current connection */
	long long unknown_conn_id; /* of the connection that sent `unknown` */
	uint64_t run_id, seq;
	struct store_batch *pending; /* not applied: merged with what comes next */
	struct store_batch *unknown; /* sent, EXEC outcome unknown */
	char unknown_tag[48];
	bool lost_dirty; /* lost changed after the last write of sensor:<name> */
	uint64_t next_try_ms;
	uint32_t backoff_ms;
	char *buf; /* the RESP pipeline being built */
	size_t len, cap;
	bool spilling; /* sending a batch: buf goes out as it fills */
	/* per command: its source's index; -1 for none; -2 - k for the key
	 * cmd_keys[k] (store_encode.c) */
	int32_t *cmd_src;
	uint32_t n_cmds, cap_cmds;
	struct store_cmd_key *cmd_keys;
	uint32_t n_keys, cap_keys;
	int fault;
};

void store_config_defaults(struct store_config *cfg);
/* Records a failure in s->err and s->errstr; returns -1, so that callers
 * (the store, and the report that reads through it) can return it. */
__attribute__((format(printf, 3, 4))) int store_set_err(struct store *s, int err, const char *fmt,
							...);

/* Copies cfg and connects. Like a hiredis context, the store is returned
 * even when connecting failed (err/errstr tell; the next flush retries);
 * NULL only when out of memory. */
struct store *store_new(const struct store_config *cfg);
void store_free(struct store *s);

/* Connects now (AUTH, SELECT) unless connected. 0 or -1 (err/errstr). */
int store_connect(struct store *s);

/* Takes ownership of b (NULL: only retry what is held). Sends what is held
 * and b as one batch, unless a reconnect is not due yet. Returns 0 when
 * everything held has landed; -1 otherwise (err/errstr say why; what was
 * not applied stays held, or is counted in lost past the bound). Never
 * blocks longer than the connect and command timeouts. */
int store_flush_batch(struct store *s, struct store_batch *b);

/* Retries until nothing is held or max_wait_ms passed, sleeping through
 * the backoff: the end of a replay. 0 when all landed. */
int store_drain(struct store *s, uint32_t max_wait_ms);

/* An offline run's flush (cfg.offline_wait_ms set): sends what is held and
 * b, and while Redis is away or refuses the whole batch keeps retrying,
 * up to offline_wait_ms, so a replay waits for Redis instead of dropping
 * counts (back-pressure). 0 when all landed; -1 when a batch landed with
 * refused commands (counted in lost), Redis refused the login, or the
 * wait ran out: err/errstr say why, and what was not sent stays held
 * (store_unsent_attempts). */
int store_flush_wait(struct store *s, struct store_batch *b);
/* Attempts held and not (known to be) stored. */
uint64_t store_unsent_attempts(const struct store *s);

/* True while a batch is held (not yet known to have landed). */
bool store_holding(const struct store *s);
/* The sources of what is held: what Redis still owes a flush. */
static inline uint32_t store_held_sources(const struct store *s)
{
	return (s->pending ? s->pending->n_src : 0) + (s->unknown ? s->unknown->n_src : 0);
}

/* Test seams for fuzz/fuzz_redis_reply.c: what a flush makes of the
 * server's replies, without a server. store_replies_for_test encodes b as
 * a flush would and reads replies as its answers: MULTI's, one per queued
 * command, then EXEC's (fewer count as a lost connection). Returns as the
 * flush's send step: 0 landed, 1 landed with refused commands (counted in
 * lost), -1 not applied; err/errstr set unless 0. store_tag_landed reads
 * the reply to HGET sensor:<name> batch: did the batch `tag` land? */
struct redisReply;
int store_replies_for_test(struct store *s, const struct store_batch *b,
			   const struct redisReply *const *replies, size_t n_replies);
bool store_tag_landed(const struct redisReply *r, const char *tag);

/* "<prefix><part>" into buf; for the report reader and tests. */
const char *store_key(const struct store *s, const char *part, char *buf, size_t len);

#endif
