/* Packet sources: a live interface or capture files read in order.
 * Like every long-lived object that talks to the outside, a capture carries
 * err/errstr and its constructor returns it even when opening failed. */
#ifndef LW_CAPTURE_H
#define LW_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/bounds.h"

struct pcap_pkthdr;

enum capture_err {
	CAPTURE_OK = 0,
	CAPTURE_ERR_OPEN,     /* file or interface could not be opened */
	CAPTURE_ERR_FORMAT,   /* not a pcap/pcapng file, or its header is cut */
	CAPTURE_ERR_FILTER,   /* filter does not compile for this link type */
	CAPTURE_ERR_LINKTYPE, /* link type the decoder does not know */
	CAPTURE_ERR_READ,     /* read failed or file truncated */
	CAPTURE_ERR_PERM,     /* no permission to capture */
};

struct capture_live_opts {
	const char *iface;
	int snaplen;	/* LW_SNAPLEN */
	int buffer_mb;	/* LW_PCAP_BUFFER_MB */
	bool promisc;	/* off: the mail host's own traffic is what matters */
	bool immediate; /* deliver packets as they come (low latency alerts) */
	int timeout_ms; /* otherwise: hand over what arrived at least this often */
};

struct capture_stats {
	uint64_t packets;      /* delivered to the callback */
	uint64_t kernel_drops; /* ps_drop + ps_ifdrop (live only) */
	uint64_t bytes;	       /* captured bytes (caplen) */
	unsigned files_done;
};

struct capture {
	int err;	  /* enum capture_err, 0 when fine */
	char errstr[512]; /* "FILE: what went wrong" */
	/* private below */
	void *pcap; /* pcap_t */
	int linktype;
	bool live;
	char **files;
	unsigned n_files, next_file;
	uint16_t ports[LW_MAX_WATCHED_PORTS]; /* the filter is built per link type */
	unsigned n_ports;
	const char *current;   /* name of the file or interface being read */
	char *iobuf;	       /* stdio buffer of the file being read (capture.c) */
	void *fp;	       /* FILE * under the current file, for progress */
	uint64_t bytes_total;  /* sizes of all regular input files (progress) */
	uint64_t bytes_before; /* sizes of the files already read */
	struct capture_stats stats;
};

typedef void (*capture_packet_fn)(int linktype, const struct pcap_pkthdr *h, const uint8_t *data,
				  void *userdata);

/* Checks that every file opens as a capture with a supported link type,
 * then reads them in order. "-" is standard input. The BPF filter keeps
 * the handshakes on the watched ports (sensor/filter.h); n_ports 0 means
 * no filter at all. */
struct capture *capture_open_files(char *const *files, unsigned n_files, const uint16_t *ports,
				   unsigned n_ports);
struct capture *capture_open_live(const struct capture_live_opts *opts, const uint16_t *ports,
				  unsigned n_ports);
void capture_free(struct capture *c);

/* Delivers up to max packets (max <= 0: all that are ready). Returns the
 * number delivered, CAPTURE_END when all files are read, or -1 on an error
 * (c->err / c->errstr tell; for files the next call moves on to the next
 * file, so what was read stays counted). */
#define CAPTURE_END (-2)
int capture_next(struct capture *c, int max, capture_packet_fn fn, void *userdata);

/* Input bytes read so far and in all; total is 0 when unknown (stdin,
 * pipes, live capture). Cheap enough to call every few thousand packets. */
void capture_progress(const struct capture *c, uint64_t *ret_done, uint64_t *ret_total);

/* Selectable descriptor of a live capture, -1 for files. */
int capture_fd(const struct capture *c);
void capture_get_stats(struct capture *c, struct capture_stats *ret);

#endif
