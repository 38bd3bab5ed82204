/* journal/: the journal writer. It carries an alert, already rendered as
 * journal fields by the policy (analyzer/alert.c, alert_render()), out:
 * one sd_journal_sendv() per alert, or one line on standard error when the
 * journal is absent or refuses it. It decides nothing about which alerts
 * go out. It may include common/, sensor/, rules/, analyzer/ and
 * libsystemd. */
#include "config.h"

#include "journal/journal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

int alert_journal_send(const struct alert_text *t)
{
	struct iovec iov[ALERT_FIELDS_MAX];
	struct stat st;

	/* sd_journal_sendv() reports success when the socket is missing ("fail
	 * silently if the journal is not available"): look first, so an alert
	 * is never lost without a trace. */
	if (stat(ALERT_JOURNAL_SOCKET, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;

	for (size_t i = 0; i < t->n; i++) {
		iov[i].iov_base = (void *)(uintptr_t)t->field[i];
		iov[i].iov_len = t->len[i];
	}
	return sd_journal_sendv(iov, (int)t->n);
}

/* Values are attacker-influenced (HELO names): anything a shell-word
 * reader would split or misread is quoted, control bytes escaped, so one
 * alert stays one line. */
static void write_value(FILE *f, const char *v, size_t len)
{
	bool quote = len == 0;

	for (size_t i = 0; i < len && !quote; i++) {
		unsigned char c = (unsigned char)v[i];
		quote = c <= ' ' || c == '"' || c == '\\' || c == '\'' || c >= 0x7f;
	}
	if (!quote) {
		fwrite(v, 1, len, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < ' ' || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void alert_stderr_write(FILE *f, const struct alert_text *t)
{
	const char *message = NULL;
	size_t message_len = 0;

	fputs("lockwatchd:", f);
	for (size_t i = 0; i < t->n; i++) {
		const char *eq = memchr(t->field[i], '=', t->len[i]);
		if (!eq)
			continue;
		size_t klen = (size_t)(eq - t->field[i]);
		if (klen == 7 && memcmp(t->field[i], "MESSAGE", 7) == 0) {
			message = eq + 1;
			message_len = t->len[i] - klen - 1;
			continue;
		}
		fputc(' ', f);
		fwrite(t->field[i], 1, klen + 1, f);
		write_value(f, eq + 1, t->len[i] - klen - 1);
	}
	if (message) {
		fputs(" MESSAGE=", f);
		write_value(f, message, message_len);
	}
	fputc('\n', f);
	fflush(f);
}

int alert_journal_sink_emit(const struct alert *a, const struct alert_text *t, void *userdata)
{
	struct journal_sink *js = userdata;
	FILE *f = js->fallback ? js->fallback : stderr;
	int r = alert_journal_send(t);

	(void)a;
	if (r >= 0) {
		if (js->failing)
			fprintf(f, "lockwatchd: the journal accepts alerts again\n");
		js->failing = false;
		js->sent++;
		return 0;
	}
	if (!js->failing)
		fprintf(f, "lockwatchd: journal unavailable (%s): alerts go to standard error\n",
			strerror(-r));
	js->failing = true;
	js->fell_back++;
	alert_stderr_write(f, t);
	return ferror(f) ? -EIO : 0;
}

int alert_stderr_sink_emit(const struct alert *a, const struct alert_text *t, void *userdata)
{
	FILE *f = userdata ? userdata : stderr;

	(void)a;
	alert_stderr_write(f, t);
	return ferror(f) ? -EIO : 0;
}
