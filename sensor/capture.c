/* Capture from files (pcap, pcapng, stdin) and live interfaces. */
#include "config.h"

#include "sensor/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/bounds.h"
#include "sensor/decode.h"
#include "sensor/filter.h"

/* Bytes of stdio buffer for capture files. glibc's default is st_blksize
 * (4 KiB), so libpcap's two freads per packet cost one read(2) every 4 KiB:
 * 100,000 system calls for a 400 MB file, as much time as the filtering.
 * One MiB brings that to a few hundred and still streams through the L2. */
#define CAPTURE_FILE_BUFFER (1024 * 1024)

static void set_err(struct capture *c, int err, const char *name, const char *msg)
{
	c->err = err;
	/* A message longer than errstr is cut; the start says what matters. */
	if (snprintf(c->errstr, sizeof(c->errstr), "%s: %s", name, msg) < 0)
		c->errstr[0] = '\0';
}

static struct capture *capture_alloc(const uint16_t *ports, unsigned n_ports)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (n_ports > LW_MAX_WATCHED_PORTS) {
		set_err(c, CAPTURE_ERR_FILTER, "capture", "too many watched ports");
		return c;
	}
	memcpy(c->ports, ports, n_ports * sizeof(*ports));
	c->n_ports = n_ports;
	return c;
}

static int install_filter(struct capture *c, pcap_t *p, const char *name)
{
	struct bpf_program prog;
	char expr[8192];

	if (c->n_ports == 0)
		return 0;
	if (filter_build(c->ports, c->n_ports, pcap_datalink(p), expr, sizeof(expr)) < 0) {
		set_err(c, CAPTURE_ERR_FILTER, name, expr);
		return -1;
	}
	if (expr[0] == '\0')
		return 0;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		set_err(c, CAPTURE_ERR_FILTER, name, pcap_geterr(p));
		return -1;
	}
	int r = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (r < 0) {
		set_err(c, CAPTURE_ERR_FILTER, name, pcap_geterr(p));
		return -1;
	}
	return 0;
}

static pcap_t *open_file(struct capture *c, const char *name)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	bool is_stdin = strcmp(name, "-") == 0;
	/* fopen ourselves so "cannot open" (errno) and "not a capture"
	 * (libpcap's text) stay apart: they have different exit codes. */
	FILE *fp = is_stdin ? stdin : fopen(name, "rb");

	if (!fp) {
		set_err(c, CAPTURE_ERR_OPEN, name, strerror(errno));
		return NULL;
	}
	/* Files are opened one at a time, so they share one buffer; without
	 * it (no memory) stdio's default still works, only slower. Standard
	 * input outlives the capture (libpcap does not close it), so it gets
	 * a buffer that lives as long as the process. */
	if (is_stdin) {
		static char stdin_buf[CAPTURE_FILE_BUFFER];

		setvbuf(fp, stdin_buf, _IOFBF, sizeof(stdin_buf));
	} else {
		if (!c->iobuf)
			c->iobuf = malloc(CAPTURE_FILE_BUFFER);
		if (c->iobuf)
			setvbuf(fp, c->iobuf, _IOFBF, CAPTURE_FILE_BUFFER);
	}
	pcap_t *p =
	    pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!p) {
		/* libpcap's text names the cause ("unknown file format",
		 * "truncated dump file; tried to read 4 file header bytes"). */
		set_err(c, CAPTURE_ERR_FORMAT, name, errbuf);
		if (!is_stdin)
			fclose(fp);
		return NULL;
	}
	int dlt = pcap_datalink(p);
	if (!decode_linktype_supported(dlt)) {
		char msg[160];
		const char *dname = pcap_datalink_val_to_name(dlt);
		snprintf(msg, sizeof(msg), "unsupported link type %d (%s)", dlt,
			 dname ? dname : "unknown");
		set_err(c, CAPTURE_ERR_LINKTYPE, name, msg);
		pcap_close(p);
		return NULL;
	}
	/* The filter only saves work: in a file cut too short for it to read
	 * the ports, the decoder and tracker select on their own. */
	if (pcap_snapshot(p) >= LW_FILTER_SNAPLEN_MIN && install_filter(c, p, name) < 0) {
		pcap_close(p);
		return NULL;
	}
	return p;
}

struct capture *capture_open_files(char *const *files, unsigned n_files, const uint16_t *ports,
				   unsigned n_ports)
{
	struct capture *c = capture_alloc(ports, n_ports);

	if (!c || c->err)
		return c;
	if (n_files == 0 || n_files > LW_MAX_FILES) {
		set_err(c, CAPTURE_ERR_OPEN, "capture", "too many capture files");
		return c;
	}
	c->files = calloc(n_files, sizeof(*c->files));
	if (!c->files) {
		set_err(c, CAPTURE_ERR_OPEN, "capture", strerror(ENOMEM));
		return c;
	}
	for (unsigned i = 0; i < n_files; i++) {
		c->files[i] = strdup(files[i]);
		if (!c->files[i]) {
			set_err(c, CAPTURE_ERR_OPEN, files[i], strerror(ENOMEM));
			return c;
		}
		c->n_files++;
	}
	/* Check every file before reading any, so a typo in the last name
	 * does not surface after minutes of work. Standard input can be
	 * read once only and is checked when its turn comes. */
	for (unsigned i = 0; i < n_files; i++) {
		struct stat st;
		if (strcmp(files[i], "-") == 0)
			continue;
		pcap_t *p = open_file(c, files[i]);
		if (!p)
			return c;
		if (fstat(fileno(pcap_file(p)), &st) == 0 && S_ISREG(st.st_mode))
			c->bytes_total += (uint64_t)st.st_size;
		pcap_close(p);
	}
	return c;
}

