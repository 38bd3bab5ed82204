/* probe/: `lockwatch probe`, the lockdown test from outside (DESIGN.md
 * section 11). The engine connects to a target (tcp_connect.c), speaks the
 * SMTP dialogue (smtp_dialog.c), checks a domain's MX records (mx_check.c),
 * judges (judge.c) and renders (probe_text.c, probe_json.c). This header
 * holds what they share: the result of one target and the bounds.
 * probe/ may include common/, rules/, analyzer/ (verdict names), render/
 * (the JSON writer) and dns/; never cli/ or daemon/. */
#ifndef LW_PROBE_H
#define LW_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/verdict.h"
#include "common/addr.h"

#define PROBE_REPLY_TEXT_MAX 256  /* bytes of a reply's text kept (lines joined) */
#define PROBE_LINE_MAX	     1024 /* bytes of one reply line read; RFC 5321 4.5.3.1.5: 512 */
#define PROBE_REPLY_LINES    64	  /* lines of one multi-line reply before it is garbage */
#define PROBE_REPLIES_MAX    8	  /* banner, EHLO, HELO, MAIL, RCPT, DATA, end, QUIT */
#define PROBE_REASON_MAX     256
#define PROBE_NAME_MAX	     256
#define PROBE_TIMEOUT_S	     10 /* TCP connect timeout by default */

enum probe_tcp {
	PROBE_TCP_ACCEPTED = 0, /* the handshake completed */
	PROBE_TCP_REFUSED,	/* a RST */
	PROBE_TCP_REJECTED,	/* an ICMP/ICMPv6 unreachable */
	PROBE_TCP_UNANSWERED,	/* nothing before the timeout */
	PROBE_TCP_LOCAL,	/* this host refused to send (EPERM: its own firewall) */
	PROBE_TCP_ERROR,	/* no route, bad --source, ...: said in detail */
};
/* "accepted", "refused", "rejected", "unanswered", "local_firewall", "error" */
const char *probe_tcp_name(enum probe_tcp t);

/* How far the SMTP dialogue got: the last stage whose reply was read. */
enum probe_stage {
	PROBE_STAGE_NONE = 0, /* not tried */
	PROBE_STAGE_BANNER,
	PROBE_STAGE_EHLO,
	PROBE_STAGE_MAIL,
	PROBE_STAGE_RCPT,
	PROBE_STAGE_DATA,
	PROBE_STAGE_MESSAGE, /* the reply to the message's end */
};
/* "none", "banner", "ehlo", "mail", "rcpt", "data", "message" */
const char *probe_stage_name(enum probe_stage s);

/* How the dialogue ended when it did not end in a reply. */
enum probe_end {
	PROBE_END_REPLY = 0, /* the last reply read decided */
	PROBE_END_TIMEOUT,   /* the server stalled past the stage's timeout */
	PROBE_END_CLOSED,    /* the server closed the connection */
	PROBE_END_GARBAGE,   /* something that is not an SMTP reply */
	PROBE_END_IOERR,     /* a socket error */
};

struct probe_reply {
	enum probe_stage stage;		 /* the command it answered (BANNER for the greeting) */
	const char *command;		 /* "banner", "EHLO", "HELO", "MAIL FROM", ... */
	unsigned code;			 /* 200..599 */
	char enhanced[16];		 /* "5.7.1" or "" (RFC 3463) */
	char text[PROBE_REPLY_TEXT_MAX]; /* lines joined by " ", cut to the bound */
};

struct probe_target {
	char name[PROBE_NAME_MAX]; /* as given (host name or address) */
	struct lw_addr addr;
	uint16_t port;
	enum probe_tcp tcp;
	char tcp_detail[160]; /* "ICMP type 3 code 3 from 192.0.2.25", errno text, ... */
	enum probe_stage stage;
	enum probe_end end;
	char end_detail[128];
	bool sent; /* a message was accepted by the server */
	struct probe_reply replies[PROBE_REPLIES_MAX];
	size_t n_replies;
	enum verdict verdict;
	char reason[PROBE_REASON_MAX];
	int decided; /* index of the reply that decided, -1 when none did */
};

#endif
