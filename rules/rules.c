/* Rules files: loads the language documented in lockwatch.rules(5) into an
 * immutable rules object (sets, exceptions, ports, servers): parsing is
 * rules_parse.c's, the overlap warnings, normalised output and digest
 * rules_check.c's; here the uses are resolved against the sets, the
 * longest-prefix matchers the classifier uses are built, and the object is
 * queried. See rules.h for what rules/ owns. */
#include "config.h"

#include "rules/rules.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "rules/rules_internal.h"

const char *class_name(enum src_class c)
{
	switch (c) {
	case CLASS_OUTSIDE:
		return "outside";
	case CLASS_ALLOWED:
		return "allowed";
	case CLASS_EXCEPTION:
		return "exception";
	case CLASS_PROBE:
		return "probe";
	case CLASS_OUTBOUND:
		return "outbound";
	default:
		return "?";
	}
}

/* ---- building ------------------------------------------------------------ */

static int set_name_cmp(const void *a, const void *b)
{
	const struct set *x = *(const struct set *const *)a;
	const struct set *y = *(const struct set *const *)b;

	return strcmp(x->name, y->name);
}

/* Exceptions first so that an exception wins over an allowed prefix that is
 * exactly the same (the matcher keeps the first of equal prefixes). */
static struct matcher *build_matcher(const struct rules *r, bool in_force_only)
{
	struct matcher_prefix *mp = malloc((r->n_entries + 1) * sizeof(*mp));
	size_t n = 0;

	if (!mp)
		return NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n_entries; i++) {
			const struct entry *e = &r->entries[i];
			if ((pass == 0) != (e->set < 0))
				continue;
			if (e->set >= 0 && in_force_only && !r->sets[e->set].in_force)
				continue;
			mp[n].net = e->net;
			mp[n].plen = e->plen;
			mp[n].payload = (uint32_t)i;
			n++;
		}
	}
	struct matcher *m = matcher_build(mp, n);
	free(mp);
	return m;
}

static int build(struct rules *r)
{
	if (r->n_entries > MATCHER_PAYLOAD_MAX)
		return -1;
	if (r->n_ports == 0)
		r->ports[r->n_ports++] = 25;
	qsort(r->ports, r->n_ports, sizeof(r->ports[0]), rules_u16_cmp);
	if (r->n_servers)
		qsort(r->servers, r->n_servers, sizeof(*r->servers), rules_addr_qcmp);
	/* sets sorted by name so the normalised output does not depend on the
	 * order of definition; entries refer to sets by index, so remap */
	const struct set **perm = malloc((r->n_sets + 1) * sizeof(*perm));
	long *inv = malloc((r->n_sets + 1) * sizeof(*inv));
	struct set *sorted = malloc((r->n_sets + 1) * sizeof(*sorted));
	if (!perm || !inv || !sorted) {
		free(perm);
		free(inv);
		free(sorted);
		return -1;
	}
	for (size_t i = 0; i < r->n_sets; i++)
		perm[i] = &r->sets[i];
	qsort(perm, r->n_sets, sizeof(*perm), set_name_cmp);
	for (size_t i = 0; i < r->n_sets; i++) {
		sorted[i] = *perm[i];
		inv[perm[i] - r->sets] = (long)i;
	}
	/* no sets (an empty file): sets is NULL, and memcpy(NULL, ..., 0) is
	 * undefined behaviour the compiler may build on */
	if (r->n_sets)
		memcpy(r->sets, sorted, r->n_sets * sizeof(*sorted));
	for (size_t i = 0; i < r->n_entries; i++)
		if (r->entries[i].set >= 0)
			r->entries[i].set = inv[r->entries[i].set];
	free(perm);
	free(inv);
	free(sorted);

	const struct entry **ord = malloc((r->n_entries + 1) * sizeof(*ord));
	r->order = malloc((r->n_entries + 1) * sizeof(*r->order));
	if (!ord || !r->order) {
		free(ord);
		return -1;
	}
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct entry *e = &r->entries[i];
		if (e->set < 0 || r->sets[e->set].in_force)
			ord[r->n_order++] = e;
	}
	qsort(ord, r->n_order, sizeof(*ord), rules_norm_cmp);
	for (size_t i = 0; i < r->n_order; i++)
		r->order[i] = (size_t)(ord[i] - r->entries);
	free(ord);
	r->force = build_matcher(r, true);
	r->all = build_matcher(r, false);
	if (!r->force || !r->all)
		return -1;
	return rules_compute_digest(r);
}

