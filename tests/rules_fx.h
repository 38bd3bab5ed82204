/* What the rules tests share: an address from text, rules loaded from a
 * string, and a look for one diagnostic. Include after cmocka.h. */
#ifndef LW_TESTS_RULES_FX_H
#define LW_TESTS_RULES_FX_H

#include <stdbool.h>
#include <string.h>

#include "common/addr.h"
#include "common/diag.h"
#include "rules/rules.h"

static inline struct lw_addr A(const char *text) {
	struct lw_addr a;

	assert_int_equal(addr_parse(text, &a), 0);
	return a;
}

/* Loads text and returns the rules (possibly NULL); diag is left filled. */
static inline struct rules *
load(const char *text, struct diag *d)
{
	diag_init(d);
	return rules_load_string("t.rules", text, d);
}

static inline bool has_msg(const struct diag *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->msgs[i].text, text) == 0)
			return true;
	return false;
}

#endif
