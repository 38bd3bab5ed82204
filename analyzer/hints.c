/* Probable servers (see hints.h): two small arrays searched linearly; only
 * answered handshakes reach them. */
#include "config.h"

#include "analyzer/hints.h"

#include <string.h>

static bool has_peer(const struct hint_addr *h, const struct lw_addr *peer)
{
	for (unsigned i = 0; i < h->n_peers; i++)
		if (addr_equal(&h->peer[i], peer))
			return true;
	return false;
}

/* The index of a's entry, n when there is none. */
static size_t find(const struct hint_addr *v, size_t n, const struct lw_addr *a)
{
	size_t i = 0;

	while (i < n && !addr_equal(&v[i].addr, a))
		i++;
	return i;
}

static struct hint_addr *note(struct hint_addr *v, size_t *n, const struct lw_addr *a)
{
	size_t i = find(v, *n, a);

	if (i == *n) {
		if (*n == LW_HINTS_MAX)
			return NULL; /* a capture with that many answering hosts is no mail host's
				      */
		memset(&v[i], 0, sizeof(v[i]));
		v[i].addr = *a;
		(*n)++;
	}
	v[i].n++;
	return &v[i];
}

void hints_attempt(struct hints *h, const struct attempt *a, enum src_class cls)
{
	if (!outcome_reached((enum outcome)a->outcome) || !a->replied)
		return;
	struct hint_addr *ans = note(h->answered, &h->n_answered, &a->dst);
	if (ans && cls == CLASS_ALLOWED)
		ans->from_gateway = true;
	else if (ans && !has_peer(ans, &a->src)) {
		if (ans->n_peers == LW_HINTS_PEERS)
			ans->many_peers = true;
		else
			ans->peer[ans->n_peers++] = a->src;
	}
	if (cls != CLASS_ALLOWED)
		note(h->opened, &h->n_opened, &a->src);
}

/* It answered a gateway, many clients, or a client it never connected to
 * itself (a peer whose own answers, as far as they were kept, name it not). */
static bool answers_others(const struct hints *h, const struct hint_addr *ans)
{
	if (ans->from_gateway || ans->many_peers)
		return true;
	for (unsigned i = 0; i < ans->n_peers; i++) {
		size_t k = find(h->answered, h->n_answered, &ans->peer[i]);
		if (k == h->n_answered ||
		    (!h->answered[k].many_peers && !has_peer(&h->answered[k], &ans->addr)))
			return true;
	}
	return false;
}

size_t hints_probable(const struct hints *h, struct hint_addr *ret, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < h->n_opened && k < max; i++)
		for (size_t j = 0; j < h->n_answered; j++)
			if (addr_equal(&h->opened[i].addr, &h->answered[j].addr)) {
				if (answers_others(h, &h->answered[j]))
					ret[k++] = h->opened[i];
				break;
			}
	return k;
}
