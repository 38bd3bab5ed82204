/* The probe's SMTP dialogue and its reply parser (see smtp_dialog.h). */
#include "config.h"

#include "probe/smtp_dialog.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

void smtp_reply_begin(struct smtp_reply_acc *acc, struct probe_reply *out)
{
	memset(acc, 0, sizeof(*acc));
	acc->out = out;
	out->code = 0;
	out->enhanced[0] = '\0';
	out->text[0] = '\0';
}

static void append_text(struct smtp_reply_acc *acc, const char *s, size_t n)
{
	char *t = acc->out->text;
	size_t room = PROBE_REPLY_TEXT_MAX - 1;

	if (acc->text_len > 0 && acc->text_len < room)
		t[acc->text_len++] = ' ';
	for (size_t i = 0; i < n && acc->text_len < room; i++) {
		unsigned char c = (unsigned char)s[i];
		t[acc->text_len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	t[acc->text_len] = '\0';
}

int smtp_reply_line(struct smtp_reply_acc *acc, const char *line, size_t len)
{
	if (acc->done || len < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]))
		return -1;
	unsigned code = (unsigned)(line[0] - '0') * 100 + (unsigned)(line[1] - '0') * 10 +
			(unsigned)(line[2] - '0');
	if (code < 200 || code > 599)
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	if (acc->lines > 0 && code != acc->code)
		return -1;
	if (++acc->lines > PROBE_REPLY_LINES)
		return -1;
	acc->code = code;
	const char *text = len > 4 ? line + 4 : "";
	size_t tlen = len > 4 ? len - 4 : 0;
	if (acc->lines == 1) {
		char tbuf[32];
		size_t n = tlen < sizeof(tbuf) - 1 ? tlen : sizeof(tbuf) - 1;
		memcpy(tbuf, text, n);
		tbuf[n] = '\0';
		smtp_enhanced(code, tbuf, acc->out->enhanced, sizeof(acc->out->enhanced));
	}
	append_text(acc, text, tlen);
	if (len == 3 || line[3] == ' ') {
		acc->done = true;
		acc->out->code = code;
		return 1;
	}
	return 0;
}

