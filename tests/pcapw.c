/* pcap file writer for tests and lwgen (see frame.h): libpcap's own dump
 * functions on a dead handle, so the files are what tcpdump writes. */
#include "config.h"

#include "frame.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#define PCAPW_SNAPLEN 65535 /* bytes: the file header's snapshot length */

struct pcapw {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
};

struct pcapw *pcapw_open(const char *path, int linktype, char *errbuf, size_t errlen)
{
	return pcapw_open_snaplen(path, linktype, PCAPW_SNAPLEN, errbuf, errlen);
}

struct pcapw *pcapw_open_snaplen(const char *path, int linktype, int snaplen, char *errbuf,
				 size_t errlen)
{
	struct pcapw *w = calloc(1, sizeof(*w));

	if (!w) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: out of memory", path);
		return NULL;
	}
	w->pcap =
	    pcap_open_dead_with_tstamp_precision(linktype, snaplen, PCAP_TSTAMP_PRECISION_MICRO);
	if (!w->pcap) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: cannot open a pcap handle for link type %d",
				 path, linktype);
		goto fail;
	}
	w->dumper = pcap_dump_open(w->pcap, path);
	if (!w->dumper) {
		/* pcap's message already names the file */
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s", pcap_geterr(w->pcap));
		goto fail;
	}
	return w;

fail:
	pcapw_close(w);
	return NULL;
}

void pcapw_write_cut(struct pcapw *w, uint64_t ts_us, const uint8_t *data, size_t caplen,
		     size_t wirelen)
{
	struct pcap_pkthdr h;

	if (!w)
		return;
	h.ts.tv_sec = (time_t)(ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000);
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)wirelen;
	pcap_dump((u_char *)w->dumper, &h, data);
}

void pcapw_write(struct pcapw *w, uint64_t ts_us, const uint8_t *data, size_t len)
{
	pcapw_write_cut(w, ts_us, data, len, len);
}

void pcapw_close(struct pcapw *w)
{
	if (!w)
		return;
	if (w->dumper)
		pcap_dump_close(w->dumper);
	if (w->pcap)
		pcap_close(w->pcap);
	free(w);
}
