/* The probe's TCP connect and its outcome (see tcp_connect.h). */
#include "config.h"

#include "probe/tcp_connect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

socklen_t probe_sockaddr(const struct lw_addr *a, uint16_t port, struct sockaddr_storage *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (a->family == LW_AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ret;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->bytes, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ret;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->bytes, 16);
	return sizeof(*s6);
}

/* true when the ICMP message came from this socket's own address: this
 * host's output firewall rejected the SYN (nftables `reject` in an output
 * chain answers locally), not the target. */
static bool from_self(int fd, const struct sockaddr_storage *off)
{
	struct sockaddr_storage me;
	socklen_t len = sizeof(me);

	if (getsockname(fd, (struct sockaddr *)&me, &len) < 0 || me.ss_family != off->ss_family)
		return false;
	if (off->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)off)->sin_addr,
			      &((struct sockaddr_in *)&me)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)off)->sin6_addr,
		      &((struct sockaddr_in6 *)&me)->sin6_addr, 16) == 0;
}

/* The ICMP report the kernel queued for this socket, if any: 1 and the
 * detail written (2 when it came from this host itself), 0 when the queue
 * holds none. */
static int read_icmp(int fd, struct probe_target *t)
{
	char cbuf[512];
	char dummy[1];
	struct iovec iov = {dummy, sizeof(dummy)};
	struct msghdr msg = {0};

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
		bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
		if (!v4 && !v6)
			continue;
		struct sock_extended_err ee;
		if (c->cmsg_len < CMSG_LEN(sizeof(ee)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
			continue;
		char from[LW_ADDR_STRLEN] = "?";
		struct sockaddr_storage off;
		size_t avail = c->cmsg_len - CMSG_LEN(sizeof(ee));
		const unsigned char *op = CMSG_DATA(c) + sizeof(ee);
		memset(&off, 0, sizeof(off));
		memcpy(&off, op, avail < sizeof(off) ? avail : sizeof(off));
		if (off.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&off)->sin_addr, from,
				  sizeof(from));
		else if (off.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&off)->sin6_addr, from,
				  sizeof(from));
		snprintf(t->tcp_detail, sizeof(t->tcp_detail), "%s type %u code %u from %s",
			 ee.ee_origin == SO_EE_ORIGIN_ICMP ? "ICMP" : "ICMPv6", ee.ee_type,
			 ee.ee_code, from);
		return from_self(fd, &off) ? 2 : 1;
	}
	return 0;
}

/* Sorts a failed connect out; e is its errno. */
static void classify(int fd, int e, struct probe_target *t)
{
	int icmp = read_icmp(fd, t);
	if (icmp == 2) {
		char d[96]; /* "ICMPv6 type 1 code 4 from " and an IPv6 address */
		memcpy(d, t->tcp_detail, sizeof(d) - 1);
		d[sizeof(d) - 1] = '\0';
		t->tcp = PROBE_TCP_LOCAL;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail),
			 "this host's own firewall rejected the SYN (%s)", d);
		return;
	}
	if (icmp == 1) {
		t->tcp = PROBE_TCP_REJECTED;
		return;
	}
	switch (e) {
	case ECONNREFUSED:
		t->tcp = PROBE_TCP_REFUSED;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail), "TCP reset");
		return;
	case ETIMEDOUT:
		t->tcp = PROBE_TCP_UNANSWERED;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail), "no answer (the kernel gave up)");
		return;
	case EPERM:
	case EACCES:
		t->tcp = PROBE_TCP_LOCAL;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail),
			 "this host's own firewall refused to send the SYN (%s)", strerror(e));
		return;
	default:
		t->tcp = PROBE_TCP_ERROR;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail), "%s", strerror(e));
	}
}

int probe_tcp_connect(struct probe_target *t, const struct lw_addr *source, unsigned timeout_ms)
{
	struct sockaddr_storage sa;
	socklen_t slen = probe_sockaddr(&t->addr, t->port, &sa);
	int on = 1;

	int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		t->tcp = PROBE_TCP_ERROR;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail), "socket: %s", strerror(errno));
		return -1;
	}
	if (sa.ss_family == AF_INET)
		(void)setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on));
	else
		(void)setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
	if (source) {
		struct sockaddr_storage ss;
		char a[LW_ADDR_STRLEN];
		if (source->family != t->addr.family) {
			t->tcp = PROBE_TCP_ERROR;
			snprintf(t->tcp_detail, sizeof(t->tcp_detail),
				 "--source %s is not of this address's family",
				 addr_format(source, a, sizeof(a)));
			close(fd);
			return -1;
		}
		socklen_t sl = probe_sockaddr(source, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			t->tcp = PROBE_TCP_ERROR;
			snprintf(t->tcp_detail, sizeof(t->tcp_detail),
				 "cannot bind --source %s: %s", addr_format(source, a, sizeof(a)),
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&sa, slen) == 0) {
		t->tcp = PROBE_TCP_ACCEPTED;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail), "handshake completed");
		return fd;
	}
	if (errno != EINPROGRESS) {
		classify(fd, errno, t);
		close(fd);
		return -1;
	}
	struct pollfd p = {fd, POLLOUT, 0};
	int n;
	do
		n = poll(&p, 1, (int)timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		t->tcp = PROBE_TCP_UNANSWERED;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail), "no answer within %u ms",
			 timeout_ms);
		close(fd);
		return -1;
	}
	int e = 0;
	socklen_t el = sizeof(e);
	if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		e = errno;
	if (e == 0) {
		t->tcp = PROBE_TCP_ACCEPTED;
		snprintf(t->tcp_detail, sizeof(t->tcp_detail), "handshake completed");
		return fd;
	}
	classify(fd, e, t);
	close(fd);
	return -1;
}