static struct rules *load(const char *name, const char *text, char *real,
			  rules_include_fn include_fn, void *include_data, struct diag *diag)
{
	struct parser p = {.diag = diag, .include_fn = include_fn, .include_data = include_data};
	unsigned errors_before = diag->errors;

	p.r = calloc(1, sizeof(*p.r));
	if (!p.r) {
		free(real);
		diag_add(diag, DIAG_ERROR, name, 0, 0, "out of memory");
		return NULL;
	}
	if (real) {
		if (mem_grow(&p.seen, &p.cap_seen, 1, sizeof(*p.seen), 16) < 0) {
			free(real);
			p.oom = true;
		} else {
			p.seen[p.n_seen++] = real;
		}
	}
	const char *shown = rules_pool_dup(&p, name);
	if (shown) {
		p.stack[0] = real;
		p.stack_name[0] = shown;
		rules_parse_file(&p, shown, text);
	}
	for (size_t i = 0; i < p.n_uses; i++) {
		const struct use *u = &p.uses[i];
		long s = rules_set_find(p.r, u->name);
		if (s < 0)
			diag_add(diag, DIAG_ERROR, u->file, u->line, u->col,
				 "set '%s' is used but never defined", u->name);
		else
			p.r->sets[s].in_force = true;
	}
	for (size_t i = 0; i < p.r->n_sets; i++) {
		const struct set *s = &p.r->sets[i];
		if (s->count == 0)
			diag_add(diag, DIAG_WARNING, s->file, s->line, s->col, "set '%s' is empty",
				 s->name);
	}
	if (rules_check_overlaps(p.r, diag) < 0)
		p.oom = true;
	if (!p.oom && diag->errors == errors_before && build(p.r) < 0)
		p.oom = true;
	if (p.oom)
		diag_add(diag, DIAG_ERROR, name, 0, 0, "out of memory");
	for (size_t i = 0; i < p.n_seen; i++)
		free(p.seen[i]);
	free(p.seen);
	free(p.uses);
	free(p.toks);
	free(p.tokbuf);
	if (diag->errors != errors_before) {
		rules_free(p.r);
		return NULL;
	}
	return p.r;
}

struct rules *rules_load_file(const char *path, struct diag *diag)
{
	int err = 0;
	char *text = rules_read_all(path, &err);

	if (!text) {
		diag_add(diag, DIAG_ERROR, path, 0, 0, "cannot read rules file: %s", strerror(err));
		return NULL;
	}
	struct rules *r = load(path, text, realpath(path, NULL), NULL, NULL, diag);
	free(text);
	return r;
}

struct rules *rules_load_string(const char *name, const char *text, struct diag *diag)
{
	return load(name, text, NULL, NULL, NULL, diag);
}

struct rules *rules_load_string_with(const char *name, const char *text,
				     rules_include_fn include_fn, void *userdata, struct diag *diag)
{
	/* the top-level name is the first file seen, so including it is a cycle */
	char *real = include_fn ? strdup(name) : NULL;

	if (include_fn && !real) {
		diag_add(diag, DIAG_ERROR, name, 0, 0, "out of memory");
		return NULL;
	}
	return load(name, text, real, include_fn, userdata, diag);
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_strs; i++)
		free(r->strs[i]);
	free(r->strs);
	free(r->entries);
	free(r->sets);
	free(r->servers);
	free(r->order);
	matcher_free(r->force);
	matcher_free(r->all);
	free(r);
}

/* ---- queries ------------------------------------------------------------- */

static void ref_outside(struct rule_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	ref->cls = CLASS_OUTSIDE;
	ref->prefix = "";
}

