/* The walk through include: and redirect= (RFC 7208) that gathers each
 * host's ip4:/ip6: prefixes into sets named after the hosts, within the
 * look-up limit; the look-ups come in through the caller's fetch callback
 * (see spf.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "rules/rules.h"
#include "rules/spf.h"
#include "rules/spf_internal.h"

/* ---- set names ------------------------------------------------------------- */

/* Appends s[0..n) to buf as set-name characters; a set name starts with a
 * letter or digit, so leading punctuation is dropped. */
static void name_append(char *buf, size_t len, const char *s, size_t n)
{
	size_t o = strlen(buf);

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		char c = spf_lower(s[i]);
		if (!(spf_is_alpha(c) || spf_is_digit(c) || c == '-' || c == '_' || c == '.'))
			c = '-';
		if (o == 0 && !(spf_is_alpha(c) || spf_is_digit(c)))
			continue;
		buf[o++] = c;
	}
	buf[o] = '\0';
}

void spf_set_name(const char *host, bool is_root, char *buf, size_t len)
{
	static const char nb[] = "._netblocks.";
	const char *mark = NULL;
	size_t cap = len < SPF_SET_MAX + 1 ? len : SPF_SET_MAX + 1;

	if (len == 0)
		return;
	buf[0] = '\0';
	/* "<label>._netblocks.<domain>", label being one label */
	for (const char *p = host; (p = strchr(p, '.')) != NULL; p++) {
		if (spf_ieq(p, strnlen(p, sizeof(nb) - 1), nb)) {
			mark = p;
			break;
		}
	}
	if (mark && mark > host && memchr(host, '.', (size_t)(mark - host)) == NULL &&
	    mark[sizeof(nb) - 1] != '\0') {
		const char *dom = mark + sizeof(nb) - 1;
		name_append(buf, cap, dom, strcspn(dom, "."));
		if (buf[0])
			name_append(buf, cap, "-", 1);
		name_append(buf, cap, host, (size_t)(mark - host));
	} else if (is_root) {
		/* "_netblocks.mimecast.com" and "_spf.example.com": the domain's
		 * first label names the organisation */
		const char *d = host;
		while (*d == '_' && strchr(d, '.'))
			d = strchr(d, '.') + 1;
		name_append(buf, cap, d, strcspn(d, "."));
	}
	if (!buf[0])
		name_append(buf, cap, host, strlen(host));
	if (!buf[0])
		name_append(buf, cap, "spf", 3);
	if (rules_is_keyword(buf))
		name_append(buf, cap, "-spf", 4);
}

/* ---- the walk -------------------------------------------------------------- */

struct walk {
	spf_fetch_fn fetch;
	void *ctx;
	struct spf_result *res;
	struct diag *diag;
	/* the chain of hosts being read: bounded because every step past the
	 * root spends one of the SPF_LOOKUP_MAX lookups */
	const char *path[SPF_LOOKUP_MAX + 2];
	unsigned depth;
};

/* "a -> b -> c" for messages. */
static void path_text(const struct walk *w, const char *last, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < w->depth && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s -> ", w->path[i]);
	if (o < len)
		snprintf(buf + o, len - o, "%s", last);
}

static bool set_taken(const struct spf_result *r, const char *set)
{
	for (size_t i = 0; i < r->n_hosts; i++)
		if (strcmp(r->hosts[i].set, set) == 0)
			return true;
	return false;
}

