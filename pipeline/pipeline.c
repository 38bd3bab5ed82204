/* Capture-to-aggregate glue (see pipeline.h). */
#include "config.h"

#include "pipeline/pipeline.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bounds.h"

void pipeline_config_defaults(struct pipeline_config *cfg)
{
	cfg->max_attempts = LW_TRACKER_MAX_DEFAULT;
	cfg->timeout_us = LW_HANDSHAKE_TIMEOUT_US;
	cfg->max_sources = LW_SOURCES_MAX_DEFAULT;
}

static void on_attempt(const struct attempt *a, void *userdata)
{
	struct pipeline *p = userdata;
	static const struct rule_ref outbound = {.cls = CLASS_OUTBOUND, .prefix = ""};
	struct rule_ref ref;

	switch (servers_direction(p->servers, &a->src, &a->dst)) {
	case DIR_OTHER:
		p->agg->ignored_server++;
		return;
	case DIR_OUTBOUND: /* the host's own mail: counted apart, never judged */
		aggregate_add(p->agg, a, &outbound);
		if (p->hours)
			hour_table_add(p->hours, a, CLASS_OUTBOUND);
		return;
	default:
		break;
	}
	rules_classify(p->rules, &a->src, &ref);
	if (p->servers->origin == SERVERS_NONE)
		hints_attempt(p->hints, a, ref.cls);
	aggregate_add(p->agg, a, &ref);
	if (p->hours)
		hour_table_add(p->hours, a, ref.cls);
	if (p->on_attempt)
		p->on_attempt(a, &ref, p->on_attempt_data);
}

static void on_ahead(const struct lw_addr *src, void *userdata)
{
	const struct pipeline *p = userdata;

	aggregate_prefetch(p->agg, src);
}

struct pipeline *pipeline_new(const struct pipeline_config *cfg, struct rules *rules)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct tracker_config tc;

	if (!p) {
		rules_free(rules);
		return NULL;
	}
	p->rules = rules;
	p->servers = servers_from_rules(rules);
	p->hints = calloc(1, sizeof(*p->hints));
	if (!p->servers || !p->hints)
		goto fail;
	tracker_config_defaults(&tc);
	tc.max_attempts = cfg->max_attempts;
	tc.timeout_us = cfg->timeout_us;
	tc.n_ports = rules_ports(rules, &tc.ports);
	tc.ahead = on_ahead;
	p->tracker = tracker_new(&tc, on_attempt, p);
	p->agg = aggregate_new(cfg->max_sources);
	if (!p->tracker || !p->agg)
		goto fail;
	return p;
fail:
	pipeline_free(p);
	return NULL;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	tracker_free(p->tracker);
	aggregate_free(p->agg);
	hour_table_free(p->hours);
	rules_free(p->rules);
	servers_free(p->servers);
	free(p->hints);
	free(p);
}

int pipeline_keep_hours(struct pipeline *p)
{
	if (!p->hours)
		p->hours = hour_table_new();
	return p->hours ? 0 : -1;
}

static void track_oldest(struct pipeline *p)
{
	tracker_packet(p->tracker, &p->queue[p->q_head].pkt);
	p->q_head = (p->q_head + 1) % PIPELINE_AHEAD;
	p->q_n--;
}

void pipeline_drain(struct pipeline *p)
{
	while (p->q_n > 0)
		track_oldest(p);
}

void pipeline_advance(struct pipeline *p, uint64_t now_us)
{
	pipeline_drain(p);
	tracker_advance(p->tracker, now_us);
}

void pipeline_packet(int linktype, const struct pcap_pkthdr *h, const uint8_t *data, void *userdata)
{
	struct pipeline *p = userdata;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;

	if (p->q_n == PIPELINE_AHEAD)
		track_oldest(p);
	struct pipeline_queued *q = &p->queue[(p->q_head + p->q_n) % PIPELINE_AHEAD];
	enum decode_result r = decode_packet(linktype, data, h->caplen, h->len, ts, &q->pkt);

	p->decoded[r]++;
	if (r != DECODE_OK) {
		/* in order: what is queued happened before this packet's time */
		pipeline_advance(p, ts);
		return;
	}
	p->tcp_tail_cut += q->pkt.tcp_tail_cut;
	if (q->pkt.payload_len > 0) {
		if (tracker_reads_payload(p->tracker, &q->pkt)) {
			uint32_t n = q->pkt.payload_len < PIPELINE_PAYLOAD_KEEP
					 ? q->pkt.payload_len
					 : PIPELINE_PAYLOAD_KEEP;
			memcpy(q->payload, q->pkt.payload, n);
			q->pkt.payload = q->payload;
			q->pkt.payload_len = n;
		} else {
			q->pkt.payload = NULL; /* gone with libpcap's buffer */
		}
	}
	tracker_prefetch(p->tracker, &q->pkt);
	p->q_n++;
}