void smtp_enhanced(unsigned code, const char *text, char *buf, size_t len)
{
	const char *p = text;

	buf[0] = '\0';
	if (*p != (char)('0' + code / 100) || p[1] != '.')
		return;
	p += 2;
	for (int part = 0; part < 2; part++) {
		int n = 0;
		while (is_digit(*p) && n < 4) {
			p++;
			n++;
		}
		if (n == 0 || n > 3 || (part == 0 && *p != '.'))
			return;
		if (part == 0)
			p++;
	}
	if (*p != '\0' && *p != ' ')
		return;
	size_t n = (size_t)(p - text);
	if (n >= len)
		return;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

/* ---- the connection ------------------------------------------------------ */

struct conn {
	int fd;
	char buf[PROBE_LINE_MAX * 2];
	size_t len;
	struct probe_target *t;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int end(struct conn *c, enum probe_end e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int end(struct conn *c, enum probe_end e, const char *fmt, ...)
{
	va_list ap;

	c->t->end = e;
	va_start(ap, fmt);
	vsnprintf(c->t->end_detail, sizeof(c->t->end_detail), fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads one line (without CR LF, cut to PROBE_LINE_MAX) before deadline. */
static int read_line(struct conn *c, long long deadline, char *line, size_t *ret_len,
		     const char *what)
{
	bool cut = false;
	size_t out = 0;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		size_t take = nl ? (size_t)(nl - c->buf) : c->len;
		size_t room = PROBE_LINE_MAX - out;
		size_t n = take < room ? take : room;
		memcpy(line + out, c->buf, n);
		out += n;
		cut = cut || take > n;
		size_t used = nl ? take + 1 : take;
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		if (nl) {
			if (out > 0 && line[out - 1] == '\r')
				out--;
			*ret_len = out;
			return 0;
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			return end(c, PROBE_END_TIMEOUT,
				   "no complete reply to %s before the timeout", what);
		struct pollfd p = {c->fd, POLLIN, 0};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return end(c, PROBE_END_TIMEOUT,
				   "no complete reply to %s before the timeout", what);
		ssize_t got = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (got == 0)
			return end(c, PROBE_END_CLOSED,
				   "the server closed the connection (after %s)", what);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return end(c, PROBE_END_IOERR, "read error: %s", strerror(errno));
		}
		c->len = (size_t)got;
	}
}

/* Reads one whole reply to `what` into the next slot. 0 or -1 (t->end set). */
static int read_reply(struct conn *c, enum probe_stage st, const char *what, unsigned timeout_s)
{
	struct probe_target *t = c->t;
	struct smtp_reply_acc acc;
	char line[PROBE_LINE_MAX + 1];
	long long deadline = now_ms() + (long long)timeout_s * 1000;

	if (t->n_replies == PROBE_REPLIES_MAX)
		return end(c, PROBE_END_GARBAGE, "too many replies (%s)", what);
	struct probe_reply *r = &t->replies[t->n_replies];
	smtp_reply_begin(&acc, r);
	r->stage = st;
	r->command = what;
	for (;;) {
		size_t n;
		if (read_line(c, deadline, line, &n, what) < 0)
			return -1;
		line[n] = '\0';
		int rc = smtp_reply_line(&acc, line, n);
		if (rc < 0) {
			char shown[48];
			size_t k = 0;
			for (size_t i = 0; i < n && k < sizeof(shown) - 1; i++)
				shown[k++] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
			shown[k] = '\0';
			return end(c, PROBE_END_GARBAGE, "not an SMTP reply: \"%s\"", shown);
		}
		if (rc == 1)
			break;
	}
	t->n_replies++;
	t->stage = st;
	return 0;
}

static int send_all(struct conn *c, const char *s, size_t n, unsigned timeout_s)
{
	long long deadline = now_ms() + (long long)timeout_s * 1000;

	while (n > 0) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return end(c,
				   errno == EPIPE || errno == ECONNRESET ? PROBE_END_CLOSED
									 : PROBE_END_IOERR,
				   "write error: %s", strerror(errno));
		long long left = deadline - now_ms();
		struct pollfd p = {c->fd, POLLOUT, 0};
		if (left <= 0 || poll(&p, 1, (int)left) == 0)
			return end(c, PROBE_END_TIMEOUT, "%s", "the server stopped reading");
	}
	return 0;
}

static unsigned cap(const struct smtp_params *p, unsigned s)
{
	return p->stage_cap_s && p->stage_cap_s < s ? p->stage_cap_s : s;
}

/* Sends a command and reads its reply. */
static int command(struct conn *c, const struct smtp_params *p, enum probe_stage st,
		   const char *what, const char *line, unsigned timeout_s)
{
	char buf[PROBE_NAME_MAX * 2 + 32];

	int n = snprintf(buf, sizeof(buf), "%s\r\n", line);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return end(c, PROBE_END_IOERR, "%s: command too long", what);
	if (send_all(c, buf, (size_t)n, cap(p, timeout_s)) < 0)
		return -1;
	return read_reply(c, st, what, cap(p, timeout_s));
}

static unsigned last_code(const struct probe_target *t)
{
	return t->n_replies ? t->replies[t->n_replies - 1].code : 0;
}

static int send_message(struct conn *c, const struct smtp_params *p)
{
	char date[64], msg[1024];
	time_t now = time(NULL);
	struct tm tm;
	const char *dom = strchr(p->helo, '.');

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	int n = snprintf(msg, sizeof(msg),
			 "Date: %s\r\n"
			 "From: <%s>\r\n"
			 "To: <%s>\r\n"
			 "Subject: lockwatch probe %s: lockdown test, please ignore\r\n"
			 "Message-ID: <lockwatch-probe-%s.%lld@%s>\r\n"
			 "\r\n"
			 "This message is a lockdown test sent by lockwatch probe (token %s).\r\n"
			 "It reached this mailbox from outside the mail gateway: the\r\n"
			 "server accepts mail that does not come through the gateway.\r\n"
			 ".\r\n",
			 date, p->mail_from, p->rcpt, p->token, p->token, (long long)now,
			 dom ? dom + 1 : p->helo, p->token);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return end(c, PROBE_END_IOERR, "%s", "test message too long");
	if (send_all(c, msg, (size_t)n, cap(p, SMTP_TIMEOUT_END_S)) < 0)
		return -1;
	return read_reply(c, PROBE_STAGE_MESSAGE, "end of data", cap(p, SMTP_TIMEOUT_END_S));
}

void smtp_dialog_run(int fd, const struct smtp_params *p, struct probe_target *t)
{
	static struct conn c; /* 2 KiB of buffer off the stack; the probe is one thread */
	char line[PROBE_NAME_MAX + 32];

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.t = t;
	t->end = PROBE_END_REPLY;
	if (read_reply(&c, PROBE_STAGE_BANNER, "banner", cap(p, SMTP_TIMEOUT_BANNER_S)) < 0)
		return;
	if (last_code(t) / 100 != 2)
		goto quit;
	snprintf(line, sizeof(line), "EHLO %s", p->helo);
	if (command(&c, p, PROBE_STAGE_EHLO, "EHLO", line, SMTP_TIMEOUT_MAIL_S) < 0)
		return;
	if (last_code(t) == 500 || last_code(t) == 502) {
		snprintf(line, sizeof(line), "HELO %s", p->helo);
		if (command(&c, p, PROBE_STAGE_EHLO, "HELO", line, SMTP_TIMEOUT_MAIL_S) < 0)
			return;
	}
	if (last_code(t) / 100 != 2)
		goto quit;
	snprintf(line, sizeof(line), "MAIL FROM:<%s>", p->mail_from);
	if (command(&c, p, PROBE_STAGE_MAIL, "MAIL FROM", line, SMTP_TIMEOUT_MAIL_S) < 0)
		return;
	if (last_code(t) / 100 != 2 || !p->rcpt)
		goto quit;
	snprintf(line, sizeof(line), "RCPT TO:<%s>", p->rcpt);
	if (command(&c, p, PROBE_STAGE_RCPT, "RCPT TO", line, SMTP_TIMEOUT_RCPT_S) < 0)
		return;
	if (last_code(t) / 100 != 2 || !p->send)
		goto quit;
	if (command(&c, p, PROBE_STAGE_DATA, "DATA", "DATA", SMTP_TIMEOUT_DATA_S) < 0)
		return;
	if (last_code(t) != 354)
		goto quit;
	if (send_message(&c, p) < 0)
		return;
	t->sent = last_code(t) / 100 == 2;
quit:
	/* QUIT's own answer decides nothing: sent, and read briefly so the
	 * server logs a clean end */
	if (send_all(&c, "QUIT\r\n", 6, SMTP_TIMEOUT_QUIT_S) == 0) {
		char l[PROBE_LINE_MAX + 1];
		size_t n;
		(void)read_line(&c, now_ms() + SMTP_TIMEOUT_QUIT_S * 1000, l, &n, "QUIT");
	}
	t->end = PROBE_END_REPLY;
	t->end_detail[0] = '\0';
}
