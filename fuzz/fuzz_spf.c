/* Fuzz target: the SPF code of `lockwatch rules update` (rules/spf*.c),
 * which reads what any domain publishes: DNS answers in wire format, SPF
 * record text, set names made from host names, and the include/redirect
 * walk over a zone held in memory. Each outcome is checked against the
 * promises of spf.h, not only for memory errors.
 *
 * Input: the first byte picks the mode, the rest is its data.
 *   0  a DNS response to a TXT query (spf_txt_parse), each SPF record of it
 *      parsed as well
 *   1  one SPF record's text (spf_parse), and the same bytes as a host name
 *      for spf_set_name, whose result must load as a rules set name
 *   2  a zone: lines "NAME TEXT", one TXT record each (a name may have
 *      several); TEXT "!nx" makes NAME not exist, "!fail" a DNS failure.
 *      spf_walk starts at the first line's NAME. */
#include "config.h"

#include <string.h>

#include "fuzz/fuzz.h"
#include "rules/spf.h"

#define ZONE_MAX 64 /* TXT records of a zone; the look-up limit needs far fewer */

struct zone {
	const char *name[ZONE_MAX];
	const char *text[ZONE_MAX];
	size_t n;
	unsigned fetches;
};

static void check_messages(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		FUZZ_CHECK(d->msgs[i].text != NULL);
		/* published bytes are quoted escaped: a message is one clean line */
		for (const char *p = d->msgs[i].text; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
}

static void check_prefix(const struct spf_prefix *p)
{
	struct lw_addr m = p->net;

	FUZZ_CHECK(p->plen <= addr_bits(&p->net));
	addr_mask(&m, p->plen);
	FUZZ_CHECK(addr_equal(&m, &p->net));
}

static void check_name(const char *n)
{
	size_t len = strlen(n);

	FUZZ_CHECK(len > 0 && len <= SPF_NAME_MAX);
	FUZZ_CHECK(n[len - 1] != '.');
	FUZZ_CHECK(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == len);
}

/* spf_set_name promises a set name the rules parser takes: the grammar of
 * rules.c's valid_name() and is_keyword() (static there). Loading a rules
 * file per name would cost the fuzzer nine tenths of its speed (the
 * matcher's tables under ASan). */
static void check_set_name(const char *set)
{
	static const char *const keywords[] = {"set",  "use",	 "allow",  "exception",
					       "port", "server", "include"};
	size_t n = strlen(set);

	FUZZ_CHECK(n > 0 && n <= SPF_SET_MAX);
	FUZZ_CHECK((set[0] >= 'a' && set[0] <= 'z') || (set[0] >= '0' && set[0] <= '9'));
	FUZZ_CHECK(strspn(set, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == n);
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		FUZZ_CHECK(strcmp(set, keywords[i]) != 0);
}

static void check_record(const struct spf_record *r, int rc, const struct diag *d,
			 unsigned errors_before)
{
	FUZZ_CHECK(rc == SPF_OK || rc == SPF_EDATA);
	FUZZ_CHECK((rc == SPF_EDATA) == (d->errors > errors_before));
	for (size_t i = 0; i < r->n_prefixes; i++)
		check_prefix(&r->prefixes[i]);
	for (size_t i = 0; i < r->n_includes; i++)
		check_name(r->includes[i]);
	if (r->redirect)
		check_name(r->redirect);
	check_messages(d);
}

static void mode_wire(const uint8_t *data, size_t size)
{
	struct spf_txt_answer a;
	char *err = NULL;
	size_t total = 0;

	int rc = spf_txt_parse(data, size, &a, &err);
	FUZZ_CHECK(rc == SPF_OK || rc == SPF_EDNS);
	if (rc != SPF_OK) {
		FUZZ_CHECK(err != NULL && a.n_txts == 0 && a.txts == NULL);
		free(err);
		return;
	}
	FUZZ_CHECK(err == NULL && a.rcode <= 15);
	for (size_t i = 0; i < a.n_txts; i++) {
		total += strlen(a.txts[i]);
		if (spf_is_record(a.txts[i])) {
			struct spf_record r;
			struct diag d;
			diag_init(&d);
			rc = spf_parse("wire.example", a.txts[i], &r, &d);
			check_record(&r, rc, &d, 0);
			spf_record_clear(&r);
			diag_clear(&d);
		}
	}
	FUZZ_CHECK(total <= size); /* strings come out of the message */
	spf_txt_clear(&a);
}

static void mode_record(const char *text)
{
	struct spf_record r;
	struct diag d;
	char set[SPF_SET_MAX + 1];

	diag_init(&d);
	int rc = spf_parse("record.example", text, &r, &d);
	check_record(&r, rc, &d, 0);
	FUZZ_CHECK(rc == SPF_EDATA || spf_is_record(text));
	spf_record_clear(&r);
	diag_clear(&d);

	spf_set_name(text, true, set, sizeof(set));
	check_set_name(set);
	spf_set_name(text, false, set, sizeof(set));
	check_set_name(set);
}

static int fetch(void *ctx, const char *name, char ***ret_txts, size_t *ret_n, char **reterr)
{
	struct zone *z = ctx;
	size_t n = 0;

	z->fetches++;
	*ret_txts = NULL;
	*ret_n = 0;
	for (size_t i = 0; i < z->n; i++) {
		if (strcmp(z->name[i], name) != 0)
			continue;
		if (strcmp(z->text[i], "!nx") == 0) {
			*reterr = strdup("no such domain (NXDOMAIN)");
			return SPF_EDATA;
		}
		if (strcmp(z->text[i], "!fail") == 0) {
			*reterr = strdup("DNS failure (SERVFAIL)");
			return SPF_EDNS;
		}
		n++;
	}
	char **txts = calloc(n ? n : 1, sizeof(*txts));
	FUZZ_CHECK(txts != NULL);
	n = 0;
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->name[i], name) == 0)
			txts[n++] = strdup(z->text[i]);
	*ret_txts = txts;
	*ret_n = n;
	return SPF_OK;
}

