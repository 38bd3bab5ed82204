/* What is checked and written once a rules file is read: the overlap
 * warnings, the normalised dump (itself a rules file) and the digest of
 * the rules in force. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "rules/rules_internal.h"

/* ---- checks after parsing ------------------------------------------------ */

static int entry_cmp(const struct entry *x, const struct entry *y)
{
	int c = addr_compare(&x->net, &y->net);

	if (c)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return 0;
}

/* qsort over arrays of entry pointers; ties keep the file order */
static int order_cmp(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	int c = entry_cmp(x, y);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* Normalised order for dump and digest: exceptions, then sets (already
 * sorted by name, so by index). */
int rules_norm_cmp(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	if (x->set != y->set)
		return x->set < y->set ? -1 : 1;
	int c = entry_cmp(x, y);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static const char *set_name_of(const struct rules *r, const struct entry *e)
{
	return e->set >= 0 ? r->sets[e->set].name : e->probe ? "probe" : "exception";
}

static void warn_overlap(struct diag *diag, const struct rules *r, const struct entry *e,
			 const struct entry *a)
{
	char pe[LW_ADDR_STRLEN + 8], pa[LW_ADDR_STRLEN + 8];

	rules_format_prefix(&e->net, e->plen, pe, sizeof(pe));
	rules_format_prefix(&a->net, a->plen, pa, sizeof(pa));
	if (e->set < 0 && a->set >= 0)
		diag_add(diag, DIAG_WARNING, e->file, e->line, e->col,
			 "%s %s (%s) lies inside allowed prefix %s of set '%s' at %s:%u; "
			 "it is reported as %s",
			 e->probe ? "probe" : "exception", pe, e->label, pa, r->sets[a->set].name,
			 a->file, a->line, e->probe ? "the probe" : "an exception");
	else if (e->plen == a->plen)
		diag_add(diag, DIAG_WARNING, e->file, e->line, e->col,
			 "duplicate prefix %s (%s), first at %s:%u (%s)", pe, set_name_of(r, e),
			 a->file, a->line, set_name_of(r, a));
	else
		diag_add(diag, DIAG_WARNING, e->file, e->line, e->col,
			 "prefix %s (%s) is covered by %s at %s:%u (%s)", pe, set_name_of(r, e), pa,
			 a->file, a->line, set_name_of(r, a));
}

static bool overlap_matters(const struct rules *r, const struct entry *e, const struct entry *a)
{
	if (e->set >= 0 && a->set >= 0)
		return e->set == a->set || (r->sets[e->set].in_force && r->sets[a->set].in_force);
	if (e->set < 0 && a->set < 0)
		return true;
	if (e->set < 0)
		return r->sets[a->set].in_force;
	return false; /* an allowed prefix inside an exception is carved out of it */
}

/* Sorted by address then length, prefixes nest like intervals: a stack of
 * the enclosing prefixes gives every prefix's ancestors in one pass. */
int rules_check_overlaps(struct rules *r, struct diag *diag)
{
	const struct entry **idx = malloc((r->n_entries + 1) * sizeof(*idx));
	const struct entry *stack[129 + 1];
	size_t depth = 0;

	if (!idx)
		return -1;
	for (size_t i = 0; i < r->n_entries; i++)
		idx[i] = &r->entries[i];
	qsort(idx, r->n_entries, sizeof(*idx), order_cmp);
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct entry *e = idx[i];
		while (depth > 0 && !rules_prefix_contains(stack[depth - 1], e))
			depth--;
		for (size_t j = depth; j > 0; j--) {
			const struct entry *a = stack[j - 1];
			if (overlap_matters(r, e, a)) {
				warn_overlap(diag, r, e, a);
				break;
			}
		}
		/* equal prefixes stack too; the depth stays bounded by keeping one */
		if (depth > 0 && entry_cmp(stack[depth - 1], e) == 0)
			continue;
		if (depth < sizeof(stack) / sizeof(stack[0]))
			stack[depth++] = e;
	}
	free(idx);
	return 0;
}

/* ---- normalised output and digest ---------------------------------------- */

static void put_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

int rules_u16_cmp(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (x > y) - (x < y);
}

int rules_addr_qcmp(const void *a, const void *b)
{
	return addr_compare(a, b);
}

/* Merged `use` and `server` lists may be longer than any line the parser
 * reads (many files, many lines): start a new directive before an item that
 * would not fit. Lines that fit are left as they were, so their digests do
 * not change. Returns the width of the current line after the item. */
static size_t wrap_list(FILE *out, const char *keyword, size_t width, size_t item)
{
	if (width + 1 + item > LW_RULES_LINE_MAX) {
		fprintf(out, "\n%s", keyword);
		width = strlen(keyword);
	}
	return width + 1 + item;
}

void rules_write_rules(const struct rules *r, FILE *out, bool origin)
{
	char pfx[LW_ADDR_STRLEN + 8];
	long cur = -2;
	bool first_use = true;

	size_t width = 0;

	fputs("port", out);
	for (unsigned i = 0; i < r->n_ports; i++)
		fprintf(out, " %u", r->ports[i]);
	fputc('\n', out);
	if (r->server_any)
		fputs("server any\n", out);
	if (r->n_servers) {
		char a[LW_ADDR_STRLEN];

		fputs("server", out);
		width = strlen("server");
		for (size_t i = 0; i < r->n_servers; i++) {
			addr_format(&r->servers[i], a, sizeof(a));
			width = wrap_list(out, "server", width, strlen(a));
			fprintf(out, " %s", a);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->n_order; i++) {
		const struct entry *e = &r->entries[r->order[i]];
		rules_format_prefix(&e->net, e->plen, pfx, sizeof(pfx));
		if (e->set < 0) {
			fprintf(out, "%s %s %s", e->probe ? "probe" : "exception", pfx, e->label);
			if (e->comment) {
				fputc(' ', out);
				put_quoted(out, e->comment);
			}
		} else {
			if (e->set != cur) {
				if (cur >= 0)
					fputs("}\n", out);
				fprintf(out, "set %s {\n", r->sets[e->set].name);
				cur = e->set;
			}
			fprintf(out, "\t%s", pfx);
		}
		if (origin)
			fprintf(out, "\t# %s:%u", e->file, e->line);
		fputc('\n', out);
	}
	if (cur >= 0)
		fputs("}\n", out);
	/* empty sets in force have no entries to open them */
	for (size_t i = 0; i < r->n_sets; i++)
		if (r->sets[i].in_force && r->sets[i].count == 0)
			fprintf(out, "set %s {\n}\n", r->sets[i].name);
	for (size_t i = 0; i < r->n_sets; i++) {
		if (!r->sets[i].in_force)
			continue;
		if (first_use) {
			fputs("use", out);
			width = strlen("use");
		}
		width = wrap_list(out, "use", width, strlen(r->sets[i].name));
		fprintf(out, " %s", r->sets[i].name);
		first_use = false;
	}
	if (!first_use)
		fputc('\n', out);
}

int rules_compute_digest(struct rules *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */

	if (!mem)
		return -1;
	rules_write_rules(r, mem, false);
	if (fclose(mem) != 0) {
		free(text);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ULL; /* FNV-1a 64 prime */
	}
	free(text);
	snprintf(r->digest, sizeof(r->digest), "%016llx", (unsigned long long)h);
	return 0;
}
