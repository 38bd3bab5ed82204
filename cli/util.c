/* Helpers shared by the subcommands: error lines and flag parsing. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"

const char *lw_progname = "lockwatch";

void lw_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", lw_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int parse_uint_flag(const char *flag, const char *text, unsigned long long min,
		    unsigned long long max, unsigned long long *ret)
{
	char *end;

	if (!text || !*text) {
		lw_error("%s: missing value (expected a number from %llu to %llu)", flag, min, max);
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (*end != '\0' || text[0] == '-' || text[0] == '+' || text[0] == ' ') {
		lw_error("%s: '%s' is not a number (expected %llu to %llu)", flag, text, min, max);
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		lw_error("%s: %s is out of range (expected %llu to %llu)", flag, text, min, max);
		return -1;
	}
	*ret = v;
	return 0;
}
