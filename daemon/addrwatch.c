/* Following the capture interface's addresses (see addrwatch.h). The
 * socket joins the address groups before it asks for the dump, so no
 * change falls between the two; a change seen twice is harmless, a socket
 * that overflowed (ENOBUFS) is dumped again. */
#include "config.h"

#include "daemon/addrwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "analyzer/servers.h"
#include "common/mem.h"
#include "common/program.h"
#include "daemon/loop.h"

#define ADDRWATCH_BUF	    16384 /* bytes per recv: many messages of a dump at once */
#define ADDRWATCH_DUMP_MS   2000  /* the kernel answers a dump at once; a hang is a fault */
#define ADDRWATCH_ADDRS_MAX 4096  /* addresses kept: more is no mail host's interface */

struct addrwatch {
	int fd;
	unsigned ifindex; /* 0: every interface (capture on "any") */
	uint32_t seq;
	struct lw_addr *addrs;
	size_t n, cap;
	bool overflow; /* past ADDRWATCH_ADDRS_MAX: said once */
	sd_event_source *src;
};

int addrwatch_parse(const void *buf, size_t len, unsigned ifindex, addrwatch_fn fn, void *userdata)
{
	const struct nlmsghdr *h = buf;
	int n = (int)(len > INT32_MAX ? INT32_MAX : len);

	if (len < sizeof(*h))
		return -EBADMSG;
	for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_DONE)
			return ADDRWATCH_DONE;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			if (e->error)
				return e->error < 0 ? e->error : -e->error;
			continue; /* an acknowledgement */
		}
		if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR)
			continue;
		const struct ifaddrmsg *ifa = NLMSG_DATA(h);
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
			return -EBADMSG;
		if (ifindex && ifa->ifa_index != ifindex)
			continue;
		const struct rtattr *rta = IFA_RTA(ifa), *local = NULL, *address = NULL;
		int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
		for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
			if (rta->rta_type == IFA_LOCAL)
				local = rta;
			else if (rta->rta_type == IFA_ADDRESS)
				address = rta;
		}
		/* on a point-to-point link IFA_ADDRESS is the peer's */
		const struct rtattr *use = local ? local : address;
		struct lw_addr a;
		if (!use)
			continue;
		if (ifa->ifa_family == AF_INET && RTA_PAYLOAD(use) == 4)
			addr_set_ip4(&a, RTA_DATA(use));
		else if (ifa->ifa_family == AF_INET6 && RTA_PAYLOAD(use) == 16)
			addr_set_ip6(&a, RTA_DATA(use));
		else
			continue;
		fn(&a, h->nlmsg_type == RTM_NEWADDR, userdata);
	}
	return 0;
}

static void on_addr(const struct lw_addr *a, bool added, void *userdata)
{
	struct addrwatch *w = userdata;

	for (size_t i = 0; i < w->n; i++) {
		if (!addr_equal(&w->addrs[i], a))
			continue;
		if (!added)
			w->addrs[i] = w->addrs[--w->n];
		return;
	}
	if (!added)
		return;
	if (w->n == ADDRWATCH_ADDRS_MAX ||
	    mem_grow(&w->addrs, &w->cap, w->n + 1, sizeof(*w->addrs), 16) < 0) {
		if (!w->overflow)
			fprintf(stderr,
				"lockwatchd: too many interface addresses, or no memory: "
				"the ones past %zu are not watched\n",
				w->n);
		w->overflow = true;
		return;
	}
	w->addrs[w->n++] = *a;
}

/* Reads one datagram (waiting for it unless flags say MSG_DONTWAIT);
 * returns 0, ADDRWATCH_DONE, -EAGAIN when nothing came, or another
 * -errno. */
static int read_some(struct addrwatch *w, int flags)
{
	char buf[ADDRWATCH_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl from;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {
	    .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t len = recvmsg(w->fd, &msg, flags);

	if (len < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (from.nl_pid != 0)
		return 0; /* not the kernel's */
	return addrwatch_parse(buf, (size_t)len, w->ifindex, on_addr, w);
}

/* Asks for every address and reads until the dump ends. */
static int dump(struct addrwatch *w)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
	} req;
	int r;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.h.nlmsg_type = RTM_GETADDR;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = ++w->seq;
	req.ifa.ifa_family = AF_UNSPEC;
	w->n = 0;
	if (send(w->fd, &req, req.h.nlmsg_len, 0) < 0)
		return -errno;
	while ((r = read_some(w, 0)) == 0)
		;
	return r == ADDRWATCH_DONE ? 0 : r;
}

static void addrwatch_free(struct addrwatch *w)
{
	if (!w)
		return;
	sd_event_source_unref(w->src);
	if (w->fd >= 0)
		close(w->fd);
	free(w->addrs);
	free(w);
}

static struct addrwatch *addrwatch_open(const char *iface, char *err, size_t errlen)
{
	struct addrwatch *w = calloc(1, sizeof(*w));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR};
	struct timeval tv = {ADDRWATCH_DUMP_MS / 1000, (ADDRWATCH_DUMP_MS % 1000) * 1000};
	int r;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->fd = -1;
	w->ifindex = strcmp(iface, "any") ? if_nametoindex(iface) : 0;
	if (strcmp(iface, "any") && w->ifindex == 0) {
		snprintf(err, errlen, "%s: no such interface (%s)", iface, strerror(errno));
		goto fail;
	}
	w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (w->fd < 0 || bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		snprintf(err, errlen, "rtnetlink socket: %s", strerror(errno));
		goto fail;
	}
	if ((r = dump(w)) < 0) {
		snprintf(err, errlen, "reading the addresses of %s: %s", iface, strerror(-r));
		goto fail;
	}
	return w;
fail:
	addrwatch_free(w);
	return NULL;
}

