/* What the Redis store's own files share (store_redis.c: connection and
 * flush; store_encode.c: a batch in RESP; store_trim.c: the indexes'
 * trimming). Not for users of the store. */
#ifndef LW_STORE_INTERNAL_H
#define LW_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "redis/store_redis.h"

/* Wall-clock microseconds since the epoch. */
uint64_t store_wall_us(void);

/* Encodes b into s->buf (s->len, s->n_cmds, s->cmd_src per command) with
 * the sensor's lost count and batch tag. 0, -1 when out of memory, -2
 * when s->spilling and the socket failed (s->err set, connection gone). */
int store_encode_batch(struct store *s, const struct store_batch *b, uint64_t lost,
		       const char *tag);

/* While s->spilling: sends s->buf's s->len bytes and empties it (the
 * encoder's way to keep a large batch out of memory). 0 or -1 (s->err
 * set, connection dropped). */
int store_spill(struct store *s);

/* Says something in s->notice (see store_redis.h); lost: it tells of a
 * loss. Joined to an unread notice, unless that says it already. */
__attribute__((format(printf, 3, 4))) void store_notice(struct store *s, bool lost, const char *fmt,
							...);

/* After b landed: drops what is older than the retention from the
 * indexes (best effort; a refusal for good is said once in s->notice). */
void store_trim_indexes(struct store *s, const struct store_batch *b);

#endif