void pipeline_finish(struct pipeline *p)
{
	pipeline_drain(p);
	tracker_finish(p->tracker);
}

struct rules *pipeline_swap_rules(struct pipeline *p, struct rules *rules)
{
	struct rules *old = p->rules;

	pipeline_drain(p); /* the new rules from the next packet on */
	p->rules = rules;
	return old;
}

struct servers *pipeline_swap_servers(struct pipeline *p, struct servers *servers)
{
	struct servers *old = p->servers;

	pipeline_drain(p); /* the new servers from the next packet on */
	p->servers = servers;
	return old;
}

uint64_t pipeline_undecodable(const struct pipeline *p)
{
	uint64_t n = 0;

	for (int i = 0; i < DECODE_RESULT_COUNT; i++)
		if (decode_result_is_bad((enum decode_result)i))
			n += p->decoded[i];
	return n;
}

int pipeline_report(struct pipeline *p, const struct capture_stats *cs, struct report *r)
{
	struct tracker_stats ts;

	pipeline_drain(p);
	tracker_get_stats(p->tracker, &ts);
	r->packets = cs->packets;
	r->kernel_drops = cs->kernel_drops;
	r->evictions = ts.evictions;
	r->unmatched_replies = ts.unmatched_replies;
	r->unmatched_icmp = ts.unmatched_icmp;
	r->pending_at_end = ts.pending_at_end;
	r->tcp_truncated_tail = p->tcp_tail_cut;
	r->clock_jumps = ts.clock_jumps;
	r->reply_seen_evictions = ts.reply_seen_evictions;
	r->rules_digest = rules_digest(p->rules);
	r->n_probes = rules_probe_count(p->rules);
	r->probes_known = true;
	r->servers_origin = servers_origin_name(p->servers->origin);
	r->n_servers = p->servers->n;
	r->ignored_server = p->agg->ignored_server;
	r->n_probable = p->servers->origin == SERVERS_NONE
			    ? hints_probable(p->hints, r->probable, REPORT_MAX_PROBABLE)
			    : 0;
	r->n_malformed = 0;
	for (int i = 0; i < DECODE_RESULT_COUNT && r->n_malformed < REPORT_MAX_COUNTERS; i++) {
		if (!decode_result_is_bad((enum decode_result)i))
			continue;
		r->malformed[r->n_malformed].name = decode_result_name((enum decode_result)i);
		r->malformed[r->n_malformed].n = p->decoded[i];
		r->n_malformed++;
	}
	if (p->hours) {
		free(r->hours);
		if (hour_table_export(p->hours, &r->hours, &r->n_hours) < 0)
			return -1;
		r->timeline_dropped = p->hours->dropped;
	}
	return report_from_aggregate(r, p->agg);
}

void pipeline_store_health(struct pipeline *p, struct capture *c, uint64_t started_us,
			   struct store_health *h)
{
	struct capture_stats cs;
	struct tracker_stats ts;
	const char *digest = rules_digest(p->rules);

	capture_get_stats(c, &cs);
	tracker_get_stats(p->tracker, &ts);
	h->started_us = started_us;
	h->packets = cs.packets;
	h->kernel_drops = cs.kernel_drops;
	h->evictions = ts.evictions;
	h->sources_dropped = p->agg->sources_dropped;
	h->outbound_attempts = p->agg->totals[CLASS_OUTBOUND].attempts;
	h->outbound_sources = aggregate_sources(p->agg, CLASS_OUTBOUND, NULL);
	h->undecodable = pipeline_undecodable(p);
	h->tcp_truncated_tail = p->tcp_tail_cut;
	h->clock_jumps = ts.clock_jumps;
	snprintf(h->rules_digest, sizeof(h->rules_digest), "%s", digest ? digest : "");
	snprintf(h->servers_origin, sizeof(h->servers_origin), "%s",
		 servers_origin_name(p->servers->origin));
	h->n_servers = (uint32_t)p->servers->n;
	servers_format(p->servers, h->servers, sizeof(h->servers));
	h->not_watched = p->agg->ignored_server;
	h->n_probes = (uint32_t)rules_probe_count(p->rules);
	rules_probes_format(p->rules, h->probe_prefixes, sizeof(h->probe_prefixes));
}
