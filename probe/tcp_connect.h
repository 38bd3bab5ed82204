/* One TCP connect with a timeout, without raw sockets or privileges, and
 * its outcome in the sensor's words: the kernel's ICMP report is read from
 * the socket's error queue (IP_RECVERR / IPV6_RECVERR, MSG_ERRQUEUE), since
 * connect() alone says ECONNREFUSED for a RST and a port-unreachable alike. */
#ifndef LW_PROBE_TCP_CONNECT_H
#define LW_PROBE_TCP_CONNECT_H

#include <sys/socket.h>

#include "probe/probe.h"

/* Connects t->addr:t->port, from source when not NULL (port 0: any).
 * Sets t->tcp and t->tcp_detail. Returns the connected, non-blocking socket
 * when t->tcp is PROBE_TCP_ACCEPTED, else -1. */
int probe_tcp_connect(struct probe_target *t, const struct lw_addr *source, unsigned timeout_ms);

/* Fills a sockaddr for a + port; returns its length. */
socklen_t probe_sockaddr(const struct lw_addr *a, uint16_t port, struct sockaddr_storage *ret);

#endif
