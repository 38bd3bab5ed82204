/* The MX half of the lockdown (see mx_check.h). */
#include "config.h"

#include "probe/mx_check.h"

#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/spf.h"

/* One query, parsed. 0 or an spf_status with err set. */
static int ask(struct dns_resolver *rv, const char *name, int type, const char *tname,
	       struct dns_answer *ret, char *err, size_t errlen)
{
	unsigned char *ans;
	size_t alen;
	char *msg = NULL;

	int rc = dns_resolver_query(rv, name, type, tname, &ans, &alen, &msg);
	if (rc != SPF_OK) {
		snprintf(err, errlen, "%s %s: %s", tname, name, msg ? msg : "out of memory");
		free(msg);
		return rc;
	}
	rc = dns_answer_parse(ans, alen, type, ret, err, errlen);
	free(ans);
	if (rc < 0)
		return SPF_EDNS;
	if (ret->rcode != ns_r_noerror && ret->rcode != ns_r_nxdomain) {
		snprintf(err, errlen, "%s %s: resolver %s answered %s (rcode %u)", tname, name,
			 rv->shown, dns_rcode_name(ret->rcode), ret->rcode);
		return SPF_EDNS;
	}
	return SPF_OK;
}

static int resolve_exchange(struct dns_resolver *rv, const struct rules *rules,
			    struct mx_exchange *x, char *err, size_t errlen)
{
	static struct dns_answer a; /* 20 KiB: off the stack */
	static const struct {
		int type;
		const char *name;
	} q[] = {{ns_t_a, "A"}, {ns_t_aaaa, "AAAA"}};
	bool nx = false;

	for (size_t i = 0; i < 2; i++) {
		int rc = ask(rv, x->name, q[i].type, q[i].name, &a, err, errlen);
		if (rc != SPF_OK)
			return rc;
		nx = nx || a.rcode == ns_r_nxdomain;
		for (size_t k = 0; k < a.n_addrs && x->n_addrs < MX_ADDRS_MAX; k++) {
			struct mx_addr *m = &x->addrs[x->n_addrs++];
			struct rule_ref ref;
			m->addr = a.addrs[k];
			m->cls = rules_classify(rules, &m->addr, &ref);
			snprintf(m->match, sizeof(m->match), "%s",
				 ref.set     ? ref.set
				 : ref.label ? ref.label
					     : "");
		}
	}
	x->gateway = x->n_addrs > 0;
	for (size_t i = 0; i < x->n_addrs; i++)
		if (x->addrs[i].cls != CLASS_ALLOWED)
			x->gateway = false;
	if (x->n_addrs == 0)
		snprintf(x->note, sizeof(x->note), "%s",
			 nx ? "no such name (NXDOMAIN)" : "no A or AAAA record");
	return SPF_OK;
}

static int by_pref(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->exchange, y->exchange);
}

static void judge(struct mx_check *c)
{
	size_t doors = 0, gw = 0;
	const char *door = NULL;

	for (size_t i = 0; i < c->n; i++) {
		const struct mx_exchange *x = &c->ex[i];
		if (x->gateway)
			gw++;
		else if (x->n_addrs > 0 && doors++ == 0)
			door = x->name;
	}
	if (doors) {
		c->verdict = VERDICT_NOT_EFFECTIVE;
		snprintf(c->reason, sizeof(c->reason),
			 "%s%s of %s has an address outside the gateway sets in force: mail can "
			 "be delivered around the gateway",
			 door, c->status[0] == 'i' ? " (no MX: the domain itself)" : " (MX)",
			 c->domain);
	} else if (gw) {
		c->verdict = VERDICT_EFFECTIVE;
		snprintf(c->reason, sizeof(c->reason),
			 "every MX of %s points inside the gateway sets in force", c->domain);
	} else {
		c->verdict = VERDICT_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "no MX of %s resolves to an address",
			 c->domain);
	}
}

int mx_check_run(const char *domain, struct dns_resolver *rv, const struct rules *rules,
		 struct mx_check *c, char *err, size_t errlen)
{
	static struct dns_answer a;

	memset(c, 0, sizeof(*c));
	snprintf(c->domain, sizeof(c->domain), "%s", domain);
	size_t dl = strlen(c->domain);
	if (dl > 1 && c->domain[dl - 1] == '.')
		c->domain[dl - 1] = '\0';
	int rc = ask(rv, c->domain, ns_t_mx, "MX", &a, err, errlen);
	if (rc != SPF_OK)
		return rc;
	if (a.rcode == ns_r_nxdomain) {
		c->status = "nxdomain";
		c->verdict = VERDICT_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason),
			 "%s does not exist (NXDOMAIN from %s): check the name", c->domain,
			 rv->shown);
		return 0;
	}
	if (a.n_mx == 0 && a.n_cname > 0) {
		c->status = "cname_loop";
		c->verdict = VERDICT_INCONCLUSIVE;
		int w = snprintf(c->reason, sizeof(c->reason),
				 "the MX query for %s ends in %u CNAME(s) and no MX (last: %s): a "
				 "CNAME loop or a chain to nothing",
				 c->domain, a.n_cname, a.cname_last);
		return w < 0 ? -1 : 0;
	}
	if (a.n_mx == 1 && a.mx[0].exchange[0] == '\0') {
		c->status = "null_mx";
		c->verdict = VERDICT_UNPROVEN;
		snprintf(c->reason, sizeof(c->reason),
			 "%s publishes a null MX (RFC 7505): it accepts no mail, nothing to judge",
			 c->domain);
		return 0;
	}
	if (a.n_mx == 0) {
		c->status = "implicit";
		c->n = 1;
		snprintf(c->ex[0].name, sizeof(c->ex[0].name), "%s", c->domain);
		c->ex[0].implicit = true;
	} else {
		c->status = "mx";
		qsort(a.mx, a.n_mx, sizeof(a.mx[0]), by_pref);
		for (size_t i = 0; i < a.n_mx; i++) {
			if (c->n == MX_EXCHANGES_MAX) {
				c->dropped++;
				continue;
			}
			struct mx_exchange *x = &c->ex[c->n++];
			x->pref = a.mx[i].pref;
			snprintf(x->name, sizeof(x->name), "%s",
				 a.mx[i].exchange[0] ? a.mx[i].exchange : ".");
		}
		c->dropped += a.dropped;
	}
	for (size_t i = 0; i < c->n; i++) {
		rc = resolve_exchange(rv, rules, &c->ex[i], err, errlen);
		if (rc != SPF_OK)
			return rc;
	}
	if (c->status[0] == 'i' && c->ex[0].n_addrs == 0) {
		c->status = "no_mail";
		c->verdict = VERDICT_UNPROVEN;
		snprintf(c->reason, sizeof(c->reason),
			 "%s has no MX and no address: it receives no mail, nothing to judge",
			 c->domain);
		return 0;
	}
	judge(c);
	return 0;
}
