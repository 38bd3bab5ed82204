/* What each sensor watched (see report_sensors.h): the servers it judged
 * attempts to (analyzer/servers.h) and the `probe` vantage points of its
 * rules, as the store writes them into sensor:<name> at every flush
 * (servers_origin, servers_count, servers, not_watched_attempts, probes,
 * probe_prefixes), read back per sensor and merged for the report without
 * hiding a difference between sensors. */
#include "config.h"

#include "redis/report_sensors.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/store_batch.h"

/* A word of a space-separated list, up to the first `stop` character. */
struct word {
	const char *s;
	size_t len;
};

/* A list as the store writes it: within STORE_HEALTH_LIST_MAX bytes.
 * Anything longer (not ours) is cut after its last whole word within the
 * bound, so a hostile server cannot make the merge below slow. */
static const char *keep_list(struct report_strings *st, const char *v)
{
	char buf[STORE_HEALTH_LIST_MAX + 1];
	size_t n = strlen(v);

	if (n <= STORE_HEALTH_LIST_MAX)
		return report_strings_keep(st, v);
	memcpy(buf, v, STORE_HEALTH_LIST_MAX);
	n = v[STORE_HEALTH_LIST_MAX] == ' ' ? STORE_HEALTH_LIST_MAX : 0;
	for (size_t i = STORE_HEALTH_LIST_MAX; n == 0 && i > 0; i--)
		if (buf[i - 1] == ' ')
			n = i - 1;
	buf[n] = '\0';
	return report_strings_keep(st, buf);
}

bool report_sensor_field(struct report_sensor *d, struct report_strings *st, const char *k,
			 const char *v)
{
	if (!strcmp(k, "servers_origin"))
		d->servers_origin = report_strings_keep(st, v);
	else if (!strcmp(k, "servers"))
		d->servers = keep_list(st, v);
	else if (!strcmp(k, "servers_count"))
		d->n_servers = (size_t)strtoull(v, NULL, 10);
	else if (!strcmp(k, "not_watched_attempts"))
		d->not_watched = strtoull(v, NULL, 10);
	else if (!strcmp(k, "probe_prefixes"))
		d->probe_prefixes = keep_list(st, v);
	else if (!strcmp(k, "probes"))
		d->n_probes = (size_t)strtoull(v, NULL, 10);
	else
		return false;
	return true;
}

/* Both unsaid, or both the same. */
static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Adds the words of list (each cut at `stop`) not yet in w[0..*n). */
static void add_words(struct word *w, size_t *n, size_t cap, const char *list, char stop)
{
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, " ");
		const char *cut = memchr(p, stop, len);
		size_t key = cut ? (size_t)(cut - p) : len;
		bool dup = false;
		for (size_t i = 0; i < *n && !dup; i++)
			dup = w[i].len == key && memcmp(w[i].s, p, key) == 0;
		if (key && !dup && *n < cap)
			w[(*n)++] = (struct word){p, key};
		p += len;
		p += strspn(p, " ");
	}
}

/* The distinct words of the lists of every sensor (servers or probe
 * prefixes), at least the largest count one of them gave: a list in
 * Redis is cut at STORE_HEALTH_LIST_MAX bytes. */
static size_t distinct(const struct report *r, bool probes)
{
	size_t cap = 0, n = 0, most = 0;

	for (size_t i = 0; i < r->n_sensors; i++) {
		const struct report_sensor *d = &r->sensors[i];
		const char *l = probes ? d->probe_prefixes : d->servers;
		size_t c = probes ? d->n_probes : d->n_servers;
		cap += l ? strlen(l) / 2 + 1 : 0;
		most = c > most ? c : most;
	}
	struct word *w = calloc(cap ? cap : 1, sizeof(*w));
	if (!w)
		return most;
	for (size_t i = 0; i < r->n_sensors; i++) {
		const struct report_sensor *d = &r->sensors[i];
		add_words(w, &n, cap, probes ? d->probe_prefixes : d->servers, probes ? '=' : ' ');
	}
	free(w);
	return n > most ? n : most;
}

static void merge_servers(struct report *r, struct report_strings *st)
{
	const struct report_sensor *first = &r->sensors[0];
	bool known = false;

	for (size_t i = 0; i < r->n_sensors; i++) {
		const struct report_sensor *d = &r->sensors[i];
		known = known || d->servers_origin;
		r->ignored_server += d->not_watched;
		if (!same_str(d->servers_origin, first->servers_origin) ||
		    !same_str(d->servers, first->servers) || d->n_servers != first->n_servers)
			r->servers_differ = true;
	}
	if (!known) /* every sensor older than the record: not known */
		return;
	if (!r->servers_differ) {
		r->servers_origin = first->servers_origin;
		r->n_servers = first->n_servers;
		return;
	}
	r->servers_origin = report_strings_keep(st, "mixed");
	r->n_servers = distinct(r, false);
}

static void merge_probes(struct report *r)
{
	const struct report_sensor *first = &r->sensors[0];

	r->probes_known = true;
	for (size_t i = 0; i < r->n_sensors; i++) {
		const struct report_sensor *d = &r->sensors[i];
		if (!d->probe_prefixes) { /* one sensor did not say: not known */
			r->probes_known = false;
			r->probes_differ = false;
			r->n_probes = 0;
			return;
		}
		if (!same_str(d->probe_prefixes, first->probe_prefixes) ||
		    d->n_probes != first->n_probes)
			r->probes_differ = true;
	}
	r->n_probes = distinct(r, true);
}

void report_sensors_merge(struct report *r, struct report_strings *st)
{
	if (r->n_sensors == 0)
		return;
	merge_servers(r, st);
	merge_probes(r);
}
