/* Parsing of the Redis store's URL (see redis_url.h). Strict: anything not
 * understood is an error that names the URL, so a typo never connects to
 * a default server silently. */
#include "config.h"

#include "redis/redis_url.h"

#include "common/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 4))) static int fail(char **reterr_msg, const char *url,
						      const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (reterr_msg) {
		/* the URL is quoted escaped (a control byte takes 4), so the
		 * message stays one line whatever was typed */
		size_t qlen = strlen(url) * 4 + 1;
		size_t len = qlen + strlen(what) + 64;
		char *quoted = malloc(qlen);
		*reterr_msg = quoted ? malloc(len) : NULL;
		if (*reterr_msg)
			snprintf(*reterr_msg, len, "redis URL '%s': %s",
				 diag_escape(url, quoted, qlen), what);
		free(quoted);
	}
	return -1;
}

static int parse_num(const char *s, size_t len, long max, long *ret)
{
	char buf[16], *end;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (*end || errno || v > max)
		return -1;
	*ret = v;
	return 0;
}

static int copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return -1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

static int parse_unix(const char *url, struct redis_url *u, char **reterr_msg)
{
	const char *p = url + strlen("unix:");
	const char *q = strchr(p, '?');
	size_t plen = q ? (size_t)(q - p) : strlen(p);
	long v;

	u->is_unix = true;
	if (plen == 0 || p[0] != '/')
		return fail(reterr_msg, url,
			    "expected an absolute socket path: unix:/path/to/redis.sock");
	if (copy(u->path, sizeof(u->path), p, plen) < 0)
		return fail(reterr_msg, url, "socket path longer than %zu bytes",
			    sizeof(u->path) - 1);
	while (q && *q) {
		const char *k = q + 1, *amp = strchr(k, '&');
		size_t len = amp ? (size_t)(amp - k) : strlen(k);
		if (len > 3 && strncmp(k, "db=", 3) == 0) {
			if (parse_num(k + 3, len - 3, REDIS_DB_MAX, &v) < 0)
				return fail(reterr_msg, url, "db must be a number from 0 to %d",
					    REDIS_DB_MAX);
			u->db = (int)v;
		} else if (len > 5 && strncmp(k, "user=", 5) == 0) {
			if (copy(u->user, sizeof(u->user), k + 5, len - 5) < 0)
				return fail(reterr_msg, url, "user name too long");
		} else if (len > 9 && strncmp(k, "password=", 9) == 0) {
			return fail(reterr_msg, url,
				    "a password does not belong in the URL (ps shows it); use "
				    "--redis-password-file or LOCKWATCH_REDIS_PASSWORD");
		} else {
			return fail(reterr_msg, url, "unknown parameter '%.*s' (db=N, user=NAME)",
				    (int)len, k);
		}
		q = amp;
	}
	return 0;
}

static int parse_tcp(const char *url, struct redis_url *u, char **reterr_msg)
{
	const char *p = url + strlen("redis://");
	const char *slash = strchr(p, '/');
	const char *end = slash ? slash : p + strlen(p);
	const char *at = memchr(p, '@', (size_t)(end - p));
	long v;

	u->port = REDIS_DEFAULT_PORT;
	if (at) {
		if (memchr(p, ':', (size_t)(at - p)))
			return fail(reterr_msg, url,
				    "a password does not belong in the URL (ps shows it); use "
				    "--redis-password-file or LOCKWATCH_REDIS_PASSWORD");
		if (at == p || copy(u->user, sizeof(u->user), p, (size_t)(at - p)) < 0)
			return fail(reterr_msg, url, "bad user name before '@'");
		p = at + 1;
	}
	const char *hend, *port = NULL;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return fail(reterr_msg, url, "IPv6 address without its closing ']'");
		if (copy(u->host, sizeof(u->host), p + 1, (size_t)(rb - p - 1)) < 0 || rb == p + 1)
			return fail(reterr_msg, url, "bad IPv6 address");
		hend = rb + 1;
		if (hend < end && *hend != ':')
			return fail(reterr_msg, url, "unexpected text after ']'");
		if (hend < end)
			port = hend + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		hend = colon ? colon : end;
		if (hend == p || copy(u->host, sizeof(u->host), p, (size_t)(hend - p)) < 0)
			return fail(reterr_msg, url, "missing or overlong host name");
		if (colon)
			port = colon + 1;
	}
	if (port && (parse_num(port, (size_t)(end - port), 65535, &v) < 0 || v == 0))
		return fail(reterr_msg, url, "port must be a number from 1 to 65535");
	if (port)
		u->port = (int)v;
	if (slash && slash[1]) {
		if (parse_num(slash + 1, strlen(slash + 1), REDIS_DB_MAX, &v) < 0)
			return fail(reterr_msg, url, "database must be a number from 0 to %d",
				    REDIS_DB_MAX);
		u->db = (int)v;
	}
	return 0;
}

int redis_url_parse(const char *url, struct redis_url *ret, char **reterr_msg)
{
	if (reterr_msg)
		*reterr_msg = NULL;
	memset(ret, 0, sizeof(*ret));
	if (!url || !*url)
		return fail(reterr_msg, url ? url : "", "empty");
	/* no URL holds a control byte (RFC 3986 2); one in a host or path
	 * would reach every message that names the server */
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(reterr_msg, url, "control character in the URL");
	if (strncmp(url, "unix:", 5) == 0)
		return parse_unix(url, ret, reterr_msg);
	if (strncmp(url, "redis://", 8) == 0)
		return parse_tcp(url, ret, reterr_msg);
	return fail(reterr_msg, url,
		    "expected redis://[USER@]HOST[:PORT][/DB] or unix:/PATH[?db=N][&user=USER]");
}

const char *redis_url_where(const struct redis_url *u, char *buf, size_t len)
{
	if (u->is_unix)
		snprintf(buf, len, "unix:%s", u->path);
	else if (strchr(u->host, ':'))
		snprintf(buf, len, "[%s]:%d", u->host, u->port);
	else
		snprintf(buf, len, "%s:%d", u->host, u->port);
	return buf;
}