/* Swaps in the interface's addresses as they stand, when they changed. */
static void put_in_force(struct daemon *d, bool quiet)
{
	struct addrwatch *w = d->addrwatch;
	struct servers *sv = servers_new_list(SERVERS_INTERFACE, w->addrs, w->n);

	if (!sv) {
		fprintf(stderr, "lockwatchd: out of memory: the watched addresses stay as they "
				"were\n");
		return;
	}
	if (servers_equal(sv, d->pipe->servers)) {
		servers_free(sv);
		return;
	}
	if (!quiet) { /* the first set is in lockwatchd's opening line */
		fprintf(stderr,
			"lockwatchd: the addresses of %s changed; watching %zu:", d->cfg->interface,
			sv->n);
		for (size_t i = 0; i < sv->n; i++) {
			char a[LW_ADDR_STRLEN];
			fprintf(stderr, " %s", addr_format(&sv->addr[i], a, sizeof(a)));
		}
		fputc('\n', stderr);
	}
	servers_free(pipeline_swap_servers(d->pipe, sv));
}

static int on_netlink(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;
	struct addrwatch *w = d->addrwatch;
	int r;

	(void)s;
	(void)fd;
	(void)revents;
	while ((r = read_some(w, MSG_DONTWAIT)) >= 0)
		;
	if (r == -ENOBUFS) {
		/* changes were lost: read them all again */
		r = dump(w);
		if (r < 0)
			fprintf(stderr, "lockwatchd: re-reading the addresses of %s: %s\n",
				d->cfg->interface, strerror(-r));
	} else if (r != -EAGAIN && r != -EWOULDBLOCK) {
		fprintf(stderr, "lockwatchd: rtnetlink: %s\n", strerror(-r));
	}
	put_in_force(d, false);
	return 0;
}

static int follow(struct daemon *d)
{
	char err[256];
	int r;

	if (d->addrwatch)
		return 0;
	d->addrwatch = addrwatch_open(d->cfg->interface, err, sizeof(err));
	if (!d->addrwatch) {
		fprintf(stderr,
			"lockwatchd: cannot follow the addresses of %s (%s): name the mail host's "
			"addresses with 'server' lines in %s, or 'server any'\n",
			d->cfg->interface, err, d->cfg->rules);
		return LW_EXIT_SOFTWARE;
	}
	struct addrwatch *w = d->addrwatch;
	r = sd_event_add_io(d->event, &w->src, w->fd, EPOLLIN, on_netlink, d);
	/* before the capture in each turn: an address added is watched
	 * before the packets sent to it are judged */
	if (r >= 0)
		r = sd_event_source_set_priority(w->src, SD_EVENT_PRIORITY_IMPORTANT);
	if (r < 0) {
		fprintf(stderr, "lockwatchd: cannot watch rtnetlink: %s\n", strerror(-r));
		return LW_EXIT_SOFTWARE;
	}
	put_in_force(d, true);
	return 0;
}

int daemon_servers_apply(struct daemon *d)
{
	struct servers *sv = servers_from_rules(d->pipe->rules);

	if (!sv) {
		fprintf(stderr, "lockwatchd: out of memory\n");
		return LW_EXIT_SOFTWARE;
	}
	if (sv->origin == SERVERS_NONE && d->cfg->interface) {
		servers_free(sv);
		return follow(d);
	}
	daemon_servers_stop(d);
	if (servers_equal(sv, d->pipe->servers))
		servers_free(sv);
	else
		servers_free(pipeline_swap_servers(d->pipe, sv));
	return 0;
}

const char *daemon_servers_describe(const struct daemon *d, char *buf, size_t len)
{
	const struct servers *sv = d->pipe->servers;

	if (sv->origin == SERVERS_INTERFACE)
		snprintf(buf, len, "servers: the %zu address(es) of %s, followed", sv->n,
			 d->cfg->interface);
	else if (sv->origin == SERVERS_RULES)
		snprintf(buf, len, "servers: %zu from the rules", sv->n);
	else
		snprintf(buf, len, "servers: %s (every destination judged)",
			 servers_origin_name(sv->origin));
	return buf;
}

void daemon_servers_stop(struct daemon *d)
{
	addrwatch_free(d->addrwatch);
	d->addrwatch = NULL;
}
