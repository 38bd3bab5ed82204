/* Diagnostics collected by parsers (rules, configuration): every message is
 * already formatted "file:line:col: error: text" and the caller decides
 * where to print them. Parsers collect all of a file's problems. */
#ifndef LW_DIAG_H
#define LW_DIAG_H

#include <stddef.h>

enum diag_severity { DIAG_WARNING, DIAG_ERROR };

struct diag_msg {
	enum diag_severity severity;
	char *text; /* "file:line:col: error: message" */
};

struct diag {
	struct diag_msg *msgs;
	size_t n, cap;
	unsigned errors, warnings;
};

void diag_init(struct diag *d);
void diag_clear(struct diag *d);
/* file may be NULL; line/col 0 are left out of the prefix. */
void diag_add(struct diag *d, enum diag_severity sev, const char *file, unsigned line, unsigned col,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* s as it may be quoted in a one-line message: control bytes (below 0x20,
 * and 0x7f) become \xNN, so what a file, a URL or a server said cannot
 * split a message or drive a terminal. Cut short to fit len; returns buf. */
const char *diag_escape(const char *s, char *buf, size_t len);

#endif