static void ref_fill(const struct rules *r, const struct entry *e, struct rule_ref *ref)
{
	ref_outside(ref);
	if (e->set < 0) {
		ref->cls = e->probe ? CLASS_PROBE : CLASS_EXCEPTION;
		ref->label = e->label;
		ref->comment = e->comment;
	} else {
		ref->cls = r->sets[e->set].in_force ? CLASS_ALLOWED : CLASS_OUTSIDE;
		ref->set = r->sets[e->set].name;
	}
	ref->prefix = e->text;
	ref->file = e->file;
	ref->line = e->line;
}

enum src_class rules_classify(const struct rules *r, const struct lw_addr *src,
			      struct rule_ref *ret_ref)
{
	uint32_t i;

	if (!matcher_lookup(r->force, src, &i)) {
		if (ret_ref)
			ref_outside(ret_ref);
		return CLASS_OUTSIDE;
	}
	const struct entry *e = &r->entries[i];
	if (ret_ref)
		ref_fill(r, e, ret_ref);
	return e->set >= 0 ? CLASS_ALLOWED : e->probe ? CLASS_PROBE : CLASS_EXCEPTION;
}

bool rules_match_defined(const struct rules *r, const struct lw_addr *src, struct rule_ref *ret_ref)
{
	uint32_t i;

	if (!matcher_lookup(r->all, src, &i)) {
		ref_outside(ret_ref);
		return false;
	}
	ref_fill(r, &r->entries[i], ret_ref);
	return true;
}

size_t rules_probe_count(const struct rules *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_entries; i++)
		n += r->entries[i].probe;
	return n;
}

size_t rules_probes_format(const struct rules *r, char *buf, size_t len)
{
	size_t used = 0, n = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct entry *e = &r->entries[i];
		char pfx[LW_ADDR_STRLEN + 8];
		if (!e->probe)
			continue;
		rules_format_prefix(&e->net, e->plen, pfx, sizeof(pfx));
		int k = snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "", pfx, e->label);
		if (k < 0 || (size_t)k >= len - used) {
			buf[used] = '\0'; /* whole entries only */
			break;
		}
		used += (size_t)k;
		n++;
	}
	return n;
}

bool rules_set_in_force(const struct rules *r, const char *set)
{
	long s = rules_set_find(r, set);

	return s >= 0 && r->sets[s].in_force;
}

unsigned rules_ports(const struct rules *r, const uint16_t **ret_ports)
{
	*ret_ports = r->ports;
	return r->n_ports;
}

bool rules_server_any(const struct rules *r)
{
	return r->server_any;
}

unsigned rules_servers(const struct rules *r, const struct lw_addr **ret_servers)
{
	*ret_servers = r->servers;
	return (unsigned)r->n_servers;
}

const char *rules_digest(const struct rules *r)
{
	return r->digest;
}

size_t rules_count(const struct rules *r)
{
	return r->n_order;
}

void rules_entry(const struct rules *r, size_t i, struct lw_addr *ret_net, unsigned *ret_plen,
		 struct rule_ref *ret_ref)
{
	const struct entry *e = &r->entries[r->order[i]];

	if (ret_net)
		*ret_net = e->net;
	if (ret_plen)
		*ret_plen = e->plen;
	if (ret_ref)
		ref_fill(r, e, ret_ref);
}

void rules_dump(const struct rules *r, FILE *out)
{
	fprintf(out, "# lockwatch rules in force, normalised (digest %s)\n", r->digest);
	rules_write_rules(r, out, true);
}

size_t rules_memory(const struct rules *r)
{
	return matcher_memory(r->force) + matcher_memory(r->all);
}

size_t rules_set_count(const struct rules *r)
{
	return r->n_sets;
}

const char *rules_set_name(const struct rules *r, size_t i)
{
	return r->sets[i].name;
}

size_t rules_defined_count(const struct rules *r)
{
	return r->n_entries;
}

void rules_defined_entry(const struct rules *r, size_t i, struct lw_addr *ret_net,
			 unsigned *ret_plen, const char **ret_set)
{
	const struct entry *e = &r->entries[i];

	if (ret_net)
		*ret_net = e->net;
	if (ret_plen)
		*ret_plen = e->plen;
	if (ret_set)
		*ret_set = e->set >= 0 ? r->sets[e->set].name : NULL;
}