static void check_result(const struct spf_result *res, int rc, const struct diag *d)
{
	FUZZ_CHECK(rc == SPF_OK || rc == SPF_EDATA || rc == SPF_EDNS);
	FUZZ_CHECK((rc != SPF_OK) == (d->errors > 0));
	if (rc == SPF_OK)
		FUZZ_CHECK(res->lookups <= SPF_LOOKUP_MAX);
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct spf_host *h = &res->hosts[i];
		check_name(h->name);
		FUZZ_CHECK((h->parent == NULL) == (i == 0));
		if (h->parent) {
			bool found = false;
			for (size_t k = 0; k < i; k++)
				found |= strcmp(res->hosts[k].name, h->parent) == 0;
			FUZZ_CHECK(found);
		}
		for (size_t k = 0; k < i; k++) {
			FUZZ_CHECK(strcmp(res->hosts[k].name, h->name) != 0);
			FUZZ_CHECK(strcmp(res->hosts[k].set, h->set) != 0);
		}
		check_set_name(h->set);
		for (size_t k = 0; k < h->n_prefixes; k++) {
			check_prefix(&h->prefixes[k]);
			if (k)
				FUZZ_CHECK(spf_prefix_cmp(&h->prefixes[k - 1], &h->prefixes[k]) <
					   0);
		}
	}
	check_messages(d);
}

static void mode_walk(char *text)
{
	static struct zone z; /* large; one input at a time */
	struct spf_result res;
	struct diag d;

	memset(&z, 0, sizeof(z));
	for (char *line = text; line && z.n < ZONE_MAX;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *sp = strchr(line, ' ');
		if (sp) {
			*sp = '\0';
			z.name[z.n] = line;
			z.text[z.n] = sp + 1;
			z.n++;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (z.n == 0)
		return;
	diag_init(&d);
	int rc = spf_walk(z.name[0], fetch, &z, &res, &d);
	check_result(&res, rc, &d);
	/* every step past the root spends one look-up of the limit, and a
	 * host met a second time is not fetched again */
	FUZZ_CHECK(z.fetches <= SPF_LOOKUP_MAX + 1);
	spf_result_clear(&res);
	diag_clear(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0) {
		mode_wire(data, size);
		return 0;
	}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (mode == 1)
		mode_record(text);
	else
		mode_walk(text);
	free(text);
	return 0;
}