/* A set name no other host of this result has. */
static char *unique_set(const struct spf_result *r, const char *host, bool is_root)
{
	char buf[SPF_SET_MAX + 1];

	spf_set_name(host, is_root, buf, sizeof(buf));
	if (set_taken(r, buf)) {
		char alt[SPF_SET_MAX + 1];
		/* two hosts map to one name (eu._netblocks of two domains that
		 * share a first label): the later one is named by its host */
		alt[0] = '\0';
		name_append(alt, sizeof(alt), host, strlen(host));
		if (alt[0] && !rules_is_keyword(alt) && !set_taken(r, alt))
			return strdup(alt);
		for (unsigned k = 2;; k++) {
			char suffix[16];
			int n = snprintf(suffix, sizeof(suffix), "-%u", k);
			memcpy(alt, buf, sizeof(alt));
			alt[SPF_SET_MAX - (size_t)n] = '\0';
			strcat(alt, suffix);
			if (!set_taken(r, alt))
				return strdup(alt);
		}
	}
	return strdup(buf);
}

static int add_host(struct walk *w, const char *name, const char *parent, bool redirect,
		    const struct spf_record *rec, struct spf_host **ret)
{
	struct spf_result *r = w->res;

	if (mem_grow(&r->hosts, &r->cap_hosts, r->n_hosts + 1, sizeof(*r->hosts), 8) < 0)
		return SPF_ENOMEM;
	struct spf_host *h = &r->hosts[r->n_hosts];
	memset(h, 0, sizeof(*h));
	h->redirect = redirect;
	h->name = strdup(name);
	h->parent = parent ? strdup(parent) : NULL;
	h->set = unique_set(r, name, parent == NULL);
	h->prefixes = malloc((rec->n_prefixes + 1) * sizeof(*h->prefixes));
	if (!h->name || (parent && !h->parent) || !h->set || !h->prefixes) {
		free(h->name);
		free(h->parent);
		free(h->set);
		free(h->prefixes);
		return SPF_ENOMEM;
	}
	if (rec->n_prefixes)
		memcpy(h->prefixes, rec->prefixes, rec->n_prefixes * sizeof(*h->prefixes));
	qsort(h->prefixes, rec->n_prefixes, sizeof(*h->prefixes), spf_prefix_qcmp);
	for (size_t i = 0; i < rec->n_prefixes; i++) {
		if (h->n_prefixes &&
		    spf_prefix_cmp(&h->prefixes[h->n_prefixes - 1], &h->prefixes[i]) == 0) {
			char a[LW_ADDR_STRLEN];
			diag_add(w->diag, DIAG_WARNING, name, 0, 0, "%s/%u is listed twice",
				 addr_format(&h->prefixes[i].net, a, sizeof(a)),
				 h->prefixes[i].plen);
			continue;
		}
		h->prefixes[h->n_prefixes++] = h->prefixes[i];
	}
	r->n_hosts++;
	*ret = h;
	return SPF_OK;
}

/* Picks the one SPF record of a host's TXT records. */
static int select_record(struct walk *w, const char *name, char **txts, size_t n, const char **ret)
{
	size_t found = 0;
	char via[1024] = "";

	for (size_t i = 0; i < n; i++) {
		if (spf_is_record(txts[i])) {
			if (!found)
				*ret = txts[i];
			found++;
		}
	}
	if (found == 1)
		return SPF_OK;
	if (w->depth) {
		char p[960];
		path_text(w, name, p, sizeof(p));
		snprintf(via, sizeof(via), " (reached via %s)", p);
	}
	if (found == 0)
		diag_add(w->diag, DIAG_ERROR, name, 0, 0,
			 "no SPF record: none of its %zu TXT record(s) starts with 'v=spf1'%s", n,
			 via);
	else
		diag_add(w->diag, DIAG_ERROR, name, 0, 0,
			 "%zu SPF records where RFC 7208 4.5 allows one%s", found, via);
	return SPF_EDATA;
}

