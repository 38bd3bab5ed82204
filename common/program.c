/* The program's name and its error lines on stderr (common/program.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/program.h"

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
