/* pipeline/: the pipeline both programs run: capture -> decode -> tracker ->
 * rules -> aggregate. It owns the sensor and analyzer objects and joins them
 * only through struct attempt. It may include common/, sensor/, rules/ and
 * analyzer/; lockwatch (cli/) and lockwatchd (daemon/) include it, never the
 * other way round. */
#ifndef LW_PIPELINE_H
#define LW_PIPELINE_H

#include <stdint.h>

#include "analyzer/aggregate.h"
#include "analyzer/hints.h"
#include "analyzer/report.h"
#include "analyzer/servers.h"
#include "analyzer/store_batch.h"
#include "analyzer/timeline.h"
#include "rules/rules.h"
#include "sensor/attempt.h"
#include "sensor/capture.h"
#include "sensor/decode.h"
#include "sensor/tracker.h"

struct pcap_pkthdr;

struct pipeline_config {
	uint32_t max_attempts; /* tracker bound */
	uint64_t timeout_us;   /* handshake timeout, packet time */
	uint32_t max_sources;  /* aggregate bound */
};

/* Called for every classified attempt, after it was aggregated (alerts). */
typedef void (*pipeline_attempt_fn)(const struct attempt *a, const struct rule_ref *ref,
				    void *userdata);

/* Packets are tracked PIPELINE_AHEAD - 1 packets after they are decoded,
 * so that the tracker's index slot for each is loaded (tracker_prefetch)
 * while the packets before it are tracked: under a flood of new sources
 * that slot is a cache miss per packet. libpcap reuses its buffer, so a
 * queued packet keeps a copy of what the tracker reads of its payload
 * (the HELO line). */
#define PIPELINE_AHEAD	      4u
#define PIPELINE_PAYLOAD_KEEP (LW_HELO_MAX + 8u) /* "EHLO " + name + CRLF */

struct pipeline_queued {
	struct pkt pkt;
	uint8_t payload[PIPELINE_PAYLOAD_KEEP];
};

struct pipeline {
	struct rules *rules;	 /* owned */
	struct servers *servers; /* owned: whose attempts are judged */
	struct hints *hints;	 /* probable servers, while none is named */
	struct tracker *tracker;
	struct aggregate *agg;
	uint64_t decoded[DECODE_RESULT_COUNT];
	uint64_t tcp_tail_cut; /* decoded with the header cut after 14 bytes */
	pipeline_attempt_fn on_attempt;
	void *on_attempt_data;
	struct hour_table *hours; /* per-hour counts for the timeline; NULL: not kept */
	struct pipeline_queued queue[PIPELINE_AHEAD]; /* decoded, not yet tracked */
	unsigned q_head, q_n;
};

void pipeline_config_defaults(struct pipeline_config *cfg);
/* Takes ownership of rules, also on failure. NULL when out of memory. */
struct pipeline *pipeline_new(const struct pipeline_config *cfg, struct rules *rules);
void pipeline_free(struct pipeline *p);
/* Keeps per-hour counts from now on, for the report's timeline (replay; the
 * daemon's hours are the store's series). Returns 0 or -1 (memory). */
int pipeline_keep_hours(struct pipeline *p);

/* A capture_packet_fn: userdata is the pipeline. The packet may be tracked
 * later, at the latest by pipeline_drain(). */
void pipeline_packet(int linktype, const struct pcap_pkthdr *h, const uint8_t *data,
		     void *userdata);
/* Tracks every packet still queued. Call it after each read from the
 * capture and before reading the tracker's or the aggregate's state
 * directly; the pipeline's own functions below do it themselves. */
void pipeline_drain(struct pipeline *p);
/* Packet time moves on without a packet (a live capture gone quiet). */
void pipeline_advance(struct pipeline *p, uint64_t now_us);
/* End of input: the tracker's open attempts are emitted and counted. */
void pipeline_finish(struct pipeline *p);

/* Puts new rules in force between two packets and returns the old ones
 * (the caller frees them). The watched ports must be the same: the capture
 * filter and the tracker were built for them. Aggregated labels are
 * interned, so nothing held refers into the old rules. */
struct rules *pipeline_swap_rules(struct pipeline *p, struct rules *rules);

/* Puts a new watched servers set in force between two packets and returns
 * the old one (the caller frees it). pipeline_new() starts with the rules'
 * (servers_from_rules). */
struct servers *pipeline_swap_servers(struct pipeline *p, struct servers *servers);

/* Packets decode_packet() called malformed, every reason. */
uint64_t pipeline_undecodable(const struct pipeline *p);

/* The capture's health as a store batch carries it (store_health): what
 * capture c and the pipeline counted, and since when (started_us). */
void pipeline_store_health(struct pipeline *p, struct capture *c, uint64_t started_us,
			   struct store_health *ret);

/* Fills a report from what the pipeline counted and the capture's health. */
int pipeline_report(struct pipeline *p, const struct capture_stats *cs, struct report *r);

#endif
