/* The Redis store's index trimming (see store_redis.h): after each batch
 * lands, one script drops from the indexes what is older than the
 * retention, in a round trip of its own. */
#include "config.h"

#include "redis/store_internal.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/diag.h"

/* The indexes outlive their sources unless trimmed: they expire only when
 * every sensor has stopped writing, while each src: hash expires on its
 * own. Every batch therefore drops, atomically, up to STORE_TRIM_MAX
 * sources last seen more than the retention before the batch's newest
 * sighting (data time, so an old capture replayed never trims newer data)
 * from `seen`, `attempts` and `reached`, the hours that old from
 * `hours`, and the minutes older than the minute retention from `minutes`;
 * the class indexes (`seen:allowed`, `seen:exception`, `seen:probe`,
 * `seen:outbound`) like `seen`. A script, because which
 * members go is decided by `seen` while other sensors may be writing it; ZREM and ZREMRANGEBYSCORE
 * are allowed under maxmemory, so trimming still frees memory when writes are refused. */
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
    "redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[4])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', '(' .. ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', '(' .. ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', '(' .. ARGV[1])\n"
    "return #old\n";

/* After a batch landed: its own round trip, outside the transaction, so
 * that a server refusing scripts (an ACL user without @scripting rejects
 * EVAL at queueing time, which would abort the whole MULTI) still takes
 * every count. A refusal is said once and trimming stops; a lost
 * connection is found by the next flush. */
void store_trim_indexes(struct store *s, const struct store_batch *b)
{
	uint64_t newest = 0, keep_us = (uint64_t)s->cfg.retention_s * 1000000u;
	uint64_t keep_min_us = (uint64_t)s->cfg.minute_retention_s * 1000000u;
	char k[9][256], cutoff[24], limit[16], hour[24], minute[24];

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
	/* `minutes` the start of each minute in seconds */
	snprintf(minute, sizeof(minute), "%" PRIu64,
		 newest > keep_min_us ? (newest - keep_min_us) / 60000000u * 60u : 0);
	const char *argv[17] = {"EVAL",
				trim_script,
				"9",
				store_key(s, "seen", k[0], sizeof(k[0])),
				store_key(s, "attempts", k[1], sizeof(k[1])),
				store_key(s, "reached", k[2], sizeof(k[2])),
				store_key(s, "hours", k[3], sizeof(k[3])),
				store_key(s, "minutes", k[4], sizeof(k[4])),
				store_key(s, "seen:allowed", k[5], sizeof(k[5])),
				store_key(s, "seen:exception", k[6], sizeof(k[6])),
				store_key(s, "seen:probe", k[7], sizeof(k[7])),
				store_key(s, "seen:outbound", k[8], sizeof(k[8])),
				cutoff,
				limit,
				hour,
				minute};
	redisReply *r = redisCommandArgv(s->c, 16, argv, NULL);
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
		store_notice(s, false, "redis %s: the indexes are not trimmed (%s)", s->where,
			     diag_escape(r->str ? r->str : "", shown, sizeof(shown)));
	}
	freeReplyObject(r);
}
