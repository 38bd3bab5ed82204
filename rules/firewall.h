/* Firewall export: the policy the monitor checks, written as nftables or
 * iptables rules, so enforcement and monitoring come from one file. */
#ifndef LW_FIREWALL_H
#define LW_FIREWALL_H

#include <stdbool.h>
#include <stdio.h>

#include "rules/rules.h"

enum firewall_format { FIREWALL_NFT, FIREWALL_IPTABLES, FIREWALL_IP6TABLES };

/* Accept the watched ports (to the watched servers, when named) from the
 * sets in force and the exceptions; drop, or with reject=true refuse
 * (TCP reset), everyone else, the `probe` vantage points too (their
 * attempts are to be blocked: that is what they test). `source` names the rules file in comments.
 */
void firewall_export(const struct rules *r, const char *source, enum firewall_format fmt,
		     bool reject, FILE *out);

#endif
