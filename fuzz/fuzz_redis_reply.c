/* Fuzz target: what the Redis store makes of a server's replies
 * (redis/store_redis.c) to one batch's MULTI, queued commands and EXEC,
 * and to the HGET that settles a batch whose EXEC went unanswered. Bytes
 * go through hiredis' own reader, so the trees are those a connection
 * would deliver. Whatever the server says, the flush's result is one of
 * its three, nothing is counted lost that the batch did not hold, and the
 * error message is one clean line.
 *
 * Input: b0 shapes the batch and picks the mode, b1 a queued slot, the rest
 * is RESP as a server would send it.
 *   b0 bits 0-1: sources (0-3), bit 2: outside class, bit 3: an hour's
 *      counts, bits 4-5 the mode:
 *      0 the replies in order: MULTI's, one per command, EXEC's
 *      1 the first reply is EXEC's, every command answered +QUEUED
 *      2 the first reply answers queued slot b1, the next is EXEC's
 *      3 each reply is HGET's answer for the batch tag */
#include "config.h"

#include <hiredis/hiredis.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "redis/store_redis.h"

#define REPLIES_MAX	  4096	/* replies read from one input */
#define SLOTS_MAX	  8192	/* MULTI + commands + EXEC of the largest batch shape */
#define AGGREGATE_MAX	  65536 /* elements of an array header the harness lets through */
#define FUZZ_US		  1793610000000000ULL
#define FUZZ_TAG	  "0123456789abcdef:1"
#define FUZZ_ATTEMPTS_SRC 5u

/* hiredis 0.14 allocates an array's element table on its header alone
 * (newer releases cap it with maxelements): a header of a billion elements
 * is an allocation failure there, not a finding in the store. */
static bool headers_bounded(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (d[i] != '*' && d[i] != '%' && d[i] != '~' && d[i] != '>')
			continue;
		unsigned long long v = 0;
		size_t k = i + 1;
		while (k < n && d[k] >= '0' && d[k] <= '9' && v <= AGGREGATE_MAX)
			v = v * 10 + (unsigned)(d[k++] - '0');
		if (v > AGGREGATE_MAX)
			return false;
	}
	return true;
}

static struct store *the_store(void)
{
	static struct store *s;
	struct store_config cfg;

	if (s)
		return s;
	store_config_defaults(&cfg);
	/* never reached: the seam needs no server */
	FUZZ_CHECK(redis_url_parse("unix:/nonexistent/lockwatch-fuzz.sock", &cfg.url, NULL) == 0);
	cfg.sensor = "fuzz";
	s = store_new(&cfg);
	FUZZ_CHECK(s != NULL);
	return s;
}

static struct store_batch *make_batch(uint8_t shape, uint64_t *ret_attempts)
{
	struct store_batch *b = store_batch_new();
	static const char *const ips[] = {"198.51.100.7", "2001:db8::7", "203.0.113.9"};

	FUZZ_CHECK(b != NULL);
	*ret_attempts = 0;
	for (unsigned i = 0; i < (shape & 3u) && i < 3; i++) {
		struct lw_addr a;
		FUZZ_CHECK(addr_parse(ips[i], &a) == 0);
		struct batch_source *src =
		    store_batch_add_source(b, &a, i == 1 ? "backup-mx" : NULL, "mx.example");
		FUZZ_CHECK(src != NULL);
		src->cls = (shape & 4) ? CLASS_OUTSIDE : CLASS_ALLOWED;
		src->first_us = FUZZ_US;
		src->last_us = FUZZ_US + i;
		src->reached_us = i == 2 ? FUZZ_US : 0;
		src->c.attempts = FUZZ_ATTEMPTS_SRC + i;
		src->c.outcome[OUTCOME_REFUSED] = 1;
		src->c.replied = 1;
		*ret_attempts += src->c.attempts;
	}
	if (shape & 8) {
		struct hour_counts *h = store_batch_hour(b, (uint32_t)(FUZZ_US / 3600000000ULL));
		FUZZ_CHECK(h != NULL);
		h->c[CLASS_OUTSIDE].attempts = 3;
		h->evicted_open[CLASS_OUTSIDE] = 1;
		*ret_attempts += 3; /* lost too if its series refuse */
	}
	return b;
}

static void check_errstr(const struct store *s)
{
	FUZZ_CHECK(memchr(s->errstr, '\0', sizeof(s->errstr)) != NULL);
	FUZZ_CHECK(s->errstr[0] != '\0');
	for (const char *p = s->errstr; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static redisReply *replies[REPLIES_MAX];
	static const redisReply *slots[SLOTS_MAX];
	static char queued_text[] = "QUEUED";
	static redisReply queued = {.type = REDIS_REPLY_STATUS, .str = queued_text, .len = 6};
	size_t n = 0;

	if (size < 2 || !headers_bounded(data + 2, size - 2))
		return 0;
	uint8_t shape = data[0], slot = data[1];
	unsigned mode = (shape >> 4) & 3;

	redisReader *rd = redisReaderCreate();
	FUZZ_CHECK(rd != NULL);
	if (size > 2)
		FUZZ_CHECK(redisReaderFeed(rd, (const char *)data + 2, size - 2) == REDIS_OK);
	while (n < REPLIES_MAX) {
		void *r = NULL;
		if (redisReaderGetReply(rd, &r) != REDIS_OK || !r)
			break; /* a protocol error: the connection would be dropped */
		replies[n++] = r;
	}
	redisReaderFree(rd);

	struct store *s = the_store();
	uint64_t attempts;
	struct store_batch *b = make_batch(shape, &attempts);

	if (mode == 3) {
		for (size_t i = 0; i < n; i++) {
			bool landed = store_tag_landed(replies[i], FUZZ_TAG);
			FUZZ_CHECK(!landed || (replies[i]->type == REDIS_REPLY_STRING &&
					       strcmp(replies[i]->str, FUZZ_TAG) == 0));
		}
	} else {
		size_t n_slots = 0;
		if (mode == 0) {
			for (; n_slots < n && n_slots < SLOTS_MAX; n_slots++)
				slots[n_slots] = replies[n_slots];
		} else {
			/* MULTI and every command +QUEUED; n_cmds is known only
			 * after encoding, so fill generously and let EXEC's reply
			 * land where the seam looks for it */
			const redisReply *const none = NULL;
			store_replies_for_test(s, b, &none, 0); /* encodes: sets n_cmds */
			size_t n_cmds = s->n_cmds;
			FUZZ_CHECK(n_cmds + 2 <= SLOTS_MAX);
			for (; n_slots <= n_cmds; n_slots++)
				slots[n_slots] = &queued;
			size_t next = 0;
			if (mode == 2 && next < n)
				slots[slot % (n_cmds + 1)] = replies[next++];
			if (next < n)
				slots[n_slots++] = replies[next];
		}
		uint64_t lost0 = s->lost;
		s->err = STORE_OK;
		s->errstr[0] = '\0';
		int rc = store_replies_for_test(s, b, slots, n_slots);
		FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1);
		FUZZ_CHECK(s->lost >= lost0 && s->lost - lost0 <= attempts);
		if (rc != 1)
			FUZZ_CHECK(s->lost == lost0);
		if (rc != 0)
			check_errstr(s);
		else
			FUZZ_CHECK(s->err == STORE_OK);
	}
	store_batch_free(b);
	for (size_t i = 0; i < n; i++)
		freeReplyObject(replies[i]);
	return 0;
}
