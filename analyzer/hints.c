/* Probable servers (see hints.h): two small arrays searched linearly; only
 * answered handshakes reach them. */
#include "config.h"

#include "analyzer/hints.h"

static void note(struct hint_addr *v, size_t *n, const struct lw_addr *a)
{
	for (size_t i = 0; i < *n; i++)
		if (addr_equal(&v[i].addr, a)) {
			v[i].n++;
			return;
		}
	if (*n == LW_HINTS_MAX)
		return; /* a capture with that many answering hosts is no mail host's */
	v[*n].addr = *a;
	v[*n].n = 1;
	(*n)++;
}

void hints_attempt(struct hints *h, const struct attempt *a, enum src_class cls)
{
	if (!outcome_reached((enum outcome)a->outcome) || !a->replied)
		return;
	note(h->answered, &h->n_answered, &a->dst);
	if (cls != CLASS_ALLOWED)
		note(h->opened, &h->n_opened, &a->src);
}

size_t hints_probable(const struct hints *h, struct hint_addr *ret, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < h->n_opened && k < max; i++)
		for (size_t j = 0; j < h->n_answered; j++)
			if (addr_equal(&h->opened[i].addr, &h->answered[j].addr)) {
				ret[k++] = h->opened[i];
				break;
			}
	return k;
}
