/* The BPF filter that keeps what the tracker needs and nothing else. */
#ifndef LW_FILTER_H
#define LW_FILTER_H

#include <stddef.h>
#include <stdint.h>

/* Writes a libpcap filter expression for the watched ports: both
 * directions of TCP on those ports (handshake, RST, first payload) and
 * ICMP/ICMPv6 destination-unreachable messages; on Ethernet (DLT_EN10MB)
 * also under one or two VLAN tags. On DLT_NULL/DLT_LOOP the filter is
 * empty (see filter.c). Returns 0, or -1 when the ports are
 * invalid or buf is too small (an error text is then in buf). */
int filter_build(const uint16_t *ports, unsigned n_ports, int linktype, char *buf, size_t len);

#endif
