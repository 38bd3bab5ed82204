/* Diagnostic collection for parsers (see diag.h). */
#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_clear(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	diag_init(d);
}

void diag_add(struct diag *d, enum diag_severity sev, const char *file, unsigned line, unsigned col,
	      const char *fmt, ...)
{
	char prefix[512] = "";
	char body[1024];
	va_list ap;

	if (file && line && col)
		snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", file, line, col);
	else if (file && line)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	else if (file)
		snprintf(prefix, sizeof(prefix), "%s: ", file);
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);

	if (sev == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 8;
		struct diag_msg *m = realloc(d->msgs, ncap * sizeof(*m));
		if (!m)
			return; /* counted above even when the text is lost */
		d->msgs = m;
		d->cap = ncap;
	}
	size_t len = strlen(prefix) + strlen(body) + 16;
	char *text = malloc(len);
	if (!text)
		return;
	snprintf(text, len, "%s%s: %s", prefix, sev == DIAG_ERROR ? "error" : "warning", body);
	d->msgs[d->n].severity = sev;
	d->msgs[d->n].text = text;
	d->n++;
}

const char *diag_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return buf;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f) {
			if (o + 4 >= len)
				break;
			snprintf(buf + o, len - o, "\\x%02x", c);
			o += 4;
		} else {
			if (o + 1 >= len)
				break;
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return buf;
}
