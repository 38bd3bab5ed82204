/* The journal writer (journal/journal.c): the sinks that carry an alert,
 * rendered as journal fields by analyzer/alert.h, to the journal or to
 * standard error. */
#ifndef LW_JOURNAL_H
#define LW_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/alert.h"

/* Where journald listens; libsystemd sends there. */
#define ALERT_JOURNAL_SOCKET "/run/systemd/journal/socket"

/* One sd_journal_sendv; returns its result, or -ENOENT when there is no
 * journal socket (which sd_journal_sendv itself would not report). */
int alert_journal_send(const struct alert_text *t);
/* One line "lockwatchd: KEY=value ..." with values holding blanks, quotes or
 * backslashes double-quoted (shell-word syntax), MESSAGE last. */
void alert_stderr_write(FILE *f, const struct alert_text *t);

/* The daemon's sink: the journal, or standard error when the journal is
 * absent or refuses the message. The switch is announced on stderr once
 * each way; failures are counted. */
struct journal_sink {
	FILE *fallback;
	bool failing;
	uint64_t sent, fell_back;
};
int alert_journal_sink_emit(const struct alert *a, const struct alert_text *t, void *userdata);
/* userdata: the FILE * to write to. */
int alert_stderr_sink_emit(const struct alert *a, const struct alert_text *t, void *userdata);

#endif
