/* What aggregate.c (counting) and aggregate_store.c (the store's
 * changes) share. Not for users of the aggregate. */
#ifndef LW_AGGREGATE_INTERNAL_H
#define LW_AGGREGATE_INTERNAL_H

#include "analyzer/aggregate.h"

/* One attempt into a totals, hour or minute counts. */
static inline void counts_one(struct counts *c, enum outcome o, const struct attempt *a)
{
	c->attempts++;
	c->outcome[o]++;
	c->replied += a->replied;
	c->without_syn += a->without_syn;
}

static inline void src_counts_one(struct src_counts *c, enum outcome o, bool replied)
{
	/* saturate rather than wrap: a count that stops is still a lower bound */
	if (c->outcome[o] != UINT32_MAX)
		c->outcome[o]++;
	if (replied && c->replied != UINT32_MAX)
		c->replied++;
}

/* Store tracking (aggregate_track_changes on): the attempt's hour and
 * minute, and its source's change since the last batch. */
void aggregate_track_hour(struct aggregate *ag, const struct attempt *a, enum src_class cls,
			  enum outcome o);
void aggregate_track(struct aggregate *ag, uint32_t idx, const struct attempt *a, enum outcome o,
		     bool newest);

#endif