struct capture *capture_open_live(const struct capture_live_opts *o, const uint16_t *ports,
				  unsigned n_ports)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = capture_alloc(ports, n_ports);

	if (!c || c->err)
		return c;
	c->live = true;
	c->current = o->iface;
	pcap_t *p = pcap_create(o->iface, errbuf);
	if (!p) {
		set_err(c, CAPTURE_ERR_OPEN, o->iface, errbuf);
		return c;
	}
	pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : LW_SNAPLEN);
	pcap_set_promisc(p, o->promisc);
	pcap_set_buffer_size(p,
			     (o->buffer_mb > 0 ? o->buffer_mb : LW_PCAP_BUFFER_MB) * 1024 * 1024);
	pcap_set_immediate_mode(p, o->immediate);
	if (!o->immediate)
		pcap_set_timeout(p, o->timeout_ms > 0 ? o->timeout_ms : LW_PCAP_DELIVERY_MS);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
	int r = pcap_activate(p);
	if (r < 0) {
		int err = (r == PCAP_ERROR_PERM_DENIED) ? CAPTURE_ERR_PERM : CAPTURE_ERR_OPEN;
		const char *why = pcap_geterr(p);
		if (r == PCAP_ERROR_NO_SUCH_DEVICE)
			why = "no such interface";
		else if (r == PCAP_ERROR_PERM_DENIED)
			why = "permission denied (capturing needs root or CAP_NET_RAW)";
		set_err(c, err, o->iface, why);
		pcap_close(p);
		return c;
	}
	c->linktype = pcap_datalink(p);
	if (!decode_linktype_supported(c->linktype)) {
		set_err(c, CAPTURE_ERR_LINKTYPE, o->iface, "unsupported link type");
		pcap_close(p);
		return c;
	}
	if (install_filter(c, p, o->iface) < 0 || pcap_setnonblock(p, 1, errbuf) < 0) {
		if (!c->err)
			set_err(c, CAPTURE_ERR_OPEN, o->iface, errbuf);
		pcap_close(p);
		return c;
	}
	c->pcap = p;
	return c;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	if (c->pcap)
		pcap_close(c->pcap);
	for (unsigned i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c->iobuf);
	free(c);
}

int capture_fd(const struct capture *c)
{
	return c->live && c->pcap ? pcap_get_selectable_fd(c->pcap) : -1;
}

struct deliver_ctx {
	struct capture *c;
	capture_packet_fn fn;
	void *userdata;
};

static void deliver(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct deliver_ctx *d = (struct deliver_ctx *)user;

	d->c->stats.packets++;
	d->c->stats.bytes += h->caplen;
	d->fn(d->c->linktype, h, data, d->userdata);
}

static int next_live(struct capture *c, int max, capture_packet_fn fn, void *userdata)
{
	struct deliver_ctx d = {c, fn, userdata};
	int n = pcap_dispatch(c->pcap, max > 0 ? max : -1, deliver, (u_char *)&d);

	if (n < 0) {
		set_err(c, CAPTURE_ERR_READ, c->current, pcap_geterr(c->pcap));
		return -1;
	}
	return n;
}

static uint64_t file_pos(const struct capture *c)
{
	long pos = c->fp ? ftell((FILE *)c->fp) : -1;

	return pos > 0 ? (uint64_t)pos : 0;
}

void capture_progress(const struct capture *c, uint64_t *ret_done, uint64_t *ret_total)
{
	*ret_done = c->bytes_before + (c->live ? 0 : file_pos(c));
	*ret_total = c->bytes_total;
}

int capture_next(struct capture *c, int max, capture_packet_fn fn, void *userdata)
{
	if (c->live)
		return c->pcap ? next_live(c, max, fn, userdata) : -1;

	for (;;) {
		if (!c->pcap) {
			if (c->next_file >= c->n_files)
				return CAPTURE_END;
			c->current = c->files[c->next_file++];
			c->err = 0;
			c->pcap = open_file(c, c->current);
			if (!c->pcap)
				return -1;
			c->fp = pcap_file(c->pcap);
			c->linktype = pcap_datalink(c->pcap);
		}
		struct deliver_ctx d = {c, fn, userdata};
		int n = pcap_dispatch(c->pcap, max > 0 ? max : -1, deliver, (u_char *)&d);
		if (n > 0)
			return n;
		if (n == 0) { /* end of this file */
			c->bytes_before += file_pos(c);
			pcap_close(c->pcap);
			c->pcap = NULL;
			c->fp = NULL;
			c->stats.files_done++;
			continue;
		}
		/* A file cut short (a capture killed mid-write) still gave us
		 * everything before the cut; the caller reports and goes on. */
		set_err(c, CAPTURE_ERR_READ, c->current, pcap_geterr(c->pcap));
		c->bytes_before += file_pos(c);
		pcap_close(c->pcap);
		c->pcap = NULL;
		c->fp = NULL;
		c->stats.files_done++;
		return -1;
	}
}

void capture_get_stats(struct capture *c, struct capture_stats *ret)
{
	if (c->live && c->pcap) {
		struct pcap_stat ps;
		if (pcap_stats(c->pcap, &ps) == 0)
			c->stats.kernel_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	}
	*ret = c->stats;
}
