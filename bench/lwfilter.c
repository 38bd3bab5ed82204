/* lwfilter: prints the BPF filter lockwatch installs on a capture file, or a
 * peer's filter built the same way, so that every program bench/run times
 * selects the same packets: the floor (tcpdump -w /dev/null) must do
 * libpcap's share of lockwatch's work, no more and no less.
 *
 *   lwfilter -r RULES FILE          lockwatch's own filter (sensor/filter.c)
 *   lwfilter -r RULES --tcp FILE    TCP on the watched ports (p0f)
 *   lwfilter -r RULES --syn FILE    client SYNs to the watched ports (tcpdump)
 *
 * The link type comes from the file because the filter depends on it:
 * on Ethernet every expression is repeated behind one and two VLAN tags. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "common/bounds.h"
#include "common/diag.h"
#include "rules/rules.h"
#include "sensor/filter.h"

#define EXPR_MAX 8192 /* bytes of filter text; filter.c's own limit */

static int usage(void)
{
	fputs("usage: lwfilter -r RULES [--tcp|--syn] FILE\n", stderr);
	return 64;
}

/* Peers' expressions get the VLAN repetition sensor/filter.c applies. */
static int wrap_vlan(const char *core, int dlt, char *buf, size_t len)
{
	int n = dlt == DLT_EN10MB
		    ? snprintf(buf, len, "(%s) or (vlan and ((%s) or (vlan and (%s))))", core, core,
			       core)
		    : snprintf(buf, len, "%s", core);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int port_list(const uint16_t *ports, unsigned n, const char *dir, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		int k =
		    snprintf(buf + pos, len - pos, "%s%sport %u", i ? " or " : "", dir, ports[i]);
		if (k < 0 || (size_t)k >= len - pos)
			return -1;
		pos += (size_t)k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *rules_path = NULL, *file = NULL, *mode = "lockwatch";
	char errbuf[PCAP_ERRBUF_SIZE], expr[EXPR_MAX];
	const uint16_t *ports;
	struct diag d;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rules_path = argv[++i];
		else if (!strcmp(argv[i], "--tcp") || !strcmp(argv[i], "--syn"))
			mode = argv[i] + 2;
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			return usage();
	}
	if (!rules_path || !file)
		return usage();

	diag_init(&d);
	struct rules *r = rules_load_file(rules_path, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i].text);
	diag_clear(&d);
	if (!r)
		return 65;
	unsigned n_ports = rules_ports(r, &ports);

	pcap_t *p = pcap_open_offline(file, errbuf);
	if (!p) {
		fprintf(stderr, "lwfilter: %s\n", errbuf);
		rules_free(r);
		return 66;
	}
	int dlt = pcap_datalink(p);
	pcap_close(p);

	int rc = 0;
	if (!strcmp(mode, "lockwatch")) {
		rc = filter_build(ports, n_ports, dlt, expr, sizeof(expr));
	} else {
		char ports_expr[2048], core[4096];

		rc = port_list(ports, n_ports, strcmp(mode, "syn") ? "" : "dst ", ports_expr,
			       sizeof(ports_expr));
		if (rc == 0 && !strcmp(mode, "syn"))
			rc = snprintf(
				 core, sizeof(core),
				 "tcp and (%s) and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
				 ports_expr) >= (int)sizeof(core)
				 ? -1
				 : 0;
		else if (rc == 0)
			rc = snprintf(core, sizeof(core), "tcp and (%s)", ports_expr) >=
				     (int)sizeof(core)
				 ? -1
				 : 0;
		if (rc == 0)
			rc = wrap_vlan(core, dlt, expr, sizeof(expr));
	}
	rules_free(r);
	if (rc < 0) {
		fprintf(stderr, "lwfilter: cannot build the filter\n");
		return 65;
	}
	puts(expr);
	return 0;
}
