/* What the SPF record parser (spf.c) and the walk over includes
 * (spf_walk.c) share. Not for use outside rules/. */
#ifndef LW_SPF_INTERNAL_H
#define LW_SPF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "rules/spf.h"

#define SPF_SHOWN_MAX 96 /* bytes of a bad term quoted in a message */

/* ASCII only: the C library's ctype functions follow the locale. */
static inline char spf_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline bool spf_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool spf_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool spf_ieq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (spf_lower(a[i]) != spf_lower(b[i]))
			return false;
	return true;
}

/* A term as it may be printed: a published record can hold any byte, and
 * it must not reach a terminal or a log raw. */
const char *spf_shown(const char *s, char *buf, size_t len);
/* spf_prefix_cmp for qsort. */
int spf_prefix_qcmp(const void *a, const void *b);
/* Checks a domain-spec. Returns 1 and the lower-case name without its
 * trailing dot in buf, 0 when it holds macros (which need the connecting
 * client's data and cannot be followed), -1 when malformed. */
int spf_domain_check(const char *s, char *buf, size_t len);

#endif
