/* lockwatchd's watched servers (analyzer/servers.h): the rules' `server`
 * lines when they have any (or `server any`); otherwise, on a live
 * capture, the capture interface's own IPv4 and IPv6 addresses, followed
 * while the daemon runs through rtnetlink (RTM_NEWADDR / RTM_DELADDR) on
 * the event loop, each change swapped into the pipeline as a new set. */
#ifndef LW_DAEMON_ADDRWATCH_H
#define LW_DAEMON_ADDRWATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/addr.h"

struct daemon;

/* Puts the servers in force for the rules loaded and, when they are the
 * interface's, starts following it. Returns 0 or an exit status (the
 * message printed). Called again after a rules reload. */
int daemon_servers_apply(struct daemon *d);
void daemon_servers_stop(struct daemon *d);
/* "servers: the 2 address(es) of eth0, followed", for the opening line. */
const char *daemon_servers_describe(const struct daemon *d, char *buf, size_t len);

/* One address of an rtnetlink message: added (true) or removed. */
typedef void (*addrwatch_fn)(const struct lw_addr *a, bool added, void *userdata);

#define ADDRWATCH_DONE 1 /* the message ends a dump */

/* Reads the rtnetlink messages in buf[0..len), calling fn for each
 * address of interface ifindex (0: of every interface). Every length is
 * checked against the buffer. Returns 0, ADDRWATCH_DONE, or -errno for an
 * error message (or -EBADMSG when the buffer does not hold messages). */
int addrwatch_parse(const void *buf, size_t len, unsigned ifindex, addrwatch_fn fn, void *userdata);

#endif
