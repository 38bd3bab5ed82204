/* The probe's SMTP dialogue (RFC 5321): banner, EHLO (HELO on 500/502),
 * MAIL FROM, RCPT TO, with --send DATA and one small test message, then
 * QUIT. Every stage has its own timeout (RFC 5321 4.5.3.2), replies may be
 * multi-line, every reply's text is cut to a bound; a stall, an early close
 * or garbage ends the dialogue with a clear result, never a hang. The reply
 * parser is pure code, unit-tested on its own. */
#ifndef LW_PROBE_SMTP_DIALOG_H
#define LW_PROBE_SMTP_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "probe/probe.h"

/* RFC 5321 4.5.3.2 timeouts, seconds */
#define SMTP_TIMEOUT_BANNER_S 300
#define SMTP_TIMEOUT_MAIL_S   300
#define SMTP_TIMEOUT_RCPT_S   300
#define SMTP_TIMEOUT_DATA_S   120
#define SMTP_TIMEOUT_END_S    600
#define SMTP_TIMEOUT_QUIT_S   5 /* nothing hangs on QUIT's answer */

struct smtp_params {
	const char *helo;      /* fully qualified */
	const char *mail_from; /* "" for the null sender */
	const char *rcpt;      /* NULL: the dialogue stops after MAIL FROM */
	bool send;
	const char *token;    /* in the subject, body and Message-ID */
	unsigned stage_cap_s; /* 0: the RFC values; else no stage waits longer */
};

/* One reply being read, line by line. */
struct smtp_reply_acc {
	unsigned code;
	size_t lines;
	size_t text_len;
	bool done;
	struct probe_reply *out;
};
void smtp_reply_begin(struct smtp_reply_acc *acc, struct probe_reply *out);
/* Feeds one line without its CR LF. Returns 1 when the reply is complete,
 * 0 when more lines follow, -1 when the line is not an SMTP reply line (a
 * three-digit code 200..599 then ' ', '-' or the end; the same code on
 * every line; at most PROBE_REPLY_LINES lines). */
int smtp_reply_line(struct smtp_reply_acc *acc, const char *line, size_t len);
/* The RFC 3463 enhanced status code at the start of text when its class
 * matches the reply code's first digit ("5.7.1"), else "". */
void smtp_enhanced(unsigned code, const char *text, char *buf, size_t len);

/* Runs the dialogue on a connected socket (closes nothing). Fills
 * t->replies, t->stage, t->end, t->end_detail, t->sent. */
void smtp_dialog_run(int fd, const struct smtp_params *p, struct probe_target *t);

#endif
