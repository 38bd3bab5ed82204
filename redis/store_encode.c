/* The Redis store's encoder (see store_redis.h for the keys): a batch
 * becomes the commands of one MULTI/EXEC, written straight into the
 * store's buffer in RESP (hiredis' per-command formatting would allocate
 * per command, and a flush can hold millions), each command tagged with
 * the source it concerns, or the key it writes (store_redis.h, cmd_keys),
 * so that a refusal can be charged to it and named. */
#include "config.h"

#include "redis/store_hll.h"
#include "redis/store_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- RESP encoding into s->buf ---------------------------------------- */

/* Room for `more` bytes at s->len. While a batch is being sent
 * (s->spilling), what is encoded already goes to the socket first once it
 * passes STORE_SPILL_BYTES: a flood's batch never needs its whole
 * encoding in memory. -1 out of memory, -2 the socket failed (s->err). */
static int reserve(struct store *s, size_t more)
{
	if (s->spilling && s->len && s->len + more > STORE_SPILL_BYTES && store_spill(s) < 0)
		return -2;
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

/* A failure (reserve's -1 or -2) is remembered and reported once at the
 * end; nothing more is encoded after it. */
struct enc {
	struct store *s;
	int failed;
	/* key references made once per batch (0: not yet) */
	int32_t attempts_ref, reached_ref, seen_ref[CLASS_COUNT];
};

static void cmd_begin(struct enc *e, unsigned argc, int32_t src)
{
	struct store *s = e->s;

	int r = e->failed ? e->failed : reserve(s, 24);
	if (r < 0) {
		e->failed = r;
		return;
	}
	if (s->n_cmds == s->cap_cmds) {
		uint32_t cap = s->cap_cmds ? s->cap_cmds * 2 : 4096;
		int32_t *n = realloc(s->cmd_src, (size_t)cap * sizeof(*n));
		if (!n) {
			e->failed = -1;
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

/* A key that concerns no single source, for its commands' cmd_begin: a
 * refusal then names it and counts `attempts` as lost (store_redis.h,
 * cmd_keys). -1 (no key) when out of memory, which fails the batch. */
static int32_t key_ref(struct enc *e, const char *part1, const char *part2, uint64_t attempts)
{
	struct store *s = e->s;

	if (s->n_keys == s->cap_keys) {
		uint32_t cap = s->cap_keys ? s->cap_keys * 2 : 64;
		struct store_cmd_key *n =
		    cap <= INT32_MAX / 2 ? realloc(s->cmd_keys, (size_t)cap * sizeof(*n)) : NULL;
		if (!n) {
			if (!e->failed)
				e->failed = -1;
			return -1;
		}
		s->cmd_keys = n;
		s->cap_keys = cap;
	}
	struct store_cmd_key *k = &s->cmd_keys[s->n_keys];
	snprintf(k->part, sizeof(k->part), "%s%s", part1, part2 ? part2 : "");
	k->attempts = attempts;
	k->shares = -1;
	k->refused = k->charged = false;
	return -2 - (int32_t)s->n_keys++;
}

/* The same, made once per batch into *ref. */
static int32_t key_ref_once(struct enc *e, int32_t *ref, const char *part1, const char *part2)
{
	if (*ref == 0)
		*ref = key_ref(e, part1, part2, 0);
	return *ref;
}

/* One bulk string made of up to two parts (a prefix and a name). */
static void arg2(struct enc *e, const char *a, size_t alen, const char *b, size_t blen)
{
	struct store *s = e->s;

	int r = e->failed ? e->failed : reserve(s, alen + blen + 32);
	if (r < 0) {
		e->failed = r;
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
	/* copied, not printed: a flood's batch names a key per command */
	char key[256];
	size_t n1 = strnlen(part1, sizeof(key) - 1);
	size_t n2 = part2 ? strnlen(part2, sizeof(key) - 1 - n1) : 0;

	memcpy(key, part1, n1);
	if (n2)
		memcpy(key + n1, part2, n2);
	arg2(e, e->s->prefix, strlen(e->s->prefix), key, n1 + n2);
}

/* ---- the flush --------------------------------------------------------- */

static void hour_name(uint32_t hour, char *buf, size_t len)
{
	time_t t = (time_t)hour * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d%H", &tm);
}

static void minute_name(uint32_t minute, char *buf, size_t len)
{
	time_t t = (time_t)minute * 60;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d%H%M", &tm);
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
	bool outside = class_judged_outside((enum src_class)src->cls); /* the probe too */

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

	/* The indexes carry their key's reference: an error there is not
	 * this source's hash refusing its counts. The `seen` index is written
	 * for the whole batch at once (encode_seen). */
	if (outside && src->c.attempts) {
		cmd_begin(e, 4, key_ref_once(e, &e->attempts_ref, "attempts", NULL));
		arg(e, "ZINCRBY");
		arg_key(e, "attempts", NULL);
		arg_u64(e, src->c.attempts);
		arg(e, ip);
	}
	if (outside && src->reached_us) {
		cmd_begin(e, 5, key_ref_once(e, &e->reached_ref, "reached", NULL));
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
	int32_t seen_ref = 0;

	for (uint32_t i = 0; i < b->n_src;) {
		uint32_t chunk = STORE_VARIADIC_CHUNK;
		if (b->n_src - i < chunk)
			chunk = b->n_src - i;
		cmd_begin(e, 3 + 2 * chunk, key_ref_once(e, &seen_ref, "seen", NULL));
		arg(e, "ZADD");
		arg_key(e, "seen", NULL);
		arg(e, "GT");
		for (uint32_t end = i + chunk; i < end; i++) {
			arg_u64(e, b->src[i].last_us);
			arg(e, addr_format(&b->src[i].addr, ip, sizeof(ip)));
		}
	}
	/* Gateways and exceptions are few: an index of their own lets a
	 * report over a flood's data count and list them without reading
	 * every source. */
	for (uint32_t i = 0; i < b->n_src; i++) {
		uint8_t cls = b->src[i].cls;
		if (cls == CLASS_OUTSIDE)
			continue;
		int32_t ref = cls < CLASS_COUNT
				  ? key_ref_once(e, &e->seen_ref[cls],
						 "seen:", class_name((enum src_class)cls))
				  : -1;
		cmd_begin(e, 5, ref);
		arg(e, "ZADD");
		arg_key(e, "seen:", class_name((enum src_class)cls));
		arg(e, "GT");
		arg_u64(e, b->src[i].last_us);
		arg(e, addr_format(&b->src[i].addr, ip, sizeof(ip)));
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
		int32_t ref = key_ref(e, "sources:", dname, 0);
		for (uint32_t j = i; j < b->n_src; j++)
			total += b->src[j].cls == CLASS_OUTSIDE &&
				 b->src[j].last_us / 86400000000ULL == day;
		uint32_t j = i;
		while (total) {
			uint32_t chunk = STORE_VARIADIC_CHUNK;
			if (total < chunk)
				chunk = total;
			cmd_begin(e, 2 + chunk, ref);
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
		cmd_begin(e, 3, ref);
		arg(e, "EXPIRE");
		arg_key(e, "sources:", dname);
		arg_u64(e, e->s->cfg.retention_s);
	}
}

/* Merges one day's registers into `sources:<day>`: a temporary key,
 * PFMERGE, DEL, inside the batch's MULTI/EXEC. */
static void merge_day(struct enc *e, uint32_t day, const uint8_t *regs, uint8_t *dense)
{
	char dname[16];

	store_hll_dense(regs, dense);
	day_name((uint64_t)day * 86400000000ULL, dname, sizeof(dname));
	int32_t tmp = key_ref(e, "hll:tmp:", e->s->sensor, 0),
		ref = key_ref(e, "sources:", dname, 0);
	cmd_begin(e, 3, tmp);
	arg(e, "SET");
	arg_key(e, "hll:tmp:", e->s->sensor);
	arg2(e, (const char *)dense, STORE_HLL_DENSE_SIZE, NULL, 0);
	cmd_begin(e, 3, ref);
	arg(e, "PFMERGE");
	arg_key(e, "sources:", dname);
	arg_key(e, "hll:tmp:", e->s->sensor);
	cmd_begin(e, 2, tmp);
	arg(e, "DEL");
	arg_key(e, "hll:tmp:", e->s->sensor);
	cmd_begin(e, 3, ref);
	arg(e, "EXPIRE");
	arg_key(e, "sources:", dname);
	arg_u64(e, e->s->cfg.retention_s);
}

/* Folded sources still count in the day's distinct sources: the batch
 * carries their registers, one array per day (common/hll.h), merged here
 * as Redis's dense HyperLogLog. Redis then hashes nothing per source, and
 * a batch resent after an unknown outcome merges the same registers
 * again, which counts nothing twice. */
static void encode_folded(struct enc *e, const struct store_batch *b)
{
	uint8_t *dense = NULL;

	if (b->n_days && !(dense = malloc(STORE_HLL_DENSE_SIZE)))
		e->failed = -1;
	for (uint32_t i = 0; i < b->n_days && !e->failed; i++)
		merge_day(e, b->days[i].day, b->days[i].regs, dense);
	free(dense);
}

/* shares: the key reference whose loss this key's shares (the same
 * attempts, counted once), 0 for none. Returns this key's reference. */
static int32_t encode_series_key(struct enc *e, const struct hour_counts *h, const char *key,
				 uint32_t ttl_s, int32_t shares)
{
	char field[48];
	uint64_t attempts = 0;

	/* a refusal here loses the period's attempts from the series */
	for (int c = 0; c < CLASS_COUNT; c++)
		attempts += h->c[c].attempts;
	int32_t ref = key_ref(e, key, NULL, attempts);
	if (ref <= -2)
		e->s->cmd_keys[-2 - ref].shares = shares <= -2 ? -2 - shares : -1;
	if (h->sources_folded) {
		cmd_begin(e, 4, ref);
		arg(e, "HINCRBY");
		arg_key(e, key, NULL);
		arg(e, "outside:sources_folded");
		arg_u64(e, h->sources_folded);
	}
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
			cmd_begin(e, 4, ref);
			arg(e, "HINCRBY");
			arg_key(e, key, NULL);
			arg(e, field);
			arg_u64(e, f[i].n);
		}
	}
	cmd_begin(e, 3, ref);
	arg(e, "EXPIRE");
	arg_key(e, key, NULL);
	arg_u64(e, ttl_s);
	return ref;
}

/* One period of a series (an hour or a minute, called name, starting at
 * start_s): its hash for all sensors and its hash for this one, and its
 * entry in the index (`hours` or `minutes`). */
static void encode_period(struct enc *e, const struct hour_counts *h, const char *name,
			  uint64_t start_s, uint32_t ttl_s, const char *index)
{
	char key[160];

	snprintf(key, sizeof(key), "series:%s", name);
	int32_t all = encode_series_key(e, h, key, ttl_s, 0);
	snprintf(key, sizeof(key), "series:%s:%s", name, e->s->sensor);
	encode_series_key(e, h, key, ttl_s, all); /* the same attempts */
	cmd_begin(e, 4, key_ref(e, index, NULL, 0));
	arg(e, "ZADD");
	arg_key(e, index, NULL);
	arg_u64(e, start_s);
	arg(e, name);
}

static void encode_hours(struct enc *e, const struct store_batch *b)
{
	char hname[16];

	for (uint32_t i = 0; i < b->n_hours; i++) {
		const struct hour_counts *h = &b->hours[i];
		hour_name(h->hour, hname, sizeof(hname));
		encode_period(e, h, hname, (uint64_t)h->hour * 3600u, e->s->cfg.retention_s,
			      "hours");
	}
}

/* The minute series, for short windows: the same hashes per minute, with
 * their own (shorter) retention, indexed by `minutes`. Minutes already
 * older than that retention, counted from the batch's newest one (a replay
 * flushed once at the end of a long capture), are not written. */
static void encode_minutes(struct enc *e, const struct store_batch *b)
{
	char mname[16];
	uint32_t newest = 0, keep = e->s->cfg.minute_retention_s / 60;

	for (uint32_t i = 0; i < b->n_minutes; i++)
		newest = b->minutes[i].hour > newest ? b->minutes[i].hour : newest;
	for (uint32_t i = 0; i < b->n_minutes; i++) {
		const struct hour_counts *m = &b->minutes[i];
		if (m->hour + keep < newest)
			continue;
		minute_name(m->hour, mname, sizeof(mname));
		encode_period(e, m, mname, (uint64_t)m->hour * 60u, e->s->cfg.minute_retention_s,
			      "minutes");
	}
}

static void encode_sensor(struct enc *e, const struct store_health *hl, uint64_t lost,
			  const char *tag)
{
	struct store *s = e->s;
	/* seen:<class> is trimmed with seen (store_trim.c) */
	static const char *const indexes[] = {
	    "seen",  "seen:allowed", "seen:exception", "seen:probe", "seen:outbound",
	    "hours", "minutes",	     "attempts",       "reached",    "sensors"};

	static const char *const names[] = {
	    "started",	   "last_flush",      "packets",	   "kernel_drops",
	    "evictions",   "sources_dropped", "undecodable",	   "tcp_truncated_tail",
	    "clock_jumps", "sources_folded",  "outbound:attempts", "outbound:sources"};
	const uint64_t n[] = {hl->started_us,	     store_wall_us(),
			      hl->packets,	     hl->kernel_drops,
			      hl->evictions,	     hl->sources_dropped,
			      hl->undecodable,	     hl->tcp_truncated_tail,
			      hl->clock_jumps,	     hl->sources_folded + s->sources_folded,
			      hl->outbound_attempts, hl->outbound_sources};
	const unsigned nn = sizeof(n) / sizeof(n[0]);

	int32_t ref = key_ref(e, "sensor:", s->sensor, 0);
	cmd_begin(e, 2 + 2 * (nn + 12), ref); /* and the 12 below */
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
	/* what the report needs to know before trusting the minute series */
	arg(e, "minute_retention");
	arg_u64(e, s->cfg.minute_retention_s);
	/* what it watches, for the report (redis/report_sensors.c) */
	arg(e, "servers_origin");
	arg(e, hl->servers_origin);
	arg(e, "servers_count");
	arg_u64(e, hl->n_servers);
	arg(e, "servers");
	arg(e, hl->servers);
	arg(e, "not_watched_attempts");
	arg_u64(e, hl->not_watched);
	arg(e, "probes");
	arg_u64(e, hl->n_probes);
	arg(e, "probe_prefixes");
	arg(e, hl->probe_prefixes);
	cmd_begin(e, 3, ref);
	arg(e, "EXPIRE");
	arg_key(e, "sensor:", s->sensor);
	arg_u64(e, s->cfg.retention_s);
	cmd_begin(e, 3, key_ref(e, "sensors", NULL, 0));
	arg(e, "SADD");
	arg_key(e, "sensors", NULL);
	arg(e, s->sensor);
	/* The indexes live as long as some sensor keeps writing. */
	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
		cmd_begin(e, 3, key_ref(e, indexes[i], NULL, 0));
		arg(e, "EXPIRE");
		arg_key(e, indexes[i], NULL);
		arg_u64(e, s->cfg.retention_s);
	}
}

int store_encode_batch(struct store *s, const struct store_batch *b, uint64_t lost, const char *tag)
{
	struct enc e = {.s = s, .failed = 0};

	s->len = 0;
	s->n_cmds = 0;
	s->n_keys = 0;
	for (uint32_t i = 0; i < b->n_src; i++)
		encode_source(&e, b, i);
	encode_seen(&e, b);
	encode_days(&e, b);
	encode_folded(&e, b);
	encode_hours(&e, b);
	encode_minutes(&e, b);
	encode_sensor(&e, &b->health, lost, tag);
	return e.failed;
}