static int visit(struct walk *w, const char *name, const char *parent, bool redirect)
{
	char p[960];

	for (unsigned i = 0; i < w->depth; i++) {
		if (strcmp(w->path[i], name) == 0) {
			path_text(w, name, p, sizeof(p));
			diag_add(w->diag, DIAG_ERROR, name, 0, 0, "loop: %s", p);
			return SPF_EDATA;
		}
	}
	for (size_t i = 0; i < w->res->n_hosts; i++) {
		if (strcmp(w->res->hosts[i].name, name) == 0) {
			/* reached again on another branch: not a loop, and its
			 * prefixes are already in its set */
			diag_add(w->diag, DIAG_WARNING, name, 0, 0,
				 "named again by %s: already read, its prefixes are in set '%s'",
				 parent ? parent : "?", w->res->hosts[i].set);
			return SPF_OK;
		}
	}
	if (w->depth >= sizeof(w->path) / sizeof(w->path[0])) {
		/* unreachable while the lookup limit holds; kept as the bound */
		diag_add(w->diag, DIAG_ERROR, name, 0, 0, "records nested too deeply");
		return SPF_EDATA;
	}

	char **txts = NULL, *msg = NULL;
	size_t n = 0;
	int rc = w->fetch(w->ctx, name, &txts, &n, &msg);
	if (rc != SPF_OK) {
		if (w->depth) {
			path_text(w, name, p, sizeof(p));
			diag_add(w->diag, DIAG_ERROR, name, 0, 0, "%s (reached via %s)",
				 msg ? msg : "look-up failed", p);
		} else {
			diag_add(w->diag, DIAG_ERROR, name, 0, 0, "%s",
				 msg ? msg : "look-up failed");
		}
		free(msg);
		return rc;
	}
	free(msg);

	const char *text = NULL;
	struct spf_record rec;
	struct spf_host *h = NULL;
	memset(&rec, 0, sizeof(rec));
	rc = select_record(w, name, txts, n, &text);
	if (rc == SPF_OK)
		rc = spf_parse(name, text, &rec, w->diag);
	for (size_t i = 0; i < n; i++)
		free(txts[i]);
	free(txts);
	if (rc != SPF_OK)
		goto out;
	w->res->lookups += rec.lookups;
	if (w->res->lookups > SPF_LOOKUP_MAX) {
		diag_add(w->diag, DIAG_ERROR, name, 0, 0,
			 "too many DNS look-ups: %u DNS-querying terms (include, redirect, a, mx, "
			 "ptr, exists) counted by the end of this record, SPF allows %d (RFC 7208 "
			 "4.6.4)",
			 w->res->lookups, SPF_LOOKUP_MAX);
		rc = SPF_EDATA;
		goto out;
	}
	rc = add_host(w, name, parent, redirect, &rec, &h);
	if (rc != SPF_OK)
		goto out;
	w->path[w->depth++] = h->name; /* the string outlives a realloc of hosts */
	const char *self = h->name;
	for (size_t i = 0; i < rec.n_includes && rc == SPF_OK; i++)
		rc = visit(w, rec.includes[i], self, false);
	if (rc == SPF_OK && rec.redirect)
		rc = visit(w, rec.redirect, self, true);
	w->depth--;
out:
	spf_record_clear(&rec);
	return rc;
}

int spf_walk(const char *name, spf_fetch_fn fetch, void *ctx, struct spf_result *ret,
	     struct diag *diag)
{
	struct walk w = {.fetch = fetch, .ctx = ctx, .res = ret, .diag = diag};
	char root[SPF_NAME_MAX + 2];

	memset(ret, 0, sizeof(*ret));
	if (spf_domain_check(name, root, sizeof(root)) != 1) {
		char q[SPF_SHOWN_MAX * 4 + 8];
		diag_add(diag, DIAG_ERROR, NULL, 0, 0, "'%s' is not a domain name",
			 spf_shown(name, q, sizeof(q)));
		return SPF_EDATA;
	}
	return visit(&w, root, NULL, false);
}

void spf_result_clear(struct spf_result *r)
{
	for (size_t i = 0; i < r->n_hosts; i++) {
		free(r->hosts[i].name);
		free(r->hosts[i].set);
		free(r->hosts[i].parent);
		free(r->hosts[i].prefixes);
	}
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}
